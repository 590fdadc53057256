//! The workloads as MapReduce programs, for the baseline ([`crate::mapreduce`]).
//!
//! Each is written as a Hadoop programmer writes it, and as fast as the baseline allows:
//! one job per iteration, the input re-read and re-parsed from the DFS by every job, the model
//! handed to the tasks in the job's configuration (captured by the mapper) and brought back
//! through the DFS (the reducer's output, read by the driver), partial sums kept in the
//! mapper and emitted once per split ("in-mapper combining") where the Spark-style version sums
//! per partition too. Each reads the same generated input as its Spark-style version (the same
//! dataset, seed and partitions) and gives the same answer, so the same digest: the sums are
//! made in the same order (records in split order, splits in map order).

use super::datasets::Dataset;
use super::kmeans::{closest, KMeansParams};
use super::logistic_regression::{
    add_gradient, add_into, parse_point, show_weights, step, LrParams,
};
use super::pagerank::{parse_edge, PageRankParams};
use super::wordcount::WordCountParams;
use super::{float_digest, iterate, write_input, WorkloadOutput};
use crate::mapreduce::{read_output, run_job, Job, MapReduceConfig, Mapper};
use crate::scheduler::JobError;
use crate::Context;
use std::sync::Arc;

/// Where job `job` of the program writes.
fn output(program: &str, job: usize) -> String {
    format!("dfs://mapreduce/{program}/job-{job:04}")
}

/// `v1,v2,...` with every float written exactly (Rust's shortest round-trip form).
fn floats(v: &[f64]) -> String {
    let s: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    s.join(",")
}

fn parse_floats(s: &str) -> Result<Vec<f64>, JobError> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<f64>()
                .map_err(|e| JobError::Io(format!("job output {x:?}: {e}")))
        })
        .collect()
}

fn bad_line(line: &str) -> JobError {
    JobError::Io(format!("a job's output line does not parse: {line:?}"))
}

