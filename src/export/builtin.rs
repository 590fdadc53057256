//! The built-in workloads (word count, logistic regression, k-means, PageRank, call records)
//! written as Apache Spark programs. Each program builds the RDDs the workload's Rust in
//! `crate::workloads` builds, in the same order: the same lineage, partition counts,
//! partitioners, storage level, checkpoints, actions and iterations, so that Spark runs the jobs,
//! stages (skipped ones too) and tasks ember runs, and computes the answer the same way. Its
//! input is the text ember generates from the seed, one file per partition ember's `text_file`
//! reads (one per DFS block of each part file), read in that order.
//!
//! This module owns the built-ins' Scala and their data files. The header, the command line and
//! the memory settings are `program`'s, as are pipelines and their vocabulary; a replay (a
//! recorded application) has no program and is refused.

use super::program::{command, header, Program};
use crate::scenario::{Engine, Scenario};
use crate::storage::StorageLevel;
use crate::workloads::call_records::CallRecordsParams;
use crate::workloads::datasets::Dataset;
use crate::workloads::kmeans::KMeansParams;
use crate::workloads::logistic_regression::LrParams;
use crate::workloads::pagerank::PageRankParams;
use crate::workloads::{call_records, pagerank, wordcount, Workload};
use std::fmt::Write as _;

/// A workload's program body: the Scala, the file it mirrors and what differs on Spark.
struct Body {
    source: &'static str,
    notes: Vec<&'static str>,
    scala: String,
}

/// The program for the built-in scenario `sc`; `stem` names its data folder (`<stem>-data`).
pub(super) fn builtin_program(sc: &Scenario, stem: &str) -> Result<Program, String> {
    let (dataset, seed) = match &sc.workload {
        Workload::WordCount(p) => (wordcount::input(p), p.common.seed),
        Workload::LogisticRegression(p) => (
            Dataset::points(p.points, p.dims, p.common.partitions),
            p.common.seed,
        ),
        Workload::KMeans(p) => (
            Dataset::points(p.points, p.dims, p.common.partitions),
            p.common.seed,
        ),
        Workload::PageRank(p) => (pagerank::input(p), p.common.seed),
        Workload::CallRecordsTopK(p) => (call_records::input(p), p.common.seed),
        Workload::Pipeline(_) | Workload::Replay(_) => {
            return Err(format!(
                "{}: a {} workload; --spark-program writes pipeline and built-in scenarios, not replays",
                sc.name,
                sc.workload.kind()
            ))
        }
    };
    let data_dir = format!("{stem}-data");
    let data = partition_files(&dataset, seed, sc.dfs.block_size, &data_dir);
    let n = data.len();
    let body = match &sc.workload {
        Workload::WordCount(_) => wordcount_body(n),
        Workload::LogisticRegression(p) => lr_body(p, n),
        Workload::KMeans(p) => kmeans_body(p, n),
        Workload::PageRank(p) => pagerank_body(p, n),
        Workload::CallRecordsTopK(p) => call_records_body(p, n),
        Workload::Replay(_) => {
            return Err(format!(
                "{}: a replay workload runs a recorded application again, whose program is already Spark's; --spark-program writes pipelines and built-in workloads",
                sc.name
            ))
        }
        Workload::Pipeline(_) => {
            return Err(format!("{}: a pipeline, not a built-in workload", sc.name))
        }
    };
    let (executors, command) = command(sc, stem);
    let mut s = String::new();
    header(&mut s, sc, executors, &command);
    about(
        &mut s,
        sc,
        &body,
        (dataset.name.as_str(), seed, n, data_dir.as_str()),
    );
    s.push_str(&fill(INPUT, &[("DATA", scala_string(&data_dir))]));
    s.push_str(&body.scala);
    s.push_str("\nspark.stop()\nSystem.exit(0)\n");
    Ok(Program {
        scala: s,
        data,
        command,
    })
}

