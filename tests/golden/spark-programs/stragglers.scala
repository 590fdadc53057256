// stragglers: A slow executor holds each stage back; speculation copies its tasks to other hosts and kills the losing copies
// Written by `ember export stragglers --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[4,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.6 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i stragglers.scala
// then read the event log Spark wrote in /tmp/spark-events with `ember tui` or `ember summary`.
//
// The cluster: 4 executors of 2 cores on this one machine (local-cluster), each with
// 455501414 bytes of unified memory: (executor memory - 300 MiB) x spark.memory.fraction.
//
// What does not carry over:
// - racks and hosts: the scenario has 1 racks of 4 hosts; here every executor is on one host,
//   so every task is PROCESS_LOCAL, NODE_LOCAL or NO_PREF, never RACK_LOCAL.
// - the fault plan (1 faults): Spark runs without them.
// - times: ember's virtual clock is a model; Spark's times are this machine's.
// - the JVM's heap is a little smaller than -Xmx, so each executor's memory is a few % less.
// - hash partitioning: Spark hashes keys its own way, so records land in other partitions
//   (the same partition counts, stages and tasks); collect's order may differ.

// ember's built-in logistic_regression workload (src/workloads/logistic_regression.rs), as RDDs: the same lineage, partition counts,
// storage level, iterations and actions, so Spark runs the jobs, stages (skipped ones too) and
// tasks ember runs.
// Its input, `points`, is the text ember generates from seed 9: 16 files in
// stragglers-data/points, one for each partition ember's text_file reads (one per DFS block), in that order.
// Also not carried over:
// - ember's cost model ([cost]), scheduler settings ([scheduler]) and where the DFS put the
//   blocks (writer, replication): Spark uses its own.
// - Spark's reduce adds the partial gradients in the order tasks finish, ember in partition
//   order: the weights' last digits may differ.

import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel
import scala.util.Try

val dataDir = sys.env.getOrElse("EMBER_DATA", "stragglers-data")
// One partition per file, however large: each file is one partition of ember's text_file.
sc.hadoopConfiguration.set("mapreduce.input.fileinputformat.split.minsize", Long.MaxValue.toString)
// The files listed one by one, so that partition i is part-i (a folder's listing has no order).
def input(name: String, files: Int): RDD[String] = sc.textFile((0 until files).map(i => f"$dataDir/$name/part-$i%05d").mkString(","), 1).setName(name)

/** Logistic regression's functions (src/workloads/logistic_regression.rs). */
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
val points = input("points", 16).map(W.parsePoint)
val w = new Array[Double](10)
for (i <- 1 to 4) {
  sc.setJobDescription(s"iteration $i")
  val w0 = w.clone()
  val partials = points.mapPartitions { it => val acc = new Array[Double](10); it.foreach(p => W.addGradient(acc, w0, p)); Iterator(acc) }
  val g = partials.reduce((a: Array[Double], b: Array[Double]) => W.addInto(a, b))
  for (j <- 0 until math.min(w.length, g.length)) w(j) -= g(j) / 40000.0
}
println(s"w = [${w.take(4).map(x => W.fixed(4)(x)).mkString(", ")}${if (w.length > 4) ", ..." else ""}]")

spark.stop()
System.exit(0)
