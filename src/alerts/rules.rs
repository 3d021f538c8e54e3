//! Stage 5a: Prometheus rule files -> alerting rules with their file and line.
//!
//! Reads the files matched by `[alerts] rules` (globs relative to the root, sorted paths), in both
//! shapes seen in the wild: plain rule files (`groups:` at the top) and Kubernetes `PrometheusRule`
//! resources (`spec.groups`), any number of YAML documents per file. Recording rules are skipped.
//! Real rule files are messy, so values are read leniently (a number where a string is expected is
//! kept as text); a file that does not parse is one `rule-file-error` and the other files still load.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use globset::{Glob, GlobSetBuilder};
use rayon::prelude::*;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::config::Config;
use crate::diag::Diagnostic;

/// One alerting rule, as written in a rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AlertRule {
    pub name: String,
    pub group: String,
    /// Path relative to the root, with `/` separators.
    pub file: String,
    /// 1-based line of the rule's `alert:` value.
    pub line: usize,
    /// 1-based column of the rule's `alert:` value.
    pub column: usize,
    pub expr: String,
    pub for_: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Where each label's and annotation's value is written (`annotations.runbook_url` -> 1-based
    /// line and column): diagnostics about a value point at it, not at the rule.
    pub places: BTreeMap<String, (usize, usize)>,
}

impl AlertRule {
    /// Line and column of the value of `key` (`annotations.runbook_url`), else of the rule's
    /// `alert:` name.
    pub fn place_of(&self, key: &str) -> (usize, usize) {
        self.places
            .get(key)
            .copied()
            .unwrap_or((self.line, self.column))
    }

    /// The runbook link the rule carries, and the key it came from. `annotations.runbook_url` is
    /// the convention; `annotations.runbook` (GitLab, repo-relative) and a `runbook_url` or
    /// `runbook` label are seen in real rule sets.
    /// Coverage reads the keys `[alerts] runbook-keys` names (`conventions::rule_link`).
    #[cfg(test)]
    pub fn runbook_link(&self) -> Option<(&'static str, &str)> {
        [
            (
                "annotations.runbook_url",
                self.annotations.get("runbook_url"),
            ),
            ("annotations.runbook", self.annotations.get("runbook")),
            ("labels.runbook_url", self.labels.get("runbook_url")),
            ("labels.runbook", self.labels.get("runbook")),
        ]
        .into_iter()
        .find_map(|(key, value)| {
            value
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| (key, v))
        })
    }

    pub fn severity(&self) -> Option<&str> {
        self.labels.get("severity").map(String::as_str)
    }

    /// `summary`, else `message` (older mixins), else `description`.
    pub fn summary(&self) -> Option<&str> {
        ["summary", "message", "description"]
            .iter()
            .find_map(|key| self.annotations.get(*key))
            .map(String::as_str)
    }
}

/// Reads every configured rule file. IO and parse problems come back as diagnostics.
pub(crate) fn load_rules(config: &Config) -> (Vec<AlertRule>, Vec<Diagnostic>) {
    let (files, mut diagnostics) = match rule_files(config) {
        Ok(found) => found,
        Err(diagnostic) => return (Vec::new(), vec![*diagnostic]),
    };
    // Files parse in parallel; collecting keeps them in path order, so the result is the same
    // whatever the thread count.
    let parsed: Vec<(Vec<AlertRule>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|(rel, path)| match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => parse_rule_file(rel, &text),
                Err(_) => (
                    Vec::new(),
                    vec![Diagnostic::file(
                        rel,
                        "rule-file-error",
                        "the rule file is not UTF-8",
                    )],
                ),
            },
            Err(err) => (
                Vec::new(),
                vec![Diagnostic::file(
                    rel,
                    "rule-file-error",
                    format!("cannot read the rule file: {err}"),
                )],
            ),
        })
        .collect();
    let mut rules = Vec::new();
    for (mut found, problems) in parsed {
        rules.append(&mut found);
        diagnostics.extend(problems);
    }
    (rules, diagnostics)
}

