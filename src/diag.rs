//! Diagnostics: content problems found in runbooks and rule files, collected across all
//! files and reported together, and the formats they are reported in.
//!
//! Every diagnostic has a stable kebab-case `code` listed in [`RULES`], a path relative to the
//! root, and a 1-based `line:col` computed from a byte offset through one [`LineIndex`].
//! Levels come from `book.toml` (`[validate.levels]`) over each rule's default.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A configured level for a rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Off,
    Warning,
    Error,
}

/// How bad a reported diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule: its stable code, default level and one-line description (used by SARIF and docs).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub default: Level,
    pub description: &'static str,
}

/// Every rule rb-site knows. Codes are stable: CI configurations and `[validate.levels]` name them.
pub const RULES: &[Rule] = &[
    rule(
        "missing-section",
        Level::Error,
        "A required section is absent.",
    ),
    rule(
        "empty-section",
        Level::Error,
        "A required section has a heading but no content.",
    ),
    rule(
        "steps-not-ordered",
        Level::Warning,
        "The steps section has neither an ordered list nor numbered sub-headings.",
    ),
    rule(
        "section-order",
        Level::Warning,
        "Required sections appear out of the configured order.",
    ),
    rule(
        "front-matter-syntax",
        Level::Error,
        "Front matter that does not parse.",
    ),
    rule(
        "missing-field",
        Level::Error,
        "A required front-matter field is absent.",
    ),
    rule(
        "invalid-field",
        Level::Error,
        "A front-matter field has the wrong type or value.",
    ),
    rule(
        "unknown-field",
        Level::Warning,
        "A front-matter field rb-site does not know.",
    ),
    rule(
        "broken-link",
        Level::Error,
        "A relative link to a page or file that does not exist.",
    ),
    rule(
        "broken-anchor",
        Level::Error,
        "A #fragment that matches no heading on the target page.",
    ),
    rule(
        "stale-review",
        Level::Warning,
        "last_reviewed is older than the review interval.",
    ),
    rule(
        "missing-review-date",
        Level::Warning,
        "The runbook has no last_reviewed date.",
    ),
    rule(
        "unknown-html-tag",
        Level::Warning,
        "Text like <cluster-id> outside code, which a browser would swallow.",
    ),
    rule(
        "duplicate-url",
        Level::Error,
        "Two sources map to the same URL.",
    ),
    rule(
        "foreign-syntax",
        Level::Warning,
        "Template syntax of another site generator (Hugo shortcodes, Jekyll/Liquid tags), shown as written.",
    ),
    rule(
        "reserved-path",
        Level::Error,
        "A content page or file on a path rb-site generates (alerts/, tags/, static/, search/…); it is not written.",
    ),
    rule(
        "section-page-replaced",
        Level::Warning,
        "A folder without _index.md whose generated section page is on a path rb-site uses for another page.",
    ),
    rule(
        "path-too-long",
        Level::Error,
        "An output file or folder name longer than 255 bytes (a slug, an alert name, a tag).",
    ),
    rule(
        "invalid-utf8",
        Level::Error,
        "A content file that is not UTF-8.",
    ),
    rule(
        "empty-file",
        Level::Error,
        "A content file with nothing in it.",
    ),
    rule(
        "unreadable-file",
        Level::Error,
        "A content file or folder that cannot be read (permissions).",
    ),
    rule(
        "unsafe-link-scheme",
        Level::Error,
        "A link, image or HTML attribute with a javascript:, vbscript: or data: URL.",
    ),
    rule(
        "symlink-outside",
        Level::Warning,
        "A symbolic link in the content folder that leads outside the site (not published).",
    ),
    rule(
        "symlink-loop",
        Level::Warning,
        "A symbolic link to a folder that contains it (skipped).",
    ),
    rule(
        "template-error",
        Level::Error,
        "A theme template that fails to render a page.",
    ),
    rule(
        "mermaid-error",
        Level::Warning,
        "A Mermaid diagram that fails to parse or render.",
    ),
    rule(
        "mermaid-unsupported",
        Level::Warning,
        "A Mermaid diagram of a kind the built-in renderer does not draw.",
    ),
    rule(
        "mermaid-timeout",
        Level::Warning,
        "A Mermaid diagram whose layout took longer than [mermaid] timeout.",
    ),
    rule(
        "highlight-budget",
        Level::Warning,
        "A code block whose highlighting took too long, shown without highlighting.",
    ),
    rule(
        "rule-file-error",
        Level::Error,
        "A Prometheus rule file that does not parse.",
    ),
    rule(
        "rule-glob-unmatched",
        Level::Warning,
        "An `[alerts] rules` glob that matches no file.",
    ),
    rule(
        "require-runbook-for-unmatched",
        Level::Warning,
        "`[alerts] require-runbook-for` names no severity the alerting rules have.",
    ),
    rule(
        "alert-without-runbook",
        Level::Error,
        "An alert that requires a runbook has none.",
    ),
    rule(
        "unknown-alert",
        Level::Warning,
        "A runbook claims an alert that no rule file defines.",
    ),
    rule(
        "duplicate-alert-claim",
        Level::Error,
        "Two runbooks claim the same alert.",
    ),
    rule(
        "runbook-url-missing",
        Level::Warning,
        "An alert with a runbook has no runbook link annotation.",
    ),
    rule(
        "runbook-url-mismatch",
        Level::Error,
        "An alert's runbook link does not resolve to this site's page for it.",
    ),
    rule(
        "runbook-url-template",
        Level::Error,
        "An alert's runbook link is a template Prometheus expands to a broken link.",
    ),
    rule(
        "alerts-fix-skipped",
        Level::Warning,
        "`rb-site alerts --fix` left a runbook link to write by hand.",
    ),
    rule(
        "runbook-url-unchecked",
        Level::Warning,
        "An alert's runbook link is a template known only when the alert fires.",
    ),
    rule(
        "runbook-url-relative",
        Level::Warning,
        "An alert's runbook link has no address (`/alerts/X/`) although the site has a base-url.",
    ),
];

