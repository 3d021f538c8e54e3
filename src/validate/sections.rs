//! Section rules: `missing-section`, `empty-section`, `steps-not-ordered` and `section-order`.
//!
//! Sections are found among the parsed headings at levels 2 and 3, never by searching the text,
//! so a `## Rollback` inside a code fence is not a section. A heading names a section when, once
//! [normalised](normalise_heading), it equals the section's name or one of its aliases
//! (`[sections]` in `book.toml`). Section pages and kinds without required sections are skipped.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Document, Heading, Page, PageKind};

/// Words that stand in for content that was never written.
const PLACEHOLDER_WORDS: &[&str] = &["todo", "tbd", "fixme", "n/a", "na", "tba", "wip"];

/// A heading's text as section matching sees it: lowercased, leading numbering (`1.`, `2.3`,
/// `Step 2:`) removed, leading and trailing punctuation and emoji removed, spaces collapsed.
pub fn normalise_heading(text: &str) -> String {
    let lower = text.to_lowercase();
    let trimmed = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    let rest = strip_numbering(trimmed).unwrap_or(trimmed);
    let rest = rest.trim_end_matches(|c: char| !c.is_alphanumeric());
    let mut out = String::with_capacity(rest.len());
    for word in rest.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The text after a leading number (`1.`, `2)`, `3.1`, `Step 4:`), or None when there is none.
/// A number glued to a word (`5xx errors`, `2fa`) is part of the text, not numbering.
fn strip_numbering(lower: &str) -> Option<&str> {
    let mut rest = lower;
    for word in ["step", "phase", "stage", "part"] {
        if let Some(after) = rest.strip_prefix(word)
            && after.starts_with(char::is_whitespace)
            && after.trim_start().starts_with(|c: char| c.is_ascii_digit())
        {
            rest = after.trim_start();
            break;
        }
    }
    let digits_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, after) = rest.split_at(digits_end);
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let glued_to_a_word = !number.ends_with('.') && after.starts_with(char::is_alphanumeric);
    if glued_to_a_word {
        return None;
    }
    Some(after.trim_start_matches(|c: char| !c.is_alphanumeric()))
}

/// The section names a normalised heading stands for: itself, or, when it is no section name
/// itself, each part of a heading that joins names (`diagnosis and mitigation`,
/// `impact & diagnosis`, `debugging and diagnosis`) that is a section name.
fn heading_sections<'h>(config: &Config, normalised: &'h str) -> Vec<&'h str> {
    let is_section = |part: &str| {
        config.canonical_section(part).is_some()
            || config.kinds.values().any(|k| {
                k.required_sections
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(part))
            })
    };
    if is_section(normalised) {
        return vec![normalised];
    }
    let parts: Vec<&str> = normalised
        .split([',', '&', '/'])
        .flat_map(|p| p.split(" and "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let sections: Vec<&str> = parts.iter().copied().filter(|p| is_section(p)).collect();
    if parts.len() > 1 && !sections.is_empty() {
        sections
    } else {
        vec![normalised]
    }
}

/// Whether a heading starts with a step number, as numbered sub-headings of a steps section do.
fn is_numbered(heading_text: &str) -> bool {
    let lower = heading_text.to_lowercase();
    let trimmed = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    strip_numbering(trimmed).is_some()
}

/// A required section found in a page: its name and the index of its heading in the outline.
struct Found<'a> {
    name: &'a str,
    heading: usize,
}

