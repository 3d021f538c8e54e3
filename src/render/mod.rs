//! Stage 5, render: the linked [`Site`] becomes an in-memory [`Output`], every file of the site
//! by its path. Bodies are rendered from the parsed events, in parallel; templates come from the
//! theme; whole-site data (navigation) goes into one shared file that pages load, so no page grows
//! with the size of the site.

pub(crate) mod highlight;
pub(crate) mod markdown;
pub(crate) mod mermaid;
pub mod templates;

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, anyhow};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::link;
use crate::model::{Page, PageKind, Site, slugify};
use crate::theme::Theme;
use markdown::{BodyRenderer, RenderedBody, TocEntry};
use templates::{Crumb, ListItem, NameUrl, ReviewClock, SiteView};

/// Every file of the built site: path relative to the site root -> bytes. Ordered, so that
/// writing and hashing it is deterministic.
///
/// An output made with [`Output::streaming`] passes each file's bytes on as it is inserted (to
/// the write stage, which writes while the rest renders) and keeps only its path.
#[derive(Debug, Default, Clone)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Paths that two outputs wanted; the first kept it. Reported as `duplicate-url`.
    pub collisions: Vec<String>,
    stream: Option<Stream>,
}

/// Where a streaming [`Output`] sends its files: (path, bytes).
pub type Stream = std::sync::mpsc::SyncSender<(String, Vec<u8>)>;

impl PartialEq for Output {
    fn eq(&self, other: &Output) -> bool {
        self.files == other.files && self.collisions == other.collisions
    }
}

impl Eq for Output {}

impl Output {
    /// An output holding every file in memory.
    pub fn in_memory(files: BTreeMap<String, Vec<u8>>) -> Output {
        Output {
            files,
            ..Output::default()
        }
    }

    /// An output that sends each new file to `stream` and keeps only its path (with no bytes).
    pub fn streaming(stream: Stream) -> Output {
        Output {
            stream: Some(stream),
            ..Output::default()
        }
    }

    /// Adds a file. A second file on the same path is kept out and recorded in `collisions`,
    /// so a content page at `tags/` and the generated tag index never silently overwrite.
    /// Fails only when a streaming output's receiver has stopped (the write stage failed).
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Result<()> {
        match self.files.entry(path.into()) {
            std::collections::btree_map::Entry::Occupied(taken) => {
                self.collisions.push(taken.key().clone());
            }
            std::collections::btree_map::Entry::Vacant(free) => match &self.stream {
                Some(stream) => {
                    let path = free.key().clone();
                    free.insert(Vec::new());
                    stream
                        .send((path, bytes.into()))
                        .map_err(|_| anyhow!("the write stage stopped"))?;
                }
                None => {
                    free.insert(bytes.into());
                }
            },
        }
        Ok(())
    }

    /// An empty output that streams where this one does: filled on another thread, then
    /// [`absorb`](Output::absorb)ed.
    pub fn branch(&self) -> Output {
        Output {
            stream: self.stream.clone(),
            ..Output::default()
        }
    }

    /// Takes in the files of a [`branch`](Output::branch), as if inserted here after this
    /// output's own (a path both have is a collision; streamed bytes are not sent again).
    pub fn absorb(&mut self, branch: Output) -> Result<()> {
        let streamed = branch.stream.is_some();
        self.collisions.extend(branch.collisions);
        for (path, bytes) in branch.files {
            match self.files.entry(path) {
                std::collections::btree_map::Entry::Occupied(taken) => {
                    self.collisions.push(taken.key().clone());
                }
                std::collections::btree_map::Entry::Vacant(free) => {
                    free.insert(if streamed { Vec::new() } else { bytes });
                }
            }
        }
        Ok(())
    }

    /// Stops streaming: the receiver sees the end once every clone of the sender is gone.
    pub fn end_stream(&mut self) {
        self.stream = None;
    }

    /// The number of HTML pages.
    pub fn html_pages(&self) -> usize {
        self.files.keys().filter(|p| p.ends_with(".html")).count()
    }
}

/// Values from later stages that pages show: alert panels by page index, alert coverage.
#[derive(Debug, Default, Clone)]
pub struct Extras {
    /// Page index -> the runbook page's `alert_panel` entries.
    pub alert_panels: BTreeMap<usize, serde_json::Value>,
    /// The home page's `coverage`.
    pub coverage: Option<serde_json::Value>,
}

