//! Stage 2a: split a file into front matter and body, and deserialize the front matter.
//!
//! YAML front matter sits between `---` lines, TOML between `+++` lines. The block is found here
//! rather than with `gray_matter`, which trims the block, rebuilds the body line by line and
//! accepts an unclosed block silently: all three lose the byte offsets diagnostics need. The block
//! is deserialized with positions (serde-saphyr's `Spanned`, toml's spans), so every problem is
//! reported at its line in the file, not in the block. Fields are checked one
//! by one, so one bad field never hides another.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::Value;

use crate::config::Config;
use crate::diag::{Diagnostic, SourceRef, did_you_mean};
use crate::model::{FieldSpans, FrontMatter};

/// Front-matter keys rb-site knows. Others are kept in `extra` (and `unknown-field` warns).
pub const KNOWN_FIELDS: &[&str] = &[
    "title",
    "description",
    "service",
    "owner",
    "severity",
    "alerts",
    "tags",
    "last_reviewed",
    "kind",
    "slug",
    "draft",
    "aliases",
    "weight",
    "extra",
];

/// The result of splitting and reading a file's front matter.
#[derive(Debug, Default)]
pub struct Parsed {
    pub front: FrontMatter,
    pub field_spans: FieldSpans,
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Toml,
}

/// Where the front-matter block is: its syntax, the byte range of its text, and where the body starts.
struct Block {
    syntax: Syntax,
    text: Range<usize>,
    body_start: usize,
}

/// Splits and deserializes the front matter of `source`.
pub fn parse(config: &Config, source: &SourceRef<'_>) -> Parsed {
    let text = source.text;
    let block = match locate_block(text) {
        Ok(Some(block)) => block,
        Ok(None) => {
            return Parsed {
                body_start: 0,
                ..Parsed::default()
            };
        }
        Err(diagnostic) => {
            let diagnostic = source_diag(source, diagnostic);
            return Parsed {
                body_start: text.len(),
                diagnostics: vec![diagnostic],
                ..Parsed::default()
            };
        }
    };
    let mut parsed = Parsed {
        body_start: block.body_start,
        ..Parsed::default()
    };
    let block_text = &text[block.text.clone()];
    let fields = match block.syntax {
        Syntax::Yaml => read_yaml(block_text, block.text.start, source),
        Syntax::Toml => read_toml(block_text, block.text.start, source),
    };
    match fields {
        Ok(fields) => typed_fields(config, source, fields, &mut parsed),
        Err(diagnostic) => parsed.diagnostics.push(diagnostic),
    }
    parsed
}

