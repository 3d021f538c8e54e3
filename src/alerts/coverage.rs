//! Stage 5b: the alert <-> runbook graph and its coverage diagnostics.
//!
//! Joins the alerting rules (by name) with the runbooks that claim them, picks each alert's
//! anchor on its runbook, works out every redirect path the site will serve for it (the alert
//! page, its lowercase alias, the configured `url-aliases`), and checks both sides: alerts that
//! need a runbook and have none, claims no rule defines, claims made twice, and rule runbook links
//! that do not land on this site's page for the alert.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::claims::{Claim, link_claims, page_claims};
use super::conventions::{self, Convention};
use super::rules::AlertRule;
use super::template::{Expansion, RuleContext, expand_annotation};
use crate::config::{CONFIG_FILE, Config};
use crate::diag::{Diagnostic, did_you_mean};
use crate::model::{Page, Site};

/// Where an alert stands between the rules and the runbooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CoverageStatus {
    /// Defined in the rules and claimed by a runbook.
    Covered,
    /// Defined in the rules, claimed by no runbook.
    NoRunbook,
    /// Claimed by a runbook, defined in no rule file (rule files are configured).
    Unknown,
    /// Claimed by a runbook; no rule files are configured, so there is nothing to check against.
    RunbookOnly,
}

impl CoverageStatus {
    pub fn label(self) -> &'static str {
        match self {
            CoverageStatus::Covered => "covered",
            CoverageStatus::NoRunbook => "no-runbook",
            CoverageStatus::Unknown => "unknown",
            CoverageStatus::RunbookOnly => "runbook-only",
        }
    }
}

/// One alert name, from the rules, the runbooks, or both.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AlertEntry {
    pub name: String,
    /// Indexes into [`AlertGraph::rules`]; one name may have several rules (one per severity).
    pub rules: Vec<usize>,
    /// Index into [`Site::pages`] of the runbook that answers this alert.
    pub runbook: Option<usize>,
    /// Id of the heading on the runbook about this alert, if it has one.
    pub anchor: Option<String>,
    pub status: CoverageStatus,
    /// At least one rule's runbook link does not resolve to this alert's page.
    pub url_mismatch: bool,
    /// No page claims the alert: its rules' runbook links chose the page (`link-claims`), and
    /// each rule may link to a page of its own.
    pub claimed_by_link: bool,
    /// At least one rule's runbook link points outside this site (neither `base-url` nor a
    /// configured repository).
    pub external_link: bool,
    /// Site-relative folder of the alert page: `alerts/KubePodCrashLooping/`.
    pub page_dir: String,
}

impl AlertEntry {
    pub fn has_page(&self) -> bool {
        self.runbook.is_some()
    }
}

/// Every alert name with its rules and runbook, and every redirect the site serves.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AlertGraph {
    pub rules: Vec<AlertRule>,
    /// Alert name -> entry, sorted by name.
    pub entries: BTreeMap<String, AlertEntry>,
    /// Whether `[alerts] rules` names any file pattern (decides `unknown-alert`).
    pub rules_configured: bool,
    /// Site-relative output file (`alerts/X/index.html`, aliases) -> alert name. Collisions removed.
    pub redirects: BTreeMap<String, String>,
    /// Pages whose headings the stage read: to pick an alert's anchor on its runbook, to check
    /// a rule's runbook link `#fragment`. Their headings are an input of the graph
    /// ([`alert_inputs`]); each place that reads headings records the page here.
    pub headings_read: BTreeSet<usize>,
}

impl AlertGraph {
    /// The rules of an entry, in file order.
    pub fn rules_of<'a>(&'a self, entry: &'a AlertEntry) -> impl Iterator<Item = &'a AlertRule> {
        entry.rules.iter().map(|&i| &self.rules[i])
    }
}

/// The folder name an alert gets under `alerts/`: the name as written, each run of characters
/// outside `A-Za-z0-9_-` replaced by one `-` (Prometheus names only add `:`). Replacing rather
/// than percent-encoding keeps the file name and the URL the same on every web server.
pub(crate) fn url_safe_name(name: &str) -> String {
    let mut safe = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            safe.push(c);
        } else if !safe.ends_with('-') {
            safe.push('-');
        }
    }
    safe
}

