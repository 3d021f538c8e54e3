//! A runbook's Markdown body to HTML: the parsed events are rewritten (headings get self-links,
//! links are resolved, code is highlighted, Mermaid becomes SVG, tables scroll, task lists become
//! real checkboxes, GitHub alerts become callouts, placeholder tags become visible text), then
//! pulldown-cmark writes the rest.
//!
//! Runbook text never passes through a template engine: `{{ $labels.x }}` comes out as written.
//! Problems found while rendering (a diagram that does not render) come back as diagnostics.

use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Tag, TagEnd};
use pulldown_cmark_escape::escape_html;
use serde::Serialize;

use crate::config::{Config, MermaidRender, RawHtml};
use crate::diag::Diagnostic;
use crate::model::Document;
use crate::render::highlight::{self, Highlighter};
use crate::render::mermaid::MermaidRenderer;

/// Renders document bodies. Built once per build; shared by the threads rendering pages.
#[derive(Debug)]
pub(crate) struct BodyRenderer {
    highlighter: std::sync::Arc<Highlighter>,
    /// `None` when `[mermaid] render = "off"`: fences stay code.
    mermaid: Option<MermaidRenderer>,
    raw_html: RawHtml,
    /// The cleaner of pages with HTML of their own, under `raw-html = "sanitize"`.
    sanitizer: Option<Sanitizer>,
}

/// A rendered body and what templates need from it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct RenderedBody {
    pub html: String,
    /// H2 and H3 headings, in order.
    pub toc: Vec<TocEntry>,
    pub diagnostics: Vec<Diagnostic>,
    /// The `hl-` classes of its highlighted code ([`super::code_css::hl_classes`]).
    #[serde(skip)]
    pub hl_classes: Vec<String>,
}

/// A table-of-contents entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

impl BodyRenderer {
    /// A renderer highlighting code with `highlighter` (shared between renders).
    pub(crate) fn new(
        config: &Config,
        highlighter: std::sync::Arc<Highlighter>,
    ) -> anyhow::Result<BodyRenderer> {
        let mermaid = match config.mermaid.render {
            MermaidRender::Build => {
                let renderer = MermaidRenderer::new(Some(config.mermaid_cache_dir()));
                Some(match &config.worker {
                    Some(program) => {
                        renderer.with_worker(program.clone(), config.mermaid.timeout())
                    }
                    None => renderer,
                })
            }
            MermaidRender::Off => None,
        };
        Ok(BodyRenderer {
            highlighter,
            mermaid,
            raw_html: config.markdown.raw_html,
            sanitizer: (config.markdown.raw_html == RawHtml::Sanitize).then(Sanitizer::new),
        })
    }

    /// A renderer with the given diagram renderer (`None`: diagrams stay code) that keeps no
    /// highlighted code between builds.
    #[cfg(test)]
    pub(crate) fn with_mermaid(mermaid: Option<MermaidRenderer>) -> BodyRenderer {
        BodyRenderer {
            highlighter: std::sync::Arc::new(Highlighter::new(None, None)),
            mermaid,
            raw_html: RawHtml::default(),
            sanitizer: Some(Sanitizer::new()),
        }
    }

    /// Keeps what this renderer highlighted for the next build, after a render of every body
    /// of the site: blocks it did not meet are no longer needed.
    pub(crate) fn save_caches(&self) {
        self.highlighter.save(true);
    }

