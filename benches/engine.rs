//! Criterion benchmarks (figures go in the issue notes; tests never time things).
//!
//! - `lr_gradient`: one logistic-regression gradient step over 1,000,000 points × 10 dims in 8
//!   partitions, persisted at MEMORY_ONLY, on the wall clock with one 2-core executor and its
//!   default memory (Spark's local-mode 434 MiB, room for all), next to a hand-written rayon
//!   loop over the same points with everything inlined, in the same run. The points are read
//!   from the memory store (a first job caches them). Records are plain structs
//!   (`LabeledPoint { label, features: Vec<f64> }`, and blocks of two `Vec<f64>`): no `Arc`
//!   inside or around a record.
//! - `half_cached`: the same step over the same RDD not persisted, and persisted at MEMORY_ONLY
//!   with memory for half of it (the other half is computed again every step and refused by
//!   the memory store every time), blocks and points.
//! - `cached_levels`: the same step over points persisted at MEMORY_ONLY, MEMORY_ONLY_SER,
//!   MEMORY_AND_DISK and MEMORY_ONLY with memory for half of them, and DISK_ONLY.
//! - `job_overhead`: a trivial job (`parallelize` 1,000 numbers in 4 partitions, `count`) on the
//!   wall clock.
//! - `virtual_scale`: a two-stage job of 20,000 map tasks and 2,000 reduce tasks on 500
//!   executors, simulated on the virtual clock, with disk blocks in memory and in files; and
//!   the same job reading its 20,000 numbers from a DFS file of 20,000 blocks (one line each)
//!   with 3 replicas over 10 racks of 50 hosts, so that every map task has preferred hosts and
//!   delay scheduling decides with Spark's 3 s waits. The file is written before the timing
//!   starts, and the context (its DFS of 60,000 replicas) is dropped after it ends.
//! - `mapreduce_read_parse`: one iteration of the MapReduce baseline's logistic regression (a
//!   job: read the 1,000,000 points × 10 as text from the DFS, parse them, sum the gradient in
//!   the mapper, reduce, write the sum to the DFS) on the wall clock with one 2-core executor,
//!   next to a hand-written rayon loop that reads the same 8 files' bytes from the local file
//!   system (copied out of the DFS before the timing starts), parses each line with the same
//!   `parse_point` and sums the same gradient, on 2 threads.

/// The allocator the `ember` binary uses, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use ember::cluster::{Clock, ClusterSpec};
use ember::dfs::DfsConfig;
use ember::mapreduce::{run_job, Job, MapReduceConfig, Mapper};
use ember::storage::{DiskMedium, StorageLevel};
use ember::workloads::logistic_regression::{
    add_block_gradient, add_gradient, add_into, blockify, generate_points, gradient,
    gradient_per_point, parse_point, LabeledPoint,
};
use ember::Context;
use rayon::prelude::*;
use std::time::Duration;

fn wall(executors: usize, cores: u32) -> Context {
    Context::builder()
        .cluster(ClusterSpec::flat(executors, cores))
        .clock(Clock::Wall)
        .build()
        .expect("context")
}

fn wall_with_memory(executors: usize, cores: u32, memory: u64) -> Context {
    Context::builder()
        .cluster(ClusterSpec {
            storage_memory: memory,
            ..ClusterSpec::flat(executors, cores)
        })
        .clock(Clock::Wall)
        .build()
        .expect("context")
}

/// The hand loop: one rayon task per partition slice, partials summed in order. `add` is a
/// generic closure, so it is inlined into the loop.
fn hand_gradient<T: Sync>(
    parts: &[&[T]],
    w: &[f64],
    add: impl Fn(&mut [f64], &[f64], &T) + Sync,
) -> Vec<f64> {
    let partials: Vec<Vec<f64>> = parts
        .par_iter()
        .map(|p| {
            let mut acc = vec![0.0; w.len()];
            for x in p.iter() {
                add(&mut acc, w, x);
            }
            acc
        })
        .collect();
    partials.into_iter().fold(vec![0.0; w.len()], |mut a, b| {
        for (x, y) in a.iter_mut().zip(b) {
            *x += y;
        }
        a
    })
}

fn slices<T>(v: &[T], n: usize) -> Vec<&[T]> {
    ember::rdd::source::slice_bounds(v.len(), n)
        .into_iter()
        .map(|(a, b)| &v[a..b])
        .collect()
}

