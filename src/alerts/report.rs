//! The alert stage's findings for a whole site, as the `rb-site alerts` command and the tests
//! read them: one row per alert, the summary, the diagnostics and the pages it adds.

use super::coverage::{AlertEntry, AlertGraph};
use super::summary::{AlertRow, CoverageSummary, alert_rows, coverage_summary};
use crate::config::Config;
use crate::diag::{Diagnostic, Report};
use crate::model::Site;

/// Everything the alert stage finds for a site: one row per alert, the summary, the diagnostics
/// (levels applied, sorted) and the files it adds to the site.
#[derive(Debug, Clone)]
pub struct AlertsReport {
    pub rows: Vec<AlertRow>,
    pub statuses: Vec<&'static str>,
    /// Per row, where the rules' runbook links send a notification ([`link_label`]).
    pub links: Vec<&'static str>,
    pub summary: CoverageSummary,
    pub report: Report,
    /// Site-relative path -> contents: redirect pages, `alerts/index.html`, `alerts.json`.
    pub outputs: Vec<(String, Vec<u8>)>,
    /// Every page URL of the site with its heading ids: where redirects may land.
    pub page_anchors: std::collections::BTreeMap<String, Vec<String>>,
}

impl AlertsReport {
    /// The report of a linked site: `diagnostics` get their levels from `config`.
    pub(crate) fn new(
        config: &Config,
        site: &Site,
        graph: &AlertGraph,
        diagnostics: Vec<Diagnostic>,
        outputs: Vec<(String, Vec<u8>)>,
    ) -> Self {
        let mut report = Report::default();
        report.extend_at(|path, code| config.level_at(path, code), diagnostics);
        Self {
            rows: alert_rows(config, site, graph),
            statuses: graph.entries.values().map(|e| e.status.label()).collect(),
            links: graph
                .entries
                .values()
                .map(|e| link_label(config, graph, e))
                .collect(),
            summary: coverage_summary(graph),
            report: config.finish_report(report),
            outputs,
            page_anchors: site
                .pages
                .iter()
                .map(|p| {
                    let ids = p.doc.outline.headings.iter().map(|h| h.id.clone());
                    (p.url.clone(), ids.collect())
                })
                .collect(),
        }
    }
}

/// Where an alert's runbook links send a notification, as `rb-site alerts` shows it: `ok` (every
/// rule links to this site's page for the alert), `mismatch` (a link lands elsewhere on the
/// site or nowhere: `runbook-url-mismatch`), `outside` (a link leaves the site, unchecked),
/// `missing` (a rule has no runbook link), `-` (no rule defines the alert).
pub(crate) fn link_label(config: &Config, graph: &AlertGraph, entry: &AlertEntry) -> &'static str {
    if entry.rules.is_empty() {
        "-"
    } else if entry.url_mismatch {
        "mismatch"
    } else if entry.external_link {
        "outside"
    } else if graph
        .rules_of(entry)
        .any(|rule| super::conventions::rule_link(config, rule).is_none())
    {
        "missing"
    } else {
        "ok"
    }
}