    /// Lays out, on every core, the diagrams of `docs` that the cache does not hold yet, before
    /// their pages are rendered ([`MermaidRenderer::lay_out_ahead`]).
    pub(crate) fn lay_out_diagrams<'a>(
        &self,
        docs: impl Iterator<Item = &'a Document>,
        progress: &crate::Progress,
    ) {
        if let Some(mermaid) = &self.mermaid {
            let sources = docs.flat_map(|doc| {
                doc.outline
                    .code_blocks
                    .iter()
                    .filter_map(|block| block.diagram.as_deref())
            });
            mermaid.lay_out_ahead(sources, &progress.diagrams, &progress.laid_out);
        }
    }

    /// The diagram renderer, if diagrams are rendered: its counters tell how many were laid out.
    #[cfg(test)]
    pub(crate) fn mermaid(&self) -> Option<&MermaidRenderer> {
        self.mermaid.as_ref()
    }

    /// Renders a parsed document's body. `resolve_link` maps a link or image destination as
    /// written to the href to write, or `None` to keep it as written.
    pub(crate) fn render(
        &self,
        doc: &Document,
        resolve_link: &dyn Fn(&str) -> Option<String>,
    ) -> RenderedBody {
        let events = crate::parse::events(doc);
        let mut pass = Pass {
            renderer: self,
            doc,
            events: &events,
            resolve_link,
            page_hash: page_hash(&doc.source.rel),
            out: Vec::with_capacity(events.len() + 16),
            toc: Vec::new(),
            diagnostics: Vec::new(),
            tasks: 0,
            diagrams: 0,
            user_html: Vec::new(),
        };
        pass.run();
        let mut html = match &self.sanitizer {
            Some(sanitizer) if !pass.user_html.is_empty() => {
                sanitize_body(sanitizer, &doc.source.text, pass.out, &pass.user_html)
            }
            _ => {
                let mut html = String::with_capacity(doc.source.text.len() * 3 / 2);
                pulldown_cmark::html::push_html(&mut html, pass.out.into_iter());
                html
            }
        };
        if html.contains(TOC_PLACEHOLDER) {
            html = html.replace(TOC_PLACEHOLDER, &inline_toc(&pass.toc));
        }
        RenderedBody {
            hl_classes: super::code_css::hl_classes(&html),
            html,
            toc: pass.toc,
            diagnostics: pass.diagnostics,
        }
    }
}

/// The `ammonia` cleaner for `raw-html = "sanitize"`: what runbooks use to format (`<details>`,
/// `<kbd>`, `<br>`, `<sup>`, tables, ids and classes) stays; scripts, event handlers, frames,
/// forms, styles and unsafe URL schemes go.
struct Sanitizer(ammonia::Builder<'static>);

impl std::fmt::Debug for Sanitizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sanitizer")
    }
}

/// Brackets of the tokens that stand for rb-site's own HTML while a body is cleaned:
/// characters of Unicode's private use area.
const TOKEN_OPEN: char = '\u{E000}';
const TOKEN_CLOSE: char = '\u{E001}';

impl Sanitizer {
    fn new() -> Sanitizer {
        let mut builder = ammonia::Builder::default();
        builder
            .add_generic_attributes(["id", "class"])
            .add_tag_attributes("details", ["open"])
            .add_tag_attributes("ol", ["start"])
            // Table alignment, as pulldown-cmark writes it.
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .filter_style_properties(["text-align"].into())
            // Links stay as the author wrote them.
            .link_rel(None)
            // A token lives in text only: inside an attribute value it could end the value.
            .attribute_filter(|_, _, value| (!value.contains(TOKEN_OPEN)).then_some(value.into()));
        Sanitizer(builder)
    }
}

