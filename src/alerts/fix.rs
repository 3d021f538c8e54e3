//! What `rb-site alerts --fix` ([`crate::cli::alerts`]) writes: each alert's page URL in its
//! rule's runbook annotation.
//!
//! The edit is textual and minimal: the value of `runbook_url` (or of `runbook`, where the rule
//! keeps its link there) is replaced in place, in the quoting style it had; a missing key is
//! inserted into the rule's `annotations`, a missing `annotations` after the `alert:` line.
//! Everything else in the file stays byte-identical. Positions come from the YAML parser's spans;
//! the edited text is parsed again and must read as the old rules with only those links changed,
//! or the file is left alone. Files are replaced atomically, and not at all if they changed on
//! disk since they were read.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::coverage::{AlertGraph, absolute_or_root};
use super::rules::{AlertRule, Text, parse_rule_file};
use crate::config::Config;
use crate::diag::Diagnostic;

/// The diagnostics `--fix` answers, for alerts that have a runbook.
const FIXABLE: [&str; 4] = [
    "runbook-url-relative",
    "runbook-url-missing",
    "runbook-url-mismatch",
    "runbook-url-template",
];

/// One rule whose runbook link is to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkFix {
    /// Line of the rule's `alert:` value: how the rule is found again in the file.
    pub line: usize,
    pub alert: String,
    /// The annotation to write: `runbook_url`, or `runbook` where the rule keeps its link.
    pub key: &'static str,
    pub url: String,
}

/// What `--fix` did to one file.
#[derive(Debug)]
pub(crate) struct FileFix {
    pub after: String,
    /// Rules that could not be edited, as warnings.
    pub skipped: Vec<Diagnostic>,
}

/// The links `--fix` writes, per rule file: one for each rule of an alert that has a page and a
/// fixable coverage diagnostic (missing, mismatched or templated link).
pub(crate) fn planned_fixes(
    config: &Config,
    graph: &AlertGraph,
    coverage: &[Diagnostic],
) -> BTreeMap<String, Vec<LinkFix>> {
    let mut wanted: BTreeMap<String, Vec<LinkFix>> = BTreeMap::new();
    for diagnostic in coverage.iter().filter(|d| FIXABLE.contains(&d.code)) {
        let Some(rule) = graph.rules.iter().find(|r| {
            // A diagnostic is at the rule (a missing link) or at one of its values.
            r.file == diagnostic.file
                && (r.line == diagnostic.line
                    || r.places.values().any(|&(line, _)| line == diagnostic.line))
        }) else {
            continue;
        };
        let Some(entry) = graph.entries.get(&rule.name).filter(|e| e.has_page()) else {
            continue;
        };
        let key = link_key(rule);
        let fixes = wanted.entry(rule.file.clone()).or_default();
        if !fixes.iter().any(|f| f.line == rule.line) {
            fixes.push(LinkFix {
                line: rule.line,
                alert: rule.name.clone(),
                key,
                url: absolute_or_root(config, &entry.page_dir),
            });
        }
    }
    wanted
}

/// The annotation `--fix` writes: `runbook` where the rule keeps its link there and has no
/// `runbook_url` (GitLab's convention), else `runbook_url`.
fn link_key(rule: &AlertRule) -> &'static str {
    let has = |key: &str| {
        rule.annotations
            .get(key)
            .is_some_and(|v| !v.trim().is_empty())
    };
    if !has("runbook_url") && has("runbook") {
        "runbook"
    } else {
        "runbook_url"
    }
}

/// Gives every alerting rule of one rule file the link `url_of(alert name)`, as `--fix` edits it:
/// the new text, and a message for each rule left alone. For tests on real rule files.
#[doc(hidden)]
pub fn relink_every_alert(
    file: &str,
    text: &str,
    url_of: impl Fn(&str) -> String,
) -> (String, Vec<String>) {
    let (rules, _) = parse_rule_file(file, text);
    let fixes: Vec<LinkFix> = rules
        .iter()
        .map(|rule| LinkFix {
            line: rule.line,
            alert: rule.name.clone(),
            key: link_key(rule),
            url: url_of(&rule.name),
        })
        .collect();
    let result = fix_rule_file(file, text, &fixes);
    let skipped = result
        .skipped
        .iter()
        .map(|d| format!("{} {}", d.location(), d.message))
        .collect();
    (result.after, skipped)
}

