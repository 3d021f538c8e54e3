//! Mermaid diagrams rendered to inline SVG at build time, with a content-addressed cache.
//!
//! Layout is done by the `mermaid-rs-renderer` library with a fixed theme and its built-in text
//! metrics, so the output does not depend on the fonts installed on the machine. Rendered SVG is
//! cached by content (`<cache_dir>/<blake3>.svg`), so an unchanged diagram is never laid out twice,
//! across builds and in `serve`. When a diagram is placed on a page its SVG is rewritten through
//! an XML parser: every id (and every `url(#…)` / `href="#…"` reference to one) gets a prefix
//! unique to the page and the diagram, `<style>` selectors are scoped to the diagram, and the
//! root gets `role="img"` and an accessible name. Colours are the theme's palette, which
//! `static/code.css` maps to CSS variables so diagrams follow light and dark mode and print
//! (a unit test checks it against `diagram_css`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mermaid_rs_renderer::{LayoutConfig, Theme};
use rayon::prelude::*;

use super::worker::{Job, Outcome, WorkerPool};

/// Part of the cache key: a new renderer version lays diagrams out differently.
/// A test checks it against `Cargo.lock`.
pub(crate) const RENDERER_VERSION: &str = "0.3.1";

/// The font family given to the layout engine. No installed font has this name, so every
/// measurement falls back to the library's built-in per-character metrics (calibrated against
/// the fonts of [`FONT_STACK`]) instead of whatever fonts this machine happens to have. It is
/// replaced by [`FONT_STACK`] in the output.
const METRICS_FONT: &str = "rb-site-builtin-metrics";

/// What the browser draws diagram text with: the stack the built-in metrics were measured on.
const FONT_STACK: &str = "trebuchet ms,verdana,arial,sans-serif";

/// The diagram palette: (CSS variable, colour written into the SVG, light value, dark value).
/// Each SVG colour is distinct so that `code.css` can find it with an attribute selector and
/// replace it with the variable; the light value is what a reader without the stylesheet sees.
const PALETTE: &[(&str, &str, &str, &str)] = &[
    ("--mermaid-bg", "#ffffff", "#ffffff", "#0d1117"),
    ("--mermaid-node", "#eceff3", "#eceff3", "#21262d"),
    ("--mermaid-node-border", "#8c959f", "#8c959f", "#6e7681"),
    ("--mermaid-text", "#1f2328", "#1f2328", "#e6edf3"),
    ("--mermaid-line", "#57606a", "#57606a", "#8b949e"),
    ("--mermaid-alt", "#f6f8fa", "#f6f8fa", "#161b22"),
    ("--mermaid-cluster", "#f3f4f6", "#f3f4f6", "#161b22"),
    ("--mermaid-cluster-border", "#afb8c1", "#afb8c1", "#484f58"),
    ("--mermaid-note", "#fff8c5", "#fff8c5", "#3b2f00"),
    ("--mermaid-note-border", "#d4a72c", "#d4a72c", "#9e6a03"),
    ("--mermaid-activation", "#eaeef2", "#eaeef2", "#30363d"),
];

#[cfg(test)]
/// Colours the library writes itself (not from the theme) that mean "text" or "background".
const FIXED_TEXT_COLOURS: &[&str] = &["#333", "#333333", "#131300"];

/// The colour written into the SVG for a palette variable.
fn palette(var: &str) -> String {
    PALETTE
        .iter()
        .find(|(name, ..)| *name == var)
        .map_or("#000000", |(_, colour, ..)| colour)
        .to_string()
}

fn theme() -> Theme {
    let text = palette("--mermaid-text");
    Theme {
        font_family: METRICS_FONT.to_string(),
        primary_color: palette("--mermaid-node"),
        primary_text_color: text.clone(),
        primary_border_color: palette("--mermaid-node-border"),
        line_color: palette("--mermaid-line"),
        secondary_color: palette("--mermaid-alt"),
        tertiary_color: palette("--mermaid-alt"),
        edge_label_background: palette("--mermaid-bg"),
        cluster_background: palette("--mermaid-cluster"),
        cluster_border: palette("--mermaid-cluster-border"),
        background: palette("--mermaid-bg"),
        sequence_actor_fill: palette("--mermaid-node"),
        sequence_actor_border: palette("--mermaid-node-border"),
        sequence_actor_line: palette("--mermaid-node-border"),
        sequence_note_fill: palette("--mermaid-note"),
        sequence_note_border: palette("--mermaid-note-border"),
        sequence_activation_fill: palette("--mermaid-activation"),
        sequence_activation_border: palette("--mermaid-line"),
        text_color: text.clone(),
        pie_title_text_color: text.clone(),
        pie_section_text_color: text.clone(),
        pie_legend_text_color: text,
        ..Theme::neutral()
    }
}

/// The layout options rb-site renders with. The grid router is off: on the demo's incident
/// flowchart it crossed the two branches of a decision node and put a branch label beside the
/// other branch; without it neither happens, and over 220 flowcharts of the corpora the
/// crossings and misplaced labels do not increase (issue 15; measured by
/// `tests/it/mermaid_layout.rs`).
pub fn layout_config() -> LayoutConfig {
    let mut config = LayoutConfig {
        // Built-in metrics for every ASCII label, without asking the font database.
        fast_text_metrics: true,
        ..LayoutConfig::default()
    };
    config.flowchart.routing.enable_grid_router = false;
    config
}

/// Why a diagram could not be rendered: a diagnostic code and words for its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MermaidFailure {
    /// `mermaid-error` (the source is wrong, or the renderer failed on it),
    /// `mermaid-unsupported` (valid Mermaid the renderer does not draw) or `mermaid-timeout`.
    pub code: &'static str,
    pub message: String,
    /// Where in the diagram's source the parser found the problem, when it says: 1-based line,
    /// and 1-based column or 0 for the whole line.
    pub at: Option<(u32, u32)>,
}

impl MermaidFailure {
    pub(crate) fn error(message: impl Into<String>) -> MermaidFailure {
        MermaidFailure {
            code: "mermaid-error",
            message: message.into(),
            at: None,
        }
    }

    fn unsupported(message: impl Into<String>) -> MermaidFailure {
        MermaidFailure {
            code: "mermaid-unsupported",
            message: message.into(),
            at: None,
        }
    }