/// The lines of a job's output, split at tabs.
fn output_fields(ctx: &Context, folder: &str) -> Result<Vec<Vec<String>>, JobError> {
    Ok(read_output(ctx, folder)?
        .iter()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}

/// Sums the partial gradients of one split (in-mapper combining): one record out per split.
struct GradientMapper {
    w: Arc<[f64]>,
    acc: Vec<f64>,
}

impl Mapper<super::logistic_regression::LabeledPoint, u32, Vec<f64>> for GradientMapper {
    fn map(
        &mut self,
        p: &super::logistic_regression::LabeledPoint,
        _: &mut dyn FnMut(u32, Vec<f64>),
    ) {
        add_gradient(&mut self.acc, &self.w, p);
    }
    fn cleanup(&mut self, emit: &mut dyn FnMut(u32, Vec<f64>)) {
        emit(0, std::mem::take(&mut self.acc));
    }
}

/// Logistic regression: one job per iteration (map: the split's gradient; reduce: their
/// sum), the weights in the job's configuration.
pub fn logistic_regression(
    ctx: &Context,
    conf: &MapReduceConfig,
    p: &LrParams,
) -> Result<WorkloadOutput, JobError> {
    let input = Dataset {
        placement: p.common.placement.clone(),
        ..Dataset::points(p.points, p.dims, p.common.partitions)
    };
    write_input(ctx, &input, p.common.seed)?;
    let mut w = vec![0.0; p.dims];
    let dims = p.dims;
    iterate(ctx, p.common.iterations, |i| {
        let w0: Arc<[f64]> = w.clone().into();
        let job = Job::new(
            "gradient",
            input.path(),
            output("logistic_regression", i - 1),
            conf.reducers.unwrap_or(1),
            dims as u64 + 1,
            parse_point,
            move || {
                Box::new(GradientMapper {
                    w: w0.clone(),
                    acc: vec![0.0; dims],
                })
            },
            |_: &u32, partials: Vec<Vec<f64>>, out: &mut Vec<String>| {
                let mut it = partials.into_iter();
                if let Some(mut sum) = it.next() {
                    it.for_each(|part| add_into(&mut sum, &part));
                    out.push(format!("0\t{}", floats(&sum)));
                }
            },
        );
        let report = run_job(ctx, conf, &job)?;
        let rows = output_fields(ctx, &report.output)?;
        let g = match rows.first() {
            Some(r) if r.len() == 2 => parse_floats(&r[1])?,
            Some(r) => return Err(bad_line(&r.join("\t"))),
            None => vec![0.0; dims],
        };
        step(&mut w, &g, p.points);
        Ok(())
    })?;
    Ok(WorkloadOutput {
        result: show_weights(&w),
        digest: float_digest(w.iter().copied()),
        lineage: String::new(),
    })
}

/// The first `n` lines of the files under `folder`, in order: what the driver reads itself.
fn first_lines(ctx: &Context, folder: &str, n: usize) -> Result<Vec<String>, JobError> {
    let dfs = ctx.dfs();
    let mut out = Vec::new();
    for f in dfs
        .files_under(folder)
        .map_err(|e| JobError::Io(e.to_string()))?
    {
        if out.len() >= n {
            break;
        }
        let bytes = dfs.read(&f.path).map_err(|e| JobError::Io(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        out.extend(text.lines().take(n - out.len()).map(str::to_string));
    }
    Ok(out)
}

/// Sums the points closest to each centre, in memory, one record per centre per split.
struct AssignMapper {
    centres: Arc<Vec<Vec<f64>>>,
    sums: Vec<Option<(Vec<f64>, u64)>>,
}

impl Mapper<Vec<f64>, u64, (Vec<f64>, u64)> for AssignMapper {
    fn map(&mut self, x: &Vec<f64>, _: &mut dyn FnMut(u64, (Vec<f64>, u64))) {
        let c = closest(x, &self.centres);
        match &mut self.sums[c] {
            Some((sum, n)) => {
                add_into(sum, x);
                *n += 1;
            }
            slot => *slot = Some((x.clone(), 1)),
        }
    }
    fn cleanup(&mut self, emit: &mut dyn FnMut(u64, (Vec<f64>, u64))) {
        for (c, s) in self.sums.iter_mut().enumerate() {
            if let Some(s) = s.take() {
                emit(c as u64, s);
            }
        }
    }
}

/// K-means: one job per iteration (map: each split's sums per closest centre; reduce: the
/// new centres), the centres in the job's configuration. The first centres are the input's
/// first points, read by the driver.
pub fn kmeans(
    ctx: &Context,
    conf: &MapReduceConfig,
    p: &KMeansParams,
) -> Result<WorkloadOutput, JobError> {
    let input = Dataset {
        placement: p.common.placement.clone(),
        ..Dataset::points(p.points, p.dims, p.common.partitions)
    };
    write_input(ctx, &input, p.common.seed)?;
    let k = p.clusters.max(1);
    let mut centres: Vec<Vec<f64>> = first_lines(ctx, &input.path(), k)?
        .iter()
        .map(|l| parse_point(l).features)
        .collect();
    iterate(ctx, p.common.iterations, |i| {
        let c: Arc<Vec<Vec<f64>>> = Arc::new(centres.clone());
        let n = c.len();
        let job = Job::new(
            "assign",
            input.path(),
            output("kmeans", i - 1),
            conf.reducers.unwrap_or(1),
            p.dims as u64 + 1,
            |l: &str| parse_point(l).features,
            move || {
                Box::new(AssignMapper {
                    centres: c.clone(),
                    sums: vec![None; n],
                })
            },
            |c: &u64, parts: Vec<(Vec<f64>, u64)>, out: &mut Vec<String>| {
                let mut it = parts.into_iter();
                if let Some((mut sum, mut n)) = it.next() {
                    for (s, m) in it {
                        add_into(&mut sum, &s);
                        n += m;
                    }
                    out.push(format!("{c}\t{}\t{n}", floats(&sum)));
                }
            },
        );
        let report = run_job(ctx, conf, &job.map_weight(k as u64))?;
        for row in output_fields(ctx, &report.output)? {
            let [c, sum, n] = &row[..] else {
                return Err(bad_line(&row.join("\t")));
            };
            let (c, n) = match (c.parse::<usize>(), n.parse::<u64>()) {
                (Ok(c), Ok(n)) => (c, n),
                _ => return Err(bad_line(&row.join("\t"))),
            };
            let sum = parse_floats(sum)?;
            if let Some(centre) = centres.get_mut(c) {
                *centre = sum.iter().map(|v| v / n as f64).collect();
            }
        }
        Ok(())
    })?;
    Ok(WorkloadOutput {
        result: super::kmeans::show_centres(&centres),
        digest: float_digest(centres.iter().flatten().copied()),
        lineage: String::new(),
    })
}

/// What flows through PageRank's shuffle: a page's links, or a share of a rank.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
enum PageValue {
    Links(Vec<u64>),
    Share(f64),
}

/// A page as a job's output holds it: `page \t rank (or -) \t links`.
#[derive(Clone, Debug, serde::Serialize)]
struct Page {
    id: u64,
    rank: Option<f64>,
    links: Vec<u64>,
}

fn parse_page(line: &str) -> Page {
    let mut f = line.split('\t');
    let id = f.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let rank = f.next().and_then(|x| x.parse().ok());
    let links = f
        .next()
        .map(|l| l.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_default();
    Page { id, rank, links }
}

fn page_line(id: u64, rank: Option<f64>, links: &[u64]) -> String {
    let links: Vec<String> = links.iter().map(u64::to_string).collect();
    let rank = rank.map_or("-".to_string(), |r| format!("{r:?}"));
    format!("{id}\t{rank}\t{}", links.join(","))
}

/// Emits each edge; the reduce side gathers a page's distinct links.
struct EdgeMapper;

impl Mapper<(u64, u64), u64, u64> for EdgeMapper {
    fn map(&mut self, e: &(u64, u64), emit: &mut dyn FnMut(u64, u64)) {
        emit(e.0, e.1);
    }
}

/// Sends each page's rank in equal shares along its links, and its links to itself.
struct ShareMapper;

impl Mapper<Page, u64, PageValue> for ShareMapper {
    fn map(&mut self, p: &Page, emit: &mut dyn FnMut(u64, PageValue)) {
        if p.links.is_empty() {
            return;
        }
        if let Some(rank) = p.rank {
            let share = rank / p.links.len() as f64;
            for d in &p.links {
                emit(*d, PageValue::Share(share));
            }
        }
        emit(p.id, PageValue::Links(p.links.clone()));
    }
}

/// PageRank: a job that builds the graph (each page's distinct links, rank 1), then one job
/// per iteration that reads the pages, sends the shares and writes the pages again with their
/// new ranks: the whole graph through the shuffle and into the DFS every iteration, as a
/// Hadoop PageRank does.
pub fn pagerank(
    ctx: &Context,
    conf: &MapReduceConfig,
    p: &PageRankParams,
) -> Result<WorkloadOutput, JobError> {
    let input = super::pagerank::input(p);
    write_input(ctx, &input, p.common.seed)?;
    let reducers = conf.reducers.unwrap_or(p.common.partitions.max(1));
    let mut pages = String::new();
    let mut job_no = 0;
    iterate(ctx, p.common.iterations, |i| {
        if i == 1 {
            let build = Job::new(
                "graph",
                input.path(),
                output("pagerank", job_no),
                reducers,
                1,
                parse_edge,
                || Box::new(EdgeMapper),
                |src: &u64, mut dsts: Vec<u64>, out: &mut Vec<String>| {
                    dsts.sort_unstable();
                    dsts.dedup();
                    out.push(page_line(*src, Some(1.0), &dsts));
                },
            );
            pages = run_job(ctx, conf, &build)?.output;
            job_no += 1;
        }
        let job = Job::new(
            "ranks",
            pages.clone(),
            output("pagerank", job_no),
            reducers,
            1,
            parse_page,
            || Box::new(ShareMapper),
            |page: &u64, values: Vec<PageValue>, out: &mut Vec<String>| {
                let mut links: &[u64] = &[];
                let mut sum: Option<f64> = None;
                for v in &values {
                    match v {
                        PageValue::Links(l) => links = l,
                        PageValue::Share(s) => *sum.get_or_insert(0.0) += s,
                    }
                }
                let rank = sum.map(|s| 0.15 + 0.85 * s);
                if rank.is_some() || !links.is_empty() {
                    out.push(page_line(*page, rank, links));
                }
            },
        );
        pages = run_job(ctx, conf, &job)?.output;
        job_no += 1;
        Ok(())
    })?;
    let mut all: Vec<(u64, f64)> = read_output(ctx, &pages)?
        .iter()
        .map(|l| parse_page(l))
        .filter_map(|p| p.rank.map(|r| (p.id, r)))
        .collect();
    all.sort_by_key(|a| a.0);
    Ok(WorkloadOutput {
        result: super::pagerank::show_ranks(&all),
        digest: float_digest(all.iter().flat_map(|(v, r)| [*v as f64, *r])),
        lineage: String::new(),
    })
}

/// Counts each word of a split; the combiner sums them before the shuffle.
struct WordMapper;

impl Mapper<Vec<String>, String, u64> for WordMapper {
    fn map(&mut self, words: &Vec<String>, emit: &mut dyn FnMut(String, u64)) {
        for w in words {
            emit(w.clone(), 1);
        }
    }
}

/// Word count: one job (map: `(word, 1)`; combine and reduce: the sum).
pub fn wordcount(
    ctx: &Context,
    conf: &MapReduceConfig,
    p: &WordCountParams,
) -> Result<WorkloadOutput, JobError> {
    let input = super::wordcount::input(p);
    write_input(ctx, &input, p.common.seed)?;
    let reducers = conf.reducers.unwrap_or(p.common.partitions.max(1));
    let job = Job::new(
        "wordcount",
        input.path(),
        output("wordcount", 0),
        reducers,
        1,
        |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>(),
        || Box::new(WordMapper),
        |w: &String, counts: Vec<u64>, out: &mut Vec<String>| {
            out.push(format!("{w}\t{}", counts.iter().sum::<u64>()));
        },
    )
    .combiner(|_, a, b| a + b);
    let report = run_job(ctx, conf, &job)?;
    let mut all = Vec::new();
    for row in output_fields(ctx, &report.output)? {
        match &row[..] {
            [w, c] => all.push((
                w.clone(),
                c.parse::<u64>().map_err(|_| bad_line(&row.join("\t")))?,
            )),
            _ => return Err(bad_line(&row.join("\t"))),
        }
    }
    Ok(super::wordcount::answer(all))
}
