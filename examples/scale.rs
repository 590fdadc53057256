//! Times one two-stage job of 20,000 map tasks and 2,000 reduce tasks on 500 executors on the
//! virtual clock, and prints the simulated and the real time it took.
//!
//! `cargo run --release --example scale`

use ember::cluster::ClusterSpec;
use ember::Context;
use std::time::Instant;

fn main() {
    let start = Instant::now();
    let ctx = match Context::builder()
        .cluster(ClusterSpec::flat(500, 2))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start: {e}");
            std::process::exit(2);
        }
    };
    let counts = ctx
        .parallelize((0..20_000u32).collect(), 20_000)
        .map(|x| (x, 1u32))
        .reduce_by_key(|a, b| a + b, 2_000);
    match counts.count() {
        Ok(n) => println!(
            "{n} keys; simulated {:.3} s; took {:.3} s of real time",
            ctx.now_us() as f64 / 1e6,
            start.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("job failed: {e}");
            std::process::exit(1);
        }
    }
}
