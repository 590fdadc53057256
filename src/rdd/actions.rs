//! Actions: the calls that run a job and bring an answer back to the driver.
//!
//! Every action goes through [`Rdd::run_job`], which hands the lineage and a per-partition
//! result function to the [`Context`](crate::Context); the schedulers do the rest. Results come
//! back in partition order, so answers do not depend on which task finished first.

use super::{Data, Rdd, Records};
use crate::scheduler::{JobError, ResultFunction};
use crate::task_context::{TaskContext, TaskError};
use std::any::Any;
use std::fmt::Display;
use std::path::Path;
use std::sync::Arc;

/// Spark's `spark.rdd.limit.scaleUpFactor` default: how much faster `take` widens its scan.
const TAKE_SCALE_UP: usize = 4;

struct TypedResult<T, F> {
    rdd: Rdd<T>,
    f: F,
}

impl<T, U, F> ResultFunction for TypedResult<T, F>
where
    T: Data,
    U: Send + 'static,
    F: Fn(&TaskContext, Records<T>) -> U + Send + Sync,
{
    fn run(&self, tc: &TaskContext, partition: usize) -> Result<Box<dyn Any + Send>, TaskError> {
        let it = self.rdd.iterator(tc, partition)?;
        let counted = Records::new(Counted {
            inner: it,
            n: 0,
            tc: tc.clone(),
        });
        // A panic here is caught by the executor and reported as a failed task.
        Ok(Box::new((self.f)(tc, counted)))
    }
}

/// Counts the records the result function consumes; adds them to the metrics when dropped.
struct Counted<T> {
    inner: Records<T>,
    n: u64,
    tc: TaskContext,
}

impl<T: 'static> Iterator for Counted<T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        let x = self.inner.next();
        self.n += x.is_some() as u64;
        x
    }
}

impl<T> Drop for Counted<T> {
    fn drop(&mut self) {
        let n = self.n;
        self.tc.metrics_mut(|m| m.result_records += n);
    }
}

/// The text of a caught panic.
pub(crate) fn panic_message(p: &Box<dyn Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "task panicked".to_string()
    }
}

impl<T: Data> Rdd<T> {
    /// Runs `f` over each listed partition as one job; results in the order of `partitions`.
    /// `action` names the job in events (`collect`, `count`, ...).
    pub fn run_job<U: Send + 'static>(
        &self,
        action: &str,
        partitions: Vec<usize>,
        f: impl Fn(&TaskContext, Records<T>) -> U + Send + Sync + 'static,
    ) -> Result<Vec<U>, JobError> {
        let func: Arc<dyn ResultFunction> = Arc::new(TypedResult {
            rdd: self.clone(),
            f,
        });
        let results = self
            .ctx
            .run_job(self.node.clone(), partitions, action, func)?;
        results
            .into_iter()
            .map(|r| {
                r.downcast::<U>()
                    .map(|b| *b)
                    .map_err(|_| JobError::Internal("result of the wrong type".into()))
            })
            .collect()
    }

    fn all_partitions(&self) -> Vec<usize> {
        (0..self.num_partitions()).collect()
    }

    /// Every record, partition by partition.
    pub fn collect(&self) -> Result<Vec<T>, JobError> {
        let parts = self.run_job("collect", self.all_partitions(), |_, it| {
            it.collect::<Vec<T>>()
        })?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// The number of records.
    pub fn count(&self) -> Result<u64, JobError> {
        let parts = self.run_job("count", self.all_partitions(), |_, it| it.count() as u64)?;
        Ok(parts.into_iter().sum())
    }

    /// Combines all records with `f` (each partition first, then the partition results in
    /// partition order). `None` for an empty RDD.
    pub fn reduce(
        &self,
        f: impl Fn(T, T) -> T + Send + Sync + 'static,
    ) -> Result<Option<T>, JobError> {
        let f = Arc::new(f);
        let g = f.clone();
        let parts = self.run_job("reduce", self.all_partitions(), move |_, it| {
            it.reduce(|a, b| g(a, b))
        })?;
        Ok(parts.into_iter().flatten().reduce(|a, b| f(a, b)))
    }

    /// Folds each partition from `zero` with `seq`, then the partition results with `comb`.
    pub fn aggregate<U: Data>(
        &self,
        zero: U,
        seq: impl Fn(U, T) -> U + Send + Sync + 'static,
        comb: impl Fn(U, U) -> U + Send + Sync + 'static,
    ) -> Result<U, JobError> {
        let z = zero.clone();
        let parts = self.run_job("aggregate", self.all_partitions(), move |_, it| {
            it.fold(z.clone(), &seq)
        })?;
        Ok(parts.into_iter().fold(zero, comb))
    }

    /// `aggregate` with one function.
    pub fn fold(
        &self,
        zero: T,
        f: impl Fn(T, T) -> T + Send + Sync + 'static,
    ) -> Result<T, JobError> {
        let f = Arc::new(f);
        let g = f.clone();
        self.aggregate(zero, move |a, b| f(a, b), move |a, b| g(a, b))
    }

    /// The first `n` records, scanning as few partitions as it can: one partition first, then
    /// more each round (Spark's `take`, one job per round).
    pub fn take(&self, n: usize) -> Result<Vec<T>, JobError> {
        let mut buf: Vec<T> = Vec::new();
        let total = self.num_partitions();
        let mut scanned = 0;
        while buf.len() < n && scanned < total {
            let left = n - buf.len();
            let mut to_try = 1;
            if scanned > 0 {
                to_try = if buf.is_empty() {
                    scanned * TAKE_SCALE_UP
                } else {
                    let want =
                        (1.5 * left as f64 * scanned as f64 / buf.len() as f64).ceil() as usize;
                    want.min(scanned * TAKE_SCALE_UP)
                };
            }
            let parts: Vec<usize> = (scanned..(scanned + to_try.max(1)).min(total)).collect();
            let got = parts.len();
            let res = self.run_job("take", parts, move |_, it| {
                it.take(left).collect::<Vec<T>>()
            })?;
            for part in res {
                let room = n - buf.len();
                buf.extend(part.into_iter().take(room));
            }
            scanned += got;
        }
        Ok(buf)
    }

    /// The first record, if any.
    pub fn first(&self) -> Result<Option<T>, JobError> {
        Ok(self.take(1)?.into_iter().next())
    }

    /// Runs `f` on every record, on the executors.
    pub fn foreach(&self, f: impl Fn(T) + Send + Sync + 'static) -> Result<(), JobError> {
        self.run_job("foreach", self.all_partitions(), move |_, it| {
            it.for_each(&f)
        })?;
        Ok(())
    }
}

impl<T: Data + Display> Rdd<T> {
    /// Writes each partition as `part-NNNNN` (one record per line) into the folder `path`, and an
    /// empty `_SUCCESS` file when all are written, as Hadoop's output committer does.
    pub fn save_as_text_file(&self, path: impl AsRef<Path>) -> Result<(), JobError> {
        let dir = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| JobError::Io(format!("{}: {e}", dir.display())))?;
        let out = dir.clone();
        let written = self.run_job("save_as_text_file", self.all_partitions(), move |tc, it| {
            let mut text = String::new();
            for x in it {
                text.push_str(&x.to_string());
                text.push('\n');
            }
            tc.metrics_mut(|m| m.output_bytes += text.len() as u64);
            let file = out.join(format!("part-{:05}", tc.partition()));
            std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))
        })?;
        for w in written {
            w.map_err(JobError::Io)?;
        }
        std::fs::write(dir.join("_SUCCESS"), b"")
            .map_err(|e| JobError::Io(format!("{}: {e}", dir.display())))
    }
}