    fn timed_out(bound: Duration) -> MermaidFailure {
        MermaidFailure {
            code: "mermaid-timeout",
            message: format!(
                "laying the diagram out took longer than {} s ([mermaid] timeout)",
                bound.as_secs_f64()
            ),
            at: None,
        }
    }

    /// The library's parse error, in words without its position (the diagnostic points there).
    fn parse_error(err: &mermaid_rs_renderer::ParseError, source: &str) -> MermaidFailure {
        use mermaid_rs_renderer::ParseError as E;
        let (message, at) = match err {
            // The library says "expected invalid … syntax: <the line>" and gives the diagram's
            // first line: the message is that, at the line it quotes.
            E::UnexpectedToken { expected, .. } if expected.starts_with("invalid ") => {
                let quoted = expected.split_once(": ").map(|(_, line)| line.trim());
                let at = quoted.and_then(|quoted| {
                    let i = source.lines().position(|l| l.trim() == quoted)?;
                    Some((u32::try_from(i + 1).ok()?, 0))
                });
                (expected.clone(), at)
            }
            E::UnexpectedToken {
                line,
                col,
                found,
                expected,
            } => (
                format!("unexpected `{found}`; expected {expected}"),
                Some((*line, *col)),
            ),
            E::UnclosedSubgraph { opened_at } => (
                "this block is never closed with `end`".to_string(),
                Some((*opened_at, 0)),
            ),
            E::UnknownParticipant {
                name,
                line,
                candidates,
            } => (
                match candidates.first() {
                    Some(near) => format!("unknown participant `{name}` (did you mean `{near}`?)"),
                    None => format!("unknown participant `{name}`"),
                },
                Some((*line, 0)),
            ),
            E::InvalidDirective {
                line,
                col,
                directive,
                reason,
            } => (
                format!("invalid `{directive}` directive: {reason}"),
                Some((*line, *col)),
            ),
            other => (other.to_string(), None),
        };
        MermaidFailure {
            code: "mermaid-error",
            message,
            at,
        }
    }

    /// Where the problem is in the file, given the span of the fenced block (its first line is
    /// the fence, whose indentation the diagram's lines lose): the line (from the column on)
    /// when the parser says, else the whole block.
    pub(crate) fn span_in(
        &self,
        text: &str,
        block: &std::ops::Range<usize>,
    ) -> std::ops::Range<usize> {
        let Some((line, col)) = self.at else {
            return block.clone();
        };
        let Some(body) = text.get(block.clone()) else {
            return block.clone();
        };
        let indent = body.len() - body.trim_start_matches(' ').len();
        let mut start = block.start;
        for (i, text_line) in body.split_inclusive('\n').enumerate() {
            if i == line as usize {
                let content = text_line.trim_end_matches(['\n', '\r']);
                let skip = if col == 0 {
                    content.len() - content.trim_start().len()
                } else {
                    (indent + col as usize - 1).min(content.len())
                };
                let from = (0..=skip)
                    .rev()
                    .find(|&i| content.is_char_boundary(i))
                    .unwrap_or(0);
                return start + from..start + content.len().max(from);
            }
            start += text_line.len();
        }
        block.clone()
    }

    /// The notice on the page, above the diagram's source: the message, and the line of the
    /// diagram it is about.
    pub(crate) fn notice(&self) -> String {
        match self.at {
            Some((line, _)) => format!("{} (line {line} of the diagram)", self.message),
            None => self.message.clone(),
        }
    }
}

/// Where diagrams are laid out: in worker processes that are killed after `bound`, or (without
/// a worker program) in the calling thread, without a bound.
#[derive(Debug)]
struct Bounded {
    pool: WorkerPool,
    bound: Duration,
}

/// Renders diagrams, through the cache when there is one. Shared by the threads of a build.
#[derive(Debug)]
pub(crate) struct MermaidRenderer {
    theme: Theme,
    layout: LayoutConfig,
    cache_dir: Option<PathBuf>,
    /// blake3 state with the renderer version and options already fed in.
    key_prefix: blake3::Hasher,
    /// How many diagrams were laid out (not read from the cache): for tests and benchmarks.
    layouts: AtomicUsize,
    /// `None`: laid out in-process, unbounded.
    bounded: Option<Bounded>,
    /// Diagrams that failed under this renderer, by source: a diagram laid out ahead of its
    /// page ([`MermaidRenderer::lay_out_ahead`]), or on two pages, fails once.
    failures: Mutex<HashMap<String, MermaidFailure>>,
}

impl MermaidRenderer {
    /// A renderer caching into `cache_dir` (created on first write), or not caching at all.
    pub(crate) fn new(cache_dir: Option<PathBuf>) -> MermaidRenderer {
        let theme = theme();
        let layout = layout_config();
        let mut key_prefix = blake3::Hasher::new();
        key_prefix.update(b"mermaid-rs-renderer ");
        key_prefix.update(RENDERER_VERSION.as_bytes());
        key_prefix.update(b"\0");
        // Both are plain data; serializing them cannot fail, and if it ever did the key would
        // still change with the version.
        key_prefix.update(serde_json::to_string(&theme).unwrap_or_default().as_bytes());
        key_prefix.update(b"\0");
        key_prefix.update(
            serde_json::to_string(&layout)
                .unwrap_or_default()
                .as_bytes(),
        );
        key_prefix.update(b"\0");
        MermaidRenderer {
            theme,
            layout,
            cache_dir,
            key_prefix,
            layouts: AtomicUsize::new(0),
            bounded: None,
            failures: Mutex::default(),
        }
    }

    /// This renderer laying diagrams out in workers running `program` (the `rb-site` binary),
    /// each diagram abandoned after `bound`.
    pub(crate) fn with_worker(self, program: PathBuf, bound: Duration) -> MermaidRenderer {
        MermaidRenderer {
            bounded: Some(Bounded {
                pool: WorkerPool::new(program),
                bound,
            }),
            ..self
        }
    }

