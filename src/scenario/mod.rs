//! Scenarios: a cluster, a clock, a seed, a workload and a fault plan, as TOML files
//! (CONTRACTS §2), and the runs made from them.
//!
//! A scenario is read in three steps: the TOML is deserialized into the file's model
//! ([`spec`], which refuses unknown keys and parses units), then checked and turned into a
//! [`Scenario`] ([`validate`]), then changed by a `--variant` and `--set KEY=VALUE` and checked
//! again ([`Overrides`]). Every error names the file, and the line, column and key where the
//! input has them ([`ScenarioError`], located through [`locate`]). Keys that are accepted but
//! not honoured come back as warnings. The bundled scenarios (the files of `scenarios/`)
//! are compiled in ([`bundled`]), so `ember run tour` works from any folder. [`run`] runs one;
//! [`expect`] checks and blesses its `[expect]` table.

pub mod bounds;
pub mod breakdown;
pub mod budget;
pub mod bundled;
pub mod chart;
pub mod check;
pub mod compare;
pub mod estimate;
pub mod expect;
pub mod locate;
pub(crate) mod messages;
pub mod outputs;
pub mod paper;
pub mod pipeline;
pub mod progress;
pub mod replay;
pub mod report;
mod run;
pub mod spec;
pub use crate::units;
pub mod validate;
pub mod whatif;
pub mod whatif_compare;
mod workload;

pub use run::{check_outputs, preflight, prepare, run, RunError, RunOptions, RunReport, Watcher};

use crate::cluster::{Clock, ClusterSpec, CostModel};
use crate::dfs::DfsConfig;
use crate::faults::Fault;
use crate::scheduler::SchedulerConfig;
use crate::workloads::Workload;
use locate::SourceMap;
use spec::ScenarioFile;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The scenario `ember run` and `ember tui` use when given none.
pub const DEFAULT_SCENARIO: &str = "tour";

/// Which engine runs the workload (`workload.engine`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Spark,
    MapReduce,
    Both,
}

impl Engine {
    /// The engines that run, in the order they run (the Spark-style engine first).
    pub fn engines(self) -> Vec<crate::events::Engine> {
        use crate::events::Engine as E;
        match self {
            Engine::Spark => vec![E::Spark],
            Engine::MapReduce => vec![E::MapReduce],
            Engine::Both => vec![E::Spark, E::MapReduce],
        }
    }
}

/// A checked scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub clock: Clock,
    pub cluster: ClusterSpec,
    pub scheduler: SchedulerConfig,
    pub dfs: DfsConfig,
    pub cost: CostModel,
    pub engine: Engine,
    /// The MapReduce baseline's settings (`[mapreduce]`).
    pub mapreduce: crate::mapreduce::MapReduceConfig,
    pub workload: Workload,
    pub faults: Vec<Fault>,
    /// What a run must show (after the variant's changes).
    pub expect: BTreeMap<String, toml::Value>,
    /// The file as it runs: after the variant and `--set`s, with the seed used.
    pub file: ScenarioFile,
    /// Where it came from: a path, or `bundled:<name>`.
    pub origin: String,
    /// The text it was read from.
    pub text: String,
    /// The variant applied, if any.
    pub variant: Option<String>,
    /// Keys accepted but not honoured.
    pub warnings: Vec<ScenarioError>,
    /// The most work a run of it may do ([`budget::Budget::NONE`] with `--no-budget`).
    pub budget: budget::Budget,
}

impl Scenario {
    /// The scenario as it runs, as TOML (what `AppStart` records).
    pub fn as_ran_toml(&self) -> String {
        toml::to_string(&self.file).unwrap_or_default()
    }

    /// The names of its variants.
    pub fn variant_names(&self) -> Vec<String> {
        self.file.variants.iter().map(|v| v.name.clone()).collect()
    }

    /// Where `[expect]` sets `key` in the source file (the chosen variant's `expect` first):
    /// 1-based line and column.
    pub fn expect_location(&self, key: &str) -> Option<(usize, usize)> {
        let map = SourceMap::new(&self.text);
        let quoted = validate::quote(key);
        let variant = self.variant.as_ref().and_then(|name| {
            let file: ScenarioFile = toml::from_str(&self.text).ok()?;
            let i = file.variants.iter().position(|v| &v.name == name)?;
            map.span_of(&format!("variant[{i}].expect.{quoted}"))
        });
        let span = variant.or_else(|| map.span_of(&format!("expect.{quoted}")))?;
        Some(map.line_col(span.start))
    }
}

/// A problem with a scenario (or, as a warning, a key not honoured): the file, and the
/// line, column and key where there are some.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(k) = &self.key {
            write!(f, "{k}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Changes made on the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--variant NAME`.
    pub variant: Option<String>,
    /// `--set KEY=VALUE`, in order.
    pub sets: Vec<(String, String)>,
    /// `--seed N`.
    pub seed: Option<u64>,
    /// `--clock`.
    pub clock: Option<Clock>,
    /// `--no-budget`: run however large the estimate.
    pub no_budget: bool,
}

