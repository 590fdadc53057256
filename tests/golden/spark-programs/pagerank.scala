// pagerank: PageRank's growing lineage: every iteration joins links and ranks; partition_by keeps the links from reshuffling
// Written by `ember export pagerank --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[4,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.6 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i pagerank.scala
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

// ember's built-in pagerank workload (src/workloads/pagerank.rs), as RDDs: the same lineage, partition counts,
// storage level, iterations and actions, so Spark runs the jobs, stages (skipped ones too) and
// tasks ember runs.
// Its input, `graph`, is the text ember generates from seed 5: 8 files in
// pagerank-data/graph, one for each partition ember's text_file reads (one per DFS block), in that order.
// Also not carried over:
// - ember's cost model ([cost]), scheduler settings ([scheduler]) and where the DFS put the
//   blocks (writer, replication): Spark uses its own.
// - the shares are summed in another order: the ranks' last digits may differ.

import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel
import scala.util.Try

val dataDir = sys.env.getOrElse("EMBER_DATA", "pagerank-data")
// One partition per file, however large: each file is one partition of ember's text_file.
sc.hadoopConfiguration.set("mapreduce.input.fileinputformat.split.minsize", Long.MaxValue.toString)
// The files listed one by one, so that partition i is part-i (a folder's listing has no order).
def input(name: String, files: Int): RDD[String] = sc.textFile((0 until files).map(i => f"$dataDir/$name/part-$i%05d").mkString(","), 1).setName(name)

/** PageRank's functions (src/workloads/pagerank.rs). */
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

// Every shuffle of the ranks and links is into ember's partitioner: hash, over `partitions`.
val part = new HashPartitioner(8)
val edges = input("graph", 8).map(W.parseEdge).distinct(8)
val grouped = edges.groupByKey(part)
// A map drops the partitioner, as a program that does not keep it would: every join shuffles the links.
val links = grouped.map(kv => kv).persist(StorageLevel.MEMORY_ONLY)
var ranks: RDD[(Long, Double)] = links.mapValues(_ => 1.0)
// Each iteration: join -> values -> flat_map (shares) -> reduce_by_key -> map_values (damping),
// and one job (count) whose earlier stages are skipped, their map outputs already there.
for (i <- 1 to 5) {
  sc.setJobDescription(s"iteration $i")
  val contribs = links.join(ranks, part).values.flatMap { case (urls, rank) => W.contribs(urls, rank) }
  ranks = contribs.reduceByKey(part, (a: Double, b: Double) => a + b).mapValues(s => 0.15 + 0.85 * s)
  ranks.count()
}
sc.setJobDescription("ranks")
val all = ranks.collect().sortBy(_._1)
val top = all.sortWith((a, b) => a._2 > b._2 || (a._2 == b._2 && a._1 < b._1)).take(3)
println(s"${all.length} ranked pages; top: ${top.map { case (v, r) => s"$v=${W.fixed(3)(r)}" }.mkString(", ")}")

spark.stop()
System.exit(0)
