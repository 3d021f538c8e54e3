//! The conventions by which real rule files point at runbooks, and pages claim alerts.
//!
//! Coverage ([`super::coverage`]) asks this module three questions: which annotation of a rule
//! holds its runbook link (`[alerts] runbook-keys`), which repository path a link to a source file
//! on a git host names (`[[alerts.repos]]`: GitHub, GitLab and Gitea URL forms), and which alert a
//! heading claims (`[[paths]] heading-claims`). It also finds the nearest existing target when a
//! link misses, so a mismatch can say what the writer probably meant.

use crate::config::{Config, RepoConfig};
use crate::diag::did_you_mean;
use crate::model::{Heading, Page};

use super::rules::AlertRule;

/// Which convention a runbook link was read by, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Convention {
    /// `base-url` + a path of this site.
    BaseUrl,
    /// A site-absolute path (`/db/failover/`).
    SitePath,
    /// A source file on a git host, under one of `[[alerts.repos]]`.
    GitHost(String),
    /// A path relative to the repository root (GitLab's `runbook: docs/x.md`).
    RepoPath,
    /// An absolute URL that matches neither `base-url` nor a repository.
    Foreign,
}

impl Convention {
    pub fn describe(&self) -> String {
        match self {
            Convention::BaseUrl => "read as base-url + a page of this site".into(),
            Convention::SitePath => "read as a path of this site".into(),
            Convention::GitHost(url) => format!("read as a source file of the repository {url}"),
            Convention::RepoPath => {
                "read as a path from the repository root, through the content folder".into()
            }
            Convention::Foreign => "an address outside this site".into(),
        }
    }
}

/// The rule's runbook link and the key it came from (`annotations.runbook_url`): the configured
/// `runbook-keys` among the annotations, then among the labels (some rule sets put it there).
pub(crate) fn rule_link<'r>(config: &Config, rule: &'r AlertRule) -> Option<(String, &'r str)> {
    let keys = &config.alerts.runbook_keys;
    let find = |kind: &str, map: &'r std::collections::BTreeMap<String, String>| {
        keys.iter().find_map(|key| {
            map.get(key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| (format!("{kind}.{key}"), v))
        })
    };
    find("annotations", &rule.annotations).or_else(|| find("labels", &rule.labels))
}

/// The path from the root (`book.toml`'s folder) of the file a git-host URL names, and the
/// repository it was read under. `None` when the URL is under no configured repository or is no
/// file URL. Understood, on any single-segment branch, tag or commit:
/// GitHub `{url}/blob|tree|raw/{ref}/{path}`, GitLab `{url}/-/blob|tree|raw/{ref}/{path}`,
/// Gitea/Forgejo `{url}/src|raw/branch|commit|tag/{ref}/{path}`.
pub(crate) fn git_host_path<'c>(
    repos: &'c [RepoConfig],
    url: &str,
) -> Option<(&'c RepoConfig, String)> {
    repos.iter().find_map(|repo| {
        let base = repo.url.trim_end_matches('/');
        let rest = url
            .strip_prefix(base)?
            .strip_prefix('/')?
            .trim_start_matches("-/");
        let (verb, rest) = rest.split_once('/')?;
        let rest = match verb {
            "blob" | "tree" | "raw" => {
                // Gitea's `raw/branch/{ref}`.
                match rest.split_once('/') {
                    Some(("branch" | "commit" | "tag", after)) if verb == "raw" => after,
                    _ => rest,
                }
            }
            "src" => {
                let (kind, after) = rest.split_once('/')?;
                matches!(kind, "branch" | "commit" | "tag").then_some(after)?
            }
            _ => return None,
        };
        let (_ref, path) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = repo.path.trim_start_matches("./").trim_end_matches('/');
        let joined = if prefix.is_empty() || prefix == "." {
            path.to_string()
        } else if path.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}/{path}")
        };
        Some((repo, joined))
    })
}

