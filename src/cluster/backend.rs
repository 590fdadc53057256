//! [`Backend`]: what the one driver loop needs of a clock: the time, a way to launch tasks,
//! and a wait for the next task completion or a deadline.

use crate::scheduler::{StatusUpdate, TaskDescription};

/// What a wait ended with.
pub enum Wake {
    /// A task finished (its status update), at the backend's `now`.
    Completed(Box<StatusUpdate>),
    /// The deadline came first; the backend's `now` is the deadline (or later, on the wall).
    Deadline,
    /// No deadline and nothing running: nothing can ever happen.
    Idle,
}

/// A clock with executors behind it: the virtual clock's discrete-event queue, or the wall
/// clock's thread pools.
pub trait Backend {
    /// Microseconds since the run started.
    fn now(&self) -> u64;
    /// Starts `tasks` on their executors.
    fn launch(&mut self, tasks: Vec<TaskDescription>);
    /// Waits for the next completion, or until `deadline` (µs since the start).
    fn wait(&mut self, deadline: Option<u64>) -> Wake;
    /// Lets `us` microseconds pass on the driver (the virtual clock's job overhead; the wall
    /// clock's is real).
    fn sleep(&mut self, us: u64);
    /// Whether any launched task has not reported yet.
    fn has_running(&self) -> bool;
}
