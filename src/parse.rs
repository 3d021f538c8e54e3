//! Stage 2b, parse: front matter plus Markdown, into a [`Document`] with an outline.
//!
//! Markdown is parsed with one set of options. Here the body gives its outline: headings with
//! unique ids, link destinations, code blocks and placeholder tags such as `<cluster-id>`. The
//! checks and the renderer read the body's events through [`events`], which parses the text
//! again, so no stage holds the events of the whole site at once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{Diagnostic, LineIndex};
use crate::frontmatter;
use crate::model::{CodeBlock, Document, Heading, Link, Outline, PlaceholderTag, SourceFile};

/// The one set of Markdown options: GFM (tables, task lists, footnotes, strikethrough, alerts),
/// heading attributes and definition lists. Smart punctuation stays off so commands stay copyable.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
}

/// Parses every source file in parallel; the output keeps the input order.
pub fn parse_all(config: &Config, files: Vec<SourceFile>) -> (Vec<Document>, Vec<Diagnostic>) {
    let parsed: Vec<(Document, Vec<Diagnostic>)> = files
        .into_par_iter()
        .map(|file| parse_document(config, file))
        .collect();
    let mut diagnostics = Vec::new();
    let documents = parsed
        .into_iter()
        .map(|(doc, diags)| {
            diagnostics.extend(diags);
            doc
        })
        .collect();
    (documents, diagnostics)
}

/// Parses one file: front matter, then the Markdown body's outline.
pub fn parse_document(config: &Config, source: SourceFile) -> (Document, Vec<Diagnostic>) {
    let index = LineIndex::new(&source.text);
    let front = {
        let source_ref = crate::diag::SourceRef {
            path: &source.path,
            text: &source.text,
            index: &index,
        };
        frontmatter::parse(config, &source_ref)
    };
    let html_links = config.markdown.raw_html != crate::config::RawHtml::Deny;
    let outline = parse_outline(&source.text, front.body_start, html_links);
    let document = Document {
        source,
        index,
        front: front.front,
        field_spans: front.field_spans,
        body_start: front.body_start,
        outline,
    };
    (document, front.diagnostics)
}

/// A body's Markdown events, with byte spans in the file.
pub type Events<'a> = Vec<(Event<'a>, Range<usize>)>;

/// The body's events in order, with byte spans in the file: the same sequence every time, so the
/// outline's event indices ([`Heading::event`], [`CodeBlock::event`]) point into it. Headings
/// carry only the ids written in the text (`{#id}`); [`events`] gives each its unique one.
pub fn event_iter(doc: &Document) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    body_event_iter(&doc.source.text, doc.body_start)
}

/// The body's events with byte spans in the file, each heading with its unique id from the
/// outline: what the checks and the renderer read.
///
/// Documents keep their text and outline, not their events: parsed again here, borrowing the
/// text, a page costs microseconds, where keeping owned events for every page of a
/// 10,000-runbook site took over 300 MB (`check`'s peak went from 496 to 162 MiB).
pub fn events(doc: &Document) -> Events<'_> {
    let mut events: Events<'_> = event_iter(doc).collect();
    for heading in &doc.outline.headings {
        if let Some((Event::Start(Tag::Heading { id, .. }), _)) = events.get_mut(heading.event) {
            *id = Some(CowStr::Borrowed(heading.id.as_str()));
        }
    }
    events
}

fn body_event_iter(
    text: &str,
    body_start: usize,
) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    let body_start = body_start.min(text.len());
    Parser::new_ext(&text[body_start..], markdown_options())
        .into_offset_iter()
        .map(move |(event, range)| (event, body_start + range.start..body_start + range.end))
}

/// A heading whose text is being gathered: its event index, span, level and explicit id.
struct OpenHeading {
    event: usize,
    span: Range<usize>,
    level: u8,
    explicit_id: Option<String>,
    text: String,
}

