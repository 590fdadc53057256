//! The bundled scenarios: the files of `scenarios/`, compiled into the binary so that
//! `ember run tour` works from any folder. A test checks that this list and the folder agree.

/// `(name, text)` of every bundled scenario, in the order `ember scenarios` lists them.
pub const BUNDLED: &[(&str, &str)] = &[
    ("tour", include_str!("../../scenarios/tour.toml")),
    (
        "lineage-and-laziness",
        include_str!("../../scenarios/lineage-and-laziness.toml"),
    ),
    (
        "narrow-vs-wide",
        include_str!("../../scenarios/narrow-vs-wide.toml"),
    ),
    (
        "skipped-stages",
        include_str!("../../scenarios/skipped-stages.toml"),
    ),
    (
        "word-count",
        include_str!("../../scenarios/word-count.toml"),
    ),
    (
        "call-records",
        include_str!("../../scenarios/call-records.toml"),
    ),
    (
        "logistic-regression",
        include_str!("../../scenarios/logistic-regression.toml"),
    ),
    ("kmeans", include_str!("../../scenarios/kmeans.toml")),
    (
        "kmeans-figure-11",
        include_str!("../../scenarios/kmeans-figure-11.toml"),
    ),
    (
        "lr-figure-7",
        include_str!("../../scenarios/lr-figure-7.toml"),
    ),
    (
        "kmeans-figure-7",
        include_str!("../../scenarios/kmeans-figure-7.toml"),
    ),
    (
        "pagerank-figure-10",
        include_str!("../../scenarios/pagerank-figure-10.toml"),
    ),
    (
        "fetch-failure",
        include_str!("../../scenarios/fetch-failure.toml"),
    ),
    (
        "stragglers",
        include_str!("../../scenarios/stragglers.toml"),
    ),
    ("host-loss", include_str!("../../scenarios/host-loss.toml")),
    ("pagerank", include_str!("../../scenarios/pagerank.toml")),
    (
        "pagerank-pipeline",
        include_str!("../../scenarios/pagerank-pipeline.toml"),
    ),
    (
        "delay-scheduling",
        include_str!("../../scenarios/delay-scheduling.toml"),
    ),
    (
        "locality-starvation",
        include_str!("../../scenarios/locality-starvation.toml"),
    ),
    (
        "rack-locality",
        include_str!("../../scenarios/rack-locality.toml"),
    ),
    (
        "lru-eviction",
        include_str!("../../scenarios/lru-eviction.toml"),
    ),
    (
        "storage-levels",
        include_str!("../../scenarios/storage-levels.toml"),
    ),
    (
        "lr-figure-12",
        include_str!("../../scenarios/lr-figure-12.toml"),
    ),
    (
        "execution-memory",
        include_str!("../../scenarios/execution-memory.toml"),
    ),
    (
        "spark-dag-twice",
        include_str!("../../scenarios/spark-dag-twice.toml"),
    ),
    (
        "spark-cache-rbk-join",
        include_str!("../../scenarios/spark-cache-rbk-join.toml"),
    ),
    (
        "pagerank-checkpoint",
        include_str!("../../scenarios/pagerank-checkpoint.toml"),
    ),
];

/// The bundled scenarios as `ember scenarios` lists them: a name and a description a line.
pub fn listing() -> String {
    BUNDLED
        .iter()
        .map(|(name, _)| {
            let description = super::load(name, &super::Overrides::default())
                .map(|s| s.description)
                .unwrap_or_default();
            format!("{name:<22} {description}\n")
        })
        .collect()
}

/// The text of the bundled scenario `name`.
pub fn get(name: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The bundled scenarios' names.
pub fn names() -> Vec<&'static str> {
    BUNDLED.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_scenarios_is_bundled_under_its_own_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.ok()?.path();
                if p.extension()? != "toml" {
                    return None;
                }
                Some(p.file_stem()?.to_string_lossy().into_owned())
            })
            .collect();
        files.sort();
        let mut bundled = names();
        bundled.sort();
        assert_eq!(files, bundled);
        for (name, text) in BUNDLED {
            assert!(
                text.contains(&format!("name = \"{name}\"")),
                "{name}.toml names itself {name}"
            );
        }
    }
}