/// What the program mirrors, where its input is, and what else does not carry over.
fn about(s: &mut String, sc: &Scenario, body: &Body, input: (&str, u64, usize, &str)) {
    let (name, seed, files, dir) = input;
    let _ = writeln!(
        s,
        "// ember's built-in {} workload ({}), as RDDs: the same lineage, partition counts,\n// storage level, iterations and actions, so Spark runs the jobs, stages (skipped ones too) and\n// tasks ember runs.",
        sc.workload.kind(),
        body.source
    );
    let _ = writeln!(
        s,
        "// Its input, `{name}`, is the text ember generates from seed {seed}: {files} files in\n// {dir}/{name}, one for each partition ember's text_file reads (one per DFS block), in that order."
    );
    s.push_str("// Also not carried over:\n");
    s.push_str("// - ember's cost model ([cost]), scheduler settings ([scheduler]) and where the DFS put the\n//   blocks (writer, replication): Spark uses its own.\n");
    match sc.engine {
        Engine::Spark => {}
        Engine::Both => s.push_str(
            "// - engine = both: this is the Spark run; ember's MapReduce baseline run has no program.\n",
        ),
        Engine::MapReduce => s.push_str(
            "// - engine = mapreduce: ember runs this scenario on its MapReduce baseline; this is the\n//   same workload on Spark.\n",
        ),
    }
    for n in &body.notes {
        let _ = writeln!(s, "// - {n}");
    }
    s.push('\n');
}

/// The files of dataset `d`, one for each partition ember's `text_file` makes of it:
/// `Dataset::write` puts `partitions` part files of about equal numbers of lines into the DFS,
/// each cut into `block`-byte blocks, and a block's partition holds the lines that start in it
/// as Hadoop's `LineRecordReader` reads them (a line starting exactly at a block's end is that
/// block's; an empty part file is one empty partition). Named `part-NNNNN` in partition order.
fn partition_files(d: &Dataset, seed: u64, block: u64, dir: &str) -> Vec<(String, String)> {
    let lines = d.lines(seed);
    let parts = d.partitions.max(1);
    let block = block.max(1);
    let n = lines.len();
    let mut files = Vec::new();
    for p in 0..parts {
        let part = &lines[p * n / parts..(p + 1) * n / parts];
        let len: u64 = part.iter().map(|l| l.len() as u64 + 1).sum();
        let blocks = len.div_ceil(block).max(1) as usize;
        let mut texts = vec![String::new(); blocks];
        let mut start = 0u64;
        for l in part {
            // Block b reads the lines starting in (b × block, (b + 1) × block]; block 0 from 0.
            let b = (start.saturating_sub(1) / block) as usize;
            let text = &mut texts[b.min(blocks - 1)];
            text.push_str(l);
            text.push('\n');
            start += l.len() as u64 + 1;
        }
        for text in texts {
            files.push((format!("{dir}/{}/part-{:05}", d.name, files.len()), text));
        }
    }
    files
}

/// `template` with each `@KEY@` replaced by its value, in order.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("@{k}@"), v);
    }
    s
}

/// A Scala string literal.
fn scala_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                for u in c.encode_utf16(&mut [0; 2]) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// `.persist(StorageLevel.X)`, or nothing for `NONE` (ember does not persist then).
fn persist(level: StorageLevel) -> String {
    if level == StorageLevel::NONE {
        return String::new();
    }
    match level.name() {
        "CUSTOM" => format!(
            ".persist(StorageLevel({}, {}, {}, {}, {}))",
            level.use_disk,
            level.use_memory,
            level.use_off_heap,
            level.deserialized,
            level.replication
        ),
        name => format!(".persist(StorageLevel.{name})"),
    }
}

fn wordcount_body(files: usize) -> Body {
    Body {
        source: "src/workloads/wordcount.rs",
        notes: Vec::new(),
        scala: fill(WORDCOUNT, &[("N", files.to_string())]),
    }
}

fn lr_body(p: &LrParams, files: usize) -> Body {
    Body {
        source: "src/workloads/logistic_regression.rs",
        notes: vec!["Spark's reduce adds the partial gradients in the order tasks finish, ember in partition\n//   order: the weights' last digits may differ."],
        scala: fill(
            LR,
            &[
                ("N", files.to_string()),
                ("PERSIST", persist(p.common.persist)),
                ("DIMS", p.dims.to_string()),
                ("ITERATIONS", p.common.iterations.to_string()),
                ("POINTS", format!("{:?}", p.points.max(1) as f64)),
            ],
        ),
    }
}

fn kmeans_body(p: &KMeansParams, files: usize) -> Body {
    Body {
        source: "src/workloads/kmeans.rs",
        notes: vec!["each centre's points are summed in another order: the centres' last digits may differ."],
        scala: fill(
            KMEANS,
            &[
                ("N", files.to_string()),
                ("PERSIST", persist(p.common.persist)),
                ("K", p.clusters.max(1).to_string()),
                ("ITERATIONS", p.common.iterations.to_string()),
            ],
        ),
    }
}