/// Joins rules and runbooks; returns the graph and the coverage diagnostics.
pub(crate) fn link_alerts(
    config: &Config,
    site: &Site,
    rules: Vec<AlertRule>,
) -> (AlertGraph, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let rules_configured = !config.alerts.rules.is_empty();
    let mut entries: BTreeMap<String, AlertEntry> = BTreeMap::new();
    let new_entry = |name: &str| AlertEntry {
        name: name.to_string(),
        rules: Vec::new(),
        runbook: None,
        anchor: None,
        status: CoverageStatus::NoRunbook,
        url_mismatch: false,
        claimed_by_link: false,
        external_link: false,
        page_dir: format!("alerts/{}/", url_safe_name(name)),
    };
    for (i, rule) in rules.iter().enumerate() {
        entries
            .entry(rule.name.clone())
            .or_insert_with(|| new_entry(&rule.name))
            .rules
            .push(i);
    }

    // Lowercase name -> the rules' spelling, for claims by heading and by pattern.
    let rule_spelling: BTreeMap<String, String> = entries
        .keys()
        .map(|name| (name.to_lowercase(), name.clone()))
        .collect();
    let rule_name = |lower: &str| rule_spelling.get(lower).cloned();
    // Alert -> the heading its claim chose (a heading claim, `[[alerts.claims]] heading`, a link).
    let mut chosen_anchor: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut headings_read = BTreeSet::new();

    // Claims, in page (URL) order: the first runbook to claim an alert keeps it. A page's own
    // claims come first, then book.toml's, then its headings'.
    for (page_index, page) in site.pages.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for claim in page_claims(config, page, &entries, &rule_name, &mut diagnostics) {
            let name = claim.name.trim().to_string();
            if name.is_empty() || !seen.insert(name.clone()) {
                continue;
            }
            let entry = entries
                .entry(name.clone())
                .or_insert_with(|| new_entry(&name));
            match entry.runbook {
                Some(first) => diagnostics.push(
                    claim.diagnostic(
                        page,
                        "duplicate-alert-claim",
                        format!(
                            "alert {name:?} is claimed by {} and by {}",
                            site.pages[first].doc.source.path, page.doc.source.path
                        ),
                    )
                    .with_help(format!(
                        "the alert's page sends readers to {}; remove the claim from one runbook",
                        site.pages[first].doc.source.path
                    )),
                ),
                None => {
                    entry.runbook = Some(page_index);
                    if claim.anchor.is_some() {
                        chosen_anchor.insert(name.clone(), claim.anchor.clone());
                    }
                }
            }
        }
    }
    for claim in &config.alerts.claims {
        if !site
            .by_source
            .contains_key(claim.page.trim_start_matches("./"))
        {
            let nearest =
                conventions::nearest_source(&claim.page, site.by_source.keys().map(String::as_str));
            let mut diagnostic = Diagnostic::at(
                CONFIG_FILE,
                claim.line,
                0,
                "broken-link",
                format!(
                    "[[alerts.claims]] names the page {:?}, which is no content file",
                    claim.page
                ),
            );
            if let Some(nearest) = nearest {
                diagnostic = diagnostic.with_help(format!("did you mean {nearest:?}?"));
            }
            diagnostics.push(diagnostic);
        }
    }
    if config.alerts.link_claims {
        link_claims(
            config,
            site,
            &rules,
            &mut entries,
            &mut chosen_anchor,
            &mut headings_read,
        );
    }

    let rule_names: Vec<String> = entries
        .values()
        .filter(|e| !e.rules.is_empty())
        .map(|e| e.name.clone())
        .collect();
    let mut unknown = Vec::new();
    for entry in entries.values_mut() {
        entry.status = match (entry.rules.is_empty(), entry.runbook) {
            (false, Some(_)) => CoverageStatus::Covered,
            (false, None) => CoverageStatus::NoRunbook,
            (true, _) if rules_configured => CoverageStatus::Unknown,
            (true, _) => CoverageStatus::RunbookOnly,
        };
        if let Some(runbook) = entry.runbook {
            entry.anchor = match chosen_anchor.get(&entry.name) {
                Some(anchor) => anchor.clone(),
                None => {
                    headings_read.insert(runbook);
                    alert_anchor(&site.pages[runbook], &entry.name)
                }
            };
        }
        if entry.status == CoverageStatus::Unknown {
            unknown.push(entry.name.clone());
        }
    }
    for name in unknown {
        let Some(page) = entries[&name].runbook.map(|i| &site.pages[i]) else {
            continue;
        };
        let hint = rule_names
            .iter()
            .find(|r| r.eq_ignore_ascii_case(&name))
            .map(String::as_str)
            .or_else(|| did_you_mean(&name, rule_names.iter().map(String::as_str)));
        let origin = page_claims(config, page, &BTreeMap::new(), &|_| None, &mut Vec::new())
            .into_iter()
            .find(|c| c.name.trim() == name)
            .unwrap_or_else(|| Claim::front_matter(&name));
        let mut diagnostic = origin.diagnostic(
            page,
            "unknown-alert",
            format!("no rule file defines an alert named {name:?}"),
        );
        if let Some(hint) = hint {
            diagnostic = diagnostic.with_help(format!("did you mean {hint:?}?"));
        }
        diagnostics.push(diagnostic);
    }

    diagnostics.extend(unmatched_requirement(config, &rules));
    let redirects = redirect_paths(config, site, &rules, &entries, &mut diagnostics);
    let mut graph = AlertGraph {
        rules,
        entries,
        rules_configured,
        redirects,
        headings_read,
    };
    check_runbook_links(config, site, &mut graph, &mut diagnostics);
    diagnostics.sort();
    (graph, diagnostics)
}

