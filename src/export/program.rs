//! A scenario written as an Apache Spark program (Scala, for `spark-shell -i`), with its data,
//! so that a lesson can be run on real Spark and its event log brought back into `ember tui`.
//!
//! A pipeline scenario becomes its RDDs op by op, in the order the scenario builds them, with
//! the same partition counts, partitioners, storage levels, checkpoints and names, and its
//! actions as often as they repeat: the jobs and stages Spark runs are the ones ember runs. Its
//! values are Scala's `Any` (`Long`, `Double`, `String`, pairs and groups), and its functions
//! are a small object (`V`) written at the top of the program, doing what ember's vocabulary
//! does. The cluster becomes `local-cluster[executors, cores, memory]`, with
//! `spark.executor.memory` and `spark.memory.fraction` chosen so that each executor's unified
//! memory is the scenario's `storage_memory`. The header says what does not carry over.
//! Built-in workloads (word count, PageRank, k-means, logistic regression, call records) are
//! written by the `builtin` module, with this header and command ([`super::program_of`] picks).

use crate::scenario::Scenario;
use crate::workloads::datasets::Dataset;
use crate::workloads::pipeline::value::Value;
use crate::workloads::pipeline::vocab::{Func, Shape};
use crate::workloads::pipeline::{ActionOp, Op, PipelineSpec, RddSpec};
use crate::workloads::Workload;
use std::fmt::Write as _;

/// Spark's reserved memory per JVM (`RESERVED_SYSTEM_MEMORY_BYTES`), MiB.
const RESERVED_MIB: u64 = 300;
const MIB: u64 = 1024 * 1024;

/// A program, its data files (path relative to the program's folder, text), and the command
/// that runs it.
pub struct Program {
    pub scala: String,
    pub data: Vec<(String, String)>,
    pub command: String,
}

/// The executor memory (MiB) and `spark.memory.fraction` that give `storage` bytes of unified
/// memory: `(memory − 300 MiB) × fraction = storage`, with at least 1 GiB of heap.
pub fn memory_settings(storage: u64) -> (u64, f64) {
    let need = (storage as f64 / 0.6 / MIB as f64).ceil() as u64 + RESERVED_MIB;
    let heap = need.max(1024);
    let fraction = storage as f64 / ((heap - RESERVED_MIB) * MIB) as f64;
    (heap, (fraction * 10_000.0).round() / 10_000.0)
}

/// The program for scenario `sc`, a pipeline; `stem` names its data folder (`<stem>-data`).
/// [`super::program_of`] writes any scenario.
pub fn pipeline_program(sc: &Scenario, stem: &str) -> Result<Program, String> {
    let Workload::Pipeline(p) = &sc.workload else {
        return Err(format!("{}: not a pipeline", sc.name));
    };
    let (executors, command) = command(sc, stem);
    let data_dir = format!("{stem}-data");
    let mut s = String::new();
    header(&mut s, sc, executors, &command);
    s.push_str(PRELUDE);
    let _ = writeln!(
        s,
        "val dataDir = sys.env.getOrElse(\"EMBER_DATA\", \"{data_dir}\")\n"
    );
    if p.rdds.iter().any(|r| r.checkpoint) {
        let _ = writeln!(s, "sc.setCheckpointDir(dataDir + \"/checkpoints\")");
    }
    let mut data = Vec::new();
    for d in &p.datasets {
        data.extend(dataset_files(d, p, &data_dir));
    }
    for r in &p.rdds {
        let _ = writeln!(s, "{}", rdd_line(r, p)?);
    }
    s.push('\n');
    for a in &p.actions {
        let name = ident(&a.rdd);
        let body = match &a.op {
            ActionOp::Count => format!("println({name}.count())"),
            ActionOp::Collect => format!("println({name}.collect().take(20).mkString(\", \"))"),
            ActionOp::Take(n) => format!("println({name}.take({n}).mkString(\", \"))"),
            ActionOp::First => format!("println({name}.first())"),
            ActionOp::Reduce(f) => format!("println({name}.reduce({}))", combine(f)?),
            ActionOp::SaveAsTextFile(path) => {
                let dir = path.trim_start_matches("dfs://").replace('/', "_");
                format!("{name}.saveAsTextFile(dataDir + \"/out-\" + System.currentTimeMillis + \"-{dir}\")")
            }
            ActionOp::Foreach => format!("{name}.foreach(_ => ())"),
        };
        if a.repeat == 1 {
            let _ = writeln!(s, "{body}");
        } else {
            let _ = writeln!(s, "for (_ <- 1 to {}) {body}", a.repeat);
        }
    }
    s.push_str("\nspark.stop()\nSystem.exit(0)\n");
    Ok(Program {
        scala: s,
        data,
        command,
    })
}

