//! Markdown body rendering: rewrites the parsed events (links, headings) and writes HTML.
//!
//! Placeholder until the rendering work lands (highlighting, Mermaid, callouts, checklists).

use pulldown_cmark::{Event, Tag};
use serde::Serialize;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::Document;

pub(crate) struct BodyRenderer;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RenderedBody {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

impl BodyRenderer {
    pub(crate) fn new(_config: &Config) -> anyhow::Result<BodyRenderer> {
        Ok(BodyRenderer)
    }

    pub(crate) fn render(
        &self,
        doc: &Document,
        resolve_link: &dyn Fn(&str) -> Option<String>,
    ) -> RenderedBody {
        let skip_h1 = doc
            .outline
            .headings
            .first()
            .filter(|h| h.level == 1 && h.event == 0)
            .map(|h| h.event);
        let mut skipping = false;
        let events = doc.events.iter().enumerate().filter_map(|(i, (event, _))| {
            if Some(i) == skip_h1 {
                skipping = true;
            }
            if skipping {
                if matches!(event, Event::End(pulldown_cmark::TagEnd::Heading(_))) {
                    skipping = false;
                }
                return None;
            }
            Some(match event {
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => match resolve_link(dest_url) {
                    Some(href) => Event::Start(Tag::Link {
                        link_type: *link_type,
                        dest_url: href.into(),
                        title: title.clone(),
                        id: id.clone(),
                    }),
                    None => event.clone(),
                },
                other => other.clone(),
            })
        });
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events);
        let toc = doc
            .outline
            .headings
            .iter()
            .filter(|h| h.level == 2 || h.level == 3)
            .map(|h| TocEntry {
                level: h.level,
                id: h.id.clone(),
                title: h.text.clone(),
            })
            .collect();
        RenderedBody {
            html,
            toc,
            diagnostics: Vec::new(),
        }
    }
}