/// Writes `after` over `path` through a temporary file and a rename, unless the file no longer
/// holds `before` (someone edited it since it was read).
pub(crate) fn replace_if_unchanged(path: &Path, before: &str, after: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    std::io::Write::write_all(&mut temp, after.as_bytes())?;
    if let Ok(metadata) = std::fs::metadata(path) {
        // Keep the file's permissions (a temporary file is created 0600).
        temp.as_file().set_permissions(metadata.permissions())?;
    }
    let now = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if now != before.as_bytes() {
        bail!("the file changed since rb-site read it; nothing was written, run --fix again");
    }
    temp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Applies `fixes` to one rule file's text. Rules that cannot be edited safely are left as they
/// are, each with a warning; if the edited text does not read back as intended, nothing changes.
pub(crate) fn fix_rule_file(file: &str, text: &str, fixes: &[LinkFix]) -> FileFix {
    let mut skipped = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let documents: Vec<Option<FixDocument>> = match serde_saphyr::from_multiple_with_options(
        text,
        serde_saphyr::options! { budget: None },
    ) {
        Ok(documents) => documents,
        Err(_) => {
            return FileFix {
                after: text.to_string(),
                skipped: vec![Diagnostic::file(
                    file,
                    "alerts-fix-skipped",
                    "the rule file does not parse; nothing was changed",
                )],
            };
        }
    };
    let rules = documents
        .into_iter()
        .flatten()
        .flat_map(|d| {
            d.groups
                .or(d.spec.and_then(|s| s.groups))
                .unwrap_or_default()
        })
        .flatten()
        .flat_map(|g| g.rules)
        .flatten();
    let mut pending: BTreeMap<usize, &LinkFix> = fixes.iter().map(|f| (f.line, f)).collect();
    for rule in rules {
        let Some(alert) = &rule.value.alert else {
            continue;
        };
        let Some(fix) = pending.remove(&(alert.referenced.line() as usize)) else {
            continue;
        };
        match plan_edit(text, &rule, fix) {
            Ok(edit) => edits.push(edit),
            Err(reason) => skipped.push(
                Diagnostic::at(
                    file,
                    fix.line,
                    0,
                    "alerts-fix-skipped",
                    format!(
                        "cannot write the runbook link of alert {:?}: {reason}",
                        fix.alert
                    ),
                )
                .with_help(format!("write `{}: {}` by hand", fix.key, fix.url)),
            ),
        }
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.at.start));
    let mut after = text.to_string();
    for edit in &edits {
        after.replace_range(edit.at.clone(), &edit.text);
    }
    let applied: Vec<&LinkFix> = fixes
        .iter()
        .filter(|f| !skipped.iter().any(|d| d.line == f.line))
        .collect();
    if let Err(problem) = reads_back(file, text, &after, &applied) {
        return FileFix {
            after: text.to_string(),
            skipped: vec![Diagnostic::file(
                file,
                "alerts-fix-skipped",
                format!(
                    "the edited file would not read as intended ({problem}); nothing was changed"
                ),
            )],
        };
    }
    FileFix { after, skipped }
}

