// word-count: Word count over generated text in the DFS: one shuffle, two stages
// Written by `ember export word-count --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[4,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.6 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i word-count.scala
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

// ember's built-in wordcount workload (src/workloads/wordcount.rs), as RDDs: the same lineage, partition counts,
// storage level, iterations and actions, so Spark runs the jobs, stages (skipped ones too) and
// tasks ember runs.
// Its input, `text`, is the text ember generates from seed 42: 8 files in
// word-count-data/text, one for each partition ember's text_file reads (one per DFS block), in that order.
// Also not carried over:
// - ember's cost model ([cost]), scheduler settings ([scheduler]) and where the DFS put the
//   blocks (writer, replication): Spark uses its own.

import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel
import scala.util.Try

val dataDir = sys.env.getOrElse("EMBER_DATA", "word-count-data")
// One partition per file, however large: each file is one partition of ember's text_file.
sc.hadoopConfiguration.set("mapreduce.input.fileinputformat.split.minsize", Long.MaxValue.toString)
// The files listed one by one, so that partition i is part-i (a folder's listing has no order).
def input(name: String, files: Int): RDD[String] = sc.textFile((0 until files).map(i => f"$dataDir/$name/part-$i%05d").mkString(","), 1).setName(name)

/** The word count's function (src/workloads/wordcount.rs). */
object W extends Serializable {
  def words(line: String): Seq[String] = line.trim.split("\\s+").filter(_.nonEmpty).toSeq
}

// text_file -> flat_map (split) -> map (word, 1) -> reduce_by_key -> collect: one job of two stages.
val counts = input("text", 8).flatMap(W.words).map(w => (w, 1L)).reduceByKey((a: Long, b: Long) => a + b, 8)
val all = counts.collect().sortWith((a, b) => a._2 > b._2 || (a._2 == b._2 && a._1 < b._1))
println(s"${all.length} distinct words; top: ${all.take(3).map { case (w, c) => s"$w=$c" }.mkString(", ")}")

spark.stop()
System.exit(0)