fn pagerank_body(p: &PageRankParams, files: usize) -> Body {
    let every = p.checkpoint_every.filter(|k| *k > 0);
    let level = persist(p.common.persist);
    let links = if p.partition_by {
        format!("// Already partitioned by `part`: Spark returns `grouped` itself (no shuffle), and every join is narrow.\nval links = grouped.partitionBy(part){level}")
    } else {
        format!("// A map drops the partitioner, as a program that does not keep it would: every join shuffles the links.\nval links = grouped.map(kv => kv){level}")
    };
    let mut notes =
        vec!["the shares are summed in another order: the ranks' last digits may differ."];
    if every.is_some() {
        notes
            .push("checkpoints go to the data folder on this machine's file system, not to a DFS.");
    }
    Body {
        source: "src/workloads/pagerank.rs",
        notes,
        scala: fill(
            PAGERANK,
            &[
                ("N", files.to_string()),
                ("P", p.common.partitions.max(1).to_string()),
                ("ITERATIONS", p.common.iterations.to_string()),
                (
                    "CHECKPOINT_DIR",
                    if every.is_some() {
                        "sc.setCheckpointDir(dataDir + \"/checkpoints\")\n".into()
                    } else {
                        String::new()
                    },
                ),
                (
                    "CHECKPOINT",
                    every.map_or(String::new(), |k| {
                        format!("  if (i % {k} == 0) ranks.checkpoint()\n")
                    }),
                ),
                ("LINKS", links),
            ],
        ),
    }
}

fn call_records_body(p: &CallRecordsParams, files: usize) -> Body {
    Body {
        source: "src/workloads/call_records.rs",
        notes: vec!["Spark's RangePartitioner samples the keys again (one more job) if a partition holds more\n//   than about three times its share of them; ember samples once."],
        scala: fill(
            CALL_RECORDS,
            &[
                ("N", files.to_string()),
                ("PERSIST", persist(p.common.persist)),
                ("K", p.top_k.to_string()),
                ("PLAN", scala_string(&p.plan)),
            ],
        ),
    }
}

/// The imports, the data folder and `input`: one partition per file, in the order listed.
const INPUT: &str = r#"import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel
import scala.util.Try

val dataDir = sys.env.getOrElse("EMBER_DATA", @DATA@)
// One partition per file, however large: each file is one partition of ember's text_file.
sc.hadoopConfiguration.set("mapreduce.input.fileinputformat.split.minsize", Long.MaxValue.toString)
// The files listed one by one, so that partition i is part-i (a folder's listing has no order).
def input(name: String, files: Int): RDD[String] = sc.textFile((0 until files).map(i => f"$dataDir/$name/part-$i%05d").mkString(","), 1).setName(name)

"#;

const WORDCOUNT: &str = r#"/** The word count's function (src/workloads/wordcount.rs). */
object W extends Serializable {
  def words(line: String): Seq[String] = line.trim.split("\\s+").filter(_.nonEmpty).toSeq
}

// text_file -> flat_map (split) -> map (word, 1) -> reduce_by_key -> collect: one job of two stages.
val counts = input("text", @N@).flatMap(W.words).map(w => (w, 1L)).reduceByKey((a: Long, b: Long) => a + b, @N@)
val all = counts.collect().sortWith((a, b) => a._2 > b._2 || (a._2 == b._2 && a._1 < b._1))
println(s"${all.length} distinct words; top: ${all.take(3).map { case (w, c) => s"$w=$c" }.mkString(", ")}")
"#;

const LR: &str = r#"/** Logistic regression's functions (src/workloads/logistic_regression.rs). */
object W extends Serializable {
  /** A `label,x1,...,xd` line as (label, features); what does not parse is 0. */
  def parsePoint(line: String): (Double, Array[Double]) = {
    val xs = line.split(",", -1).map(x => Try(x.trim.toDouble).getOrElse(0.0))
    (xs.headOption.getOrElse(0.0), xs.drop(1))
  }
  /** Adds the logistic-loss gradient of `p` at `w` to `acc`. */
  def addGradient(acc: Array[Double], w: Array[Double], p: (Double, Array[Double])): Unit = {
    val (label, x) = p
    var dot = 0.0
    for (i <- 0 until math.min(w.length, x.length)) dot += w(i) * x(i)
    val scale = (1.0 / (1.0 + math.exp(-label * dot)) - 1.0) * label
    for (i <- 0 until math.min(acc.length, x.length)) acc(i) += scale * x(i)
  }
  /** Adds `b` into `a`: partial gradients combined. */
  def addInto(a: Array[Double], b: Array[Double]): Array[Double] = {
    for (i <- 0 until math.min(a.length, b.length)) a(i) += b(i)
    a
  }
  def fixed(digits: Int)(x: Double): String = s"%.${digits}f".formatLocal(java.util.Locale.ROOT, x)
}

