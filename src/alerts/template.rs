//! Annotation templates as Prometheus expands them, so a `runbook_url` can be checked offline.
//!
//! Prometheus (`rules/alerting.go`, `template/template.go`) expands every annotation with the data
//! `{Labels, ExternalLabels, ExternalURL, Value}` and the prefix `{{$labels := .Labels}}
//! {{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`,
//! with `missingkey=zero`. `.Labels` are the labels of the series the expression returned: the
//! rule's own `labels:` and `alertname` are added to the alert only after the annotations are
//! expanded. So `{{ $labels.alertname }}` always comes out empty, and so does `{{ $labels.team }}`
//! for a `team` the rule sets itself (unless the series carries one), while
//! `{{ $externalLabels.x }}` is the `global.external_labels` value Prometheus was started with.
//!
//! [`expand_annotation`] says which of three things a template is: what Prometheus sends for
//! certain (with the external labels `book.toml` names), a link Prometheus sends broken, or a
//! value only known when the alert fires.

use std::collections::BTreeMap;

/// What rb-site knows of the rule an annotation belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleContext<'a> {
    /// The rule's own `labels:`, added after annotations are expanded.
    pub rule_labels: &'a BTreeMap<String, String>,
    /// The rule's PromQL expression, to tell whether its series may carry a label.
    pub expr: &'a str,
    /// `[alerts] external-labels` of book.toml: Prometheus's `global.external_labels`.
    pub external_labels: &'a BTreeMap<String, String>,
}

/// The outcome of expanding one annotation value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expansion {
    /// Exactly what Prometheus sends (the text itself when it holds no template).
    Sent(String),
    /// Prometheus sends `sent`, which loses a part the author meant: `reason` says which.
    Broken { sent: String, reason: String },
    /// Depends on what Prometheus knows only when the alert fires: `reason` says what.
    Unknown { reason: String },
}

/// Expands `text` as Prometheus would for an alert of the rule described by `rule`.
pub(crate) fn expand_annotation(text: &str, rule: RuleContext<'_>) -> Expansion {
    let mut sent = String::with_capacity(text.len());
    let mut broken: Option<String> = None;
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let mut literal = &rest[..open];
        let mut after = &rest[open + 2..];
        if let Some(trimmed) = after
            .strip_prefix('-')
            .filter(|t| t.starts_with([' ', '\t', '\n', '\r']))
        {
            literal = literal.trim_end();
            after = trimmed;
        }
        sent.push_str(literal);
        let Some(close) = after.find("}}") else {
            return Expansion::Unknown {
                reason: "a `{{` is never closed: Prometheus rejects the template".into(),
            };
        };
        let mut inner = &after[..close];
        rest = &after[close + 2..];
        if let Some(trimmed) = inner
            .strip_suffix('-')
            .filter(|t| t.ends_with([' ', '\t', '\n', '\r']))
        {
            inner = trimmed;
            rest = rest.trim_start();
        }
        match expand_action(inner.trim(), rule) {
            Action::Value(value) => sent.push_str(&value),
            Action::Empty(reason) => {
                broken.get_or_insert(reason);
            }
            Action::Unknown(reason) => return Expansion::Unknown { reason },
        }
    }
    sent.push_str(rest);
    match broken {
        Some(reason) => Expansion::Broken { sent, reason },
        None => Expansion::Sent(sent),
    }
}

enum Action {
    Value(String),
    /// Prometheus writes nothing here, though the author meant a value.
    Empty(String),
    Unknown(String),
}

fn expand_action(action: &str, rule: RuleContext<'_>) -> Action {
    if action.starts_with("/*") && action.ends_with("*/") {
        return Action::Value(String::new());
    }
    let unknown = || {
        Action::Unknown(format!(
            "`{{{{ {action} }}}}` is evaluated by Prometheus when the alert fires"
        ))
    };
    let mut stages = action.split('|').map(str::trim);
    let head = stages.next().unwrap_or_default();
    let mut value = match reference(head) {
        Some(Reference::Label(name)) => match label_value(name, rule) {
            Ok(value) => value,
            Err(other) => return other,
        },
        Some(Reference::ExternalLabel(name)) => match rule.external_labels.get(name) {
            Some(value) => value.clone(),
            None => {
                return Action::Unknown(format!(
                    "`$externalLabels.{name}` is a Prometheus external label that book.toml does not name (`[alerts] external-labels`)"
                ));
            }
        },
        Some(Reference::Literal(text)) => text.to_string(),
        None => return unknown(),
    };
    for function in stages {
        value = match function {
            "toLower" => value.to_lowercase(),
            "toUpper" => value.to_uppercase(),
            "title" => title_case(&value),
            _ => return unknown(),
        };
    }
    Action::Value(value)
}

