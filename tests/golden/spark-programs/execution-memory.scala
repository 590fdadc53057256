// execution-memory: A shuffle's reduce task takes back the memory cached blocks borrowed: execution evicts storage
// Written by `ember export execution-memory --spark-program` (ember 0.1.0), for Apache Spark 3.x or 4.x.
//
// Run it from this folder (its data is in the folder beside it):
//   mkdir -p /tmp/spark-events && spark-shell --master 'local-cluster[1,2,1024]' --conf spark.executor.memory=1024m --conf spark.memory.fraction=0.0062 --conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/spark-events --conf spark.eventLog.logBlockUpdates.enabled=true -i execution-memory.scala
// then read the event log Spark wrote in /tmp/spark-events with `ember tui` or `ember summary`.
//
// The cluster: 1 executors of 2 cores on this one machine (local-cluster), each with
// 4718592 bytes of unified memory: (executor memory - 300 MiB) x spark.memory.fraction.
//
// What does not carry over:
// - racks and hosts: the scenario has 1 racks of 1 hosts; here every executor is on one host,
//   so every task is PROCESS_LOCAL, NODE_LOCAL or NO_PREF, never RACK_LOCAL.
// - times: ember's virtual clock is a model; Spark's times are this machine's.
// - the JVM's heap is a little smaller than -Xmx, so each executor's memory is a few % less.
// - so little memory: what fits differs. Spark reserves 1 MiB of unroll memory for each
//   block it starts to cache (spark.storage.unrollMemoryThreshold) and keeps broadcast
//   variables in storage memory, which ember does not charge, and sizes records as the JVM
//   lays them out (small boxed numbers are shared), which ember does not model.
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

val dataDir = sys.env.getOrElse("EMBER_DATA", "execution-memory-data")

val lines: RDD[Any] = sc.textFile(dataDir + "/text", 1).asInstanceOf[RDD[Any]].setName("lines").persist(StorageLevel.MEMORY_ONLY)
val numbers: RDD[Any] = sc.parallelize[Any](V.lines(dataDir + "/numbers.txt"), 2).setName("numbers")
val ints: RDD[Any] = numbers.map(V.parseInt).setName("ints")
val pairs: RDD[(Any, Any)] = ints.map(x => V.pair(V.pairOne(x))).setName("pairs")
val sums: RDD[(Any, Any)] = pairs.reduceByKey((a: Any, b: Any) => V.sum(a, b), 1).setName("sums")

println(lines.count())
println(sums.count())
println(lines.count())

spark.stop()
System.exit(0)