    /// How many diagrams this renderer laid out rather than read from the cache.
    // Read by tests and benches/mermaid.rs; a build summary could report it too.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn layouts(&self) -> usize {
        self.layouts.load(Ordering::Relaxed)
    }

    /// The cache file for a diagram's source.
    pub(crate) fn cache_path(&self, source: &str) -> Option<PathBuf> {
        let dir = self.cache_dir.as_ref()?;
        let mut hasher = self.key_prefix.clone();
        hasher.update(source.as_bytes());
        Some(dir.join(format!("{}.svg", hasher.finalize().to_hex())))
    }

    /// The library's SVG for a diagram: from the cache, else laid out now and cached. A diagram
    /// that ran out of time is remembered too (until the renderer or the bound changes), so a
    /// site with one never pays the bound twice.
    pub(crate) fn render_svg(&self, source: &str) -> Result<String, MermaidFailure> {
        let cache_path = self.cache_path(source);
        if let Some(svg) = cache_path
            .as_deref()
            .and_then(|path| std::fs::read_to_string(path).ok())
        {
            return Ok(svg);
        }
        let timeout_mark = self.timeout_mark(source);
        if let (Some(mark), Some(bounded)) = (&timeout_mark, &self.bounded)
            && mark.is_file()
        {
            return Err(MermaidFailure::timed_out(bounded.bound));
        }
        if let Some(failure) = self.failures().get(source) {
            return Err(failure.clone());
        }
        self.layouts.fetch_add(1, Ordering::Relaxed);
        let laid_out = match &self.bounded {
            None => self.lay_out(source),
            Some(bounded) => match bounded.pool.run(Job::Mermaid(source), bounded.bound) {
                Outcome::Done(Ok(svg)) => Ok(svg),
                Outcome::Done(Err(encoded)) => Err(decode_failure(&encoded)),
                Outcome::TimedOut { by_clock } => {
                    if let Some(mark) = timeout_mark.as_ref().filter(|_| !by_clock) {
                        // Only saves time: without the mark the next build waits again.
                        let _ = super::replace_cache_file(mark, b"");
                    }
                    Err(MermaidFailure::timed_out(bounded.bound))
                }
                Outcome::Crashed(why) => Err(MermaidFailure::error(format!(
                    "the renderer crashed: {why}"
                ))),
            },
        };
        let svg = laid_out.inspect_err(|failure| {
            self.failures().insert(source.to_string(), failure.clone());
        })?;
        if let Some(path) = cache_path {
            // The cache only saves time: a folder we cannot write costs a re-layout next build.
            let _ = super::replace_cache_file(&path, svg.as_bytes());
        }
        Ok(svg)
    }

    /// Lays out, on every thread and longest first, the diagrams among `sources` that the cache
    /// does not hold yet, and caches them, so that rendering the pages afterwards only reads
    /// the cache. Laid out page by page instead, a slice of pages waits for its last diagram
    /// with one core idle: at 10,000 runbooks (2,000 diagrams) a cold build lost 5 s of 63 so.
    /// Without a cache there is nowhere to keep them, and nothing is done.
    ///
    /// For a progress display, `total` is set to how many it lays out and `done` counts them.
    pub(crate) fn lay_out_ahead<'a>(
        &self,
        sources: impl Iterator<Item = &'a str>,
        total: &AtomicUsize,
        done: &AtomicUsize,
    ) {
        let mut missing: Vec<&str> = sources
            .filter(|&source| {
                self.cache_path(source).is_some_and(|path| !path.is_file())
                    && !self.timeout_mark(source).is_some_and(|mark| mark.is_file())
            })
            .collect();
        // The longest first: the last diagrams to start are the quickest, so both cores end
        // together. Length is a fair stand-in for the time a layout takes.
        missing.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        missing.dedup();
        total.store(missing.len(), Ordering::Relaxed);
        missing.par_iter().with_max_len(1).for_each(|source| {
            // A failure is kept in `failures` for the page to report.
            let _ = self.render_svg(source);
            done.fetch_add(1, Ordering::Relaxed);
        });
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, MermaidFailure>> {
        // The map is only ever inserted into: one a panicking thread left is still whole.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file marking that a diagram's source ran out of time under this renderer and bound.
    fn timeout_mark(&self, source: &str) -> Option<PathBuf> {
        let dir = self.cache_dir.as_ref()?;
        let bound = self.bounded.as_ref()?.bound;
        let mut hasher = self.key_prefix.clone();
        hasher.update(b"timeout\0");
        hasher.update(&bound.as_nanos().to_le_bytes());
        hasher.update(source.as_bytes());
        Some(dir.join(format!("{}.timeout", hasher.finalize().to_hex())))
    }

    /// Lays a diagram out in this thread: what a worker does with a [`Job::Mermaid`].
    pub(crate) fn lay_out(&self, source: &str) -> Result<String, MermaidFailure> {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let parsed = parse(source)?;
            let layout =
                mermaid_rs_renderer::compute_layout(&parsed.graph, &self.theme, &self.layout);
            Ok(mermaid_rs_renderer::render_svg(
                &layout,
                &self.theme,
                &self.layout,
            ))
        }));
        let svg = match outcome {
            Ok(result) => result?,
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown cause".to_string());
                return Err(MermaidFailure::error(format!(
                    "the renderer crashed: {detail}"
                )));
            }
        };
        if svg.contains("class=\"error-text\"") {
            return Err(MermaidFailure::error("syntax error in the diagram"));
        }
        Ok(svg)
    }

    /// A diagram ready for a page: `<figure class="mermaid" id="mermaid-N">` around the SVG with
    /// every id prefixed by `id_prefix` (unique to the page and the diagram).
    pub(crate) fn render_figure(
        &self,
        source: &str,
        figure_id: &str,
        id_prefix: &str,
    ) -> Result<String, MermaidFailure> {
        let svg = self.render_svg(source)?;
        let name = AccessibleName::of(source);
        let embedded = embed_svg(&svg, id_prefix, &name)?;
        Ok(format!(
            "<figure class=\"mermaid\" id=\"{figure_id}\">{embedded}</figure>\n"
        ))
    }
}

/// A worker's answer for a failed diagram: the code, the position (`line:col`, or `-`) and the
/// message, a line each.
pub(crate) fn encode_failure(failure: &MermaidFailure) -> String {
    let at = failure
        .at
        .map_or_else(|| "-".to_string(), |(line, col)| format!("{line}:{col}"));
    format!("{}\n{at}\n{}", failure.code, failure.message)
}