/// What the render stage produces: the files, the rendered bodies (kept for search and serve),
/// and diagnostics raised while rendering (Mermaid errors, template errors).
#[derive(Debug)]
pub struct Rendered {
    pub output: Output,
    pub diagnostics: Vec<Diagnostic>,
}

/// The taxonomies every site has: (name, title, the front-matter values of a page).
const TAXONOMIES: &[(&str, &str)] = &[
    ("services", "Services"),
    ("owners", "Owners"),
    ("tags", "Tags"),
    ("severities", "Severities"),
];

fn taxonomy_values(name: &str, page: &Page) -> Vec<String> {
    let front = &page.doc.front;
    match name {
        "services" => front.service.iter().cloned().collect(),
        "owners" => front.owner.iter().cloned().collect(),
        "tags" => front.tags.clone(),
        "severities" => front.severity.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Shared, read-only state for rendering one site.
struct Renderer<'a> {
    config: &'a Config,
    site: &'a Site,
    tera: &'a tera::Tera,
    base: tera::Context,
    review: ReviewClock,
    extras: &'a Extras,
}

/// What a render covers: the whole site, or (for `serve`) some pages and some site-wide outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSet {
    All,
    Only {
        /// Pages by index into [`Site::pages`]. Pages whose body changed are added anyway.
        pages: std::collections::BTreeSet<usize>,
        /// Pages whose body inputs (text, URL, link targets) may have changed since the last
        /// render with the same cache: only their bodies are checked against it (hashing every
        /// page's inputs costs more than a small rebuild); the others are taken as they are.
        bodies: std::collections::BTreeSet<usize>,
        /// Also the outputs that list pages: home, generated sections, taxonomies, aliases,
        /// sitemap, navigation, 404, static files and assets. Leave it out only when no page's
        /// listing (title, URL, front matter) and no asset changed.
        listings: bool,
        /// Also `print.html`, which holds every body.
        print: bool,
    },
}

impl PageSet {
    fn contains(&self, index: usize) -> bool {
        match self {
            PageSet::All => true,
            PageSet::Only { pages, .. } => pages.contains(&index),
        }
    }

    fn body_may_change(&self, index: usize) -> bool {
        match self {
            PageSet::All => true,
            PageSet::Only { bodies, .. } => bodies.contains(&index),
        }
    }

    /// Whether the outputs that list pages are rendered (alert pages too).
    pub fn listings(&self) -> bool {
        match self {
            PageSet::All => true,
            PageSet::Only { listings, .. } => *listings,
        }
    }

    /// Whether `print.html` (and the search index, which also covers every page) is rendered.
    pub fn print(&self) -> bool {
        match self {
            PageSet::All => true,
            PageSet::Only { print, .. } => *print,
        }
    }
}

/// What `serve` keeps between renders: Markdown bodies by page id, with the hash of their inputs
/// (source text, URL, and the hrefs its links resolve to), and the template error of each page,
/// so that a partial render still reports the pages it skipped. Valid for one config and theme.
#[derive(Debug, Default)]
pub struct RenderCache {
    bodies: std::collections::HashMap<crate::model::PageId, (blake3::Hash, RenderedBody)>,
    page_errors: BTreeMap<crate::model::PageId, Diagnostic>,
    /// Diagnostics of the last render of the listings (aliases), repeated while they are skipped.
    listing_diagnostics: Vec<Diagnostic>,
    /// Highlighted code blocks, kept across renders so a save does not read the pack again.
    highlighter: Option<std::sync::Arc<highlight::Highlighter>>,
}

/// The output path of a page's own file, `None` for the home page's `_index.md` (the home
/// page is site-wide). The files a partial render leaves out are exactly these paths.
pub fn page_output_path(page: &Page) -> Option<String> {
    if page.kind == PageKind::Section && page.url.is_empty() {
        None
    } else {
        Some(format!("{}index.html", page.url))
    }
}

/// The inputs of a page's body: if this hash is unchanged, so is the rendered body.
fn body_key(site: &Site, page: &Page) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(page.doc.source.text.as_bytes());
    hasher.update(b"\0");
    hasher.update(page.url.as_bytes());
    for link in &page.doc.outline.links {
        hasher.update(b"\0");
        hasher.update(
            link::href(site, page, &link.dest)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    hasher.finalize()
}

/// What rendering reads: the configuration, the linked site, the theme and its templates, and
/// values from the alert stage.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub config: &'a Config,
    pub site: &'a Site,
    pub theme: &'a Theme,
    pub tera: &'a tera::Tera,
    pub extras: &'a Extras,
}