/// The outline of the body (`text[body_start..]`): headings with unique ids, link destinations,
/// code blocks and placeholder tags, each with its span in the file and its event index. With
/// `html_links`, the links and images of raw HTML (`<img src>`, `<a href>`) are links too.
fn parse_outline(text: &str, body_start: usize, html_links: bool) -> Outline {
    let mut outline = Outline::default();
    let mut html = HtmlReader::default();
    let mut used_ids = UsedIds::default();
    let mut open_heading: Option<OpenHeading> = None;
    // The text of the Mermaid block being read, if one is.
    let mut open_diagram: Option<String> = None;
    for (i, (event, span)) in body_event_iter(text, body_start).enumerate() {
        if html_links {
            html.read(text, &event, &span);
        }
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                open_heading = Some(OpenHeading {
                    event: i,
                    span,
                    level: level as u8,
                    explicit_id: id.map(|id| id.to_string()),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(open) = open_heading.take() {
                    let text = open.text.trim().to_string();
                    let base = open.explicit_id.unwrap_or_else(|| heading_id(&text));
                    outline.headings.push(Heading {
                        level: open.level,
                        text,
                        id: used_ids.unique(base),
                        span: open.span,
                        event: open.event,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(open) = &mut open_heading {
                    open.text.push_str(&t);
                }
                if let Some(diagram) = &mut open_diagram {
                    diagram.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => outline.links.push(Link {
                dest: dest_url.to_string(),
                span,
                is_image: false,
                in_html: false,
            }),
            Event::Start(Tag::Image { dest_url, .. }) => outline.links.push(Link {
                dest: dest_url.to_string(),
                span,
                is_image: true,
                in_html: false,
            }),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => fence_language(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                if lang == "mermaid" {
                    open_diagram = Some(String::new());
                }
                outline.code_blocks.push(CodeBlock {
                    lang,
                    span,
                    event: i,
                    diagram: None,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let (Some(diagram), Some(block)) =
                    (open_diagram.take(), outline.code_blocks.last_mut())
                {
                    block.diagram = Some(diagram);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for (offset, tag) in placeholder_tags(&html) {
                    let start = span.start + offset;
                    outline.placeholder_tags.push(PlaceholderTag {
                        text: tag.to_string(),
                        span: start..start + tag.len(),
                    });
                }
            }
            _ => {}
        }
    }
    let html_links: Vec<Link> = html
        .finish()
        .into_iter()
        .filter(|attribute| !attribute.span.is_empty())
        .filter_map(|attribute| {
            let is_image = html_link(&attribute)?;
            Some(Link {
                dest: attribute.value.trim().to_string(),
                span: attribute.span,
                is_image,
                in_html: true,
            })
        })
        .collect();
    if !html_links.is_empty() {
        outline.links.extend(html_links);
        outline.links.sort_by_key(|link| link.span.start);
    }
    // Every document keeps its outline: without the lists' spare room, 10,000 runbooks hold
    // a few MB less.
    outline.headings.shrink_to_fit();
    outline.links.shrink_to_fit();
    outline.code_blocks.shrink_to_fit();
    outline.placeholder_tags.shrink_to_fit();
    outline
}

/// An attribute of a start tag in a body's raw HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlAttribute {
    /// The element's name, lowercase (`img`).
    pub tag: String,
    /// The attribute's name, lowercase (`src`).
    pub name: String,
    /// The value as a browser reads it: character references decoded (`&amp;` is `&`).
    pub value: String,
    /// The value as written, in the file. When the value cannot be placed exactly (the event's
    /// text is not the file's, as in a container that strips prefixes), an empty span where the
    /// HTML starts.
    pub span: Range<usize>,
}

/// The elements and attributes of raw HTML that link to a page or file, as Markdown links and
/// images do; `true` for an image (or other embedded file), `false` for a link.
const HTML_LINK_ATTRIBUTES: [(&str, &str, bool); 10] = [
    ("a", "href", false),
    ("area", "href", false),
    ("iframe", "src", false),
    ("img", "src", true),
    ("source", "src", true),
    ("video", "src", true),
    ("video", "poster", true),
    ("audio", "src", true),
    ("track", "src", true),
    ("embed", "src", true),
];

/// Reads the raw HTML of a body's events with a WHATWG tokenizer (`html5gum`), as a browser
/// would: an HTML block's lines, one event each, are read as one piece, so a tag or a comment
/// over several lines is one; text and comments hold no attributes, and references in values
/// are decoded. Feed it every event in order ([`HtmlReader::read`]), then [`HtmlReader::finish`].
#[derive(Default)]
pub struct HtmlReader {
    /// The HTML block being gathered.
    block: String,
    /// For each of its events: where its text starts in `block` and in the file, and whether
    /// the event's text is the file's text there (not in a container that strips prefixes).
    chunks: Vec<(usize, usize, bool)>,
    found: Vec<HtmlAttribute>,
}

impl HtmlReader {
    pub fn read(&mut self, text: &str, event: &Event<'_>, span: &Range<usize>) {
        let exact = |html: &str| text.get(span.clone()) == Some(html);
        match event {
            Event::Html(html) => {
                self.chunks
                    .push((self.block.len(), span.start, exact(html)));
                self.block.push_str(html);
            }
            Event::InlineHtml(html) => {
                self.flush();
                self.chunks.push((0, span.start, exact(html)));
                self.block.push_str(html);
                self.flush();
            }
            _ => self.flush(),
        }
    }

    /// Every attribute found, in the order written.
    pub fn finish(mut self) -> Vec<HtmlAttribute> {
        self.flush();
        self.found.sort_by_key(|a| a.span.start);
        self.found
    }

    fn flush(&mut self) {
        if self.block.is_empty() {
            return;
        }
        // The callback emitter, as it places each attribute's value exactly (the token emitter
        // places the whole attribute).
        let mut tag: Option<String> = None;
        let mut name = String::new();
        let mut values: Vec<(String, String, String, html5gum::Span<usize>)> = Vec::new();
        let mut emitter = html5gum::emitters::callback::CallbackEmitter::new(
            |event: html5gum::emitters::callback::CallbackEvent<'_>, span| {
                use html5gum::emitters::callback::CallbackEvent as E;
                match event {
                    E::OpenStartTag { name } => {
                        tag = Some(String::from_utf8_lossy(name).into_owned());
                    }
                    E::AttributeName { name: attribute } => {
                        name = String::from_utf8_lossy(attribute).into_owned();
                    }
                    E::AttributeValue { value } => {
                        // Attributes can be seen in end tags too, where they mean nothing.
                        if let Some(tag) = &tag {
                            let value = String::from_utf8_lossy(value).into_owned();
                            values.push((tag.clone(), name.clone(), value, span));
                        }
                    }
                    E::CloseStartTag { .. }
                    | E::EndTag { .. }
                    | E::String { .. }
                    | E::Comment { .. }
                    | E::Doctype { .. } => tag = None,
                    E::Error(_) => {}
                }
                None::<std::convert::Infallible>
            },
        );
        // `<script>`, `<style>` and `<textarea>` hold text, not tags.
        emitter.naively_switch_states(true);
        let _ = html5gum::Tokenizer::new_with_emitter(self.block.as_str(), emitter).finish();
        for (tag, name, value, at) in values {
            // Where the value is in the file: inside one event's text, whose place is known.
            let chunk = self.chunks.partition_point(|c| c.0 <= at.start);
            let (block_at, file, exact) = self.chunks[chunk.saturating_sub(1)];
            let span = if exact && at.end > at.start {
                let start = file + at.start - block_at;
                start..start + at.end - at.start
            } else {
                file..file
            };
            self.found.push(HtmlAttribute {
                tag,
                name,
                value,
                span,
            });
        }
        self.block.clear();
        self.chunks.clear();
    }
}

/// The attributes of a document's raw HTML ([`HtmlReader`]).
pub fn html_attributes(doc: &Document) -> Vec<HtmlAttribute> {
    let mut reader = HtmlReader::default();
    for (event, span) in event_iter(doc) {
        reader.read(&doc.source.text, &event, &span);
    }
    reader.finish()
}

/// Whether an attribute of raw HTML links to a page or file: `Some(is_image)`.
fn html_link(attribute: &HtmlAttribute) -> Option<bool> {
    HTML_LINK_ATTRIBUTES
        .iter()
        .find(|(tag, name, _)| *tag == attribute.tag && *name == attribute.name)
        .map(|&(_, _, image)| image)
}

/// GitHub's heading anchors: lowercase, spaces to `-`, punctuation other than `-` and `_` dropped.
pub fn heading_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            id.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            id.push('-');
        }
    }
    if id.is_empty() { "section".into() } else { id }
}

/// The ids given out so far on a page, and for each base id the next suffix to try.
#[derive(Default)]
struct UsedIds {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl UsedIds {
    /// `base`, or `base-1`, `base-2`, ... (GitHub's scheme) when taken. Linear over a page: each
    /// base resumes at its last suffix, and each id `base-N` is tried at most once for its base
    /// (the suffix has no `-`, so an id has one base), so every failed try is an id given out.
    fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let next = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            let candidate = format!("{base}-{next}");
            *next += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// Tags in a raw HTML fragment whose names are not HTML elements: `(offset, tag text)`.
pub fn placeholder_tags(html: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut rest = html;
    let mut offset = 0;
    while let Some(open) = rest.find('<') {
        let candidate = &rest[open..];
        // An unclosed `<pod-name` runs to the end of its line, or to the next `<`: tags never
        // overlap, so escaping them one after another is sound (`<zz<yy>` is two).
        let next = candidate[1..].find(['>', '<']).map(|at| at + 1);
        let end = match next {
            Some(close) if candidate.as_bytes()[close] == b'>' => close + 1,
            _ => {
                let stop = next.unwrap_or(candidate.len());
                candidate[..stop].find('\n').unwrap_or(stop)
            }
        };
        let tag = &candidate[..end];
        let name: String = tag[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == ':')
            .collect();
        let is_tag = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        let advance = if is_tag && !crate::model::is_html_element(&name) {
            found.push((offset + open, tag));
            open + end
        } else {
            open + 1
        };
        offset += advance;
        rest = &rest[advance..];
    }
    found
}

/// A fence's language: the first word of the info string, without `{.…}` decoration,
/// lowercased (` ```Bash title="x" ` is `bash`).
pub(crate) fn fence_language(info: &str) -> String {
    info.split(|c: char| c.is_whitespace() || c == ',')
        .next()
        .unwrap_or_default()
        .trim_matches(|c| c == '{' || c == '}')
        .trim_start_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(text: &str) -> Outline {
        parse_outline(text, 0, true)
    }

    /// Raw HTML is read as a browser reads it: a tag over several lines of an HTML block is one,
    /// comments hold nothing, references are decoded, and each value is placed in the file.
    #[test]
    fn raw_html_attributes_are_read_as_a_browser_reads_them() {
        let text = "Intro.\n\n<div id='x' data-id=\"no\">\n<img\n  src=\"img/a.png\" alt=a>\n</div>\n\n\
                    <!-- <img src=\"gone.png\"> -->\n\n\
                    <script>let a = '<img src=\"js.png\">';</script>\n\n\
                    A <a href=\"java&#x73;cript&colon;x\">link</a> and <a name=old-anchor></a title=\"end\">.\n";
        let mut reader = HtmlReader::default();
        for (event, span) in body_event_iter(text, 0) {
            reader.read(text, &event, &span);
        }
        let attributes = reader.finish();
        let found: Vec<(&str, &str, &str, &str)> = attributes
            .iter()
            .map(|a| {
                (
                    a.tag.as_str(),
                    a.name.as_str(),
                    a.value.as_str(),
                    &text[a.span.clone()],
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("div", "id", "x", "x"),
                ("div", "data-id", "no", "no"),
                ("img", "src", "img/a.png", "img/a.png"),
                ("img", "alt", "a", "a"),
                ("a", "href", "javascript:x", "java&#x73;cript&colon;x"),
                ("a", "name", "old-anchor", "old-anchor"),
            ]
        );
    }

    #[test]
    fn raw_html_links_and_images_are_links() {
        let o = outline(
            "[md](a.md)\n\n<img src=\"img/b.png\">\n\nSee <a href=\" c.md#x \">c</a>, <b title=\"d.md\">d</b>.\n",
        );
        let links: Vec<(&str, bool, bool)> = o
            .links
            .iter()
            .map(|l| (l.dest.as_str(), l.is_image, l.in_html))
            .collect();
        assert_eq!(
            links,
            [
                ("a.md", false, false),
                ("img/b.png", true, true),
                ("c.md#x", false, true)
            ]
        );
        assert!(
            parse_outline("<img src=\"b.png\">\n", 0, false)
                .links
                .is_empty()
        );
    }

    #[test]
    fn html_elements_are_known_and_placeholders_are_not() {
        for name in [
            "a", "details", "kbd", "br", "summary", "sup", "tspan", "wbr", "mfrac",
        ] {
            assert!(crate::model::is_html_element(name), "{name}");
        }
        assert!(!crate::model::is_html_element("cluster-id"));
        assert!(!crate::model::is_html_element("NODE"));
    }

    #[test]
    fn headings_get_unique_github_ids() {
        let o = outline(
            "# Failover!\n\n## Steps\n\n## Steps\n\n## Roll back: `db`\n\n### Custom {#mine}\n",
        );
        let ids: Vec<_> = o
            .headings
            .iter()
            .map(|h| (h.level, h.id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                (1, "failover"),
                (2, "steps"),
                (2, "steps-1"),
                (2, "roll-back-db"),
                (3, "mine")
            ]
        );
    }

    #[test]
    fn heading_ids_are_written_into_the_events() {
        let (doc, _) = parse_document(
            &Config::from_toml(std::path::Path::new("/tmp"), "").expect("config"),
            SourceFile {
                path: "content/a.md".into(),
                rel: "a.md".into(),
                text: "## Steps\n\n## Steps\n".into(),
            },
        );
        let events = events(&doc);
        let heading = &doc.outline.headings[1];
        match &events[heading.event].0 {
            Event::Start(Tag::Heading { id, .. }) => assert_eq!(id.as_deref(), Some("steps-1")),
            other => panic!("unexpected {other:?}"),
        }
        let heading = &doc.outline.headings[0];
        match &events[heading.event].0 {
            Event::Start(Tag::Heading { id, .. }) => assert_eq!(id.as_deref(), Some("steps")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_heading_inside_a_code_fence_is_not_a_heading() {
        let o = outline("## Steps\n\n```md\n## Rollback\n```\n");
        assert_eq!(o.headings.len(), 1);
        assert_eq!(o.code_blocks[0].lang, "md");
    }

    #[test]
    fn links_and_placeholders_have_spans() {
        let text = "See [db](../db/failover.md#rollback) and run it on <cluster-id>.\n";
        let o = outline(text);
        assert_eq!(o.links[0].dest, "../db/failover.md#rollback");
        let tag = &o.placeholder_tags[0];
        assert_eq!(tag.text, "<cluster-id>");
        assert_eq!(&text[tag.span.clone()], "<cluster-id>");
    }

    /// Issue 14 F1: `<zz<yy>` gave two overlapping tags, and escaping them panicked in render.
    #[test]
    fn issue_14_placeholder_tags_never_overlap() {
        for html in [
            "<div><zz<yy>",
            "<zz<yy>",
            "<a<b<c>>",
            "<x\n<y>",
            "<<<>>>",
            "<q<",
        ] {
            let tags = placeholder_tags(html);
            let mut end = 0;
            for (at, tag) in &tags {
                assert!(*at >= end, "{html:?}: {tags:?} overlap");
                assert_eq!(&html[*at..*at + tag.len()], *tag);
                end = at + tag.len();
            }
        }
        assert_eq!(placeholder_tags("<div><zz<yy>"), [(5, "<zz"), (8, "<yy>")]);
    }

    #[test]
    fn real_html_is_not_a_placeholder() {
        let o = outline(
            "<details>\n<summary>More</summary>\n\nPress <kbd>Ctrl</kbd>.<br>\n</details>\n",
        );
        assert!(o.placeholder_tags.is_empty(), "{:?}", o.placeholder_tags);
    }

    #[test]
    fn offsets_are_file_offsets() {
        let text = "---\ntitle: x\n---\n## Steps\n";
        let o = parse_outline(text, 16, true);
        assert_eq!(&text[o.headings[0].span.clone()], "## Steps\n");
    }
}