fn decode_failure(encoded: &str) -> MermaidFailure {
    let mut parts = encoded.splitn(3, '\n');
    let (Some(code), Some(at), Some(message)) = (parts.next(), parts.next(), parts.next()) else {
        return MermaidFailure::error(encoded);
    };
    let mut failure = match code {
        "mermaid-unsupported" => MermaidFailure::unsupported(message),
        _ => MermaidFailure::error(message),
    };
    failure.at = at
        .split_once(':')
        .and_then(|(line, col)| Some((line.parse().ok()?, col.parse().ok()?)));
    failure
}

/// The library's strict parse, with two corrections:
/// - its validator takes the activation marks of `A->>+B` / `B-->>-A` for part of the
///   participant's name ("unknown participant '+B'") although its parser draws them, so the
///   validator is given the source without the marks and the parser the source as written;
/// - a diagram type Mermaid has but the library does not draw is `mermaid-unsupported`, not
///   an error in the author's source.
fn parse(source: &str) -> Result<mermaid_rs_renderer::ParseOutput, MermaidFailure> {
    let kind = diagram_kind(source);
    if kind == "Sequence diagram" {
        let unmarked = without_activation_marks(source);
        mermaid_rs_renderer::validator::validate(&unmarked)
            .map_err(|err| MermaidFailure::parse_error(&err, source))?;
        return mermaid_rs_renderer::parse_mermaid(source)
            .map_err(|err| MermaidFailure::error(format!("{err:#}")));
    }
    mermaid_rs_renderer::parse_mermaid_strict(source).map_err(|err| {
        let message = err.to_string();
        if kind != "Diagram" && message.contains("unknown or missing Mermaid diagram header") {
            MermaidFailure::unsupported(format!(
                "{kind}s are valid Mermaid, but rb-site's diagram renderer (mermaid-rs-renderer \
                 {RENDERER_VERSION}) does not draw them"
            ))
        } else {
            MermaidFailure::parse_error(&err, source)
        }
    })
}

/// A sequence diagram's source with the `+`/`-` after each message arrow removed.
fn without_activation_marks(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let arrow_end = out.ends_with("->") || out.ends_with("->>") || out.ends_with("-)");
        if arrow_end && chars.peek() != Some(&'>') && matches!(chars.peek(), Some('+' | '-')) {
            chars.next();
        }
    }
    out
}

/// The diagram's kind in words, from its header line ("Diagram" when unknown).
fn diagram_kind(source: &str) -> &'static str {
    let mut in_front_matter = false;
    for line in source.lines().map(str::trim) {
        if line == "---" {
            in_front_matter = !in_front_matter;
        } else if !(in_front_matter || line.is_empty() || line.starts_with("%%")) {
            return diagram_kind_name(line);
        }
    }
    "Diagram"
}

/// Why a diagram does not parse, without laying it out: what `check` reports, with the code and
/// words a build's [`MermaidRenderer`] gives the same failure, so the two reports agree.
pub(crate) fn parse_failure(source: &str) -> Option<MermaidFailure> {
    let outcome = catch_unwind(AssertUnwindSafe(|| parse(source).err()));
    outcome.unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        Some(MermaidFailure::error(format!(
            "the renderer crashed: {detail}"
        )))
    })
}
/// A diagram's accessible name (`<title>`) and description (`<desc>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessibleName {
    pub title: String,
    pub description: Option<String>,
}

impl AccessibleName {
    /// Mermaid's own `accTitle:` / `accDescr:` when the author wrote them, else the diagram's
    /// `title`, else its kind ("Flowchart").
    pub(crate) fn of(source: &str) -> AccessibleName {
        let mut acc_title = None;
        let mut acc_descr = None;
        let mut title = None;
        let mut kind = None;
        let mut lines = source.lines().map(str::trim);
        while let Some(line) = lines.next() {
            if line.is_empty() || line.starts_with("%%") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("accTitle") {
                if let Some(value) = rest.trim_start().strip_prefix(':') {
                    acc_title = Some(value.trim().to_string());
                }
            } else if let Some(rest) = line.strip_prefix("accDescr") {
                let rest = rest.trim_start();
                if let Some(value) = rest.strip_prefix(':') {
                    acc_descr = Some(value.trim().to_string());
                } else if let Some(first) = rest.strip_prefix('{') {
                    let mut text = vec![first.trim().to_string()];
                    for next in lines.by_ref() {
                        if let Some(last) = next.strip_suffix('}') {
                            text.push(last.trim().to_string());
                            break;
                        }
                        text.push(next.to_string());
                    }
                    text.retain(|t| !t.is_empty());
                    acc_descr = Some(text.join(" "));
                }
            } else if let Some(value) = line
                .strip_prefix("title:")
                .or_else(|| line.strip_prefix("title "))
            {
                title.get_or_insert_with(|| value.trim().to_string());
            } else if kind.is_none() && line != "---" {
                kind = Some(diagram_kind_name(line));
                if let Some(value) = line
                    .strip_prefix("pie")
                    .and_then(|r| r.split_once("title "))
                {
                    title.get_or_insert_with(|| value.1.trim().to_string());
                }
            }
        }
        let kind = kind.unwrap_or("Diagram");
        let title = acc_title
            .filter(|t| !t.is_empty())
            .or_else(|| {
                title
                    .filter(|t| !t.is_empty())
                    .map(|t| format!("{kind}: {t}"))
            })
            .unwrap_or_else(|| kind.to_string());
        AccessibleName {
            title,
            description: acc_descr.filter(|d| !d.is_empty()),
        }
    }
}

fn diagram_kind_name(header: &str) -> &'static str {
    let keyword = header
        .split(|c: char| c.is_whitespace() || c == ';')
        .next()
        .unwrap_or_default();
    match keyword {
        "flowchart" | "flowchart-elk" | "graph" => "Flowchart",
        "sequenceDiagram" => "Sequence diagram",
        "classDiagram" | "classDiagram-v2" => "Class diagram",
        "stateDiagram" | "stateDiagram-v2" => "State diagram",
        "erDiagram" => "Entity relationship diagram",
        "pie" => "Pie chart",
        "gantt" => "Gantt chart",
        "journey" => "User journey",
        "timeline" => "Timeline",
        "mindmap" => "Mind map",
        "gitGraph" => "Git graph",
        "quadrantChart" => "Quadrant chart",
        "xychart-beta" | "xychart" => "XY chart",
        "sankey-beta" | "sankey" => "Sankey diagram",
        "requirementDiagram" => "Requirement diagram",
        "block-beta" | "block" => "Block diagram",
        "architecture-beta" | "architecture" => "Architecture diagram",
        "kanban" => "Kanban board",
        "packet-beta" | "packet" => "Packet diagram",
        "radar-beta" | "radar" => "Radar chart",
        "treemap-beta" | "treemap" => "Treemap",
        "info" => "Info diagram",
        k if k.starts_with("C4") => "C4 diagram",
        _ => "Diagram",
    }
}