const fn rule(code: &'static str, default: Level, description: &'static str) -> Rule {
    Rule {
        code,
        default,
        description,
    }
}

pub fn is_known_code(code: &str) -> bool {
    RULES.iter().any(|r| r.code == code)
}

/// The default level of a rule; unknown codes are errors, so a typo never hides a problem.
pub fn default_level(code: &str) -> Level {
    RULES
        .iter()
        .find(|r| r.code == code)
        .map_or(Level::Error, |r| r.default)
}

/// The known rule code closest to `code`, for a did-you-mean.
pub fn suggest_code(code: &str) -> Option<&'static str> {
    did_you_mean(code, RULES.iter().map(|r| r.code))
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Maps byte offsets in a text to 1-based line and column numbers (columns count characters).
///
/// Every document keeps one for its diagnostics: offsets are stored in 32 bits when the text
/// allows (at 10,000 runbooks the indexes are half a million lines), exactly sized.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: LineStarts,
}

/// The byte offsets where lines start, the first always 0.
#[derive(Debug, Clone)]
enum LineStarts {
    Narrow(Box<[u32]>),
    /// Texts of 4 GiB or more.
    Wide(Box<[usize]>),
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts =
            std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let line_starts = match u32::try_from(text.len()) {
            Ok(_) => LineStarts::Narrow(
                // Every offset is at most the text's length, which fits.
                starts.map(|i| i as u32).collect(),
            ),
            Err(_) => LineStarts::Wide(starts.collect()),
        };
        Self { line_starts }
    }

    /// Where the 0-based line `line` starts, if there is such a line.
    fn start(&self, line: usize) -> Option<usize> {
        match &self.line_starts {
            LineStarts::Narrow(starts) => starts.get(line).map(|&s| s as usize),
            LineStarts::Wide(starts) => starts.get(line).copied(),
        }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        let after = match &self.line_starts {
            LineStarts::Narrow(starts) => starts.partition_point(|&start| start as usize <= offset),
            LineStarts::Wide(starts) => starts.partition_point(|&start| start <= offset),
        };
        // The first line starts at 0, so at least one start is at or before any offset.
        after.max(1) - 1
    }

    /// 1-based line and column of a byte offset; offsets past the end clamp to the last line.
    pub fn line_col_in(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.start(line).unwrap_or(0);
        let col = text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line + 1, col + 1)
    }

    /// 1-based line and byte column; use [`LineIndex::line_col_in`] where the text is at hand.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        (line + 1, offset - self.start(line).unwrap_or(0) + 1)
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.start(line.checked_sub(1)?)
    }

    /// The byte range of a 1-based line, without its newline.
    pub fn line_range(&self, text: &str, line: usize) -> Option<Range<usize>> {
        let start = self.line_start(line)?;
        let end = self.start(line).map_or(text.len(), |next| next - 1);
        Some(start..end.max(start))
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Path relative to the root, with `/` separators.
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based; 0 when the problem concerns the whole line or file.
    pub column: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// A hint on how to fix it, shown as `help:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The source line the diagnostic points at, and the column range to underline.
    #[serde(skip)]
    pub snippet: Option<Box<Snippet>>,
}