fn lr_gradient(c: &mut Criterion) {
    let points = generate_points(1_000_000, 10, 1);
    let w = vec![0.1; 10];
    let mut g = c.benchmark_group("lr_gradient");
    g.sample_size(30);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");
    // The default memory has room for every cached point: the gradients read them from the
    // memory store.
    let ctx = wall(1, 2);

    // Blocks of 1,024 points per record (the workload's default).
    let blocks = blockify(&points, 10, 1024);
    let rdd = ctx
        .parallelize(blocks.clone(), 8)
        .persist(StorageLevel::MEMORY_ONLY);
    gradient(&rdd, &w).expect("caching job");
    assert_eq!(ctx.store_status(0).expect("exec-0").memory.len(), 8);
    g.bench_function("ember_blocks_wall_2_cores", |b| {
        b.iter(|| gradient(&rdd, &w).expect("job"))
    });
    let parts = slices(&blocks, 8);
    g.bench_function("hand_blocks_rayon_2_threads", |b| {
        b.iter(|| pool.install(|| hand_gradient(&parts, &w, add_block_gradient)))
    });

    // One record per point (the RDD paper's shape).
    let rdd = ctx
        .parallelize(points.clone(), 8)
        .persist(StorageLevel::MEMORY_ONLY);
    gradient_per_point(&rdd, &w).expect("caching job");
    g.bench_function("ember_points_wall_2_cores", |b| {
        b.iter(|| gradient_per_point(&rdd, &w).expect("job"))
    });
    let parts = slices(&points, 8);
    g.bench_function("hand_points_rayon_2_threads", |b| {
        b.iter(|| pool.install(|| hand_gradient(&parts, &w, add_gradient)))
    });
    g.finish();
}

/// One gradient step over 1,000,000 points cached at each storage level, on the wall clock
/// (one 2-core executor): all in memory as objects or as bytes, half in memory and half on
/// disk, half in memory and half computed again, all on disk.
fn cached_levels(c: &mut Criterion) {
    let points = generate_points(1_000_000, 10, 1);
    let w = vec![0.1; 10];
    let mut g = c.benchmark_group("cached_levels");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    // A block of 125,000 points is 16,000,040 bytes as objects, and unrolling it may reserve
    // up to 1.5 times that: room for 4 of the 8 blocks is 3 blocks and 1.5 more.
    let half = memory_for_half(16_000_040);
    for (name, level, memory) in [
        ("memory_only", StorageLevel::MEMORY_ONLY, 1u64 << 30),
        ("memory_only_ser", StorageLevel::MEMORY_ONLY_SER, 1 << 30),
        (
            "memory_and_disk_half_in_memory",
            StorageLevel::MEMORY_AND_DISK,
            half,
        ),
        (
            "memory_only_half_in_memory",
            StorageLevel::MEMORY_ONLY,
            half,
        ),
        ("disk_only", StorageLevel::DISK_ONLY, 1 << 30),
    ] {
        let ctx = wall_with_memory(1, 2, memory);
        let rdd = ctx.parallelize(points.clone(), 8).persist(level);
        gradient_per_point(&rdd, &w).expect("caching job");
        let st = ctx.store_status(0).expect("exec-0");
        let expected = if memory == half { 4 } else { 8 };
        if level.use_memory {
            assert_eq!(st.memory.len(), expected, "{name}: blocks in memory");
        }
        g.bench_function(name, |b| {
            b.iter(|| gradient_per_point(&rdd, &w).expect("job"))
        });
    }
    g.finish();
}

/// Memory for 4 of 8 blocks of `block_bytes` each: 3 blocks and the 1.5× unroll reservation
/// of a fourth, and a little room.
fn memory_for_half(block_bytes: u64) -> u64 {
    block_bytes * 9 / 2 + (2 << 20)
}

/// The size of the largest block `persist_all` caches with memory for all of them.
fn block_bytes(persist_all: impl Fn(&Context)) -> u64 {
    let ctx = wall(1, 2);
    persist_all(&ctx);
    let st = ctx.store_status(0).expect("exec-0");
    assert_eq!(st.memory.len(), 8, "every block fits the default memory");
    st.memory.iter().map(|(_, b)| *b).max().unwrap_or(0)
}