/// Rewrites the library's SVG for inline use on a page: ids prefixed, references and styles
/// following them, links limited to safe schemes, and `role="img"` with a title.
pub(crate) fn embed_svg(
    svg: &str,
    id_prefix: &str,
    name: &AccessibleName,
) -> Result<String, MermaidFailure> {
    let doc = roxmltree::Document::parse(svg)
        .map_err(|err| MermaidFailure::error(format!("the renderer wrote invalid SVG: {err}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(MermaidFailure::error(
            "the renderer wrote something other than SVG",
        ));
    }
    let mut out = String::with_capacity(svg.len() + 256);
    let svg_id = format!("{id_prefix}svg");
    let title_id = format!("{id_prefix}title");
    out.push_str("<svg");
    write_attrs(&mut out, root, id_prefix);
    let _ = write!(
        out,
        " id=\"{svg_id}\" role=\"img\" aria-labelledby=\"{title_id}\" font-family=\"{FONT_STACK}\""
    );
    if name.description.is_some() {
        let _ = write!(out, " aria-describedby=\"{id_prefix}desc\"");
    }
    out.push('>');
    let _ = write!(out, "<title id=\"{title_id}\">");
    escape_text(&mut out, &name.title);
    out.push_str("</title>");
    if let Some(description) = &name.description {
        let _ = write!(out, "<desc id=\"{id_prefix}desc\">");
        escape_text(&mut out, description);
        out.push_str("</desc>");
    }
    write_children(&mut out, root, id_prefix, &svg_id);
    out.push_str("</svg>");
    Ok(out)
}

fn write_children(
    out: &mut String,
    parent: roxmltree::Node<'_, '_>,
    id_prefix: &str,
    svg_id: &str,
) {
    let mut user_filled_shape = false;
    for child in parent.children() {
        let pin = user_filled_shape && child.has_tag_name("text");
        write_node(out, child, id_prefix, svg_id, pin);
        if child.is_element() {
            user_filled_shape = has_user_fill(child);
        }
    }
}

/// A shape filled with the author's colour (`style A fill:#bbf`), not the palette's: its label
/// must keep the light-mode text colour, or dark mode would put light text on a light fill.
fn has_user_fill(node: roxmltree::Node<'_, '_>) -> bool {
    let shape = matches!(
        node.tag_name().name(),
        "rect" | "polygon" | "circle" | "ellipse" | "path"
    );
    let fill = node.attribute("fill").unwrap_or("none");
    shape
        && fill != "none"
        && fill != "transparent"
        && !PALETTE
            .iter()
            .any(|(_, colour, ..)| fill.eq_ignore_ascii_case(colour))
}

