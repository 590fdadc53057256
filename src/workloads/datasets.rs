//! Seeded input datasets (CONTRACTS §2 generators): `text` (Zipf words), `call_records`,
//! `points`, `graph` (power-law out-degrees and popularity) and `range`. A dataset is a list of
//! text lines; [`Dataset::write`] puts it into the DFS as `partitions` part files
//! (`dfs://<name>/part-00000`, ...), as a job that saved it would have, so `text_file` reads it
//! one partition per block. The same seed and name give the same lines.

use crate::dfs::{Dfs, DfsError};
use crate::hashing::stable_hash;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// `lines` lines of `words_per_line` words drawn from `vocabulary` words (`w0`, `w1`, ...)
    /// by Zipf's law: word `w<r>` is `1/(r+1)` as frequent as `w0`.
    Text {
        lines: u64,
        words_per_line: u64,
        vocabulary: u64,
    },
    /// Call records `id,caller,receiver,plan,call_type,duration,time,date` among `users`
    /// users, each on one plan (`PlanA`, `PlanB`, `PlanC`).
    CallRecords { records: u64, users: u64 },
    /// Points `label,x1,...,xd` around a few centres, labelled ±1 by a hidden hyperplane: data
    /// for both logistic regression and k-means.
    Points { points: u64, dims: u64 },
    /// Edges `src dst` of a graph of `vertices` vertices with power-law out-degrees averaging
    /// `degree`, and power-law popularity of destinations.
    Graph { vertices: u64, degree: u64 },
    /// The integers `start..end`, one a line.
    Range { start: i64, end: i64 },
}

/// A named dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub generator: Generator,
    /// Part files written (and slices, for `parallelize`).
    pub partitions: usize,
    /// Where its blocks go in the DFS.
    pub placement: Placement,
}

/// Where a dataset's blocks are written: by default as the DFS places any file (its first
/// replica on a random live host, `dfs.replication` copies); a `writer` host takes every
/// first replica, as `hdfs dfs -put` run on a DataNode does, and `replication` overrides the
/// number of copies. Scarce locality on demand: one writer and one replica put every block
/// on one host.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// The host that writes it.
    pub writer: Option<String>,
    /// Copies of each block.
    pub replication: Option<usize>,
}

/// Draws from a Zipf distribution over `0..n` (rank r has weight 1/(r+1)^s).
///
/// Sampling inverts the cumulative distribution by binary search, narrowed first by a guide
/// table (Chen and Asau's): `guide[b]` is the first rank whose cumulative weight reaches
/// `b / n`, so a uniform draw in bucket `b` lies between `guide[b]` and `guide[b + 1]`. The
/// rank drawn is exactly the one a search of the whole table gives (a test pins it); the guide
/// only spares the search the cache misses of a large table (a graph of 40,000 vertices).
pub struct Zipf {
    cdf: Vec<f64>,
    guide: Vec<usize>,
}

impl Zipf {
    /// The distribution over `n` ranks with exponent `s`.
    pub fn new(n: usize, s: f64) -> Self {
        let n = n.max(1);
        let mut cdf = Vec::with_capacity(n);
        let mut acc = 0.0;
        for r in 0..n {
            acc += 1.0 / ((r + 1) as f64).powf(s);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        // A bucket's bound need not be exact: `rank` checks its answer.
        let (mut guide, mut i, step) = (Vec::with_capacity(n + 1), 0, 1.0 / n as f64);
        for b in 0..=n {
            let t = b as f64 * step;
            while i < n && cdf[i] < t {
                i += 1;
            }
            guide.push(i);
        }
        Zipf { cdf, guide }
    }

    /// The first rank whose cumulative weight reaches `u` (the last rank if none does).
    fn rank(&self, u: f64) -> usize {
        let n = self.cdf.len();
        let b = ((u * n as f64) as usize).min(n - 1);
        let (lo, hi) = (self.guide[b], self.guide[b + 1].min(n - 1));
        let r = lo + self.cdf[lo..=hi.max(lo)].partition_point(|c| *c < u);
        // Rounding can put `u` just outside its bucket: then search the whole table.
        let below_ok = r == 0 || self.cdf[r - 1] < u;
        let at_ok = r >= n || self.cdf[r] >= u;
        let r = if below_ok && at_ok {
            r
        } else {
            self.cdf.partition_point(|c| *c < u)
        };
        r.min(n - 1)
    }

    /// A rank.
    pub fn sample(&self, rng: &mut impl Rng) -> usize {
        self.rank(rng.gen())
    }
}

const PLANS: [&str; 3] = ["PlanA", "PlanB", "PlanC"];
const CALL_TYPES: [&str; 3] = ["voice", "sms", "data"];

/// The plan a user is on.
pub fn plan_of(user: u64) -> &'static str {
    PLANS[(stable_hash(&user) % 3) as usize]
}