/// A warning when the rules grade alerts by `severity` but `[alerts] require-runbook-for`
/// names none of their severities: then no alert is required to have a runbook (GitLab's rules
/// say `s1` to `s4`, not `critical`), which would pass unnoticed. Rules without severities are
/// not graded, and say nothing.
fn unmatched_requirement(config: &Config, rules: &[AlertRule]) -> Option<Diagnostic> {
    let required = &config.alerts.require_runbook_for;
    let used: BTreeSet<&str> = rules.iter().filter_map(AlertRule::severity).collect();
    if required.is_empty() || used.is_empty() || required.iter().any(|s| used.contains(s.as_str()))
    {
        return None;
    }
    fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
        let quoted: Vec<String> = names.into_iter().map(|n| format!("{n:?}")).collect();
        quoted.join(", ")
    }
    let help = format!(
        "the rules' severities are {}: name those whose alerts must have a runbook",
        quoted(used.iter().copied())
    );
    Some(
        Diagnostic::file(
            CONFIG_FILE,
            "require-runbook-for-unmatched",
            format!(
                "[alerts] require-runbook-for names {}, a severity no alerting rule has: no alert is required to have a runbook",
                quoted(required.iter().map(String::as_str))
            ),
        )
        .with_help(help),
    )
}

/// A hash of what [`link_alerts`] reads of one page besides its source path and URL: its
/// claims as the stage itself finds them ([`page_claims`]: front matter, `[[alerts.claims]]`,
/// headings), each with where it is written (diagnostics point at it), and what finding them
/// reported; its `service`; and its headings when the stage read them
/// ([`AlertGraph::headings_read`]). With the same pages, URLs and rules, and no page's hash
/// changed, the graph and its diagnostics are the same: `serve` then keeps them. `graph` is
/// the graph of those rules, built from the pages before the change.
pub(crate) fn alert_inputs(
    config: &Config,
    graph: &AlertGraph,
    page: &Page,
    headings_read: bool,
) -> blake3::Hash {
    // As `link_alerts` spells a name: the rules' spelling.
    let rule_name = |lower: &str| {
        graph
            .entries
            .values()
            .filter(|entry| !entry.rules.is_empty())
            .find(|entry| {
                entry
                    .name
                    .chars()
                    .flat_map(char::to_lowercase)
                    .eq(lower.chars())
            })
            .map(|entry| entry.name.clone())
    };
    let mut found = Vec::new();
    let claims = page_claims(config, page, &graph.entries, &rule_name, &mut found);
    let mut hasher = blake3::Hasher::new();
    for claim in &claims {
        let at = claim.diagnostic(page, "alert-claim", String::new());
        hasher.update(
            format!(
                "{:?}\0{:?}\0{}:{}:{}:{:?}\0",
                claim.name, claim.anchor, at.file, at.line, at.column, at.snippet
            )
            .as_bytes(),
        );
    }
    hasher.update(format!("\x01{found:?}\x01").as_bytes());
    hasher.update(page.service_name().unwrap_or("\x02").as_bytes());
    if headings_read {
        for heading in &page.doc.outline.headings {
            hasher.update(
                format!("\0{}\0{}\0{}", heading.level, heading.text, heading.id).as_bytes(),
            );
        }
    }
    hasher.finalize()
}

