//! `rb-site alerts`: the alert-to-URL map and the coverage summary, as a table, JSON or CSV on
//! stdout, with the coverage diagnostics on stderr. Exit status 1 when any of them is an error.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::coverage::{AlertGraph, link_alerts};
use super::pages::{AlertRow, CoverageSummary, alert_outputs, alert_rows, coverage_summary};
use super::rules::load_rules;
use crate::config::Config;
use crate::diag::{Diagnostic, Report};
use crate::model::Site;

/// The output format of `rb-site alerts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AlertsFormat {
    /// Aligned columns, for people.
    #[default]
    Table,
    /// `{"alerts": [...], "summary": {...}}`.
    Json,
    /// One header line, then one line per alert.
    Csv,
}

/// Everything the alert stage finds for a site: one row per alert, the summary, the diagnostics
/// (levels applied, sorted) and the files it adds to the site.
#[derive(Debug, Clone)]
pub struct AlertsReport {
    pub rows: Vec<AlertRow>,
    pub statuses: Vec<&'static str>,
    pub summary: CoverageSummary,
    pub report: Report,
    /// Site-relative path -> contents: redirect pages, `alerts/index.html`, `alerts.json`.
    pub outputs: Vec<(String, Vec<u8>)>,
    /// Every page URL of the site with its heading ids: where redirects may land.
    pub page_anchors: std::collections::BTreeMap<String, Vec<String>>,
}

/// Loads the site at `root` and runs the alert stage on it.
pub fn alerts_report(root: &Path) -> anyhow::Result<AlertsReport> {
    alerts_report_for(&Config::load(root)?)
}

/// Runs the alert stage on the site a configuration describes.
pub fn alerts_report_for(config: &Config) -> anyhow::Result<AlertsReport> {
    let site = load_site(config)?;
    let (rules, mut diagnostics) = load_rules(config);
    let (graph, coverage) = link_alerts(config, &site, rules);
    diagnostics.extend(coverage);
    let (tera, base) = alert_tera(config)?;
    let outputs = alert_outputs(config, &site, &graph, &tera, &base)?;
    Ok(report_from(config, &site, &graph, diagnostics, outputs))
}

/// Loads the site and the rules and checks coverage, without rendering anything: what
/// `rb-site check` needs from this stage. Returns the summary and the diagnostics (levels applied).
pub fn check_alerts(config: &Config) -> anyhow::Result<(CoverageSummary, Report)> {
    let site = load_site(config)?;
    let (rules, mut diagnostics) = load_rules(config);
    let (graph, coverage) = link_alerts(config, &site, rules);
    diagnostics.extend(coverage);
    let mut report = Report::default();
    report.extend_at(|path, code| config.level_at(path, code), diagnostics);
    Ok((coverage_summary(&graph), report.sorted()))
}

/// The site's theme (the default one embeds `alerts.html` and `alert_redirect.html`) and the
/// context every template gets, as the build renders them.
fn alert_tera(config: &Config) -> anyhow::Result<(tera::Tera, tera::Context)> {
    let theme = crate::theme::Theme::load(&config.root, &config.build.theme)?;
    let tera = crate::render::templates::tera(&theme)?;
    Ok((tera, crate::render::base_context(config, &theme)))
}

/// Stages 1 to 3 of the pipeline: the linked site, whatever its own diagnostics (the build and
/// `check` report those; `rb-site alerts` is about coverage).
fn load_site(config: &Config) -> anyhow::Result<Site> {
    crate::load_site(config).map(|(site, _, _)| site)
}

fn report_from(
    config: &Config,
    site: &Site,
    graph: &AlertGraph,
    diagnostics: Vec<Diagnostic>,
    outputs: Vec<(String, Vec<u8>)>,
) -> AlertsReport {
    let mut report = Report::default();
    report.extend_at(|path, code| config.level_at(path, code), diagnostics);
    AlertsReport {
        rows: alert_rows(config, site, graph),
        statuses: graph.entries.values().map(|e| e.status.label()).collect(),
        summary: coverage_summary(graph),
        report: report.sorted(),
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

/// `rb-site alerts`: prints the map and summary to stdout, diagnostics to stderr.
/// Returns the exit status: 0, or 1 when there are coverage errors.
pub fn run_alerts_report(root: &Path, format: AlertsFormat) -> anyhow::Result<u8> {
    let alerts = alerts_report(root)?;
    let stdout = render_alerts(&alerts, format);
    let stderr = crate::diag::render(&alerts.report, crate::diag::Format::Human, 0, false);
    anstream::eprint!("{stderr}");
    anstream::print!("{stdout}");
    Ok(u8::from(alerts.report.has_errors()))
}

#[derive(Serialize)]
struct JsonAlerts<'a> {
    alerts: Vec<JsonAlert<'a>>,
    summary: &'a CoverageSummary,
}

#[derive(Serialize)]
struct JsonAlert<'a> {
    #[serde(flatten)]
    row: &'a AlertRow,
    status: &'a str,
}

/// The stdout of `rb-site alerts` in a format.
pub fn render_alerts(alerts: &AlertsReport, format: AlertsFormat) -> String {
    match format {
        AlertsFormat::Json => {
            let json = JsonAlerts {
                alerts: alerts
                    .rows
                    .iter()
                    .zip(&alerts.statuses)
                    .map(|(row, status)| JsonAlert { row, status })
                    .collect(),
                summary: &alerts.summary,
            };
            let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
            text.push('\n');
            text
        }
        AlertsFormat::Csv => {
            let mut out = String::from("alert,status,severity,service,owner,url,runbook\n");
            for (row, status) in alerts.rows.iter().zip(&alerts.statuses) {
                let fields = [
                    row.alert.as_str(),
                    status,
                    row.severity.as_deref().unwrap_or(""),
                    row.service.as_deref().unwrap_or(""),
                    row.owner.as_deref().unwrap_or(""),
                    row.url.as_deref().unwrap_or(""),
                    row.runbook.as_deref().unwrap_or(""),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
            out
        }
        AlertsFormat::Table => {
            let header = ["ALERT", "STATUS", "SEVERITY", "URL", "RUNBOOK"];
            let cells: Vec<[String; 5]> = alerts
                .rows
                .iter()
                .zip(&alerts.statuses)
                .map(|(row, status)| {
                    [
                        row.alert.clone(),
                        (*status).to_string(),
                        row.severity.clone().unwrap_or_else(|| "-".into()),
                        row.url.clone().unwrap_or_else(|| "-".into()),
                        row.runbook.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            let mut widths = header.map(|h| h.chars().count());
            for row in &cells {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let mut out = String::new();
            let mut line = |cells: &[String]| {
                let mut text = String::new();
                for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                    if i + 1 == cells.len() {
                        text.push_str(cell);
                    } else {
                        let _ = write!(text, "{cell:<w$}  ");
                    }
                }
                out.push_str(text.trim_end());
                out.push('\n');
            };
            line(&header.map(String::from));
            for row in &cells {
                line(row);
            }
            let s = &alerts.summary;
            let _ = write!(
                out,
                "\n{} alerts in rules: {} with a runbook, {} without; {} claimed but unknown; {} runbook link mismatches",
                s.in_rules, s.with_runbook, s.without_runbook, s.unknown_claimed, s.mismatched
            );
            if s.external > 0 {
                let _ = write!(out, "; {} linking outside the site", s.external);
            }
            out.push('\n');
            out
        }
    }
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
