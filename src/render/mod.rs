//! Stage 6, render: the linked [`Site`] becomes an [`Output`], every file of the site by its
//! path, held in memory or streamed to the write stage. Bodies are rendered from the parsed
//! events ([`markdown`], with [`highlight`] and [`mermaid`]), then the pages around them, in
//! parallel; templates come from the theme ([`templates`]); the pages that list pages are in
//! [`listings`]. Whole-site data (navigation) goes into one shared file that pages load, so no
//! page grows with the size of the site.

pub(crate) mod alert_pages;
mod code_css;
pub(crate) mod highlight;
pub mod keyed;
mod listings;
pub(crate) mod markdown;
pub(crate) mod mermaid;
mod output;
mod print;
pub(crate) mod services;
pub mod templates;
pub(crate) mod worker;

use listings::nav_files;
pub use mermaid::layout_config as mermaid_layout_config;
pub use output::{Output, Stream};

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::link;
use crate::model::{Page, PageKind, Site, slugify};
use crate::theme::Theme;
use keyed::{BaseContext, KeyedContext, Reuse};
use markdown::{BodyRenderer, RenderedBody, TocEntry};
use templates::{Crumb, ListItem, NameUrl, ReviewClock, SiteView};

/// Values from later stages that pages show: alert panels by page index, alert coverage.
///
/// `check` decides the outputs; the alert panels and coverage are made from the alert graph by
/// the render stage when `coverage` is `None` ([`crate::show_alerts`]), since only pages show
/// them.
#[derive(Debug, Default, Clone)]
pub struct Extras {
    /// Page index -> the runbook page's `alert_panel` entries.
    pub alert_panels: BTreeMap<usize, Vec<crate::alerts::AlertPanelEntry>>,
    /// The home page's `coverage`; `None` until the alert graph is shown.
    pub coverage: Option<crate::alerts::CoverageSummary>,
    /// Which outputs give way to others (from [`crate::paths`]).
    pub outputs: crate::paths::OutputPlan,
}

/// What the render stage produces: the files, and diagnostics raised while rendering (Mermaid
/// errors, template errors).
#[derive(Debug)]
pub struct Rendered {
    pub output: Output,
    pub diagnostics: Vec<Diagnostic>,
}

/// Shared, read-only state for rendering one site.
struct Renderer<'a> {
    config: &'a Config,
    site: &'a Site,
    tera: &'a tera::Tera,
    base: &'a BaseContext,
    /// The files of the last render whose templates' contexts are unchanged (`serve`).
    reuse: &'a Reuse<'a>,
    review: ReviewClock,
    extras: &'a Extras,
    /// Every service and its runbooks ([`services::service_groups`]).
    services: Vec<services::ServiceGroup>,
    /// Per page index: its group in `services`.
    service_of_page: Vec<Option<usize>>,
    /// The theme's highlighting rules, from which each page gets the ones its code uses.
    highlight_rules: code_css::HighlightRules,
}

/// What a render covers: the whole site, or (for `serve`, before the reload) some pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSet {
    All,
    /// These pages and nothing site-wide (no listing, print binder or search index): what a
    /// save shows first, before `serve`'s deferred pass renders the whole site again.
    Only {
        /// Pages by index into [`Site::pages`]. Pages whose body changed are added anyway.
        pages: std::collections::BTreeSet<usize>,
        /// Pages whose body inputs (text, URL, link targets) may have changed since the last
        /// render with the same cache: only their bodies are checked against it (hashing every
        /// page's inputs costs more than a small rebuild); the others are taken as they are.
        bodies: std::collections::BTreeSet<usize>,
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

    /// Whether the outputs that cover the site are rendered: listings, alert pages, print
    /// binders, the search index, static files and assets.
    pub fn whole_site(&self) -> bool {
        *self == PageSet::All
    }
}