impl Generator {
    /// The generator's lines, from `seed`.
    pub fn lines(&self, seed: u64) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_line(seed, |l| out.push(l));
        out
    }

    /// How many lines it makes, when that is known before making them.
    pub fn known_len(&self) -> Option<u64> {
        match self {
            Generator::Text { lines, .. } => Some(*lines),
            Generator::CallRecords { records, .. } => Some(*records),
            Generator::Points { points, .. } => Some(*points),
            Generator::Range { start, end } => Some(end.saturating_sub(*start).max(0) as u64),
            Generator::Graph { .. } => None,
        }
    }

    /// Hands each line to `f` as it is made (a dataset larger than memory never is whole).
    pub fn for_each_line(&self, seed: u64, mut f: impl FnMut(String)) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        match self {
            Generator::Text {
                lines,
                words_per_line,
                vocabulary,
            } => {
                let zipf = Zipf::new(*vocabulary as usize, 1.0);
                for _ in 0..*lines {
                    let words: Vec<String> = (0..*words_per_line)
                        .map(|_| format!("w{}", zipf.sample(&mut rng)))
                        .collect();
                    f(words.join(" "));
                }
            }
            Generator::CallRecords { records, users } => {
                let users = (*users).max(2);
                let popular = Zipf::new(users as usize, 0.8);
                for id in 0..*records {
                    {
                        let caller = popular.sample(&mut rng) as u64;
                        let mut receiver = popular.sample(&mut rng) as u64;
                        if receiver == caller {
                            receiver = (receiver + 1) % users;
                        }
                        let kind = CALL_TYPES[rng.gen_range(0..3)];
                        let duration: u32 = rng.gen_range(1..3600);
                        let secs: u32 = rng.gen_range(0..86_400);
                        let day: u32 = rng.gen_range(1..31);
                        f(format!(
                            "{id},u{caller},u{receiver},{},{kind},{duration},{:02}:{:02}:{:02},2026-11-{day:02}",
                            plan_of(caller),
                            secs / 3600,
                            secs / 60 % 60,
                            secs % 60
                        ));
                    }
                }
            }
            Generator::Points { points, dims } => {
                let d = (*dims).max(1) as usize;
                let truth: Vec<f64> = (0..d)
                    .map(|i| if i % 2 == 0 { 1.0 } else { -0.5 })
                    .collect();
                let centres: Vec<Vec<f64>> = (0..4)
                    .map(|_| (0..d).map(|_| rng.gen_range(-1.0..1.0)).collect())
                    .collect();
                for _ in 0..*points {
                    {
                        let c = &centres[rng.gen_range(0..centres.len())];
                        let x: Vec<f64> = c.iter().map(|v| v + rng.gen_range(-0.3..0.3)).collect();
                        let dot: f64 = x.iter().zip(&truth).map(|(a, b)| a * b).sum();
                        let noise: f64 = rng.gen_range(-0.1..0.1);
                        let label = if dot + noise > 0.0 { 1 } else { -1 };
                        let xs: Vec<String> = x.iter().map(|v| format!("{v:.6}")).collect();
                        f(format!("{label},{}", xs.join(",")));
                    }
                }
            }
            Generator::Graph { vertices, degree } => {
                let n = (*vertices).max(2) as usize;
                let popular = Zipf::new(n, 0.9);
                for src in 0..n {
                    // Pareto(α = 2) out-degrees have mean 2·x_min: x_min = degree / 2.
                    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                    let d = ((*degree as f64 / 2.0) / u.sqrt()).round().max(1.0) as usize;
                    for _ in 0..d.min(n - 1) {
                        let mut dst = popular.sample(&mut rng);
                        if dst == src {
                            dst = (dst + 1) % n;
                        }
                        f(format!("{src} {dst}"));
                    }
                }
            }
            Generator::Range { start, end } => (*start..*end).for_each(|i| f(i.to_string())),
        }
    }
}

impl Dataset {
    /// Writes one part file as the dataset's placement says.
    fn put(&self, dfs: &Dfs, path: &str, text: &str) -> Result<(), DfsError> {
        let p = &self.placement;
        dfs.write_replicated(path, text.as_bytes(), p.writer.as_deref(), p.replication)
            .map(|_| ())
    }

