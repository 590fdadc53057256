//! One MapReduce job: its parts ([`Job`], [`Mapper`]) and how it runs ([`run_job`]).
//!
//! A job becomes two stages of the engine's scheduler. The map stage reads the input's blocks
//! (`text_file`: one map task per split, with the DFS's preferred hosts), parses each line
//! (`map_parsed`: the cost model's parsing), runs the mapper over the records and its output
//! through the [`MapOutputBuffer`], and writes the sorted map output to the shuffle. The reduce
//! stage fetches each reduce partition's segments, merges them by key, runs the reducer over
//! each key's values and writes its lines into the DFS (`part-NNNNN` under the job's output
//! folder, replicated), committed when the job ends. The driver then reads that output back
//! ([`read_output`]), as a Hadoop driver reads its job's output from HDFS.

use super::buffer::{Combiner, MapOutputBuffer};
use super::MapReduceConfig;
use crate::lineage::Partitioner;
use crate::rdd::{Data, Key, Records};
use crate::scheduler::JobError;
use crate::Context;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

/// A job's map function, one instance per map task (Hadoop's `Mapper`): `map` is called for
/// each record of the split, `cleanup` once at its end (where a mapper that sums in memory
/// emits its sums: "in-mapper combining").
pub trait Mapper<I, K, V>: Send {
    /// Handles one record, emitting through `emit`.
    fn map(&mut self, record: &I, emit: &mut dyn FnMut(K, V));
    /// Called once after the split's last record.
    fn cleanup(&mut self, _emit: &mut dyn FnMut(K, V)) {}
}

type NewMapper<I, K, V> = Arc<dyn Fn() -> Box<dyn Mapper<I, K, V>> + Send + Sync>;
type Reducer<K, V> = Arc<dyn Fn(&K, Vec<V>, &mut Vec<String>) + Send + Sync>;

/// A MapReduce job: input and output folders in the DFS, how a line parses into a record
/// `I`, the mapper emitting `(K, V)`, an optional combiner, and the reducer writing lines.
pub struct Job<I, K, V> {
    /// The job's name (its RDDs are named after it).
    pub name: String,
    /// The input: a DFS folder or file of text.
    pub input: String,
    /// The output folder in the DFS (it must not exist).
    pub output: String,
    /// Reduce tasks.
    pub reducers: usize,
    parse_weight: u64,
    map_weight: u64,
    parse: Arc<dyn Fn(&str) -> I + Send + Sync>,
    mapper: NewMapper<I, K, V>,
    combiner: Option<Combiner<K, V>>,
    reducer: Reducer<K, V>,
}

impl<I, K, V> Job<I, K, V>
where
    I: Data,
    K: Key,
    V: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// A job named `name` from `input` into `output` with `reducers` reduce tasks. Each line
    /// of the input is parsed by `parse`, which costs `parse_weight` operations (one per number
    /// on the line, as the Spark-style workloads count it); each map task makes its mapper with
    /// `mapper`; `reducer` gets each key with its values, in the order the maps emitted them,
    /// and pushes output lines.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: impl Into<String>,
        input: impl Into<String>,
        output: impl Into<String>,
        reducers: usize,
        parse_weight: u64,
        parse: impl Fn(&str) -> I + Send + Sync + 'static,
        mapper: impl Fn() -> Box<dyn Mapper<I, K, V>> + Send + Sync + 'static,
        reducer: impl Fn(&K, Vec<V>, &mut Vec<String>) + Send + Sync + 'static,
    ) -> Self {
        Job {
            name: name.into(),
            input: input.into(),
            output: output.into(),
            reducers: reducers.max(1),
            parse_weight,
            map_weight: 1,
            parse: Arc::new(parse),
            mapper: Arc::new(mapper),
            combiner: None,
            reducer: Arc::new(reducer),
        }
    }

    /// What the mapper costs per record, in plain operations (1 by default): k-means' mapper
    /// measures k distances.
    pub fn map_weight(mut self, weight: u64) -> Self {
        self.map_weight = weight.max(1);
        self
    }

    /// Adds a combiner: two values of a key folded into one, on the map side.
    pub fn combiner(mut self, c: impl Fn(&K, V, V) -> V + Send + Sync + 'static) -> Self {
        self.combiner = Some(Arc::new(c));
        self
    }
}

/// What a job did, as its driver sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobReport {
    /// The output folder.
    pub output: String,
}

/// Runs `job` on `ctx` to its end: the map stage, the reduce stage and the output committed
/// into the DFS. Fails as an engine job fails (a task failing too often, no executor left).
pub fn run_job<I, K, V>(
    ctx: &Context,
    conf: &MapReduceConfig,
    job: &Job<I, K, V>,
) -> Result<JobReport, JobError>
where
    I: Data,
    K: Key,
    V: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    let part = Partitioner::hash(job.reducers).map_err(|e| JobError::InvalidRdd(e.to_string()))?;
    let lines = ctx
        .text_file(&job.input)
        .map_err(|e| JobError::Io(e.to_string()))?
        .set_name(&format!("{}: input", job.name));
    let parse = job.parse.clone();
    let records = lines
        .map_parsed(job.parse_weight, move |l| parse(l))
        .set_name(&format!("{}: records", job.name));
    let (new_mapper, combiner, limit, map_part) = (
        job.mapper.clone(),
        job.combiner.clone(),
        conf.spill_limit(),
        part.clone(),
    );
    let map_output = records
        .derive_weighted(
            "MapPartitionsRDD",
            "map_partitions",
            false,
            job.map_weight,
            move |tc, _, it| {
                let mut buffer =
                    MapOutputBuffer::new(map_part.clone(), combiner.clone(), limit, tc.clone());
                let mut mapper = new_mapper();
                {
                    let mut emit = |k: K, v: V| buffer.collect(k, v);
                    it.for_each(|r| mapper.map(r, &mut emit));
                    mapper.cleanup(&mut emit);
                }
                Records::from_vec(buffer.flush())
            },
        )
        .set_name(&format!("{}: map", job.name));
    let reducer = job.reducer.clone();
    let output = map_output
        .partition_by(part)
        .map_partitions(move |it| {
            // The segments of every map, each sorted by key: merged by a stable sort, which
            // keeps each key's values in map order.
            let mut kvs = it.collect_owned();
            kvs.sort_by(|a, b| a.0.cmp(&b.0));
            let mut lines = Vec::new();
            let mut group: Vec<V> = Vec::new();
            let mut current: Option<K> = None;
            for (k, v) in kvs {
                if current.as_ref().is_some_and(|c| *c != k) {
                    if let Some(c) = current.take() {
                        reducer(&c, std::mem::take(&mut group), &mut lines);
                    }
                }
                current = Some(k);
                group.push(v);
            }
            if let Some(c) = current {
                reducer(&c, group, &mut lines);
            }
            lines
        })
        .set_name(&format!("{}: reduce", job.name));
    output.save_as_text_file(&job.output)?;
    Ok(JobReport {
        output: job.output.clone(),
    })
}

/// The lines of a job's output folder, part file by part file: a driver-side read.
pub fn read_output(ctx: &Context, folder: &str) -> Result<Vec<String>, JobError> {
    let dfs = ctx.dfs();
    let files = dfs
        .files_under(folder)
        .map_err(|e| JobError::Io(e.to_string()))?;
    let mut out = Vec::new();
    for f in files {
        let bytes = dfs.read(&f.path).map_err(|e| JobError::Io(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        out.extend(text.lines().map(str::to_string));
    }
    Ok(out)
}
