//! The pages that list other pages: home, generated section pages, taxonomies and their terms,
//! the print book, 404, alias redirects, the sitemap and the shared navigation file. Each is
//! O(site) on its own, so they render side by side, and a term page per job.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::services::{LIST_PAGE_SIZE, Pager, ServiceGroup, page_url, paginate, service_groups};
use super::templates::ListItem;
use super::{Output, Renderer, templates};
use crate::model::TAXONOMIES;

/// Services shown on the home page, the largest first; the Services page lists them all.
const HOME_SERVICES: usize = 12;
/// Runbooks listed under each service on the home page.
const HOME_SERVICE_RUNBOOKS: usize = 5;
/// Overdue reviews listed on the home page; `review-overdue/` has them all.
const HOME_OVERDUE: usize = 10;
/// The listing of every runbook whose review is overdue.
pub(super) const OVERDUE_URL: &str = "review-overdue/";
use crate::model::{PageKind, Site, slugify};

impl Renderer<'_> {
    /// The pages that list pages, side by side (they are independent), each into its own
    /// branch of `output`, streamed as made and absorbed in a fixed order: generated sections
    /// and review-overdue, the home page, taxonomies. With `all` false only the home page, and
    /// only when `home` (the home page's body) is given.
    pub(super) fn listings(
        &self,
        all: bool,
        home: Option<&str>,
        output: &mut Output,
    ) -> Result<()> {
        let [mut sections, mut home_page, mut taxonomies] = [(); 3].map(|()| output.branch());
        let ((made_sections, made_home), made_taxonomies) = rayon::join(
            || {
                rayon::join(
                    || -> Result<()> {
                        if all {
                            crate::timings::time("sections", || {
                                self.generated_sections(&mut sections)?;
                                self.overdue_pages(&mut sections)
                            })?;
                        }
                        Ok(())
                    },
                    || -> Result<()> {
                        if let Some(body) = home {
                            let files = crate::timings::time("home", || self.home(body))?;
                            for (path, bytes) in files {
                                home_page.insert(path, bytes)?;
                            }
                        }
                        Ok(())
                    },
                )
            },
            || -> Result<()> {
                if all {
                    crate::timings::time("taxonomies", || self.taxonomies(&mut taxonomies))?;
                }
                Ok(())
            },
        );
        for made in [made_sections, made_home, made_taxonomies] {
            made?;
        }
        for branch in [sections, home_page, taxonomies] {
            output.absorb(branch);
        }
        Ok(())
    }

    /// Section pages for folders that have runbooks but no `_index.md`, and the numbered
    /// continuation pages (`page/2/`, …) of every folder with more runbooks than one page holds.
    pub(super) fn generated_sections(&self, output: &mut Output) -> Result<()> {
        let jobs: Vec<(&String, usize)> = self
            .site
            .sections
            .iter()
            .filter(|(dir, _)| !dir.is_empty())
            .flat_map(|(dir, section)| {
                let total = section.pages.len().div_ceil(LIST_PAGE_SIZE).max(1);
                // A folder whose generated page gives way ([`crate::paths`]) keeps its later pages.
                let generated = section.index_page.is_none()
                    && !self.extras.outputs.lost_sections.contains(dir);
                let first = if generated { 1 } else { 2 };
                (first..=total).map(move |number| (dir, number))
            })
            .collect();
        output.insert_made(&jobs, |&(dir, number)| {
            let index = self.site.sections[dir]
                .index_page
                .map(|i| &self.site.pages[i]);
            let view = self.section_view(dir, index, "", number);
            let url = page_url(&templates::section_url(dir), number);
            Ok(vec![self.listing(
                "section.html",
                "section",
                &url,
                &view,
                dir,
            )?])
        })
    }

    /// The home page: a dashboard of fixed size whatever the size of the site (counts, what
    /// needs attention, the largest services), each list ending in a link to all of it.
    /// `content_html` is the body of the content folder's `_index.md`, if it has one.
    pub(super) fn home(&self, content_html: &str) -> Result<Files> {
        let mut largest: Vec<&ServiceGroup> = self.services.iter().collect();
        largest.sort_by(|a, b| b.pages.len().cmp(&a.pages.len()).then(a.name.cmp(&b.name)));
        let services: Vec<_> = largest
            .iter()
            .take(HOME_SERVICES)
            .map(|group| {
                let runbooks = || group.pages.iter().map(|&i| &self.site.pages[i]);
                let mut owners: Vec<String> = runbooks()
                    .filter_map(|p| p.doc.front.owner.clone())
                    .collect();
                owners.sort();
                owners.dedup();
                let overdue = runbooks().filter(|p| self.review.overdue(p)).count();
                HomeService {
                    name: &group.name,
                    title: &group.name,
                    url: &group.url,
                    overview: group.overview.as_deref(),
                    owners,
                    count: group.pages.len(),
                    overdue,
                    severities: templates::severity_counts(runbooks()),
                    pages: self
                        .list_items(&group.pages[..group.pages.len().min(HOME_SERVICE_RUNBOOKS)]),
                }
            })
            .collect();
        let runbooks: Vec<usize> = (0..self.site.pages.len())
            .filter(|&i| self.site.pages[i].kind == PageKind::Runbook)
            .collect();
        let overdue = self.overdue();
        let alerts: std::collections::BTreeSet<&str> = self
            .site
            .runbooks()
            .flat_map(|p| p.alerts.iter().map(String::as_str))
            .collect();
        let home = HomeView {
            highlight_css: self.highlight_rules.for_html([content_html]),
            content_html,
            counts: HomeCounts {
                runbooks: runbooks.len(),
                services: self.services.len(),
                alerts: alerts.len(),
                overdue: overdue.len(),
            },
            services,
            overdue: self.list_items(&overdue[..overdue.len().min(HOME_OVERDUE)]),
            coverage: self.extras.coverage.as_ref(),
        };
        let mut context = self.context("home", "");
        context.insert("home", &home);
        let home_index = self.site.sections.get("").and_then(|s| s.index_page);
        let source = home_index.map_or("index.html", |i| {
            self.site.pages[i].doc.source.path.as_str()
        });
        let bytes = self
            .render_template("index.html", &context, source, "index.html")
            .map_err(|d| anyhow!(d.message))?;
        Ok(vec![("index.html".into(), bytes)])
    }

    /// Runbooks whose review is overdue, the longest overdue first.
    fn overdue(&self) -> Vec<usize> {
        let mut overdue: Vec<(i64, usize)> = (0..self.site.pages.len())
            .filter(|&i| self.review.overdue(&self.site.pages[i]))
            .map(|i| (self.review.age_days(&self.site.pages[i]).unwrap_or(0), i))
            .collect();
        overdue.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        overdue.into_iter().map(|(_, i)| i).collect()
    }

    /// `review-overdue/`: every overdue runbook, in numbered pages.
    pub(super) fn overdue_pages(&self, output: &mut Output) -> Result<()> {
        let overdue = self.overdue();
        let pages = paginate(OVERDUE_URL, &overdue, LIST_PAGE_SIZE);
        output.insert_made(&pages, |(url, shown, pager)| {
            let view = TermView {
                taxonomy: "review-overdue",
                taxonomy_title: "Review overdue",
                name: "Review overdue",
                url: OVERDUE_URL,
                count: overdue.len(),
                overview: None,
                pages: self.list_items(shown),
                pager: (pager.total > 1).then_some(pager.clone()),
            };
            Ok(vec![self.listing(
                "term.html",
                "term",
                url,
                &view,
                "review-overdue",
            )?])
        })
    }

    pub(super) fn taxonomies(&self, output: &mut Output) -> Result<()> {
        let mut jobs: Vec<Listing> = Vec::new();
        for &crate::model::Taxonomy { name, title, .. } in TAXONOMIES {
            // Pages by value as written, then values by slug: one slug per spelling, not per
            // page; the first spelling met names the term.
            let mut by_value: rustc_hash::FxHashMap<&str, Vec<usize>> = Default::default();
            let mut spellings: Vec<&str> = Vec::new();
            for (i, page) in self.site.pages.iter().enumerate() {
                if page.kind != PageKind::Runbook {
                    continue;
                }
                for value in page.taxonomy_values(name) {
                    by_value
                        .entry(value)
                        .or_insert_with(|| {
                            spellings.push(value);
                            Vec::new()
                        })
                        .push(i);
                }
            }
            let mut terms: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
            for value in spellings {
                let pages = by_value.remove(value).unwrap_or_default();
                let term = terms
                    .entry(slugify(value))
                    .or_insert_with(|| (value.to_string(), Vec::new()));
                term.1.extend(pages);
                term.1.sort_unstable();
            }
            jobs.push(Listing::Taxonomy {
                name,
                title,
                terms: terms
                    .iter()
                    .map(|(slug, (value, pages))| (slug.clone(), value.clone(), pages.len()))
                    .collect(),
            });
            // One job per numbered page: a term of thousands of runbooks is many pages.
            for (slug, (value, pages)) in terms {
                let base = format!("{name}/{slug}/");
                for (url, shown, pager) in paginate(&base, &pages, LIST_PAGE_SIZE) {
                    jobs.push(Listing::TermPage {
                        name,
                        title,
                        base: base.clone(),
                        value: value.clone(),
                        count: pages.len(),
                        url,
                        shown,
                        pager,
                    });
                }
            }
        }
        output.insert_made(&jobs, |job| match job {
            Listing::Taxonomy { name, title, terms } => {
                let url = format!("{name}/");
                let terms = terms
                    .iter()
                    .map(|(slug, value, count)| TermLink {
                        name: value,
                        url: format!("{name}/{slug}/"),
                        count: *count,
                    })
                    .collect();
                let view = TaxonomyView {
                    name,
                    title,
                    url: &url,
                    terms,
                };
                self.listing("taxonomy.html", "taxonomy", &url, &view, name)
                    .map(|file| vec![file])
            }
            Listing::TermPage {
                name,
                title,
                base,
                value,
                count,
                url,
                shown,
                pager,
            } => {
                let overview = (*name == "services")
                    .then(|| self.services.iter().find(|g| &g.url == base))
                    .flatten()
                    .and_then(|g| g.overview.as_deref());
                let view = TermView {
                    taxonomy: name,
                    taxonomy_title: title,
                    name: value,
                    url: base,
                    count: *count,
                    overview,
                    pages: self.list_items(shown),
                    pager: (pager.total > 1).then_some(pager.clone()),
                };
                Ok(vec![self.listing("term.html", "term", url, &view, name)?])
            }
        })
    }

    /// A listing page at `url`: `template` with `view` as the context's `page_type` value
    /// (`section`, `taxonomy`, `term`). `source` names the page in a template error.
    fn listing(
        &self,
        template: &str,
        page_type: &'static str,
        url: &str,
        view: &impl Serialize,
        source: &str,
    ) -> Result<(String, Vec<u8>)> {
        let mut context = self.context(page_type, url);
        context.insert(page_type, view);
        let path = format!("{url}index.html");
        let bytes = self
            .render_template(template, &context, source, &path)
            .map_err(|d| anyhow!(d.message))?;
        Ok((path, bytes))
    }

    pub(super) fn not_found(&self) -> Result<(String, Vec<u8>)> {
        // Served for any missing path, so links cannot be relative to the page.
        let mut context = self.context("404", "");
        let root = self.config.book.base_url.as_deref().map_or_else(
            || "/".to_string(),
            |url| {
                url.find("://")
                    .and_then(|i| url[i + 3..].find('/').map(|j| url[i + 3 + j..].to_string()))
                    .unwrap_or_else(|| "/".into())
            },
        );
        context.insert("root", root);
        let bytes = self
            .render_template("404.html", &context, "404.html", "404.html")
            .map_err(|d| anyhow!(d.message))?;
        Ok(("404.html".into(), bytes))
    }

    /// Redirect pages for `aliases`: old URLs that must keep working. Which aliases are
    /// written was decided with every other output path ([`crate::paths`]).
    pub(super) fn aliases(&self, output: &mut Output) -> Result<()> {
        for (i, path) in &self.extras.outputs.aliases {
            let page = &self.site.pages[*i];
            let root = "../".repeat(path.matches('/').count());
            let target = format!("{root}{}index.html", page.url);
            let bytes = self.redirect_page(&root, &target, &page.title, &page.url)?;
            output.insert(path.clone(), bytes)?;
        }
        Ok(())
    }

    /// A redirect page to `target` (relative), for aliases; `root` is the page's way back to the
    /// site root.
    pub(crate) fn redirect_page(
        &self,
        root: &str,
        target: &str,
        title: &str,
        target_url: &str,
    ) -> Result<Vec<u8>> {
        let mut context = self.base.child();
        context.insert("root", root);
        context.insert("page_type", "redirect");
        let canonical = self
            .config
            .book
            .base_url
            .as_ref()
            .map(|b| format!("{b}{target_url}"));
        context.insert(
            "redirect",
            RedirectView {
                target,
                title,
                canonical,
            },
        );
        self.tera
            .render("redirect.html", &context.tera())
            .map(String::into_bytes)
            .map_err(|err| {
                anyhow!(
                    "template redirect.html failed: {}",
                    templates::error_chain(&err)
                )
            })
    }

    pub(super) fn sitemap(&self, output: &mut Output) -> Result<()> {
        let Some(base_url) = &self.config.book.base_url else {
            return Ok(());
        };
        let mut entries = vec![SitemapEntry {
            loc: base_url.clone(),
            lastmod: None,
        }];
        for page in &self.site.pages {
            if page.url.is_empty() {
                continue;
            }
            entries.push(SitemapEntry {
                loc: format!("{base_url}{}", page.url),
                lastmod: page.doc.front.last_reviewed.map(|d| d.to_string()),
            });
        }
        let mut context = self.base.child();
        context.insert("sitemap", SitemapView { entries });
        let bytes = self
            .tera
            .render("sitemap.xml", &context.tera())
            .map_err(|err| {
                anyhow!(
                    "template sitemap.xml failed: {}",
                    templates::error_chain(&err)
                )
            })?;
        output.insert("sitemap.xml", bytes.into_bytes())
    }
}