/// The gradient over an RDD not persisted, and persisted with memory for half of it.
fn half_cached(c: &mut Criterion) {
    let points = generate_points(1_000_000, 10, 1);
    let w = vec![0.1; 10];
    let mut g = c.benchmark_group("half_cached");
    g.sample_size(20);
    let blocks = blockify(&points, 10, 1024);
    let ctx = wall(1, 2);
    let rdd = ctx.parallelize(blocks.clone(), 8);
    g.bench_function("blocks_not_persisted", |b| {
        b.iter(|| gradient(&rdd, &w).expect("job"))
    });
    let size = block_bytes(|ctx| {
        let r = ctx
            .parallelize(blocks.clone(), 8)
            .persist(StorageLevel::MEMORY_ONLY);
        gradient(&r, &w).expect("caching job");
    });
    let ctx = wall_with_memory(1, 2, memory_for_half(size));
    let rdd = ctx
        .parallelize(blocks.clone(), 8)
        .persist(StorageLevel::MEMORY_ONLY);
    gradient(&rdd, &w).expect("caching job");
    let held = ctx.store_status(0).expect("exec-0").memory.len();
    assert_eq!(held, 4, "half the blocks in memory");
    g.bench_function("blocks_half_cached", |b| {
        b.iter(|| gradient(&rdd, &w).expect("job"))
    });
    let ctx = wall(1, 2);
    let rdd = ctx.parallelize(points.clone(), 8);
    g.bench_function("points_not_persisted", |b| {
        b.iter(|| gradient_per_point(&rdd, &w).expect("job"))
    });
    let size = block_bytes(|ctx| {
        let r = ctx
            .parallelize(points.clone(), 8)
            .persist(StorageLevel::MEMORY_ONLY);
        gradient_per_point(&r, &w).expect("caching job");
    });
    let ctx = wall_with_memory(1, 2, memory_for_half(size));
    let rdd = ctx
        .parallelize(points.clone(), 8)
        .persist(StorageLevel::MEMORY_ONLY);
    gradient_per_point(&rdd, &w).expect("caching job");
    let held = ctx.store_status(0).expect("exec-0").memory.len();
    assert_eq!(held, 4, "half the points in memory");
    g.bench_function("points_half_cached", |b| {
        b.iter(|| gradient_per_point(&rdd, &w).expect("job"))
    });
    g.finish();
}

fn job_overhead(c: &mut Criterion) {
    let ctx = wall(1, 2);
    let rdd = ctx.parallelize((0..1000u32).collect(), 4);
    c.bench_function("job_overhead/trivial_count_wall", |b| {
        b.iter(|| rdd.count().expect("job"))
    });
}

fn virtual_scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("virtual_scale");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for medium in [DiskMedium::Memory, DiskMedium::Files] {
        g.bench_function(
            format!("20000_maps_2000_reduces_500_executors_{}", medium.name()),
            |b| {
                b.iter(|| {
                    let ctx = Context::builder()
                        .cluster(ClusterSpec {
                            disk: Some(medium),
                            ..ClusterSpec::flat(500, 2)
                        })
                        .build()
                        .expect("context");
                    let n = ctx
                        .parallelize((0..20_000u32).collect(), 20_000)
                        .map(|x| (*x, 1u32))
                        .reduce_by_key_into(|a, b| a + b, 2_000)
                        .count()
                        .expect("job");
                    assert_eq!(n, 20_000);
                })
            },
        );
    }
    g.bench_function(
        "20000_located_maps_2000_reduces_500_executors_memory",
        |b| {
            b.iter_batched(
                located_input,
                |ctx| {
                    let n = ctx
                        .text_file("dfs://input")
                        .expect("the input")
                        .map(|line| (line.trim().parse::<u32>().unwrap_or(0) % 20_000, 1u32))
                        .reduce_by_key_into(|a, b| a + b, 2_000)
                        .count()
                        .expect("job");
                    assert_eq!(n, 20_000);
                    // Dropped after the timing, as the file was written before it.
                    ctx
                },
                criterion::BatchSize::PerIteration,
            )
        },
    );
    g.finish();
}

/// A virtual-clock context of 10 racks of 50 one-executor hosts (2 cores each) whose DFS holds
/// `dfs://input`: the numbers 0 to 19,999, a line of 8 bytes each, in 20,000 blocks of 8 bytes,
/// 3 replicas each, placed as HDFS places them from a client outside the cluster.
fn located_input() -> Context {
    let ctx = Context::builder()
        .cluster(ClusterSpec {
            racks: 10,
            hosts_per_rack: 50,
            executors_per_host: 1,
            cores_per_executor: 2,
            disk: Some(DiskMedium::Memory),
            ..ClusterSpec::default()
        })
        .dfs(DfsConfig {
            block_size: 8,
            replication: 3,
        })
        .build()
        .expect("context");
    let text: String = (0..20_000u32).map(|i| format!("{i:07}\n")).collect();
    ctx.dfs()
        .write("dfs://input", text.as_bytes(), None)
        .expect("the input written");
    ctx
}