/// Writes a body that holds HTML of the runbook's own, cleaned: rb-site's HTML (highlighted
/// code, diagrams, anchors, callouts, checkboxes) stands aside as tokens while `ammonia`
/// cleans the rest, then comes back. The tokens carry a hash of the page, so no page can
/// contain one ready-made.
fn sanitize_body(
    sanitizer: &Sanitizer,
    text: &str,
    events: Vec<Event<'_>>,
    user_html: &[usize],
) -> String {
    let nonce = &blake3::hash(text.as_bytes()).to_hex()[..16];
    let mut kept: Vec<CowStr<'_>> = Vec::new();
    let mut user = user_html.iter().peekable();
    let events = events.into_iter().enumerate().map(|(i, event)| {
        let own = user.next_if_eq(&&i).is_some();
        match event {
            Event::Html(html) | Event::InlineHtml(html) if !own => {
                let token = format!("{TOKEN_OPEN}{nonce}{}{TOKEN_CLOSE}", kept.len());
                kept.push(html);
                Event::InlineHtml(token.into())
            }
            other => other,
        }
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    let cleaned = sanitizer.0.clean(&html).to_string();
    let mut out =
        String::with_capacity(cleaned.len() + kept.iter().map(|k| k.len()).sum::<usize>());
    let mut rest = cleaned.as_str();
    let open = format!("{TOKEN_OPEN}{nonce}");
    while let Some(at) = rest.find(&open) {
        out.push_str(&rest[..at]);
        let after = &rest[at + open.len()..];
        let token = after
            .find(TOKEN_CLOSE)
            .and_then(|end| Some((after[..end].parse::<usize>().ok()?, end)));
        match token.and_then(|(n, end)| Some((kept.get(n)?, end))) {
            Some((html, end)) => {
                out.push_str(html);
                rest = &after[end + TOKEN_CLOSE.len_utf8()..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a `[[_TOC_]]` marker stood, until the headings are known.
const TOC_PLACEHOLDER: &str = "<!-- rb-site: table of contents -->\n";

/// Whether a paragraph is GitLab's table-of-contents marker and nothing else.
fn is_toc_marker(paragraph: &str) -> bool {
    matches!(paragraph.trim(), "[[_TOC_]]" | "[TOC]")
}

/// The page's table of contents where a marker asked for it: its level 2 and 3 headings.
fn inline_toc(toc: &[TocEntry]) -> String {
    let mut html = String::from("<nav class=\"toc-inline\" aria-label=\"Contents\"><ul>\n");
    for entry in toc {
        // Writing into a String cannot fail.
        let _ = write!(html, "<li class=\"toc-h{}\"><a href=\"#", entry.level);
        let _ = escape_html(&mut html, &entry.id);
        html.push_str("\">");
        let _ = escape_html(&mut html, &entry.title);
        html.push_str("</a></li>\n");
    }
    html.push_str("</ul></nav>\n");
    html
}

/// Short, stable id of a page, so that diagram ids from different pages never meet
/// (a search index or a print-all page may put several pages together).
fn page_hash(rel: &str) -> String {
    blake3::hash(rel.as_bytes()).to_hex()[..8].to_string()
}

/// One page's rewrite of its events.
struct Pass<'a> {
    renderer: &'a BodyRenderer,
    doc: &'a Document,
    /// The body's events ([`crate::parse::events`]), borrowing its text.
    events: &'a [(Event<'a>, Range<usize>)],
    resolve_link: &'a dyn Fn(&str) -> Option<String>,
    page_hash: String,
    out: Vec<Event<'a>>,
    toc: Vec<TocEntry>,
    diagnostics: Vec<Diagnostic>,
    tasks: usize,
    diagrams: usize,
    /// Indexes in `out` of the events that are the runbook's own HTML.
    user_html: Vec<usize>,
}

/// A heading being rewritten: its id and the text gathered for the table of contents.
struct OpenHeading {
    level: u8,
    id: Option<String>,
    title: String,
}

impl<'a> Pass<'a> {
    fn run(&mut self) {
        let events = self.events;
        let mut i = skip_leading_h1(events);
        let mut heading: Option<OpenHeading> = None;
        while let Some((event, span)) = events.get(i) {
            i += 1;
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    heading = Some(OpenHeading {
                        level: heading_level(*level),
                        id: id.as_ref().map(|id| id.to_string()),
                        title: String::new(),
                    });
                    self.out.push(event.clone());
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some(open) = heading.take() {
                        self.close_heading(open);
                    }
                    self.out.push(event.clone());
                }
                Event::Text(text) | Event::Code(text) => {
                    if let Some(open) = heading.as_mut() {
                        open.title.push_str(text);
                    }
                    self.out.push(event.clone());
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let (code, end) = code_block_text(events, i);
                    i = end;
                    self.code_block(kind, &code, span.clone());
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => self.out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: self.resolve(dest_url),
                    title: title.clone(),
                    id: id.clone(),
                })),
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => self.out.push(Event::Start(Tag::Image {
                    link_type: *link_type,
                    dest_url: self.resolve(dest_url),
                    title: title.clone(),
                    id: id.clone(),
                })),
                Event::Start(Tag::Table(_)) => {
                    self.out.push(Event::Html(CowStr::Borrowed(
                        "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"Table\">\n",
                    )));
                    self.out.push(event.clone());
                }
                Event::End(TagEnd::Table) => {
                    self.out.push(event.clone());
                    self.out.push(Event::Html(CowStr::Borrowed("</div>\n")));
                }
                Event::TaskListMarker(checked) => {
                    let checked = if *checked { " checked" } else { "" };
                    self.out.push(Event::InlineHtml(
                        format!(
                            "<input type=\"checkbox\" class=\"task\" data-task=\"{}\"{checked}> ",
                            self.tasks
                        )
                        .into(),
                    ));
                    self.tasks += 1;
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    self.out.push(Event::Html(callout_open(*kind).into()));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    self.out.push(Event::Html(CowStr::Borrowed("</div>\n")));
                }
                // GitLab's `[[_TOC_]]` and `[TOC]`: the page's table of contents, drawn once
                // every heading is known.
                Event::Start(Tag::Paragraph)
                    if is_toc_marker(self.doc.source.text.get(span.clone()).unwrap_or("")) =>
                {
                    while let Some((event, _)) = events.get(i) {
                        i += 1;
                        if matches!(event, Event::End(TagEnd::Paragraph)) {
                            break;
                        }
                    }
                    self.out.push(Event::Html(TOC_PLACEHOLDER.into()));
                }
                Event::Html(html) => self.user_html(html, span, true),
                Event::InlineHtml(html) => self.user_html(html, span, false),
                _ => self.out.push(event.clone()),
            }
        }
    }

    /// HTML written in the runbook, by the `[markdown] raw-html` policy. What `sanitize`
    /// cleans is the whole body, once written ([`sanitize_body`]); here its events are noted.
    fn user_html(&mut self, html: &CowStr<'a>, span: &Range<usize>, block: bool) {
        if self.renderer.raw_html == RawHtml::Deny {
            self.out.push(Event::Text(html.clone()));
            return;
        }
        let html = self.resolve_html_links(html, span);
        let html = escape_placeholder_tags(&html);
        self.user_html.push(self.out.len());
        self.out.push(if block {
            Event::Html(html)
        } else {
            Event::InlineHtml(html)
        });
    }

    /// The links of raw HTML in this piece of it (the parse stage found them, as
    /// [`crate::model::Link::in_html`]), written as hrefs the way Markdown links are.
    fn resolve_html_links(&self, html: &CowStr<'a>, span: &Range<usize>) -> CowStr<'a> {
        // Link spans are file offsets: they place into the event's text where it is the file's.
        if self.doc.source.text.get(span.clone()) != Some(html.as_ref()) {
            return html.clone();
        }
        let links = &self.doc.outline.links;
        let first = links.partition_point(|link| link.span.start < span.start);
        let inside = links[first..]
            .iter()
            .take_while(|link| link.span.end <= span.end)
            .filter(|link| link.in_html);
        let mut out = String::new();
        let mut copied = 0;
        for link in inside {
            let Some(href) = (self.resolve_link)(&link.dest) else {
                continue;
            };
            let (start, end) = (link.span.start - span.start, link.span.end - span.start);
            out.push_str(&html[copied..start]);
            // Writing into a String cannot fail.
            let _ = pulldown_cmark_escape::escape_href(&mut out, &href);
            copied = end;
        }
        if copied == 0 {
            return html.clone();
        }
        out.push_str(&html[copied..]);
        out.into()
    }

    fn resolve(&self, dest: &CowStr<'a>) -> CowStr<'a> {
        match (self.resolve_link)(dest) {
            Some(href) => href.into(),
            None => dest.clone(),
        }
    }

    fn close_heading(&mut self, open: OpenHeading) {
        let Some(id) = open.id else {
            return;
        };
        let mut anchor = String::from("<a class=\"anchor\" href=\"#");
        // Writing into a String cannot fail.
        let _ = escape_html(&mut anchor, &id);
        anchor.push_str("\" aria-label=\"Link to this section\">#</a>");
        self.out.push(Event::InlineHtml(anchor.into()));
        if matches!(open.level, 2 | 3) {
            self.toc.push(TocEntry {
                level: open.level,
                id,
                title: open.title.trim().to_string(),
            });
        }
    }

    fn code_block(&mut self, kind: &CodeBlockKind<'_>, code: &str, span: Range<usize>) {
        let lang = match kind {
            CodeBlockKind::Fenced(info) => crate::parse::fence_language(info),
            CodeBlockKind::Indented => String::new(),
        };
        if lang == "mermaid"
            && let Some(mermaid) = &self.renderer.mermaid
        {
            self.diagrams += 1;
            let n = self.diagrams;
            let figure_id = format!("mermaid-{n}");
            let id_prefix = format!("m{}-{n}-", self.page_hash);
            match mermaid.render_figure(code, &figure_id, &id_prefix) {
                Ok(figure) => self.out.push(Event::Html(figure.into())),
                Err(failure) => {
                    let (message, help, notice) = match failure.code {
                        "mermaid-timeout" => (
                            format!("Mermaid diagram not drawn: {}", failure.message),
                            "simplify or split the diagram, or raise `[mermaid] timeout` in \
                             book.toml; the page shows its source instead",
                            "<strong>This diagram took too long to draw</strong>: ",
                        ),
                        "mermaid-unsupported" => (
                            format!("Mermaid diagram not drawn: {}", failure.message),
                            "the page shows its source instead; Mermaid's own renderer (in a \
                             browser) draws it",
                            "<strong>This kind of diagram cannot be drawn here</strong>: ",
                        ),
                        _ => (
                            format!("Mermaid diagram does not render: {}", failure.message),
                            "the page shows the diagram's source instead",
                            "<strong>This diagram could not be drawn</strong>: ",
                        ),
                    };
                    self.diagnostics.push(
                        self.doc
                            .source_ref()
                            .diag(
                                failure.code,
                                failure.span_in(&self.doc.source.text, &span),
                                message,
                            )
                            .with_help(help),
                    );
                    let mut html = String::from(
                        "<div class=\"mermaid-error\"><p class=\"mermaid-error-notice\" role=\"note\">",
                    );
                    html.push_str(notice);
                    let _ = escape_html(&mut html, &failure.notice());
                    html.push_str(". Its source is shown instead.</p>\n");
                    html.push_str(&self.code_block_html(&lang, code, span));
                    html.push_str("</div>\n");
                    self.out.push(Event::Html(html.into()));
                }
            }
            return;
        }
        let html = self.code_block_html(&lang, code, span);
        self.out.push(Event::Html(html.into()));
    }

    fn code_block_html(&mut self, lang: &str, code: &str, span: Range<usize>) -> String {
        let highlight::Highlighted {
            html: highlighted,
            over_budget,
        } = self.renderer.highlighter.highlight(lang, code);
        if let Some(why) = over_budget {
            self.diagnostics.push(
                self.doc
                    .source_ref()
                    .diag(
                        "highlight-budget",
                        span,
                        format!("code block shown without highlighting: {why}"),
                    )
                    .with_help(
                        "break up the long lines, or mark the block `text` to skip highlighting",
                    ),
            );
        }
        let mut html = String::with_capacity(highlighted.len() + 200);
        html.push_str("<div class=\"code-block\"");
        if !lang.is_empty() {
            html.push_str(" data-lang=\"");
            let _ = escape_html(&mut html, lang);
            html.push('"');
        }
        if let Some(copy) = highlight::copy_text(lang, code) {
            html.push_str(" data-copy=\"");
            let _ = escape_html(&mut html, &copy);
            html.push('"');
        }
        html.push_str(
            "><button type=\"button\" class=\"copy\" hidden>Copy</button><pre class=\"hl-code\"><code",
        );
        if !lang.is_empty() {
            html.push_str(" class=\"language-");
            let _ = escape_html(&mut html, lang);
            html.push('"');
        }
        html.push('>');
        html.push_str(&highlighted);
        html.push_str("</code></pre></div>\n");
        html
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Where rendering starts: after the first H1 when it opens the body (the page header shows
/// the title), else at the start.
fn skip_leading_h1(events: &[(Event<'_>, Range<usize>)]) -> usize {
    match events.first() {
        Some((
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }),
            _,
        )) => events
            .iter()
            .position(|(event, _)| matches!(event, Event::End(TagEnd::Heading(HeadingLevel::H1))))
            .map_or(0, |end| end + 1),
        _ => 0,
    }
}

/// The text of the code block whose start event is just before `start`, and the index after
/// its end event.
fn code_block_text(events: &[(Event<'_>, Range<usize>)], start: usize) -> (String, usize) {
    let mut code = String::new();
    let mut i = start;
    while let Some((event, _)) = events.get(i) {
        i += 1;
        match event {
            Event::Text(text) => code.push_str(text),
            Event::End(TagEnd::CodeBlock) => break,
            _ => {}
        }
    }
    (code, i)
}

/// A GitHub alert's kind: its class suffix, title and icon (drawn for rb-site on a 16×16 grid,
/// stroked in the text colour).
fn callout_parts(kind: BlockQuoteKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => (
            "note",
            "Note",
            "<circle cx=\"8\" cy=\"8\" r=\"6.25\"/><path d=\"M8 7.25v4M8 4.75v.01\"/>",
        ),
        BlockQuoteKind::Tip => (
            "tip",
            "Tip",
            "<path d=\"M8 1.75a4.25 4.25 0 0 0-2.5 7.7c.45.33.75.8.75 1.35v.45h3.5v-.45c0-.55.3-1.02.75-1.35A4.25 4.25 0 0 0 8 1.75zM6.25 13.25h3.5M7 14.75h2\"/>",
        ),
        BlockQuoteKind::Important => (
            "important",
            "Important",
            "<path d=\"M2 2.25h12v8.5H8.75L5.5 13.75v-3H2z\"/><path d=\"M8 4.5v3M8 9.25v.01\"/>",
        ),
        BlockQuoteKind::Warning => (
            "warning",
            "Warning",
            "<path d=\"M8 1.75l6.75 12H1.25z\"/><path d=\"M8 6v3.75M8 11.75v.01\"/>",
        ),
        BlockQuoteKind::Caution => (
            "caution",
            "Caution",
            "<path d=\"M5.25 1.5h5.5l3.75 3.75v5.5l-3.75 3.75h-5.5L1.5 10.75v-5.5z\"/><path d=\"M8 4.75v3.75M8 11v.01\"/>",
        ),
    }
}

fn callout_open(kind: BlockQuoteKind) -> String {
    let (class, title, icon) = callout_parts(kind);
    format!(
        "<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">\
         <svg class=\"callout-icon\" aria-hidden=\"true\" viewBox=\"0 0 16 16\" width=\"16\" height=\"16\" \
         fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\
         {icon}</svg>{title}</p>\n"
    )
}

/// Raw HTML with every tag that names no HTML element (`<cluster-id>`, `<NODE POOL NAME>`)
/// escaped, so the reader sees the placeholder instead of a browser swallowing it.
fn escape_placeholder_tags<'a>(html: &CowStr<'a>) -> CowStr<'a> {
    // The same scan as validation's `unknown-html-tag`, so the two can never disagree.
    let tags = crate::parse::placeholder_tags(html);
    if tags.is_empty() {
        return html.clone();
    }
    let mut out = String::with_capacity(html.len() + 16 * tags.len());
    let mut copied = 0;
    for (at, tag) in tags {
        out.push_str(&html[copied..at]);
        let _ = escape_html(&mut out, tag);
        copied = at + tag.len();
    }
    out.push_str(&html[copied..]);
    out.into()
}

#[cfg(test)]
/// The theme's `code.css`: diagram colours, and print rules for the interactive bits this module
/// writes (copy buttons, checklists). `themes/default/static/code.css` is this, checked by a
/// test. The highlighting rules are `highlight.css`, inlined page by page ([`super::code_css`]).
pub(crate) fn code_css() -> String {
    let mut css = crate::render::mermaid::diagram_css();
    css.push_str(PRINT_CSS);
    css
}

#[cfg(test)]
const PRINT_CSS: &str = "
/* Code blocks and checklists. */
.code-block { position: relative; }
.table-wrap { overflow-x: auto; max-width: 100%; }
input.task { margin: 0 0.4em 0 0; vertical-align: -0.1em; }

@media print {
  .code-block .copy, .checklist-reset { display: none !important; }
  /* A printed checklist is for ticking by hand: always empty boxes. */
  input.task {
    -webkit-appearance: none;
    appearance: none;
    width: 0.9em;
    height: 0.9em;
    border: 1px solid currentColor;
    border-radius: 2px;
    background: none;
  }
  .table-wrap { overflow: visible; }
  figure.mermaid { break-inside: avoid; }
}
";

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
