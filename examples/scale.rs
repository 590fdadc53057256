//! Times one two-stage job of 20,000 map tasks and 2,000 reduce tasks on 500 executors on the
//! virtual clock, and prints the simulated and the real time it took, and the simulated tasks
//! per second of real time.
//!
//! `cargo run --release --example scale [memory|files]` (the disk medium; memory by default)

use ember::cluster::ClusterSpec;
use ember::storage::DiskMedium;
use ember::Context;
use std::time::Instant;

fn main() {
    let medium = match std::env::args().nth(1).as_deref() {
        Some("files") => DiskMedium::Files,
        Some("memory") | None => DiskMedium::Memory,
        Some(other) => {
            eprintln!("scale: the medium is memory or files, not {other:?}");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let ctx = match Context::builder()
        .cluster(ClusterSpec {
            disk: Some(medium),
            ..ClusterSpec::flat(500, 2)
        })
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
        .map(|x| (*x, 1u32))
        .reduce_by_key_into(|a, b| a + b, 2_000);
    match counts.count() {
        Ok(n) => {
            let real = start.elapsed().as_secs_f64();
            println!(
                "{n} keys on the {} medium; simulated {:.3} s; took {real:.3} s of real time: {:.0} tasks/s",
                medium.name(),
                ctx.now_us() as f64 / 1e6,
                22_000.0 / real
            )
        }
        Err(e) => {
            eprintln!("job failed: {e}");
            std::process::exit(1);
        }
    }
}