/// Renders the site-wide outputs and the pages in `which` into `output`; bodies come from
/// `cache` when their inputs are unchanged. With [`PageSet::All`] and an empty cache the output
/// is the whole site.
pub fn render_pages(
    inputs: &Inputs,
    which: &PageSet,
    cache: &mut RenderCache,
    mut output: Output,
    rendered: &std::sync::atomic::AtomicUsize,
) -> Result<Rendered> {
    let Inputs {
        config,
        site,
        theme,
        tera,
        extras,
    } = *inputs;
    let renderer = Renderer {
        config,
        site,
        tera,
        base: base_context(config, theme),
        review: ReviewClock::new(config),
        extras,
    };

    let highlighter = cache
        .highlighter
        .get_or_insert_with(|| {
            std::sync::Arc::new(highlight::Highlighter::new(Some(config.highlight_pack())))
        })
        .clone();
    let body_renderer = BodyRenderer::new(config, highlighter)?;
    let keys: Vec<Option<blake3::Hash>> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(i, page)| which.body_may_change(i).then(|| body_key(site, page)))
        .collect();
    let mut previous = std::mem::take(&mut cache.bodies);
    let cached: Vec<Option<(blake3::Hash, RenderedBody)>> = site
        .pages
        .iter()
        .map(|page| previous.remove(&page.doc.source.rel))
        .collect();
    // (key, body, rendered afresh): a page whose body changed is rendered whatever `which` says.
    let bodies: Vec<(blake3::Hash, RenderedBody, bool)> = crate::timings::time("bodies", || {
        site.pages
            .par_iter()
            .zip(keys.into_par_iter())
            .zip(cached.into_par_iter())
            .map(|((page, key), cached)| match (key, cached) {
                (None, Some((cached_key, body))) => (cached_key, body, false),
                (Some(key), Some((cached_key, body))) if cached_key == key => (key, body, false),
                (key, _) => (
                    key.unwrap_or_else(|| body_key(site, page)),
                    body_renderer.render(&page.doc, &|dest| link::href(site, page, dest)),
                    true,
                ),
            })
            .collect()
    });
    let mut keys = Vec::with_capacity(bodies.len());
    let mut fresh = Vec::with_capacity(bodies.len());
    let bodies: Vec<RenderedBody> = bodies
        .into_iter()
        .map(|(key, body, is_fresh)| {
            keys.push(key);
            fresh.push(is_fresh);
            body
        })
        .collect();
    // Only a render of every body knows which blocks the site still has; partial renders
    // (serve) leave the pack to the next full one.
    if fresh.iter().all(|&f| f) {
        body_renderer.save_caches();
    }

    let mut diagnostics: Vec<Diagnostic> = bodies
        .iter()
        .flat_map(|b| b.diagnostics.iter().cloned())
        .collect();
    if *which == PageSet::All {
        cache.page_errors.clear();
    }
    let wanted: Vec<usize> = (0..site.pages.len())
        .filter(|&i| page_output_path(&site.pages[i]).is_some() && (fresh[i] || which.contains(i)))
        .collect();
    // In slices, inserted in order: a streaming output writes one slice while the next renders,
    // and the rendered pages never pile up in memory.
    crate::timings::time("pages", || -> Result<()> {
        for slice in wanted.chunks(PAGE_SLICE) {
            let pages: Vec<(usize, PageResult)> = slice
                .par_iter()
                .map(|&i| (i, renderer.page(i, &site.pages[i], &bodies[i])))
                .collect();
            rendered.fetch_add(slice.len(), std::sync::atomic::Ordering::Relaxed);
            for (i, result) in pages {
                let id = &site.pages[i].doc.source.rel;
                match result {
                    Ok((path, bytes)) => {
                        cache.page_errors.remove(id);
                        output.insert(path, bytes)?;
                    }
                    Err(diagnostic) => {
                        cache.page_errors.insert(id.clone(), diagnostic);
                    }
                }
            }
        }
        Ok(())
    })?;
    // Pages that left the site take their errors with them.
    cache
        .page_errors
        .retain(|id, _| site.by_source.contains_key(id));
    diagnostics.extend(cache.page_errors.values().cloned());
    let home_index = site.sections.get("").and_then(|s| s.index_page);
    let home_changed = home_index.is_some_and(|i| fresh[i] || which.contains(i));
    // The listings are independent of each other: render them side by side.
    let listings = which.listings();
    let ((sections, home), (taxonomies, print)) = rayon::join(
        || {
            rayon::join(
                || {
                    listings
                        .then(|| crate::timings::time("sections", || renderer.generated_sections()))
                },
                || {
                    (listings || home_changed)
                        .then(|| crate::timings::time("home", || renderer.home(&bodies)))
                },
            )
        },
        || {
            rayon::join(
                || listings.then(|| crate::timings::time("taxonomies", || renderer.taxonomies())),
                || {
                    which
                        .print()
                        .then(|| crate::timings::time("print", || renderer.print(&bodies)))
                },
            )
        },
    );
    for files in [sections, home, taxonomies, print].into_iter().flatten() {
        for (path, bytes) in files? {
            output.insert(path, bytes)?;
        }
    }
    if which.listings() {
        let (path, bytes) = renderer.not_found()?;
        output.insert(path, bytes)?;
        // Pages this render left out still own their paths.
        let skipped: std::collections::BTreeSet<String> = site
            .pages
            .iter()
            .filter_map(page_output_path)
            .filter(|path| !output.files.contains_key(path))
            .collect();
        cache.listing_diagnostics.clear();
        renderer.aliases(&mut output, &skipped, &mut cache.listing_diagnostics)?;
        renderer.sitemap(&mut output)?;
        output.insert("static/nav.js", nav_script(site))?;
        for (name, bytes) in &theme.statics {
            output.insert(format!("static/{name}"), bytes.clone())?;
        }
        for asset in &site.assets {
            let path = config.content_dir().join(asset);
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            output.insert(asset.clone(), bytes)?;
        }
    }
    diagnostics.extend(cache.listing_diagnostics.iter().cloned());
    cache.bodies = site
        .pages
        .iter()
        .zip(keys)
        .zip(bodies)
        .map(|((page, key), body)| (page.doc.source.rel.clone(), (key, body)))
        .collect();
    Ok(Rendered {
        output,
        diagnostics,
    })
}