/// Files rendered by one listing: (output path, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// One page of a taxonomy, to render: the index of its terms, or one term's runbooks.
enum Listing {
    Taxonomy {
        name: &'static str,
        title: &'static str,
        /// (slug, value, number of runbooks)
        terms: Vec<(String, String, usize)>,
    },
    /// One numbered page of a term's runbooks.
    TermPage {
        name: &'static str,
        title: &'static str,
        /// The term's URL (its first page).
        base: String,
        value: String,
        /// Runbooks of the term, on all its pages.
        count: usize,
        url: String,
        shown: Vec<usize>,
        pager: Pager,
    },
}

/// A site with at most this many runbooks keeps every service's runbooks in `static/nav.js`
/// itself: one small file, and every group of the sidebar can open at once.
const NAV_INLINE_RUNBOOKS: usize = 100;
/// Runbooks listed in one service's navigation file; the sidebar links the service's page for
/// the rest. Keeps the largest file a reader can load near 60 KB (7 KB gzipped).
pub(super) const NAV_SERVICE_RUNBOOKS: usize = 500;
/// Runbooks without a service listed in `static/nav.js` (under "More").
const NAV_OTHER_RUNBOOKS: usize = 100;

/// The site's navigation by service, the files the sidebar is built from.
///
/// `static/nav.js`, loaded by every page, names each service with its Services page, overview
/// and count. On a small site it also lists each service's runbooks; on a larger one each
/// service's runbooks are in `static/nav/<service>.js`, loaded when a reader opens that service
/// in the sidebar (a runbook page carries its own service's list in its HTML), so what a page
/// loads does not grow with the site. Short keys (`t` title, `u` URL, `s` severity): at 10,000
/// runbooks every byte is 10 KB.
pub(super) fn nav_files(site: &Site) -> Vec<(String, Vec<u8>)> {
    let page_entry = |i: &usize| {
        let page = &site.pages[*i];
        NavPage {
            s: page.doc.front.severity.as_deref(),
            t: &page.title,
            u: &page.url,
        }
    };
    let groups = service_groups(site);
    let inline = groups.iter().map(|g| g.pages.len()).sum::<usize>() <= NAV_INLINE_RUNBOOKS;
    let mut files = Vec::new();
    let services: Vec<_> = groups
        .iter()
        .map(|g| {
            let mut service = NavService {
                count: g.pages.len(),
                key: None,
                name: &g.name,
                overview: g.overview.as_deref(),
                pages: None,
                src: None,
                url: &g.url,
            };
            let listed = &g.pages[..g.pages.len().min(NAV_SERVICE_RUNBOOKS)];
            let pages: Vec<NavPage> = listed.iter().map(page_entry).collect();
            if inline {
                service.pages = Some(pages);
            } else {
                // A name with no letters or digits (all punctuation) still needs a file name.
                let slug = Some(slugify(&g.name))
                    .filter(|slug| !slug.is_empty())
                    .unwrap_or_else(|| "-".to_string());
                let path = format!("static/nav/{slug}.js");
                let call = serde_json::to_string(&(&slug, &pages)).unwrap_or_default();
                let bytes = format!(
                    "window.rbNavPages && window.rbNavPages({});\n",
                    &call[1..call.len() - 1]
                )
                .into_bytes();
                // The file's hash in its URL: a browser never pairs a new nav.js with an old list.
                let src = format!("{path}?h={}", &blake3::hash(&bytes).to_hex()[..10]);
                files.push((path, bytes));
                service.key = Some(slug);
                service.src = Some(src);
            }
            service
        })
        .collect();
    let other: Vec<_> = site
        .sections
        .get("")
        .map(|s| {
            s.pages
                .iter()
                .filter(|&&i| site.pages[i].service().is_none())
                .take(NAV_OTHER_RUNBOOKS)
                .map(page_entry)
                .collect()
        })
        .unwrap_or_default();
    let data = serde_json::to_string(&NavData { other, services }).unwrap_or_default();
    files.push((
        "static/nav.js".to_string(),
        format!("window.rbNav && window.rbNav({data});\n").into_bytes(),
    ));
    files
}