/// How a heading reads for claiming: its text without quotes and backticks, trimmed.
fn claim_text(heading: &Heading) -> String {
    heading
        .text
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | '`' | '“' | '”'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// The alert a heading claims under `patterns`, with the rules' spelling of its name.
/// `rule_name` maps a lowercase name to the rules' spelling. A pattern that is only a placeholder
/// (`{alert}`) claims only names the rules define, so `## Overview` claims nothing; a pattern with
/// words around it (`Alert Name: {alert}`) also claims a name the rules do not define, which is
/// then reported as `unknown-alert`. Ids only ever claim names the rules define.
pub(crate) fn heading_claim(
    heading: &Heading,
    patterns: &[&str],
    rule_name: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let text = claim_text(heading);
    for pattern in patterns {
        let (placeholder, lower) = if pattern.contains("{alert_lower}") {
            ("{alert_lower}", true)
        } else {
            ("{alert}", false)
        };
        let Some((prefix, suffix)) = pattern.split_once(placeholder) else {
            continue;
        };
        let bare = prefix.trim().is_empty() && suffix.trim().is_empty();
        for (candidate, is_id) in [(text.as_str(), false), (heading.id.as_str(), true)] {
            let Some(name) = strip_affixes(candidate, prefix, suffix) else {
                continue;
            };
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            {
                continue;
            }
            if let Some(known) = rule_name(&name.to_lowercase()) {
                return Some(known);
            }
            if !bare && !is_id && !lower {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// `text` without `prefix` and `suffix`, compared ignoring ASCII case.
fn strip_affixes<'t>(text: &'t str, prefix: &str, suffix: &str) -> Option<&'t str> {
    let starts = text
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let ends = text.len() >= prefix.len() + suffix.len()
        && text
            .get(text.len() - suffix.len()..)
            .is_some_and(|s| s.eq_ignore_ascii_case(suffix));
    (starts && ends).then(|| text[prefix.len()..text.len() - suffix.len()].trim())
}

/// Whether an alert-name pattern of `[[alerts.claims]]` (`*` for any run) matches a name.
pub(crate) fn name_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The heading of a page a `[[alerts.claims]]` `heading` names: by id, else by text (any case).
pub(crate) fn find_heading<'p>(page: &'p Page, wanted: &str) -> Option<&'p Heading> {
    let headings = &page.doc.outline.headings;
    headings.iter().find(|h| h.id == wanted).or_else(|| {
        headings
            .iter()
            .find(|h| h.text.trim().eq_ignore_ascii_case(wanted.trim()))
    })
}

/// What to say about a `#fragment` that is no heading of `page`: a heading that differs only in
/// case, else the closest heading id, else the page's list of alert-like headings is too long to
/// help and nothing is suggested.
pub(crate) fn nearest_anchor(page: &Page, fragment: &str) -> Option<String> {
    let headings = &page.doc.outline.headings;
    if let Some(h) = headings
        .iter()
        .find(|h| h.id.eq_ignore_ascii_case(fragment))
    {
        return Some(format!(
            "#{} exists and differs only in case (anchors are case-sensitive)",
            h.id
        ));
    }
    did_you_mean(fragment, headings.iter().map(|h| h.id.as_str()))
        .map(|id| format!("the nearest heading is #{id}"))
}

/// The closest existing content file to a path that names none (content-relative paths).
pub(crate) fn nearest_source<'s>(
    missing: &str,
    sources: impl IntoIterator<Item = &'s str> + Clone,
) -> Option<&'s str> {
    if let Some(found) = sources
        .clone()
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(missing))
    {
        return Some(found);
    }
    // Compare file names: a renamed or moved runbook keeps most of its name.
    let name = missing.rsplit('/').next().unwrap_or(missing);
    sources
        .clone()
        .into_iter()
        .find(|s| {
            s.rsplit('/')
                .next()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .or_else(|| did_you_mean(missing, sources))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(url: &str, path: &str) -> RepoConfig {
        RepoConfig {
            url: url.into(),
            path: path.into(),
        }
    }

    #[test]
    fn git_host_file_urls_of_each_host_resolve_to_repository_paths() {
        let repos = [
            repo("https://github.com/openshift/runbooks", "."),
            repo("https://gitlab.com/gitlab-com/runbooks/", "gl"),
            repo("https://gitea.example/ops/rb", "gitea"),
        ];
        let path = |url: &str| git_host_path(&repos, url).map(|(_, p)| p);
        assert_eq!(
            path("https://github.com/openshift/runbooks/blob/master/alerts/cmo/TargetDown.md")
                .as_deref(),
            Some("alerts/cmo/TargetDown.md")
        );
        assert_eq!(
            path("https://github.com/openshift/runbooks/tree/main/alerts").as_deref(),
            Some("alerts")
        );
        assert_eq!(
            path("https://gitlab.com/gitlab-com/runbooks/-/blob/master/docs/x.md").as_deref(),
            Some("gl/docs/x.md")
        );
        assert_eq!(
            path("https://gitea.example/ops/rb/src/branch/main/a/B.md").as_deref(),
            Some("gitea/a/B.md")
        );
        assert_eq!(
            path("https://gitea.example/ops/rb/raw/branch/main/a/B.md").as_deref(),
            Some("gitea/a/B.md")
        );
        assert_eq!(path("https://github.com/openshift/runbooks/issues/3"), None);
        assert_eq!(
            path("https://github.com/openshift/runbooks-other/blob/m/x.md"),
            None
        );
    }

    fn heading(text: &str) -> Heading {
        Heading {
            level: 5,
            text: text.into(),
            id: crate::parse::heading_id(text),
            span: 0..0,
            event: 0,
        }
    }

    #[test]
    fn headings_claim_by_text_pattern_and_id() {
        let known = |lower: &str| (lower == "kubeapidown").then(|| "KubeAPIDown".to_string());
        let claim = |text: &str, patterns: &[&str]| heading_claim(&heading(text), patterns, &known);
        assert_eq!(
            claim("Alert Name: \"KubeAPIDown\"", &["Alert Name: {alert}"]).as_deref(),
            Some("KubeAPIDown")
        );
        assert_eq!(
            claim("kubeapidown", &["{alert}"]).as_deref(),
            Some("KubeAPIDown")
        );
        assert_eq!(
            claim("Alert Name: KubeAPIDown", &["alert-name-{alert_lower}"]).as_deref(),
            Some("KubeAPIDown")
        );
        // A bare pattern claims only names the rules define.
        assert_eq!(claim("Overview", &["{alert}"]), None);
        // Words around the placeholder claim unknown names too (then reported unknown-alert).
        assert_eq!(
            claim("Alert Name: Gone", &["Alert Name: {alert}"]).as_deref(),
            Some("Gone")
        );
        assert_eq!(claim("thanos-compact", &["{alert}"]), None);
    }

    #[test]
    fn claim_name_patterns_use_stars() {
        assert!(name_matches("Thanos*", "ThanosCompactHalted"));
        assert!(name_matches("*Compact*", "ThanosCompactHalted"));
        assert!(!name_matches("Thanos*Down", "ThanosCompactHalted"));
        assert!(name_matches("X", "X"));
        assert!(!name_matches("X", "XY"));
    }
}