/// A diagnostic at the claim of `name` in a page's front matter (the list item when it can be
/// found), else about the file (a claim taken from the file name).
pub(super) fn claim_diagnostic(
    page: &Page,
    name: &str,
    code: &'static str,
    message: impl Into<String>,
) -> Diagnostic {
    let doc = &page.doc;
    match doc.field_spans.get("alerts") {
        Some(span) => {
            // The span marks where the value starts; the item is at or after it, in front matter.
            let text = &doc.source.text;
            let field = text
                .get(span.start..doc.body_start.max(span.end))
                .unwrap_or("");
            let span = field
                .match_indices(name)
                .find(|(at, _)| {
                    // A whole item, not a prefix of a longer name.
                    let after = field[at + name.len()..].chars().next();
                    !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
                .map_or(span.clone(), |(at, _)| {
                    span.start + at..span.start + at + name.len()
                });
            doc.source_ref().diag(code, span, message)
        }
        None => Diagnostic::file(&doc.source.path, code, message),
    }
}

/// The heading about `alert` on its runbook: one whose text is the name (any case), else one that
/// names it as a word (`Alert Name: "KubeAPIDown"`). A level-1 heading titles the page itself, so
/// linking to it adds nothing and it is not used.
fn alert_anchor(page: &Page, alert: &str) -> Option<String> {
    let headings = &page.doc.outline.headings;
    let exact = headings
        .iter()
        .filter(|h| h.level > 1)
        .find(|h| h.text.trim().eq_ignore_ascii_case(alert));
    let named = || {
        headings.iter().filter(|h| h.level > 1).find(|h| {
            h.text
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .any(|word| word.eq_ignore_ascii_case(alert))
        })
    };
    exact.or_else(named).map(|h| h.id.clone())
}

/// Expands a `url-aliases` pattern for one alert; `None` when a placeholder has no value.
fn expand_alias(
    pattern: &str,
    name: &str,
    group: Option<&str>,
    service: Option<&str>,
) -> Option<String> {
    let path_part = |text: &str| -> String {
        text.trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let mut out = pattern.replace("{alert_lower}", &url_safe_name(name).to_lowercase());
    out = out.replace("{alert}", &url_safe_name(name));
    if out.contains("{group}") {
        out = out.replace(
            "{group}",
            &path_part(group.filter(|g| !g.trim().is_empty())?),
        );
    }
    if out.contains("{service}") {
        out = out.replace(
            "{service}",
            &path_part(service.filter(|s| !s.trim().is_empty())?),
        );
    }
    Some(output_file(out.trim_start_matches('/')))
}

/// The file a site-relative URL path is written to: folders get `index.html`.
fn output_file(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else if path.ends_with(".html") {
        path.to_string()
    } else {
        format!("{path}/index.html")
    }
}

/// The service an alert belongs to: its runbook's service ([`Page::service_name`]: the `service`
/// field, else its folder), else the rule's `service` label.
pub(crate) fn alert_service<'a>(
    site: &'a Site,
    rules: &'a [AlertRule],
    entry: &AlertEntry,
) -> Option<&'a str> {
    entry
        .runbook
        .and_then(|i| site.pages[i].service_name())
        .or_else(|| {
            entry
                .rules
                .iter()
                .find_map(|&i| rules[i].labels.get("service").map(String::as_str))
        })
}

/// Every redirect file for alerts with a runbook; a path two alerts want, or that a page already
/// uses, is reported and left to neither alert. Paths are compared lowercased, since many hosts
/// and desktop file systems do not tell case apart.
fn redirect_paths(
    config: &Config,
    site: &Site,
    rules: &[AlertRule],
    entries: &BTreeMap<String, AlertEntry>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut reserved: BTreeMap<String, String> = site
        .pages
        .iter()
        .map(|p| {
            (
                output_file(&p.url).to_lowercase(),
                p.doc.source.path.clone(),
            )
        })
        .collect();
    reserved.insert("alerts/index.html".into(), "the alerts index".into());
    // Lowercased path -> (exact path, alert, what asked for it).
    let mut wanted: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for entry in entries.values().filter(|e| e.has_page()) {
        let mut want = |path: String, why: String| {
            wanted
                .entry(path.to_lowercase())
                .or_default()
                .push((path, entry.name.clone(), why));
        };
        let page_dir = &entry.page_dir;
        want(format!("{page_dir}index.html"), "alert page".into());
        let lower = page_dir.to_lowercase();
        if &lower != page_dir {
            want(format!("{lower}index.html"), "lowercase alias".into());
        }
        let group = entry.rules.first().map(|&i| rules[i].group.as_str());
        let service = alert_service(site, rules, entry);
        for pattern in &config.alerts.url_aliases {
            if let Some(path) = expand_alias(pattern, &entry.name, group, service) {
                want(path, format!("url-alias {pattern:?}"));
            }
        }
    }
    let mut redirects = BTreeMap::new();
    for (lower, claims) in wanted {
        let alerts: BTreeSet<&str> = claims.iter().map(|(_, a, _)| a.as_str()).collect();
        if let Some(owner) = reserved.get(&lower) {
            // An alias that is the alert's own runbook page (`runbooks/{group}/{alert_lower}/`
            // on a site whose pages are already there) is served by that page: nothing to write.
            let own_page = |alert: &str| {
                entries
                    .get(alert)
                    .and_then(|e| e.runbook)
                    .is_some_and(|i| &site.pages[i].doc.source.path == owner)
            };
            if claims.iter().all(|(_, alert, _)| own_page(alert)) {
                continue;
            }
            for (path, alert, why) in claims.iter().filter(|(_, alert, _)| !own_page(alert)) {
                diagnostics.push(alias_collision(
                    config,
                    site,
                    entries,
                    alert,
                    format!("the {why} of alert {alert:?}, {path}, is already the page of {owner}"),
                ));
            }
            continue;
        }
        if alerts.len() > 1 {
            let names: Vec<String> = alerts.iter().map(|a| format!("{a:?}")).collect();
            for (path, alert, why) in &claims {
                diagnostics.push(alias_collision(
                    config,
                    site,
                    entries,
                    alert,
                    format!(
                        "{path} (the {why} of alert {alert:?}) is wanted by alerts {}; none of them gets it",
                        names.join(" and ")
                    ),
                ));
            }
            continue;
        }
        // One alert: its page and lowercase alias differ only in case, and both are written.
        // Their bytes are identical, so a case-insensitive file system ends up with one good file.
        for (path, alert, _) in claims {
            redirects.insert(path, alert);
        }
    }
    redirects
}

fn alias_collision(
    config: &Config,
    site: &Site,
    entries: &BTreeMap<String, AlertEntry>,
    alert: &str,
    message: String,
) -> Diagnostic {
    let page = entries
        .get(alert)
        .and_then(|e| e.runbook)
        .map(|i| &site.pages[i]);
    match page {
        Some(page) if config.alerts.url_aliases.is_empty() => {
            claim_diagnostic(page, alert, "duplicate-url", message)
        }
        _ => Diagnostic::file(CONFIG_FILE, "duplicate-url", message),
    }
}

/// Where a rule's runbook link lands, as far as rb-site can tell offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkTarget {
    /// A site-relative folder URL (`db/failover/`), with the fragment if any.
    Site {
        path: String,
        fragment: Option<String>,
    },
    /// A repo-relative path under the content folder that is no content file.
    MissingSource(String),
    /// An absolute URL outside `base-url` (or any absolute URL when no base-url is set).
    Foreign(String),
    /// A template Prometheus sends as another link than meant: what it sends, and why.
    Broken { sent: String, reason: String },
    /// A template only Prometheus can expand, when the alert fires: why.
    Unexpandable(String),
}

