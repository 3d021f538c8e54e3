//! `rb-site init` in a folder that already holds runbooks: infer a `book.toml` fitted to what
//! is there, and record the problems the repository has today in a baseline file, so that
//! `check` and `build` pass on it as it is and fail only on new problems.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};

/// Whether `dir` holds Markdown files anywhere below it (hidden folders aside).
pub(crate) fn has_markdown(dir: &Path) -> bool {
    markdown_files(dir).next().is_some()
}

fn markdown_files(dir: &Path) -> impl Iterator<Item = walkdir::DirEntry> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
}

/// Writes a `book.toml` (and a baseline) fitted to the Markdown already in `dir`.
pub(crate) fn adopt(dir: &Path) -> Result<ExitCode> {
    bail!("adopting {} is not implemented yet", dir.display())
}