/// Runs the section rules over one page.
pub(super) fn check(
    config: &Config,
    page: &Page,
    events: &[(Event<'_>, Range<usize>)],
    out: &mut Vec<Diagnostic>,
) {
    if page.kind == PageKind::Section {
        return;
    }
    let Some(kind) = config.kinds.get(&page.runbook_kind) else {
        return;
    };
    if kind.required_sections.is_empty() {
        return;
    }
    let required: Vec<String> = kind
        .required_sections
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let doc = &page.doc;
    let headings = &doc.outline.headings;

    // The first heading that names each required section.
    let mut found_at: Vec<Option<usize>> = vec![None; required.len()];
    for (index, heading) in headings.iter().enumerate() {
        if !(heading.level == 2 || heading.level == 3) {
            continue;
        }
        let normalised = normalise_heading(&heading.text);
        for part in heading_sections(config, &normalised) {
            let canonical = config.canonical_section(part);
            let matching = required.iter().enumerate().find(|(slot, name)| {
                found_at[*slot].is_none() && (**name == part || canonical == Some(name.as_str()))
            });
            if let Some((slot, _)) = matching {
                found_at[slot] = Some(index);
            }
        }
    }

    let source = doc.source_ref();
    let missing_span = doc.outline.h1().map_or_else(
        || 0..doc.source.text.find('\n').unwrap_or(doc.source.text.len()),
        |h1| h1.span.clone(),
    );
    let mut found = Vec::new();
    for (name, slot) in required.iter().zip(&found_at) {
        match slot {
            Some(heading) => found.push(Found {
                name,
                heading: *heading,
            }),
            None => out.push(
                source
                    .diag(
                        "missing-section",
                        missing_span.clone(),
                        format!("runbook has no \"{name}\" section"),
                    )
                    .with_help(format!(
                        "add a `## {}` section; accepted headings: {} (required by kind \"{}\")",
                        crate::config::section_heading(name),
                        accepted_headings(config, name),
                        page.runbook_kind
                    )),
            ),
        }
    }

    let mut reported = std::collections::BTreeSet::new();
    for section in &found {
        // A heading that holds several sections ("Diagnosis and mitigation") is checked once.
        if !reported.insert(section.heading) {
            continue;
        }
        let heading = &headings[section.heading];
        let body = section_body(doc, events, section.heading);
        let span = heading_line(heading);
        match &body.content {
            Content::Empty => out.push(
                source
                    .diag(
                        "empty-section",
                        span.clone(),
                        format!("the \"{}\" section is empty", section.name),
                    )
                    .with_help("write what to do here, or remove the heading and configure the kind without it"),
            ),
            Content::Comment => out.push(
                source
                    .diag(
                        "empty-section",
                        span.clone(),
                        format!(
                            "the \"{}\" section is empty: it holds only an HTML comment, which readers never see",
                            section.name
                        ),
                    )
                    .with_help("write what to do below the comment (`rb-site new` leaves one in each section, saying what belongs there)"),
            ),
            Content::Placeholder(text) => out.push(
                source
                    .diag(
                        "empty-section",
                        span.clone(),
                        format!(
                            "the \"{}\" section holds only the placeholder {text:?}",
                            section.name
                        ),
                    )
                    .with_help("replace the placeholder with what to do"),
            ),
            Content::Written => {
                if section.name == "steps" && !body.ordered_list && !body.numbered_subheading {
                    out.push(
                        source
                            .diag(
                                "steps-not-ordered",
                                span.clone(),
                                "the steps section has neither an ordered list nor numbered sub-headings",
                            )
                            .with_help("number the steps (`1.`, `2.`, …) so they can be followed, and referred to, in order"),
                    );
                }
            }
        }
    }

    check_order(&required, &found, doc, out);
}

/// `section-order`: a section is out of order when a section configured before it comes after it.
fn check_order(
    required: &[String],
    found: &[Found<'_>],
    doc: &Document,
    out: &mut Vec<Diagnostic>,
) {
    let headings = &doc.outline.headings;
    let rank = |name: &str| {
        required
            .iter()
            .position(|r| r == name)
            .unwrap_or(usize::MAX)
    };
    for section in found {
        let should_follow = found
            .iter()
            .filter(|other| {
                rank(other.name) < rank(section.name) && other.heading > section.heading
            })
            .min_by_key(|other| rank(other.name));
        if let Some(earlier) = should_follow {
            out.push(
                doc.source_ref()
                    .diag(
                        "section-order",
                        heading_line(&headings[section.heading]),
                        format!(
                            "the \"{}\" section comes before the \"{}\" section",
                            section.name, earlier.name
                        ),
                    )
                    .with_help(format!("expected order: {}", required.join(", "))),
            );
        }
    }
}

/// Where a diagnostic about a section points: its heading (the first line, for a setext heading).
fn heading_line(heading: &Heading) -> Range<usize> {
    heading.span.clone()
}

fn accepted_headings(config: &Config, name: &str) -> String {
    let mut accepted = vec![name.to_string()];
    if let Some(aliases) = config.sections.get(name) {
        accepted.extend(aliases.iter().cloned());
    }
    accepted
        .iter()
        .map(|a| format!("\"{}\"", crate::config::section_heading(a)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a section holds between its heading and the next heading of the same or a higher level.
#[derive(Debug, PartialEq, Eq)]
enum Content {
    Empty,
    /// Only HTML comments, which readers never see (what `rb-site new` leaves in each section).
    Comment,
    /// Only placeholder words (`TODO`, `TBD`, `FIXME`, `N/A`), as written.
    Placeholder(String),
    Written,
}

struct SectionBody {
    content: Content,
    ordered_list: bool,
    numbered_subheading: bool,
}

/// Reads a section's events. Sub-headings are structure, not content: a steps section made of
/// empty `### 1. …` headings is empty. An HTML comment is not content either.
fn section_body(
    doc: &Document,
    events: &[(Event<'_>, Range<usize>)],
    heading_index: usize,
) -> SectionBody {
    let headings = &doc.outline.headings;
    let heading = &headings[heading_index];
    let end = headings[heading_index + 1..]
        .iter()
        .find(|h| h.level <= heading.level)
        .map_or(events.len(), |h| h.event);
    let events = events.get(heading.event..end).unwrap_or_default();

    let mut text = String::new();
    let mut html = String::new();
    let mut other_content = false;
    let mut ordered_list = false;
    let mut numbered_subheading = false;
    // The section's own heading comes first: skip to its end.
    let mut in_heading: Option<String> = None;
    let mut started = false;
    for (event, _) in events {
        if !started {
            started = matches!(event, Event::End(TagEnd::Heading(_)));
            continue;
        }
        match event {
            Event::Start(Tag::Heading { .. }) => in_heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(sub) = in_heading.take() {
                    numbered_subheading |= is_numbered(&sub);
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                match &mut in_heading {
                    Some(sub) => sub.push_str(t),
                    None => {
                        text.push_str(t);
                        text.push(' ');
                    }
                }
            }
            Event::Html(t) | Event::InlineHtml(t) if in_heading.is_none() => html.push_str(t),
            Event::Start(Tag::List(Some(_))) => ordered_list = true,
            Event::Start(Tag::CodeBlock(_) | Tag::Image { .. }) | Event::FootnoteReference(_)
                if in_heading.is_none() =>
            {
                other_content = true
            }
            _ => {}
        }
    }
    other_content |= !without_html_comments(&html).trim().is_empty();
    let written = text.trim();
    let content = if other_content {
        Content::Written
    } else if written.is_empty() && !html.trim().is_empty() {
        Content::Comment
    } else if written.is_empty() {
        Content::Empty
    } else if is_placeholder(written) {
        Content::Placeholder(written.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Content::Written
    };
    SectionBody {
        content,
        ordered_list,
        numbered_subheading,
    }
}

/// Whether every word of a text is a placeholder (`TODO`, `TBD.`, `(FIXME)`, `N/A`).
fn is_placeholder(text: &str) -> bool {
    let mut words = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '/')))
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek().is_some()
        && words.all(|w| PLACEHOLDER_WORDS.iter().any(|p| p.eq_ignore_ascii_case(w)))
}

fn without_html_comments(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find("<!--") {
        out.push_str(&rest[..open]);
        match rest[open + 4..].find("-->") {
            Some(close) => rest = &rest[open + 4 + close + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_heading_may_name_several_sections() {
        let config = Config::from_toml(std::path::Path::new("/tmp/site"), "").expect("defaults");
        let sections = |text: &str| heading_sections(&config, text).join("|");
        assert_eq!(sections("diagnosis and mitigation"), "diagnosis|mitigation");
        assert_eq!(sections("impact & diagnosis"), "impact|diagnosis");
        assert_eq!(sections("verify/roll back"), "verify|roll back");
        assert_eq!(sections("rollback"), "rollback");
        // The parts that are sections count: `Debugging and Diagnosis` is the diagnosis.
        assert_eq!(sections("debugging and diagnosis"), "diagnosis");
        assert_eq!(sections("tea and biscuits"), "tea and biscuits");
    }

    #[test]
    fn numbering_punctuation_and_emoji_are_ignored() {
        assert_eq!(normalise_heading("Rollback"), "rollback");
        assert_eq!(normalise_heading("1. Rollback"), "rollback");
        assert_eq!(normalise_heading("2) Roll  back:"), "roll back");
        assert_eq!(normalise_heading("Step 3: Verify"), "verify");
        assert_eq!(normalise_heading("3.1 - Steps"), "steps");
        assert_eq!(normalise_heading("🔙 Rollback 🔙"), "rollback");
        assert_eq!(normalise_heading("⚠️ Impact!"), "impact");
        assert_eq!(normalise_heading("Before you begin?"), "before you begin");
        assert_eq!(normalise_heading("Steps"), "steps");
        assert_eq!(normalise_heading("5xx errors"), "5xx errors");
        assert_eq!(normalise_heading("2FA"), "2fa");
    }

    #[test]
    fn numbered_headings_are_recognised() {
        assert!(is_numbered("1. Drain the node"));
        assert!(is_numbered("Step 2: Restart"));
        assert!(is_numbered("3) Check"));
        assert!(!is_numbered("Drain the node"));
        assert!(!is_numbered("5xx errors"));
    }

    #[test]
    fn placeholders_are_words_alone() {
        assert!(is_placeholder("TODO"));
        assert!(is_placeholder("TBD."));
        assert!(is_placeholder("N/A"));
        assert!(is_placeholder("(FIXME) TODO"));
        assert!(!is_placeholder("TODO: page the DBA"));
        assert!(!is_placeholder("Nothing to do."));
    }

    #[test]
    fn comments_are_removed() {
        assert_eq!(without_html_comments("<!-- a -->b<!--\nc\n-->"), "b");
        assert_eq!(without_html_comments("x<!-- open"), "x");
    }
}