// text_file -> map (parse), persisted at the scenario's level (unless NONE); each iteration is
// one job of one stage: map_partitions (a partial gradient per partition) -> reduce.
val points = input("points", @N@).map(W.parsePoint)@PERSIST@
val w = new Array[Double](@DIMS@)
for (i <- 1 to @ITERATIONS@) {
  sc.setJobDescription(s"iteration $i")
  val w0 = w.clone()
  val partials = points.mapPartitions { it => val acc = new Array[Double](@DIMS@); it.foreach(p => W.addGradient(acc, w0, p)); Iterator(acc) }
  val g = partials.reduce((a: Array[Double], b: Array[Double]) => W.addInto(a, b))
  for (j <- 0 until math.min(w.length, g.length)) w(j) -= g(j) / @POINTS@
}
println(s"w = [${w.take(4).map(x => W.fixed(4)(x)).mkString(", ")}${if (w.length > 4) ", ..." else ""}]")
"#;

const KMEANS: &str = r#"/** k-means's functions (src/workloads/kmeans.rs). */
object W extends Serializable {
  /** The features of a `label,x1,...,xd` line; what does not parse is 0. */
  def features(line: String): Array[Double] = line.split(",", -1).drop(1).map(x => Try(x.trim.toDouble).getOrElse(0.0))
  /** The index of the centre closest to `x` (the first, on a tie). */
  def closest(x: Array[Double], centres: Array[Array[Double]]): Long = {
    var best = 0
    var bestD = Double.PositiveInfinity
    for (i <- centres.indices) {
      val c = centres(i)
      var d = 0.0
      for (j <- 0 until math.min(x.length, c.length)) { val t = x(j) - c(j); d += t * t }
      if (d < bestD) { best = i; bestD = d }
    }
    best.toLong
  }
  /** Two (sum of points, count) pairs combined. */
  def add(a: (Array[Double], Long), b: (Array[Double], Long)): (Array[Double], Long) =
    (a._1.zip(b._1).map { case (x, y) => x + y }, a._2 + b._2)
  def fixed(digits: Int)(x: Double): String = s"%.${digits}f".formatLocal(java.util.Locale.ROOT, x)
}

// text_file -> map (parse), persisted at the scenario's level (unless NONE); the first points
// are the starting centres (take: a job of its own, more if the first partition has too few);
// each iteration is one job of two stages: map (closest centre) -> reduce_by_key -> collect_as_map.
val points = input("points", @N@).map(W.features)@PERSIST@
sc.setJobDescription("starting centres")
val centres: Array[Array[Double]] = points.take(@K@)
for (i <- 1 to @ITERATIONS@) {
  sc.setJobDescription(s"iteration $i")
  val c = centres.clone()
  val sums = points.map(x => (W.closest(x, c), (x, 1L))).reduceByKey((a: (Array[Double], Long), b: (Array[Double], Long)) => W.add(a, b), @N@)
  for ((j, (sum, n)) <- sums.collectAsMap()) if (j < centres.length) centres(j.toInt) = sum.map(_ / n.toDouble)
}
println(s"${centres.length} centres: ${centres.map(c => "(" + c.take(3).map(x => W.fixed(3)(x)).mkString(", ") + (if (c.length > 3) ", ..." else "") + ")").mkString(" ")}")
"#;

const PAGERANK: &str = r#"/** PageRank's functions (src/workloads/pagerank.rs). */
object W extends Serializable {
  /** A `src dst` line; what does not parse is 0. */
  def parseEdge(line: String): (Long, Long) = {
    val f = line.trim.split("\\s+").map(x => Try(x.toLong).getOrElse(0L))
    (f.lift(0).getOrElse(0L), f.lift(1).getOrElse(0L))
  }
  /** A page's rank in equal shares along its links. */
  def contribs(urls: Iterable[Long], rank: Double): Iterable[(Long, Double)] = {
    val share = rank / math.max(urls.size, 1)
    urls.map(u => (u, share))
  }
  def fixed(digits: Int)(x: Double): String = s"%.${digits}f".formatLocal(java.util.Locale.ROOT, x)
}