/// The cluster's executors, and the command that runs the program `<stem>.scala` on
/// `local-cluster` with the scenario's cores and unified memory, logging its events.
pub(super) fn command(sc: &Scenario, stem: &str) -> (usize, String) {
    let c = &sc.cluster;
    let executors = c.racks * c.hosts_per_rack * c.executors_per_host;
    let (heap, fraction) = memory_settings(c.storage_memory);
    let command = format!(
        "mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[{executors},{},{heap}]' --conf spark.executor.memory={heap}m --conf spark.memory.fraction={fraction} --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i {stem}.scala",
        c.cores_per_executor
    );
    (executors, command)
}

pub(super) fn header(s: &mut String, sc: &Scenario, executors: usize, command: &str) {
    let c = &sc.cluster;
    let _ = writeln!(s, "// {}: {}", sc.name, sc.description);
    let _ = writeln!(
        s,
        "// Written by `ember export {} --spark-program` (ember {}), for Apache Spark 3.x or 4.x.",
        sc.name,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        s,
        "//\n// Run it from this folder (its data is in the folder beside it):\n//   {command}\n// then read the event log Spark wrote in /tmp/spark-events with `ember tui` or `ember summary`."
    );
    let _ = writeln!(
        s,
        "//\n// The cluster: {executors} executors of {} cores on this one machine (local-cluster), each with\n// {} bytes of unified memory: (executor memory - 300 MiB) x spark.memory.fraction.",
        c.cores_per_executor, c.storage_memory
    );
    s.push_str("//\n// What does not carry over:\n");
    let _ = writeln!(
        s,
        "// - racks and hosts: the scenario has {} racks of {} hosts; here every executor is on one host,",
        c.racks, c.hosts_per_rack
    );
    s.push_str("//   so every task is PROCESS_LOCAL, NODE_LOCAL or NO_PREF, never RACK_LOCAL.\n");
    if !sc.faults.is_empty() {
        let _ = writeln!(
            s,
            "// - the fault plan ({} faults): Spark runs without them.",
            sc.faults.len()
        );
    }
    s.push_str("// - times: ember's virtual clock is a model; Spark's times are this machine's.\n");
    s.push_str(
        "// - the JVM's heap is a little smaller than -Xmx, so each executor's memory is a few % less.\n",
    );
    if c.storage_memory < 32 * MIB {
        // Seen with lr-figure-12 (2 MiB an executor): 371 of 400 first puts failed in Spark.
        s.push_str("// - so little memory: what fits differs. Spark reserves 1 MiB of unroll memory for each\n//   block it starts to cache (spark.storage.unrollMemoryThreshold) and keeps broadcast\n//   variables in storage memory, which ember does not charge, and sizes records as the JVM\n//   lays them out (small boxed numbers are shared), which ember does not model.\n");
    }
    s.push_str("// - hash partitioning: Spark hashes keys its own way, so records land in other partitions\n//   (the same partition counts, stages and tasks); collect's order may differ.\n\n");
}

/// The data files of dataset `d`: one file per partition for `text_file` (so Spark's
/// `textFile(dir, 1)` gives one partition per file), one file for `parallelize`.
fn dataset_files(d: &Dataset, p: &PipelineSpec, dir: &str) -> Vec<(String, String)> {
    let lines = d.lines(p.seed);
    let uses = |op: fn(&Op) -> bool| {
        p.rdds
            .iter()
            .any(|r| r.dataset.as_deref() == Some(&d.name) && op(&r.op))
    };
    let mut files = Vec::new();
    if uses(|o| matches!(o, Op::TextFile)) {
        let parts = d.partitions.max(1);
        let n = lines.len();
        for i in 0..parts {
            let (a, b) = (i * n / parts, (i + 1) * n / parts);
            let mut text = lines[a..b].join("\n");
            if b > a {
                text.push('\n');
            }
            files.push((format!("{dir}/{}/part-{i:05}", d.name), text));
        }
    }
    if uses(|o| matches!(o, Op::Parallelize)) {
        let mut text = lines.join("\n");
        text.push('\n');
        files.push((format!("{dir}/{}.txt", d.name), text));
    }
    files
}

