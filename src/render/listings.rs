//! The pages that list other pages: home, generated section pages, taxonomies and their terms,
//! the print book, 404, alias redirects, the sitemap and the shared navigation file. Each is
//! O(site) on its own, so they render side by side, and a term page per job.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use rayon::prelude::*;
use serde::Serialize;

use super::markdown::RenderedBody;
use super::{Output, Renderer, TAXONOMIES, taxonomy_values, templates};
use crate::model::{PageKind, Site, slugify};

impl Renderer<'_> {
    /// Section pages for folders that have runbooks but no `_index.md`.
    pub(super) fn generated_sections(&self) -> Result<Files> {
        let dirs: Vec<&String> = self
            .site
            .sections
            .iter()
            .filter(|(dir, section)| !dir.is_empty() && section.index_page.is_none())
            .filter(|(dir, _)| !self.extras.outputs.lost_sections.contains(*dir))
            .map(|(dir, _)| dir)
            .collect();
        dirs.into_par_iter()
            .map(|dir| {
                let view = self.section_view(dir, None, "");
                let url = templates::section_url(dir);
                self.listing("section.html", "section", &url, &view, dir)
            })
            .collect()
    }

    pub(super) fn home(&self, bodies: &[RenderedBody]) -> Result<Files> {
        let home_index = self.site.sections.get("").and_then(|s| s.index_page);
        let content_html = home_index
            .map(|i| bodies[i].html.clone())
            .unwrap_or_default();
        let groups = nav_groups(self.site);
        let services: Vec<_> = groups
            .iter()
            .map(|group| {
                let pages = self.list_items(&group.pages);
                let mut owners: Vec<String> = pages.iter().filter_map(|p| p.owner.clone()).collect();
                owners.sort();
                owners.dedup();
                serde_json::json!({
                    "name": group.dir,
                    "title": group.title,
                    "url": group.url,
                    "owners": owners,
                    "count": pages.len(),
                    "severities": templates::severity_counts(group.pages.iter().map(|&i| &self.site.pages[i])),
                    "pages": pages,
                })
            })
            .collect();
        let runbooks: Vec<usize> = (0..self.site.pages.len())
            .filter(|&i| self.site.pages[i].kind == PageKind::Runbook)
            .collect();
        let overdue: Vec<usize> = runbooks
            .iter()
            .copied()
            .filter(|&i| self.review.overdue(&self.site.pages[i]))
            .collect();
        let alerts: std::collections::BTreeSet<&str> = self
            .site
            .runbooks()
            .flat_map(|p| p.alerts.iter().map(String::as_str))
            .collect();
        let home = serde_json::json!({
            "content_html": content_html,
            "counts": {
                "runbooks": runbooks.len(),
                "services": groups.len(),
                "alerts": alerts.len(),
                "overdue": overdue.len(),
            },
            "services": services,
            "overdue": self.list_items(&overdue),
            "coverage": self.extras.coverage,
        });
        let mut context = self.context("home", "");
        context.insert("home", &home);
        let source = home_index.map_or("index.html", |i| {
            self.site.pages[i].doc.source.path.as_str()
        });
        let bytes = self
            .render_template("index.html", &context, source)
            .map_err(|d| anyhow!(d.message))?;
        Ok(vec![("index.html".into(), bytes)])
    }

    pub(super) fn taxonomies(&self) -> Result<Files> {
        let mut jobs: Vec<Listing> = Vec::new();
        for (name, title) in TAXONOMIES {
            let mut terms: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
            for (i, page) in self.site.pages.iter().enumerate() {
                if page.kind != PageKind::Runbook {
                    continue;
                }
                for value in taxonomy_values(name, page) {
                    terms
                        .entry(slugify(&value))
                        .or_insert_with(|| (value.clone(), Vec::new()))
                        .1
                        .push(i);
                }
            }
            jobs.push(Listing::Taxonomy {
                name,
                title,
                terms: terms
                    .iter()
                    .map(|(slug, (value, pages))| (slug.clone(), value.clone(), pages.len()))
                    .collect(),
            });
            jobs.extend(
                terms
                    .into_iter()
                    .map(|(slug, (value, pages))| Listing::Term {
                        name,
                        title,
                        slug,
                        value,
                        pages,
                    }),
            );
        }
        jobs.into_par_iter()
            .map(|job| match job {
                Listing::Taxonomy { name, title, terms } => {
                    let url = format!("{name}/");
                    let term_views: Vec<_> = terms
                        .iter()
                        .map(|(slug, value, count)| serde_json::json!({ "name": value, "url": format!("{name}/{slug}/"), "count": count }))
                        .collect();
                    let view = serde_json::json!({ "name": name, "title": title, "url": url, "terms": term_views });
                    self.listing("taxonomy.html", "taxonomy", &url, &view, name)
                }
                Listing::Term { name, title, slug, value, pages } => {
                    let url = format!("{name}/{slug}/");
                    let view = serde_json::json!({
                        "taxonomy": name, "taxonomy_title": title, "name": value, "url": url,
                        "pages": self.list_items(&pages),
                    });
                    self.listing("term.html", "term", &url, &view, name)
                }
            })
            .collect()
    }

    /// A listing page at `url`: `template` with `view` as the context's `page_type` value
    /// (`section`, `taxonomy`, `term`). `source` names the page in a template error.
    fn listing(
        &self,
        template: &str,
        page_type: &str,
        url: &str,
        view: &impl Serialize,
        source: &str,
    ) -> Result<(String, Vec<u8>)> {
        let mut context = self.context(page_type, url);
        context.insert(page_type, view);
        let bytes = self
            .render_template(template, &context, source)
            .map_err(|d| anyhow!(d.message))?;
        Ok((format!("{url}index.html"), bytes))
    }

    pub(super) fn print(&self, bodies: &[RenderedBody]) -> Result<Files> {
        let pages: Vec<_> = self
            .site
            .pages
            .par_iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PageKind::Runbook)
            .map(|(i, page)| {
                let anchor = format!("rb-{}", page.url.trim_end_matches('/').replace('/', "-"));
                // Heading ids must stay unique on the one page: prefix them with the runbook's anchor.
                let content_html = bodies[i]
                    .html
                    .replace(" id=\"", &format!(" id=\"{anchor}-"))
                    .replace("href=\"#", &format!("href=\"#{anchor}-"));
                serde_json::json!({
                    "title": page.title, "url": page.url, "anchor": anchor,
                    "service": page.doc.front.service, "owner": page.doc.front.owner,
                    "severity": page.doc.front.severity, "source_path": page.doc.source.path,
                    "content_html": content_html,
                })
            })
            .collect();
        let mut context = self.context("print", "");
        context.insert("print", &serde_json::json!({ "pages": pages }));
        let bytes = self
            .render_template("print.html", &context, "print.html")
            .map_err(|d| anyhow!(d.message))?;
        Ok(vec![("print.html".into(), bytes)])
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
        context.insert("root", &root);
        let bytes = self
            .render_template("404.html", &context, "404.html")
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
        let mut context = self.base.clone();
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
            &serde_json::json!({ "target": target, "title": title, "canonical": canonical }),
        );
        self.tera
            .render("redirect.html", &context)
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
        let mut entries: Vec<_> = vec![serde_json::json!({ "loc": base_url, "lastmod": null })];
        for page in &self.site.pages {
            if page.url.is_empty() {
                continue;
            }
            entries.push(serde_json::json!({
                "loc": format!("{base_url}{}", page.url),
                "lastmod": page.doc.front.last_reviewed.map(|d| d.to_string()),
            }));
        }
        let mut context = self.base.clone();
        context.insert("sitemap", &serde_json::json!({ "entries": entries }));
        let bytes = self.tera.render("sitemap.xml", &context).map_err(|err| {
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
    Term {
        name: &'static str,
        title: &'static str,
        slug: String,
        value: String,
        pages: Vec<usize>,
    },
}

/// A navigation group: a top-level content folder and every runbook below it.
struct NavGroup {
    dir: String,
    title: String,
    url: String,
    pages: Vec<usize>,
}

fn nav_groups(site: &Site) -> Vec<NavGroup> {
    let Some(top) = site.sections.get("") else {
        return Vec::new();
    };
    top.subsections
        .iter()
        .map(|dir| {
            let mut pages = Vec::new();
            collect_pages(site, dir, &mut pages);
            NavGroup {
                dir: dir.clone(),
                title: templates::section_title(site, dir),
                url: templates::section_url(dir),
                pages,
            }
        })
        .collect()
}

fn collect_pages(site: &Site, dir: &str, pages: &mut Vec<usize>) {
    if let Some(section) = site.sections.get(dir) {
        pages.extend(&section.pages);
        for sub in &section.subsections {
            collect_pages(site, sub, pages);
        }
    }
}

/// `static/nav.js`: the site's navigation, one shared file that every page loads.
pub(super) fn nav_script(site: &Site) -> Vec<u8> {
    let page_entry = |i: &usize| {
        let page = &site.pages[*i];
        serde_json::json!({ "title": page.title, "url": page.url, "severity": page.doc.front.severity })
    };
    let services: Vec<_> = nav_groups(site)
        .iter()
        .map(|g| serde_json::json!({ "name": g.dir, "title": g.title, "url": g.url, "pages": g.pages.iter().map(page_entry).collect::<Vec<_>>() }))
        .collect();
    let other: Vec<_> = site
        .sections
        .get("")
        .map(|s| s.pages.iter().map(page_entry).collect())
        .unwrap_or_default();
    let data = serde_json::json!({ "services": services, "other": other });
    format!("window.rbNav && window.rbNav({data});\n").into_bytes()
}
