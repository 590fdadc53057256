//! The RDD API: lineage, partitioner-aware operations, actions, and the files a shuffle leaves.

mod common;

use common::{job_facts, submissions};
use ember::events::{EventKind, EventRecorder};
use ember::rdd::{Dependency, Partitioner};
use ember::Context;

fn words(ctx: &Context) -> ember::Rdd<(String, u32)> {
    ctx.parallelize(vec!["a b", "b c", "c c"], 2)
        .flat_map(|l| l.split(' ').map(str::to_string).collect::<Vec<_>>())
        .map(|w| (w.clone(), 1u32))
}

#[test]
fn lineage_string_is_indented_at_each_shuffle_like_spark_to_debug_string() {
    let ctx = Context::local(1);
    let counts = words(&ctx).reduce_by_key_into(|a, b| a + b, 4);
    assert_eq!(
        counts.lineage_string(),
        "(4) ShuffledRDD[3] at reduce_by_key []\n \
         +-(2) MapPartitionsRDD[2] at map []\n    \
         |  MapPartitionsRDD[1] at flat_map []\n    \
         |  ParallelCollectionRDD[0] at parallelize []"
    );
    let cached = counts.map_values(|v| v * 2).cache();
    assert!(cached
        .lineage_string()
        .starts_with("(4) MapPartitionsRDD[4] at map_values [Memory Deserialized 1x Replicated]\n |  ShuffledRDD[3]"));
}

#[test]
fn transformations_are_lazy_until_an_action() {
    let (ctx, rec) = Context::local_recorded(1);
    let r = words(&ctx)
        .reduce_by_key_into(|a, b| a + b, 2)
        .map_values(|v| v + 1);
    assert!(
        job_facts(&rec.events()).is_empty(),
        "no job before an action"
    );
    assert_eq!(r.count().unwrap(), 3);
    assert_eq!(job_facts(&rec.events()).len(), 1);
}

#[test]
fn a_join_of_co_partitioned_rdds_is_narrow_on_both_sides() {
    let (ctx, rec) = Context::local_recorded(2);
    let p = Partitioner::hash(4).unwrap();
    let a = words(&ctx).partition_by(p.clone());
    let b = ctx
        .parallelize(vec![("a".to_string(), 10u32), ("c".to_string(), 30)], 3)
        .partition_by(p);
    let joined = a.join(&b);
    // join = CoGroupedRDD, then two MapPartitionsRDDs; the CoGroupedRDD's parents are narrow.
    let cogrouped = &joined.node().dependencies()[0].rdd().dependencies()[0]
        .rdd()
        .clone();
    assert_eq!(cogrouped.name(), "CoGroupedRDD");
    assert!(cogrouped
        .dependencies()
        .iter()
        .all(|d| matches!(d, Dependency::OneToOne(_))));
    let mut got = joined.collect().unwrap();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("a".to_string(), (1, 10)),
            ("c".to_string(), (1, 30)),
            ("c".to_string(), (1, 30)),
            ("c".to_string(), (1, 30))
        ]
    );
    // Two map stages (the partition_by shuffles) and the result stage: no third shuffle.
    let jobs = job_facts(&rec.events());
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].stages_listed.len(), 3);
}

#[test]
fn a_join_uses_the_partitioner_of_a_partitioned_side_and_shuffles_only_the_other() {
    let ctx = Context::local(1);
    let a = words(&ctx).reduce_by_key_into(|x, y| x + y, 8);
    let b = ctx.parallelize(vec![("a".to_string(), 1u8)], 3);
    let joined = a.join(&b);
    let cogrouped = joined.node().dependencies()[0].rdd().dependencies()[0]
        .rdd()
        .clone();
    assert!(matches!(
        cogrouped.dependencies()[0],
        Dependency::OneToOne(_)
    ));
    assert!(matches!(
        cogrouped.dependencies()[1],
        Dependency::Shuffle(_)
    ));
    assert_eq!(cogrouped.num_partitions(), 8);
}

