//! The check stages (link, validate, alerts) for `serve`, kept between builds so that a save
//! re-checks what it can have changed, not the site.
//!
//! What a page's diagnostics depend on, and so what is checked again when a page changes while
//! the list of pages, their URLs and the assets stay the same (the link targets are then the
//! same for every page):
//! - its placement (`invalid-field` for an unknown kind): the page;
//! - the validation rules: the page, the configuration, today's date, and the anchors of the
//!   pages its `#fragment` links name (an index of those links, both ways, finds who to check);
//! - the alert graph: what [`alerts::alert_inputs`] hashes of each page; when no changed page's
//!   hash moved, the graph, its diagnostics, the Alerts panels and the coverage are kept.
//!
//! The result is what [`crate::check_site`] gives for the same site; the builder's tests
//! compare the diagnostics with a full build's after every kind of edit.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use rayon::prelude::*;

use crate::Checked;
use crate::alerts::{self, AlertRule};
use crate::config::Config;
use crate::diag::{Diagnostic, Report};
use crate::link::Linked;
use crate::model::{PageId, Site};
use crate::render::Extras;
use crate::validate;

use super::plan::OldAlerts;

/// Diagnostics and indexes of the last check, by stage.
pub(super) struct Checks {
    today: jiff::civil::Date,
    /// The link stage's diagnostics about one page, by page id.
    placement: BTreeMap<PageId, Vec<Diagnostic>>,
    /// The link stage's diagnostics between pages (two on one URL).
    duplicates: Vec<Diagnostic>,
    /// Validation diagnostics by page id.
    validation: BTreeMap<PageId, Vec<Diagnostic>>,
    /// By page index: the pages whose anchors its links name...
    anchor_targets: Vec<BTreeSet<usize>>,
    /// ...and the pages whose links name its anchors.
    anchor_sources: Vec<BTreeSet<usize>>,
    rule_diagnostics: Vec<Diagnostic>,
    alert_diagnostics: Vec<Diagnostic>,
    /// [`alerts::alert_inputs`] by page index.
    alert_inputs: Vec<blake3::Hash>,
    /// Output-path collisions ([`crate::paths`]), decided again on every check.
    path_diagnostics: Vec<Diagnostic>,
}

impl Checks {
    /// Checks a freshly linked site from scratch. `rules` are the alert rules and the
    /// diagnostics of reading them.
    pub(super) fn full(
        config: &Config,
        linked: Linked,
        rules: (Vec<AlertRule>, Vec<Diagnostic>),
        earlier: &BTreeMap<String, Vec<Diagnostic>>,
        files: usize,
    ) -> Result<(Checked, Checks)> {
        let Linked {
            site,
            by_page,
            duplicates,
            ..
        } = linked;
        let today = crate::model::today();
        let (rules, rule_diagnostics) = rules;
        let mut checks = Checks {
            today,
            placement: by_page,
            duplicates,
            validation: BTreeMap::new(),
            anchor_targets: vec![BTreeSet::new(); site.pages.len()],
            anchor_sources: vec![BTreeSet::new(); site.pages.len()],
            rule_diagnostics,
            alert_diagnostics: Vec::new(),
            alert_inputs: Vec::new(),
            path_diagnostics: Vec::new(),
        };
        let all: BTreeSet<usize> = (0..site.pages.len()).collect();
        checks.validate(config, &site, &all);
        let mut checked = Checked {
            site,
            report: Report::default(),
            files,
            alerts: alerts::AlertGraph::default(),
            extras: Extras::default(),
            render_problems: 0,
        };
        checks.link_alerts(config, &mut checked, rules)?;
        checks.plan_outputs(config, &mut checked);
        checked.report = checks.report(config, earlier);
        Ok((checked, checks))
    }

    pub(super) fn rule_diagnostics(&self) -> &[Diagnostic] {
        &self.rule_diagnostics
    }

