//! Word count: the classic two-stage job. Generated text files → `text_file` → `flat_map`
//! (split) → `map` (word, 1) → `reduce_by_key` → `collect`.

use super::{digest, WorkloadOutput};
use crate::scheduler::JobError;
use crate::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

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

/// Writes the generated text into `dir`: `files` files `part-NNNNN` of about equal size.
pub fn generate_text(dir: &Path, p: &WordCountParams) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let files = p.files.max(1);
    let vocab = p.vocabulary.max(1);
    for f in 0..files {
        let (start, end) = (f * p.lines / files, (f + 1) * p.lines / files);
        let mut text = String::new();
        for _ in start..end {
            for w in 0..p.words_per_line {
                // Squaring a uniform draw skews toward frequent low-numbered words, as text is.
                let u: f64 = rng.gen();
                let id = ((u * u) * vocab as f64) as usize;
                if w > 0 {
                    text.push(' ');
                }
                text.push_str(&format!("w{}", id.min(vocab - 1)));
            }
            text.push('\n');
        }
        std::fs::write(dir.join(format!("part-{f:05}")), text)?;
    }
    Ok(())
}

/// Runs the word count; the answer is the most frequent words.
pub fn run(ctx: &Context, p: &WordCountParams) -> Result<WorkloadOutput, JobError> {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ember-wordcount-{}-{n}", std::process::id()));
    let io = |e: std::io::Error| JobError::Io(format!("{}: {e}", dir.display()));
    generate_text(&dir, p).map_err(io)?;
    let lines = ctx.text_file(&dir).map_err(io)?;
    let counts = lines
        .flat_map(|l: String| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .map(|w| (w, 1u64))
        .reduce_by_key(|a, b| a + b, p.partitions.max(1));
    let result = counts.collect();
    let _ = std::fs::remove_dir_all(&dir);
    let mut all = result?;
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