/// Sums the gradient of a split's points in the mapper (in-mapper combining), as the
/// baseline's logistic regression does.
struct GradientMapper {
    w: std::sync::Arc<[f64]>,
    acc: Vec<f64>,
}

impl Mapper<LabeledPoint, u32, Vec<f64>> for GradientMapper {
    fn map(&mut self, p: &LabeledPoint, _: &mut dyn FnMut(u32, Vec<f64>)) {
        add_gradient(&mut self.acc, &self.w, p);
    }
    fn cleanup(&mut self, emit: &mut dyn FnMut(u32, Vec<f64>)) {
        emit(0, std::mem::take(&mut self.acc));
    }
}

fn mapreduce_read_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("mapreduce_read_parse");
    g.sample_size(20);
    let ctx = wall(1, 2);
    let input = ember::workloads::datasets::Dataset::points(1_000_000, 10, 8);
    input.write(&ctx.dfs(), 1).expect("the input written");
    let w: std::sync::Arc<[f64]> = vec![0.1; 10].into();
    let conf = MapReduceConfig::default();
    let mut job_no = 0usize;
    g.bench_function("ember_mapreduce_job_wall_2_cores", |b| {
        b.iter(|| {
            job_no += 1;
            let w = w.clone();
            let job = Job::new(
                "gradient",
                input.path(),
                format!("dfs://out/job-{job_no}"),
                1,
                11,
                parse_point,
                move || {
                    Box::new(GradientMapper {
                        w: w.clone(),
                        acc: vec![0.0; 10],
                    })
                },
                |_: &u32, parts: Vec<Vec<f64>>, out: &mut Vec<String>| {
                    let sum = parts.into_iter().fold(vec![0.0; 10], |mut a, b| {
                        add_into(&mut a, &b);
                        a
                    });
                    out.push(format!("0\t{sum:?}"));
                },
            );
            run_job(&ctx, &conf, &job).expect("job")
        })
    });
    // The same bytes in 8 files of the local file system.
    let dir = std::env::temp_dir().join(format!("ember-bench-read-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let dfs = ctx.dfs();
    let files: Vec<std::path::PathBuf> = dfs
        .files_under(&input.path())
        .expect("the input")
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let path = dir.join(format!("part-{i:05}"));
            std::fs::write(&path, dfs.read(&f.path).expect("read")).expect("written");
            path
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");
    g.bench_function("hand_read_parse_rayon_2_threads", |b| {
        b.iter(|| {
            pool.install(|| {
                let partials: Vec<Vec<f64>> = files
                    .par_iter()
                    .map(|path| {
                        let bytes = std::fs::read(path).expect("read");
                        let text = std::str::from_utf8(&bytes).expect("utf-8");
                        let mut acc = vec![0.0; 10];
                        for line in text.lines() {
                            add_gradient(&mut acc, &w, &parse_point(line));
                        }
                        acc
                    })
                    .collect();
                partials.into_iter().fold(vec![0.0; 10], |mut a, b| {
                    add_into(&mut a, &b);
                    a
                })
            })
        })
    });
    // The fastest hand loop: each line's numbers parsed into one reused buffer, no record
    // made (ember's records are `LabeledPoint`s, a `Vec` each, as the Spark-style engine's).
    g.bench_function("hand_read_parse_no_records_rayon_2_threads", |b| {
        b.iter(|| {
            pool.install(|| {
                let partials: Vec<Vec<f64>> = files
                    .par_iter()
                    .map(|path| {
                        let bytes = std::fs::read(path).expect("read");
                        let text = std::str::from_utf8(&bytes).expect("utf-8");
                        let mut acc = vec![0.0; 10];
                        let mut x = [0.0f64; 11];
                        for line in text.lines() {
                            for (slot, f) in x.iter_mut().zip(line.split(',')) {
                                *slot = f.parse::<f64>().unwrap_or(0.0);
                            }
                            let (y, x) = (x[0], &x[1..]);
                            let dot: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
                            let scale = (1.0 / (1.0 + (-y * dot).exp()) - 1.0) * y;
                            acc.iter_mut().zip(x).for_each(|(a, v)| *a += scale * v);
                        }
                        acc
                    })
                    .collect();
                partials.into_iter().fold(vec![0.0; 10], |mut a, b| {
                    add_into(&mut a, &b);
                    a
                })
            })
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

criterion_group!(
    benches,
    mapreduce_read_parse,
    lr_gradient,
    half_cached,
    cached_levels,
    job_overhead,
    virtual_scale
);
criterion_main!(benches);