const KEYWORDS: [&str; 20] = [
    "val", "var", "def", "type", "class", "object", "new", "for", "if", "else", "match", "case",
    "sc", "spark", "V", "dataDir", "import", "with", "yield", "lazy",
];

/// A pipeline id as a Scala name (backquoted when it is not a plain one).
fn ident(id: &str) -> String {
    let plain = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && !KEYWORDS.contains(&id) {
        id.to_string()
    } else {
        format!("`{id}`")
    }
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

fn literal(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("{i}L"),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) => quote(s),
        other => quote(&other.to_string()),
    }
}

/// A `map` function as Scala.
fn map_fn(f: &Func) -> Result<String, String> {
    Ok(match f {
        Func::Identity => "V.identity".into(),
        Func::PairOne => "V.pairOne".into(),
        Func::Swap => "V.swap".into(),
        Func::Field(n) => format!("V.field({n})"),
        Func::Fields(n, m) => format!("V.fields2({n}, {m})"),
        Func::ParseInt => "V.parseInt".into(),
        Func::ParseFloat => "V.parseFloat".into(),
        Func::Length => "V.length".into(),
        Func::Lower => "V.lower".into(),
        Func::Mod(n) => format!("V.mod({n}L)"),
        Func::Add(v) => format!("V.add({})", literal(v)),
        Func::Mul(v) => format!("V.mul({})", literal(v)),
        Func::Const(v) => format!("V.constant({})", literal(v)),
        other => return Err(format!("{other:?} is not a map function")),
    })
}

fn flat_fn(f: &Func) -> Result<String, String> {
    Ok(match f {
        Func::SplitWhitespace => "V.splitWhitespace".into(),
        Func::Split(c) => format!("V.split({})", quote(c)),
        Func::Chars => "V.chars".into(),
        Func::Contribs => "V.contribs".into(),
        other => return Err(format!("{other:?} is not a flat_map function")),
    })
}

fn filter_fn(f: &Func) -> Result<String, String> {
    Ok(match f {
        Func::Contains(s) => format!("V.contains({})", quote(s)),
        Func::StartsWith(s) => format!("V.startsWith({})", quote(s)),
        Func::NotEmpty => "V.notEmpty".into(),
        Func::Even => "V.even".into(),
        Func::Odd => "V.odd".into(),
        Func::Gt(n) => format!("V.gt({n:?})"),
        Func::Lt(n) => format!("V.lt({n:?})"),
        other => return Err(format!("{other:?} is not a filter function")),
    })
}

fn combine(f: &Func) -> Result<String, String> {
    Ok(match f {
        // Written out: `reduceByKey` is overloaded, so Scala does not eta-expand `V.sum`.
        Func::Sum => "(a: Any, b: Any) => V.sum(a, b)".into(),
        Func::Min => "(a: Any, b: Any) => V.min(a, b)".into(),
        Func::Max => "(a: Any, b: Any) => V.max(a, b)".into(),
        Func::Concat => "(a: Any, b: Any) => V.concat(a, b)".into(),
        other => return Err(format!("{other:?} is not a reduce function")),
    })
}

