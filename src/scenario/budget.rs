//! A run's work, estimated before it starts, and the budget it must stay within.
//!
//! A scenario is a few lines of TOML, and a few characters can ask for a run that would not
//! end today: `lines = 50000000` with `words_per_line = 50000000` is 2.5 × 10¹⁵ words;
//! `block_size = "1B"` cuts a megabyte of input into a million blocks, a million map tasks and
//! a million-squared shuffle blocks. Before a run starts (before its first event or DFS write),
//! [`estimate`] reckons five quantities from the scenario alone (records, tasks, blocks, events
//! and event-log bytes), each with the product that makes it, and [`Budget::check`] refuses a
//! run whose estimate passes a limit, naming the product. `--no-budget` lifts the limits.
//!
//! The limits ([`Budget::DEFAULT`]) are set so that every bundled scenario and the benchmarks'
//! sizes pass with room to spare, and a run at a limit takes minutes on one laptop. This module
//! owns the quantities and the limits; how each workload's work is reckoned is
//! [`super::estimate`]'s, and nothing here runs.

use crate::human::count;
use std::fmt;

pub use super::estimate::estimate;

/// The quantities a run's work is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quantity {
    /// Records generated and handed through operations (each record once per operation).
    Records,
    /// Task attempts launched.
    Tasks,
    /// Blocks made: DFS blocks (with their replicas), shuffle blocks (map tasks × reduce
    /// partitions of each shuffle), cached blocks.
    Blocks,
    /// Events posted.
    Events,
    /// Bytes of the event log.
    LogBytes,
}

impl Quantity {
    /// Every quantity, in the order they are checked.
    pub const ALL: [Quantity; 5] = [
        Quantity::Records,
        Quantity::Tasks,
        Quantity::Blocks,
        Quantity::Events,
        Quantity::LogBytes,
    ];

    /// Its name in words.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Records => "records",
            Quantity::Tasks => "tasks",
            Quantity::Blocks => "blocks",
            Quantity::Events => "events",
            Quantity::LogBytes => "event-log bytes",
        }
    }
}

/// One quantity of an estimate: its total and the largest term of the sum, in words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Work {
    pub total: u128,
    /// The largest contribution, and how it is made (`50,000,000 lines × 8 words per line`).
    pub largest: Option<(u128, String)>,
}

impl Work {
    pub(super) fn add(&mut self, amount: u128, product: impl FnOnce() -> String) {
        self.total = self.total.saturating_add(amount);
        if self.largest.as_ref().is_none_or(|(a, _)| amount > *a) {
            self.largest = Some((amount, product()));
        }
    }
}

/// A run's work, estimated before it starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Estimate {
    pub records: Work,
    pub tasks: Work,
    pub blocks: Work,
    pub events: Work,
    pub log_bytes: Work,
}

impl Estimate {
    /// The estimate of one quantity.
    pub fn get(&self, q: Quantity) -> &Work {
        match q {
            Quantity::Records => &self.records,
            Quantity::Tasks => &self.tasks,
            Quantity::Blocks => &self.blocks,
            Quantity::Events => &self.events,
            Quantity::LogBytes => &self.log_bytes,
        }
    }
}

/// The most work a run may do, per quantity (`None`: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    limits: Option<[u128; 5]>,
}

impl Budget {
    /// The limits every command applies unless `--no-budget` is given: a billion records,
    /// a million tasks, twenty million blocks, five million events, 2 GiB of event log.
    pub const DEFAULT: Budget = Budget {
        limits: Some([
            1_000_000_000,
            1_000_000,
            20_000_000,
            5_000_000,
            2 * 1024 * 1024 * 1024,
        ]),
    };

    /// No limit (`--no-budget`).
    pub const NONE: Budget = Budget { limits: None };

    /// The limit of a quantity, if there is one.
    pub fn limit(&self, q: Quantity) -> Option<u128> {
        self.limits.map(|l| l[q as usize])
    }

    /// The estimate, or the first quantity over its limit (records, tasks, blocks, events,
    /// log bytes: the order in which one causes the next) with its product.
    pub fn check(&self, e: &Estimate) -> Result<(), OverBudget> {
        let over = Quantity::ALL
            .into_iter()
            .find(|q| self.limit(*q).is_some_and(|l| e.get(*q).total > l));
        match over {
            None => Ok(()),
            Some(q) => {
                let w = e.get(q);
                Err(OverBudget {
                    quantity: q,
                    total: w.total,
                    limit: self.limit(q).unwrap_or(0),
                    product: w.largest.clone().map(|(_, p)| p).unwrap_or_default(),
                })
            }
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::DEFAULT
    }
}

/// A run refused: the quantity over its limit, and the product that makes it.
#[derive(Clone, Debug, PartialEq)]
pub struct OverBudget {
    pub quantity: Quantity,
    pub total: u128,
    pub limit: u128,
    /// The largest term of the estimate, in words.
    pub product: String,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the run is too large: about {} {} (the budget is {}), mostly {}; make it smaller, \
             or give --no-budget to run it anyway",
            big(self.total),
            self.quantity.name(),
            big(self.limit),
            self.product
        )
    }
}

/// A count for people: grouped digits, or `2.5e15` past a trillion.
pub(super) fn big(n: u128) -> String {
    if n >= 1_000_000_000_000 {
        format!("{:.1e}", n as f64)
    } else {
        count(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(total: u128) -> Work {
        Work {
            total,
            largest: Some((total, format!("{total} things"))),
        }
    }

    #[test]
    fn the_first_quantity_over_its_limit_is_named_with_its_product() {
        let e = Estimate {
            records: work(2_000_000_000),
            tasks: work(10),
            blocks: work(1_000_000_000),
            events: work(10),
            log_bytes: work(10),
        };
        let over = Budget::DEFAULT.check(&e).unwrap_err();
        assert_eq!(over.quantity, Quantity::Records, "records come first");
        assert!(over.to_string().contains("2000000000 things"), "{over}");
        assert!(Budget::NONE.check(&e).is_ok());
    }
}