    /// Checks again after the pages in `changed` were replaced in the site (same sources, same
    /// URLs, same assets); `placement` holds their link-stage diagnostics. Returns what the
    /// alert graph showed when it had to be built again.
    pub(super) fn patch(
        &mut self,
        config: &Config,
        checked: &mut Checked,
        changed: &BTreeSet<usize>,
        placement: BTreeMap<PageId, Vec<Diagnostic>>,
        earlier: &BTreeMap<String, Vec<Diagnostic>>,
    ) -> Result<Option<OldAlerts>> {
        for (id, diagnostics) in placement {
            if diagnostics.is_empty() {
                self.placement.remove(&id);
            } else {
                self.placement.insert(id, diagnostics);
            }
        }
        let today = crate::model::today();
        let again: BTreeSet<usize> = if today == self.today {
            changed
                .iter()
                .flat_map(|&i| std::iter::once(i).chain(self.anchor_sources[i].iter().copied()))
                .collect()
        } else {
            // Review dates are judged against today: every page, once a day.
            self.today = today;
            (0..checked.site.pages.len()).collect()
        };
        crate::timings::time("serve: validate", || {
            self.validate(config, &checked.site, &again)
        });

        let site = &checked.site;
        let graph = &checked.alerts;
        let moved = changed.iter().any(|&i| {
            alerts::alert_inputs(&site.pages[i], graph.anchor_pages.contains(&i))
                != self.alert_inputs[i]
        });
        let old = if moved {
            let graph = std::mem::take(&mut checked.alerts);
            let extras = std::mem::take(&mut checked.extras);
            let old = OldAlerts::new(extras.alert_panels, graph.redirects.into_keys().collect());
            self.link_alerts(config, checked, graph.rules)?;
            Some(old)
        } else {
            None
        };
        crate::timings::time("serve: output paths", || self.plan_outputs(config, checked));
        checked.report = crate::timings::time("serve: report", || self.report(config, earlier));
        Ok(old)
    }

    /// Runs the validation rules over the pages in `which` and updates the anchor index.
    fn validate(&mut self, config: &Config, site: &Site, which: &BTreeSet<usize>) {
        let today = self.today;
        let results: Vec<(usize, Vec<Diagnostic>, BTreeSet<usize>)> = which
            .par_iter()
            .map(|&i| {
                let page = &site.pages[i];
                (
                    i,
                    validate::check_page(config, site, page, today),
                    validate::anchor_targets(site, page),
                )
            })
            .collect();
        for (i, diagnostics, targets) in results {
            let id = &site.pages[i].doc.source.rel;
            if diagnostics.is_empty() {
                self.validation.remove(id);
            } else {
                self.validation.insert(id.clone(), diagnostics);
            }
            for &old in &self.anchor_targets[i] {
                self.anchor_sources[old].remove(&i);
            }
            for &target in &targets {
                self.anchor_sources[target].insert(i);
            }
            self.anchor_targets[i] = targets;
        }
    }

    /// Builds the alert graph, its diagnostics and what pages show of it.
    fn link_alerts(
        &mut self,
        config: &Config,
        checked: &mut Checked,
        rules: Vec<AlertRule>,
    ) -> Result<()> {
        let site = &checked.site;
        let (graph, diagnostics) =
            crate::timings::time("alert links", || alerts::link_alerts(config, site, rules));
        self.alert_inputs = site
            .pages
            .par_iter()
            .enumerate()
            .map(|(i, page)| alerts::alert_inputs(page, graph.anchor_pages.contains(&i)))
            .collect();
        self.alert_diagnostics = diagnostics;
        crate::show_alerts(&mut checked.extras, &graph);
        checked.alerts = graph;
        Ok(())
    }

    /// Decides the output paths again: tags, titles and alerts may have moved.
    fn plan_outputs(&mut self, config: &Config, checked: &mut Checked) {
        let (outputs, diagnostics) = crate::paths::plan(config, &checked.site, &checked.alerts);
        checked.extras.outputs = outputs;
        self.path_diagnostics = diagnostics;
    }

    /// Every diagnostic of the check stages, with the load and parse ones, leveled and sorted
    /// as [`crate::check_site`] reports them.
    fn report(&self, config: &Config, earlier: &BTreeMap<String, Vec<Diagnostic>>) -> Report {
        let all = earlier
            .values()
            .chain(self.placement.values())
            .chain(self.validation.values())
            .flatten()
            .chain(&self.duplicates)
            .chain(&self.rule_diagnostics)
            .chain(&self.alert_diagnostics)
            .chain(&self.path_diagnostics)
            .cloned();
        let mut report = Report::default();
        report.extend_at(|path, code| config.level_at(path, code), all);
        config.finish_report(report)
    }
}