/// `val id: RDD[...] = ...` for one RDD.
fn rdd_line(r: &RddSpec, p: &PipelineSpec) -> Result<String, String> {
    let input = |n: usize| ident(r.inputs.get(n).map_or("", |s| s.as_str()));
    let shape_of = |id: &str| p.rdds.iter().find(|x| x.id == id).map(|x| x.shape);
    let input_pairs = r
        .inputs
        .first()
        .and_then(|i| shape_of(i))
        .is_some_and(|s| s == Shape::Pairs);
    let to_pairs = r.shape == Shape::Pairs;
    let parts = |sep: &str| r.partitions.map_or(String::new(), |n| format!("{sep}{n}"));
    let expr = match &r.op {
        Op::TextFile => format!(
            "sc.textFile(dataDir + \"/{}\", 1).asInstanceOf[RDD[Any]]",
            r.dataset.as_deref().unwrap_or("")
        ),
        Op::Parallelize => {
            let d = r.dataset.as_deref().unwrap_or("");
            let n = r
                .partitions
                .or_else(|| {
                    p.datasets
                        .iter()
                        .find(|x| x.name == d)
                        .map(|x| x.partitions)
                })
                .unwrap_or(1);
            format!("sc.parallelize[Any](V.lines(dataDir + \"/{d}.txt\"), {n})")
        }
        Op::Map(f) => {
            let f = map_fn(f)?;
            if to_pairs {
                format!("{}.map(x => V.pair({f}(x)))", input(0))
            } else {
                format!("{}.map({f})", input(0))
            }
        }
        Op::Filter(f) if input_pairs => {
            format!("{}.filter(kv => {}(kv._2))", input(0), filter_fn(f)?)
        }
        Op::Filter(f) => format!("{}.filter({})", input(0), filter_fn(f)?),
        Op::FlatMap(f) => {
            let f = flat_fn(f)?;
            if to_pairs {
                format!("{}.flatMap(x => {f}(x).map(V.pair))", input(0))
            } else {
                format!("{}.flatMap({f})", input(0))
            }
        }
        Op::Union => format!("{}.union({})", input(0), input(1)),
        Op::Sample {
            fraction,
            with_replacement,
            seed,
        } => format!(
            "{}.sample({with_replacement}, {fraction:?}, {seed}L)",
            input(0)
        ),
        Op::GroupByKey => format!(
            "{}.groupByKey({}).asInstanceOf[RDD[(Any, Any)]]",
            input(0),
            parts("")
        ),
        Op::ReduceByKey(f) => format!("{}.reduceByKey({}{})", input(0), combine(f)?, parts(", ")),
        Op::Join => format!(
            "{}.join({}{}).asInstanceOf[RDD[(Any, Any)]]",
            input(0),
            input(1),
            parts(", ")
        ),
        Op::Cogroup => format!(
            "{}.cogroup({}{}).asInstanceOf[RDD[(Any, Any)]]",
            input(0),
            input(1),
            parts(", ")
        ),
        Op::SortByKey { ascending } => match r.partitions {
            Some(n) => format!("{}.sortByKey({ascending}, {n})", input(0)),
            None => format!("{}.sortByKey({ascending})", input(0)),
        },
        Op::MapValues(f) => format!("{}.mapValues({})", input(0), map_fn(f)?),
        Op::Distinct => format!("{}.distinct({})", input(0), parts("")),
        Op::PartitionBy => {
            let n = r
                .partitions
                .map_or(format!("{}.getNumPartitions", input(0)), |n| n.to_string());
            format!("{}.partitionBy(new HashPartitioner({n}))", input(0))
        }
        Op::KeyBy(f) => format!("{}.keyBy({})", input(0), map_fn(f)?),
    };
    let ty = if to_pairs {
        "RDD[(Any, Any)]"
    } else {
        "RDD[Any]"
    };
    let mut tail = format!(".setName({})", quote(&r.id));
    if let Some(level) = r.persist {
        let _ = write!(tail, ".persist(StorageLevel.{})", level.name());
    }
    let mut line = format!("val {}: {ty} = {expr}{tail}", ident(&r.id));
    if r.checkpoint {
        let _ = write!(line, "\n{}.checkpoint()", ident(&r.id));
    }
    Ok(line)
}

/// The functions of ember's pipeline vocabulary, in Scala over `Any`.
const PRELUDE: &str = r#"import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel

