//! What the alert graph says about the site, as values the pages and commands show: the Alerts
//! panel of each runbook, the coverage summary of the home page and one row per alert (the
//! alerts index, `alerts.json`, `rb-site alerts`). The HTML is [`crate::render::alert_pages`]'s.

use serde::Serialize;

use super::coverage::{AlertEntry, AlertGraph, CoverageStatus, alert_service, url_safe_name};
use crate::config::Config;
use crate::model::Site;

/// One alert rule as shown in a runbook's Alerts panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertPanelEntry {
    pub name: String,
    pub severity: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    pub summary: Option<String>,
    pub expr: Option<String>,
    /// Site-relative URL of the alert's page (`alerts/KubePodCrashLooping/`); prefix it with the
    /// page's way back to the root.
    pub url: String,
    /// The card's HTML id, `alert-` and the URL-safe name (`alert-mtail-log-errors` for
    /// `mtail log errors`); on the first card of each alert only, so ids stay unique when one
    /// alert has several rules.
    pub id: Option<String>,
}

/// Coverage figures for the home page and `rb-site alerts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CoverageSummary {
    /// Distinct alert names defined in the rule files.
    pub in_rules: usize,
    /// Of those, claimed by a runbook.
    pub with_runbook: usize,
    /// Of those, claimed by none.
    pub without_runbook: usize,
    /// Claimed by a runbook but defined in no rule file (0 when no rule files are configured).
    pub unknown_claimed: usize,
    /// Alerts with at least one runbook link that does not resolve to their page.
    pub mismatched: usize,
    /// Alert names claimed by runbooks, known to the rules or not.
    pub claimed: usize,
    /// Alerts in the rules with a runbook link to an address outside this site (neither
    /// `base-url` nor a repository of `[[alerts.repos]]`).
    pub external: usize,
}

/// Every runbook page's alert panel, by page index, one row per rule (or one per claimed alert
/// with no rule), in one pass over the alerts: asking page by page would scan every alert for
/// every page, quadratic in the site.
pub(crate) fn alerts_panels(
    graph: &AlertGraph,
) -> std::collections::BTreeMap<usize, Vec<AlertPanelEntry>> {
    let mut panels: std::collections::BTreeMap<usize, Vec<AlertPanelEntry>> =
        std::collections::BTreeMap::new();
    for entry in graph.entries.values() {
        let Some(page_index) = entry.runbook else {
            continue;
        };
        let panel = panels.entry(page_index).or_default();
        let url = entry.page_dir.clone();
        let id = Some(format!("alert-{}", url_safe_name(&entry.name)));
        if entry.rules.is_empty() {
            panel.push(AlertPanelEntry {
                name: entry.name.clone(),
                severity: None,
                for_: None,
                summary: None,
                expr: None,
                url,
                id,
            });
            continue;
        }
        for (i, rule) in graph.rules_of(entry).enumerate() {
            panel.push(AlertPanelEntry {
                name: rule.name.clone(),
                severity: rule.severity().map(str::to_string),
                for_: rule.for_.clone(),
                summary: rule.summary().map(str::to_string),
                expr: Some(rule.expr.clone()),
                url: url.clone(),
                id: if i == 0 { id.clone() } else { None },
            });
        }
    }
    panels
}

pub(crate) fn coverage_summary(graph: &AlertGraph) -> CoverageSummary {
    let mut summary = CoverageSummary::default();
    for entry in graph.entries.values() {
        match entry.status {
            CoverageStatus::Covered => {
                summary.in_rules += 1;
                summary.with_runbook += 1;
            }
            CoverageStatus::NoRunbook => {
                summary.in_rules += 1;
                summary.without_runbook += 1;
            }
            CoverageStatus::Unknown => summary.unknown_claimed += 1,
            CoverageStatus::RunbookOnly => {}
        }
        if entry.runbook.is_some() {
            summary.claimed += 1;
        }
        if entry.url_mismatch {
            summary.mismatched += 1;
        }
        if entry.external_link && !entry.rules.is_empty() {
            summary.external += 1;
        }
    }
    summary
}

/// One row of `alerts.json`, the alerts index and `rb-site alerts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRow {
    pub alert: String,
    /// The alert's page: absolute with `base-url`, else site-relative. `None` without a runbook.
    pub url: Option<String>,
    /// The runbook page, same convention.
    pub runbook: Option<String>,
    /// The runbook's title.
    pub title: Option<String>,
    pub severity: Option<String>,
    pub service: Option<String>,
    pub owner: Option<String>,
}

/// Distinct severities of an alert's rules in rule order, else its runbook's `severity`.
fn severity_of(site: &Site, graph: &AlertGraph, entry: &AlertEntry) -> Option<String> {
    let mut severities: Vec<&str> = Vec::new();
    for rule in graph.rules_of(entry) {
        if let Some(s) = rule.severity()
            && !severities.contains(&s)
        {
            severities.push(s);
        }
    }
    if severities.is_empty() {
        return entry
            .runbook
            .and_then(|i| site.pages[i].doc.front.severity.clone());
    }
    Some(severities.join(", "))
}

fn owner_of(site: &Site, graph: &AlertGraph, entry: &AlertEntry) -> Option<String> {
    entry
        .runbook
        .and_then(|i| site.pages[i].doc.front.owner.clone())
        .or_else(|| {
            graph.rules_of(entry).find_map(|r| {
                r.labels
                    .get("owner")
                    .or_else(|| r.labels.get("team"))
                    .cloned()
            })
        })
}

/// Rows for every alert, sorted by name. `absolute` prefixes URLs with `base-url` when set.
pub(crate) fn alert_rows(config: &Config, site: &Site, graph: &AlertGraph) -> Vec<AlertRow> {
    let link = |path: &str| match config.book.base_url.as_deref() {
        Some(base) => format!("{base}{path}"),
        None => path.to_string(),
    };
    graph
        .entries
        .values()
        .map(|entry| {
            let page = entry.runbook.map(|i| &site.pages[i]);
            AlertRow {
                alert: entry.name.clone(),
                url: page.map(|_| link(&entry.page_dir)),
                runbook: page.map(|p| {
                    let mut url = link(&p.url);
                    if let Some(anchor) = &entry.anchor {
                        url.push('#');
                        url.push_str(anchor);
                    }
                    url
                }),
                title: page.map(|p| p.title.clone()),
                severity: severity_of(site, graph, entry),
                service: alert_service(site, &graph.rules, entry).map(str::to_string),
                owner: owner_of(site, graph, entry),
            }
        })
        .collect()
}