/// What every template gets: `site`, `asset_version`, `nav_url`, `taxonomies`.
pub fn base_context(config: &Config, theme: &Theme) -> tera::Context {
    let mut base = tera::Context::new();
    base.insert("site", &SiteView::new(config));
    base.insert("asset_version", &asset_version(theme));
    base.insert("nav_url", "static/nav.js");
    let taxonomy_links: Vec<_> = TAXONOMIES
        .iter()
        .map(|(name, title)| serde_json::json!({ "name": name, "title": title, "url": format!("{name}/") }))
        .collect();
    base.insert("taxonomies", &taxonomy_links);
    base
}

/// A short hash of the static files, appended to their URLs so browsers never use stale copies.
fn asset_version(theme: &Theme) -> String {
    let mut hasher = blake3::Hasher::new();
    for (name, bytes) in &theme.statics {
        hasher.update(name.as_bytes());
        hasher.update(bytes);
    }
    hasher.finalize().to_hex()[..10].to_string()
}

#[derive(Serialize)]
struct RunbookView<'a> {
    title: &'a str,
    description: Option<&'a str>,
    service: Option<&'a str>,
    owner: Option<&'a str>,
    severity: Option<&'a str>,
    kind: &'a str,
    source_path: &'a str,
    url: &'a str,
    edit_url: Option<String>,
    last_reviewed: Option<String>,
    review_overdue: bool,
    review_age_days: Option<i64>,
    alerts: Vec<NameUrl>,
    alert_panel: serde_json::Value,
    tags: Vec<NameUrl>,
    service_url: Option<String>,
    owner_url: Option<String>,
    severity_url: Option<String>,
    breadcrumbs: Vec<Crumb>,
    toc: &'a [TocEntry],
    content_html: &'a str,
    extra: &'a BTreeMap<String, serde_json::Value>,
    prev: Option<Crumb>,
    next: Option<Crumb>,
}

#[derive(Serialize)]
struct SectionView {
    title: String,
    description: Option<String>,
    url: String,
    content_html: String,
    breadcrumbs: Vec<Crumb>,
    pages: Vec<ListItem>,
    subsections: Vec<SubsectionView>,
}