/// What `serve` keeps between renders: Markdown bodies by page id, with the hash of their inputs
/// (source text, URL, and the hrefs its links resolve to), and the template error of each page,
/// so that a partial render still reports the pages it skipped. Valid for one config and theme.
#[derive(Debug, Default)]
pub struct RenderCache {
    bodies: std::collections::HashMap<crate::model::PageId, (blake3::Hash, RenderedBody)>,
    page_errors: BTreeMap<crate::model::PageId, Diagnostic>,
    /// Highlighted code blocks, kept across renders so a save does not read the pack again.
    highlighter: Option<std::sync::Arc<highlight::Highlighter>>,
    /// The theme and its compiled templates, kept across renders until a theme file changes.
    templates: Option<std::sync::Arc<(Theme, tera::Tera)>>,
    /// A cache for one render only (a build): bodies are let go as soon as the pages and print
    /// binders have them, and so is the highlighter.
    one_render: bool,
    /// The keys of the templates' contexts of the files the last render made ([`keyed`]).
    outputs: std::collections::HashMap<String, blake3::Hash>,
    /// The search records of the last index, each under the key of its page's inputs.
    search: crate::search::KeptRecords,
}

impl RenderCache {
    /// A cache for a single render, which keeps nothing for a next one.
    pub fn one_render() -> RenderCache {
        RenderCache {
            one_render: true,
            ..RenderCache::default()
        }
    }

    /// The theme and its templates: loaded and compiled on first use, then kept.
    pub fn templates(&mut self, config: &Config) -> Result<std::sync::Arc<(Theme, tera::Tera)>> {
        if let Some(templates) = &self.templates {
            return Ok(std::sync::Arc::clone(templates));
        }
        let theme = Theme::load(&config.root, &config.build.theme)?;
        let tera = templates::tera(&theme)?;
        let loaded = std::sync::Arc::new((theme, tera));
        self.templates = Some(std::sync::Arc::clone(&loaded));
        Ok(loaded)
    }

    /// Forgets the theme and templates: a theme file changed on disk. The files they made are
    /// keyed by their contexts only, so those keys go too.
    pub fn forget_templates(&mut self) {
        self.templates = None;
        self.outputs.clear();
    }

    /// What a render may take from `previous`, the files the last render made; the keys leave
    /// the cache until [`RenderCache::keep`] puts this render's back, so a render that fails
    /// half way reuses nothing next time.
    pub fn reuse<'a>(&mut self, previous: Option<&'a dyn keyed::Previous>) -> Reuse<'a> {
        if self.one_render {
            return Reuse::none();
        }
        Reuse::new(std::mem::take(&mut self.outputs), previous)
    }

    /// Keeps the keys of a render's files (of `which`) for the next render; returns the paths
    /// whose files the render took from the last one ([`Output::kept`]).
    pub fn keep(&mut self, reuse: Reuse, which: &PageSet) -> Vec<String> {
        if self.one_render {
            return Vec::new();
        }
        let (keys, kept) = reuse.into_keys(which.whole_site());
        self.outputs = keys;
        kept
    }

    /// Whether renders hash their templates' contexts: the cache outlives the render.
    pub fn hashing(&self) -> bool {
        !self.one_render
    }

    /// The search records of the last index, to index again from; `None` for a single render,
    /// which keeps none. [`RenderCache::keep_search`] puts them back.
    pub fn take_search(&mut self) -> Option<crate::search::KeptRecords> {
        (!self.one_render).then(|| std::mem::take(&mut self.search))
    }

    pub fn keep_search(&mut self, records: Option<crate::search::KeptRecords>) {
        if let Some(records) = records {
            self.search = records;
        }
    }

    /// How many search records the last index made rather than took from the one before.
    pub fn search_records_made(&self) -> usize {
        self.search.made()
    }
}

/// Everything a page's body is rendered from: its document (its path, its text and what the
/// parse stage made of them) and where each of its links leads. [`BodyInputs::render`] gives
/// the body renderer nothing else, so the hash of these inputs ([`BodyInputs::key`]) is the key
/// of the body cache: `serve` renders a body again exactly when one of them changed.
struct BodyInputs<'a> {
    doc: &'a crate::model::Document,
    /// Each link and image destination of the body, and the href it becomes (None: as written).
    hrefs: std::collections::HashMap<&'a str, Option<String>>,
}

impl<'a> BodyInputs<'a> {
    fn of(site: &Site, page: &'a Page) -> BodyInputs<'a> {
        let hrefs = page
            .doc
            .outline
            .links
            .iter()
            .map(|link| (link.dest.as_str(), link::href(site, page, &link.dest)))
            .collect();
        BodyInputs {
            doc: &page.doc,
            hrefs,
        }
    }

    /// The hash of the inputs: the same key, the same body.
    fn key(&self) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new();
        for part in [&self.doc.source.rel, &self.doc.source.text] {
            hasher.update(&part.len().to_le_bytes());
            hasher.update(part.as_bytes());
        }
        for link in &self.doc.outline.links {
            let href = self.hrefs.get(link.dest.as_str()).cloned().flatten();
            for part in [Some(&link.dest), href.as_ref()] {
                let part = part.map_or(&b"\xff"[..], |p| p.as_bytes());
                hasher.update(&part.len().to_le_bytes());
                hasher.update(part);
            }
        }
        hasher.finalize()
    }

