//! Services, the unit an on-call engineer navigates by, and the bounds that keep listing pages
//! small at any site size. A runbook's service is its `service` front-matter field, else its
//! top-level folder; the sidebar, the home page, the Services taxonomy and every count use this
//! one definition. Long lists are split into numbered pages ([`paginate`]).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::model::{PageKind, Site, slugify};

/// Runbooks on one listing page (term, section, review-overdue pages). At about 700 bytes of
/// HTML a runbook this keeps a listing page near 80 KB.
pub(crate) const LIST_PAGE_SIZE: usize = 100;

/// Runbooks of its service listed in a runbook page's own HTML (the no-JavaScript sidebar).
pub(crate) const PAGE_NAV_SIZE: usize = 40;

/// One service: its name as written, its Services page, the top-level folder of the same name
/// (its overview page) if the site has one, and its runbooks in site order.
#[derive(Debug, Clone)]
pub(crate) struct ServiceGroup {
    pub name: String,
    pub url: String,
    pub overview: Option<String>,
    pub pages: Vec<usize>,
}

/// Every service with at least one runbook, by slug; the first spelling met names it.
///
/// `serve` makes these for every render: pages are grouped by the name as written first (no
/// copy, no slug per page), then names are slugified once and merged.
pub(crate) fn service_groups(site: &Site) -> Vec<ServiceGroup> {
    let mut by_name: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    // Names in the order they are first met: the first spelling of a slug names its group.
    let mut names: Vec<&str> = Vec::new();
    for (i, page) in site.pages.iter().enumerate() {
        if page.kind != PageKind::Runbook {
            continue;
        }
        let Some(name) = page.service_name() else {
            continue;
        };
        by_name
            .entry(name)
            .or_insert_with(|| {
                names.push(name);
                Vec::new()
            })
            .push(i);
    }
    let mut groups: BTreeMap<String, ServiceGroup> = BTreeMap::new();
    for name in names {
        let pages = by_name.remove(name).unwrap_or_default();
        let slug = slugify(name);
        match groups.get_mut(&slug) {
            // Another spelling of the same service: its runbooks join, in site order.
            Some(group) => {
                group.pages.extend(pages);
                group.pages.sort_unstable();
            }
            None => {
                let group = ServiceGroup {
                    // The folder named like the service, or the one that named it (the
                    // folder of its first runbook without a `service` field).
                    overview: std::iter::once(name)
                        .chain(
                            pages
                                .iter()
                                .map(|&i| &site.pages[i])
                                .find(|page| page.doc.front.service.is_none())
                                .and_then(crate::model::Page::service_dir)
                                .filter(|dir| dir.rsplit('/').next() == Some(name)),
                        )
                        .find(|dir| {
                            site.sections
                                .get(*dir)
                                .is_some_and(|s| s.index_page.is_some())
                        })
                        .map(super::templates::section_url),
                    url: format!("services/{slug}/"),
                    name: name.to_string(),
                    pages,
                };
                groups.insert(slug, group);
            }
        }
    }
    groups.into_values().collect()
}

/// Where a numbered listing page lives: page 1 at `base`, page n at `base` + `page/n/`.
pub(crate) fn page_url(base: &str, number: usize) -> String {
    if number <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{number}/")
    }
}

/// The links between the numbered pages of one listing, for templates.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pager {
    pub current: usize,
    pub total: usize,
    /// Items in the whole listing.
    pub items: usize,
    /// 1-based positions of this page's first and last item.
    pub first: usize,
    pub last: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Numbered links around the current page (first and last always), `None` for a gap.
    pub links: Vec<Option<PagerLink>>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PagerLink {
    pub number: usize,
    pub url: String,
}

/// Splits `items` into pages of `size` at `base` (site-relative URL of page 1): (URL, the
/// page's items, its pager). An empty list is one empty page.
pub(crate) fn paginate<T: Clone>(
    base: &str,
    items: &[T],
    size: usize,
) -> Vec<(String, Vec<T>, Pager)> {
    let size = size.max(1);
    let total = items.len().div_ceil(size).max(1);
    (1..=total)
        .map(|number| {
            let start = (number - 1) * size;
            let end = (start + size).min(items.len());
            let mut links = Vec::new();
            let mut gap = false;
            for n in 1..=total {
                if n == 1 || n == total || n.abs_diff(number) <= 2 {
                    links.push(Some(PagerLink {
                        number: n,
                        url: page_url(base, n),
                    }));
                    gap = false;
                } else if !gap {
                    links.push(None);
                    gap = true;
                }
            }
            let pager = Pager {
                current: number,
                total,
                items: items.len(),
                first: if items.is_empty() { 0 } else { start + 1 },
                last: end,
                prev: (number > 1).then(|| page_url(base, number - 1)),
                next: (number < total).then(|| page_url(base, number + 1)),
                links,
            };
            (page_url(base, number), items[start..end].to_vec(), pager)
        })
        .collect()
}

