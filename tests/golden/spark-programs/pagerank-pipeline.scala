// pagerank-pipeline: PageRank as a pipeline: edges grouped into links, then three join, contribs and reduce_by_key rounds
// Written by `ember export pagerank-pipeline --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[2,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.6 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i pagerank-pipeline.scala
// then read the event log Spark wrote in /tmp/spark-events with `ember tui` or `ember summary`.
//
// The cluster: 2 executors of 2 cores on this one machine (local-cluster), each with
// 455501414 bytes of unified memory: (executor memory - 300 MiB) x spark.memory.fraction.
//
// What does not carry over:
// - racks and hosts: the scenario has 1 racks of 2 hosts; here every executor is on one host,
//   so every task is PROCESS_LOCAL, NODE_LOCAL or NO_PREF, never RACK_LOCAL.
// - times: ember's virtual clock is a model; Spark's times are this machine's.
// - the JVM's heap is a little smaller than -Xmx, so each executor's memory is a few % less.
// - hash partitioning: Spark hashes keys its own way, so records land in other partitions
//   (the same partition counts, stages and tasks); collect's order may differ.

import org.apache.spark.HashPartitioner
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

val dataDir = sys.env.getOrElse("EMBER_DATA", "pagerank-pipeline-data")

val lines: RDD[Any] = sc.textFile(dataDir + "/graph", 1).asInstanceOf[RDD[Any]].setName("lines")
val edges: RDD[(Any, Any)] = lines.map(x => V.pair(V.fields2(0, 1)(x))).setName("edges")
val ids: RDD[(Any, Any)] = edges.map(x => V.pair(V.parseInt(x))).setName("ids")
val links: RDD[(Any, Any)] = ids.groupByKey(4).asInstanceOf[RDD[(Any, Any)]].setName("links").persist(StorageLevel.MEMORY_ONLY)
val ranks0: RDD[(Any, Any)] = links.mapValues(V.constant(1.0)).setName("ranks0")
val joined1: RDD[(Any, Any)] = links.join(ranks0).asInstanceOf[RDD[(Any, Any)]].setName("joined1")
val contribs1: RDD[(Any, Any)] = joined1.flatMap(x => V.contribs(x).map(V.pair)).setName("contribs1")
val sums1: RDD[(Any, Any)] = contribs1.reduceByKey((a: Any, b: Any) => V.sum(a, b), 4).setName("sums1")
val damped1: RDD[(Any, Any)] = sums1.mapValues(V.mul(0.85)).setName("damped1")
val ranks1: RDD[(Any, Any)] = damped1.mapValues(V.add(0.15)).setName("ranks1")
val joined2: RDD[(Any, Any)] = links.join(ranks1).asInstanceOf[RDD[(Any, Any)]].setName("joined2")
val contribs2: RDD[(Any, Any)] = joined2.flatMap(x => V.contribs(x).map(V.pair)).setName("contribs2")
val sums2: RDD[(Any, Any)] = contribs2.reduceByKey((a: Any, b: Any) => V.sum(a, b), 4).setName("sums2")
val damped2: RDD[(Any, Any)] = sums2.mapValues(V.mul(0.85)).setName("damped2")
val ranks2: RDD[(Any, Any)] = damped2.mapValues(V.add(0.15)).setName("ranks2")
val joined3: RDD[(Any, Any)] = links.join(ranks2).asInstanceOf[RDD[(Any, Any)]].setName("joined3")
val contribs3: RDD[(Any, Any)] = joined3.flatMap(x => V.contribs(x).map(V.pair)).setName("contribs3")
val sums3: RDD[(Any, Any)] = contribs3.reduceByKey((a: Any, b: Any) => V.sum(a, b), 4).setName("sums3")
val damped3: RDD[(Any, Any)] = sums3.mapValues(V.mul(0.85)).setName("damped3")
val ranks3: RDD[(Any, Any)] = damped3.mapValues(V.add(0.15)).setName("ranks3")

println(ranks3.collect().take(20).mkString(", "))

spark.stop()
System.exit(0)
