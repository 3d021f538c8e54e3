//! Foreign-dialect rule: `foreign-syntax` for the template syntax of other site generators, which
//! rb-site shows as written: Hugo shortcodes (`{{< ref "x.md" >}}`, `{{% note %}}`) and
//! Jekyll/Liquid tags (`{% include x.html %}`). Each diagnostic says what to write instead.
//! Code (fenced, indented and inline) is left alone: there such text is an example. GitLab's
//! `[[_TOC_]]` and `[TOC]` need no diagnostic: the render stage draws them as the page's table of
//! contents.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use crate::diag::Diagnostic;
use crate::model::Page;

/// Checks one page's text outside code.
pub(super) fn check(page: &Page, events: &[(Event<'_>, Range<usize>)], out: &mut Vec<Diagnostic>) {
    let doc = &page.doc;
    let text = doc.source.text.as_str();
    let Some(body_start) = events.first().map(|(_, span)| span.start) else {
        return;
    };
    let code = code_spans(events);
    let in_code = |at: usize| code.iter().any(|span| span.contains(&at));
    let source = doc.source_ref();
    // Where each tag opens, found in one pass over the braces: searching the text once per
    // pattern cost 5 % of `check`.
    let patterns = [("{{<", ">}}"), ("{{%", "%}}"), ("{%", "%}")];
    let mut opens: [Vec<usize>; 3] = Default::default();
    for (at, _) in text[body_start..].match_indices('{') {
        let at = body_start + at;
        for ((open, _), starts) in patterns.iter().zip(&mut opens) {
            if text[at..].starts_with(open) {
                starts.push(at);
            }
        }
    }
    for ((open, close), starts) in patterns.into_iter().zip(&opens) {
        let mut from = body_start;
        for &start in starts {
            if start < from {
                continue;
            }
            from = start + open.len();
            // `{%` also starts `{%` inside `{{%`, found by its own pattern.
            if open == "{%" && text[..start].ends_with('{') {
                continue;
            }
            // A tag closes on its own line.
            let line = &text[from..];
            let line = &line[..line.find('\n').unwrap_or(line.len())];
            let Some(length) = line.find(close) else {
                continue;
            };
            let end = from + length + close.len();
            if in_code(start) {
                from = end;
                continue;
            }
            let written = &text[start..end];
            let inner = text[from..from + length].trim();
            out.push(foreign(&source, start..end, written, open, inner));
            from = end;
        }
    }
}

/// The diagnostic for one foreign tag, with the fix for the common ones.
fn foreign(
    source: &crate::diag::SourceRef<'_>,
    span: Range<usize>,
    written: &str,
    open: &str,
    inner: &str,
) -> Diagnostic {
    let name = inner.split_whitespace().next().unwrap_or_default();
    let argument = inner
        .split_once(char::is_whitespace)
        .map(|(_, rest)| rest.trim().trim_matches('"'))
        .unwrap_or_default();
    let (dialect, help) = match (open, name) {
        ("{{<" | "{{%", "ref" | "relref") => (
            "a Hugo shortcode",
            format!("link the Markdown file directly: `({argument})`; rb-site resolves and checks it"),
        ),
        ("{{<" | "{{%", _) => (
            "a Hugo shortcode",
            "rb-site has no shortcodes: write the Markdown or HTML it stands for (GitHub-style `> [!NOTE]` callouts work)"
                .to_string(),
        ),
        (_, "include" | "include_relative") => (
            "a Jekyll/Liquid tag",
            "rb-site has no includes: copy the text in, or link the page it comes from".to_string(),
        ),
        (_, "raw" | "endraw") => (
            "a Jekyll/Liquid tag",
            "remove it: rb-site shows `{{ }}` as written, no need to escape it".to_string(),
        ),
        _ => (
            "a Jekyll/Liquid tag",
            "rb-site has no template tags: write the Markdown it stands for".to_string(),
        ),
    };
    source
        .diag(
            "foreign-syntax",
            span,
            format!("`{written}` is {dialect}, which rb-site shows as written"),
        )
        .with_help(help)
}

/// Byte spans of code: fenced and indented blocks, and inline code.
fn code_spans(events: &[(Event<'_>, Range<usize>)]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut block_start = None;
    for (event, span) in events {
        match event {
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(span.clone()),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block_start.take() {
                    spans.push(start.start..start.end.max(span.end));
                }
            }
            Event::Code(_) => spans.push(span.clone()),
            _ => {}
        }
    }
    spans
}