@CHECKPOINT_DIR@// Every shuffle of the ranks and links is into ember's partitioner: hash, over `partitions`.
val part = new HashPartitioner(@P@)
val edges = input("graph", @N@).map(W.parseEdge).distinct(@N@)
val grouped = edges.groupByKey(part)
@LINKS@
var ranks: RDD[(Long, Double)] = links.mapValues(_ => 1.0)
// Each iteration: join -> values -> flat_map (shares) -> reduce_by_key -> map_values (damping),
// and one job (count) whose earlier stages are skipped, their map outputs already there.
for (i <- 1 to @ITERATIONS@) {
  sc.setJobDescription(s"iteration $i")
  val contribs = links.join(ranks, part).values.flatMap { case (urls, rank) => W.contribs(urls, rank) }
  ranks = contribs.reduceByKey(part, (a: Double, b: Double) => a + b).mapValues(s => 0.15 + 0.85 * s)
@CHECKPOINT@  ranks.count()
}
sc.setJobDescription("ranks")
val all = ranks.collect().sortBy(_._1)
val top = all.sortWith((a, b) => a._2 > b._2 || (a._2 == b._2 && a._1 < b._1)).take(3)
println(s"${all.length} ranked pages; top: ${top.map { case (v, r) => s"$v=${W.fixed(3)(r)}" }.mkString(", ")}")
"#;

const CALL_RECORDS: &str = r#"/** The call-records example's function (src/workloads/call_records.rs). */
object W extends Serializable {
  /** `id,caller,receiver,plan,call_type,duration,...` as a tuple, or None if it does not parse. */
  def parseCall(line: String): Option[(Long, String, String, String, String, Int)] = {
    val f = line.split(",", -1)
    if (f.length < 6) None else for (id <- Try(f(0).toLong).toOption; d <- Try(f(5).toInt).toOption) yield (id, f(1), f(2), f(3), f(4), d)
  }
}

// The plan's calls, persisted at the scenario's level (unless NONE); the count (job 0) caches them.
val calls = input("calls", @N@).flatMap(l => W.parseCall(l).toList).filter(c => c._4 == @PLAN@)@PERSIST@
val n = calls.count()
// Influence: distinct receivers per caller. Most first, then by name: one key, ascending.
val reach = calls.map(c => (c._2, c._3)).distinct(@N@).map(cr => (cr._1, 1L)).reduceByKey((a: Long, b: Long) => a + b, @N@)
// sortByKey samples the keys now (a job), as ember's sort_by_key does.
val ranked = reach.map { case (caller, k) => ((-k, caller), k) }.sortByKey(true, @N@)
val top = ranked.take(@K@)
println(s"$n " + @PLAN@ + s" calls; most influential: ${top.map { case ((_, caller), k) => s"$caller ($k)" }.mkString(", ")}")
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::datasets::{Generator, Placement};

    #[test]
    fn a_part_file_larger_than_a_block_is_one_file_per_block() {
        let d = Dataset {
            name: "r".into(),
            generator: Generator::Range { start: 0, end: 100 },
            partitions: 2,
            placement: Placement::default(),
        };
        // 50 lines a part: 140 and 150 bytes, 3 blocks of 64 each.
        let files = partition_files(&d, 0, 64, "x");
        assert_eq!(files.len(), 6);
        assert_eq!(files[0].0, "x/r/part-00000");
        let lines: Vec<&str> = files.iter().flat_map(|(_, t)| t.lines()).collect();
        let want: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        assert_eq!(lines, want);
        // Block 0 reads the lines that start in [0, 64]: "0\n".."9\n" are 20 bytes, then 3 each.
        assert_eq!(files[0].1.lines().count(), 10 + (64 - 20) / 3 + 1);
    }

    #[test]
    fn scala_strings_are_escaped() {
        assert_eq!(scala_string("PlanA"), "\"PlanA\"");
        assert_eq!(scala_string("a\"b\\é"), "\"a\\\"b\\\\\\u00e9\"");
    }
}