fn write_node(
    out: &mut String,
    node: roxmltree::Node<'_, '_>,
    id_prefix: &str,
    svg_id: &str,
    pin_text_colour: bool,
) {
    if node.is_text() {
        escape_text(out, node.text().unwrap_or_default());
        return;
    }
    if !node.is_element() {
        return; // comments and processing instructions
    }
    let tag = node.tag_name().name();
    if tag.eq_ignore_ascii_case("script") {
        return;
    }
    out.push('<');
    out.push_str(tag);
    write_attrs(out, node, id_prefix);
    if pin_text_colour
        && node.attribute("style").is_none()
        && let Some(fill) = node.attribute("fill")
    {
        out.push_str(" style=\"fill:");
        escape_attr(out, fill);
        out.push('"');
    }
    if !node.has_children() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if tag == "style" {
        let css = node
            .children()
            .filter_map(|child| child.text())
            .collect::<String>();
        let css = css.replace(METRICS_FONT, FONT_STACK);
        let css = prefix_url_refs(Cow::Owned(css), id_prefix);
        // `<` cannot appear in generated CSS; escaping keeps the element closed if it ever did.
        escape_text(out, &scope_style(&css, &format!("#{svg_id}"), id_prefix));
    } else {
        write_children(out, node, id_prefix, svg_id);
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

fn write_attrs(out: &mut String, node: roxmltree::Node<'_, '_>, id_prefix: &str) {
    // Escaping maps each character on its own, so a prefix and a value are escaped one after
    // the other instead of joined first: an attribute costs no allocation unless its value
    // names the metrics font or a `url(#…)`.
    for attr in node.attributes() {
        let local = attr.name();
        if local.len() > 2 && local[..2].eq_ignore_ascii_case("on") {
            continue; // event handlers
        }
        let value = attr.value();
        // Written in three parts: a lead, the id prefix and the value.
        let (lead, prefix, value) = if local == "id" {
            if node.parent().is_some_and(|p| p.is_root()) {
                continue; // the root gets its own id
            }
            ("", id_prefix, Cow::Borrowed(value))
        } else if local == "href" {
            if let Some(fragment) = value.strip_prefix('#') {
                ("#", id_prefix, Cow::Borrowed(fragment))
            } else if is_safe_href(value) {
                ("", "", Cow::Borrowed(value))
            } else {
                continue;
            }
        } else {
            let value = if value.contains(METRICS_FONT) {
                Cow::Owned(value.replace(METRICS_FONT, FONT_STACK))
            } else {
                Cow::Borrowed(value)
            };
            ("", "", prefix_url_refs(value, id_prefix))
        };
        out_attr_name(out, attr.namespace(), local);
        out.push_str(lead);
        escape_attr(out, prefix);
        escape_attr(out, &value);
        out.push('"');
    }
}

/// ` name="`, with the namespace prefix SVG writes for `xlink:` and `xml:` attributes.
fn out_attr_name(out: &mut String, namespace: Option<&str>, local: &str) {
    out.push(' ');
    match namespace {
        Some("http://www.w3.org/1999/xlink") => out.push_str("xlink:"),
        Some("http://www.w3.org/XML/1998/namespace") => out.push_str("xml:"),
        _ => {}
    }
    out.push_str(local);
    out.push_str("=\"");
}

/// Links in diagrams (`click A href "…"`) may go to web pages and relative pages, never run script.
fn is_safe_href(href: &str) -> bool {
    let compact: String = href
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match compact.split_once(':') {
        Some((scheme, _))
            if !scheme.contains('/') && !scheme.contains('?') && !scheme.contains('#') =>
        {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// `url(#x)` -> `url(#<prefix>x)`, in attribute values and style sheets.
fn prefix_url_refs<'a>(value: Cow<'a, str>, id_prefix: &str) -> Cow<'a, str> {
    if !value.contains("url(") {
        return value;
    }
    let mut out = String::with_capacity(value.len() + 16);
    let mut rest: &str = &value;
    while let Some(at) = rest.find("url(") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let quote_len = rest
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')
            .map_or(0, char::len_utf8);
        out.push_str(&rest[..quote_len]);
        rest = &rest[quote_len..];
        if let Some(fragment) = rest.strip_prefix('#') {
            out.push('#');
            out.push_str(id_prefix);
            rest = fragment;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Scopes a diagram's style sheet to the diagram: `svg` becomes the diagram's root id, every
/// other selector is put under it, and `#id` selectors follow the prefixed ids. `@media` and
/// `@supports` blocks are scoped inside; other at-rules are kept as written.
pub(crate) fn scope_style(css: &str, scope: &str, id_prefix: &str) -> String {
    let mut out = String::with_capacity(css.len() + 64);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let prelude = rest[..open].trim();
        let Some(close) = matching_brace(rest, open) else {
            break;
        };
        let body = &rest[open + 1..close];
        if prelude.starts_with("@media") || prelude.starts_with("@supports") {
            let _ = write!(out, "{prelude}{{{}}}", scope_style(body, scope, id_prefix));
        } else if prelude.starts_with('@') {
            let _ = write!(out, "{prelude}{{{body}}}");
        } else {
            let selectors = prelude
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|selector| scope_selector(selector, scope, id_prefix))
                .collect::<Vec<_>>()
                .join(",");
            let _ = write!(out, "{selectors}{{{body}}}");
        }
        rest = &rest[close + 1..];
    }
    out
}

fn scope_selector(selector: &str, scope: &str, id_prefix: &str) -> String {
    let selector = selector.replace('#', &format!("#{id_prefix}"));
    if selector == "svg" || selector == ":root" {
        scope.to_string()
    } else if let Some(rest) = selector.strip_prefix("svg") {
        if rest.starts_with([' ', '>', '.', ':', '[', '#']) {
            format!("{scope}{rest}")
        } else {
            format!("{scope} {selector}")
        }
    } else {
        format!("{scope} {selector}")
    }
}

fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, byte) in text.bytes().enumerate().skip(open) {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Text content of an SVG element (`&`, `<`, `>`).
fn escape_text(out: &mut String, text: &str) {
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(out, text);
}

/// A quoted SVG attribute value (`&`, `<`, `>`, `"`, `'`).
fn escape_attr(out: &mut String, text: &str) {
    let _ = pulldown_cmark_escape::escape_html(out, text);
}

#[cfg(test)]
/// Diagram colours for `code.css`: the palette as CSS variables (light, dark by preference
/// unless toggled light, dark when toggled, light in print), and attribute selectors that
/// replace the palette colours written in the SVGs with the variables.
pub(crate) fn diagram_css() -> String {
    let vars = |dark: bool| {
        PALETTE
            .iter()
            .map(|(var, _, light, dark_value)| {
                format!("  {var}: {};\n", if dark { dark_value } else { light })
            })
            .collect::<String>()
    };
    let mut css =
        String::from("/* Mermaid diagrams: palette colours follow the colour scheme. */\n\n");
    let _ = write!(css, ":root {{\n{}}}\n", vars(false));
    // Dark on screens only: a printed diagram is light whatever the screen's scheme.
    let _ = write!(
        css,
        "@media screen and (prefers-color-scheme: dark) {{\n:root:not([data-theme=light]) {{\n{}}}\n}}\n",
        vars(true)
    );
    let _ = write!(
        css,
        "@media screen {{\n:root[data-theme=dark] {{\n{}}}\n}}\n\n",
        vars(true)
    );
    css.push_str(
        "figure.mermaid {\n  margin: 1.5em 0;\n  overflow-x: auto;\n  text-align: center;\n}\n\
         figure.mermaid svg {\n  max-width: 100%;\n  height: auto;\n}\n",
    );
    for (var, svg_colour, _, _) in PALETTE {
        for property in ["fill", "stroke"] {
            let _ = writeln!(
                css,
                "figure.mermaid [{property}=\"{svg_colour}\" i] {{ {property}: var({var}); }}"
            );
        }
    }
    for colour in FIXED_TEXT_COLOURS {
        for property in ["fill", "stroke"] {
            let _ = writeln!(
                css,
                "figure.mermaid [{property}=\"{colour}\" i] {{ {property}: var(--mermaid-text); }}"
            );
        }
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOWCHART: &str = "flowchart TD\n  A[Alert fires] --> B{Real?}\n  B -->|Yes| C[Page]\n";

    #[test]
    fn renderer_version_matches_the_lock_file() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
            .expect("Cargo.lock");
        let entry = format!("name = \"mermaid-rs-renderer\"\nversion = \"{RENDERER_VERSION}\"");
        assert!(
            lock.contains(&entry),
            "update RENDERER_VERSION (it keys the diagram cache)"
        );
    }

    #[test]
    fn flowchart_renders_with_prefixed_ids_and_a_title() {
        let renderer = MermaidRenderer::new(None);
        let html = renderer
            .render_figure(FLOWCHART, "mermaid-1", "mabc-1-")
            .expect("renders");
        assert!(html.starts_with("<figure class=\"mermaid\" id=\"mermaid-1\"><svg "));
        assert!(html.contains(" id=\"mabc-1-svg\" role=\"img\" aria-labelledby=\"mabc-1-title\""));
        assert!(html.contains("<title id=\"mabc-1-title\">Flowchart</title>"));
        assert!(html.contains(">Alert fires<"));
        assert!(!html.contains(METRICS_FONT));
        assert!(!html.contains("xmlns"));
        let ids = ids_of(&html);
        assert_eq!(ids[0], "mermaid-1");
        assert!(ids.len() > 3);
        for id in &ids[1..] {
            assert!(id.starts_with("mabc-1-"), "{id}");
        }
        assert_eq!(renderer.layouts(), 1);
    }

    fn ids_of(html: &str) -> Vec<String> {
        html.split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn references_follow_prefixed_ids() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" id=\"root\">\
            <defs><marker id=\"arrow\"/></defs>\
            <path marker-end=\"url(#arrow)\" style=\"fill:url('#g')\"/>\
            <use href=\"#arrow\" xlink:href=\"#arrow\"/>\
            <a href=\"javascript:alert(1)\" xlink:href=\"https://example.com/\" onclick=\"x()\"><text>a &amp; b</text></a>\
            <style>svg{fill:red}#arrow,.node rect{stroke:blue}@media print{.x{fill:black}}</style>\
            <script>alert(1)</script></svg>";
        let name = AccessibleName {
            title: "T <1>".to_string(),
            description: Some("D".to_string()),
        };
        let html = embed_svg(svg, "p-2-", &name).expect("parses");
        assert_eq!(
            html,
            "<svg id=\"p-2-svg\" role=\"img\" aria-labelledby=\"p-2-title\" font-family=\"trebuchet ms,verdana,arial,sans-serif\" aria-describedby=\"p-2-desc\">\
             <title id=\"p-2-title\">T &lt;1&gt;</title><desc id=\"p-2-desc\">D</desc>\
             <defs><marker id=\"p-2-arrow\"/></defs>\
             <path marker-end=\"url(#p-2-arrow)\" style=\"fill:url(&#39;#p-2-g&#39;)\"/>\
             <use href=\"#p-2-arrow\" xlink:href=\"#p-2-arrow\"/>\
             <a xlink:href=\"https://example.com/\"><text>a &amp; b</text></a>\
             <style>#p-2-svg{fill:red}#p-2-svg #p-2-arrow,#p-2-svg .node rect{stroke:blue}@media print{#p-2-svg .x{fill:black}}</style>\
             </svg>"
        );
    }

    #[test]
    fn labels_on_author_coloured_shapes_keep_their_colour() {
        let source = "flowchart LR\n  A(one) --> B(two)\n  style B fill:#bbf\n";
        let html = MermaidRenderer::new(None)
            .render_figure(source, "mermaid-1", "p-1-")
            .expect("renders");
        let pinned: Vec<&str> = html
            .split("<text ")
            .skip(1)
            .filter(|t| t.contains("style=\"fill:"))
            .collect();
        assert_eq!(pinned.len(), 1, "{html}");
        assert!(pinned[0].contains(">two</tspan>"), "{}", pinned[0]);
        assert!(
            pinned[0].contains("fill=\"#1f2328\" style=\"fill:#1f2328\""),
            "{}",
            pinned[0]
        );
    }

    #[test]
    fn syntax_errors_are_failures() {
        let renderer = MermaidRenderer::new(None);
        let err = renderer
            .render_svg("flowchart TD\n  A --> B\n  subgraph S\n  C --> D\n")
            .expect_err("unclosed subgraph");
        assert_eq!(err.message, "this block is never closed with `end`");
        assert_eq!(err.at, Some((3, 0)));
        // As a worker process reports it.
        assert_eq!(decode_failure(&encode_failure(&err)), err);
        let err = renderer
            .render_svg("flowchart TD\n  --> B\n")
            .expect_err("leading arrow");
        assert_eq!(
            (err.message.as_str(), err.at),
            ("unexpected `-->`; expected node identifier", Some((2, 3)))
        );
        assert_eq!(decode_failure(&encode_failure(&err)), err);
        // The library's "expected invalid … syntax: <line>" names the line it quotes.
        let err = renderer
            .render_svg("graph TD\n  A --> B\n  B -->\n")
            .expect_err("dangling edge");
        assert_eq!(
            (err.message.as_str(), err.at),
            ("invalid flowchart edge syntax: B -->", Some((3, 0)))
        );
        assert!(renderer.render_svg("not a diagram at all").is_err());
    }

    #[test]
    fn accessible_names() {
        assert_eq!(AccessibleName::of(FLOWCHART).title, "Flowchart");
        let name = AccessibleName::of(
            "%% comment\nsequenceDiagram\n  accTitle: Failover handshake\n  accDescr {\n  Primary hands\n  over }\n  A->>B: hi\n",
        );
        assert_eq!(name.title, "Failover handshake");
        assert_eq!(name.description.as_deref(), Some("Primary hands over"));
        assert_eq!(
            AccessibleName::of("pie title Pets\n \"Dogs\" : 10\n").title,
            "Pie chart: Pets"
        );
        assert_eq!(
            AccessibleName::of("gantt\n  title Incident timeline\n").title,
            "Gantt chart: Incident timeline"
        );
    }

    #[test]
    fn cache_is_read_before_laying_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = MermaidRenderer::new(Some(dir.path().to_path_buf()));
        let svg = first.render_svg(FLOWCHART).expect("renders");
        assert_eq!(first.layouts(), 1);
        let path = first.cache_path(FLOWCHART).expect("cache path");
        assert_eq!(std::fs::read_to_string(&path).expect("cached"), svg);
        let entries: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(entries.len(), 1, "no temporary files are left behind");

        // A later build (a new renderer) reads the cache and lays nothing out.
        let second = MermaidRenderer::new(Some(dir.path().to_path_buf()));
        assert_eq!(second.render_svg(FLOWCHART).expect("cached"), svg);
        assert_eq!(second.layouts(), 0);
        // A changed diagram is laid out.
        second
            .render_svg("flowchart LR\n  X --> Y\n")
            .expect("renders");
        assert_eq!(second.layouts(), 1);
    }

    #[test]
    fn diagrams_laid_out_ahead_are_not_laid_out_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let renderer = MermaidRenderer::new(Some(dir.path().to_path_buf()));
        let other = "flowchart LR\n  X --> Y\n";
        let broken = "flowchart TD\n  A --> B\n  subgraph S\n";
        let (total, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
        renderer.lay_out_ahead(
            [FLOWCHART, other, broken, FLOWCHART].into_iter(),
            &total,
            &done,
        );
        // Each distinct diagram once, the broken one included.
        assert_eq!(renderer.layouts(), 3);
        assert_eq!((total.into_inner(), done.into_inner()), (3, 3));
        // The pages then find the two in the cache and the failure in memory.
        let ahead = renderer.render_svg(FLOWCHART).expect("cached");
        renderer.render_svg(other).expect("cached");
        let failure = renderer.render_svg(broken).expect_err("still broken");
        assert_eq!(failure.code, "mermaid-error");
        assert_eq!(renderer.layouts(), 3);
        // What was laid out ahead is what laying out in place gives.
        assert_eq!(
            ahead,
            MermaidRenderer::new(None)
                .render_svg(FLOWCHART)
                .expect("renders")
        );
        // Another build (a new renderer) finds everything but the failure cached already.
        let next = MermaidRenderer::new(Some(dir.path().to_path_buf()));
        let (total, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
        next.lay_out_ahead([FLOWCHART, other].into_iter(), &total, &done);
        assert_eq!(next.layouts(), 0);
        assert_eq!(total.into_inner(), 0);
    }

    #[test]
    fn rendering_is_deterministic() {
        let a = MermaidRenderer::new(None)
            .render_svg(FLOWCHART)
            .expect("renders");
        let b = MermaidRenderer::new(None)
            .render_svg(FLOWCHART)
            .expect("renders");
        assert_eq!(a, b);
    }

    /// Writes one diagram of each common kind to `$RB_SITE_FONT_PROBE_DIR`, for
    /// `scripts/check-mermaid-font-independence.sh`, which compares the output with and without
    /// the machine's fonts.
    #[test]
    #[ignore = "run by scripts/check-mermaid-font-independence.sh"]
    fn write_font_probe() {
        let Some(dir) = std::env::var_os("RB_SITE_FONT_PROBE_DIR") else {
            return;
        };
        let diagrams = [
            ("flowchart", FLOWCHART),
            (
                "sequence",
                "sequenceDiagram\n  Alice->>Bob: Hello Bob, how are you?\n  Note over Alice,Bob: A wide note\n",
            ),
            (
                "class",
                "classDiagram\n  Animal <|-- Duck\n  Animal : +int age\n  Duck : +swim()\n",
            ),
            (
                "state",
                "stateDiagram-v2\n  [*] --> Active\n  Active --> Draining: drain\n  Draining --> [*]\n",
            ),
            ("er", "erDiagram\n  CUSTOMER ||--o{ ORDER : places\n"),
            (
                "pie",
                "pie title Errors by zone\n  \"us-east-1a\" : 42\n  \"us-east-1b\" : 17\n",
            ),
            (
                "gantt",
                "gantt\n  title Incident\n  dateFormat YYYY-MM-DD\n  section Response\n  Triage :a1, 2024-01-01, 1d\n",
            ),
            (
                "mindmap",
                "mindmap\n  root((Outage))\n    Database\n    Network\n",
            ),
            (
                "unicode",
                "flowchart LR\n  A[Überwachung] --> B[障害対応]\n",
            ),
        ];
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("probe folder");
        let renderer = MermaidRenderer::new(None);
        for (name, source) in diagrams {
            let svg = renderer
                .render_svg(source)
                .unwrap_or_else(|e| format!("error: {}", e.message));
            std::fs::write(dir.join(format!("{name}.svg")), svg).expect("write probe");
        }
    }

    #[test]
    fn diagram_css_maps_every_palette_colour() {
        let css = diagram_css();
        for (var, colour, _, dark) in PALETTE {
            assert!(css.contains(&format!(
                "figure.mermaid [fill=\"{colour}\" i] {{ fill: var({var}); }}"
            )));
            assert!(css.contains(&format!("  {var}: {dark};\n")));
        }
    }
}

/// Every Mermaid block of the GitLab runbooks corpus either renders or fails with a reason; none
/// panics. Prints the count and each failure's file and line.
#[cfg(test)]
mod corpus {
    use super::*;
    use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

    fn mermaid_blocks(text: &str) -> Vec<(usize, String)> {
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_HEADING_ATTRIBUTES
            | Options::ENABLE_GFM
            | Options::ENABLE_DEFINITION_LIST;
        let mut blocks = Vec::new();
        let mut open: Option<(usize, String)> = None;
        for (event, span) in Parser::new_ext(text, options).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                    if info.split_whitespace().next() == Some("mermaid") =>
                {
                    let line = text[..span.start].matches('\n').count() + 1;
                    open = Some((line, String::new()));
                }
                Event::Text(code) => {
                    if let Some((_, source)) = open.as_mut() {
                        source.push_str(&code);
                    }
                }
                Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
                _ => {}
            }
        }
        blocks
    }

    #[test]
    fn every_gitlab_corpus_diagram_renders_or_is_reported() {
        // `../shared` beside the crate; worktrees one level deeper (`wt/<name>`) look further up.
        let candidates = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared"),
        ];
        let Some(shared) = candidates
            .iter()
            .map(std::path::Path::new)
            .find(|p| p.is_dir())
        else {
            assert!(std::env::var_os("CI").is_none(), "../shared is missing");
            eprintln!("SKIPPED: ../shared (the test corpus) not found");
            return;
        };
        let root = &shared.join("corpus/gitlab-com-runbooks");
        let renderer = MermaidRenderer::new(None);
        let mut rendered = 0;
        let mut failed = Vec::new();
        let mut files: Vec<_> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|ext| ext == "md"))
            .map(walkdir::DirEntry::into_path)
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("utf-8 runbook");
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            for (line, source) in mermaid_blocks(&text) {
                let started = std::time::Instant::now();
                let outcome = renderer.render_figure(&source, "mermaid-1", "m-1-");
                if std::env::var_os("RB_SITE_TIMINGS").is_some() {
                    eprintln!("{rel}:{line}: {:?}", started.elapsed());
                }
                match outcome {
                    Ok(html) => {
                        assert!(html.contains("role=\"img\""), "{rel}:{line}");
                        rendered += 1;
                    }
                    Err(failure) => failed.push(format!("{rel}:{line}: {}", failure.message)),
                }
            }
        }
        eprintln!(
            "gitlab-com-runbooks: {} Mermaid blocks, {rendered} rendered, {} failed",
            rendered + failed.len(),
            failed.len()
        );
        for failure in &failed {
            eprintln!("  {failure}");
        }
        assert!(rendered + failed.len() > 0, "the corpus has Mermaid blocks");
    }
}
