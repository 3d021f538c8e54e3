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
    let outline = parse_outline(&source.text, front.body_start);
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
/// code blocks and placeholder tags, each with its span in the file and its event index.
fn parse_outline(text: &str, body_start: usize) -> Outline {
    let mut outline = Outline::default();
    let mut used_ids = UsedIds::default();
    let mut open_heading: Option<OpenHeading> = None;
    // The text of the Mermaid block being read, if one is.
    let mut open_diagram: Option<String> = None;
    for (i, (event, span)) in body_event_iter(text, body_start).enumerate() {
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
            }),
            Event::Start(Tag::Image { dest_url, .. }) => outline.links.push(Link {
                dest: dest_url.to_string(),
                span,
                is_image: true,
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
    // Every document keeps its outline: without the lists' spare room, 10,000 runbooks hold
    // a few MB less.
    outline.headings.shrink_to_fit();
    outline.links.shrink_to_fit();
    outline.code_blocks.shrink_to_fit();
    outline.placeholder_tags.shrink_to_fit();
    outline
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
        parse_outline(text, 0)
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
        let o = parse_outline(text, 16);
        assert_eq!(&text[o.headings[0].span.clone()], "## Steps\n");
    }
}