impl Overrides {
    /// Parses `KEY=VALUE` as `--set` takes it.
    pub fn parse_set(s: &str) -> Result<(String, String), String> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!(
                "{s:?}: --set takes KEY=VALUE, as --set cluster.racks=3"
            )),
        }
    }
}

/// A scenario's text and where it came from.
#[derive(Clone, Debug)]
pub struct Source {
    /// A path, or `bundled:<name>`.
    pub origin: String,
    pub bytes: Vec<u8>,
    /// The file, when it is one (for `--bless`).
    pub path: Option<std::path::PathBuf>,
}

/// What every command says of a directory given where a scenario belongs.
pub const A_DIRECTORY: &str = "a directory, not a scenario file: give a file in it (as \
     scenarios/tour.toml), or a bundled scenario's name (`ember scenarios` lists them)";

/// Finds the scenario `arg` names: a file, or a bundled scenario.
pub fn find(arg: &str) -> Result<Source, ScenarioError> {
    let path = Path::new(arg);
    let error = |message: String| ScenarioError {
        file: arg.to_string(),
        line: None,
        column: None,
        key: None,
        message,
    };
    // A folder named as a bundled scenario (as `ember export word-count` makes one) does not
    // hide it: a bare name is the bundled scenario unless a file has that name.
    if path.is_dir() && (arg.contains('/') || arg.contains('\\') || bundled::get(arg).is_none()) {
        return Err(error(A_DIRECTORY.into()));
    }
    let looks_like_file = arg.ends_with(".toml") || arg.contains('/') || arg.contains('\\');
    if path.is_file() || looks_like_file {
        return read_file(path);
    }
    if let Some(text) = bundled::get(arg) {
        return Ok(Source {
            origin: format!("bundled:{arg}"),
            bytes: text.as_bytes().to_vec(),
            path: None,
        });
    }
    let names = bundled::names();
    Err(error(match messages::closest(arg, &names) {
        Some(name) => format!(
            "no such scenario file or bundled scenario: did you mean `{name}`? (`ember scenarios` lists them)"
        ),
        None => format!(
            "no such scenario file or bundled scenario; the bundled ones are {}",
            names.join(", ")
        ),
    }))
}

/// Reads a scenario file.
pub fn read_file(path: &Path) -> Result<Source, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        line: None,
        column: None,
        key: None,
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "no such file".to_string()
        } else if path.is_dir() {
            A_DIRECTORY.to_string()
        } else {
            e.to_string()
        },
    })?;
    Ok(Source {
        origin: path.display().to_string(),
        bytes,
        path: Some(path.to_path_buf()),
    })
}

/// A `KEY=VALUE` value as TOML: a number, boolean, array or quoted string if it parses as one,
/// else the text as a string (`--set cluster.storage_memory=4MiB`).
fn set_value(v: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {v}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(v.to_string())),
        Err(_) => toml::Value::String(v.to_string()),
    }
}

/// Sets `path` (dotted, `a.b.c`) in `table` to `value`, making tables as needed.
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let segs = locate::parse_path(path);
    if segs.is_empty() {
        return Err("an empty key".into());
    }
    let mut root = toml::Value::Table(std::mem::take(table));
    let r = set_in(&mut root, &segs, value);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    r
}

/// Sets `segs` under `v`: a key of a table (made if missing), or an item of an existing array
/// (`workload.rdd[2].persist`).
fn set_in(v: &mut toml::Value, segs: &[locate::Seg], value: toml::Value) -> Result<(), String> {
    let Some((seg, rest)) = segs.split_first() else {
        return Err("an empty key".into());
    };
    let next = match (seg, v) {
        (locate::Seg::Key(k), toml::Value::Table(t)) => {
            if rest.is_empty() {
                t.insert(k.clone(), value);
                return Ok(());
            }
            t.entry(k.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        }
        (locate::Seg::Index(i), toml::Value::Array(a)) => {
            let n = a.len();
            let item = a
                .get_mut(*i)
                .ok_or_else(|| format!("[{i}]: the array has {n} items"))?;
            if rest.is_empty() {
                *item = value;
                return Ok(());
            }
            item
        }
        (locate::Seg::Key(k), _) => return Err(format!("{k}: its parent is not a table")),
        (locate::Seg::Index(i), _) => return Err(format!("[{i}]: not an array")),
    };
    set_in(next, rest, value)
}

/// A scenario being read: its origin, text and where things are in it.
struct Reader<'a> {
    origin: &'a str,
    map: SourceMap,
}

