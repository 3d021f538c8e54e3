//! Pages built straight from Markdown, for the search tests and benchmark.
//!
//! A stand-in for the load/front-matter/parse stages so the index can be tested and measured on
//! its own: YAML front matter with the usual runbook keys, pulldown-cmark with the site's options,
//! headings with `{#id}` or slug anchors. Not used by `rb-site build`.

use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::config::Config;
use crate::diag::LineIndex;
use crate::model::{Document, FrontMatter, Heading, Outline, Page, PageKind, SourceFile, slugify};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawFront {
    title: Option<String>,
    description: Option<String>,
    service: Option<String>,
    owner: Option<String>,
    severity: Option<String>,
    alerts: Vec<String>,
    tags: Vec<String>,
    kind: Option<String>,
}

/// A config from `book.toml` text, rooted at the current folder.
pub fn config(book_toml: &str) -> Config {
    Config::from_toml(Path::new("."), book_toml).expect("test config")
}

/// A page from a content-relative path and the file's text (front matter optional).
pub fn page_from_markdown(rel: &str, text: &str) -> Page {
    let (front_text, body_start) = split_front_matter(text);
    let raw: RawFront = front_text
        .map(|yaml| serde_saphyr::from_str(yaml).expect("front matter"))
        .unwrap_or_default();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM;
    let events: Vec<(Event<'static>, std::ops::Range<usize>)> =
        Parser::new_ext(&text[body_start..], options)
            .into_offset_iter()
            .map(|(event, span)| {
                (
                    event.into_static(),
                    span.start + body_start..span.end + body_start,
                )
            })
            .collect();

    let mut headings = Vec::new();
    let mut open: Option<(usize, u8, Option<String>, String)> = None;
    for (index, (event, span)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                open = Some((
                    index,
                    *level as u8,
                    id.as_ref().map(|i| i.to_string()),
                    String::new(),
                ));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, _, text)) = &mut open {
                    text.push_str(t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((event, level, id, text)) = open.take() {
                    let mut id = id.unwrap_or_else(|| slugify(&text));
                    let base = id.clone();
                    let mut n = 1;
                    while headings.iter().any(|h: &Heading| h.id == id) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                    headings.push(Heading {
                        level,
                        text,
                        id,
                        span: span.clone(),
                        event,
                    });
                }
            }
            _ => {}
        }
    }

    let front = FrontMatter {
        title: raw.title,
        description: raw.description,
        service: raw.service,
        owner: raw.owner,
        severity: raw.severity,
        alerts: raw.alerts,
        tags: raw.tags,
        kind: raw.kind,
        ..FrontMatter::default()
    };
    let doc = Document {
        source: SourceFile {
            path: format!("content/{rel}"),
            rel: rel.to_string(),
            text: text.to_string(),
        },
        index: LineIndex::new(text),
        front,
        field_spans: Default::default(),
        body_start,
        outline: Outline {
            headings,
            ..Outline::default()
        },
        events,
    };
    let is_section = doc.is_section_index();
    let url = if is_section {
        let dir = doc.dir();
        if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        }
    } else {
        format!("{}/", rel.strip_suffix(".md").unwrap_or(rel))
    };
    Page {
        kind: if is_section {
            PageKind::Section
        } else {
            PageKind::Runbook
        },
        url,
        title: doc.title(),
        runbook_kind: doc.front.kind.clone().unwrap_or_else(|| "runbook".into()),
        alerts: doc.front.alerts.clone(),
        doc,
    }
}

/// The YAML between `---` fences at the top, and where the body starts.
fn split_front_matter(text: &str) -> (Option<&str>, usize) {
    let Some(rest) = text.strip_prefix("---\n") else {
        return (None, 0);
    };
    let mut offset = 4;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return (Some(&text[4..offset]), offset + line.len());
        }
        offset += line.len();
    }
    (None, 0)
}
