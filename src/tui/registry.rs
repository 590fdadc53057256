//! The views of the UI, in tab order, and what is read off all of them at once: the README's
//! table of keys. It owns the list; what a view is lives in [`super::view`], each view in its
//! own file, and nothing here draws or handles a key.

use super::view::{View, GLOBAL};

/// Every view, in tab order: one line each.
pub const VIEWS: &[fn() -> Box<dyn View>] = &[
    || Box::new(super::lineage_tab::LineageTab::default()),
    || Box::new(super::jobs::JobsTab::default()),
    || Box::new(super::timeline::TimelineTab::default()),
    || Box::new(super::events_view::EventsTab::default()),
    || Box::new(super::storage_view::StorageTab::default()),
    || Box::new(super::executors::ExecutorsTab::default()),
    || Box::new(super::locality_view::LocalityTab::default()),
    || Box::new(super::compare_view::CompareTab::default()),
];

/// Every view, new, in tab order.
pub fn views() -> Vec<Box<dyn View>> {
    VIEWS.iter().map(|make| make()).collect()
}

/// The README's table of keys, from the tables: the global keys, then each view's.
pub fn keys_table() -> String {
    let quote = |label: &str| -> String {
        label
            .split(' ')
            .filter(|k| !k.is_empty())
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::from("| key | view | what it does |\n| --- | --- | --- |\n");
    for b in GLOBAL {
        out.push_str(&format!("| {} | any | {} |\n", quote(b.label), b.help));
    }
    for v in views() {
        for b in v.keys() {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                quote(b.label),
                v.name().to_lowercase(),
                b.help
            ));
        }
    }
    out
}