    fn render(&self, renderer: &BodyRenderer) -> RenderedBody {
        renderer.render(self.doc, &|dest| self.hrefs.get(dest).cloned().flatten())
    }
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
    /// What every template gets ([`base_context`]).
    pub base: &'a BaseContext,
    pub reuse: &'a Reuse<'a>,
}

/// Renders the site-wide outputs and the pages in `which` into `output`; bodies come from
/// `cache` when their inputs are unchanged. With [`PageSet::All`] and an empty cache the output
/// is the whole site.
///
/// Pages go out a slice at a time, the print binders' runbooks first, and a body is let go as
/// soon as its page and its binder's parts are made, so a build holds a few slices of pages,
/// never the whole site (at 10,000 runbooks the bodies alone are 140 MB). A cache that is not
/// [`RenderCache::one_render`] keeps every body for the next render.
pub fn render_pages(
    inputs: &Inputs,
    which: &PageSet,
    cache: &mut RenderCache,
    mut output: Output,
    progress: &crate::Progress,
) -> Result<Rendered> {
    let Inputs {
        config,
        site,
        theme,
        tera,
        extras,
        base,
        reuse,
    } = *inputs;
    let service_groups = services::service_groups(site);
    let mut service_of_page = vec![None; site.pages.len()];
    for (g, group) in service_groups.iter().enumerate() {
        for &i in &group.pages {
            service_of_page[i] = Some(g);
        }
    }
    let renderer = Renderer {
        config,
        site,
        tera,
        base,
        reuse,
        review: ReviewClock::new(config),
        extras,
        services: service_groups,
        service_of_page,
        highlight_rules: code_css::HighlightRules::parse(
            theme
                .statics
                .get(code_css::HIGHLIGHT_CSS)
                .map(|bytes| String::from_utf8_lossy(bytes))
                .as_deref()
                .unwrap_or_default(),
        ),
    };

    let highlighter = cache
        .highlighter
        .get_or_insert_with(|| {
            std::sync::Arc::new(highlight::Highlighter::new(
                Some(config.highlight_pack()),
                config.worker.clone(),
            ))
        })
        .clone();
    let body_renderer = BodyRenderer::new(config, highlighter)?;
    let n = site.pages.len();
    if *which == PageSet::All {
        cache.page_errors.clear();
    }
    // Bodies are rendered slice by slice, the print binders' runbooks first, binder by binder,
    // and each body is let go once its page and its binder's parts are made: a build never
    // holds the bodies of the whole site (`serve` keeps them in its cache all the same).
    let binders = if which.whole_site() {
        renderer.binders()
    } else {
        Vec::new()
    };
    let home_index = site.sections.get("").and_then(|s| s.index_page);
    let mut print_output = output.branch();
    let mut part_counts = vec![0; binders.len()];
    let made = match partial_render(which, cache, n) {
        Some(indices) => crate::timings::time("pages", || {
            render_some(
                &renderer,
                which,
                &body_renderer,
                cache,
                indices,
                home_index,
                &mut output,
                progress,
            )
        })?,
        None => {
            let order = render_order(n, &binders);
            let mut ledger = BodyLedger::new(n, &binders, !cache.one_render);
            let mut body_diagnostics: Vec<Vec<Diagnostic>> = vec![Vec::new(); n];
            let mut fresh = vec![false; n];
            let mut home_html: Option<String> = None;
            let mut previous = std::mem::take(&mut cache.bodies);
            if previous.is_empty() {
                // Every body is rendered: the diagrams missing from the cache are laid out
                // first, so that no slice of pages waits on one core for its last diagram.
                crate::timings::time("diagrams", || {
                    body_renderer
                        .lay_out_diagrams(order.iter().map(|&i| &site.pages[i].doc), progress);
                });
            }
            crate::timings::time("pages", || -> Result<()> {
                for slice in order.chunks(output::SLICE) {
                    let bodies = slice_bodies(site, which, &body_renderer, &mut previous, slice);
                    let pages = render_slice(&renderer, which, &bodies, progress);
                    insert_pages(site, cache, pages, &mut output)?;
                    let mut ready = Vec::new();
                    for (i, key, body, is_fresh) in bodies {
                        fresh[i] = is_fresh;
                        body_diagnostics[i].clone_from(&body.diagnostics);
                        if Some(i) == home_index {
                            home_html = Some(body.html.clone());
                        }
                        ledger.arrive(i, key, body, &mut ready);
                    }
                    if ready.is_empty() {
                        continue;
                    }
                    let counts = renderer.print_binders(
                        &binders,
                        &ready,
                        |i| ledger.body(i),
                        &mut print_output,
                    )?;
                    for (&b, count) in ready.iter().zip(counts) {
                        part_counts[b] = count;
                        ledger.printed(&binders[b]);
                    }
                }
                Ok(())
            })?;
            if !cache.one_render {
                cache.bodies = ledger
                    .kept
                    .into_iter()
                    .map(|(i, entry)| (site.pages[i].doc.source.rel.clone(), entry))
                    .collect();
            }
            PagesMade {
                diagnostics: body_diagnostics.into_iter().flatten().collect(),
                home_fresh: home_index.is_some_and(|i| fresh[i]),
                home_html,
                all_fresh: fresh.iter().all(|&f| f),
            }
        }
    };
    let PagesMade {
        mut diagnostics,
        home_html,
        home_fresh,
        all_fresh,
    } = made;
    if which.whole_site() {
        renderer.print_index(&binders, &part_counts, &mut print_output)?;
    }
    // Only a render of every body knows which blocks the site still has; partial renders
    // (serve) leave the pack to the next full one.
    if all_fresh {
        body_renderer.save_caches();
    }
    // Pages that left the site take their errors with them.
    cache
        .page_errors
        .retain(|id, _| site.by_source.contains_key(id));
    diagnostics.extend(cache.page_errors.values().cloned());
    let home_changed = home_fresh || home_index.is_some_and(|i| which.contains(i));
    let home_html = home_html.unwrap_or_default();
    let home = (which.whole_site() || home_changed).then_some(home_html.as_str());
    renderer.listings(which.whole_site(), home, &mut output)?;
    output.absorb(print_output);
    if which.whole_site() {
        let (path, bytes) = renderer.not_found()?;
        output.insert(path, bytes)?;
        renderer.aliases(&mut output)?;
        renderer.sitemap(&mut output)?;
        for (path, bytes) in nav_files(site) {
            output.insert(path, bytes)?;
        }
        // highlight.css is read by the build, not by browsers: pages inline what they use.
        for (name, bytes) in theme
            .statics
            .iter()
            .filter(|(name, _)| name.as_str() != code_css::HIGHLIGHT_CSS)
        {
            output.insert(format!("static/{name}"), bytes.clone())?;
        }
        for asset in site
            .assets
            .iter()
            .filter(|a| !extras.outputs.lost_assets.contains(*a))
        {
            let bytes = crate::load::read_asset(config, asset)?;
            output.insert(asset.clone(), bytes)?;
        }
    }
    if cache.one_render {
        cache.highlighter = None;
    }
    Ok(Rendered {
        output,
        diagnostics,
    })
}

