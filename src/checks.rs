//! Stages 4 and 5 over a linked site: validation page by page, then the alert graph and the
//! output paths, with every diagnostic kept by page and by stage. [`crate::check_site`] runs
//! them once ([`Checks::run`]); `serve` keeps the result, runs the same stage functions again
//! before the reload on what an edit can have changed ([`Checks::patch`]), and over the whole
//! site after it ([`Checks::recheck`], the same code as [`Checks::run`]): what the patch gets
//! wrong shows for a moment, never in what `serve` settles on.
//!
//! What a page's diagnostics depend on, and so what [`Checks::patch`] checks again when a page
//! changes while the list of pages, their URLs and the assets stay the same (the link targets
//! are then the same for every page):
//! - its placement (`invalid-field` for an unknown kind): the page;
//! - the validation rules: the page, the configuration, today's date, and the anchors of the
//!   pages its `#fragment` links name (an index of those links, both ways, finds who to check);
//! - the alert graph: what [`alerts::alert_inputs`] hashes of each page; when no replaced page's
//!   hash moved, the graph, its diagnostics, the Alerts panels and the coverage are kept.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::Checked;
use crate::alerts::{self, AlertRule};
use crate::config::Config;
use crate::diag::{Diagnostic, Report};
use crate::model::{Page, PageId, Site};
use crate::render::Extras;
use crate::validate;

/// Diagnostics and indexes of the last check, by stage.
pub(crate) struct Checks {
    today: jiff::civil::Date,
    /// The link stage's diagnostics about one page, by page id.
    placement: BTreeMap<PageId, Vec<Diagnostic>>,
    /// The link stage's diagnostics between pages (two on one URL).
    duplicates: Vec<Diagnostic>,
    /// Validation diagnostics by page index.
    validation: Vec<Vec<Diagnostic>>,
    /// Who links to whose anchors: made by the first [`Checks::patch`] (a build never needs it).
    anchors: Option<AnchorIndex>,
    rule_diagnostics: Vec<Diagnostic>,
    alert_diagnostics: Vec<Diagnostic>,
    /// Output-path collisions ([`crate::paths`]), decided again on every check.
    path_diagnostics: Vec<Diagnostic>,
    /// Makes [`Checks::patch`] validate no page again: how tests show that what `serve`
    /// settles on does not depend on what a patch checks.
    #[cfg(test)]
    pub(crate) blind: bool,
}

/// The `#fragment` links between pages, both ways, by page index.
struct AnchorIndex {
    /// The pages whose anchors a page's links name...
    targets: Vec<BTreeSet<usize>>,
    /// ...and the pages whose links name its anchors.
    sources: Vec<BTreeSet<usize>>,
}

impl AnchorIndex {
    fn of(site: &Site) -> AnchorIndex {
        let targets: Vec<BTreeSet<usize>> = site
            .pages
            .par_iter()
            .map(|page| validate::anchor_targets(site, page))
            .collect();
        let mut sources = vec![BTreeSet::new(); site.pages.len()];
        for (i, targets) in targets.iter().enumerate() {
            for &target in targets {
                sources[target].insert(i);
            }
        }
        AnchorIndex { targets, sources }
    }

    /// Page `i` links to the anchors of `targets` now.
    fn update(&mut self, i: usize, targets: BTreeSet<usize>) {
        for &old in &self.targets[i] {
            self.sources[old].remove(&i);
        }
        for &target in &targets {
            self.sources[target].insert(i);
        }
        self.targets[i] = targets;
    }
}

/// What the alert graph showed before [`Checks::patch`] built it again.
pub(crate) struct SupersededAlerts {
    /// The Alerts panels of the runbooks, by page index.
    pub(crate) panels: BTreeMap<usize, Vec<alerts::AlertPanelEntry>>,
}

impl Checks {
    /// Checks a linked site from scratch: the validation rules over every page, the alert
    /// graph from `rules` (the rules and the diagnostics of reading them), the output paths.
    /// `placement` and `duplicates` are the link stage's diagnostics; the report is left to
    /// [`Checks::report`].
    pub(crate) fn run(
        config: &Config,
        site: Site,
        placement: BTreeMap<PageId, Vec<Diagnostic>>,
        duplicates: Vec<Diagnostic>,
        rules: (Vec<AlertRule>, Vec<Diagnostic>),
        files: usize,
    ) -> (Checked, Checks) {
        let (rules, rule_diagnostics) = rules;
        let mut checks = Checks {
            today: crate::model::today(),
            placement,
            duplicates,
            validation: Vec::new(),
            anchors: None,
            rule_diagnostics,
            alert_diagnostics: Vec::new(),
            path_diagnostics: Vec::new(),
            #[cfg(test)]
            blind: false,
        };
        let mut checked = Checked {
            site,
            report: Report::default(),
            files,
            alerts: alerts::AlertGraph {
                rules,
                ..alerts::AlertGraph::default()
            },
            extras: Extras::default(),
            render_problems: 0,
        };
        checks.check_all(config, &mut checked);
        (checked, checks)
    }