/// Root-relative path (with `/`) and full path of every file matched by the globs, sorted.
/// Also a warning for each glob that matches no file.
type RuleFiles = (Vec<(String, std::path::PathBuf)>, Vec<Diagnostic>);

fn rule_files(config: &Config) -> Result<RuleFiles, Box<Diagnostic>> {
    if config.alerts.rules.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut builder = GlobSetBuilder::new();
    let mut patterns = Vec::new();
    for pattern in &config.alerts.rules {
        let glob = Glob::new(pattern.trim_start_matches("./")).map_err(|err| {
            Box::new(Diagnostic::file(
                crate::config::CONFIG_FILE,
                "rule-file-error",
                format!("alerts.rules: bad glob {pattern:?}: {err}"),
            ))
        })?;
        builder.add(glob);
        patterns.push(pattern);
    }
    let set = builder.build().map_err(|err| {
        Box::new(Diagnostic::file(
            crate::config::CONFIG_FILE,
            "rule-file-error",
            format!("alerts.rules: {err}"),
        ))
    })?;
    let build_dir = config.build_dir();
    let mut matched = vec![false; patterns.len()];
    // The root, and the folders outside it that globs name (`../monitoring/rules/*.yaml`, as
    // Prometheus reads `rule_files` relative to its configuration file), each with the path
    // its files are named by, as the glob spells it.
    let mut folders = vec![(config.root.clone(), String::new())];
    for pattern in &patterns {
        let pattern = pattern.trim_start_matches("./");
        if !(pattern.starts_with("../") || Path::new(pattern).is_absolute()) {
            continue;
        }
        let spelled = glob_folder(pattern);
        if !folders.iter().any(|(_, known)| *known == spelled) {
            folders.push((config.root.join(&spelled), spelled));
        }
    }
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for (folder, spelled) in &folders {
        let inside = spelled.is_empty();
        files.extend(
            walkdir::WalkDir::new(folder)
                .follow_links(true)
                .into_iter()
                .filter_entry(|entry| {
                    // Never read our own output, version control or dependency folders as rule
                    // files.
                    let name = entry.file_name().to_string_lossy();
                    entry.depth() == 0
                        || !(entry.path() == build_dir
                            || name == ".git"
                            || name == "node_modules"
                            || name == "target")
                })
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_file())
                .filter_map(|entry| {
                    let under = relative_slash_path(folder, entry.path())?;
                    let rel = match inside {
                        true => under,
                        false => format!("{spelled}/{under}"),
                    };
                    let hits = set.matches(&rel);
                    for &hit in &hits {
                        matched[hit] = true;
                    }
                    (!hits.is_empty()).then(|| (rel, entry.into_path()))
                }),
        );
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let unmatched = patterns
        .iter()
        .zip(matched)
        .filter(|(_, matched)| !matched)
        .map(|(pattern, _)| {
            Diagnostic::file(
                crate::config::CONFIG_FILE,
                "rule-glob-unmatched",
                format!("alerts.rules: {pattern:?} matches no file"),
            )
            .with_help("globs are relative to the folder of book.toml (`../` reaches outside it); every alert its rule files define would show as unknown")
        })
        .collect();
    Ok((files, unmatched))
}

/// The folder that holds every file a rules glob can match, as the glob spells it: its parts
/// before the first wildcard (`../monitoring` of `../monitoring/**/*.yaml`). A glob without
/// wildcards names a file, and this is the file's folder.
pub(crate) fn glob_folder(pattern: &str) -> String {
    let pattern = pattern.trim_start_matches("./");
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal = parts
        .iter()
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .count();
    let folder = match literal == parts.len() {
        true => &parts[..literal.saturating_sub(1)],
        false => &parts[..literal],
    };
    folder.join("/")
}