/// What rendering the pages leaves for the rest of the render.
struct PagesMade {
    /// The bodies' diagnostics, in page order.
    diagnostics: Vec<Diagnostic>,
    /// The home page's body, and whether it is new.
    home_html: Option<String>,
    home_fresh: bool,
    /// Every body was rendered afresh (the highlight pack then knows every block).
    all_fresh: bool,
}

/// The pages a render of `which` must visit when it need not visit them all: `serve`'s save,
/// which renders some pages (and neither listings' nor print binders' bodies) with the body of
/// every other page in the cache. `None`: visit every page.
fn partial_render(which: &PageSet, cache: &RenderCache, n: usize) -> Option<Vec<usize>> {
    match which {
        PageSet::Only { pages, bodies } if !cache.one_render && !cache.bodies.is_empty() => {
            Some(pages.union(bodies).copied().filter(|&i| i < n).collect())
        }
        _ => None,
    }
}

/// Renders the pages of `visit` (and any page the cache has no body for), their bodies from
/// the cache where their inputs are unchanged; the other bodies stay in the cache, unread but
/// for their diagnostics. What it costs grows with what it renders, not with the site.
#[allow(clippy::too_many_arguments)]
fn render_some(
    renderer: &Renderer<'_>,
    which: &PageSet,
    body_renderer: &BodyRenderer,
    cache: &mut RenderCache,
    mut visit: Vec<usize>,
    home_index: Option<usize>,
    output: &mut Output,
    progress: &crate::Progress,
) -> Result<PagesMade> {
    let site = renderer.site;
    // A page new since the last render has no body yet, wherever the plan put it.
    visit.extend(
        (0..site.pages.len())
            .filter(|&i| !cache.bodies.contains_key(&site.pages[i].doc.source.rel)),
    );
    visit.sort_unstable();
    visit.dedup();
    let mut home_fresh = false;
    for slice in visit.chunks(output::SLICE) {
        let bodies = slice_bodies(site, which, body_renderer, &mut cache.bodies, slice);
        let pages = render_slice(renderer, which, &bodies, progress);
        insert_pages(site, cache, pages, output)?;
        for (i, key, body, is_fresh) in bodies {
            home_fresh |= is_fresh && Some(i) == home_index;
            cache
                .bodies
                .insert(site.pages[i].doc.source.rel.clone(), (key, body));
        }
    }
    // Bodies of pages that left the site.
    if cache.bodies.len() > site.pages.len() {
        cache
            .bodies
            .retain(|rel, _| site.by_source.contains_key(rel));
    }
    let mut diagnostics = Vec::new();
    for page in &site.pages {
        if let Some((_, body)) = cache.bodies.get(&page.doc.source.rel) {
            diagnostics.extend(body.diagnostics.iter().cloned());
        }
    }
    let home_html = home_index
        .and_then(|i| cache.bodies.get(&site.pages[i].doc.source.rel))
        .map(|(_, body)| body.html.clone());
    Ok(PagesMade {
        diagnostics,
        home_html,
        home_fresh,
        all_fresh: false,
    })
}

