//! What the alert graph adds to the site: redirect pages for every alert URL, the alerts index,
//! `alerts.json`, the Alerts panel of each runbook and the coverage summary of the home page.
//!
//! Every link written into HTML is relative to the page holding it, so the site works from any
//! folder and from `file://`; only canonical links and `alerts.json` use `base-url` when it is set.

use serde::Serialize;

use super::coverage::{AlertEntry, AlertGraph, CoverageStatus, alert_service};
use crate::config::Config;
use crate::model::Site;

/// One alert rule as shown in a runbook's Alerts panel.
#[allow(dead_code)] // Until the render stage shows the panel on runbook pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AlertPanelEntry {
    pub name: String,
    pub severity: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    pub summary: Option<String>,
    pub expr: Option<String>,
    /// Site-relative URL of the alert's page (`alerts/KubePodCrashLooping/`); prefix it with the
    /// page's way back to the root.
    pub url: String,
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

/// Alerts answered by one runbook page, one row per rule (or one per claimed alert with no rule).
#[allow(dead_code)] // Until the render stage shows the panel on runbook pages.
pub(crate) fn alerts_panel(graph: &AlertGraph, page_index: usize) -> Vec<AlertPanelEntry> {
    alerts_panels(graph).remove(&page_index).unwrap_or_default()
}

/// Every runbook page's alert panel, by page index, in one pass over the alerts: asking
/// [`alerts_panel`] page by page scans every alert for every page, quadratic in the site.
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
        if entry.rules.is_empty() {
            panel.push(AlertPanelEntry {
                name: entry.name.clone(),
                severity: None,
                for_: None,
                summary: None,
                expr: None,
                url,
            });
            continue;
        }
        for rule in graph.rules_of(entry) {
            panel.push(AlertPanelEntry {
                name: rule.name.clone(),
                severity: rule.severity().map(str::to_string),
                for_: rule.for_.clone(),
                summary: rule.summary().map(str::to_string),
                expr: Some(rule.expr.clone()),
                url: url.clone(),
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

/// `../` repeated once per folder of a site-relative output file: its way back to the root.
fn root_of(file: &str) -> String {
    "../".repeat(file.matches('/').count())
}

/// Escapes text for a double-quoted HTML attribute, leaving `/` readable (Tera's escaper does not).
fn attr_escape(text: &str) -> String {
    crate::render::templates::escape_html(text)
}

/// Alerts on one page of the alerts index (about 500 bytes of HTML each).
const ALERTS_PAGE_SIZE: usize = 200;

#[derive(Serialize, Clone)]
struct IndexRow {
    alert: String,
    /// Relative to the site root (templates prefix `root`).
    alert_href: Option<String>,
    runbook_href: Option<String>,
    runbook_title: Option<String>,
    severity: String,
    service: String,
    owner: String,
    status: &'static str,
    url_mismatch: bool,
    rules: Vec<IndexRule>,
}

#[derive(Serialize, Clone)]
struct IndexRule {
    file: String,
    line: usize,
    group: String,
}

/// The redirect pages, `alerts/index.html` and `alerts.json`, as (site-relative path, bytes).
pub(crate) fn alert_outputs(
    config: &Config,
    site: &Site,
    graph: &AlertGraph,
    tera: &tera::Tera,
    base_ctx: &tera::Context,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    use anyhow::Context as _;
    use rayon::prelude::*;
    let redirects: Vec<(&String, &String)> = graph.redirects.iter().collect();
    let mut outputs: Vec<(String, Vec<u8>)> = redirects
        .into_par_iter()
        .filter_map(|(file, alert)| {
            let entry = graph.entries.get(alert)?;
            let page = &site.pages[entry.runbook?];
            Some((file, entry, page))
        })
        .map(|(file, entry, page)| {
            let root = root_of(file);
            // index.html spelled out: the redirect must also work from file://.
            let target = format!("{root}{}index.html", page.url);
            let fragment = entry
                .anchor
                .as_ref()
                .map(|a| format!("#{a}"))
                .unwrap_or_default();
            let canonical = match config.book.base_url.as_deref() {
                Some(base) => format!("{base}{}", entry.page_dir),
                None => format!("{root}{}", entry.page_dir),
            };
            let mut ctx = base_ctx.clone();
            ctx.insert("alert", &entry.name);
            ctx.insert("title", &page.title);
            ctx.insert("root", &root);
            ctx.insert("page_type", "redirect");
            ctx.insert("target", &attr_escape(&format!("{target}{fragment}")));
            ctx.insert("canonical", &attr_escape(&canonical));
            let html = tera
                .render("alert_redirect.html", &ctx)
                .with_context(|| format!("cannot render {file}"))?;
            Ok((file.clone(), html.into_bytes()))
        })
        .collect::<anyhow::Result<_>>()?;

    let rows = alert_rows(config, site, graph);
    let index_rows: Vec<IndexRow> = graph
        .entries
        .values()
        .zip(&rows)
        .map(|(entry, row)| IndexRow {
            alert: entry.name.clone(),
            alert_href: entry.runbook.map(|_| attr_escape(&entry.page_dir)),
            runbook_href: entry.runbook.map(|i| {
                let anchor = entry
                    .anchor
                    .as_ref()
                    .map(|a| format!("#{a}"))
                    .unwrap_or_default();
                attr_escape(&format!("{}index.html{anchor}", site.pages[i].url))
            }),
            runbook_title: row.title.clone(),
            severity: row.severity.clone().unwrap_or_default(),
            service: row.service.clone().unwrap_or_default(),
            owner: row.owner.clone().unwrap_or_default(),
            status: entry.status.label(),
            url_mismatch: entry.url_mismatch,
            rules: graph
                .rules_of(entry)
                .map(|r| IndexRule {
                    file: r.file.clone(),
                    line: r.line,
                    group: r.group.clone(),
                })
                .collect(),
        })
        .collect();
    // Numbered pages: alerts/, alerts/page/2/, …, each bounded whatever the number of alerts.
    let summary = coverage_summary(graph);
    let pages = crate::render::services::paginate("alerts/", &index_rows, ALERTS_PAGE_SIZE);
    let rendered: Vec<(String, Vec<u8>)> = pages
        .into_par_iter()
        .map(|(url, rows, pager)| {
            let mut ctx = base_ctx.clone();
            ctx.insert("root", &Site::root_prefix(&url));
            ctx.insert("page_url", &url);
            ctx.insert("page_type", "alerts");
            if let Some(base) = config.book.base_url.as_deref() {
                ctx.insert("canonical", &format!("{base}{url}"));
            }
            ctx.insert("alerts", &rows);
            ctx.insert("pager", &(pager.total > 1).then_some(pager));
            ctx.insert("summary", &summary);
            ctx.insert("rules_configured", &graph.rules_configured);
            let html = tera
                .render("alerts.html", &ctx)
                .with_context(|| format!("cannot render {url}index.html"))?;
            Ok((format!("{url}index.html"), html.into_bytes()))
        })
        .collect::<anyhow::Result<_>>()?;
    outputs.extend(rendered);

    let mut json = serde_json::to_vec_pretty(&rows).context("cannot write alerts.json")?;
    json.push(b'\n');
    outputs.push(("alerts.json".into(), json));
    outputs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_climbs_one_level_per_folder() {
        assert_eq!(root_of("alerts/X/index.html"), "../../");
        assert_eq!(root_of("runbooks/g/x/index.html"), "../../../");
        assert_eq!(root_of("alerts.json"), "");
    }
}
