//! Scenario pipelines run as the same program written in Rust runs.

mod common;

use common::job_facts;
use ember::cluster::ClusterSpec;
use ember::events::EventRecorder;
use ember::lineage::Partitioner;
use ember::scenario::{load, run, Overrides, RunOptions};
use ember::storage::StorageLevel;
use ember::workloads::datasets::{Dataset, Generator};
use ember::Context;

#[test]
fn the_pagerank_pipeline_scenario_runs_the_jobs_stages_and_tasks_of_the_same_rust_program() {
    // The scenario.
    let sc = load("pagerank-pipeline", &Overrides::default()).expect("bundled");
    let events = run(&sc, RunOptions::default()).expect("run").events;
    let from_file = job_facts(&events);

    // The same program against the Rust API, on the same cluster and data.
    let rust = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec {
            racks: 1,
            hosts_per_rack: 2,
            cores_per_executor: 2,
            ..ClusterSpec::default()
        })
        .seed(sc.seed)
        .listener(rust.clone())
        .build()
        .unwrap();
    let graph = Dataset {
        name: "graph".into(),
        generator: Generator::Graph {
            vertices: 300,
            degree: 4,
        },
        partitions: 4,
        placement: Default::default(),
    };
    graph.write(&ctx.dfs(), sc.seed).unwrap();
    let p4 = Partitioner::hash(4).unwrap();
    let links = ctx
        .text_file("dfs://graph")
        .unwrap()
        .map(|l| {
            let mut w = l.split_whitespace().map(|x| x.parse::<u64>().unwrap());
            (w.next().unwrap(), w.next().unwrap())
        })
        .group_by_key_with(p4.clone())
        .persist(StorageLevel::MEMORY_ONLY);
    let mut ranks = links.map_values(|_| 1.0f64);
    for _ in 0..3 {
        ranks = links
            .join(&ranks)
            .flat_map(|(_, (urls, rank))| {
                let share = rank / urls.len() as f64;
                urls.iter().map(|u| (*u, share)).collect::<Vec<_>>()
            })
            .reduce_by_key_with(|a, b| a + b, p4.clone())
            .map_values(|s| s * 0.85)
            .map_values(|s| s + 0.15);
    }
    let ranked = ranks.collect().unwrap();
    assert!(ranked.len() > 100);
    let from_rust = job_facts(&rust.events());

    assert_eq!(from_file.len(), 1);
    assert_eq!(
        from_file, from_rust,
        "jobs, stages listed, run and skipped, attempts and tasks"
    );
    assert_eq!(
        from_file[0].stages_submitted.len(),
        5,
        "the grouping, three rounds, the result"
    );
}
