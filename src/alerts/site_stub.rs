//! TEMPORARY: a minimal content loader standing in for the lead's pipeline (`crate::load_site`)
//! until it lands, so the alert stage can be built and tested end to end. It reads front matter
//! (`title`, `alerts`, `service`, `owner`, `severity`), headings and URLs only. Delete it once
//! `load.rs`/`frontmatter.rs`/`parse.rs`/`link.rs` are merged.

use std::collections::BTreeMap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::config::Config;
use crate::diag::LineIndex;
use crate::model::{
    Document, FrontMatter, Heading, Outline, Page, PageKind, Site, SourceFile, slugify,
};

#[derive(Deserialize, Default)]
struct StubFront {
    title: Option<String>,
    service: Option<String>,
    owner: Option<String>,
    severity: Option<String>,
    #[serde(default)]
    alerts: Vec<String>,
}

/// Reads every `*.md` under the content folder into a [`Site`].
pub(crate) fn load_site(config: &Config) -> anyhow::Result<Site> {
    let content = config.content_dir();
    let content_prefix = config
        .build
        .content_dir
        .to_string_lossy()
        .replace('\\', "/");
    let mut pages = Vec::new();
    for entry in walkdir::WalkDir::new(&content)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file()
            || entry.path().extension().and_then(|e| e.to_str()) != Some("md")
        {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&content) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(entry.path())?.replace("\r\n", "\n");
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        let source = SourceFile {
            path: format!("{}/{rel}", content_prefix.trim_end_matches('/')),
            rel: rel.clone(),
            text,
        };
        pages.push(stub_page(config, source));
    }
    pages.sort_by(|a, b| a.url.cmp(&b.url));
    let by_source = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.doc.source.rel.clone(), i))
        .collect();
    Ok(Site {
        pages,
        by_source,
        sections: BTreeMap::new(),
        tags: BTreeMap::new(),
    })
}

fn stub_page(config: &Config, source: SourceFile) -> Page {
    let text = source.text.clone();
    let mut field_spans = BTreeMap::new();
    let (front, body_start) = match text
        .strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---").map(|end| (rest, end)))
    {
        Some((rest, end)) => {
            let yaml = &rest[..end];
            let mut offset = 4;
            for line in yaml.split_inclusive('\n') {
                if let Some(key) = line
                    .split(':')
                    .next()
                    .filter(|k| !k.starts_with([' ', '-']))
                {
                    field_spans.insert(key.trim().to_string(), offset..offset + line.len());
                }
                offset += line.len();
            }
            // Extend the `alerts` span over its block list.
            if let Some(span) = field_spans.get("alerts").cloned() {
                let mut end_of_list = span.end;
                for line in text[span.end..4 + end].split_inclusive('\n') {
                    if line.starts_with([' ', '-']) {
                        end_of_list += line.len();
                    } else {
                        break;
                    }
                }
                field_spans.insert("alerts".into(), span.start..end_of_list);
            }
            let front: StubFront = serde_saphyr::from_str(yaml).unwrap_or_default();
            (front, 4 + end + 4)
        }
        None => (StubFront::default(), 0),
    };
    let mut outline = Outline::default();
    let mut current: Option<(u8, usize, String)> = None;
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let body = &text[body_start.min(text.len())..];
    for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                current = Some((level, range.start + body_start, String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, s)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, text)) = current.take() {
                    let base = slugify(&text);
                    let n = ids.entry(base.clone()).or_insert(0);
                    let id = if *n == 0 {
                        base.clone()
                    } else {
                        format!("{base}-{n}")
                    };
                    *n += 1;
                    outline.headings.push(Heading {
                        level,
                        text,
                        id,
                        span: start..range.end + body_start,
                        event: 0,
                    });
                }
            }
            _ => {}
        }
    }
    let stem = source.rel.rsplit('/').next().unwrap_or(&source.rel);
    let stem = stem.strip_suffix(".md").unwrap_or(stem).to_string();
    let dir = source
        .rel
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    let is_index = stem == "_index";
    let url = if is_index {
        dir.clone()
    } else {
        format!("{dir}{}/", slugify(&stem))
    };
    let mut alerts = front.alerts.clone();
    if alerts.is_empty() && config.alerts.name_from_file && !is_index {
        alerts.push(stem.clone());
    }
    let doc = Document {
        index: LineIndex::new(&text),
        front: FrontMatter {
            title: front.title.clone(),
            service: front.service,
            owner: front.owner,
            severity: front.severity,
            alerts: front.alerts,
            ..FrontMatter::default()
        },
        field_spans,
        body_start,
        outline,
        events: Vec::new(),
        source,
    };
    let title = doc.title();
    Page {
        doc,
        kind: if is_index {
            PageKind::Section
        } else {
            PageKind::Runbook
        },
        url,
        title,
        runbook_kind: config.validate.default_kind.clone(),
        alerts,
    }
}

/// The alert templates of the default theme in a Tera instance (the lead's theme.rs replaces this).
pub(crate) fn theme_tera() -> anyhow::Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates([
        (
            "alert_redirect.html",
            include_str!("../../themes/default/templates/alert_redirect.html"),
        ),
        (
            "alerts.html",
            include_str!("../../themes/default/templates/alerts.html"),
        ),
    ])?;
    Ok(tera)
}