/** ember's pipeline values and functions: Long, Double, String, pairs and groups. */
object V extends Serializable {
  def rank(x: Any): Int = x match {
    case _: Long => 0; case _: Double => 1; case _: String => 2; case _: Product2[_, _] => 3; case _ => 4
  }
  def num(x: Any): Double = x match {
    case l: Long => l.toDouble; case d: Double => d; case o => sys.error(s"expects a number, got $o")
  }
  def cmp(a: Any, b: Any): Int = (a, b) match {
    case (x: Long, y: Long) => java.lang.Long.compare(x, y)
    case (x: Double, y: Double) => java.lang.Double.compare(x, y)
    case (x: String, y: String) => x.compareTo(y)
    case (x: Product2[_, _], y: Product2[_, _]) =>
      val c = cmp(x._1, y._1); if (c != 0) c else cmp(x._2, y._2)
    case (x: Iterable[_], y: Iterable[_]) =>
      x.iterator.zip(y.iterator).map { case (p, q) => cmp(p, q) }.find(_ != 0)
        .getOrElse(Integer.compare(x.size, y.size))
    case _ => Integer.compare(rank(a), rank(b))
  }
  implicit val order: Ordering[Any] = new Ordering[Any] { def compare(a: Any, b: Any): Int = cmp(a, b) }
  def lines(path: String): Seq[Any] = {
    val s = scala.io.Source.fromFile(path); try s.getLines().toVector finally s.close()
  }
  def pair(x: Any): (Any, Any) = x match { case (a, b) => (a, b); case o => (o, 0L) }
  def identity(x: Any): Any = x
  def constant(c: Any)(x: Any): Any = c
  def pairOne(x: Any): Any = (x, 1L)
  def swap(x: Any): Any = x match { case (a, b) => (b, a) }
  private def fields(s: String): Array[String] =
    if (s.contains(",")) s.split(",", -1) else s.trim.split("\\s+").filter(_.nonEmpty)
  def field(n: Int)(x: Any): Any = { val f = fields(x.asInstanceOf[String]); if (n < f.length) f(n) else "" }
  def fields2(n: Int, m: Int)(x: Any): Any = (field(n)(x), field(m)(x))
  def parseInt(x: Any): Any = x match {
    case (a, b) => (parseInt(a), parseInt(b)); case s: String => s.trim.toLong; case l: Long => l
  }
  def parseFloat(x: Any): Any = x match {
    case (a, b) => (parseFloat(a), parseFloat(b)); case s: String => s.trim.toDouble; case o => num(o)
  }
  def length(x: Any): Any = x match {
    case s: String => s.codePointCount(0, s.length).toLong; case l: Iterable[_] => l.size.toLong
  }
  def lower(x: Any): Any = x.asInstanceOf[String].toLowerCase
  def mod(n: Long)(x: Any): Any = Math.floorMod(x.asInstanceOf[Long], n)
  def add(n: Any)(x: Any): Any = (x, n) match { case (a: Long, b: Long) => a + b; case (a, b) => num(a) + num(b) }
  def mul(n: Any)(x: Any): Any = (x, n) match { case (a: Long, b: Long) => a * b; case (a, b) => num(a) * num(b) }
  def splitWhitespace(x: Any): Seq[Any] = x.asInstanceOf[String].trim.split("\\s+").filter(_.nonEmpty).toSeq
  def split(c: String)(x: Any): Seq[Any] = x.asInstanceOf[String].split(java.util.regex.Pattern.quote(c), -1).toSeq
  def chars(x: Any): Seq[Any] = x.asInstanceOf[String].map(_.toString)
  def contribs(x: Any): Seq[Any] = x match {
    case (_, inner: Product2[_, _]) => contribs(inner)
    case (links: Iterable[_], rank) => val share = num(rank) / math.max(links.size, 1); links.toSeq.map(d => (d, share))
    case o => sys.error(s"contribs expects (links, rank), got $o")
  }
  def contains(s: String)(x: Any): Boolean = x.asInstanceOf[String].contains(s)
  def startsWith(s: String)(x: Any): Boolean = x.asInstanceOf[String].startsWith(s)
  def notEmpty(x: Any): Boolean = x match { case s: String => s.nonEmpty; case l: Iterable[_] => l.nonEmpty }
  def even(x: Any): Boolean = x.asInstanceOf[Long] % 2 == 0
  def odd(x: Any): Boolean = x.asInstanceOf[Long] % 2 != 0
  def gt(n: Double)(x: Any): Boolean = num(x) > n
  def lt(n: Double)(x: Any): Boolean = num(x) < n
  def sum(a: Any, b: Any): Any = (a, b) match { case (x: Long, y: Long) => x + y; case _ => num(a) + num(b) }
  def min(a: Any, b: Any): Any = if (cmp(b, a) < 0) b else a
  def max(a: Any, b: Any): Any = if (cmp(b, a) > 0) b else a
  def concat(a: Any, b: Any): Any = (a, b) match {
    case (x: String, y: String) => x + y; case (x: Iterable[_], y: Iterable[_]) => (x ++ y).toSeq
  }
}
import V.order

"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_settings_give_the_scenarios_unified_memory() {
        // Spark's local mode default: 1 GiB heap x 0.6.
        let (heap, f) = memory_settings(455_501_414);
        assert_eq!(heap, 1024);
        let unified = ((heap - RESERVED_MIB) * MIB) as f64 * f;
        assert!((unified - 455_501_414.0).abs() / 455_501_414.0 < 0.001);
        // A storage memory larger than 60% of 1 GiB's usable heap takes a bigger heap.
        let (heap, f) = memory_settings(2 * 1024 * MIB);
        assert!(heap > 1024 && f <= 0.6, "{heap} {f}");
    }

    #[test]
    fn pipeline_ids_become_scala_names() {
        assert_eq!(ident("counts"), "counts");
        assert_eq!(ident("length-pairs"), "`length-pairs`");
        assert_eq!(ident("val"), "`val`");
    }
}