/// Makes the pages of a slice whose bodies are ready: those `which` asks for, and those whose
/// body is new.
fn render_slice(
    renderer: &Renderer<'_>,
    which: &PageSet,
    bodies: &[(usize, blake3::Hash, RenderedBody, bool)],
    progress: &crate::Progress,
) -> Vec<(usize, PageResult)> {
    let site = renderer.site;
    let pages: Vec<(usize, PageResult)> = bodies
        .par_iter()
        .filter(|(i, _, _, is_fresh)| {
            site.pages[*i].output_path().is_some()
                && !renderer.extras.outputs.lost_pages.contains(i)
                && (*is_fresh || which.contains(*i))
        })
        .map(|(i, _, body, _)| (*i, renderer.page(*i, &site.pages[*i], body)))
        .collect();
    progress
        .rendered
        .fetch_add(pages.len(), std::sync::atomic::Ordering::Relaxed);
    pages
}

/// Writes made pages to the output; a page that failed to render keeps its diagnostic until it
/// renders again.
fn insert_pages(
    site: &Site,
    cache: &mut RenderCache,
    pages: Vec<(usize, PageResult)>,
    output: &mut Output,
) -> Result<()> {
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
    Ok(())
}

/// The bodies of the pages in `slice`, as (page, key, body, rendered afresh): from `previous`
/// when their inputs are unchanged, else rendered. A page whose body changed is rendered
/// whatever `which` says.
fn slice_bodies(
    site: &Site,
    which: &PageSet,
    body_renderer: &BodyRenderer,
    previous: &mut std::collections::HashMap<crate::model::PageId, (blake3::Hash, RenderedBody)>,
    slice: &[usize],
) -> Vec<(usize, blake3::Hash, RenderedBody, bool)> {
    let cached: Vec<Option<(blake3::Hash, RenderedBody)>> = slice
        .iter()
        .map(|&i| previous.remove(&site.pages[i].doc.source.rel))
        .collect();
    slice
        .par_iter()
        .zip(cached.into_par_iter())
        .map(|(&i, cached)| {
            let page = &site.pages[i];
            if !which.body_may_change(i)
                && let Some((key, body)) = cached
            {
                return (i, key, body, false);
            }
            let inputs = BodyInputs::of(site, page);
            let key = inputs.key();
            match cached {
                Some((cached_key, body)) if cached_key == key => (i, key, body, false),
                _ => (i, key, inputs.render(body_renderer), true),
            }
        })
        .collect()
}