// The views the templates get, and the navigation data (JSON, fields in alphabetical order as
// the scripts have always read them).

/// `index.html`'s `home`.
#[derive(Serialize)]
struct HomeView<'a> {
    /// The highlighting rules the home page's own content uses.
    highlight_css: String,
    content_html: &'a str,
    counts: HomeCounts,
    /// The largest services.
    services: Vec<HomeService<'a>>,
    /// The longest overdue reviews.
    overdue: Vec<ListItem>,
    coverage: Option<&'a crate::alerts::CoverageSummary>,
}

#[derive(Serialize)]
struct HomeCounts {
    runbooks: usize,
    services: usize,
    alerts: usize,
    overdue: usize,
}

/// One service on the home page, with its first runbooks.
#[derive(Serialize)]
struct HomeService<'a> {
    name: &'a str,
    /// The name again: what the home template shows.
    title: &'a str,
    url: &'a str,
    overview: Option<&'a str>,
    owners: Vec<String>,
    count: usize,
    overdue: usize,
    severities: BTreeMap<String, usize>,
    pages: Vec<ListItem>,
}

/// `taxonomy.html`'s `taxonomy`: the index of one taxonomy's terms.
#[derive(Serialize)]
struct TaxonomyView<'a> {
    name: &'a str,
    title: &'a str,
    url: &'a str,
    terms: Vec<TermLink<'a>>,
}

