//! Known problems: a file of the diagnostics a repository had when it adopted rb-site (`rb-site
//! init`), so that `check` and `build` pass on it as it is and fail only on new problems, the way
//! linters' baselines work. Problems are matched by file, code and message, never by line, so
//! an edit above a known problem does not make it new; each entry counts how many times the same
//! problem occurs in that file. `rb-site check --update-baseline` rewrites the file from the
//! current problems, which drops the fixed ones.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Report};

/// The version of the file format, written into every baseline.
const VERSION: u32 = 1;

/// The known problems, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    version: u32,
    problems: Vec<KnownProblem>,
}

/// One known problem: where, which rule, what it said, and how many times.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownProblem {
    file: String,
    code: String,
    message: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: usize,
}

fn one() -> usize {
    1
}

fn is_one(count: &usize) -> bool {
    *count == 1
}

type Key = (String, String, String);

fn key(diagnostic: &Diagnostic) -> Key {
    (
        diagnostic.file.clone(),
        diagnostic.code.to_string(),
        diagnostic.message.clone(),
    )
}

impl Baseline {
    /// Reads a baseline file; a file that does not exist yet is an empty baseline.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Baseline::default());
            }
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
        };
        let baseline: Baseline = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not an rb-site baseline; rewrite it with `rb-site check --update-baseline`",
                path.display()
            )
        })?;
        Ok(baseline)
    }

    /// The baseline of every problem in `report`, known ones included.
    pub fn of(report: &Report) -> Baseline {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for diagnostic in report.diagnostics().iter().chain(report.known()) {
            *counts.entry(key(diagnostic)).or_default() += 1;
        }
        Baseline {
            version: VERSION,
            problems: counts
                .into_iter()
                .map(|((file, code, message), count)| KnownProblem {
                    file,
                    code,
                    message,
                    count,
                })
                .collect(),
        }
    }

    /// Writes the baseline as pretty JSON (one problem per few lines, so diffs read well).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_string_pretty(self).context("cannot write the baseline")?;
        json.push('\n');
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))
    }

    /// How many problems it holds.
    pub fn len(&self) -> usize {
        self.problems.iter().map(|p| p.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `report` sorted, with the problems this baseline knows moved out of its diagnostics.
    /// Applying it again (after more diagnostics joined) splits the whole report afresh.
    pub fn apply(&self, report: Report) -> Report {
        report.split_known(|all| self.split(all))
    }

    /// Splits `diagnostics` into (new, known): each known problem forgives as many occurrences
    /// as its count, the first ones in report order.
    fn split(&self, diagnostics: Vec<Diagnostic>) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        let mut left: BTreeMap<Key, usize> = self
            .problems
            .iter()
            .map(|p| ((p.file.clone(), p.code.clone(), p.message.clone()), p.count))
            .collect();
        let (mut new, mut known) = (Vec::new(), Vec::new());
        for diagnostic in diagnostics {
            match left.get_mut(&key(&diagnostic)) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    known.push(diagnostic);
                }
                _ => new.push(diagnostic),
            }
        }
        (new, known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Level;

    fn diagnostic(file: &str, line: usize, message: &str) -> Diagnostic {
        Diagnostic::at(file, line, 1, "broken-link", message)
    }

    fn report(diagnostics: Vec<Diagnostic>) -> Report {
        let mut report = Report::default();
        report.extend(|_| Level::Error, diagnostics);
        report.sorted()
    }

    #[test]
    fn known_problems_match_by_file_code_and_message_not_line() {
        let before = report(vec![
            diagnostic("a.md", 3, "link to `x`"),
            diagnostic("a.md", 9, "link to `x`"),
            diagnostic("b.md", 1, "link to `y`"),
        ]);
        let baseline = Baseline::of(&before);
        assert_eq!(baseline.len(), 3);
        // Lines moved, one problem fixed, one new, one more of a known kind.
        let after = report(vec![
            diagnostic("a.md", 5, "link to `x`"),
            diagnostic("a.md", 11, "link to `x`"),
            diagnostic("a.md", 12, "link to `x`"),
            diagnostic("c.md", 1, "link to `z`"),
        ]);
        let after = baseline.apply(after);
        let lines: Vec<(&str, usize)> = after
            .diagnostics()
            .iter()
            .map(|d| (d.file.as_str(), d.line))
            .collect();
        assert_eq!(lines, [("a.md", 12), ("c.md", 1)]);
        assert_eq!(after.known().len(), 2);
        // Rewriting drops the fixed problem in b.md.
        let rewritten = Baseline::of(&after);
        assert_eq!(rewritten.len(), 4);
        assert!(!rewritten.problems.iter().any(|p| p.file == "b.md"));
        // Applying again gives the same split.
        let again = baseline.apply(after.clone());
        assert_eq!(again.diagnostics(), after.diagnostics());
    }

    #[test]
    fn a_missing_file_is_an_empty_baseline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("known.json");
        assert!(Baseline::load(&path).expect("load").is_empty());
        let baseline = Baseline::of(&report(vec![diagnostic("a.md", 1, "m")]));
        baseline.write(&path).expect("write");
        assert_eq!(Baseline::load(&path).expect("load"), baseline);
    }
}