fn relative_slash_path(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Parses one rule file's text. `file` is the root-relative path used in rules and diagnostics.
pub(crate) fn parse_rule_file(file: &str, text: &str) -> (Vec<AlertRule>, Vec<Diagnostic>) {
    let parsed = parse_rule_file_counted(file, text);
    (parsed.alerts, parsed.diagnostics)
}

/// One rule file as rb-site reads it, with the number of recording rules it skipped.
#[derive(Debug)]
#[doc(hidden)]
pub struct ParsedRuleFile {
    pub(crate) alerts: Vec<AlertRule>,
    /// Recording rules (`record:`), read and skipped.
    pub recording: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedRuleFile {
    /// Alerting plus recording rules: what `promtool check rules` counts as "rules found".
    pub fn rule_count(&self) -> usize {
        self.alerts.len() + self.recording
    }
}

/// [`parse_rule_file`], counting recording rules too (the promtool parity test compares counts).
#[doc(hidden)]
pub fn parse_rule_file_counted(file: &str, text: &str) -> ParsedRuleFile {
    let mut rules = Vec::new();
    let mut recording = 0;
    let mut diagnostics = Vec::new();
    // The budget pass guards against YAML bombs from untrusted input and costs as much as the
    // parse itself; rule files come from the site's own repository, and alias expansion stays
    // limited by `alias_limits`. Snippets are left out: diagnostics render their own.
    let options = serde_saphyr::options! {
        budget: None,
        with_snippet: false,
    };
    let documents: Vec<Spanned<RawDocument>> =
        match serde_saphyr::from_multiple_with_options(text, options) {
            Ok(documents) => documents,
            Err(err) => {
                let (line, column) = err
                    .location()
                    .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
                diagnostics.push(Diagnostic::at(
                    file,
                    line,
                    column,
                    "rule-file-error",
                    format!("cannot parse the rule file: {}", yaml_error_message(&err)),
                ));
                return ParsedRuleFile {
                    alerts: rules,
                    recording,
                    diagnostics,
                };
            }
        };
    for document in documents {
        let line = document.referenced.line() as usize;
        let RawDocument { kind, groups, spec } = document.value;
        let groups = match (groups, spec.and_then(|s| s.groups)) {
            (Some(groups), _) | (None, Some(groups)) => groups,
            (None, None) => {
                // A file may hold other Kubernetes resources next to its PrometheusRules.
                if kind.as_deref().is_none_or(|k| k == "PrometheusRule") {
                    diagnostics.push(
                        Diagnostic::at(
                            file,
                            line,
                            1,
                            "rule-file-error",
                            "this document has neither `groups:` nor `spec.groups:`",
                        )
                        .with_help(
                            "a rule file is `groups: [{name, rules: [...]}]`, or a PrometheusRule with `spec.groups`",
                        ),
                    );
                }
                continue;
            }
        };
        // Prometheus refuses a file that names a group twice (rulefmt: "repeated in the same file").
        let mut group_names: BTreeMap<String, usize> = BTreeMap::new();
        for group in groups.into_iter().flatten() {
            if let Some(name) = &group.name {
                let line = name.referenced.line() as usize;
                if let Some(first) = group_names.insert(name.value.0.clone(), line) {
                    diagnostics.push(
                        Diagnostic::at(
                            file,
                            line,
                            name.referenced.column() as usize,
                            "rule-file-error",
                            format!("the group name {:?} is repeated in this file", name.value.0),
                        )
                        .with_help(format!(
                            "Prometheus refuses to load the file; the first group of that name is at line {first}"
                        )),
                    );
                }
            }
            let group_name = group.name.map(|n| n.value.0).unwrap_or_default();
            for rule in group.rules.into_iter().flatten() {
                if rule.record.is_some() && rule.alert.is_none() {
                    recording += 1;
                    continue;
                }
                let Some(alert) = rule.alert else { continue };
                let line = alert.referenced.line() as usize;
                let name = alert.value.0.trim().to_string();
                if name.is_empty() {
                    diagnostics.push(Diagnostic::at(
                        file,
                        line,
                        alert.referenced.column() as usize,
                        "rule-file-error",
                        "an alerting rule with an empty `alert:` name",
                    ));
                    continue;
                }
                let Some(expr) = rule.expr else {
                    diagnostics.push(Diagnostic::at(
                        file,
                        line,
                        alert.referenced.column() as usize,
                        "rule-file-error",
                        format!("alert {name:?} has no `expr:`"),
                    ));
                    continue;
                };
                rules.push(AlertRule {
                    name,
                    group: group_name.clone(),
                    file: file.to_string(),
                    line,
                    column: alert.referenced.column() as usize,
                    expr: expr.0.trim_end().to_string(),
                    for_: rule.for_.map(|f| f.0),
                    places: places(&rule.labels, "labels")
                        .chain(places(&rule.annotations, "annotations"))
                        .collect(),
                    labels: text_map(rule.labels),
                    annotations: text_map(rule.annotations),
                });
            }
        }
    }
    ParsedRuleFile {
        alerts: rules,
        recording,
        diagnostics,
    }
}

/// A YAML error in the words of a rule-file author, without the parser's settings and limits.
fn yaml_error_message(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error;
    match err {
        Error::WithSnippet { error, .. } | Error::AliasError { error, .. } => {
            yaml_error_message(error)
        }
        Error::DuplicateMappingKey { key: Some(key), .. } => {
            format!("the key {key:?} appears twice in one mapping")
        }
        Error::DuplicateMappingKey { key: None, .. } => {
            "a key appears twice in one mapping".to_string()
        }
        Error::Budget { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => {
            "its anchors and aliases expand to more YAML than a rule file can hold".to_string()
        }
        _ => first_line(&err.without_snippet().to_string()),
    }
}

/// The first line of a parser message, without the position the diagnostic already carries.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    match line.rfind(" at line ") {
        Some(at) if line[at..].contains(", column ") => line[..at].to_string(),
        _ => line.to_string(),
    }
}

fn text_map(map: Option<BTreeMap<String, Option<Spanned<Text>>>>) -> BTreeMap<String, String> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.map(|t| t.value.0).unwrap_or_default()))
        .collect()
}

