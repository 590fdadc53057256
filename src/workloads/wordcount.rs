//! Word count: the classic two-stage job. Generated text (Zipf-distributed words) in the DFS →
//! `text_file` → `flat_map` (split) → `map` (word, 1) → `reduce_by_key` → `collect`.

use super::datasets::{Dataset, Generator};
use super::{digest, read_input, write_input, Common, WorkloadOutput};
use crate::scheduler::JobError;
use crate::Context;

/// Parameters of the word count.
#[derive(Clone, Debug, PartialEq)]
pub struct WordCountParams {
    /// Lines of text in all.
    pub lines: usize,
    pub words_per_line: usize,
    /// Distinct words (`w0`, `w1`, ...), drawn by Zipf's law.
    pub vocabulary: usize,
    pub common: Common,
}

impl Default for WordCountParams {
    fn default() -> Self {
        WordCountParams {
            lines: 20_000,
            words_per_line: 8,
            vocabulary: 1_000,
            common: Common::default(),
        }
    }
}

/// The text the word count reads, as it is written into the DFS.
pub fn input(p: &WordCountParams) -> Dataset {
    Dataset {
        name: "text".into(),
        generator: Generator::Text {
            lines: p.lines as u64,
            words_per_line: p.words_per_line as u64,
            vocabulary: p.vocabulary.max(1) as u64,
        },
        partitions: p.common.partitions,
        placement: p.common.placement.clone(),
    }
}

/// Runs the word count over text written into the run's DFS; the answer is the most frequent
/// words.
pub fn run(ctx: &Context, p: &WordCountParams) -> Result<WorkloadOutput, JobError> {
    let input = input(p);
    write_input(ctx, &input, p.common.seed)?;
    let counts = read_input(ctx, &input)?
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .map(|w| (w.clone(), 1u64))
        .reduce_by_key(|a, b| a + b);
    let mut out = answer(counts.collect()?);
    out.lineage = counts.lineage_string();
    Ok(out)
}

/// The answer from every word's count: how many words, the top three, and the digest of all.
pub fn answer(mut all: Vec<(String, u64)>) -> WorkloadOutput {
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<String> = all
        .iter()
        .take(3)
        .map(|(w, c)| format!("{w}={c}"))
        .collect();
    let exact: String = all.iter().map(|(w, c)| format!("{w}:{c};")).collect();
    WorkloadOutput {
        result: format!("{} distinct words; top: {}", all.len(), top.join(", ")),
        digest: digest(exact.as_bytes()),
        lineage: String::new(),
    }
}
