//! The reduce side of a shuffle: fetch one reduce partition's blocks from every map output, in
//! map order, counting local and remote bytes.

use crate::rdd::ShuffleId;
use crate::task_context::{TaskContext, TaskError};
use serde::de::DeserializeOwned;

/// Reads every record of reduce partition `reduce` of `shuffle`. A map output that is missing,
/// or whose executor cannot serve it, fails the task with `FetchFailed`. Blocks on the task's
/// own executor count as local, all others as remote.
pub fn read_shuffle<T: DeserializeOwned>(
    tc: &TaskContext,
    shuffle: ShuffleId,
    reduce: usize,
) -> Result<Vec<T>, TaskError> {
    let statuses =
        tc.shuffle_inputs()
            .get(shuffle)
            .cloned()
            .ok_or_else(|| TaskError::FetchFailed {
                shuffle,
                map: 0,
                reduce,
                executor: None,
                message: "no map output locations were sent with the task".into(),
            })?;
    let mut out = Vec::new();
    let (mut local_b, mut remote_b, mut local_n, mut remote_n) = (0u64, 0u64, 0u64, 0u64);
    for (map, status) in statuses.iter().enumerate() {
        let Some(status) = status else {
            return Err(TaskError::FetchFailed {
                shuffle,
                map,
                reduce,
                executor: None,
                message: format!("missing an output location for shuffle {shuffle} map {map}"),
            });
        };
        if status.size_for(reduce) == 0 {
            continue;
        }
        let bytes = tc
            .transfer()
            .fetch(status.executor, shuffle, map, reduce)
            .map_err(|message| TaskError::FetchFailed {
                shuffle,
                map,
                reduce,
                executor: Some(status.executor),
                message,
            })?;
        if status.executor == tc.executor() {
            local_b += bytes.len() as u64;
            local_n += 1;
        } else {
            remote_b += bytes.len() as u64;
            remote_n += 1;
        }
        let mut records: Vec<T> =
            postcard::from_bytes(&bytes).map_err(|e| TaskError::FetchFailed {
                shuffle,
                map,
                reduce,
                executor: Some(status.executor),
                message: format!("corrupt block: {e}"),
            })?;
        out.append(&mut records);
    }
    let n = out.len() as u64;
    tc.metrics_mut(|m| {
        m.shuffle_local_bytes += local_b;
        m.shuffle_remote_bytes += remote_b;
        m.shuffle_local_blocks += local_n;
        m.shuffle_remote_blocks += remote_n;
        m.shuffle_records_read += n;
    });
    Ok(out)
}
