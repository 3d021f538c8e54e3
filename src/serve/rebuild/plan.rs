//! What a save renders before the reload; the deferred pass renders the whole site after it.
//!
//! A save's first render is a preview: the changed pages, the pages that show their titles
//! beside themselves (previous and next links) and the runbooks whose Alerts panel changed.
//! What else shows a changed page (section pages, the home page, taxonomies, alert pages,
//! navigation, sidebars, print binders, the search index) is left to
//! [`super::Builder::render_deferred`], which renders every output as a build does, with the
//! bodies and the unchanged files kept: nothing here needs to know what a page shows of
//! another for the site to end up right, only for it to look right sooner.
//!
//! The served site must never hold a link to a file that is not there yet: a change of the
//! site's set of output paths as the check stage plans them ([`crate::paths::PathSet`]: a new
//! tag or service, an alias, a new alert page) or a changed asset renders everything at once.

use std::collections::{BTreeMap, BTreeSet};

use crate::Checked;
use crate::checks::SupersededAlerts;
use crate::model::Site;
use crate::paths::PathSet;

/// What the previous build showed of a page about to change.
struct Shown {
    title: String,
    /// Display order of its section, by page index.
    section_order: Vec<usize>,
}

/// What the previous build showed of the pages about to change, by page index.
#[derive(Default)]
pub(super) struct Before {
    pages: BTreeMap<usize, Shown>,
}

impl Before {
    /// Records page `index` as the site shows it now, before it is replaced.
    pub(super) fn record(&mut self, site: &Site, index: usize) {
        let page = &site.pages[index];
        self.pages.entry(index).or_insert_with(|| Shown {
            title: page.title.clone(),
            section_order: site
                .sections
                .get(page.doc.dir())
                .map(|s| s.pages.clone())
                .unwrap_or_default(),
        });
    }

    /// What to render before the reload after a patch (same pages, same URLs). `old_files`:
    /// the output paths the site had; `old_alerts`: what the alert graph showed, when it was
    /// built again.
    pub(super) fn plan(
        &self,
        checked: &Checked,
        old_files: PathSet,
        old_alerts: Option<&SupersededAlerts>,
        asset_touched: bool,
    ) -> Plan {
        let site = &checked.site;
        let changed: BTreeSet<usize> = self.pages.keys().copied().collect();
        let mut now = changed.clone();
        for (&index, shown) in &self.pages {
            let page = &site.pages[index];
            let Some(section) = site.sections.get(page.doc.dir()) else {
                continue;
            };
            if shown.title == page.title && shown.section_order == section.pages {
                continue;
            }
            // Pages whose previous or next link changed, and those that show this one.
            let neighbours = |order: &[usize]| -> BTreeMap<usize, (Option<usize>, Option<usize>)> {
                order
                    .iter()
                    .enumerate()
                    .map(|(at, &i)| {
                        let prev = at.checked_sub(1).map(|p| order[p]);
                        (i, (prev, order.get(at + 1).copied()))
                    })
                    .collect()
            };
            let old = neighbours(&shown.section_order);
            for (i, around) in neighbours(&section.pages) {
                if old.get(&i) != Some(&around)
                    || around.0 == Some(index)
                    || around.1 == Some(index)
                {
                    now.insert(i);
                }
            }
        }
        if let Some(old) = old_alerts {
            let panels = &checked.extras.alert_panels;
            for (index, panel) in panels {
                if old.panels.get(index) != Some(panel) {
                    now.insert(*index);
                }
            }
            now.extend(old.panels.keys().filter(|i| !panels.contains_key(i)));
        }
        Plan {
            pages: now,
            bodies: changed,
            everything_now: asset_touched || checked.extras.outputs.files != old_files,
        }
    }
}

/// The render before the reload.
pub(super) struct Plan {
    pub(super) pages: BTreeSet<usize>,
    /// Pages whose body may have changed.
    pub(super) bodies: BTreeSet<usize>,
    /// Render the whole site now: otherwise a page could link to a file not there yet.
    pub(super) everything_now: bool,
}
