//! `unknown-html-tag`: text like `<cluster-id>` or `<NODE POOL NAME>` written outside code.
//! Markdown passes it through as HTML, and a browser would swallow it as an unknown element;
//! the renderer shows it as text, and this rule says where to put it in backticks.

use std::ops::Range;

use pulldown_cmark::Event;

use crate::diag::Diagnostic;
use crate::model::Page;

/// Warns about every placeholder tag in a page, except inside HTML comments, which no one sees.
pub(super) fn check(page: &Page, out: &mut Vec<Diagnostic>) {
    let doc = &page.doc;
    if doc.outline.placeholder_tags.is_empty() {
        return;
    }
    let comments = comment_spans(page);
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
fn comment_spans(page: &Page) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (event, span) in &page.doc.events {
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
