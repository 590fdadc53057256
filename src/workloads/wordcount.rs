//! Word count: the classic two-stage job. Generated text files in the DFS → `text_file` →
//! `flat_map` (split) → `map` (word, 1) → `reduce_by_key` → `collect`.

use super::{digest, WorkloadOutput};
use crate::scheduler::JobError;
use crate::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Parameters of the word count.
#[derive(Clone, Debug, PartialEq)]
pub struct WordCountParams {
    /// Lines of text in all.
    pub lines: usize,
    pub words_per_line: usize,
    /// Distinct words (`w0`, `w1`, ...), drawn with a skew toward low numbers.
    pub vocabulary: usize,
    /// Input files, one partition each.
    pub files: usize,
    /// Reduce partitions.
    pub partitions: usize,
    pub seed: u64,
}

impl Default for WordCountParams {
    fn default() -> Self {
        WordCountParams {
            lines: 20_000,
            words_per_line: 8,
            vocabulary: 1_000,
            files: 8,
            partitions: 4,
            seed: 0,
        }
    }
}

/// The generated text: `files` files of about equal size, each a `String` of lines.
pub fn generate_text(p: &WordCountParams) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let files = p.files.max(1);
    let vocab = p.vocabulary.max(1);
    (0..files)
        .map(|f| {
            let (start, end) = (f * p.lines / files, (f + 1) * p.lines / files);
            let mut text = String::new();
            for _ in start..end {
                for w in 0..p.words_per_line {
                    // Squaring a uniform draw skews toward frequent low-numbered words, as text
                    // is.
                    let u: f64 = rng.gen();
                    let id = ((u * u) * vocab as f64) as usize;
                    if w > 0 {
                        text.push(' ');
                    }
                    text.push_str(&format!("w{}", id.min(vocab - 1)));
                }
                text.push('\n');
            }
            text
        })
        .collect()
}

/// Runs the word count over text written into the run's DFS; the answer is the most frequent
/// words.
pub fn run(ctx: &Context, p: &WordCountParams) -> Result<WorkloadOutput, JobError> {
    let dfs = ctx.dfs();
    let io = |e: crate::dfs::DfsError| JobError::Io(e.to_string());
    for (i, text) in generate_text(p).into_iter().enumerate() {
        dfs.write(
            &format!("dfs://wordcount/input/part-{i:05}"),
            text.as_bytes(),
            None,
        )
        .map_err(io)?;
    }
    let lines = ctx
        .text_file("dfs://wordcount/input")
        .map_err(|e| JobError::Io(e.to_string()))?;
    let counts = lines
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .map(|w| (w.clone(), 1u64))
        .reduce_by_key_into(|a, b| a + b, p.partitions.max(1));
    let mut all = counts.collect()?;
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<String> = all
        .iter()
        .take(3)
        .map(|(w, c)| format!("{w}={c}"))
        .collect();
    let exact: String = all.iter().map(|(w, c)| format!("{w}:{c};")).collect();
    Ok(WorkloadOutput {
        result: format!("{} distinct words; top: {}", all.len(), top.join(", ")),
        digest: digest(exact.as_bytes()),
        lineage: counts.lineage_string(),
    })
}
