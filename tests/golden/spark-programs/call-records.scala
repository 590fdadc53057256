// call-records: Call records: keep PlanA's calls, cache and count them, then rank callers by distinct receivers
// Written by `ember export call-records --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[4,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.6 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i call-records.scala
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

// ember's built-in call_records_top_k workload (src/workloads/call_records.rs), as RDDs: the same lineage, partition counts,
// storage level, iterations and actions, so Spark runs the jobs, stages (skipped ones too) and
// tasks ember runs.
// Its input, `calls`, is the text ember generates from seed 4: 6 files in
// call-records-data/calls, one for each partition ember's text_file reads (one per DFS block), in that order.
// Also not carried over:
// - ember's cost model ([cost]), scheduler settings ([scheduler]) and where the DFS put the
//   blocks (writer, replication): Spark uses its own.
// - Spark's RangePartitioner samples the keys again (one more job) if a partition holds more
//   than about three times its share of them; ember samples once.

import org.apache.spark.HashPartitioner
import org.apache.spark.rdd.RDD
import org.apache.spark.storage.StorageLevel
import scala.util.Try

val dataDir = sys.env.getOrElse("EMBER_DATA", "call-records-data")
// One partition per file, however large: each file is one partition of ember's text_file.
sc.hadoopConfiguration.set("mapreduce.input.fileinputformat.split.minsize", Long.MaxValue.toString)
// The files listed one by one, so that partition i is part-i (a folder's listing has no order).
def input(name: String, files: Int): RDD[String] = sc.textFile((0 until files).map(i => f"$dataDir/$name/part-$i%05d").mkString(","), 1).setName(name)

/** The call-records example's function (src/workloads/call_records.rs). */
object W extends Serializable {
  /** `id,caller,receiver,plan,call_type,duration,...` as a tuple, or None if it does not parse. */
  def parseCall(line: String): Option[(Long, String, String, String, String, Int)] = {
    val f = line.split(",", -1)
    if (f.length < 6) None else for (id <- Try(f(0).toLong).toOption; d <- Try(f(5).toInt).toOption) yield (id, f(1), f(2), f(3), f(4), d)
  }
}

// The plan's calls, persisted at the scenario's level (unless NONE); the count (job 0) caches them.
val calls = input("calls", 6).flatMap(l => W.parseCall(l).toList).filter(c => c._4 == "PlanA").persist(StorageLevel.MEMORY_ONLY)
val n = calls.count()
// Influence: distinct receivers per caller. Most first, then by name: one key, ascending.
val reach = calls.map(c => (c._2, c._3)).distinct(6).map(cr => (cr._1, 1L)).reduceByKey((a: Long, b: Long) => a + b, 6)
// sortByKey samples the keys now (a job), as ember's sort_by_key does.
val ranked = reach.map { case (caller, k) => ((-k, caller), k) }.sortByKey(true, 6)
val top = ranked.take(5)
println(s"$n " + "PlanA" + s" calls; most influential: ${top.map { case ((_, caller), k) => s"$caller ($k)" }.mkString(", ")}")

spark.stop()
System.exit(0)