/// The order pages render in: the print binders' runbooks binder by binder, then the rest.
fn render_order(n: usize, binders: &[print::Binder]) -> Vec<usize> {
    let mut placed = vec![false; n];
    binders
        .iter()
        .flat_map(|b| b.pages.iter().copied())
        .chain(0..n)
        .filter(|&i| !std::mem::replace(&mut placed[i], true))
        .collect()
}

/// Where each rendered body goes until nothing needs it: held while a print binder that has it
/// waits for others, then kept for the next render (`serve`) or let go (a build).
struct BodyLedger {
    /// Per page: the binders that print it.
    binders_of: Vec<Vec<usize>>,
    /// Per binder: bodies still to come.
    left: Vec<usize>,
    /// Per page: binders not yet printed that print it.
    needed: Vec<usize>,
    held: std::collections::HashMap<usize, (blake3::Hash, RenderedBody)>,
    keep: bool,
    /// The bodies kept for the cache, by page index, with their keys.
    kept: Vec<(usize, (blake3::Hash, RenderedBody))>,
}

impl BodyLedger {
    fn new(n: usize, binders: &[print::Binder], keep: bool) -> BodyLedger {
        let mut binders_of = vec![Vec::new(); n];
        for (b, binder) in binders.iter().enumerate() {
            for &i in &binder.pages {
                binders_of[i].push(b);
            }
        }
        BodyLedger {
            needed: binders_of.iter().map(Vec::len).collect(),
            binders_of,
            left: binders.iter().map(|b| b.pages.len()).collect(),
            held: std::collections::HashMap::new(),
            keep,
            kept: Vec::new(),
        }
    }

    /// Page `i`'s body has been rendered (and its page made); adds to `ready` the binders whose
    /// last body it was.
    fn arrive(&mut self, i: usize, key: blake3::Hash, body: RenderedBody, ready: &mut Vec<usize>) {
        for &b in &self.binders_of[i] {
            self.left[b] -= 1;
            if self.left[b] == 0 {
                ready.push(b);
            }
        }
        if self.needed[i] > 0 {
            self.held.insert(i, (key, body));
        } else {
            self.done(i, key, body);
        }
    }

    /// The body of a page that a binder not yet printed needs.
    fn body(&self, i: usize) -> &RenderedBody {
        &self.held[&i].1
    }

    /// `binder` has been printed: its bodies go on unless another binder still needs them.
    fn printed(&mut self, binder: &print::Binder) {
        for &i in &binder.pages {
            self.needed[i] -= 1;
            if self.needed[i] == 0
                && let Some((key, body)) = self.held.remove(&i)
            {
                self.done(i, key, body);
            }
        }
    }

    fn done(&mut self, i: usize, key: blake3::Hash, body: RenderedBody) {
        if self.keep {
            self.kept.push((i, (key, body)));
        }
    }
}

/// The `__render-worker` subcommand: answers diagram and highlighting jobs from another
/// rb-site process on stdin and stdout until stdin closes ([`worker`]).
pub fn serve_worker_jobs() -> anyhow::Result<()> {
    let diagrams = mermaid::MermaidRenderer::new(None);
    worker::serve_jobs(|job| match job {
        worker::Job::Mermaid(source) => diagrams
            .lay_out(source)
            .map_err(|failure| mermaid::encode_failure(&failure)),
        worker::Job::Highlight { lang, code } => highlight::highlight_job(lang, code),
    })
    .map_err(|err| anyhow::anyhow!("render worker: {err}"))
}