/// The edited text holds the same rules, with the fixed links and nothing else changed.
fn reads_back(file: &str, before: &str, after: &str, fixes: &[&LinkFix]) -> Result<(), String> {
    let (old, _) = parse_rule_file(file, before);
    let (new, problems) = parse_rule_file(file, after);
    if let Some(problem) = problems.first() {
        return Err(problem.message.clone());
    }
    if old.len() != new.len() {
        return Err(format!("{} alerts instead of {}", new.len(), old.len()));
    }
    let comparable = |rule: &AlertRule, fix: Option<&&LinkFix>| {
        let mut annotations = rule.annotations.clone();
        if let Some(fix) = fix {
            annotations.remove(fix.key);
        }
        (
            rule.name.clone(),
            rule.group.clone(),
            rule.expr.clone(),
            rule.for_.clone(),
            rule.labels.clone(),
            annotations,
        )
    };
    for (old_rule, new_rule) in old.iter().zip(&new) {
        let fix = fixes.iter().find(|f| f.line == old_rule.line);
        if comparable(old_rule, fix) != comparable(new_rule, fix) {
            return Err(format!("alert {:?} would change otherwise", old_rule.name));
        }
        if let Some(fix) = fix
            && new_rule.annotations.get(fix.key) != Some(&fix.url)
        {
            return Err(format!("alert {:?} would not get its link", old_rule.name));
        }
    }
    Ok(())
}

struct Edit {
    at: std::ops::Range<usize>,
    text: String,
}

fn offset(location: &Location) -> Option<usize> {
    location.span().byte_offset().map(|o| o as usize)
}

fn span(location: &Location) -> Option<std::ops::Range<usize>> {
    let start = offset(location)?;
    Some(start..start + location.span().byte_len()? as usize)
}

/// The smallest edit that gives `rule` the link of `fix`.
fn plan_edit(text: &str, rule: &Spanned<FixRule>, fix: &LinkFix) -> Result<Edit, String> {
    let Some(annotations) = &rule.value.annotations else {
        return insert_annotations(text, rule, fix);
    };
    if offset(&annotations.referenced) != offset(&annotations.defined) {
        return Err("its annotations are an alias of an anchor other rules may share".into());
    }
    let Some(map) = &annotations.value else {
        return Err("its `annotations:` is empty (null)".into());
    };
    let at = span(&annotations.referenced).ok_or("no position for its annotations")?;
    let flow = text.get(at.clone()) == Some("{");
    match map.get(fix.key) {
        Some(value) => replace_value(text, value, fix, flow),
        None if flow => {
            let inside = at.end;
            let gap = text[inside..].len() - text[inside..].trim_start().len();
            let empty = text[inside + gap..].starts_with('}');
            let entry = format!("{}: {}", fix.key, scalar(&fix.url, None, true));
            Ok(Edit {
                at: inside + gap..inside + gap,
                text: if empty { entry } else { format!("{entry}, ") },
            })
        }
        None => {
            // Block mapping: a new first entry, on its own line, at the first key's indentation.
            let line_start = text[..at.start].rfind('\n').map_or(0, |i| i + 1);
            let indent = &text[line_start..at.start];
            if !indent.chars().all(|c| c == ' ') {
                return Err("its annotations do not start on a line of their own".into());
            }
            Ok(Edit {
                at: line_start..line_start,
                text: format!(
                    "{indent}{}: {}{}",
                    fix.key,
                    scalar(&fix.url, None, false),
                    newline(text)
                ),
            })
        }
    }
}

/// Replaces the scalar value of the runbook key, keeping its quoting style.
fn replace_value(
    text: &str,
    value: &Spanned<Option<Text>>,
    fix: &LinkFix,
    flow: bool,
) -> Result<Edit, String> {
    let mut at = span(&value.referenced).ok_or("no position for its runbook link")?;
    let written = &text[at.clone()];
    // The value must be written right after `key:` here, not merged in or replayed from an anchor.
    let before = text[..at.start].trim_end_matches([' ', '\t']);
    let (before, block) = match before.strip_suffix('\n') {
        Some(rest) => {
            // A block scalar: `key: |` or `key: >-` on the line before its content.
            let line = rest.rsplit('\n').next().unwrap_or(rest);
            let indicator = line.trim_end();
            let header = indicator.rfind(['|', '>']).filter(|&i| {
                indicator[i + 1..]
                    .chars()
                    .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
            });
            match header {
                Some(i) => {
                    let start = rest.len() - line.len() + i;
                    at.start = start;
                    at.end = at.start + text[at.start..at.end].trim_end().len();
                    (text[..start].trim_end_matches([' ', '\t']), true)
                }
                None => (before, false),
            }
        }
        None => (before, false),
    };
    let key_written = [
        format!("{}:", fix.key),
        format!("\"{}\":", fix.key),
        format!("'{}':", fix.key),
    ];
    if !key_written.iter().any(|k| before.ends_with(k.as_str())) {
        return Err("its link comes from a merge key or an alias".into());
    }
    if written.starts_with(['&', '!']) {
        return Err("its link carries an anchor or a tag".into());
    }
    let style = if block {
        Some('"')
    } else {
        written.chars().next().filter(|c| *c == '"' || *c == '\'')
    };
    Ok(Edit {
        at,
        text: scalar(&fix.url, style, flow),
    })
}