/// Resolves a runbook link, and says by which convention: absolute under `base-url`, a source
/// file on a configured git host (`[[alerts.repos]]`), site-absolute (`/x/`), or repo-relative
/// (`docs/x.md#a`, GitLab's convention, resolved through the content folder's source paths).
pub(crate) fn resolve_link(
    config: &Config,
    site: &Site,
    link: &str,
    rule: &AlertRule,
) -> (LinkTarget, Convention) {
    let context = RuleContext {
        rule_labels: &rule.labels,
        expr: &rule.expr,
        external_labels: &config.alerts.external_labels,
    };
    let expanded = match expand_annotation(link, context) {
        Expansion::Sent(expanded) => expanded,
        Expansion::Broken { sent, reason } => {
            return (LinkTarget::Broken { sent, reason }, Convention::Foreign);
        }
        Expansion::Unknown { reason } => {
            return (LinkTarget::Unexpandable(reason), Convention::Foreign);
        }
    };
    let (without_fragment, fragment) = match expanded.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment.to_string()).filter(|f| !f.is_empty())),
        None => (expanded.as_str(), None),
    };
    let without_query = without_fragment
        .split_once('?')
        .map_or(without_fragment, |(p, _)| p);
    if let Some(base) = config.book.base_url.as_deref()
        && let Some(path) = without_query
            .strip_prefix(base)
            .or_else(|| (without_query == base.trim_end_matches('/')).then_some(""))
    {
        let target = LinkTarget::Site {
            path: normalise_site_path(path),
            fragment,
        };
        return (target, Convention::BaseUrl);
    }
    if let Some((repo, root_path)) = conventions::git_host_path(&config.alerts.repos, without_query)
    {
        let decoded = percent_encoding::percent_decode_str(&root_path).decode_utf8_lossy();
        let target = resolve_repo_path(config, site, &decoded, fragment);
        return (target, Convention::GitHost(repo.url.clone()));
    }
    if without_query.contains("://") || without_query.starts_with("//") {
        return (LinkTarget::Foreign(expanded), Convention::Foreign);
    }
    if let Some(path) = without_query.strip_prefix('/') {
        let target = LinkTarget::Site {
            path: normalise_site_path(path),
            fragment,
        };
        return (target, Convention::SitePath);
    }
    (
        resolve_repo_path(config, site, without_query, fragment),
        Convention::RepoPath,
    )
}