    /// Stages 4 and 5 over the whole site, with the rules in `checked.alerts`: every page
    /// validated, the alert graph and the output paths decided. [`Checks::run`] does this once;
    /// `serve` does it again after the reload ([`Checks::recheck`]).
    fn check_all(&mut self, config: &Config, checked: &mut Checked) {
        self.today = crate::model::today();
        let site = &checked.site;
        let today = self.today;
        // The anchor index (`serve`'s, when there is one) is kept: it only chooses what a
        // patch checks before the reload.
        let validation = crate::timings::time("validate", || {
            site.pages
                .par_iter()
                .map(|page| validated(config, site, page, today))
                .collect()
        });
        keep_each_equal(&mut self.validation, validation);
        let rules = std::mem::take(&mut checked.alerts.rules);
        self.link_alerts(config, checked, rules);
        crate::timings::time("output paths", || {
            self.plan_outputs(config, checked);
        });
    }

    /// Checks the whole site again, as [`Checks::run`] does, keeping the link stage's
    /// diagnostics and the rules: what `serve` settles on after the reload, so that the
    /// diagnostics and the files it ends up with never depend on what [`Checks::patch`] chose to
    /// check again before it. Returns nothing: `serve` renders the whole site after it anyway.
    pub(crate) fn recheck(&mut self, config: &Config, checked: &mut Checked) {
        self.check_all(config, checked);
        crate::show_alerts(&mut checked.extras, &checked.alerts);
    }

    pub(crate) fn rule_diagnostics(&self) -> &[Diagnostic] {
        &self.rule_diagnostics
    }

    /// Checks again after pages were replaced in the site (same sources, same URLs, same
    /// assets): `replaced` holds the pages they replaced, by index, and `placement` their
    /// link-stage diagnostics. Returns what the alert graph showed when it had to be built
    /// again.
    pub(crate) fn patch(
        &mut self,
        config: &Config,
        checked: &mut Checked,
        replaced: &BTreeMap<usize, Page>,
        placement: BTreeMap<PageId, Vec<Diagnostic>>,
    ) -> Option<SupersededAlerts> {
        for (id, diagnostics) in placement {
            if diagnostics.is_empty() {
                self.placement.remove(&id);
            } else {
                self.placement.insert(id, diagnostics);
            }
        }
        let today = crate::model::today();
        let anchors = self
            .anchors
            .get_or_insert_with(|| AnchorIndex::of(&checked.site));
        let again: BTreeSet<usize> = if today == self.today {
            replaced
                .keys()
                .flat_map(|&i| std::iter::once(i).chain(anchors.sources[i].iter().copied()))
                .collect()
        } else {
            // Review dates are judged against today: every page, once a day.
            self.today = today;
            (0..checked.site.pages.len()).collect()
        };
        #[cfg(test)]
        let again = if self.blind { BTreeSet::new() } else { again };
        crate::timings::time("serve: validate", || {
            self.validate(config, &checked.site, &again)
        });

        let site = &checked.site;
        let graph = &checked.alerts;
        let moved = replaced.iter().any(|(&i, old)| {
            let headings_read = graph.headings_read.contains(&i);
            alerts::alert_inputs(config, graph, &site.pages[i], headings_read)
                != alerts::alert_inputs(config, graph, old, headings_read)
        });
        let old = if moved {
            let graph = std::mem::take(&mut checked.alerts);
            let old = SupersededAlerts {
                panels: std::mem::take(&mut checked.extras.alert_panels),
            };
            self.link_alerts(config, checked, graph.rules);
            // What pages show of the graph: `serve` compares the panels before and after.
            crate::show_alerts(&mut checked.extras, &checked.alerts);
            Some(old)
        } else {
            None
        };
        crate::timings::time("serve: output paths", || self.plan_outputs(config, checked));
        old
    }