    /// The `points` dataset of the machine-learning workloads: `points` labelled points of
    /// `dims` features in `partitions` part files.
    pub fn points(points: usize, dims: usize, partitions: usize) -> Dataset {
        Dataset {
            name: "points".into(),
            generator: Generator::Points {
                points: points as u64,
                dims: dims as u64,
            },
            partitions,
            placement: Placement::default(),
        }
    }

    /// The dataset's lines, seeded from the run's seed and the dataset's name.
    pub fn lines(&self, seed: u64) -> Vec<String> {
        self.generator.lines(stable_hash(&(seed, &self.name)))
    }

    /// Writes the dataset into the DFS as `dfs://<name>/part-NNNNN`, `partitions` files of
    /// about equal numbers of lines. When the number of lines is known beforehand, each file is
    /// written as soon as its lines are made, so a large dataset is never held whole.
    pub fn write(&self, dfs: &Dfs, seed: u64) -> Result<(), DfsError> {
        let parts = self.partitions.max(1) as u64;
        let file = |p: u64| format!("dfs://{}/part-{p:05}", self.name);
        let seed = stable_hash(&(seed, &self.name));
        let Some(n) = self.generator.known_len() else {
            let lines = self.generator.lines(seed);
            let n = lines.len() as u64;
            for p in 0..parts {
                let (a, b) = ((p * n / parts) as usize, ((p + 1) * n / parts) as usize);
                let mut text = String::new();
                for l in &lines[a..b] {
                    text.push_str(l);
                    text.push('\n');
                }
                self.put(dfs, &file(p), &text)?;
            }
            return Ok(());
        };
        let mut p = 0u64;
        let mut i = 0u64;
        let mut text = String::new();
        let mut result = Ok(());
        self.generator.for_each_line(seed, |l| {
            // Files whose share of the lines is empty come first (more files than lines).
            while p < parts && i >= (p + 1) * n / parts {
                if result.is_ok() {
                    result = self.put(dfs, &file(p), &text);
                }
                text.clear();
                p += 1;
            }
            text.push_str(&l);
            text.push('\n');
            i += 1;
        });
        while p < parts {
            if result.is_ok() {
                result = self.put(dfs, &file(p), &text);
            }
            text.clear();
            p += 1;
        }
        result
    }

    /// The DFS folder it is written to.
    pub fn path(&self) -> String {
        format!("dfs://{}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_guide_draws_the_rank_a_whole_table_search_draws() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in [1, 2, 3, 10, 997, 40_000] {
            for s in [0.0, 0.8, 0.9, 1.0, 2.5] {
                let z = Zipf::new(n, s);
                let whole = |u: f64| z.cdf.partition_point(|c| *c < u).min(n - 1);
                let edges = (0..=n.min(50)).map(|b| b as f64 / n as f64);
                let edges_and_near = edges.flat_map(|t| [t, t - 1e-12, t + 1e-12, t.next_up()]);
                let cdf_values = z.cdf.iter().take(50).copied();
                let random = (0..2000).map(|_| rng.gen::<f64>());
                for u in edges_and_near.chain(cdf_values).chain(random) {
                    let u = u.clamp(0.0, 1.0 - f64::EPSILON / 2.0);
                    assert_eq!(z.rank(u), whole(u), "n {n}, s {s}, u {u}");
                }
            }
        }
    }

    #[test]
    fn zipf_words_fall_off_as_one_over_rank() {
        let lines = Generator::Text {
            lines: 2000,
            words_per_line: 10,
            vocabulary: 100,
        }
        .lines(1);
        let count = |w: &str| {
            lines
                .iter()
                .flat_map(|l| l.split(' '))
                .filter(|x| *x == w)
                .count() as f64
        };
        let ratio = count("w0") / count("w1");
        assert!((1.6..2.4).contains(&ratio), "w0/w1 = {ratio}");
    }

    #[test]
    fn generators_are_seeded_and_well_formed() {
        let g = Generator::CallRecords {
            records: 50,
            users: 10,
        };
        assert_eq!(g.lines(3), g.lines(3));
        assert_ne!(g.lines(3), g.lines(4));
        for l in g.lines(3) {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 8, "{l}");
            assert_ne!(f[1], f[2], "no one calls themself");
        }
        let p = Generator::Points { points: 5, dims: 3 }.lines(1);
        assert!(p.iter().all(|l| l.split(',').count() == 4));
        let e = Generator::Graph {
            vertices: 200,
            degree: 4,
        }
        .lines(1);
        let avg = e.len() as f64 / 200.0;
        assert!((2.5..6.0).contains(&avg), "average out-degree {avg}");
        assert_eq!(
            Generator::Range { start: 3, end: 6 }.lines(0),
            vec!["3", "4", "5"]
        );
    }
}
