// kmeans: K-means: cached points, each iteration a two-stage job that averages the points of each centre
// Written by `ember export kmeans --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[4,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.6 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i kmeans.scala
// then read the event log Spark wrote in /tmp/spark-events with `ember tui` or `ember summary`.
//
// The cluster: 4 executors of 2 cores on this one machine (local-cluster), each with
// 455501414 bytes of unified memory: (executor memory - 300 MiB) x spark.memory.fraction.
//
// What does not carry over:
// - racks and hosts: the scenario has 2 racks of 2 hosts; here every executor is on one host,
//   so every task is PROCESS_LOCAL, NODE_LOCAL or NO_PREF, never RACK_LOCAL.
// - times: ember's virtual clock is a model; Spark's times are this machine's.
// - the JVM's heap is a little smaller than -Xmx, so each executor's memory is a few % less.
// - hash partitioning: Spark hashes keys its own way, so records land in other partitions
//   (the same partition counts, stages and tasks); collect's order may differ.

// ember's built-in kmeans workload (src/workloads/kmeans.rs), as RDDs: the same lineage, partition counts,
// storage level, iterations and actions, so Spark runs the jobs, stages (skipped ones too) and
// tasks ember runs.
// Its input, `points`, is the text ember generates from seed 7: 8 files in
// kmeans-data/points, one for each partition ember's text_file reads (one per DFS block), in that order.
// Also not carried over:
// - ember's cost model ([cost]), scheduler settings ([scheduler]) and where the DFS put the
//   blocks (writer, replication): Spark uses its own.
// - each centre's points are summed in another order: the centres' last digits may differ.

import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel
import scala.util.Try

val dataDir = sys.env.getOrElse("EMBER_DATA", "kmeans-data")
// One partition per file, however large: each file is one partition of ember's text_file.
sc.hadoopConfiguration.set("mapreduce.input.fileinputformat.split.minsize", Long.MaxValue.toString)
// The files listed one by one, so that partition i is part-i (a folder's listing has no order).
def input(name: String, files: Int): RDD[String] = sc.textFile((0 until files).map(i => f"$dataDir/$name/part-$i%05d").mkString(","), 1).setName(name)

/** k-means's functions (src/workloads/kmeans.rs). */
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
val points = input("points", 8).map(W.features).persist(StorageLevel.MEMORY_ONLY)
sc.setJobDescription("starting centres")
val centres: Array[Array[Double]] = points.take(4)
for (i <- 1 to 5) {
  sc.setJobDescription(s"iteration $i")
  val c = centres.clone()
  val sums = points.map(x => (W.closest(x, c), (x, 1L))).reduceByKey((a: (Array[Double], Long), b: (Array[Double], Long)) => W.add(a, b), 8)
  for ((j, (sum, n)) <- sums.collectAsMap()) if (j < centres.length) centres(j.toInt) = sum.map(_ / n.toDouble)
}
println(s"${centres.length} centres: ${centres.map(c => "(" + c.take(3).map(x => W.fixed(3)(x)).mkString(", ") + (if (c.length > 3) ", ..." else "") + ")").mkString(" ")}")

spark.stop()
System.exit(0)