/// A rule without `annotations`: adds them after the `alert:` line (or in its flow mapping).
fn insert_annotations(text: &str, rule: &Spanned<FixRule>, fix: &LinkFix) -> Result<Edit, String> {
    let alert = rule.value.alert.as_ref().ok_or("no alert")?;
    let value = span(&alert.referenced).ok_or("no position for its alert name")?;
    let rule_at = span(&rule.referenced).ok_or("no position for the rule")?;
    if text.get(rule_at.clone()) == Some("{") {
        return Ok(Edit {
            at: value.end..value.end,
            text: format!(
                ", annotations: {{{}: {}}}",
                fix.key,
                scalar(&fix.url, None, true)
            ),
        });
    }
    if text[value.clone()].contains('\n') {
        return Err("its alert name spans several lines".into());
    }
    let line_start = text[..rule_at.start].rfind('\n').map_or(0, |i| i + 1);
    let key_column = rule_at.start - line_start;
    let step = rule
        .value
        .labels
        .as_ref()
        .and_then(|l| offset(&l.referenced))
        .filter(|&o| text.get(o..o + 1) != Some("{"))
        .map(|o| o - text[..o].rfind('\n').map_or(0, |i| i + 1))
        .and_then(|column| column.checked_sub(key_column))
        .filter(|step| *step > 0)
        .unwrap_or(2);
    let mut line_end = text[value.end..]
        .find('\n')
        .map_or(text.len(), |i| value.end + i);
    if text[..line_end].ends_with('\r') {
        line_end -= 1;
    }
    let nl = newline(text);
    // Before a trailing comment would put the new keys inside it: insert after the whole line.
    let indent = " ".repeat(key_column);
    Ok(Edit {
        at: line_end..line_end,
        text: format!(
            "{nl}{indent}annotations:{nl}{indent}{}{}: {}",
            " ".repeat(step),
            fix.key,
            scalar(&fix.url, None, false)
        ),
    })
}

