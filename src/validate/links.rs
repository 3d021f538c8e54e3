//! Link rules: `broken-link` (a relative link to a page or file that does not exist) and
//! `broken-anchor` (a `#fragment` that matches no anchor on the target page, or on the same page).
//!
//! Destinations are resolved by [`crate::link::resolve`], the same function the renderer uses to
//! write hrefs, so a link the check accepts is a link that works. External links are not fetched.
//! Footnote references are not links (the parser reports them as footnotes), so they are not checked.

use crate::diag::Diagnostic;
use crate::link::{Target, resolve};
use crate::model::{Page, Site};

/// Whether a page has an anchor: a heading id, or an `id`/`name` attribute written in raw HTML
/// (`<a name="x">`), which also takes a browser to a place in the page. Heading ids are looked
/// up first; the page's HTML is only read when they miss, so the common case costs nothing.
fn has_anchor(page: &Page, fragment: &str) -> bool {
    // The empty fragment and `#top` take a browser to the top of any page.
    if fragment.is_empty() || fragment.eq_ignore_ascii_case("top") {
        return true;
    }
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let outline = &page.doc.outline;
    if outline.has_anchor(fragment) || outline.has_anchor(&decoded) {
        return true;
    }
    // Rare (a heading id matched nothing), so the page is parsed again here rather than kept.
    crate::parse::html_attributes(&page.doc).iter().any(|a| {
        (a.name == "id" || a.name == "name") && (a.value == fragment || a.value == decoded)
    })
}

/// The other pages whose anchors this page's `#fragment` links name, by index: when one of
/// them changes, this page's `broken-anchor` diagnostics may change too.
pub(crate) fn anchor_targets(site: &Site, page: &Page) -> std::collections::BTreeSet<usize> {
    page.doc
        .outline
        .links
        .iter()
        .filter(|link| !looks_like_email(&link.dest))
        .filter_map(|link| match resolve(site, page, &link.dest) {
            Target::Page(i, Some(_)) => Some(i),
            _ => None,
        })
        .collect()
}

/// Checks every link and image in one page.
pub(super) fn check(site: &Site, page: &Page, out: &mut Vec<Diagnostic>) {
    let doc = &page.doc;
    let source = doc.source_ref();
    let this = site.by_source.get(&doc.source.rel).copied();
    let (mut broken_links, mut broken_anchors) = (Vec::new(), Vec::new());
    let mut links = super::Limited::new(&mut broken_links, "broken-link");
    let mut anchors_out = super::Limited::new(&mut broken_anchors, "broken-anchor");
    for link in &doc.outline.links {
        if looks_like_email(&link.dest) {
            continue;
        }
        // Point at the destination inside `[text](dest)` when it is written there.
        let span = doc
            .source
            .text
            .get(link.span.clone())
            .and_then(|written| written.find(link.dest.as_str()))
            .map_or(link.span.clone(), |at| {
                let start = link.span.start + at;
                start..start + link.dest.len()
            });
        let what = if link.is_image { "image" } else { "link" };
        match resolve(site, page, &link.dest) {
            Target::External | Target::Asset(_) | Target::Page(_, None) | Target::Section(..) => {}
            Target::Missing(path) => links.push(span, |span| {
                // Name the missing file as the reader sees paths: from the root, like the page.
                let content_prefix = doc
                    .source
                    .path
                    .strip_suffix(doc.source.rel.as_str())
                    .unwrap_or("");
                let shown = format!("{content_prefix}{path}");
                let folder = path.trim_end_matches('/');
                let holds_files = !folder.is_empty()
                    && site
                        .assets
                        .range(format!("{folder}/")..)
                        .next()
                        .is_some_and(|asset| asset.starts_with(&format!("{folder}/")));
                if holds_files {
                    source
                        .diag(
                            "broken-link",
                            span,
                            format!(
                                "{what} to `{}`: the folder {shown} has no Markdown page, so the site has no page for it",
                                link.dest
                            ),
                        )
                        .with_help(format!(
                            "link to a file in it, or add {content_prefix}{folder}/_index.md to give the folder a page"
                        ))
                } else {
                    source
                        .diag(
                            "broken-link",
                            span,
                            format!("{what} to `{}`: no page or file at {shown}", link.dest),
                        )
                        .with_help(
                            "link to a Markdown file (`../db/failover.md`) or a file under the content folder, relative to this page",
                        )
                }
            }),
            Target::SamePage(fragment) => {
                if let Some(i) = this
                    && !has_anchor(&site.pages[i], &fragment)
                {
                    anchors_out.push(span, |span| {
                        broken_anchor(&source, span, &link.dest, &fragment, page)
                    });
                }
            }
            Target::Page(i, Some(fragment)) => {
                if !has_anchor(&site.pages[i], &fragment) {
                    anchors_out.push(span, |span| {
                        broken_anchor(&source, span, &link.dest, &fragment, &site.pages[i])
                    });
                }
            }
        }
    }
    links.finish(&source);
    anchors_out.finish(&source);
    out.append(&mut broken_links);
    out.append(&mut broken_anchors);
}

fn broken_anchor(
    source: &crate::diag::SourceRef<'_>,
    span: std::ops::Range<usize>,
    dest: &str,
    fragment: &str,
    target: &Page,
) -> Diagnostic {
    let ids: Vec<&str> = target
        .doc
        .outline
        .headings
        .iter()
        .map(|h| h.id.as_str())
        .collect();
    let mut diagnostic = source.diag(
        "broken-anchor",
        span,
        format!(
            "link to `{dest}`: {} has no heading with the id `{fragment}`",
            target.doc.source.path
        ),
    );
    diagnostic = match crate::diag::did_you_mean(fragment, ids.iter().copied()) {
        Some(close) => diagnostic.with_help(format!("did you mean `#{close}`?")),
        None if ids.is_empty() => diagnostic.with_help("the page has no headings"),
        None => diagnostic.with_help(format!(
            "heading ids on that page: {}",
            ids.iter()
                .take(12)
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    diagnostic
}

/// `<ops@example.com>` autolinks come through with the address alone as their destination.
fn looks_like_email(dest: &str) -> bool {
    dest.contains('@') && !dest.contains('/') && !dest.contains('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_not_links() {
        assert!(looks_like_email("ops@example.com"));
        assert!(!looks_like_email("../db/failover.md"));
        assert!(!looks_like_email("https://x.example/@me"));
    }
}
