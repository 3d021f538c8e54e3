//! The print binders: one per service, split into parts of bounded size (`print/<service>/`,
//! `print/<service>/2/`, …), and an index of them at `print/`. A single runbook prints from its
//! own page. Bodies are rendered for their page's URL, so their links are rewritten: a link to
//! a runbook in the same part becomes a link inside the part, any other relative link is made
//! relative to the part's URL.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::markdown::RenderedBody;
use super::services::PagerLink;
use super::{Output, Renderer};
use crate::model::Site;

/// A part holds runbooks until their bodies pass this many bytes (at least one runbook), which
/// keeps a part page under about 150 KB.
const PRINT_PART_BYTES: usize = 90_000;

/// The folder of the print binders.
pub(super) const PRINT_URL: &str = "print/";

/// Runbooks without a service print under this name.
const UNSORTED: &str = "Other runbooks";

impl Renderer<'_> {
    pub(super) fn print(&self, bodies: &[RenderedBody], output: &mut Output) -> Result<()> {
        let mut binders: Vec<(String, String, Vec<usize>)> = self
            .services
            .iter()
            .map(|g| {
                let slug = g.url.trim_start_matches("services/").to_string();
                (g.name.clone(), slug, g.pages.clone())
            })
            .collect();
        let unsorted: Vec<usize> = self
            .site
            .pages
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.kind == crate::model::PageKind::Runbook && !self.service_of_page.contains_key(i)
            })
            .map(|(i, _)| i)
            .collect();
        if !unsorted.is_empty() {
            binders.push((UNSORTED.into(), "_other/".into(), unsorted));
        }
        // (binder, part number, its runbooks)
        let mut parts: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (b, (_, _, pages)) in binders.iter().enumerate() {
            let mut part: Vec<usize> = Vec::new();
            let mut bytes = 0;
            for &i in pages {
                let size = bodies[i].html.len();
                if !part.is_empty() && bytes + size > PRINT_PART_BYTES {
                    let number = parts.iter().filter(|p| p.0 == b).count() + 1;
                    parts.push((b, number, std::mem::take(&mut part)));
                    bytes = 0;
                }
                part.push(i);
                bytes += size;
            }
            if !part.is_empty() {
                let number = parts.iter().filter(|p| p.0 == b).count() + 1;
                parts.push((b, number, part));
            }
        }
        let part_url = |b: usize, number: usize| {
            let base = format!("{PRINT_URL}{}", binders[b].1);
            if number <= 1 {
                base
            } else {
                format!("{base}{number}/")
            }
        };
        let part_counts: Vec<usize> = (0..binders.len())
            .map(|b| parts.iter().filter(|p| p.0 == b).count())
            .collect();

        output.insert_made(&parts, |(b, number, pages)| {
            let url = part_url(*b, *number);
            let root = Site::root_prefix(&url);
            let anchors: HashMap<&str, String> = pages
                .iter()
                .map(|&i| {
                    (
                        self.site.pages[i].url.as_str(),
                        anchor_of(&self.site.pages[i].url),
                    )
                })
                .collect();
            let views: Vec<_> = pages
                .iter()
                .map(|&i| {
                    let page = &self.site.pages[i];
                    let anchor = &anchors[page.url.as_str()];
                    let content_html =
                        rewrite_links(&bodies[i].html, &page.url, anchor, &anchors, &root);
                    PrintedRunbook {
                        title: &page.title,
                        url: &page.url,
                        anchor,
                        service: page.service(),
                        owner: page.doc.front.owner.as_deref(),
                        severity: page.doc.front.severity.as_deref(),
                        source_path: &page.doc.source.path,
                        content_html,
                    }
                })
                .collect();
            let highlight_css = self
                .highlight_rules
                .for_html(pages.iter().map(|&i| bodies[i].html.as_str()));
            let total = part_counts[*b];
            let view = BinderPart {
                service: &binders[*b].0,
                part: *number,
                parts: total,
                prev: (*number > 1).then(|| part_url(*b, number - 1)),
                next: (*number < total).then(|| part_url(*b, number + 1)),
                pages: views,
                highlight_css,
            };
            let mut context = self.context("print", &url);
            context.insert("print", &view);
            let bytes = self
                .render_template("print.html", &context, "print.html")
                .map_err(|d| anyhow!(d.message))?;
            Ok(vec![(format!("{url}index.html"), bytes)])
        })?;

        let index: Vec<_> = binders
            .iter()
            .enumerate()
            .map(|(b, (name, _, pages))| {
                let parts = (1..=part_counts[b])
                    .map(|number| PagerLink {
                        number,
                        url: part_url(b, number),
                    })
                    .collect();
                BinderLink {
                    name,
                    count: pages.len(),
                    parts,
                }
            })
            .collect();
        let mut context = self.context("print", PRINT_URL);
        context.insert("print", &BinderIndex { binders: index });
        let bytes = self
            .render_template("print.html", &context, "print.html")
            .map_err(|d| anyhow!(d.message))?;
        output.insert(format!("{PRINT_URL}index.html"), bytes)
    }
}