/// Replaces a build cache file (a diagram, the highlight pack) whole: written beside `path`
/// under a name unique to this process and thread, then renamed, so a reader, or another
/// build writing the same file, never sees half of one.
pub fn replace_cache_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    let temp = dir.join(format!(".{name}.{}.{thread}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

/// What every template gets: `site`, `asset_version`, `nav_url`, `taxonomies`. `hashing`:
/// key what templates make of it ([`keyed`]; `serve`).
pub fn base_context(config: &Config, theme: &Theme, hashing: bool) -> BaseContext {
    let mut base = BaseContext::new(hashing);
    base.insert("site", &SiteView::new(config));
    base.insert("asset_version", &asset_version(theme));
    base.insert("nav_url", "static/nav.js");
    base.insert("checklist_stale_hours", &config.build.checklist_stale_hours);
    let taxonomy_links: Vec<TaxonomyLink> = crate::model::TAXONOMIES
        .iter()
        .map(|t| TaxonomyLink {
            name: t.name,
            title: t.title,
            url: format!("{}/", t.name),
        })
        .collect();
    base.insert("taxonomies", &taxonomy_links);
    base
}

/// A taxonomy in every page's navigation (`taxonomies`).
#[derive(Serialize)]
struct TaxonomyLink {
    name: &'static str,
    title: &'static str,
    url: String,
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
    alert_panel: &'a [crate::alerts::AlertPanelEntry],
    tags: Vec<NameUrl>,
    service_url: Option<String>,
    owner_url: Option<String>,
    severity_url: Option<String>,
    breadcrumbs: Vec<Crumb>,
    toc: &'a [TocEntry],
    /// The id of the H1 the header stands in for ([`crate::model::Outline::title_heading`]).
    title_id: Option<&'a str>,
    content_html: &'a str,
    /// The highlighting rules the page's code uses, inlined in its `<head>`.
    highlight_css: String,
    extra: &'a BTreeMap<String, serde_json::Value>,
    prev: Option<Crumb>,
    next: Option<Crumb>,
    /// The runbook's service and (some of) its runbooks, in the page's own HTML: the sidebar
    /// without JavaScript.
    nav: Option<PageNav>,
}

/// A runbook page's own service in the sidebar: at most [`services::PAGE_NAV_SIZE`] runbooks
/// around the page, and the service's page for the rest.
#[derive(Serialize)]
struct PageNav {
    name: String,
    url: String,
    overview: Option<String>,
    count: usize,
    pages: Vec<PageNavItem>,
    more: bool,
}

#[derive(Serialize)]
struct PageNavItem {
    title: String,
    url: String,
    severity: Option<String>,
    current: bool,
}

#[derive(Serialize)]
struct SectionView {
    title: String,
    /// The id of the H1 the header stands in for ([`crate::model::Outline::title_heading`]).
    title_id: Option<String>,
    description: Option<String>,
    url: String,
    content_html: String,
    highlight_css: String,
    breadcrumbs: Vec<Crumb>,
    /// This numbered page's runbooks (all of them when they fit on one page).
    pages: Vec<ListItem>,
    /// Runbooks in the folder itself, on all its pages.
    count: usize,
    pager: Option<services::Pager>,
    subsections: Vec<SubsectionView>,
}

#[derive(Serialize)]
struct SubsectionView {
    title: String,
    url: String,
    count: usize,
}

/// The folder URL of an alert's page: `alerts/<name>/`, made URL-safe as the alert stage does.
pub fn alert_url(name: &str) -> String {
    format!("alerts/{}/", crate::alerts::url_safe_name(name))
}

impl Renderer<'_> {
    fn context<'v>(&'v self, page_type: &'v str, page_url: &'v str) -> KeyedContext<'v> {
        let mut context = self.base.child();
        context.insert("root", Site::root_prefix(page_url));
        context.insert("page_url", page_url);
        context.insert("page_type", page_type);
        if let Some(base_url) = &self.config.book.base_url {
            context.insert("canonical", format!("{base_url}{page_url}"));
        }
        context
    }

    /// Renders `template` for the file at `path` (or takes the last render's, when its context
    /// is the same); `source` names the file in a template error.
    fn render_template(
        &self,
        template: &str,
        context: &KeyedContext,
        source: &str,
        path: &str,
    ) -> Result<Vec<u8>, Diagnostic> {
        self.reuse
            .render(self.tera, template, context, path)
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
                        .map_or(&[], Vec::as_slice),
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
                    title_id: page.doc.outline.title_heading().map(|h| h.id.as_str()),
                    content_html: &body.html,
                    highlight_css: self
                        .highlight_rules
                        .for_classes(body.hl_classes.iter().map(String::as_str)),
                    extra: &front.extra,
                    prev,
                    next,
                    nav: self.page_nav(index),
                };
                let mut context = self.context("runbook", &page.url);
                context.insert("page", &view);
                let bytes =
                    self.render_template("runbook.html", &context, &page.doc.source.path, &path)?;
                Ok((path, bytes))
            }
            PageKind::Section => {
                let dir = page.doc.dir();
                let view = self.section_view(dir, Some(page), &body.html, 1);
                let mut context = self.context("section", &page.url);
                context.insert("section", &view);
                let bytes =
                    self.render_template("section.html", &context, &page.doc.source.path, &path)?;
                Ok((path, bytes))
            }
        }
    }

    fn page_nav(&self, index: usize) -> Option<PageNav> {
        let group = &self.services[(*self.service_of_page.get(index)?)?];
        let shown = services::window(&group.pages, index, services::PAGE_NAV_SIZE);
        Some(PageNav {
            name: group.name.clone(),
            url: group.url.clone(),
            overview: group.overview.clone(),
            count: group.pages.len(),
            pages: shown
                .iter()
                .map(|&i| {
                    let page = &self.site.pages[i];
                    PageNavItem {
                        title: page.title.clone(),
                        url: page.url.clone(),
                        severity: page.doc.front.severity.clone(),
                        current: i == index,
                    }
                })
                .collect(),
            more: shown.len() < group.pages.len(),
        })
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

    /// The view of a folder's page `number` (1-based) of its runbook list.
    fn section_view(
        &self,
        dir: &str,
        page: Option<&Page>,
        content_html: &str,
        number: usize,
    ) -> SectionView {
        let section = self.site.sections.get(dir);
        let all: &[usize] = section.map_or(&[], |s| &s.pages);
        let mut numbered =
            services::paginate(&templates::section_url(dir), all, services::LIST_PAGE_SIZE);
        let (_, shown, pager) = numbered.swap_remove((number.max(1) - 1).min(numbered.len() - 1));
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
            title_id: page
                .and_then(|p| p.doc.outline.title_heading())
                .map(|h| h.id.clone()),
            description: page.and_then(|p| p.doc.front.description.clone()),
            url: templates::section_url(dir),
            content_html: content_html.to_string(),
            highlight_css: self.highlight_rules.for_html([content_html]),
            breadcrumbs,
            pages: self.list_items(&shown),
            count: all.len(),
            pager: (pager.total > 1).then_some(pager),
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
}

/// A runbook or section page: its output path and bytes, or why its template failed.
type PageResult = Result<(String, Vec<u8>), Diagnostic>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceFile;

    /// A site of `files` (content-relative path, text), parsed and linked.
    fn site(files: &[(&str, &str)]) -> Site {
        let config = Config::from_toml(std::path::Path::new("/tmp"), "").expect("config");
        let sources = files
            .iter()
            .map(|(rel, text)| SourceFile {
                path: format!("content/{rel}"),
                rel: (*rel).to_string(),
                text: (*text).to_string(),
            })
            .collect();
        let (docs, _) = crate::parse::parse_all(&config, sources);
        crate::link::link(&config, docs, std::collections::BTreeSet::new()).0
    }

    fn key(site: &Site, rel: &str) -> blake3::Hash {
        BodyInputs::of(site, site.page_by_source(rel).expect("page")).key()
    }

    /// The body cache's key moves with what the body is rendered from (its text, where its links
    /// lead) and with nothing else.
    #[test]
    fn a_body_key_is_its_text_and_where_its_links_lead() {
        let a = "---\ntitle: A\n---\nSee [B](b.md#steps) and [C](c.md).\n";
        let before = site(&[("a.md", a), ("b.md", "# B\n"), ("c.md", "# C\n")]);
        // Another page's text, title or body: not this body's input.
        let unrelated = site(&[("a.md", a), ("b.md", "# B\n\nMore.\n"), ("c.md", "# C\n")]);
        assert_eq!(key(&before, "a.md"), key(&unrelated, "a.md"));
        // A linked page moves (its slug): the href changes, so does the key.
        let moved = site(&[
            ("a.md", a),
            ("b.md", "---\nslug: bee\n---\n# B\n"),
            ("c.md", "# C\n"),
        ]);
        assert_ne!(key(&before, "a.md"), key(&moved, "a.md"));
        // A linked page vanishes: the link is left as written.
        let gone = site(&[("a.md", a), ("c.md", "# C\n")]);
        assert_ne!(key(&before, "a.md"), key(&gone, "a.md"));
        // Its own text.
        let edited = site(&[
            ("a.md", &format!("{a}\nMore.\n")),
            ("b.md", "# B\n"),
            ("c.md", "# C\n"),
        ]);
        assert_ne!(key(&before, "a.md"), key(&edited, "a.md"));
        // The same body at another path is another page (its ids carry a hash of the path).
        let renamed = site(&[("z.md", a), ("b.md", "# B\n"), ("c.md", "# C\n")]);
        assert_ne!(key(&before, "a.md"), key(&renamed, "z.md"));
    }
}
