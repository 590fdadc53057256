//! Declined offers, merged: the `OfferDeclined` events of one task set.
//!
//! Delay scheduling declines an executor's offer every round while a task set waits for a more
//! local level, so a log with one event per decline would grow with rounds, not with
//! decisions. This module keeps, per executor, the declines not yet posted, counts identical
//! consecutive ones, and posts one event when something changes. It owns only that
//! bookkeeping; *whether* an offer is declined is the
//! [`TaskSetManager`](super::task_set_manager::TaskSetManager)'s decision.

use crate::events::{EventKind, EventSink, Locality};
use std::collections::BTreeMap;

/// Declines of one executor's offers not yet posted.
#[derive(Debug)]
struct Pending {
    name: String,
    allowed: Locality,
    best: Locality,
    count: u64,
    since: u64,
}

/// One task set's declined offers, by executor.
#[derive(Debug, Default)]
pub struct Declines {
    pending: BTreeMap<usize, Pending>,
}

impl Declines {
    /// Records that `exec`'s offer was declined at `now`: allowed `allowed`, it could have had
    /// `best`. The same decline as the last one of this executor is counted into it; a
    /// different one posts the last one first.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        (stage, attempt): (usize, usize),
        exec: usize,
        name: &str,
        allowed: Locality,
        best: Locality,
        now: u64,
        events: &mut EventSink,
    ) {
        if let Some(p) = self.pending.get_mut(&exec) {
            if p.allowed == allowed && p.best == best {
                p.count += 1;
                return;
            }
            self.post(stage, attempt, exec, now, events);
        }
        self.pending.insert(
            exec,
            Pending {
                name: name.to_string(),
                allowed,
                best,
                count: 1,
                since: now,
            },
        );
    }

    /// Posts `exec`'s pending declines, if it has any (it is about to get a task).
    pub fn post(
        &mut self,
        stage: usize,
        attempt: usize,
        exec: usize,
        now: u64,
        events: &mut EventSink,
    ) {
        if let Some(p) = self.pending.remove(&exec) {
            events.emit(
                now,
                EventKind::OfferDeclined {
                    stage,
                    attempt,
                    executor: p.name,
                    allowed: p.allowed,
                    best: p.best,
                    count: p.count,
                    since_us: p.since,
                },
            );
        }
    }

    /// Posts every executor's pending declines, in executor order (the allowed level is
    /// about to change, or the set ends).
    pub fn post_all(&mut self, stage: usize, attempt: usize, now: u64, events: &mut EventSink) {
        let execs: Vec<usize> = self.pending.keys().copied().collect();
        for e in execs {
            self.post(stage, attempt, e, now, events);
        }
    }

    /// Whether `exec` has declines not yet posted.
    pub fn has_pending(&self, exec: usize) -> bool {
        self.pending.contains_key(&exec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declined(events: &mut EventSink) -> Vec<(String, u64, u64, u64)> {
        events
            .drain()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::OfferDeclined {
                    executor,
                    count,
                    since_us,
                    ..
                } => Some((executor, count, since_us, e.time_us)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn identical_consecutive_declines_of_one_executor_are_one_event_with_a_count() {
        let mut d = Declines::default();
        let mut ev = EventSink::default();
        for t in 0..5 {
            d.record(
                (1, 0),
                3,
                "exec-3",
                Locality::NodeLocal,
                Locality::Any,
                t,
                &mut ev,
            );
            d.record(
                (1, 0),
                4,
                "exec-4",
                Locality::NodeLocal,
                Locality::Any,
                t,
                &mut ev,
            );
        }
        assert!(
            declined(&mut ev).is_empty(),
            "nothing posted while nothing changes"
        );
        d.post_all(1, 0, 9, &mut ev);
        assert_eq!(
            declined(&mut ev),
            vec![("exec-3".into(), 5, 0, 9), ("exec-4".into(), 5, 0, 9)]
        );
    }

    #[test]
    fn a_different_decline_posts_the_one_before() {
        let mut d = Declines::default();
        let mut ev = EventSink::default();
        d.record(
            (1, 0),
            3,
            "exec-3",
            Locality::NodeLocal,
            Locality::Any,
            1,
            &mut ev,
        );
        d.record(
            (1, 0),
            3,
            "exec-3",
            Locality::NodeLocal,
            Locality::Any,
            2,
            &mut ev,
        );
        d.record(
            (1, 0),
            3,
            "exec-3",
            Locality::NodeLocal,
            Locality::RackLocal,
            3,
            &mut ev,
        );
        assert_eq!(declined(&mut ev), vec![("exec-3".into(), 2, 1, 3)]);
        assert!(d.has_pending(3));
        d.post(1, 0, 3, 4, &mut ev);
        assert_eq!(declined(&mut ev), vec![("exec-3".into(), 1, 3, 4)]);
        assert!(!d.has_pending(3));
    }
}