    /// Runs the validation rules over the pages in `which`, and updates the anchor index when
    /// there is one.
    fn validate(&mut self, config: &Config, site: &Site, which: &BTreeSet<usize>) {
        let today = self.today;
        let indexed = self.anchors.is_some();
        let results: Vec<(usize, Vec<Diagnostic>, Option<BTreeSet<usize>>)> = which
            .par_iter()
            .map(|&i| {
                let page = &site.pages[i];
                (
                    i,
                    validated(config, site, page, today),
                    indexed.then(|| validate::anchor_targets(site, page)),
                )
            })
            .collect();
        for (i, diagnostics, targets) in results {
            self.validation[i] = diagnostics;
            if let (Some(anchors), Some(targets)) = (self.anchors.as_mut(), targets) {
                anchors.update(i, targets);
            }
        }
    }

    /// Builds the alert graph, its diagnostics and what pages show of it.
    fn link_alerts(&mut self, config: &Config, checked: &mut Checked, rules: Vec<AlertRule>) {
        let site = &checked.site;
        let (mut graph, diagnostics) =
            crate::timings::time("alert links", || alerts::link_alerts(config, site, rules));
        keep_equal(&mut self.alert_diagnostics, diagnostics);
        // The rules were taken out of the graph for the stage: compared without them.
        let rules = std::mem::take(&mut graph.rules);
        keep_equal(&mut checked.alerts, graph);
        checked.alerts.rules = rules;
    }

    /// Decides the output paths again: tags, titles and alerts may have moved.
    fn plan_outputs(&mut self, config: &Config, checked: &mut Checked) {
        let (outputs, diagnostics) = crate::paths::plan(config, &checked.site, &checked.alerts);
        keep_equal(&mut checked.extras.outputs, outputs);
        keep_equal(&mut self.path_diagnostics, diagnostics);
    }

    /// Every diagnostic of the check stages, after the `earlier` ones (load and parse),
    /// leveled and sorted; the checks are kept for [`Checks::patch`].
    pub(crate) fn report<'a>(
        &'a self,
        config: &Config,
        earlier: impl IntoIterator<Item = &'a Diagnostic>,
    ) -> Report {
        let all = earlier
            .into_iter()
            .chain(self.placement.values().flatten())
            .chain(self.validation.iter().flatten())
            .chain(&self.duplicates)
            .chain(&self.rule_diagnostics)
            .chain(&self.alert_diagnostics)
            .chain(&self.path_diagnostics)
            .cloned();
        leveled(config, all)
    }

    /// [`Checks::report`] for a check that is not kept: the diagnostics move into the report.
    pub(crate) fn into_report(self, config: &Config, earlier: Vec<Diagnostic>) -> Report {
        let all = earlier
            .into_iter()
            .chain(self.placement.into_values().flatten())
            .chain(self.validation.into_iter().flatten())
            .chain(self.duplicates)
            .chain(self.rule_diagnostics)
            .chain(self.alert_diagnostics)
            .chain(self.path_diagnostics);
        leveled(config, all)
    }
}

/// The validation rules' diagnostics about one page, without spare capacity: a site's
/// checks keep them all.
fn validated(
    config: &Config,
    site: &Site,
    page: &Page,
    today: jiff::civil::Date,
) -> Vec<Diagnostic> {
    let mut diagnostics = validate::check_page(config, site, page, today);
    diagnostics.shrink_to_fit();
    diagnostics
}

/// Puts `new` in `kept` unless they are equal. `serve` runs the check stages again after
/// every save, mostly to the same results: keeping the old values where they were in memory,
/// rather than values allocated among the render's, keeps what each save reads compact (with
/// each result replaced, a save's checks slowed by 20-40 ms at 10,000 runbooks).
pub(crate) fn keep_equal<T: PartialEq>(kept: &mut T, new: T) {
    if *kept != new {
        *kept = new;
    }
}

/// [`keep_equal`] item by item, for results by page.
fn keep_each_equal<T: PartialEq>(kept: &mut Vec<T>, new: Vec<T>) {
    if kept.len() != new.len() {
        *kept = new;
        return;
    }
    for (kept, new) in kept.iter_mut().zip(new) {
        keep_equal(kept, new);
    }
}

/// Diagnostics at the levels `book.toml` sets, sorted, with the report's summary.
fn leveled(config: &Config, diagnostics: impl IntoIterator<Item = Diagnostic>) -> Report {
    let mut report = Report::default();
    report.extend_at(|path, code| config.level_at(path, code), diagnostics);
    config.finish_report(report)
}
