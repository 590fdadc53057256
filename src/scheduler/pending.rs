//! A task set's pending lists keyed by host or by rack: the names interned to small ids.
//!
//! A `TaskSetManager` keeps a stack of task indices per host and per rack its tasks prefer
//! (Spark's `pendingTasks.forHost` and `forRack`). A stage of 20,000 tasks preferring 3 hosts
//! each pushes 60,000 times, and every offer looks a host up: keyed by name, each of those is
//! a search that compares strings. Here a name is looked up once, when a task first names it,
//! and a list is then found by its id. Lists are visited in the order their names were first
//! seen, which is the order tasks name them: deterministic, whatever the names. This module
//! only keeps lists; which task to hand out is the `TaskSetManager`'s decision.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Stacks of task indices, one per name.
#[derive(Debug, Default)]
pub struct NamedLists {
    ids: BTreeMap<Arc<str>, usize>,

    names: Vec<Arc<str>>,
    /// Each name's stack; `None` once emptied and dropped.
    lists: Vec<Option<Vec<usize>>>,
}

impl NamedLists {
    /// The id of `name`, if some task named it.
    pub fn id(&self, name: &str) -> Option<usize> {
        self.ids.get(name).copied()
    }

    /// The id of `name`, made if it is new (the name shared, not copied, when it is an
    /// `Arc<str>` already).
    pub fn intern(&mut self, name: &Arc<str>) -> usize {
        if let Some(id) = self.ids.get(&**name) {
            return *id;
        }
        let id = self.names.len();
        self.ids.insert(name.clone(), id);
        self.names.push(name.clone());
        self.lists.push(None);
        id
    }

    /// Pushes task `index` on the stack of name `id`.
    pub fn push(&mut self, id: usize, index: usize) {
        if let Some(slot) = self.lists.get_mut(id) {
            slot.get_or_insert_with(Vec::new).push(index);
        }
    }

    /// The stack of name `id`, while it has one.
    pub fn get_mut(&mut self, id: usize) -> Option<&mut Vec<usize>> {
        self.lists.get_mut(id).and_then(Option::as_mut)
    }

    /// The names that have a stack.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .zip(&self.lists)
            .filter(|(_, l)| l.is_some())
            .map(|(n, _)| &**n)
    }

    /// Whether some stack has a task `ok` accepts, pruning as Spark's `moreTasksToRunIn` does:
    /// each stack is popped from its top until an acceptable task shows, an emptied stack is
    /// dropped, and the search stops at the first stack with one.
    pub fn any_left(&mut self, ok: &dyn Fn(usize) -> bool) -> bool {
        for slot in self.lists.iter_mut() {
            let Some(list) = slot else { continue };
            while let Some(&i) = list.last() {
                if ok(i) {
                    return true;
                }
                list.pop();
            }
            *slot = None;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_interned_once_and_its_stack_found_by_id() {
        let mut l = NamedLists::default();
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("host-1"), Arc::from("host-0"));
        let ia = l.intern(&a);
        let ib = l.intern(&b);
        assert_eq!(l.intern(&Arc::from("host-1")), ia);
        l.push(ia, 3);
        l.push(ib, 4);
        l.push(ia, 5);
        assert_eq!(l.id("host-0"), Some(ib));
        assert_eq!(l.get_mut(ia).and_then(|s| s.pop()), Some(5));
        assert_eq!(l.names().collect::<Vec<_>>(), vec!["host-1", "host-0"]);
    }

    #[test]
    fn pruning_drops_emptied_stacks_and_stops_at_the_first_with_a_task() {
        let mut l = NamedLists::default();
        let (a, b) = (l.intern(&Arc::from("a")), l.intern(&Arc::from("b")));
        l.push(a, 1);
        l.push(b, 2);
        l.push(b, 3);
        // Task 1 and 3 are done: `a` empties and goes; `b` shows 2 under 3.
        assert!(l.any_left(&|i| i == 2));
        assert_eq!(l.names().collect::<Vec<_>>(), vec!["b"]);
        assert!(!l.any_left(&|_| false));
        assert_eq!(l.names().count(), 0);
    }
}
