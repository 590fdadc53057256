//! Logistic-regression gradient steps over 1,000,000 points × 10 dimensions in 8 partitions
//! (blocks of 1,024 points, plain record types, persisted), on the wall clock with one 2-core
//! executor: prints the time per step. Run under `/usr/bin/time -v` for the peak memory.
//!
//! `cargo run --release --example lr_step [STEPS]`

use ember::cluster::{Clock, ClusterSpec};
use ember::storage::StorageLevel;
use ember::workloads::logistic_regression::{blockify, generate_points, gradient};
use ember::Context;
use std::time::Instant;

fn main() {
    let steps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let ctx = match Context::builder()
        .cluster(ClusterSpec::flat(1, 2))
        .clock(Clock::Wall)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start: {e}");
            std::process::exit(2);
        }
    };
    let blocks = blockify(&generate_points(1_000_000, 10, 1), 10, 1024);
    let points = ctx
        .parallelize(blocks, 8)
        .persist(StorageLevel::MEMORY_ONLY);
    let mut w = vec![0.0; 10];
    for i in 0..steps {
        let t = Instant::now();
        let g = match gradient(&points, &w) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("job failed: {e}");
                std::process::exit(1);
            }
        };
        for (wi, gi) in w.iter_mut().zip(g) {
            *wi -= gi / 1e6;
        }
        println!("step {i}: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    }
}
