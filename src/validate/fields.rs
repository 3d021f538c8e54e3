//! Front-matter rules that need the configuration and the date: `missing-field`,
//! `stale-review` and `missing-review-date`. Syntax and field types are checked while parsing
//! ([`crate::frontmatter`]); a field reported there as invalid is not reported again here.

use serde_json::Value;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Document, FrontMatter, Page, PageKind};

/// Runs the field rules over one runbook page; section pages only carry navigation.
pub(super) fn check(
    config: &Config,
    page: &Page,
    today: jiff::civil::Date,
    out: &mut Vec<Diagnostic>,
) {
    if page.kind == PageKind::Section {
        return;
    }
    let doc = &page.doc;
    let source = doc.source_ref();
    for field in &config.validate.required_fields {
        match doc.field_spans.get(field.as_str()) {
            None => {
                // A title may come from the first `# Heading`, as the page's title does.
                if field == "title" && doc.outline.h1().is_some() {
                    continue;
                }
                out.push(
                    source
                        .diag(
                            "missing-field",
                            first_line(doc),
                            format!("the front matter has no `{field}`"),
                        )
                        .with_help(format!(
                            "add `{field}: …` to the front matter (required by [validate] required-fields)"
                        )),
                );
            }
            Some(span) if is_blank(&doc.front, field) => out.push(
                source
                    .diag("missing-field", span.clone(), format!("`{field}` is empty"))
                    .with_help(format!(
                        "give `{field}` a value (required by [validate] required-fields)"
                    )),
            ),
            Some(_) => {}
        }
    }

    match doc.front.last_reviewed {
        Some(reviewed) => {
            let Some(age) = crate::model::days_between(reviewed, today) else {
                return;
            };
            let interval = i64::from(config.validate.review_interval_days);
            if age > interval {
                let at = doc
                    .field_spans
                    .get("last_reviewed")
                    .cloned()
                    .unwrap_or(0..0);
                out.push(
                    source
                        .diag(
                            "stale-review",
                            at,
                            format!(
                                "last reviewed on {reviewed}, {age} days ago; the review interval is {interval} days"
                            ),
                        )
                        .with_help(
                            "review the runbook against the system as it is today, then update `last_reviewed`",
                        ),
                );
            }
        }
        // A `last_reviewed` that is not a date is an invalid-field already.
        None if doc.field_spans.contains_key("last_reviewed") => {}
        None => out.push(
            source
                .diag(
                    "missing-review-date",
                    first_line(doc),
                    "the runbook has no `last_reviewed` date",
                )
                .with_help(format!(
                    "add `last_reviewed: {today}` to the front matter once the runbook is reviewed"
                )),
        ),
    }
}

/// Line 1: the front matter's opening `---`, or the first line of a file without front matter.
fn first_line(doc: &Document) -> std::ops::Range<usize> {
    0..doc.source.text.find('\n').unwrap_or(doc.source.text.len())
}

/// Whether a field that is present holds nothing: an empty string, list or mapping.
/// A field of the wrong type was reported by the parser and does not count as blank.
fn is_blank(front: &FrontMatter, field: &str) -> bool {
    let text = |value: &Option<String>| value.as_deref().is_some_and(|s| s.trim().is_empty());
    match field {
        "title" => text(&front.title),
        "description" => text(&front.description),
        "service" => text(&front.service),
        "owner" => text(&front.owner),
        "severity" => text(&front.severity),
        "kind" => text(&front.kind),
        "slug" => text(&front.slug),
        "alerts" => front.alerts.is_empty(),
        "tags" => front.tags.is_empty(),
        "aliases" => front.aliases.is_empty(),
        _ => match front.extra.get(field) {
            Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Object(map)) => map.is_empty(),
            _ => false,
        },
    }
}
