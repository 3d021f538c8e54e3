//! Which outputs a rebuild renders before the reload, and which it leaves for the deferred pass.
//!
//! Before the reload: the changed pages, the pages that show them beside themselves (previous
//! and next links) and the pages whose Alerts panel changed. Later, once edits pause: the pages
//! that list them (section pages, the home page, taxonomies, alert pages, navigation),
//! the print binders and the search index, each O(site) at 10,000 runbooks.
//!
//! The served site must never hold a link to a file that is not there yet: a change of the
//! site's set of output paths as the check stage plans them ([`crate::paths::PathSet`]: a new
//! tag or service, an alias, a new alert page), a changed asset, or a change of the list of
//! pages renders everything at once.

use std::collections::{BTreeMap, BTreeSet};

use crate::Checked;
use crate::checks::SupersededAlerts;
use crate::model::{Page, PageKind, Site};
use crate::paths::PathSet;
use crate::render::PageSet;

/// Work left for the deferred pass, merged across builds until it runs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Deferred {
    pub(super) pages: BTreeSet<usize>,
    pub(super) listings: bool,
}

impl Deferred {
    pub(super) fn merge(&mut self, other: Deferred) {
        self.pages.extend(other.pages);
        self.listings |= other.listings;
    }

    pub(super) fn page_set(&self) -> PageSet {
        PageSet::Only {
            pages: self.pages.clone(),
            bodies: BTreeSet::new(),
            listings: self.listings,
            print: true,
        }
    }
}

/// What the previous build showed of a page about to change.
struct Shown {
    listing: String,
    /// Display order of its section, by page index.
    section_order: Vec<usize>,
    /// The slug of its service: every runbook of the service lists it in its sidebar.
    service: Option<String>,
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
            listing: listing(page),
            section_order: site
                .sections
                .get(page.doc.dir())
                .map(|s| s.pages.clone())
                .unwrap_or_default(),
            service: service_slug(page),
        });
    }

    /// Splits the work of a patch (same pages, same URLs) between now and later. `old_files`:
    /// the output paths the site had; `old_alerts`: what the alert graph showed, when it was
    /// built again.
    pub(super) fn plan(
        &self,
        checked: &Checked,
        old_files: PathSet,
        old_alerts: Option<&SupersededAlerts>,
        asset_touched: bool,
    ) -> (Plan, Deferred) {
        let site = &checked.site;
        let changed: BTreeSet<usize> = self.pages.keys().copied().collect();
        let mut now = changed.clone();
        let mut later = Deferred::default();
        // A page rendered now may link to a generated file the deferred pass has not written.
        let new_targets = asset_touched || checked.extras.outputs.files != old_files;
        for (&index, shown) in &self.pages {
            let page = &site.pages[index];
            if shown.listing == listing(page) {
                continue;
            }
            later.listings = true;
            // The sidebar of every runbook of its service, before and after, lists it (and
            // counts the service's runbooks).
            let services: BTreeSet<String> = [shown.service.clone(), service_slug(page)]
                .into_iter()
                .flatten()
                .collect();
            if !services.is_empty() {
                later.pages.extend(
                    site.pages
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| {
                            service_slug(p).is_some_and(|slug| services.contains(&slug))
                        })
                        .map(|(i, _)| i),
                );
            }
            if page.kind == PageKind::Section {
                // Its title is in the breadcrumbs of every page below it.
                later.pages.extend(0..site.pages.len());
                continue;
            }
            let Some(section) = site.sections.get(page.doc.dir()) else {
                continue;
            };
            later.pages.extend(section.index_page);
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
            // The alert pages list runbooks with their titles.
            later.listings = true;
        }
        let plan = Plan {
            pages: now,
            bodies: changed,
            everything_now: new_targets,
        };
        (plan, later)
    }
}

/// The render before the reload.
pub(super) struct Plan {
    pub(super) pages: BTreeSet<usize>,
    /// Pages whose body may have changed.
    pub(super) bodies: BTreeSet<usize>,
    /// Render the deferred work now too: otherwise a page could link to a file not there yet.
    pub(super) everything_now: bool,
}

/// Everything of a page that another page may show: title, URL, kind, alerts, front matter.
fn listing(page: &Page) -> String {
    serde_json::json!({
        "title": page.title,
        "url": page.url,
        "runbook_kind": page.runbook_kind,
        "alerts": page.alerts,
        "front": page.doc.front,
    })
    .to_string()
}

/// The slug of a runbook's service, as its sidebar groups it (None for other pages).
fn service_slug(page: &Page) -> Option<String> {
    if page.kind != PageKind::Runbook {
        return None;
    }
    page.service().map(|name| crate::model::slugify(&name))
}