#[derive(Serialize)]
struct SubsectionView {
    title: String,
    url: String,
    count: usize,
}

/// Today as `YYYY-MM-DD` (UTC, or `SOURCE_DATE_EPOCH`).
pub fn today_string() -> String {
    templates::today().to_string()
}

/// The folder URL of an alert's page: `alerts/<name>/`, made URL-safe as the alert stage does.
pub fn alert_url(name: &str) -> String {
    format!("alerts/{}/", crate::alerts::url_safe_name(name))
}

impl Renderer<'_> {
    fn context(&self, page_type: &str, page_url: &str) -> tera::Context {
        let mut context = self.base.clone();
        context.insert("root", &Site::root_prefix(page_url));
        context.insert("page_url", page_url);
        context.insert("page_type", page_type);
        if let Some(base_url) = &self.config.book.base_url {
            context.insert("canonical", &format!("{base_url}{page_url}"));
        }
        context
    }

    fn render_template(
        &self,
        template: &str,
        context: &tera::Context,
        source: &str,
    ) -> Result<Vec<u8>, Diagnostic> {
        self.tera
            .render(template, context)
            .map(String::into_bytes)
            .map_err(|err| {
                Diagnostic::file(
                    source,
                    "template-error",
                    format!(
                        "template {template} failed: {}",
                        templates::error_chain(&err)
                    ),
                )
            })
    }

    fn list_items(&self, indexes: &[usize]) -> Vec<ListItem> {
        indexes
            .iter()
            .map(|&i| ListItem::new(&self.site.pages[i], &self.review))
            .collect()
    }

    fn taxonomy_url(name: &str, value: &str) -> String {
        format!("{name}/{}/", slugify(value))
    }

    fn page(
        &self,
        index: usize,
        page: &Page,
        body: &RenderedBody,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        let path = format!("{}index.html", page.url);
        match page.kind {
            PageKind::Runbook => {
                let front = &page.doc.front;
                let (prev, next) = self.neighbours(index, page);
                let view = RunbookView {
                    title: &page.title,
                    description: front.description.as_deref(),
                    service: front.service.as_deref(),
                    owner: front.owner.as_deref(),
                    severity: front.severity.as_deref(),
                    kind: &page.runbook_kind,
                    source_path: &page.doc.source.path,
                    url: &page.url,
                    edit_url: self
                        .config
                        .book
                        .edit_url_template
                        .as_ref()
                        .map(|t| t.replace("{path}", &page.doc.source.path)),
                    last_reviewed: front.last_reviewed.map(|d| d.to_string()),
                    review_overdue: self.review.overdue(page),
                    review_age_days: self.review.age_days(page),
                    alerts: page
                        .alerts
                        .iter()
                        .map(|a| NameUrl {
                            name: a.clone(),
                            url: alert_url(a),
                        })
                        .collect(),
                    alert_panel: self
                        .extras
                        .alert_panels
                        .get(&index)
                        .cloned()
                        .unwrap_or(serde_json::Value::Array(Vec::new())),
                    tags: front
                        .tags
                        .iter()
                        .map(|t| NameUrl {
                            name: t.clone(),
                            url: Self::taxonomy_url("tags", t),
                        })
                        .collect(),
                    service_url: front
                        .service
                        .as_ref()
                        .map(|s| Self::taxonomy_url("services", s)),
                    owner_url: front
                        .owner
                        .as_ref()
                        .map(|s| Self::taxonomy_url("owners", s)),
                    severity_url: front
                        .severity
                        .as_ref()
                        .map(|s| Self::taxonomy_url("severities", s)),
                    breadcrumbs: templates::breadcrumbs(self.site, page),
                    toc: &body.toc,
                    content_html: &body.html,
                    extra: &front.extra,
                    prev,
                    next,
                };
                let mut context = self.context("runbook", &page.url);
                context.insert("page", &view);
                Ok((
                    path,
                    self.render_template("runbook.html", &context, &page.doc.source.path)?,
                ))
            }
            PageKind::Section => {
                let dir = page.doc.dir();
                let view = self.section_view(dir, Some(page), &body.html);
                let mut context = self.context("section", &page.url);
                context.insert("section", &view);
                Ok((
                    path,
                    self.render_template("section.html", &context, &page.doc.source.path)?,
                ))
            }
        }
    }

    fn neighbours(&self, index: usize, page: &Page) -> (Option<Crumb>, Option<Crumb>) {
        let Some(section) = self.site.sections.get(page.doc.dir()) else {
            return (None, None);
        };
        let Some(position) = section.pages.iter().position(|&i| i == index) else {
            return (None, None);
        };
        let crumb = |i: usize| Crumb {
            title: self.site.pages[i].title.clone(),
            url: self.site.pages[i].url.clone(),
        };
        let prev = position.checked_sub(1).map(|p| crumb(section.pages[p]));
        let next = section.pages.get(position + 1).map(|&i| crumb(i));
        (prev, next)
    }

    fn section_view(&self, dir: &str, page: Option<&Page>, content_html: &str) -> SectionView {
        let section = self.site.sections.get(dir);
        let subsections = section
            .map(|s| {
                s.subsections
                    .iter()
                    .map(|sub| SubsectionView {
                        title: templates::section_title(self.site, sub),
                        url: templates::section_url(sub),
                        count: self.count_runbooks(sub),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let breadcrumbs = match page {
            Some(page) => templates::breadcrumbs(self.site, page),
            None => vec![Crumb {
                title: "Home".into(),
                url: String::new(),
            }],
        };
        SectionView {
            title: templates::section_title(self.site, dir),
            description: page.and_then(|p| p.doc.front.description.clone()),
            url: templates::section_url(dir),
            content_html: content_html.to_string(),
            breadcrumbs,
            pages: section
                .map(|s| self.list_items(&s.pages))
                .unwrap_or_default(),
            subsections,
        }
    }

    /// Runbooks in a folder and all folders below it.
    fn count_runbooks(&self, dir: &str) -> usize {
        let prefix = format!("{dir}/");
        self.site
            .runbooks()
            .filter(|p| p.doc.dir() == dir || p.doc.dir().starts_with(&prefix))
            .count()
    }

    /// Section pages for folders that have runbooks but no `_index.md`.
    fn generated_sections(&self) -> Result<Files> {
        let dirs: Vec<&String> = self
            .site
            .sections
            .iter()
            .filter(|(dir, section)| !dir.is_empty() && section.index_page.is_none())
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

    fn home(&self, bodies: &[RenderedBody]) -> Result<Files> {
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

    fn taxonomies(&self) -> Result<Files> {
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

    fn print(&self, bodies: &[RenderedBody]) -> Result<Files> {
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

    fn not_found(&self) -> Result<(String, Vec<u8>)> {
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

    /// Redirect pages for `aliases`: old URLs that must keep working.
    fn aliases(
        &self,
        output: &mut Output,
        skipped_pages: &std::collections::BTreeSet<String>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<()> {
        for page in &self.site.pages {
            for alias in &page.doc.front.aliases {
                let trimmed = alias.trim().trim_start_matches('/');
                let path = if trimmed.ends_with(".html") {
                    trimmed.to_string()
                } else if trimmed.is_empty() {
                    "index.html".to_string()
                } else {
                    format!("{}/index.html", trimmed.trim_end_matches('/'))
                };
                let span = page.doc.field_spans.get("aliases").cloned().unwrap_or(0..0);
                if path.split('/').any(|s| s == ".." || s == ".") {
                    diagnostics.push(page.doc.source_ref().diag(
                        "invalid-field",
                        span,
                        format!("alias {alias:?} leaves the site"),
                    ));
                    continue;
                }
                if output.files.contains_key(&path) || skipped_pages.contains(&path) {
                    diagnostics.push(page.doc.source_ref().diag(
                        "duplicate-url",
                        span,
                        format!(
                            "alias {alias:?} would overwrite {path}, which the site already has"
                        ),
                    ));
                    continue;
                }
                let root = "../".repeat(path.matches('/').count());
                let target = format!("{root}{}index.html", page.url);
                let bytes = self.redirect_page(&root, &target, &page.title, &page.url)?;
                output.insert(path, bytes)?;
            }
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

    fn sitemap(&self, output: &mut Output) -> Result<()> {
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

/// A runbook or section page: its output path and bytes, or why its template failed.
type PageResult = Result<(String, Vec<u8>), Diagnostic>;

/// Pages rendered between two hand-overs to the output.
const PAGE_SLICE: usize = 256;

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
fn nav_script(site: &Site) -> Vec<u8> {
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
