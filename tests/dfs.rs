//! The HDFS-like store as the engine uses it: `text_file` makes a partition per block that
//! prefers its replicas' hosts, tasks launch on those hosts, and `save_as_text_file` writes
//! replicated files into it.

use ember::cluster::ClusterSpec;
use ember::dfs::DfsConfig;
use ember::events::{EventKind, EventRecorder, Locality};
use ember::lineage::TaskLocation;
use ember::Context;
use std::collections::BTreeMap;

fn context(rec: &EventRecorder, block_size: u64, replication: usize) -> Context {
    Context::builder()
        .cluster(ClusterSpec {
            racks: 2,
            hosts_per_rack: 2,
            cores_per_executor: 1,
            ..ClusterSpec::default()
        })
        .dfs(DfsConfig {
            block_size,
            replication,
        })
        .seed(3)
        .listener(rec.clone())
        .build()
        .unwrap()
}

fn text(lines: usize) -> String {
    (0..lines).map(|i| format!("line number {i}\n")).collect()
}

#[test]
fn text_file_has_a_partition_per_block_preferring_its_replicas_and_runs_there() {
    let rec = EventRecorder::new();
    let ctx = context(&rec, 256, 2);
    let body = text(100);
    let a = ctx
        .dfs()
        .write("dfs://in/a", body.as_bytes(), None)
        .unwrap();
    let b = ctx.dfs().write("dfs://in/b", b"x\ny\n", None).unwrap();
    let blocks: Vec<_> = a.blocks.iter().chain(&b.blocks).collect();
    assert_eq!(a.blocks.len(), body.len().div_ceil(256));
    let lines = ctx.text_file("dfs://in").unwrap();
    assert_eq!(lines.num_partitions(), blocks.len());
    for (p, blk) in blocks.iter().enumerate() {
        let want: Vec<TaskLocation> = blk
            .replicas
            .iter()
            .map(|h| TaskLocation::Host(h.as_str().into()))
            .collect();
        assert_eq!(lines.node().preferred_locations(p), want);
        assert_eq!(blk.replicas.len(), 2);
    }
    let mut want: Vec<String> = body.lines().map(str::to_string).collect();
    want.extend(["x".to_string(), "y".to_string()]);
    assert_eq!(
        lines.collect().unwrap(),
        want,
        "lines split at block boundaries, none lost"
    );

    // Every task ran on a host holding its block, and read it from there.
    let replicas: BTreeMap<usize, &Vec<String>> = blocks
        .iter()
        .enumerate()
        .map(|(p, b)| (p, &b.replicas))
        .collect();
    let mut local = 0;
    for e in rec.events() {
        match e.kind {
            EventKind::TaskStart {
                partition,
                host,
                locality,
                ..
            } => {
                assert_eq!(locality, Locality::NodeLocal);
                assert!(replicas[&partition].contains(&host), "{host}");
                local += 1;
            }
            EventKind::TaskEnd { metrics, .. } => {
                assert!(
                    metrics.input_disk_bytes > 0,
                    "the block itself is read locally"
                );
            }
            _ => {}
        }
    }
    assert_eq!(local, blocks.len());
}

#[test]
fn save_as_text_file_to_the_dfs_writes_replicated_parts_first_on_the_writers_host() {
    let rec = EventRecorder::new();
    let ctx = context(&rec, 64, 3);
    let nums = ctx.parallelize((0..40u32).collect(), 4);
    nums.save_as_text_file("dfs://out/nums").unwrap();
    let files = ctx.dfs().files_under("dfs://out/nums").unwrap();
    assert_eq!(files.len(), 4);
    assert!(ctx.dfs().file("dfs://out/nums/_SUCCESS").is_some());
    let mut host_of = BTreeMap::new();
    for e in rec.events() {
        if let EventKind::TaskStart {
            partition, host, ..
        } = e.kind
        {
            host_of.insert(partition, host);
        }
    }
    for (p, f) in files.iter().enumerate() {
        assert_eq!(f.path, format!("out/nums/part-{p:05}"));
        for b in &f.blocks {
            assert_eq!(b.replicas.len(), 3);
            assert_eq!(
                b.replicas[0], host_of[&p],
                "first replica on the writer's host"
            );
        }
    }
    let back: Vec<u32> = ctx
        .text_file("dfs://out/nums")
        .unwrap()
        .map(|l| l.parse::<u32>().unwrap())
        .collect()
        .unwrap();
    assert_eq!(back, (0..40).collect::<Vec<_>>());
}

#[test]
fn a_missing_dfs_path_is_an_error_naming_it() {
    let ctx = context(&EventRecorder::new(), 64, 1);
    let e = ctx
        .text_file("dfs://nowhere/at-all")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("dfs://nowhere/at-all"), "{e}");
}