/// `(kind.key, (line, column))` of each value of a rule's labels or annotations.
fn places<'m>(
    map: &'m Option<BTreeMap<String, Option<Spanned<Text>>>>,
    kind: &'m str,
) -> impl Iterator<Item = (String, (usize, usize))> + 'm {
    map.iter().flatten().filter_map(move |(key, value)| {
        let at = &value.as_ref()?.referenced;
        Some((
            format!("{kind}.{key}"),
            (at.line() as usize, at.column() as usize),
        ))
    })
}

/// One YAML document of a rule file. Other keys (`apiVersion`, `metadata`) are ignored.
#[derive(Deserialize)]
struct RawDocument {
    kind: Option<String>,
    groups: Option<Vec<Option<RawGroup>>>,
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
struct RawSpec {
    groups: Option<Vec<Option<RawGroup>>>,
}

#[derive(Deserialize)]
struct RawGroup {
    name: Option<Spanned<Text>>,
    #[serde(default)]
    rules: Vec<Option<RawRule>>,
}

#[derive(Deserialize)]
struct RawRule {
    alert: Option<Spanned<Text>>,
    record: Option<Text>,
    expr: Option<Text>,
    #[serde(rename = "for")]
    for_: Option<Text>,
    labels: Option<BTreeMap<String, Option<Spanned<Text>>>>,
    annotations: Option<BTreeMap<String, Option<Spanned<Text>>>>,
}

/// Any YAML scalar, kept as text: `for: 5m`, `expr: 1`, `severity: 3` and `critical: true` all occur.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Text(pub(super) String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_globs_folder_is_its_parts_before_the_first_wildcard() {
        assert_eq!(glob_folder("rules/**/*.{yaml,yml}"), "rules");
        assert_eq!(glob_folder("./rules/api.yaml"), "rules");
        assert_eq!(
            glob_folder("../monitoring/rules/*.yaml"),
            "../monitoring/rules"
        );
        assert_eq!(
            glob_folder("/etc/prometheus/rules/node.yml"),
            "/etc/prometheus/rules"
        );
        assert_eq!(glob_folder("*.yaml"), "");
        assert_eq!(glob_folder("alerts.yaml"), "");
    }

    #[test]
    fn plain_groups_and_prometheus_rule_documents_both_load() {
        let text = "\
groups:
- name: one
  rules:
  - record: job:up:sum
    expr: sum(up)
  - alert: First
    expr: up == 0
    for: 5m
    labels:
      severity: critical
    annotations:
      runbook_url: https://x/alerts/First/
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: r
spec:
  groups:
  - name: two
    rules:
    - alert: Second
      expr: 1
      labels: {severity: 3}
";
        let (rules, diagnostics) = parse_rule_file("r.yaml", text);
        assert_eq!(diagnostics, vec![]);
        let found: Vec<(&str, &str, usize, &str)> = rules
            .iter()
            .map(|r| (r.name.as_str(), r.group.as_str(), r.line, r.expr.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![("First", "one", 6, "up == 0"), ("Second", "two", 22, "1")]
        );
        assert_eq!(rules[0].for_.as_deref(), Some("5m"));
        assert_eq!(
            rules[0].runbook_link(),
            Some(("annotations.runbook_url", "https://x/alerts/First/"))
        );
        assert_eq!(rules[1].severity(), Some("3"));
    }

    #[test]
    fn a_yaml_error_names_its_line() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: [unclosed\n";
        let (rules, diagnostics) = parse_rule_file("bad.yaml", text);
        assert!(rules.is_empty());
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "rule-file-error");
        assert_eq!(diagnostics[0].file, "bad.yaml");
        assert!(diagnostics[0].line >= 5, "{:?}", diagnostics[0]);
    }

    #[test]
    fn a_rule_without_expr_is_reported_and_the_others_kept() {
        let text =
            "groups:\n- name: a\n  rules:\n  - alert: NoExpr\n  - alert: Fine\n    expr: up\n";
        let (rules, diagnostics) = parse_rule_file("r.yml", text);
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].name, "Fine");
        assert_eq!(diagnostics[0].location(), "r.yml:4:12");
        assert_eq!(diagnostics[0].message, "alert \"NoExpr\" has no `expr:`");
    }

    #[test]
    fn a_document_without_groups_is_a_structure_error() {
        let text = "groups:\n- name: a\n  rules: []\n---\nfoo: bar\n";
        let (_, diagnostics) = parse_rule_file("r.yml", text);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, 5);
    }

    #[test]
    fn a_group_name_repeated_in_one_file_is_an_error_as_in_prometheus() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up\n- name: a\n  rules:\n  - record: r\n    expr: up\n";
        let parsed = parse_rule_file_counted("r.yml", text);
        assert_eq!(parsed.rule_count(), 2);
        assert_eq!(parsed.diagnostics.len(), 1);
        let d = &parsed.diagnostics[0];
        assert_eq!(
            (d.location(), d.code, d.message.as_str()),
            (
                "r.yml:6:9".to_string(),
                "rule-file-error",
                "the group name \"a\" is repeated in this file"
            )
        );
        assert_eq!(
            d.help.as_deref(),
            Some("Prometheus refuses to load the file; the first group of that name is at line 2")
        );
    }

    #[test]
    fn yaml_errors_are_worded_for_rule_authors() {
        let text = "groups:\n- name: a\n  name: b\n  rules: []\n";
        let (_, diagnostics) = parse_rule_file("r.yml", text);
        assert_eq!(
            diagnostics[0].message,
            "cannot parse the rule file: the key \"name\" appears twice in one mapping"
        );
        assert!(!diagnostics[0].message.contains("DuplicateKeyPolicy"));
    }

    #[test]
    fn a_yaml_bomb_is_refused_in_plain_words() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let prev = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        text.push_str(
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {bomb: *a8}\n",
        );
        let (rules, diagnostics) = parse_rule_file("bomb.yml", &text);
        assert!(rules.is_empty());
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let message = &diagnostics[0].message;
        assert_eq!(
            message,
            "cannot parse the rule file: its anchors and aliases expand to more YAML than a rule file can hold"
        );
    }
}
