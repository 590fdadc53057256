//! Actions: the calls that run a job and bring an answer back to the driver.
//!
//! Every action goes through [`Rdd::run_job`], which hands the lineage and a per-partition
//! result function to the [`Context`](crate::Context); the schedulers do the rest. Results come
//! back in partition order, so answers do not depend on which task finished first. Folding
//! actions take `f(accumulated, &next)`: they read records by reference and own only their
//! accumulator.

use super::records::Records;
use super::{Data, Key, Rdd, ShuffleData};
use crate::dfs;
use crate::scheduler::{JobError, ResultFunction};
use crate::task_context::{TaskContext, TaskError};
use std::any::Any;
use std::collections::BTreeMap;
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
        let it = self.rdd.iterator(tc, partition)?.metered(tc, 1);
        // A panic here is caught by the executor and reported as a failed task.
        let out = (self.f)(tc, it);
        Ok(Box::new(out))
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
        let parts = self.run_job("collect", self.all_partitions(), |_, it| it.collect_owned())?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// The number of records.
    pub fn count(&self) -> Result<u64, JobError> {
        let parts = self.run_job("count", self.all_partitions(), |_, it| it.count() as u64)?;
        Ok(parts.into_iter().sum())
    }

    /// Combines all records with `f(accumulated, &next)`: each partition first (from a copy of
    /// its first record), then the partition results in partition order. `None` for an empty
    /// RDD.
    ///
    /// ```
    /// use ember::Context;
    /// let ctx = Context::local(2);
    /// let sum = ctx.parallelize((1..=10).collect::<Vec<u64>>(), 3).reduce(|a, b| a + b);
    /// assert_eq!(sum.unwrap(), Some(55));
    /// ```
    pub fn reduce(
        &self,
        f: impl Fn(T, &T) -> T + Send + Sync + 'static,
    ) -> Result<Option<T>, JobError> {
        let f = Arc::new(f);
        let g = f.clone();
        let parts = self.run_job("reduce", self.all_partitions(), move |_, it| {
            it.fold(None, |acc: Option<T>, x| match acc {
                None => Some(x.clone()),
                Some(a) => Some(g(a, x)),
            })
        })?;
        Ok(parts.into_iter().flatten().reduce(|a, b| f(a, &b)))
    }

    /// Folds each partition from `zero` with `seq(accumulated, &record)`, then the partition
    /// results with `comb(accumulated, &partial)`, in partition order.
    pub fn aggregate<U: Data>(
        &self,
        zero: U,
        seq: impl Fn(U, &T) -> U + Send + Sync + 'static,
        comb: impl Fn(U, &U) -> U + Send + Sync + 'static,
    ) -> Result<U, JobError> {
        let z = zero.clone();
        let parts = self.run_job("aggregate", self.all_partitions(), move |_, it| {
            it.fold(z.clone(), &seq)
        })?;
        Ok(parts.iter().fold(zero, comb))
    }

    /// `aggregate` with one function: each partition and then the partials folded from `zero`.
    pub fn fold(
        &self,
        zero: T,
        f: impl Fn(T, &T) -> T + Send + Sync + 'static,
    ) -> Result<T, JobError> {
        let f = Arc::new(f);
        let g = f.clone();
        let z = zero.clone();
        let parts = self.run_job("fold", self.all_partitions(), move |_, it| {
            it.fold(z.clone(), |a, x| g(a, x))
        })?;
        Ok(parts.iter().fold(zero, |a, x| f(a, x)))
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
            let res = self.run_job("take", parts, move |_, it| it.take_owned(left))?;
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
    pub fn foreach(&self, f: impl Fn(&T) + Send + Sync + 'static) -> Result<(), JobError> {
        self.run_job("foreach", self.all_partitions(), move |_, it| {
            it.for_each(&f)
        })?;
        Ok(())
    }
}

impl<K: Key, V: ShuffleData> Rdd<(K, V)> {
    /// The key-value pairs as a map; for a key that appears more than once, the last value
    /// wins (Spark's `collectAsMap`). Ordered by key, so iterating it is deterministic.
    pub fn collect_as_map(&self) -> Result<BTreeMap<K, V>, JobError> {
        Ok(self.collect()?.into_iter().collect())
    }
}

impl<T: Data + Display> Rdd<T> {
    /// Writes each partition as `part-NNNNN` (one record per line) into the folder `path`, and an
    /// empty `_SUCCESS` file when all are written, as Hadoop's output committer does. A
    /// `dfs://` path writes into the DFS, each part replicated with its first replica on the
    /// host of the task that wrote it (the files appear when the job commits); any other path
    /// is a folder of the local file system. As in Spark, a path that exists already is refused
    /// before the job is submitted.
    pub fn save_as_text_file(&self, path: impl AsRef<Path>) -> Result<(), JobError> {
        let path = path.as_ref().to_string_lossy().into_owned();
        let to_dfs = dfs::is_dfs_path(&path);
        // As Hadoop's `FileOutputFormat.checkOutputSpecs`, before the job is submitted: an
        // existing output is never written into.
        let exists = if to_dfs {
            self.ctx.dfs().exists(&path)
        } else {
            Path::new(&path).exists()
        };
        if exists {
            return Err(JobError::Io(format!(
                "Output directory {path} already exists (a save never writes into an existing \
                 output; remove it or choose another path)"
            )));
        }
        let replicas = if to_dfs {
            self.ctx.dfs().effective_replication() as u64
        } else {
            1
        };
        if !to_dfs {
            std::fs::create_dir_all(&path).map_err(|e| JobError::Io(format!("{path}: {e}")))?;
        }
        let dir = path.clone();
        let written = self.run_job("save_as_text_file", self.all_partitions(), move |tc, it| {
            let mut text = String::new();
            it.for_each(|x| {
                text.push_str(&x.to_string());
                text.push('\n');
            });
            let n = text.len() as u64;
            tc.metrics_mut(|m| {
                m.output_bytes += n;
                m.output_network_bytes += n * (replicas - 1);
            });
            let name = format!("part-{:05}", tc.partition());
            if to_dfs {
                Ok(Some((name, tc.host().to_string(), text)))
            } else {
                let file = Path::new(&dir).join(&name);
                std::fs::write(&file, text)
                    .map(|_| None)
                    .map_err(|e| format!("{}: {e}", file.display()))
            }
        })?;
        let fs = self.ctx.dfs();
        for w in written {
            if let Some((name, host, text)) = w.map_err(JobError::Io)? {
                fs.write(&format!("{path}/{name}"), text.as_bytes(), Some(&host))
                    .map_err(|e| JobError::Io(e.to_string()))?;
            }
        }
        if to_dfs {
            fs.write(&format!("{path}/_SUCCESS"), b"", None)
                .map_err(|e| JobError::Io(e.to_string()))?;
            Ok(())
        } else {
            std::fs::write(Path::new(&path).join("_SUCCESS"), b"")
                .map_err(|e| JobError::Io(format!("{path}: {e}")))
        }
    }
}