/// The source line shown under a human-readable diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Snippet {
    /// The line, or a window of it when the line is very long.
    pub line_text: String,
    /// Byte range within `line_text` to underline, as (start, end).
    pub underline: (usize, usize),
    /// Whether `line_text` is only a window of a longer line.
    pub windowed: bool,
}

/// A source text with its path and line index: where diagnostics are made.
#[derive(Debug)]
pub struct SourceRef<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub index: &'a LineIndex,
}

impl SourceRef<'_> {
    /// A diagnostic at a byte span in this file. The level is resolved later by [`Report::extend`].
    pub fn diag(
        &self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = floor_char_boundary(self.text, span.start.min(self.text.len()));
        let (line, column) = self.index.line_col_in(self.text, start);
        let line_range = self
            .index
            .line_range(self.text, line)
            .unwrap_or(start..start);
        // A very long line (minified HTML, a generated table) is cut to a window around the
        // span, so that a thousand diagnostics on a 5 MB line do not copy it a thousand times.
        let window = snippet_window(self.text, line_range.clone(), start, span.end);
        let line_text = self.text[window.clone()].to_string();
        let from = start - window.start;
        let to = floor_char_boundary(
            &line_text,
            span.end
                .saturating_sub(window.start)
                .clamp(from, line_text.len()),
        );
        Diagnostic {
            file: self.path.to_string(),
            line,
            column,
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            snippet: Some(Box::new(Snippet {
                line_text,
                underline: (from, to.max(from)),
                windowed: window != line_range,
            })),
        }
    }
}

/// Lines longer than this many bytes are shown as a window around the span.
const SNIPPET_MAX: usize = 240;

