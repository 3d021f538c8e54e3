//! `unknown-html-tag`: text like `<cluster-id>` or `<NODE POOL NAME>` written outside code.
//! Markdown passes it through as HTML, and a browser would swallow it as an unknown element;
//! the renderer shows it as text, and this rule says where to put it in backticks.
//!
//! `unsafe-link-scheme`: a link, image or HTML attribute whose URL runs code or carries a
//! document (`javascript:`, `vbscript:`, `data:`). Pages are opened from alert notifications,
//! often by someone logged in to everything: such a URL is an error whatever `raw-html` says.

use std::ops::Range;

use pulldown_cmark::Event;

use crate::diag::Diagnostic;
use crate::model::Page;

/// Warns about every placeholder tag in a page, except inside HTML comments, which no one sees;
/// reports every unsafe URL.
pub(super) fn check(page: &Page, events: &[(Event<'_>, Range<usize>)], out: &mut Vec<Diagnostic>) {
    unsafe_urls(page, events, out);
    let doc = &page.doc;
    if doc.outline.placeholder_tags.is_empty() {
        return;
    }
    let comments = comment_spans(page, events);
    let source = doc.source_ref();
    let mut limited = super::Limited::new(out, "unknown-html-tag");
    for tag in &doc.outline.placeholder_tags {
        if comments.iter().any(|c| c.contains(&tag.span.start)) {
            continue;
        }
        limited.push(tag.span.clone(), |span| {
            source
                .diag(
                    "unknown-html-tag",
                    span,
                    format!(
                        "`{}` is not an HTML tag: a browser would hide it, so it is shown as text",
                        tag.text
                    ),
                )
                .with_help(format!(
                    "put it in backticks (`` `{}` ``) or escape the bracket (`\\{}`)",
                    tag.text, tag.text
                ))
        });
    }
    limited.finish(&source);
}

/// Byte spans in the file of the HTML comments in a page's raw HTML. A comment in an HTML block
/// may span several events (one per line), so the events are followed in order.
fn comment_spans(page: &Page, events: &[(Event<'_>, Range<usize>)]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (event, span) in events {
        let (Event::Html(html) | Event::InlineHtml(html)) = event else {
            continue;
        };
        let mut from = 0;
        loop {
            match open {
                None => match html[from..].find("<!--") {
                    Some(at) => {
                        open = Some(span.start + from + at);
                        from += at + 4;
                    }
                    None => break,
                },
                Some(start) => match html[from..].find("-->") {
                    Some(at) => {
                        let end = span.start + from + at + 3;
                        spans.push(start..end);
                        open = None;
                        from += at + 3;
                    }
                    None => break,
                },
            }
        }
    }
    if let Some(start) = open {
        spans.push(start..page.doc.source.text.len());
    }
    spans
}

/// URL schemes a runbook may not link to.
const UNSAFE_SCHEMES: [&str; 3] = ["javascript:", "vbscript:", "data:"];

/// The unsafe scheme `url` starts with, read as a browser reads it: leading spaces and control
/// characters skipped, tabs and line breaks anywhere removed, any case.
fn unsafe_scheme(url: &str) -> Option<&'static str> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    UNSAFE_SCHEMES.into_iter().find(|s| url.starts_with(s))
}

fn unsafe_urls(page: &Page, events: &[(Event<'_>, Range<usize>)], out: &mut Vec<Diagnostic>) {
    let doc = &page.doc;
    let source = doc.source_ref();
    let mut found: Vec<(Range<usize>, &'static str)> = Vec::new();
    // A link of raw HTML is found again below, with every other attribute.
    for link in doc.outline.links.iter().filter(|link| !link.in_html) {
        if let Some(scheme) = unsafe_scheme(&link.dest) {
            found.push((link.span.clone(), scheme));
        }
    }
    // Raw HTML as a browser reads it: references decoded, nothing inside comments.
    let mut html = crate::parse::HtmlReader::default();
    for (event, span) in events {
        html.read(&doc.source.text, event, span);
    }
    for attribute in html.finish() {
        if let Some(scheme) = unsafe_scheme(&attribute.value) {
            found.push((attribute.span, scheme));
        }
    }
    for (span, scheme) in found {
        out.push(
            source
                .diag(
                    "unsafe-link-scheme",
                    span,
                    format!("a `{scheme}` URL: it would run code or open a document in the reader's browser"),
                )
                .with_help("link to an http(s) address, or to a file of the site"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_read_as_a_browser_reads_them() {
        for url in [
            "javascript:alert(1)",
            " JavaScript:x",
            "java\tscript:x",
            "\u{1}vbscript:x",
            "data:text/html,<script>",
        ] {
            assert!(unsafe_scheme(url).is_some(), "{url:?}");
        }
        for url in [
            "https://x",
            "../db/a.md",
            "#javascript:",
            "mailto:a@b",
            "metadata:x",
        ] {
            assert_eq!(unsafe_scheme(url), None, "{url:?}");
        }
    }
}