/// The content-relative path of a path from the root, if it is under the content folder.
fn content_relative<'p>(config: &Config, root_path: &'p str) -> Option<&'p str> {
    let content_dir = config
        .build
        .content_dir
        .to_string_lossy()
        .replace('\\', "/");
    let content_dir = content_dir.trim_start_matches("./").trim_end_matches('/');
    if content_dir.is_empty() || content_dir == "." {
        Some(root_path)
    } else if root_path == content_dir {
        Some("")
    } else {
        root_path
            .strip_prefix(content_dir)
            .and_then(|r| r.strip_prefix('/'))
    }
}

/// A path from the root: the page of that content file, or of a folder's README.md, _index.md
/// or index.md when it names a folder.
fn resolve_repo_path(
    config: &Config,
    site: &Site,
    root_path: &str,
    fragment: Option<String>,
) -> LinkTarget {
    let repo_path = root_path.trim_start_matches("./").trim_end_matches('/');
    let page = content_relative(config, repo_path).and_then(|rel| {
        let folder = |name: &str| {
            if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            }
        };
        site.by_source.get(rel).or_else(|| {
            ["_index.md", "README.md", "index.md"]
                .iter()
                .find_map(|name| site.by_source.get(&folder(name)))
        })
    });
    match page {
        Some(&i) => LinkTarget::Site {
            path: site.pages[i].url.clone(),
            fragment,
        },
        None => LinkTarget::MissingSource(repo_path.to_string()),
    }
}

fn normalise_site_path(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let path = decoded.trim_start_matches('/');
    let path = path.strip_suffix("index.html").unwrap_or(path);
    if path.is_empty() || path.ends_with('/') {
        path.to_string()
    } else if path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        // `x.html` and other files keep their name.
        path.to_string()
    } else {
        format!("{path}/")
    }
}