/// A runbook's id in a print part; its headings' ids are prefixed with it.
fn anchor_of(url: &str) -> String {
    format!("rb-{}", url.trim_end_matches('/').replace('/', "-"))
}

/// A body rendered for the page at `page_url`, made to work inside a print part: ids prefixed
/// with `anchor`, in-page links following them, links to runbooks of the part (`anchors`, by
/// URL) pointing inside the part, and other relative links made relative to the part (`root`).
fn rewrite_links(
    html: &str,
    page_url: &str,
    anchor: &str,
    anchors: &HashMap<&str, String>,
    root: &str,
) -> String {
    let html = html.replace(" id=\"", &format!(" id=\"{anchor}-"));
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html.as_str();
    while let Some(at) = rest.find(['h', 's']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let attr = if from.starts_with("href=\"") {
            "href=\""
        } else if from.starts_with("src=\"") {
            "src=\""
        } else {
            out.push_str(&from[..1]);
            rest = &from[1..];
            continue;
        };
        let value_start = &from[attr.len()..];
        let Some(end) = value_start.find('"') else {
            out.push_str(from);
            rest = "";
            break;
        };
        let value = &value_start[..end];
        out.push_str(attr);
        out.push_str(&rewrite_one(value, page_url, anchor, anchors, root));
        out.push('"');
        rest = &value_start[end + 1..];
    }
    out.push_str(rest);
    out
}

fn rewrite_one(
    value: &str,
    page_url: &str,
    anchor: &str,
    anchors: &HashMap<&str, String>,
    root: &str,
) -> String {
    if let Some(fragment) = value.strip_prefix('#') {
        return format!("#{anchor}-{fragment}");
    }
    let scheme = value
        .find(':')
        .is_some_and(|colon| !value[..colon].contains(['/', '?', '#']));
    if value.is_empty() || scheme || value.starts_with('/') {
        return value.to_string();
    }
    let (path, fragment) = value
        .split_once('#')
        .map_or((value, None), |(p, f)| (p, Some(f)));
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let mut segments: Vec<&str> = page_url.split('/').filter(|s| !s.is_empty()).collect();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    // Above the site: nothing to resolve it to; leave it as written.
                    return value.to_string();
                }
            }
            other => segments.push(other),
        }
    }
    let mut target = segments.join("/");
    if path.ends_with('/') && !target.is_empty() {
        target.push('/');
    }
    let page_key = target.strip_suffix("index.html").unwrap_or(&target);
    if let Some(their) = anchors.get(page_key) {
        return match fragment {
            Some(fragment) if !fragment.is_empty() => format!("#{their}-{fragment}"),
            _ => format!("#{their}"),
        };
    }
    let mut out = format!("{root}{target}");
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// `print.html`'s `print` on a binder's page: one part of one service's runbooks.
#[derive(Serialize)]
struct BinderPart<'a> {
    service: &'a str,
    part: usize,
    parts: usize,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<PrintedRunbook<'a>>,
    /// The highlighting rules the part's code uses.
    highlight_css: String,
}

/// A runbook in a binder, its links rewritten to point inside the part.
#[derive(Serialize)]
struct PrintedRunbook<'a> {
    title: &'a str,
    url: &'a str,
    anchor: &'a str,
    service: Option<String>,
    owner: Option<&'a str>,
    severity: Option<&'a str>,
    source_path: &'a str,
    content_html: String,
}

/// `print.html`'s `print` on `print/`: every binder with its parts.
#[derive(Serialize)]
struct BinderIndex<'a> {
    binders: Vec<BinderLink<'a>>,
}

#[derive(Serialize)]
struct BinderLink<'a> {
    name: &'a str,
    count: usize,
    parts: Vec<PagerLink>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_inside_the_part_or_to_the_site() {
        let anchors: HashMap<&str, String> = [
            ("db/failover/", anchor_of("db/failover/")),
            ("db/lag/", anchor_of("db/lag/")),
        ]
        .into_iter()
        .collect();
        let html = concat!(
            r##"<h2 id="steps">Steps</h2><a href="#steps">a</a> <a href="../lag/index.html#fix">b</a> "##,
            r##"<a href="../../api/latency/index.html">c</a> <a href="https://x.example/a:b">d</a> "##,
            r##"<img src="diagram.png"> <a href="../../../../etc">e</a> <a href="mailto:a@b">f</a>"##
        );
        let out = rewrite_links(html, "db/failover/", "rb-db-failover", &anchors, "../../");
        assert_eq!(
            out,
            concat!(
                r##"<h2 id="rb-db-failover-steps">Steps</h2><a href="#rb-db-failover-steps">a</a> "##,
                r##"<a href="#rb-db-lag-fix">b</a> <a href="../../api/latency/index.html">c</a> "##,
                r##"<a href="https://x.example/a:b">d</a> <img src="../../db/failover/diagram.png"> "##,
                r##"<a href="../../../../etc">e</a> <a href="mailto:a@b">f</a>"##
            )
        );
    }
}