#[derive(Serialize)]
struct TermLink<'a> {
    name: &'a str,
    url: String,
    count: usize,
}

/// `term.html`'s `term`: one page of a term's runbooks (or of `review-overdue/`).
#[derive(Serialize)]
struct TermView<'a> {
    taxonomy: &'a str,
    taxonomy_title: &'a str,
    name: &'a str,
    url: &'a str,
    count: usize,
    /// A service's overview page (its top-level folder), on the services' term pages.
    overview: Option<&'a str>,
    pages: Vec<ListItem>,
    pager: Option<Pager>,
}

/// `redirect.html`'s `redirect`.
#[derive(Serialize)]
struct RedirectView<'a> {
    target: &'a str,
    title: &'a str,
    canonical: Option<String>,
}

/// `sitemap.xml`'s `sitemap`.
#[derive(Serialize)]
struct SitemapView {
    entries: Vec<SitemapEntry>,
}

#[derive(Serialize)]
struct SitemapEntry {
    loc: String,
    lastmod: Option<String>,
}

/// `static/nav.js`'s data.
#[derive(Serialize)]
struct NavData<'a> {
    other: Vec<NavPage<'a>>,
    services: Vec<NavService<'a>>,
}

/// A service in the sidebar: its runbooks inline (`pages`) or in a file (`key`, `src`).
#[derive(Serialize)]
struct NavService<'a> {
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    name: &'a str,
    overview: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<Vec<NavPage<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src: Option<String>,
    url: &'a str,
}

/// A runbook in the sidebar: severity, title, URL.
#[derive(Serialize)]
struct NavPage<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    t: &'a str,
    u: &'a str,
}