enum Reference<'a> {
    Label(&'a str),
    ExternalLabel(&'a str),
    Literal(&'a str),
}

/// `$labels.x`, `.Labels.x`, `index $labels "x"` and the same for external labels; a plain string.
fn reference(head: &str) -> Option<Reference<'_>> {
    let field = |prefixes: &[&str]| {
        prefixes
            .iter()
            .find_map(|p| head.strip_prefix(p))
            .filter(|name| is_label_name(name))
    };
    if let Some(name) = field(&["$labels.", ".Labels."]) {
        return Some(Reference::Label(name));
    }
    if let Some(name) = field(&["$externalLabels.", ".ExternalLabels."]) {
        return Some(Reference::ExternalLabel(name));
    }
    if let Some(args) = head.strip_prefix("index ") {
        let mut words = args.split_whitespace();
        let (map, key) = (words.next()?, words.next()?);
        let key = quoted(key).filter(|k| is_label_name(k))?;
        if words.next().is_some() {
            return None;
        }
        return match map {
            "$labels" | ".Labels" => Some(Reference::Label(key)),
            "$externalLabels" | ".ExternalLabels" => Some(Reference::ExternalLabel(key)),
            _ => None,
        };
    }
    quoted(head).map(Reference::Literal)
}

fn quoted(text: &str) -> Option<&str> {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| text.strip_prefix('`').and_then(|t| t.strip_suffix('`')))?;
    (!inner.contains(['"', '\\', '`'])).then_some(inner)
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The value of `$labels.<name>`, or why there is none to check.
fn label_value(name: &str, rule: RuleContext<'_>) -> Result<String, Action> {
    if name == "alertname" {
        return Err(Action::Empty(
            "Prometheus expands annotations before it adds the `alertname` label, so `$labels.alertname` is empty".into(),
        ));
    }
    let series_may_carry = rule
        .expr
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|word| word == name);
    if rule.rule_labels.contains_key(name) && !series_may_carry {
        return Err(Action::Empty(format!(
            "`{name}` is a label the rule sets, and Prometheus expands annotations before it adds the rule's labels, so `$labels.{name}` is empty"
        )));
    }
    Err(Action::Unknown(format!(
        "`$labels.{name}` is a label of the firing series, known only when the alert fires"
    )))
}

/// Go's `strings.Title`: the first letter of each word upper-cased.
fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    for c in text.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(text: &str, labels: &[(&str, &str)], expr: &str) -> Expansion {
        let rule_labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let external_labels = BTreeMap::from([("cluster".to_string(), "eu-1".to_string())]);
        expand_annotation(
            text,
            RuleContext {
                rule_labels: &rule_labels,
                expr,
                external_labels: &external_labels,
            },
        )
    }

    #[test]
    fn plain_text_is_sent_as_written() {
        assert_eq!(
            expand("https://r.example/db/", &[], "up"),
            Expansion::Sent("https://r.example/db/".into())
        );
    }

    #[test]
    fn alertname_is_empty_when_prometheus_expands_annotations() {
        for text in [
            "https://r.example/alerts/{{ $labels.alertname }}/",
            "https://r.example/alerts/{{$labels.alertname}}/",
            "https://r.example/alerts/{{ .Labels.alertname | toLower }}/",
            "https://r.example/alerts/{{ index $labels \"alertname\" }}/",
        ] {
            match expand(text, &[], "vector(1)") {
                Expansion::Broken { sent, reason } => {
                    assert_eq!(sent, "https://r.example/alerts//", "{text}");
                    assert!(reason.contains("before it adds the `alertname` label"));
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_label_the_rule_sets_is_empty_unless_the_series_may_carry_it() {
        let text = "https://r.example/{{ $labels.team }}/x/";
        assert!(matches!(
            expand(text, &[("team", "db")], "vector(1)"),
            Expansion::Broken { sent, .. } if sent == "https://r.example//x/"
        ));
        assert!(matches!(
            expand(text, &[("team", "db")], "up{team=\"db\"} == 0"),
            Expansion::Unknown { .. }
        ));
        assert!(matches!(
            expand(text, &[], "up == 0"),
            Expansion::Unknown { .. }
        ));
    }

    #[test]
    fn external_labels_named_in_book_toml_expand() {
        assert_eq!(
            expand(
                "https://r.example/{{ $externalLabels.cluster | toUpper }}/{{- \" x \" -}}/",
                &[],
                "up"
            ),
            Expansion::Sent("https://r.example/EU-1/ x /".into())
        );
        assert_eq!(
            expand("{{ .ExternalLabels.cluster }} {{- /* c */ -}} !", &[], "up"),
            Expansion::Sent("eu-1!".into())
        );
        assert!(matches!(
            expand("{{ $externalLabels.region }}", &[], "up"),
            Expansion::Unknown { reason } if reason.contains("book.toml does not name")
        ));
    }

    #[test]
    fn anything_else_cannot_be_checked() {
        for text in [
            "{{ $value }}",
            "{{ $labels.team | reReplaceAll \"a\" \"b\" }}",
            "{{ $externalLabels.cluster | humanize }}",
            "https://r/{{ unclosed",
            "{{ range query \"up\" }}{{ end }}",
        ] {
            assert!(
                matches!(expand(text, &[], "up"), Expansion::Unknown { .. }),
                "{text}"
            );
        }
        assert_eq!(title_case("kube apps"), "Kube Apps");
    }
}