#[test]
fn reduce_by_key_on_an_rdd_already_partitioned_that_way_does_not_shuffle() {
    let ctx = Context::local(1);
    let once = words(&ctx).reduce_by_key_into(|a, b| a + b, 3);
    let twice = once.reduce_by_key_into(|a, b| a + b, 3);
    assert!(twice.node().dependencies().iter().all(|d| !d.is_shuffle()));
    let mut got = twice.collect().unwrap();
    got.sort();
    assert_eq!(got, vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3)]);
}

#[test]
fn take_scans_one_partition_then_widens_four_times_as_far() {
    let (ctx, rec) = Context::local_recorded(2);
    // 20 partitions of 5 records; only the last partition keeps any.
    let r = ctx
        .parallelize((0..100u32).collect(), 20)
        .filter(|x| *x >= 95);
    assert_eq!(r.take(2).unwrap(), vec![95, 96]);
    let parts: Vec<Vec<usize>> = submissions(&rec.events())
        .into_iter()
        .map(|s| s.partitions)
        .collect();
    assert_eq!(parts, vec![vec![0], (1..5).collect(), (5..20).collect()]);
    assert_eq!(r.first().unwrap(), Some(95));
    assert_eq!(ctx.parallelize(Vec::<u32>::new(), 3).first().unwrap(), None);
}

#[test]
fn sort_by_key_runs_its_sampling_job_when_defined_and_none_for_one_partition() {
    let (ctx, rec) = Context::local_recorded(2);
    let pairs = ctx.parallelize((0..50u32).rev().map(|x| (x, x * 2)).collect(), 4);
    let one = pairs.sort_by_key_into(true, 1).unwrap();
    assert_eq!(
        job_facts(&rec.events()).len(),
        0,
        "one partition needs no bounds"
    );
    let four = pairs.sort_by_key_into(false, 4).unwrap();
    assert_eq!(
        job_facts(&rec.events()).len(),
        1,
        "the range partitioner sampled the keys"
    );
    let asc = one.collect().unwrap();
    assert_eq!(asc, (0..50u32).map(|x| (x, x * 2)).collect::<Vec<_>>());
    let desc = four.collect().unwrap();
    assert_eq!(
        desc,
        (0..50u32).rev().map(|x| (x, x * 2)).collect::<Vec<_>>()
    );
    assert!(four.num_partitions() > 1 && four.num_partitions() <= 4);
}

#[test]
fn actions_give_the_answers_of_plain_iterators() {
    let ctx = Context::local(3);
    let r = ctx.parallelize((1..=10i64).collect(), 4);
    assert_eq!(r.count().unwrap(), 10);
    assert_eq!(r.reduce(|a, b| a + b).unwrap(), Some(55));
    assert_eq!(r.fold(0, |a, b| a + b).unwrap(), 55);
    assert_eq!(r.aggregate(0usize, |n, _| n + 1, |a, b| a + b).unwrap(), 10);
    assert_eq!(r.take(3).unwrap(), vec![1, 2, 3]);
    assert_eq!(
        r.map(|x| x * x).collect().unwrap(),
        (1..=10).map(|x| x * x).collect::<Vec<_>>()
    );
    assert_eq!(
        ctx.parallelize(Vec::<i64>::new(), 2)
            .reduce(|a, b| a + b)
            .unwrap(),
        None
    );
    let mut distinct = ctx
        .parallelize(vec![3, 1, 3, 2, 1], 2)
        .distinct_into(2)
        .collect()
        .unwrap();
    distinct.sort();
    assert_eq!(distinct, vec![1, 2, 3]);
    let mut groups = ctx
        .parallelize(vec![(1u8, 'a'), (2, 'b'), (1, 'c')], 2)
        .group_by_key_into(2)
        .collect()
        .unwrap();
    groups.sort();
    assert_eq!(groups, vec![(1, vec!['a', 'c']), (2, vec!['b'])]);
    assert_eq!(r.union(&r).count().unwrap(), 20);
    assert_eq!(r.union(&r).num_partitions(), 8);
}

