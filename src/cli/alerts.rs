//! `rb-site alerts`: the alert-to-URL map and the coverage summary, as a table, JSON or CSV on
//! stdout, with the coverage diagnostics on stderr (exit status 1 when any is an error); and
//! `rb-site alerts --fix`, which writes each alert's page URL into its rule's runbook annotation.
//!
//! The commands run the pipeline's stages 1 to 5 ([`crate::load_site`], then the alert stage)
//! and print; the stages themselves print nothing.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::alerts::{AlertGraph, AlertRow, AlertsReport, CoverageSummary, coverage_summary};
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

/// Loads the site at `root` and runs the alert stage on it.
pub fn alerts_report(root: &Path) -> anyhow::Result<AlertsReport> {
    alerts_report_for(&Config::load(root)?)
}

/// Runs the alert stage on the site a configuration describes.
pub fn alerts_report_for(config: &Config) -> anyhow::Result<AlertsReport> {
    let (site, graph, mut diagnostics, coverage) = link_site_alerts(config)?;
    diagnostics.extend(coverage);
    let (tera, base) = alert_tera(config)?;
    let mut made = crate::render::Output::default();
    crate::render::alert_pages::alert_outputs(
        config,
        &site,
        &graph,
        &tera,
        &base,
        &crate::render::keyed::Reuse::none(),
        &Default::default(),
        &mut made,
    )?;
    let outputs: Vec<(String, Vec<u8>)> = made.files.into_iter().collect();
    Ok(AlertsReport::new(
        config,
        &site,
        &graph,
        diagnostics,
        outputs,
    ))
}

/// Loads the site and the rules and checks coverage, without rendering anything: what
/// `rb-site check` needs from this stage. Returns the summary and the diagnostics (levels applied).
pub fn check_alerts(config: &Config) -> anyhow::Result<(CoverageSummary, Report)> {
    let (_, graph, mut diagnostics, coverage) = link_site_alerts(config)?;
    diagnostics.extend(coverage);
    let mut report = Report::default();
    report.extend_at(|path, code| config.level_at(path, code), diagnostics);
    Ok((coverage_summary(&graph), config.finish_report(report)))
}

/// The site's theme (the default one embeds `alerts.html` and `alert_redirect.html`) and the
/// context every template gets, as the build renders them.
fn alert_tera(config: &Config) -> anyhow::Result<(tera::Tera, crate::render::keyed::BaseContext)> {
    let theme = crate::theme::Theme::load(&config.root, &config.build.theme)?;
    let tera = crate::render::templates::tera(&theme)?;
    Ok((tera, crate::render::base_context(config, &theme, false)))
}

/// Stages 1 to 3 of the pipeline, then the alert stage: the linked site (whatever its own
/// diagnostics: the build and `check` report those; these commands are about coverage), the
/// alert graph, the rule files' diagnostics and the coverage diagnostics.
fn link_site_alerts(
    config: &Config,
) -> anyhow::Result<(Site, AlertGraph, Vec<Diagnostic>, Vec<Diagnostic>)> {
    let (site, _, _) = crate::load_site(config)?;
    let (rules, rule_diagnostics) = crate::alerts::load_rules(config);
    let (graph, coverage) = crate::alerts::link_alerts(config, &site, rules);
    Ok((site, graph, rule_diagnostics, coverage))
}

/// `rb-site alerts`: prints the map and summary to stdout, diagnostics to stderr.
/// Returns the exit status: 0, or 1 when there are coverage errors.
pub fn run_alerts_report(root: &Path, format: AlertsFormat) -> anyhow::Result<u8> {
    let mut alerts = alerts_report(root)?;
    alerts.report.add_source_lines(root);
    let stdout = render_alerts(&alerts, format);
    let stderr = crate::diag::render(&alerts.report, crate::diag::Format::Human, 0, false);
    anstream::eprint!("{stderr}");
    let known = alerts.report.known().len();
    if known > 0 {
        // Of the baseline's problems, those about alerts: `check` counts them all.
        anstream::eprintln!(
            "{known} known problem{} about alerts (baseline)",
            super::plural(known)
        );
    }
    anstream::print!("{stdout}");
    Ok(u8::from(alerts.report.has_errors()))
}

