//! The reduce side of a shuffle: fetch one reduce partition's blocks from every map output that
//! has one, in map order, and count where the bytes came from.

use super::{BlockTransferService, ShuffleId, ShuffleReadPlan};
use serde::de::DeserializeOwned;

/// Who is reading: the reduce task's executor, host and rack.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    pub executor: usize,
    pub host: &'a str,
    pub rack: &'a str,
}

/// What a reduce task read, and from where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadMetrics {
    pub records: u64,
    /// Bytes read from the reader's own host (its disk).
    pub local_bytes: u64,
    /// Bytes fetched from other hosts (all racks).
    pub remote_bytes: u64,
    /// Of those, bytes fetched from another rack.
    pub cross_rack_bytes: u64,
    pub local_blocks: u64,
    pub remote_blocks: u64,
}

/// Why a reduce partition could not be read: the DAG scheduler must recompute map `map`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchFailure {
    pub map: usize,
    /// The executor that held the block, when known.
    pub executor: Option<usize>,
    pub message: String,
}

/// Reads every record of reduce partition `reduce` of `shuffle`, map by map. A map output with
/// no location, or whose store cannot serve it, is a [`FetchFailure`].
pub fn read_partition<T: DeserializeOwned>(
    plan: &ShuffleReadPlan,
    transfer: &BlockTransferService,
    shuffle: ShuffleId,
    reduce: usize,
    me: Reader<'_>,
) -> Result<(Vec<T>, ReadMetrics), FetchFailure> {
    if let Some(map) = plan.first_missing() {
        return Err(FetchFailure {
            map,
            executor: None,
            message: format!("missing an output location for shuffle {shuffle} map {map}"),
        });
    }
    let mut out = Vec::new();
    let mut m = ReadMetrics::default();
    for &(map, _) in plan.blocks_for(reduce) {
        let map = map as usize;
        let Some(status) = plan.statuses().get(map).and_then(|s| s.as_ref()) else {
            continue;
        };
        let bytes = transfer
            .fetch(status.executor, shuffle, map, reduce)
            .map_err(|e| FetchFailure {
                map,
                executor: Some(status.executor),
                message: e.0,
            })?;
        let n = bytes.len() as u64;
        if &*status.host == me.host {
            m.local_bytes += n;
            m.local_blocks += 1;
        } else {
            m.remote_bytes += n;
            m.remote_blocks += 1;
            if &*status.rack != me.rack {
                m.cross_rack_bytes += n;
            }
        }
        let mut records: Vec<T> = postcard::from_bytes(&bytes).map_err(|e| FetchFailure {
            map,
            executor: Some(status.executor),
            message: format!("corrupt block shuffle_{shuffle}_{map}_{reduce}: {e}"),
        })?;
        out.append(&mut records);
    }
    m.records = out.len() as u64;
    Ok((out, m))
}