impl Reader<'_> {
    /// An error at byte `offset` of the file (if known), about `key` (if known).
    fn error_at(
        &self,
        offset: Option<usize>,
        key: Option<String>,
        message: String,
    ) -> ScenarioError {
        let (line, column) = match offset.map(|o| self.map.line_col(o)) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        ScenarioError {
            file: self.origin.to_string(),
            line,
            column,
            key,
            message,
        }
    }

    fn at_key(&self, key: &str, message: String) -> ScenarioError {
        let offset = self.map.span_of(key).map(|s| s.start);
        self.error_at(offset, Some(key.to_string()), message)
    }

    fn toml_error(&self, e: toml::de::Error) -> ScenarioError {
        let offset = e.span().map(|s| s.start);
        // A missing key has no place of its own: the span is its table's.
        let key = offset
            .filter(|_| !e.message().starts_with("missing field"))
            .and_then(|o| self.map.key_at(o).or_else(|| self.map.key_on_line(o)));
        self.error_at(offset, key, messages::plain(e.message().trim()))
    }
}

/// Reads, checks and changes a scenario.
pub fn parse(source: &Source, o: &Overrides) -> Result<Scenario, ScenarioError> {
    let origin = source.origin.as_str();
    let text = match std::str::from_utf8(&source.bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = source.bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(ScenarioError {
                file: origin.to_string(),
                line: Some(line),
                column: None,
                key: None,
                message: "not UTF-8 text: a scenario is a TOML file".into(),
            });
        }
    };
    if crate::events::log::looks_like_event_log(text.as_bytes()) {
        return Err(ScenarioError {
            file: origin.to_string(),
            line: Some(1),
            column: None,
            key: None,
            message: "this is an event log, not a scenario: replay it with `ember tui FILE`, or run its application again on another cluster with `ember compare FILE --set KEY=VALUE`".into(),
        });
    }
    let r = Reader {
        origin,
        map: SourceMap::new(text),
    };
    let mut file: ScenarioFile = toml::from_str(text).map_err(|e| r.toml_error(e))?;
    let mut warnings = Vec::new();
    validate::validate(&file, &mut warnings).map_err(|(k, m)| r.at_key(&k, m))?;

    // Every variant must make a valid scenario, chosen or not: a file with a broken variant
    // is a broken file.
    if o.variant.is_none() {
        for (i, v) in file.variants.iter().enumerate() {
            let mut f = file.clone();
            for (key, value) in &v.set {
                let at = format!("variant[{i}].set.{}", validate::quote(key));
                f = apply(&f, key, value.clone()).map_err(|m| r.at_key(&at, m))?;
            }
            validate::validate(&f, &mut Vec::new()).map_err(|(k, m)| {
                let at = format!("variant[{i}].set");
                let mut e = r.at_key(&at, format!("variant {:?} makes {k} invalid: {m}", v.name));
                e.key = Some(format!("variant[{i}].set"));
                e
            })?;
        }
    }
    let mut changed = false;
    let mut expect = file.expect.clone();
    let variant = match &o.variant {
        None => None,
        Some(name) => {
            let Some((i, v)) = file
                .variants
                .iter()
                .enumerate()
                .find(|(_, v)| &v.name == name)
            else {
                let names: Vec<&str> = file.variants.iter().map(|v| v.name.as_str()).collect();
                return Err(ScenarioError {
                    file: origin.to_string(),
                    line: None,
                    column: None,
                    key: Some("variant".into()),
                    message: if names.is_empty() {
                        format!("no variant {name:?}: this scenario has none")
                    } else {
                        format!("no variant {name:?}; the variants are {}", names.join(", "))
                    },
                });
            };
            let v = v.clone();
            for (key, value) in &v.set {
                let at = format!("variant[{i}].set.{}", validate::quote(key));
                file = apply(&file, key, value.clone()).map_err(|m| r.at_key(&at, m))?;
                changed = true;
            }
            for (k, val) in &v.expect {
                expect.insert(k.clone(), val.clone());
            }
            Some(v.name.clone())
        }
    };
    for (key, value) in &o.sets {
        file = apply(&file, key, set_value(value)).map_err(|m| ScenarioError {
            file: origin.to_string(),
            line: None,
            column: None,
            key: Some(key.clone()),
            message: format!("(--set {key}={value}) {m}"),
        })?;
        changed = true;
    }
    if let Some(seed) = o.seed {
        file.seed = Some(seed);
    }
    if let Some(clock) = o.clock {
        file.clock = Some(clock.name().to_string());
    }
    let mut sc = if changed || o.seed.is_some() || o.clock.is_some() {
        let mut w = Vec::new();
        let sc = validate::validate(&file, &mut w).map_err(|(k, m)| {
            let mut e = r.at_key(&k, m);
            e.message = format!("{} (after --variant/--set/--seed/--clock)", e.message);
            e
        })?;
        warnings = w;
        sc
    } else {
        validate::validate(&file, &mut Vec::new()).map_err(|(k, m)| r.at_key(&k, m))?
    };
    sc.expect = expect;
    sc.file.expect = sc.expect.clone();
    sc.file.variants.clear();
    sc.origin = origin.to_string();
    sc.text = text.to_string();
    sc.variant = variant;
    sc.budget = if o.no_budget {
        budget::Budget::NONE
    } else {
        budget::Budget::DEFAULT
    };
    // A warning about a key given with --set points at the flag, not at the file's line.
    sc.warnings = warnings
        .into_iter()
        .map(
            |(k, m)| match o.sets.iter().rev().find(|(key, _)| *key == k) {
                Some((key, value)) => ScenarioError {
                    file: origin.to_string(),
                    line: None,
                    column: None,
                    key: Some(k),
                    message: format!("(--set {key}={value}) {m}"),
                },
                None => r.at_key(&k, m),
            },
        )
        .collect();
    // Keep every variant of the source file: `variant_names` lists them.
    sc.file.variants = match toml::from_str::<ScenarioFile>(text) {
        Ok(orig) if o.variant.is_none() => orig.variants,
        _ => Vec::new(),
    };
    // `[paper]` names the runs of the whole file, variants included: it goes with them when
    // one variant runs (a variant's scenario as it ran, written into its log, must read back).
    if o.variant.is_some() {
        sc.file.paper = None;
    }
    Ok(sc)
}

