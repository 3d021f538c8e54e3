//! Entry points for fuzzing: each takes arbitrary bytes and runs one part of rb-site on them the
//! way a build or `serve` would, ignoring the outcome. The only failures they can show are the
//! ones that matter for untrusted input: a panic, a hang, runaway memory.
//!
//! The cargo-fuzz targets in `fuzz/` call these under libFuzzer (nightly); `tests/it/fuzz.rs`
//! runs them on stable with proptest. Not part of rb-site's interface.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use crate::config::Config;
use crate::diag::{LineIndex, SourceRef};
use crate::model::SourceFile;

/// A scratch root for the configurations the entry points use: the highlight pack is written
/// under it. One folder for every run (cache files are replaced atomically), so nothing piles up.
static SCRATCH_ROOT: LazyLock<PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join("rb-site-fuzz"));

/// Diagrams stay code: the layout library's time is bounded by the worker process, which a
/// fuzzing loop has no use for; the diagram parser `check` runs is fuzzed by [`mermaid`].
const PAGE_BOOK: &str = "[mermaid]\nrender = \"off\"\n";

fn config(book: &str) -> Option<Config> {
    Config::from_toml(&SCRATCH_ROOT, book).ok()
}

/// A content file's bytes as `load` would decode them, or `None` where `load` reports them.
fn decode(bytes: &[u8]) -> Option<String> {
    crate::load::decode("fuzz.md", bytes.to_vec()).ok()
}

/// Front matter: splitting the block and deserializing its fields.
pub fn front_matter(bytes: &[u8]) {
    let (Some(config), Some(text)) = (config(""), decode(bytes)) else {
        return;
    };
    let index = LineIndex::new(&text);
    let source = SourceRef {
        path: "content/fuzz.md",
        text: &text,
        index: &index,
    };
    let _ = crate::frontmatter::parse(&config, &source);
}

/// The theme, compiled templates and highlighter [`page`] renders with, set up once per process
/// as `serve` keeps them between saves: setting them up per input made each run take a third of
/// a second. Its Markdown cache holds the one page `content/fuzz.md`, so it does not grow.
static PAGE_CACHE: LazyLock<Mutex<crate::render::RenderCache>> = LazyLock::new(Mutex::default);

/// One page through parse, link, validate, alert linking and render (pages, listings, search).
pub fn page(bytes: &[u8]) {
    let (Some(config), Some(text)) = (config(PAGE_BOOK), decode(bytes)) else {
        return;
    };
    let source = SourceFile {
        path: "content/fuzz.md".to_string(),
        rel: "fuzz.md".to_string(),
        text,
    };
    let (document, mut diagnostics) = crate::parse::parse_document(&config, source);
    let (site, link_diagnostics) = crate::link::link(&config, vec![document], BTreeSet::new());
    diagnostics.extend(link_diagnostics);
    if let Ok(mut checked) = crate::check_site(&config, site, diagnostics, 1) {
        // A panic while the lock is held is the finding itself: the fuzzer stops there.
        let mut cache = PAGE_CACHE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = crate::render_site_pages(
            &config,
            &mut checked,
            &crate::render::PageSet::All,
            &mut cache,
            None,
        );
    }
}

/// One Mermaid diagram's source, parsed as `check` parses every diagram block. The parser's own
/// panics are caught there (a `mermaid-error`); what a fuzzer can find is a hang or runaway
/// memory, which no timeout covers: only the layout runs in the bounded worker.
pub fn mermaid(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = crate::render::mermaid::parse_failure(&text);
}

/// A Prometheus rule file.
pub fn rule_file(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = crate::alerts::rules::parse_rule_file("rules/fuzz.yml", &text);
}

/// A `book.toml`.
pub fn book_toml(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = Config::from_toml(&SCRATCH_ROOT, &text);
}

/// A request target as `serve` routes it: the path split and decoded, routed against a small
/// site, and the relative root prefix its overlay uses.
pub fn request_path(bytes: &[u8]) {
    let url = String::from_utf8_lossy(bytes);
    crate::serve::fuzz_request_target(&url);
}