/// A diagnostic description before it is tied to the file: code, byte span, message.
type Pending = (&'static str, Range<usize>, String);

fn source_diag(source: &SourceRef<'_>, (code, span, message): Pending) -> Diagnostic {
    source.diag(code, span, message)
}

/// Finds the front-matter block: a first line `---` (YAML) or `+++` (TOML) up to the next such line.
fn locate_block(text: &str) -> Result<Option<Block>, Pending> {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (syntax, delimiter) = match first_line {
        "---" => (Syntax::Yaml, "---"),
        "+++" => (Syntax::Toml, "+++"),
        _ => return Ok(None),
    };
    let after_open = text.find('\n').map_or(text.len(), |i| i + 1);
    let Some(close) = find_closing(text, after_open, delimiter) else {
        return Err((
            "front-matter-syntax",
            0..first_line.len(),
            format!(
                "the front matter opened here is never closed: add a line `{delimiter}` after it"
            ),
        ));
    };
    let body_start = text[close..]
        .find('\n')
        .map_or(text.len(), |i| close + i + 1);
    Ok(Some(Block {
        syntax,
        text: after_open..close,
        body_start,
    }))
}

/// Byte offset of the closing delimiter line at or after `from`.
fn find_closing(text: &str, from: usize, delimiter: &str) -> Option<usize> {
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        if line.trim_end() == delimiter {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// One top-level key: its value and the byte span of the value in the file.
struct Field {
    key: String,
    value: Value,
    span: Range<usize>,
}

fn read_yaml(block: &str, offset: usize, source: &SourceRef<'_>) -> Result<Vec<Field>, Diagnostic> {
    if block.trim().is_empty() {
        return Ok(Vec::new());
    }
    let map: BTreeMap<String, serde_saphyr::Spanned<Value>> = serde_saphyr::from_str(block)
        .map_err(|err| {
            let at = err.location().map_or(0, |loc| {
                loc.span().byte_offset().map_or_else(
                    || offset_of(block, loc.line() as usize, loc.column() as usize),
                    |b| b as usize,
                )
            });
            let message = strip_position(&first_line(&err.to_string()));
            let message = if let Some(plain) = plain_yaml_message(&message) {
                plain
            } else if message.contains("expected a map") || message.contains("invalid type") {
                format!("front matter must be a mapping of `key: value` lines ({message})")
            } else {
                format!("front matter is not valid YAML: {message}")
            };
            source.diag("front-matter-syntax", offset + at..offset + at + 1, message)
        })?;
    let mut fields: Vec<Field> = map
        .into_iter()
        .map(|(key, spanned)| {
            let start = spanned
                .referenced
                .span()
                .byte_offset()
                .map_or(0, |b| b as usize)
                .min(block.len());
            let len = spanned
                .referenced
                .span()
                .byte_len()
                .map_or(1, |l| l as usize);
            Field {
                key,
                value: spanned.value,
                span: offset + start..offset + (start + len).min(block.len()),
            }
        })
        .collect();
    fields.sort_by_key(|f| f.span.start);
    Ok(fields)
}

fn read_toml(block: &str, offset: usize, source: &SourceRef<'_>) -> Result<Vec<Field>, Diagnostic> {
    let map: BTreeMap<String, toml::Spanned<toml::Value>> =
        toml::from_str(block).map_err(|err| {
            let span = err.span().unwrap_or(0..1);
            source.diag(
                "front-matter-syntax",
                offset + span.start..offset + span.end,
                format!(
                    "front matter is not valid TOML: {}",
                    err.message().trim_end()
                ),
            )
        })?;
    let mut fields: Vec<Field> = map
        .into_iter()
        .map(|(key, spanned)| {
            let span = spanned.span();
            Field {
                key,
                value: toml_to_json(spanned.into_inner()),
                span: offset + span.start..offset + span.end,
            }
        })
        .collect();
    fields.sort_by_key(|f| f.span.start);
    Ok(fields)
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

/// Byte offset of a 1-based line and character column in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let index = crate::diag::LineIndex::new(text);
    let start = index.line_start(line).unwrap_or(0);
    text[start..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| start + i)
}

/// serde-saphyr prefixes messages with `error: line N column M: `; the diagnostic shows that itself.
fn strip_position(message: &str) -> String {
    let rest = message.strip_prefix("error: ").unwrap_or(message);
    match rest.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((position, text)) if position.contains("column") => text.to_string(),
        _ => rest.to_string(),
    }
}

/// The YAML reader's messages that speak to a programmer ("set DuplicateKeyPolicy in Options",
/// "budget breached: Nodes { nodes: 250001 }"), said for the person editing the file.
fn plain_yaml_message(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("duplicate mapping key") {
        let key = rest
            .strip_prefix(": ")
            .and_then(|r| r.split_once(", set DuplicateKeyPolicy"))
            .map(|(key, _)| format!(" `{key}`"))
            .unwrap_or_default();
        return Some(format!(
            "the key{key} appears twice in the front matter; keep one of them"
        ));
    }
    let breach = message.strip_prefix("budget breached: ")?;
    let limit = match breach.split([' ', '{']).next().unwrap_or_default() {
        "Events" | "Nodes" => "it expands to too many values",
        "Aliases" => "it uses too many aliases (`*name`)",
        "Anchors" => "it defines too many anchors (`&name`)",
        "Depth" => "it is nested too deeply",
        "ScalarBytes" => "its text is too long",
        "Documents" => "it holds too many YAML documents",
        "MergeKeys" => "it uses too many merge keys (`<<`)",
        _ => "it is too large",
    };
    Some(format!(
        "the front matter is too large or too complex to read: {limit} (aliases that repeat \
         other aliases multiply quickly)"
    ))
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).trim().to_string()
}

/// Moves each known field into its typed slot, reporting every field of the wrong type.
fn typed_fields(config: &Config, source: &SourceRef<'_>, fields: Vec<Field>, parsed: &mut Parsed) {
    let front = &mut parsed.front;
    for Field { key, value, span } in fields {
        parsed.field_spans.insert(key.clone(), span.clone());
        let mut invalid = |expected: &str| {
            parsed.diagnostics.push(source.diag(
                "invalid-field",
                span.clone(),
                format!("`{key}` must be {expected}, found {}", describe(&value)),
            ));
        };
        match key.as_str() {
            "title" => {
                front.title = text_value(&value).or_else(|| {
                    invalid("a string");
                    None
                })
            }
            "description" => {
                front.description = text_value(&value).or_else(|| {
                    invalid("a string");
                    None
                })
            }
            "service" => {
                front.service = text_value(&value).or_else(|| {
                    invalid("a string");
                    None
                })
            }
            "owner" => {
                front.owner = text_value(&value).or_else(|| {
                    invalid("a string");
                    None
                })
            }
            "kind" => {
                front.kind = text_value(&value).or_else(|| {
                    invalid("a string");
                    None
                })
            }
            "slug" => {
                front.slug = text_value(&value).or_else(|| {
                    invalid("a string");
                    None
                })
            }
            "severity" => match text_value(&value) {
                Some(severity) => {
                    let normalised = severity.to_lowercase();
                    if !config.validate.severities.contains(&normalised) {
                        let expected = config.validate.severities.join(", ");
                        parsed.diagnostics.push(
                            source
                                .diag(
                                    "invalid-field",
                                    span.clone(),
                                    format!("severity {severity:?} is not one of the configured severities ({expected})"),
                                )
                                .with_help("set [validate] severities in book.toml to change the accepted values"),
                        );
                    }
                    front.severity = Some(normalised);
                }
                None => invalid("a string"),
            },
            "alerts" => {
                front.alerts = string_list(&value).unwrap_or_else(|| {
                    invalid("a list of alert names");
                    Vec::new()
                })
            }
            "tags" => {
                front.tags = string_list(&value).unwrap_or_else(|| {
                    invalid("a list of strings");
                    Vec::new()
                })
            }
            "aliases" => {
                front.aliases = string_list(&value).unwrap_or_else(|| {
                    invalid("a list of URLs");
                    Vec::new()
                })
            }
            "draft" => match value {
                Value::Bool(b) => front.draft = b,
                _ => invalid("true or false"),
            },
            "weight" => match value.as_i64() {
                Some(w) => front.weight = Some(w),
                None => invalid("an integer"),
            },
            "last_reviewed" => match value.as_str().map(parse_date) {
                Some(Some(date)) => front.last_reviewed = Some(date),
                _ => invalid("a date (YYYY-MM-DD)"),
            },
            "extra" => match value {
                Value::Object(map) => front.extra.extend(map),
                _ => invalid("a mapping"),
            },
            _ => {
                let mut diagnostic = source.diag(
                    "unknown-field",
                    key_span(source.text, &key, span.start),
                    format!("unknown front-matter field `{key}`"),
                );
                if let Some(known) = did_you_mean(&key, KNOWN_FIELDS.iter().copied()) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{known}`?"));
                } else {
                    diagnostic =
                        diagnostic.with_help("it is kept and reaches templates as `extra`");
                }
                parsed.diagnostics.push(diagnostic);
                front.extra.insert(key, value);
            }
        }
    }
}

/// The span of `key` itself, searched backwards from its value; the value's span if not found.
fn key_span(text: &str, key: &str, value_start: usize) -> Range<usize> {
    let before = &text[..value_start.min(text.len())];
    match before.rfind(key) {
        Some(at) => at..at + key.len(),
        None => value_start..value_start + 1,
    }
}

fn text_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list of strings; a single string is accepted as a list of one.
fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items.iter().map(text_value).collect(),
        _ => None,
    }
}

/// `YYYY-MM-DD`, or an RFC 3339 timestamp whose date part is taken.
fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let text = text.trim();
    let date_part = text.get(..10).unwrap_or(text);
    date_part
        .parse()
        .ok()
        .filter(|_| text.len() == 10 || text[10..].starts_with(['T', ' ', 't']))
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::LineIndex;
    use std::path::Path;

    fn run(text: &str) -> Parsed {
        let config = Config::from_toml(Path::new("/tmp"), "").expect("config");
        let index = LineIndex::new(text);
        let source = SourceRef {
            path: "content/a.md",
            text,
            index: &index,
        };
        parse(&config, &source)
    }

    fn positions(parsed: &Parsed) -> Vec<(usize, usize, &'static str)> {
        parsed
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column, d.code))
            .collect()
    }

    #[test]
    fn yaml_fields_are_typed_and_body_offset_is_exact() {
        let text = "---\ntitle: Failover\nseverity: critical\nalerts: [A, B]\nlast_reviewed: 2026-01-02\nrunbook_owner: x\n---\n\n# Body\n";
        let parsed = run(text);
        assert_eq!(parsed.front.title.as_deref(), Some("Failover"));
        assert_eq!(parsed.front.alerts, ["A", "B"]);
        assert_eq!(
            parsed.front.last_reviewed.map(|d| d.to_string()).as_deref(),
            Some("2026-01-02")
        );
        assert_eq!(&text[parsed.body_start..], "\n# Body\n");
        assert_eq!(positions(&parsed), [(6, 1, "unknown-field")]);
        assert!(parsed.front.extra.contains_key("runbook_owner"));
    }

    /// Issue 14: the YAML reader's words for programmers are not shown to authors.
    #[test]
    fn duplicate_keys_and_alias_bombs_are_worded_for_people() {
        let parsed = run("---\ntitle: a\ntitle: b\n---\n# x\n");
        let d = &parsed.diagnostics[0];
        assert_eq!(
            (d.line, d.code, d.message.as_str()),
            (
                3,
                "front-matter-syntax",
                "the key `title` appears twice in the front matter; keep one of them"
            )
        );
        let mut bomb = String::from("---\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{previous}"); 10].join(",")
            ));
        }
        bomb.push_str("---\n# y\n");
        let parsed = run(&bomb);
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, "front-matter-syntax");
        assert!(
            d.message.starts_with("the front matter is too large or too complex to read: it expands to too many values"),
            "{}",
            d.message
        );
        assert!(!d.message.contains('{'), "{}", d.message);
    }

    #[test]
    fn syntax_errors_point_at_the_file_line() {
        let parsed = run("---\ntitle: ok\nowner: [unclosed\n---\nbody\n");
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].code, "front-matter-syntax");
        let d = &parsed.diagnostics[0];
        assert_eq!((d.line, d.column), (3, 8), "{d:?}");
        assert_eq!(
            d.message,
            "front matter is not valid YAML: unclosed bracket '['"
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let parsed =
            run("---\ntitle: [a]\nseverity: sev1\nlast_reviewed: yesterday\ndraft: maybe\n---\n");
        assert_eq!(
            positions(&parsed),
            [
                (2, 8, "invalid-field"),
                (3, 11, "invalid-field"),
                (4, 16, "invalid-field"),
                (5, 8, "invalid-field")
            ]
        );
    }

    #[test]
    fn unterminated_front_matter_is_reported_on_line_one() {
        let parsed = run("---\ntitle: x\n\n# Never closed\n");
        assert_eq!(positions(&parsed), [(1, 1, "front-matter-syntax")]);
    }

    #[test]
    fn a_list_is_not_a_mapping() {
        let parsed = run("---\n- a\n- b\n---\nbody\n");
        assert_eq!(parsed.diagnostics[0].code, "front-matter-syntax");
        assert!(
            parsed.diagnostics[0].message.contains("mapping"),
            "{}",
            parsed.diagnostics[0].message
        );
    }

    #[test]
    fn toml_front_matter_is_read() {
        let text = "+++\ntitle = \"T\"\ntags = [\"x\"]\nlast_reviewed = 2026-03-04\n+++\nbody\n";
        let parsed = run(text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(parsed.front.tags, ["x"]);
        assert_eq!(
            parsed.front.last_reviewed.map(|d| d.to_string()).as_deref(),
            Some("2026-03-04")
        );
        assert_eq!(&text[parsed.body_start..], "body\n");
    }

    #[test]
    fn no_front_matter_means_body_from_the_start() {
        let parsed = run("# Title\n\ntext\n");
        assert_eq!(parsed.body_start, 0);
        assert!(parsed.diagnostics.is_empty());
    }

    #[test]
    fn empty_front_matter_is_fine() {
        let text = "---\n---\n# T\n";
        let parsed = run(text);
        assert!(parsed.diagnostics.is_empty());
        assert_eq!(&text[parsed.body_start..], "# T\n");
    }
}