#[test]
fn sample_with_the_same_seed_is_the_same_whatever_the_cluster() {
    let take = |executors| {
        let ctx = Context::local(executors);
        ctx.parallelize((0..1000u32).collect(), 5)
            .sample(false, 0.1, 7)
            .collect()
            .unwrap()
    };
    let a = take(1);
    assert_eq!(a, take(7));
    assert!(a.len() > 50 && a.len() < 150, "about a tenth: {}", a.len());
    let ctx = Context::local(2);
    let with = ctx
        .parallelize((0..1000u32).collect(), 5)
        .sample(true, 2.0, 7)
        .count()
        .unwrap();
    assert!(with > 1700 && with < 2300, "about twice: {with}");
}

#[test]
fn text_file_reads_a_folder_one_partition_per_file_and_save_as_text_file_writes_one() {
    let dir = std::env::temp_dir().join(format!("ember-textio-{}", std::process::id()));
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("b.txt"), "three\nfour\n").unwrap();
    std::fs::write(input.join("a.txt"), "one\ntwo\n").unwrap();
    std::fs::write(input.join("_SUCCESS"), "").unwrap();
    let ctx = Context::local(2);
    let lines = ctx.text_file(&input).unwrap();
    assert_eq!(lines.num_partitions(), 2);
    assert_eq!(
        lines.collect().unwrap(),
        vec!["one", "two", "three", "four"]
    );
    let out = dir.join("out");
    lines.map(|l| l.len()).save_as_text_file(&out).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("part-00000")).unwrap(),
        "3\n3\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("part-00001")).unwrap(),
        "5\n4\n"
    );
    assert!(out.join("_SUCCESS").exists());
    assert!(ctx.text_file(dir.join("missing")).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn map_tasks_write_data_and_index_files_in_their_executors_folders_with_the_files_medium() {
    let dir = std::env::temp_dir().join(format!("ember-shufflefiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ember::cluster::ClusterSpec {
            disk: Some(ember::storage::DiskMedium::Files),
            ..ember::cluster::ClusterSpec::flat(2, 1)
        })
        .work_dir(&dir)
        .listener(rec.clone())
        .build()
        .unwrap();
    let counts = ctx
        .parallelize((0..400u32).collect(), 4)
        .map(|x| (x % 10, 1u32))
        .reduce_by_key_into(|a, b| a + b, 3);
    assert_eq!(counts.count().unwrap(), 10);
    let mut data_bytes = 0;
    for map in 0..4 {
        let found: Vec<_> = ["exec-0", "exec-1"]
            .iter()
            .map(|e| dir.join(e).join(format!("shuffle_0_{map}_0.data")))
            .filter(|p| p.exists())
            .collect();
        assert_eq!(found.len(), 1, "map {map} wrote one data file");
        data_bytes += std::fs::metadata(&found[0]).unwrap().len();
        let index = found[0].with_extension("index");
        assert_eq!(
            std::fs::metadata(index).unwrap().len(),
            8 + 8 * 4,
            "the kind, then reduces + 1 offsets (dense: every block is non-empty)"
        );
    }
    let (mut written, mut local, mut remote) = (0, 0, 0);
    for e in rec.events() {
        if let EventKind::TaskEnd { metrics, .. } = e.kind {
            written += metrics.shuffle_bytes_written;
            local += metrics.shuffle_local_bytes;
            remote += metrics.shuffle_remote_bytes;
        }
    }
    assert_eq!(written, data_bytes);
    assert_eq!(
        local + remote,
        written,
        "every byte written is read once, locally or remotely"
    );
    assert!(
        remote > 0,
        "two executors: some blocks are fetched from the other one"
    );
    drop(counts);
    drop(ctx);
    assert!(dir.exists(), "a work folder given by the user is kept");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_default_partitioner_is_sparks_an_eligible_upstream_one_else_hash_over_the_largest() {
    let ctx = Context::local(1);
    let pairs = |n: usize, parts: usize| {
        ctx.parallelize((0..n as u32).map(|x| (x % 7, x)).collect::<Vec<_>>(), parts)
    };
    // No partitioner upstream: hash over the input's partitions.
    let r = pairs(50, 3).reduce_by_key(|a, b| a + b);
    assert_eq!(r.partitioner(), Some(&Partitioner::hash(3).unwrap()));
    assert!(r.node().dependencies()[0].is_shuffle());
    // An upstream partitioner is kept, and no shuffle is needed.
    let p4 = pairs(50, 3).partition_by(Partitioner::hash(4).unwrap());
    let again = p4.reduce_by_key(|a, b| a + b);
    assert_eq!(again.partitioner(), Some(&Partitioner::hash(4).unwrap()));
    assert!(again.node().dependencies().iter().all(|d| !d.is_shuffle()));
    // Two parents: the partitioned one's partitioner when it is within an order of magnitude
    // of the largest parent (4 vs 10)...
    let cogrouped = |j: &ember::Rdd<(u32, (u32, u32))>| {
        j.node().dependencies()[0].rdd().dependencies()[0]
            .rdd()
            .clone()
    };
    let j = p4.join(&pairs(50, 10));
    assert_eq!(
        cogrouped(&j).partitioner(),
        Some(&Partitioner::hash(4).unwrap())
    );
    // ...else hash over the largest parent's partitions (4 vs 100).
    let j = p4.join(&pairs(500, 100));
    assert_eq!(
        cogrouped(&j).partitioner(),
        Some(&Partitioner::hash(100).unwrap())
    );
    // The three forms of an operation agree on the answer.
    let sorted = |r: ember::Rdd<(u32, u32)>| {
        let mut v = r.collect().unwrap();
        v.sort();
        v
    };
    let a = sorted(pairs(50, 3).reduce_by_key(|a, b| a + b));
    assert_eq!(a, sorted(pairs(50, 3).reduce_by_key_into(|a, b| a + b, 5)));
    assert_eq!(
        a,
        sorted(pairs(50, 3).reduce_by_key_with(|a, b| a + b, Partitioner::hash(2).unwrap()))
    );
    let groups = pairs(50, 3).group_by_key().count().unwrap();
    assert_eq!(groups, pairs(50, 3).group_by_key_into(9).count().unwrap());
    assert_eq!(
        ctx.parallelize(vec![3u8, 1, 3], 2)
            .distinct()
            .count()
            .unwrap(),
        2
    );
}

#[test]
fn a_hash_partitioner_over_zero_partitions_is_an_error_not_a_panic() {
    assert!(Partitioner::hash(0).is_err());
    let (ctx, rec) = Context::local_recorded(1);
    let pairs = ctx.parallelize(vec![(1u8, 1u32), (2, 2)], 2);
    let zero: Vec<Result<u64, ember::scheduler::JobError>> = vec![
        pairs.reduce_by_key_into(|a, b| a + b, 0).count(),
        pairs.group_by_key_into(0).count(),
        pairs.join_into(&pairs, 0).count(),
        pairs.cogroup_into(&pairs, 0).count(),
        pairs.distinct_into(0).count(),
        // Downstream of a bad RDD fails too.
        pairs
            .reduce_by_key_into(|a, b| a + b, 0)
            .map_values(|v| v + 1)
            .count(),
    ];
    for r in zero {
        match r {
            Err(ember::scheduler::JobError::InvalidRdd(m)) => {
                assert!(m.contains("at least 1 partition, got 0"), "{m}")
            }
            other => panic!("expected an invalid RDD, got {other:?}"),
        }
    }
    assert!(job_facts(&rec.events()).is_empty(), "no job was submitted");
    assert_eq!(
        pairs.reduce_by_key_into(|a, b| a + b, 1).count().unwrap(),
        2
    );
}

#[test]
fn unpersist_forgets_the_level_and_persisting_twice_at_other_levels_is_sparks_error() {
    use ember::storage::StorageLevel;
    let ctx = Context::local(1);
    let r = ctx
        .parallelize((0..10u32).collect(), 2)
        .map(|x| x + 1)
        .cache();
    assert_eq!(r.storage_level(), StorageLevel::MEMORY_ONLY);
    assert!(r
        .lineage_string()
        .contains("Memory Deserialized 1x Replicated"));
    r.unpersist();
    assert_eq!(r.storage_level(), StorageLevel::NONE);
    assert!(!r.lineage_string().contains("Memory"));
    assert_eq!(r.count().unwrap(), 10);
    // After unpersist, another level may be chosen.
    let r = r.persist(StorageLevel::MEMORY_AND_DISK);
    assert_eq!(r.storage_level(), StorageLevel::MEMORY_AND_DISK);
    assert_eq!(r.count().unwrap(), 10);
    // Changing a level that is set is refused, as Spark refuses it.
    let r = r.persist(StorageLevel::DISK_ONLY);
    assert_eq!(r.storage_level(), StorageLevel::MEMORY_AND_DISK);
    match r.count() {
        Err(ember::scheduler::JobError::InvalidRdd(m)) => assert!(
            m.contains(
                "Cannot change storage level of an RDD after it was already assigned a level"
            ),
            "{m}"
        ),
        other => panic!("expected Spark's error, got {other:?}"),
    }
}

#[test]
fn collect_as_map_keeps_the_last_value_of_a_repeated_key() {
    let ctx = Context::local(2);
    let m = ctx
        .parallelize(vec![(1u8, 'a'), (2, 'b'), (1, 'c')], 2)
        .collect_as_map()
        .unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[&1], 'c');
    assert_eq!(m[&2], 'b');
}

#[test]
fn an_action_called_inside_a_task_is_an_error_instead_of_a_deadlock() {
    for clock in [ember::cluster::Clock::Virtual, ember::cluster::Clock::Wall] {
        let ctx = Context::builder()
            .cluster(ember::cluster::ClusterSpec::flat(1, 2))
            .clock(clock)
            .build()
            .unwrap();
        let inner = ctx.parallelize(vec![1u32, 2, 3], 1);
        let answers = ctx
            .parallelize(vec![0u32, 1], 2)
            .map(move |_| match inner.count() {
                Err(ember::scheduler::JobError::ActionInsideTask { .. }) => "refused".to_string(),
                other => format!("{other:?}"),
            })
            .collect()
            .unwrap();
        assert_eq!(answers, vec!["refused", "refused"], "{clock:?}");
        let e = ember::scheduler::JobError::ActionInsideTask { task: 3 }.to_string();
        assert!(e.contains("SPARK-5063"), "{e}");
    }
}

#[test]
fn saving_to_an_existing_output_is_refused_as_spark_refuses_it() {
    let ctx = ember::Context::local(2);
    let r = ctx.parallelize((0..10u32).collect(), 2);
    r.save_as_text_file("dfs://out/x").expect("the first save");
    let e = r
        .save_as_text_file("dfs://out/x")
        .expect_err("the path exists");
    assert!(
        e.to_string()
            .contains("Output directory dfs://out/x already exists"),
        "{e}"
    );
    let local = std::env::temp_dir().join(format!("ember-save-{}", std::process::id()));
    r.save_as_text_file(&local).expect("a new local folder");
    let before = std::fs::read_to_string(local.join("part-00000")).expect("part");
    let e = r
        .map(|x| x + 100)
        .save_as_text_file(&local)
        .expect_err("the folder exists");
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(
        std::fs::read_to_string(local.join("part-00000")).expect("part"),
        before,
        "nothing overwritten"
    );
    let _ = std::fs::remove_dir_all(&local);
}