fn check_runbook_links(
    config: &Config,
    site: &Site,
    graph: &mut AlertGraph,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let page_by_url: BTreeMap<&str, usize> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.url.as_str(), i))
        .collect();
    // Redirect folder -> alert, to follow a link through an alias to its runbook.
    let redirect_dirs: BTreeMap<String, &str> = graph
        .redirects
        .iter()
        .map(|(file, alert)| {
            (
                file.strip_suffix("index.html").unwrap_or(file).to_string(),
                alert.as_str(),
            )
        })
        .collect();
    let severities = &config.alerts.require_runbook_for;
    let mut mismatched = BTreeSet::new();
    let mut external = BTreeSet::new();
    let mut headings_read = BTreeSet::new();
    for entry in graph.entries.values() {
        let rules: Vec<&AlertRule> = entry.rules.iter().map(|&i| &graph.rules[i]).collect();
        if entry.runbook.is_none()
            && !rules.is_empty()
            && let Some(rule) = rules.iter().find(|r| {
                r.severity()
                    .is_some_and(|s| severities.iter().any(|x| x == s))
            })
        {
            diagnostics.push(
                Diagnostic::at(
                    &rule.file,
                    rule.line,
                    rule.column,
                    "alert-without-runbook",
                    format!(
                        "alert {:?} has severity {:?} and no runbook",
                        rule.name,
                        rule.severity().unwrap_or_default()
                    ),
                )
                .with_help(format!(
                    "add `alerts: [{}]` to the front matter of the runbook that answers it",
                    rule.name
                )),
            );
        }
        for rule in rules {
            let Some((key, link)) = conventions::rule_link(config, rule) else {
                if let Some(page) = entry.runbook.map(|i| &site.pages[i]) {
                    diagnostics.push(
                        Diagnostic::at(
                            &rule.file,
                            rule.line,
                            rule.column,
                            "runbook-url-missing",
                            format!(
                                "alert {:?} has a runbook ({}) but no runbook_url annotation",
                                rule.name, page.doc.source.path
                            ),
                        )
                        .with_help(format!(
                            "add `runbook_url: {}` to its annotations",
                            absolute_or_root(config, &entry.page_dir)
                        )),
                    );
                }
                continue;
            };
            let (target, convention) = resolve_link(config, site, link, rule);
            let tried = convention.describe();
            // Problems of the link are shown at its value.
            let (line, column) = rule.place_of(&key);
            // A link without the site's address works from the site, not from a notification.
            if config.book.base_url.is_some()
                && link.starts_with('/')
                && !link.starts_with("//")
                && matches!(target, LinkTarget::Site { .. })
                && entry.runbook.is_some()
            {
                diagnostics.push(
                    Diagnostic::at(
                        &rule.file,
                        line,
                        column,
                        "runbook-url-relative",
                        format!(
                            "{key} of alert {:?} is {link}, without the site's address: \
                             Slack, PagerDuty and email carry it as it is, where it opens nothing",
                            rule.name
                        ),
                    )
                    .with_help(format!(
                        "write {} (`rb-site alerts --fix` writes it)",
                        absolute_or_root(config, &entry.page_dir)
                    )),
                );
            }
            if matches!(target, LinkTarget::Foreign(_)) {
                external.insert(entry.name.clone());
            }
            let problem = match (target, entry.runbook) {
                (LinkTarget::Unexpandable(reason), _) => {
                    diagnostics.push(
                        Diagnostic::at(
                            &rule.file,
                            line,
                            column,
                            "runbook-url-unchecked",
                            format!("{key} of alert {:?} cannot be checked: {reason}", rule.name),
                        )
                        .with_help("rb-site checks literal links, and templates of static values (`$externalLabels` named in book.toml)"),
                    );
                    None
                }
                (LinkTarget::Broken { sent, reason }, _) => {
                    mismatched.insert(entry.name.clone());
                    let help = match entry.runbook {
                        Some(_) => format!(
                            "write the literal URL: {}",
                            absolute_or_root(config, &entry.page_dir)
                        ),
                        None => "write the alert's name into the URL".to_string(),
                    };
                    diagnostics.push(
                        Diagnostic::at(
                            &rule.file,
                            line,
                            column,
                            "runbook-url-template",
                            format!(
                                "{key} of alert {:?} reaches notifications as {sent}: {reason}",
                                rule.name
                            ),
                        )
                        .with_help(help),
                    );
                    None
                }
                (LinkTarget::MissingSource(path), _) => {
                    let nearest = conventions::nearest_source(
                        content_relative(config, &path).unwrap_or(&path),
                        site.by_source.keys().map(String::as_str),
                    );
                    Some((
                        format!(
                            "{key} of alert {:?} names {path} ({tried}), which is not a page of this site",
                            rule.name
                        ),
                        match (nearest, entry.runbook) {
                            (Some(near), _) => format!(
                                "the nearest content file is {}",
                                site.by_source.get(near).map_or(near, |&i| site.pages[i].doc.source.path.as_str())
                            ),
                            (None, Some(i)) => format!(
                                "no content file has that path; the alert's runbook is {}",
                                site.pages[i].doc.source.path
                            ),
                            (None, None) => "no content file has that path".to_string(),
                        },
                    ))
                }
                (LinkTarget::Foreign(url), Some(_)) => Some((
                    format!(
                        "{key} of alert {:?} points outside this site: {url}",
                        rule.name
                    ),
                    match config.book.base_url.as_deref() {
                        Some(_) => format!(
                            "link to {}, or name its repository in [[alerts.repos]]",
                            absolute_or_root(config, &entry.page_dir)
                        ),
                        None => "set book.base-url, or name the repository in [[alerts.repos]], so rb-site can check absolute runbook links".into(),
                    },
                )),
                (LinkTarget::Foreign(_), None) => None,
                (LinkTarget::Site { path, fragment }, runbook) => {
                    // Follow an alert page or alias to the runbook it redirects to.
                    let landed = page_by_url.get(path.as_str()).copied().or_else(|| {
                        redirect_dirs
                            .get(&path)
                            .and_then(|alert| graph.entries.get(*alert))
                            .and_then(|e| e.runbook)
                    });
                    let expected = runbook;
                    match (landed, expected) {
                        (Some(at), Some(want)) if at != want && !entry.claimed_by_link => Some((
                            format!(
                                "{key} of alert {:?} leads to {} ({tried}), not to its runbook {}",
                                rule.name, site.pages[at].doc.source.path, site.pages[want].doc.source.path
                            ),
                            format!("link to {}", absolute_or_root(config, &entry.page_dir)),
                        )),
                        (Some(at), _) => {
                            if fragment.is_some() {
                                headings_read.insert(at);
                            }
                            fragment
                            .filter(|f| !site.pages[at].doc.outline.has_anchor(f))
                            .map(|f| {
                                (
                                    format!(
                                        "{key} of alert {:?} links to #{f}, which is no heading of {} ({tried})",
                                        rule.name, site.pages[at].doc.source.path
                                    ),
                                    match conventions::nearest_anchor(&site.pages[at], &f) {
                                        Some(near) => format!("{near}; link to it, or to the page without the fragment"),
                                        None => "link to the page without the fragment, or fix the heading".to_string(),
                                    },
                                )
                            })
                        }
                        (None, _) => Some((
                            format!(
                                "{key} of alert {:?} points at /{path} ({tried}), which is not a page of this site",
                                rule.name
                            ),
                            match (
                                did_you_mean(&path, page_by_url.keys().copied()),
                                expected,
                            ) {
                                (Some(near), _) => format!("the nearest page is /{near}"),
                                (None, Some(_)) => format!("link to {}", absolute_or_root(config, &entry.page_dir)),
                                (None, None) => "no runbook claims this alert".to_string(),
                            },
                        )),
                    }
                }
            };
            if let Some((message, help)) = problem {
                mismatched.insert(entry.name.clone());
                diagnostics.push(
                    Diagnostic::at(&rule.file, line, column, "runbook-url-mismatch", message)
                        .with_help(help),
                );
            }
        }
    }
    for name in mismatched {
        if let Some(entry) = graph.entries.get_mut(&name) {
            entry.url_mismatch = true;
        }
    }
    for name in external {
        if let Some(entry) = graph.entries.get_mut(&name) {
            entry.external_link = true;
        }
    }
    graph.headings_read.extend(headings_read);
}

/// `base-url` + path when a base URL is set, else the site-absolute `/path`.
pub(crate) fn absolute_or_root(config: &Config, site_path: &str) -> String {
    match config.book.base_url.as_deref() {
        Some(base) => format!("{base}{site_path}"),
        None => format!("/{site_path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_url_safe_by_replacement() {
        assert_eq!(url_safe_name("KubePodCrashLooping"), "KubePodCrashLooping");
        assert_eq!(url_safe_name("job:up:low"), "job-up-low");
        assert_eq!(url_safe_name("Disk  full!"), "Disk-full-");
        assert_eq!(url_safe_name("a_b-c"), "a_b-c");
    }

    #[test]
    fn aliases_expand_placeholders_and_skip_missing_values() {
        assert_eq!(
            expand_alias(
                "runbooks/{group}/{alert_lower}/",
                "KubeX",
                Some("kube apps"),
                None
            )
            .as_deref(),
            Some("runbooks/kube-apps/kubex/index.html")
        );
        assert_eq!(expand_alias("{service}/{alert}", "A:B", None, None), None);
        assert_eq!(
            expand_alias("{service}/{alert}", "A:B", None, Some("db")).as_deref(),
            Some("db/A-B/index.html")
        );
    }
}
