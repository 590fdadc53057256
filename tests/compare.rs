//! `ember compare` and the scenarios it is for: the RDD paper's Figure 12, and the storage
//! levels side by side.

use ember::scenario::compare::compare;
use ember::scenario::{find, Overrides};

#[test]
fn figure_12_iterations_slow_down_as_less_of_the_data_fits_and_every_run_agrees() {
    let c = compare(&find("lr-figure-12").unwrap(), &Overrides::default(), None).expect("compare");
    let names: Vec<&str> = c.runs.iter().map(|r| r.run.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "base",
            "75-percent",
            "50-percent",
            "25-percent",
            "0-percent"
        ]
    );
    // The cached share falls run by run: 400, 300, 200, 100, 0 of the 400 blocks.
    let stored: Vec<usize> = c.runs.iter().map(|r| r.summary.blocks_stored).collect();
    assert_eq!(stored, vec![400, 300, 200, 100, 0]);
    let later: Vec<f64> = c
        .runs
        .iter()
        .map(|r| r.later_mean_us().expect("iterations"))
        .collect();
    for w in later.windows(2) {
        assert!(
            w[0] < w[1],
            "iteration time grows as less is cached: {later:?}"
        );
    }
    assert!(c.answers_agree(), "one digest for every run");
    let text = c.render(80);
    assert!(text.contains("every run gave the same answer"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    // The paper's Figure 12 beside ember's: each run's later iterations, as a ratio to the
    // fully cached run's, within 25% of the paper's (the scenario models the paper's cluster).
    let paper = c
        .paper
        .as_ref()
        .expect("lr-figure-12 carries the paper's figures");
    let paper_base = paper.runs["base"].later_us.expect("the paper's 100%");
    for (r, ember) in c.runs.iter().zip(&later) {
        let theirs = paper.runs[&r.run].later_us.expect("a later time") / paper_base;
        let ours = ember / later[0];
        assert!(
            (ours / theirs - 1.0).abs() <= 0.25,
            "{}: ember {ours:.2}× against the paper's {theirs:.2}×",
            r.run
        );
    }
    assert!(
        text.contains("beside the paper (the RDD paper, Figure 12"),
        "{text}"
    );
}

#[test]
fn compare_writes_one_csv_row_per_iteration_of_each_run() {
    let c = compare(&find("pagerank").unwrap(), &Overrides::default(), None).expect("compare");
    let csv = c.csv();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "run,engine,iteration,elapsed_us");
    assert_eq!(rows.len(), 1 + 2 * 5, "two runs of five iterations: {csv}");
    assert!(rows[1].starts_with("base,spark,1,"));
    assert!(rows[6].starts_with("partitioned,spark,1,"));
}

#[test]
fn a_comparison_with_a_failed_run_says_it_failed_not_that_the_answers_differ() {
    let text = "name = \"failvar\"\ndescription = \"a variant that fails\"\n[workload]\nkind = \"pipeline\"\n\
        [[workload.dataset]]\nname = \"r\"\ngenerator = \"range\"\nstart = 0\nend = 100\npartitions = 4\n\
        [[workload.rdd]]\nid = \"r0\"\nop = \"parallelize\"\ndataset = \"r\"\n\
        [[workload.rdd]]\nid = \"ints\"\nop = \"map\"\ninput = \"r0\"\nfn = \"identity\"\n\
        [[workload.action]]\nop = \"count\"\nrdd = \"ints\"\n\
        [[variant]]\nname = \"broken\"\nset = { \"workload.rdd[1].fn\" = \"add 1\" }\n";
    let source = ember::scenario::Source {
        origin: "failvar.toml".into(),
        bytes: text.as_bytes().to_vec(),
        path: None,
    };
    std::panic::set_hook(Box::new(|_| {}));
    let c = compare(&source, &Overrides::default(), None).expect("compare");
    let _ = std::panic::take_hook();
    assert_eq!(c.failed_runs(), 1);
    let shown = c.render(100);
    assert!(shown.contains("broken: FAILED: Job aborted"), "{shown}");
    assert!(
        shown.contains("1 of 2 runs failed: their answers cannot be compared"),
        "{shown}"
    );
    assert!(!shown.contains("the answers differ"), "{shown}");
}

#[test]
fn compare_shows_the_share_of_tasks_at_each_locality_level_per_run() {
    use ember::scenario::Source;
    let text = "name = \"scarce\"\ndescription = \"input written by host-0 with one replica\"\n\
        [cluster]\nracks = 1\nhosts_per_rack = 4\nexecutors_per_host = 1\ncores_per_executor = 2\n\
        [workload]\nkind = \"wordcount\"\npartitions = 16\nlines = 4000\nwriter = \"host-0\"\nreplication = 1\n\
        [[variant]]\nname = \"no-wait\"\nset = { \"scheduler.locality_wait\" = \"0s\" }\n";
    let src = Source {
        origin: "scarce.toml".into(),
        bytes: text.as_bytes().to_vec(),
        path: None,
    };
    let c = compare(&src, &Overrides::default(), None).expect("compare");
    let shown = c.render(100);
    let row = |run: &str| -> Vec<String> {
        let after = shown
            .split("tasks launched at each locality level:")
            .nth(1)
            .expect("the locality table");
        let line = after
            .lines()
            .find(|l| l.split_whitespace().next() == Some(run))
            .expect("a row per run");
        line.split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    // Columns PROCESS, NODE, RACK, ANY. Input tasks are half the launches (16 map, 16 reduce).
    // With the wait every input task is node-local on host-0, so host-0 holds all of every
    // reduce's shuffle input and the reduces prefer it too: 32 of 32. With none only host-0's
    // 4 map tasks are node-local, the maps spread over the 4 hosts, each holding a quarter of
    // every reduce's input (at least 20%), so every reduce is node-local: 20 of 32.
    assert_eq!(row("base")[1], "100%", "{shown}");
    assert_eq!(row("no-wait")[1], "62%", "{shown}");
    assert_eq!(row("no-wait")[2], "38%", "{shown}");
}

#[test]
fn a_variant_of_a_scenario_with_a_paper_table_reads_back_as_it_ran() {
    // The log carries the scenario as it ran; the UI's what-if and cost model read it back.
    let o = Overrides {
        variant: Some("50-percent".into()),
        ..Default::default()
    };
    let sc = ember::scenario::load("lr-figure-12", &o).expect("the variant");
    let text = sc.as_ran_toml();
    let source = ember::scenario::Source {
        origin: "as ran".into(),
        bytes: text.as_bytes().to_vec(),
        path: None,
    };
    let back = ember::scenario::parse(&source, &Overrides::default());
    assert!(back.is_ok(), "{:?}\n{text}", back.err());
    assert!(
        !text.contains("[paper]"),
        "the paper's table goes with the variants"
    );
}
