//! Stage 6, the pages the alert graph adds to the site: a redirect page for every alert URL, the
//! alerts index (numbered pages) and `alerts.json`.
//!
//! Every link written into HTML is relative to the page holding it, so the site works from any
//! folder and from `file://`; only canonical links and `alerts.json` use `base-url` when it is set.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Output;
use super::keyed::{BaseContext, Reuse};
use crate::alerts::{AlertGraph, alert_rows, coverage_summary};
use crate::config::Config;
use crate::model::Site;

/// `../` repeated once per folder of a site-relative output file: its way back to the root.
fn root_of(file: &str) -> String {
    "../".repeat(file.matches('/').count())
}

/// Escapes text for a double-quoted HTML attribute, leaving `/` readable (Tera's escaper does not).
fn attr_escape(text: &str) -> String {
    super::templates::escape_html(text)
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

/// The redirect pages (but those in `lost`, which give way to other files), the alerts index
/// and `alerts.json`, made into `output` in that order; pages whose context is unchanged are
/// taken from `reuse`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn alert_outputs(
    config: &Config,
    site: &Site,
    graph: &AlertGraph,
    tera: &tera::Tera,
    base_ctx: &BaseContext,
    reuse: &Reuse,
    lost: &BTreeSet<String>,
    output: &mut Output,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    // An alert's page and its lowercase alias hold the same bytes: one render for each alert
    // and depth of folder.
    let mut redirects: BTreeMap<(&str, usize), Vec<&str>> = BTreeMap::new();
    for (file, alert) in &graph.redirects {
        if !lost.contains(file) {
            redirects
                .entry((alert.as_str(), file.matches('/').count()))
                .or_default()
                .push(file.as_str());
        }
    }
    let redirects: Vec<_> = redirects
        .iter()
        .filter_map(|(&(alert, _), files)| {
            let entry = graph.entries.get(alert)?;
            let page = &site.pages[entry.runbook?];
            Some((files, entry, page))
        })
        .collect();
    output.insert_made(&redirects, |&(files, entry, page)| {
        let root = root_of(files[0]);
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
        let mut ctx = base_ctx.child();
        ctx.insert("alert", &entry.name);
        ctx.insert("title", &page.title);
        ctx.insert("root", &root);
        ctx.insert("page_type", "redirect");
        ctx.insert("target", attr_escape(&format!("{target}{fragment}")));
        ctx.insert("canonical", attr_escape(&canonical));
        let html = reuse
            .render_each(tera, "alert_redirect.html", &ctx, files)
            .with_context(|| format!("cannot render {}", files.join(" and ")))?;
        Ok(files
            .iter()
            .map(|file| file.to_string())
            .zip(html)
            .collect())
    })?;

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
    let pages = super::services::paginate("alerts/", &index_rows, ALERTS_PAGE_SIZE);
    output.insert_made(&pages, |(url, rows, pager)| {
        let mut ctx = base_ctx.child();
        ctx.insert("root", Site::root_prefix(url));
        ctx.insert("page_url", url);
        ctx.insert("page_type", "alerts");
        if let Some(base) = config.book.base_url.as_deref() {
            ctx.insert("canonical", format!("{base}{url}"));
        }
        ctx.insert("alerts", rows);
        ctx.insert("pager", (pager.total > 1).then_some(pager));
        ctx.insert("summary", &summary);
        ctx.insert("rules_configured", graph.rules_configured);
        let path = format!("{url}index.html");
        let html = reuse
            .render(tera, "alerts.html", &ctx, &path)
            .with_context(|| format!("cannot render {path}"))?;
        Ok(vec![(path, html)])
    })?;

    let mut json = serde_json::to_vec_pretty(&rows).context("cannot write alerts.json")?;
    json.push(b'\n');
    output.insert("alerts.json", json)
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