/// `rb-site alerts --fix [--dry-run]`. Returns the exit status: 0 when every link was written
/// (or, with `dry_run`, could be), 1 when some could not be.
pub fn run_alerts_fix(root: &Path, dry_run: bool) -> anyhow::Result<u8> {
    let config = Config::load(root)?;
    if config.book.base_url.is_none() {
        bail!(
            "`rb-site alerts --fix` writes absolute links: set book.base-url (the URL the site is published at) in {}",
            crate::config::CONFIG_FILE
        );
    }
    let (_, graph, mut diagnostics, coverage) = link_site_alerts(&config)?;

    let wanted = crate::alerts::fix::planned_fixes(&config, &graph, &coverage);

    let mut written = 0;
    let mut fixed = 0;
    for (file, fixes) in &wanted {
        let path = config.root.join(file);
        let before = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let result = crate::alerts::fix::fix_rule_file(file, &before, fixes);
        diagnostics.extend(result.skipped.iter().cloned());
        if result.after == before {
            continue;
        }
        fixed += fixes.len() - result.skipped.len();
        if dry_run {
            let diff = similar::TextDiff::from_lines(&before, &result.after);
            anstream::print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{file}"), &format!("b/{file}"))
            );
            continue;
        }
        match crate::alerts::fix::replace_if_unchanged(&path, &before, &result.after) {
            Ok(()) => written += 1,
            Err(err) => diagnostics.push(Diagnostic::file(
                file,
                "alerts-fix-skipped",
                format!("{err:#}"),
            )),
        }
    }

    let mut report = Report::default();
    report.extend(
        |code| config.level_of(code),
        diagnostics
            .into_iter()
            .filter(|d| d.code == "alerts-fix-skipped" || d.code.starts_with("rule-")),
    );
    let mut report = report.sorted();
    report.add_source_lines(&config.root);
    anstream::eprint!(
        "{}",
        crate::diag::render(&report, crate::diag::Format::Human, 0, false)
    );
    if dry_run {
        eprintln!(
            "{fixed} runbook link{} would be written (dry run: no file changed)",
            super::plural(fixed)
        );
    } else {
        eprintln!(
            "Wrote {fixed} runbook link{} in {written} rule file{}",
            super::plural(fixed),
            super::plural(written)
        );
    }
    Ok(u8::from(
        report.has_errors()
            || report
                .diagnostics()
                .iter()
                .any(|d| d.code == "alerts-fix-skipped"),
    ))
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
    link: &'a str,
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
                    .zip(&alerts.links)
                    .map(|((row, status), link)| JsonAlert { row, status, link })
                    .collect(),
                summary: &alerts.summary,
            };
            let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
            text.push('\n');
            text
        }
        AlertsFormat::Csv => {
            let mut out = String::from("alert,status,link,severity,service,owner,url,runbook\n");
            let rows = alerts.rows.iter().zip(&alerts.statuses).zip(&alerts.links);
            for ((row, status), link) in rows {
                let fields = [
                    row.alert.as_str(),
                    status,
                    link,
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
            let header = ["ALERT", "STATUS", "LINK", "SEVERITY", "URL", "RUNBOOK"];
            let cells: Vec<[String; 6]> = alerts
                .rows
                .iter()
                .zip(&alerts.statuses)
                .zip(&alerts.links)
                .map(|((row, status), link)| {
                    [
                        row.alert.clone(),
                        (*status).to_string(),
                        (*link).to_string(),
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
                "\n{} alert{} in rules: {} with a runbook, {} without; {} claimed but unknown; {} runbook link mismatch{}",
                s.in_rules,
                super::plural(s.in_rules),
                s.with_runbook,
                s.without_runbook,
                s.unknown_claimed,
                s.mismatched,
                if s.mismatched == 1 { "" } else { "es" }
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
