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

/// A print binder: a service's runbooks (or those without a service), printed in parts.
pub(super) struct Binder {
    name: String,
    /// Under [`PRINT_URL`], ending in `/`.
    slug: String,
    /// Its runbooks, by page index, in print order.
    pub(super) pages: Vec<usize>,
}

impl Binder {
    /// The URL of part `number` (1-based).
    fn part_url(&self, number: usize) -> String {
        let base = format!("{PRINT_URL}{}", self.slug);
        if number <= 1 {
            base
        } else {
            format!("{base}{number}/")
        }
    }
}

impl Renderer<'_> {
    /// The binders: one per service, then one for the runbooks without a service.
    pub(super) fn binders(&self) -> Vec<Binder> {
        let mut binders: Vec<Binder> = self
            .services
            .iter()
            .map(|g| Binder {
                name: g.name.clone(),
                slug: g.url.trim_start_matches("services/").to_string(),
                pages: g.pages.clone(),
            })
            .collect();
        let unsorted: Vec<usize> = self
            .site
            .pages
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.kind == crate::model::PageKind::Runbook && self.service_of_page[*i].is_none()
            })
            .map(|(i, _)| i)
            .collect();
        if !unsorted.is_empty() {
            binders.push(Binder {
                name: UNSORTED.into(),
                slug: "_other/".into(),
                pages: unsorted,
            });
        }
        binders
    }

    /// The parts of the binders in `ready`, whose bodies `body` gives, made into `output`.
    /// Returns each binder's number of parts, in the order of `ready`.
    pub(super) fn print_binders<'b>(
        &self,
        binders: &[Binder],
        ready: &[usize],
        body: impl Fn(usize) -> &'b RenderedBody + Sync,
        output: &mut Output,
    ) -> Result<Vec<usize>> {
        // (binder, part number, part count, its runbooks)
        let mut parts: Vec<(usize, usize, usize, Vec<usize>)> = Vec::new();
        let mut counts = Vec::with_capacity(ready.len());
        for &b in ready {
            let first = parts.len();
            let mut part: Vec<usize> = Vec::new();
            let mut bytes = 0;
            for &i in &binders[b].pages {
                let size = body(i).html.len();
                if !part.is_empty() && bytes + size > PRINT_PART_BYTES {
                    parts.push((b, parts.len() - first + 1, 0, std::mem::take(&mut part)));
                    bytes = 0;
                }
                part.push(i);
                bytes += size;
            }
            if !part.is_empty() {
                parts.push((b, parts.len() - first + 1, 0, part));
            }
            let count = parts.len() - first;
            for part in &mut parts[first..] {
                part.2 = count;
            }
            counts.push(count);
        }

        output.insert_made(&parts, |(b, number, total, pages)| {
            let binder = &binders[*b];
            let url = binder.part_url(*number);
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
                        rewrite_links(&body(i).html, &page.url, anchor, &anchors, &root);
                    let heading = page.doc.outline.title_heading();
                    PrintedRunbook {
                        title: &page.title,
                        title_id: format!(
                            "{anchor}-{}",
                            heading.map_or("title", |h| h.id.as_str())
                        ),
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
            let highlight_css = self.highlight_rules.for_classes(
                pages
                    .iter()
                    .flat_map(|&i| body(i).hl_classes.iter().map(String::as_str)),
            );
            let view = BinderPart {
                service: &binder.name,
                part: *number,
                parts: *total,
                prev: (*number > 1).then(|| binder.part_url(number - 1)),
                next: (*number < *total).then(|| binder.part_url(number + 1)),
                pages: views,
                highlight_css,
            };
            let mut context = self.context("print", &url);
            context.insert("print", &view);
            let path = format!("{url}index.html");
            let bytes = self
                .render_template("print.html", &context, "print.html", &path)
                .map_err(|d| anyhow!(d.message))?;
            Ok(vec![(path, bytes)])
        })?;
        Ok(counts)
    }

    /// `print/`: every binder with links to its parts (`part_counts`, by binder).
    pub(super) fn print_index(
        &self,
        binders: &[Binder],
        part_counts: &[usize],
        output: &mut Output,
    ) -> Result<()> {
        let index: Vec<_> = binders
            .iter()
            .zip(part_counts)
            .map(|(binder, &count)| BinderLink {
                name: &binder.name,
                count: binder.pages.len(),
                parts: (1..=count)
                    .map(|number| PagerLink {
                        number,
                        url: binder.part_url(number),
                    })
                    .collect(),
            })
            .collect();
        let mut context = self.context("print", PRINT_URL);
        context.insert("print", BinderIndex { binders: index });
        let path = format!("{PRINT_URL}index.html");
        let bytes = self
            .render_template("print.html", &context, "print.html", &path)
            .map_err(|d| anyhow!(d.message))?;
        output.insert(path, bytes)
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
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len() + 256);
    // `html[..copied]` is in `out`, rewritten.
    let mut copied = 0;
    // Every attribute is `name="value"`: look at each `="`, which text never holds (the body's
    // text escapes its quotes), and at the attribute name before it.
    for eq in memchr::memmem::find_iter(bytes, b"=\"") {
        if eq < copied {
            continue;
        }
        let name = &html[..eq];
        let value_start = eq + 2;
        if name.ends_with(" id") {
            out.push_str(&html[copied..value_start]);
            out.push_str(anchor);
            out.push('-');
            copied = value_start;
        } else if name.ends_with("href") || name.ends_with("src") {
            let Some(len) = memchr::memchr(b'"', &bytes[value_start..]) else {
                break;
            };
            out.push_str(&html[copied..value_start]);
            let value = &html[value_start..value_start + len];
            out.push_str(&rewrite_one(value, page_url, anchor, anchors, root));
            copied = value_start + len;
        }
    }
    out.push_str(&html[copied..]);
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
    /// The header's id: the anchor and the id of the H1 the header stands in for (links to it
    /// are rewritten the same way), else the anchor and `title`.
    title_id: String,
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