/// The file's line ending, for inserted lines.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// A URL as a YAML scalar: in `style` (a quote character) when given, else plain when that reads
/// back as the same string, else double-quoted.
fn scalar(url: &str, style: Option<char>, flow: bool) -> String {
    match style {
        Some('\'') => format!("'{}'", url.replace('\'', "''")),
        Some(_) => double_quoted(url),
        None => {
            let awkward = url.is_empty()
                || url.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
                || url.contains(": ")
                || url.contains(" #")
                || url.ends_with([':', ' '])
                || (flow && url.contains([',', '[', ']', '{', '}']))
                || url.chars().any(char::is_control);
            let plain = !awkward;
            if plain {
                url.to_string()
            } else {
                double_quoted(url)
            }
        }
    }
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What `--fix` reads of a rule file: positions of the rules, their alert names and annotations.
#[derive(Deserialize)]
struct FixDocument {
    groups: Option<Vec<Option<FixGroup>>>,
    spec: Option<FixSpec>,
}

#[derive(Deserialize)]
struct FixSpec {
    groups: Option<Vec<Option<FixGroup>>>,
}

#[derive(Deserialize)]
struct FixGroup {
    #[serde(default)]
    rules: Vec<Option<Spanned<FixRule>>>,
}

#[derive(Deserialize)]
struct FixRule {
    alert: Option<Spanned<Text>>,
    labels: Option<Spanned<serde::de::IgnoredAny>>,
    annotations: Option<Spanned<Option<FixAnnotations>>>,
}

/// Annotation name -> its value with position.
type FixAnnotations = BTreeMap<String, Spanned<Option<Text>>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(text: &str, line: usize, key: &'static str) -> String {
        let fixes = [LinkFix {
            line,
            alert: "A".into(),
            key,
            url: "https://rb.example/alerts/A/".into(),
        }];
        let result = fix_rule_file("r.yaml", text, &fixes);
        assert_eq!(result.skipped, vec![], "{text}");
        result.after
    }

    #[test]
    fn values_are_replaced_in_their_own_style() {
        let text = "groups:\n- name: g\n  rules:\n  - alert: A # the one\n    expr: up\n    annotations:\n      summary: s\n      runbook_url: 'https://old/'  # keep\n";
        assert_eq!(
            fix(text, 4, "runbook_url"),
            text.replace("'https://old/'", "'https://rb.example/alerts/A/'")
        );
        let text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      runbook_url: >-\n        https://old/\n      summary: s\n";
        assert_eq!(
            fix(text, 4, "runbook_url"),
            text.replace(
                ">-\n        https://old/",
                "\"https://rb.example/alerts/A/\""
            )
        );
    }

    #[test]
    fn missing_keys_and_annotations_are_inserted() {
        let text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels:\n        severity: x\n";
        assert_eq!(
            fix(text, 4, "runbook_url"),
            "groups:\n- name: g\n  rules:\n  - alert: A\n    annotations:\n        runbook_url: https://rb.example/alerts/A/\n    expr: up\n    labels:\n        severity: x\n"
        );
        let text = "groups:\n- name: g\n  rules:\n  - {alert: A, expr: up, annotations: {}}\n";
        assert_eq!(
            fix(text, 4, "runbook_url"),
            "groups:\n- name: g\n  rules:\n  - {alert: A, expr: up, annotations: {runbook_url: https://rb.example/alerts/A/}}\n"
        );
    }

    #[test]
    fn aliased_annotations_are_left_alone() {
        let text = "groups:\n- name: g\n  rules:\n  - alert: B\n    expr: up\n    annotations: &a\n      runbook_url: https://b/\n  - alert: A\n    expr: up\n    annotations: *a\n";
        let fixes = [LinkFix {
            line: 8,
            alert: "A".into(),
            key: "runbook_url",
            url: "https://rb.example/alerts/A/".into(),
        }];
        let result = fix_rule_file("r.yaml", text, &fixes);
        assert_eq!(result.after, text);
        assert_eq!(
            result.skipped[0].message,
            "cannot write the runbook link of alert \"A\": its annotations are an alias of an anchor other rules may share"
        );
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.yaml");
        std::fs::write(&path, "edited by someone else\n").expect("write");
        let err = replace_if_unchanged(&path, "as read\n", "fixed\n").expect_err("refused");
        assert!(err.to_string().contains("changed since rb-site read it"));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "edited by someone else\n"
        );
        replace_if_unchanged(&path, "edited by someone else\n", "fixed\n").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "fixed\n");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let text = "groups:\r\n- name: g\r\n  rules:\r\n  - alert: A\r\n    expr: up\r\n  - alert: B\r\n    expr: up\r\n    annotations:\r\n      summary: s\r\n";
        let after = fix(text, 4, "runbook_url");
        assert_eq!(
            after,
            text.replace(
                "  - alert: A\r\n",
                "  - alert: A\r\n    annotations:\r\n      runbook_url: https://rb.example/alerts/A/\r\n"
            )
        );
        let fixes = [LinkFix {
            line: 6,
            alert: "B".into(),
            key: "runbook_url",
            url: "https://rb.example/alerts/B/".into(),
        }];
        assert_eq!(
            fix_rule_file("r.yaml", text, &fixes).after,
            text.replace(
                "      summary: s\r\n",
                "      runbook_url: https://rb.example/alerts/B/\r\n      summary: s\r\n"
            )
        );
    }
}