/// `file` with `key` set to `value`, checked as a file.
fn apply(file: &ScenarioFile, key: &str, value: toml::Value) -> Result<ScenarioFile, String> {
    let mut table = toml::Table::try_from(file).map_err(|e| e.to_string())?;
    set_path(&mut table, key, value)?;
    toml::Value::Table(table)
        .try_into::<ScenarioFile>()
        .map_err(|e| messages::plain(e.message().trim()))
}

/// Reads and checks a scenario named on the command line.
pub fn load(arg: &str, o: &Overrides) -> Result<Scenario, ScenarioError> {
    parse(&find(arg)?, o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Source {
        Source {
            origin: "t.toml".into(),
            bytes: text.as_bytes().to_vec(),
            path: None,
        }
    }

    const BASE: &str = "name = \"t\"\ndescription = \"d\"\n[cluster]\nracks = 2\n[workload]\nkind = \"wordcount\"\nlines = 100\n\n[[variant]]\nname = \"big\"\nset = { \"workload.lines\" = 1000, \"cluster.racks\" = 3 }\nexpect = { jobs = 1 }\n";

    #[test]
    fn errors_name_the_file_line_column_and_key() {
        let e = parse(&src("name = \"t\"\ndescription = \"d\"\n[cluster]\ncores_per_executor = 0\n[workload]\nkind = \"wordcount\"\n"), &Overrides::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.toml:4:1: cluster.cores_per_executor: must be at least 1, got 0"
        );
        let e = parse(&src("name = \"t\"\ndescription = \"d\"\n[cluster]\nracks = \"two\"\n[workload]\nkind = \"wordcount\"\n"), &Overrides::default()).unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(4), Some("cluster.racks")),
            "{e}"
        );
        let e = parse(&src("name = \"t\"\ndescription = \"d\"\n[clusterr]\nracks = 2\n[workload]\nkind = \"wordcount\"\n"), &Overrides::default()).unwrap_err();
        assert_eq!(e.message, "unknown key `clusterr`: did you mean `cluster`?");
    }

    #[test]
    fn a_variant_and_sets_change_keys_and_merge_expectations() {
        let base = parse(&src(BASE), &Overrides::default()).unwrap();
        assert_eq!(base.cluster.racks, 2);
        assert_eq!(base.variant_names(), vec!["big"]);
        let o = Overrides {
            variant: Some("big".into()),
            sets: vec![("cluster.hosts_per_rack".into(), "5".into())],
            seed: Some(9),
            clock: None,
            no_budget: false,
        };
        let v = parse(&src(BASE), &o).unwrap();
        assert_eq!(
            (v.cluster.racks, v.cluster.hosts_per_rack, v.seed),
            (3, 5, 9)
        );
        assert_eq!(v.expect.get("jobs"), Some(&toml::Value::Integer(1)));
        assert!(v.as_ran_toml().contains("racks = 3"), "{}", v.as_ran_toml());
        let bad = Overrides {
            sets: vec![("cluster.racks".into(), "0".into())],
            ..Default::default()
        };
        let e = parse(&src(BASE), &bad).unwrap_err();
        assert!(e.to_string().contains("cluster.racks"), "{e}");
        let e = parse(
            &src(BASE),
            &Overrides {
                sets: vec![("cluster.rackz".into(), "1".into())],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("rackz"), "{e}");
    }
}