/// At most `size` of `pages` around `current` (by position), for a bounded list that still
/// shows the current page's neighbours.
pub(crate) fn window(pages: &[usize], current: usize, size: usize) -> &[usize] {
    if pages.len() <= size {
        return pages;
    }
    let position = pages.iter().position(|&p| p == current).unwrap_or(0);
    let start = position.saturating_sub(size / 2).min(pages.len() - size);
    &pages[start..start + size]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runbooks of one service written two ways (`Kafka Cluster`, `kafka-cluster`), interleaved,
    /// plus one named by its folder: one group per slug, named by the first spelling met, its
    /// runbooks in site order.
    #[test]
    fn spellings_of_one_service_make_one_group_in_site_order() {
        let config =
            crate::config::Config::from_toml(std::path::Path::new("/tmp"), "").expect("config");
        let docs = [
            ("a.md", "Kafka Cluster"),
            ("b.md", "kafka-cluster"),
            ("c.md", "Redis"),
            ("d.md", "Kafka Cluster"),
            ("e.md", "kafka-cluster"),
        ]
        .into_iter()
        .map(|(rel, service)| format!("---\ntitle: {rel}\nservice: {service}\n---\n# T\n"))
        .chain(["# In a folder\n".to_string()])
        .zip(["a.md", "b.md", "c.md", "d.md", "e.md", "db/f.md"])
        .map(|(text, rel)| {
            let source = crate::model::SourceFile {
                path: format!("content/{rel}"),
                rel: rel.to_string(),
                text,
            };
            crate::parse::parse_document(&config, source).0
        })
        .collect();
        let (site, _) = crate::link::link(&config, docs, Default::default());
        let index = |rel: &str| {
            site.pages
                .iter()
                .position(|p| p.doc.source.rel == rel)
                .expect(rel)
        };
        let groups: Vec<(String, String, Vec<usize>)> = service_groups(&site)
            .into_iter()
            .map(|g| (g.name, g.url, g.pages))
            .collect();
        let mut kafka = vec![index("a.md"), index("b.md"), index("d.md"), index("e.md")];
        kafka.sort_unstable();
        assert_eq!(
            groups,
            [
                ("db".into(), "services/db/".into(), vec![index("db/f.md")]),
                (
                    "Kafka Cluster".into(),
                    "services/kafka-cluster/".into(),
                    kafka
                ),
                (
                    "Redis".into(),
                    "services/redis/".into(),
                    vec![index("c.md")]
                ),
            ]
        );
    }

    #[test]
    fn pages_split_evenly_with_links_around_the_current_one() {
        let items: Vec<usize> = (0..250).collect();
        let pages = paginate("services/db/", &items, 100);
        assert_eq!(pages.len(), 3);
        assert_eq!(pages[0].0, "services/db/");
        assert_eq!(pages[2].0, "services/db/page/3/");
        assert_eq!(pages[2].1.len(), 50);
        let pager = &pages[1].2;
        assert_eq!((pager.first, pager.last, pager.items), (101, 200, 250));
        assert_eq!(pager.prev.as_deref(), Some("services/db/"));
        assert_eq!(pager.next.as_deref(), Some("services/db/page/3/"));
        assert_eq!(paginate::<usize>("x/", &[], 10).len(), 1);
    }

    #[test]
    fn long_pagers_keep_first_last_and_neighbours() {
        let items: Vec<usize> = (0..1000).collect();
        let pages = paginate("a/", &items, 10);
        let numbers: Vec<Option<usize>> = pages[49]
            .2
            .links
            .iter()
            .map(|l| l.as_ref().map(|l| l.number))
            .collect();
        assert_eq!(
            numbers,
            [
                Some(1),
                None,
                Some(48),
                Some(49),
                Some(50),
                Some(51),
                Some(52),
                None,
                Some(100)
            ]
        );
    }

    #[test]
    fn window_keeps_the_current_page_inside() {
        let pages: Vec<usize> = (0..100).collect();
        assert_eq!(window(&pages, 0, 10), &pages[0..10]);
        assert_eq!(window(&pages, 50, 10), &pages[45..55]);
        assert_eq!(window(&pages, 99, 10), &pages[90..100]);
        assert_eq!(window(&pages[..5], 3, 10), &pages[..5]);
    }
}