/// The part of a line to show in a snippet: the whole line, or about [`SNIPPET_MAX`] bytes
/// around `start..end` on a longer one.
fn snippet_window(text: &str, line: Range<usize>, start: usize, end: usize) -> Range<usize> {
    if line.len() <= SNIPPET_MAX {
        return line;
    }
    let context = SNIPPET_MAX / 3;
    let from = floor_char_boundary(text, start.saturating_sub(context).max(line.start));
    let end = end.clamp(start, start + SNIPPET_MAX - context);
    let mut to = (end + context).min(line.end);
    while to < line.end && !text.is_char_boundary(to) {
        to += 1;
    }
    from..to
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The byte span a diagnostic made at `line:column` (columns count characters) of `text` is
/// about: the value starting there, to its closing quote when it is quoted, else to the end of
/// the line before a ` #` comment (a YAML or TOML value), or to the next `,`, `}` or `]` inside
/// a YAML flow collection; with no column, the line's text without its indentation. None when
/// the file has no such line.
fn value_span(text: &str, index: &LineIndex, line: usize, column: usize) -> Option<Range<usize>> {
    let range = index.line_range(text, line)?;
    let line_text = &text[range.clone()];
    let trimmed_end = |from: usize| {
        let rest = &line_text[from..];
        let comment = rest.find(" #").unwrap_or(rest.len());
        from + rest[..comment].trim_end().len()
    };
    let start = match column.checked_sub(1) {
        None => line_text.len() - line_text.trim_start().len(),
        Some(chars) => line_text
            .char_indices()
            .nth(chars)
            .map_or(line_text.len(), |(at, _)| at),
    };
    // Inside a flow collection (`{alert: X, expr: …}`) a plain value ends at `,`, `}` or `]`.
    let in_flow = column > 0 && line_text[..start].contains(['{', '[']);
    let end = match line_text[start..].chars().next() {
        Some(quote @ ('"' | '\'')) if column > 0 => line_text[start + 1..]
            .find(quote)
            .map_or_else(|| trimmed_end(start), |at| start + 1 + at + 1),
        _ if in_flow => line_text[start..]
            .find([',', '}', ']'])
            .map_or_else(|| trimmed_end(start), |at| start + at),
        _ => trimmed_end(start),
    };
    Some(range.start + start..range.start + end.max(start))
}

impl Diagnostic {
    /// A diagnostic about a whole file, with no position inside it.
    pub fn file(path: &str, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: path.to_string(),
            line: 0,
            column: 0,
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// A diagnostic at a known 1-based line and column, without a snippet.
    pub fn at(
        path: &str,
        line: usize,
        column: usize,
        code: &'static str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            line,
            column,
            ..Diagnostic::file(path, code, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col`, leaving out what is unknown.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.file.clone(),
            (line, 0) => format!("{}:{line}", self.file),
            (line, col) => format!("{}:{line}:{col}", self.file),
        }
    }
}

/// All diagnostics of a run, levels applied, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Report {
    diagnostics: Vec<Diagnostic>,
    /// Problems the baseline already knows: kept out of `diagnostics`, counted in the summary.
    known: Vec<Diagnostic>,
}

impl Report {
    /// Adds diagnostics, applying each rule's configured level; `off` drops them.
    pub fn extend(
        &mut self,
        level_of: impl Fn(&str) -> Level,
        diagnostics: impl IntoIterator<Item = Diagnostic>,
    ) {
        for mut diagnostic in diagnostics {
            match level_of(diagnostic.code) {
                Level::Off => continue,
                Level::Warning => diagnostic.severity = Severity::Warning,
                Level::Error => diagnostic.severity = Severity::Error,
            }
            self.diagnostics.push(diagnostic);
        }
    }

    /// Like [`Report::extend`], with a level that may depend on the file (`[[paths]] levels`):
    /// `level_at(path, code)`.
    pub fn extend_at(
        &mut self,
        level_at: impl Fn(&str, &str) -> Level,
        diagnostics: impl IntoIterator<Item = Diagnostic>,
    ) {
        for diagnostic in diagnostics {
            let level = level_at(&diagnostic.file, diagnostic.code);
            self.extend(|_| level, [diagnostic]);
        }
    }

    /// Sorted by file, then position, then code: the same order whatever the thread count.
    pub fn sorted(mut self) -> Report {
        self.diagnostics.sort();
        self.diagnostics.dedup();
        self.known.sort();
        self
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// [`Report::add_snippets`] from the files under `root`, the site's folder, which the
    /// diagnostics' paths are relative to.
    pub fn add_source_lines(&mut self, root: &std::path::Path) {
        self.add_snippets(|file| std::fs::read_to_string(root.join(file)).ok());
    }

    /// Gives the diagnostics that point at a line but show none the source line, underlined,
    /// from `read(file)`: those made where the text was not at hand (rule files, `book.toml`),
    /// so that they read like the others. Each file is read once; one that cannot be read, or
    /// has no such line, leaves its diagnostics as they are.
    pub fn add_snippets(&mut self, mut read: impl FnMut(&str) -> Option<String>) {
        let mut wanting: BTreeMap<String, Vec<&mut Diagnostic>> = BTreeMap::new();
        for d in self.diagnostics.iter_mut().chain(self.known.iter_mut()) {
            if d.snippet.is_none() && d.line > 0 {
                wanting.entry(d.file.clone()).or_default().push(d);
            }
        }
        for (file, diagnostics) in wanting {
            let Some(text) = read(&file) else {
                continue;
            };
            let index = LineIndex::new(&text);
            let source = SourceRef {
                path: &file,
                text: &text,
                index: &index,
            };
            for d in diagnostics {
                if let Some(span) = value_span(&text, &index, d.line, d.column) {
                    d.snippet = source.diag(d.code, span, "").snippet;
                }
            }
        }
    }

    /// The problems a baseline forgave ([`crate::baseline`]).
    pub fn known(&self) -> &[Diagnostic] {
        &self.known
    }

    /// Sorted, with every diagnostic (the known ones too) split afresh by `split` into (new,
    /// known): how a baseline sets apart the problems it knows.
    pub fn split_known(
        mut self,
        split: impl FnOnce(Vec<Diagnostic>) -> (Vec<Diagnostic>, Vec<Diagnostic>),
    ) -> Report {
        let mut all = std::mem::take(&mut self.diagnostics);
        all.append(&mut self.known);
        all.sort();
        all.dedup();
        let (new, known) = split(all);
        self.diagnostics = new;
        self.known = known;
        self
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// rustc-style messages with source snippets, for people.
    #[default]
    Human,
    /// One JSON document with all diagnostics and a summary.
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), shown as annotations on the diff.
    Github,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
    /// Code Climate issues, the JSON GitLab reads as a Code Quality report.
    Codeclimate,
}

/// Renders a report in a format. `files` is the number of files checked, for the summary.
pub fn render(report: &Report, format: Format, files: usize, color: bool) -> String {
    match format {
        Format::Human => render_human(report, color),
        Format::Json => render_json(report, files),
        Format::Github => render_github(report),
        Format::Sarif => render_sarif(report),
        Format::Codeclimate => render_codeclimate(report),
    }
}

fn render_human(report: &Report, color: bool) -> String {
    use annotate_snippets::Renderer;

    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    // Each diagnostic on its own, in parallel (10,000 snippets take a quarter of a second),
    // then joined in the report's order, a slice at a time: the text is never held twice.
    let mut out = String::new();
    for slice in report.diagnostics().chunks(256) {
        let rendered: Vec<String> = slice.par_iter().map(|d| render_one(&renderer, d)).collect();
        out.extend(rendered);
    }
    out
}

/// One diagnostic as rustc prints it, with a blank line after.
fn render_one(renderer: &annotate_snippets::Renderer, d: &Diagnostic) -> String {
    use annotate_snippets::{AnnotationKind, Level as SnippetLevel};

    let level = match d.severity {
        Severity::Error => SnippetLevel::ERROR,
        Severity::Warning => SnippetLevel::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code);
    // The renderer appends `:line:col` to the path itself, from the snippet or the origin.
    let mut group = match &d.snippet {
        Some(snippet) => {
            let source = annotate_snippets::Snippet::source(snippet.line_text.as_str())
                .line_start(d.line)
                .annotation(AnnotationKind::Primary.span(snippet.underline.0..snippet.underline.1));
            if snippet.windowed {
                // A window of a very long line would show the wrong column: name the place
                // and leave the line out.
                let origin = annotate_snippets::Origin::path(d.file.as_str())
                    .line(d.line)
                    .char_column(d.column);
                title.element(origin)
            } else {
                title.element(source.path(d.file.as_str()))
            }
        }
        None => {
            let mut origin = annotate_snippets::Origin::path(d.file.as_str());
            if d.line > 0 {
                origin = origin.line(d.line);
                if d.column > 0 {
                    origin = origin.char_column(d.column);
                }
            }
            title.element(origin)
        }
    };
    if let Some(help) = &d.help {
        group = group.element(SnippetLevel::HELP.message(help.as_str()));
    }
    let mut text = renderer.render(&[group]);
    text.push_str("\n\n");
    text
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

/// A diagnostic as `--format json` writes it. Lines and columns are 1-based: a diagnostic about
/// a whole file (an unreadable or empty one) is placed at 1:1.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    severity: Severity,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

fn render_json(report: &Report, files: usize) -> String {
    let json = JsonReport {
        diagnostics: report
            .diagnostics()
            .iter()
            .map(|d| JsonDiagnostic {
                file: &d.file,
                line: d.line.max(1),
                column: d.column.max(1),
                severity: d.severity,
                code: d.code,
                message: &d.message,
                help: d.help.as_deref(),
            })
            .collect(),
        summary: Summary {
            files,
            errors: report.errors(),
            warnings: report.warnings(),
        },
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}

/// Escapes a workflow-command property or message as GitHub's toolkit does.
fn github_escape(text: &str, property: bool) -> String {
    let mut escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        escaped = escaped.replace(':', "%3A").replace(',', "%2C");
    }
    escaped
}

fn render_github(report: &Report) -> String {
    let mut out = String::new();
    for d in report.diagnostics() {
        let mut props = format!("file={}", github_escape(&d.file, true));
        if d.line > 0 {
            let _ = write!(props, ",line={}", d.line);
        }
        if d.column > 0 {
            let _ = write!(props, ",col={}", d.column);
        }
        let _ = write!(props, ",title={}", github_escape(d.code, true));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        let _ = writeln!(
            out,
            "::{} {props}::{}",
            d.severity.as_str(),
            github_escape(&message, false)
        );
    }
    out
}

fn render_sarif(report: &Report) -> String {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.code,
                "name": r.code,
                "shortDescription": { "text": r.description },
                "defaultConfiguration": { "level": match r.default {
                    Level::Error => "error",
                    Level::Warning => "warning",
                    Level::Off => "none",
                }},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .diagnostics()
        .iter()
        .map(|d| {
            let mut region = serde_json::Map::new();
            if d.line > 0 {
                region.insert("startLine".into(), d.line.into());
            }
            if d.column > 0 {
                region.insert("startColumn".into(), d.column.into());
            }
            let mut location = serde_json::json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": d.file, "uriBaseId": "%SRCROOT%" },
                }
            });
            if !region.is_empty() {
                location["physicalLocation"]["region"] = serde_json::Value::Object(region);
            }
            let text = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            serde_json::json!({
                "ruleId": d.code,
                "ruleIndex": RULES.iter().position(|r| r.code == d.code),
                "level": d.severity.as_str(),
                "message": { "text": text },
                "locations": [location],
            })
        })
        .collect();
    let sarif = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rb-site",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/rb-site/rb-site",
                "rules": rules,
            }},
            "results": results,
            // Columns count characters, as everywhere in rb-site, not UTF-16 code units.
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

/// GitLab's Code Quality report: a JSON array of Code Climate issues. The fingerprint names the
/// problem, not its line, so an issue keeps its identity when lines above it move; identical
/// problems in one file are told apart by their order.
fn render_codeclimate(report: &Report) -> String {
    let mut seen: std::collections::HashMap<(&str, &str, &str), usize> =
        std::collections::HashMap::new();
    let issues: Vec<serde_json::Value> = report
        .diagnostics()
        .iter()
        .map(|d| {
            let occurrence = seen
                .entry((d.file.as_str(), d.code, d.message.as_str()))
                .or_default();
            *occurrence += 1;
            let mut hasher = blake3::Hasher::new();
            for part in [d.code, d.file.as_str(), d.message.as_str()] {
                hasher.update(part.as_bytes());
                hasher.update(&[0]);
            }
            hasher.update(&occurrence.to_le_bytes());
            let fingerprint = hasher.finalize().to_hex()[..32].to_string();
            let description = match &d.help {
                Some(help) => format!("{} (help: {help})", d.message),
                None => d.message.clone(),
            };
            serde_json::json!({
                "type": "issue",
                "check_name": d.code,
                "description": description,
                "categories": ["Bug Risk"],
                "severity": match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                "fingerprint": fingerprint,
                "location": {
                    "path": d.file,
                    "lines": { "begin": d.line.max(1) },
                },
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_made_at_a_line_and_column_is_shown_with_its_value_underlined() {
        let text = "groups:\n  - rules:\n      - alert: Disk   # comment\n        annotations: {summary: \"Ö x\", runbook_url: /a/b/, x: 1}\n      - alert: 'Quoted name'\n";
        let at = |line, column| {
            let mut report = Report::default();
            report.extend(
                |_| Level::Error,
                [Diagnostic::at("r.yaml", line, column, "c", "m")],
            );
            report.add_snippets(|file| (file == "r.yaml").then(|| text.to_string()));
            report.diagnostics()[0].snippet.clone().map(|s| {
                let (from, to) = s.underline;
                (s.line_text[from..to].to_string(), from)
            })
        };
        // A plain value ends before a comment; a quoted one at its closing quote (columns
        // count characters: `Ö` is two bytes); a value in a flow map at the next comma.
        assert_eq!(at(3, 16), Some(("Disk".into(), 15)));
        assert_eq!(at(4, 32), Some(("\"Ö x\"".into(), 31)));
        assert_eq!(at(4, 52), Some(("/a/b/".into(), 52)));
        assert_eq!(at(5, 16), Some(("'Quoted name'".into(), 15)));
        // No column: the line without its indentation.
        assert_eq!(at(2, 0), Some(("- rules:".into(), 2)));
        // No such line, or a file that cannot be read: no snippet, no panic.
        assert_eq!(at(9, 1), None);
        let mut report = Report::default();
        report.extend(
            |_| Level::Error,
            [Diagnostic::at("gone.yaml", 1, 1, "c", "m")],
        );
        report.add_snippets(|_| None);
        assert!(report.diagnostics()[0].snippet.is_none());
    }

    #[test]
    fn line_index_counts_lines_and_characters() {
        let text = "ab\ncé d\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col_in(text, 0), (1, 1));
        assert_eq!(index.line_col_in(text, 3), (2, 1));
        // 'd' follows a two-byte character: column counts characters.
        assert_eq!(index.line_col_in(text, text.find('d').expect("d")), (2, 4));
        assert_eq!(
            index.line_col_in(text, text.find("last").expect("last")),
            (4, 1)
        );
        assert_eq!(index.line_col_in(text, 999), (4, 5));
        assert_eq!(index.line_range(text, 2), Some(3..8));
    }

    #[test]
    fn line_index_agrees_with_counting_newlines() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "\n\nx\ny\n",
            "one\r\ntwo\r\n",
            "é\nü\n\n",
        ] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let before = &text.as_bytes()[..offset.min(text.len())];
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let start = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                assert_eq!(index.line_col(offset).0, line, "{text:?} at {offset}");
                assert_eq!(index.line_start(line), Some(start), "{text:?} line {line}");
            }
            let lines = text.split('\n').count();
            assert_eq!(index.line_start(lines + 1), None, "{text:?}");
            let last = text.rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(index.line_range(text, lines), Some(last..text.len()));
        }
    }

    #[test]
    fn human_report_keeps_the_order_of_more_than_one_slice() {
        let mut report = Report::default();
        report.extend(
            default_level,
            (1..=600).map(|i| Diagnostic::file(&format!("p{i:03}.md"), "stale-review", "old")),
        );
        let text = render(&report, Format::Human, 600, false);
        let files: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("--> "))
            .collect();
        let expected: Vec<String> = (1..=600).map(|i| format!("p{i:03}.md")).collect();
        assert_eq!(files, expected);
    }

    #[test]
    fn levels_apply_and_off_drops() {
        let mut report = Report::default();
        let level_of = |code: &str| {
            if code == "stale-review" {
                Level::Off
            } else {
                default_level(code)
            }
        };
        report.extend(
            level_of,
            [
                Diagnostic::file("a.md", "stale-review", "old"),
                Diagnostic::file("a.md", "unknown-field", "x"),
                Diagnostic::file("a.md", "missing-section", "y"),
            ],
        );
        assert_eq!(report.errors(), 1);
        assert_eq!(report.warnings(), 1);
    }

    #[test]
    fn github_format_escapes_properties() {
        let mut report = Report::default();
        report.extend(
            default_level,
            [Diagnostic::at(
                "a,b.md",
                3,
                1,
                "missing-section",
                "50% done\nx",
            )],
        );
        assert_eq!(
            render(&report, Format::Github, 1, false),
            "::error file=a%2Cb.md,line=3,col=1,title=missing-section::50%25 done%0Ax\n"
        );
    }

    #[test]
    fn codeclimate_format_is_gitlab_code_quality() {
        let mut report = Report::default();
        report.extend(
            default_level,
            [
                Diagnostic::at("db/a.md", 3, 1, "missing-section", "no rollback"),
                Diagnostic::at("db/a.md", 9, 1, "missing-section", "no rollback"),
                Diagnostic::file("db/b.md", "stale-review", "old"),
            ],
        );
        let issues: serde_json::Value =
            serde_json::from_str(&render(&report, Format::Codeclimate, 2, false)).expect("json");
        let issues = issues.as_array().expect("an array of issues");
        assert_eq!(issues.len(), 3);
        assert_eq!(issues[0]["check_name"], "missing-section");
        assert_eq!(issues[0]["description"], "no rollback");
        assert_eq!(issues[0]["severity"], "major");
        assert_eq!(issues[0]["location"]["path"], "db/a.md");
        assert_eq!(issues[0]["location"]["lines"]["begin"], 3);
        assert_eq!(issues[2]["severity"], "minor");
        assert_eq!(issues[2]["location"]["lines"]["begin"], 1);
        let fingerprints: std::collections::BTreeSet<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
            .collect();
        assert_eq!(fingerprints.len(), 3, "identical problems stay distinct");
    }

    #[test]
    fn did_you_mean_finds_one_edit() {
        assert_eq!(did_you_mean("ownr", ["owner", "title"]), Some("owner"));
        assert_eq!(did_you_mean("zzzzzz", ["owner", "title"]), None);
    }
}
