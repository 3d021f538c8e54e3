//! The incremental builder behind `serve`: it keeps the parsed documents, the linked site, the
//! diagnostics of every check stage, the rendered bodies and the rendered files between builds,
//! and does again only what a change touches.
//!
//! What a change costs:
//! - one page's text, when the list of pages, their URLs and the assets stay the same (a body,
//!   a title, most front matter): that file is read and parsed again and put in place in the
//!   site; it is validated again with the pages that link to its anchors
//!   ([`crate::checks`]); the alert graph is built again only when what it reads of the page
//!   changed. Its page and the pages beside it are rendered before the reload ([`plan`]). That
//!   is a preview: once edits pause, [`Builder::render_deferred`] checks the whole site again
//!   and renders it as a build does (the same stage functions, [`Checks::recheck`] and
//!   [`render_site_pages`]), with the Markdown bodies, the search records and the files whose
//!   templates' contexts are unchanged kept, and only files whose bytes changed are announced;
//! - a page added, removed or moved, or a slug, draft flag or folder kind changed: the site is
//!   linked and checked again as a whole, and every page rendered, with the unchanged Markdown
//!   bodies taken from the cache and the files whose templates' contexts are unchanged kept
//!   ([`crate::render::keyed`]);
//! - `book.toml`: everything, from a fresh parse; a rule file: every page, with the documents
//!   and bodies kept; a template: the same, with no file kept.
//!
//! The result equals a full build file for file and diagnostic for diagnostic once the
//! deferred pass has run, whatever the preview chose to check and render; the tests check it
//! after every kind of edit, and with a patch that checks nothing again.

mod plan;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::Result;

use crate::Checked;
use crate::checks::Checks;
use crate::config::Config;
use crate::diag::{Diagnostic, Report};
use crate::link::{self, Linked};
use crate::model::{Document, PageKind};
use crate::render::{Output, PageSet, RenderCache};
use crate::{alerts, load, parse, render_site_pages};
use plan::Before;

/// One file of the site in memory, with its ETag computed on first request (hashing a large
/// the print binders on every rebuild would cost more than the rebuild).
#[derive(Debug)]
pub(crate) struct SiteFile {
    pub(crate) bytes: Vec<u8>,
    etag: OnceLock<String>,
}

impl SiteFile {
    pub(crate) fn new(bytes: Vec<u8>) -> SiteFile {
        SiteFile {
            bytes,
            etag: OnceLock::new(),
        }
    }

    /// A strong validator: the first 16 hex digits of the content's BLAKE3 hash.
    pub(crate) fn etag(&self) -> &str {
        self.etag
            .get_or_init(|| blake3::hash(&self.bytes).to_hex()[..16].to_string())
    }
}

impl crate::render::keyed::Previous for Files {
    fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.get(path).map(|file| file.bytes.as_slice())
    }
}

/// The whole site in memory: output path -> file. Paths are shared between the generations of
/// the site and hashed with Fx: a save rebuilds this map of 60,000 entries at 10,000 runbooks.
pub(crate) type Files = HashMap<Arc<str>, Arc<SiteFile>, rustc_hash::FxBuildHasher>;

/// What changed on disk since the last build, sorted out by the watcher.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Changes {
    /// `book.toml` changed: reload it and rebuild everything.
    pub(crate) config: bool,
    /// A theme file or a rule file changed: render every page again.
    pub(crate) all_pages: bool,
    /// A folder under the content folder appeared, vanished or was renamed: walk it again.
    pub(crate) rescan: bool,
    /// Content-relative paths of files under the content folder that changed.
    pub(crate) content: BTreeSet<String>,
}

impl Changes {
    pub(crate) fn is_empty(&self) -> bool {
        !self.config && !self.all_pages && !self.rescan && self.content.is_empty()
    }

    pub(crate) fn merge(&mut self, other: Changes) {
        self.config |= other.config;
        self.all_pages |= other.all_pages;
        self.rescan |= other.rescan;
        self.content.extend(other.content);
    }
}

/// The outcome of one build.
#[derive(Debug)]
pub(crate) struct Built {
    /// Every file of the site as this build rendered it (even with errors in the report).
    pub(crate) files: Arc<Files>,
    pub(crate) report: Report,
    /// Output files rendered by this build (the rest were kept from the previous one, or were
    /// what the templates would make of the same contexts: [`crate::render::keyed`]).
    pub(crate) rendered: usize,
    /// Files whose bytes this build changed, added or removed: what readers see change (a
    /// render makes every search index file again, and most come out the same).
    pub(crate) changed: usize,
    /// Markdown files parsed by this build.
    pub(crate) parsed: usize,
    pub(crate) full: bool,
    /// Outputs were left for [`Builder::render_deferred`]: they are stale in `files`.
    pub(crate) deferred: bool,
    pub(crate) millis: f64,
}

impl Built {
    /// A build's files, as `state` now holds them; the report and timing are filled in later.
    fn of(state: &State, (rendered, changed): (usize, usize), parsed: usize, full: bool) -> Built {
        Built {
            files: Arc::clone(&state.files),
            report: Report::default(),
            rendered,
            changed,
            parsed,
            full,
            deferred: false,
            millis: 0.0,
        }
    }
}

/// Everything kept between builds.
struct State {
    checked: Checked,
    checks: Checks,
    /// Documents the link stage left out of the site: drafts, and the second of two sources
    /// on one URL.
    left_out: BTreeMap<String, Document>,
    /// Load and parse diagnostics by content-relative path.
    earlier: BTreeMap<String, Vec<Diagnostic>>,
    /// Markdown files that could not be read (their diagnostics are in `earlier`).
    unreadable: BTreeSet<String>,
    assets: BTreeSet<String>,
    files: Arc<Files>,
    /// The last build rendered only some pages: [`Builder::render_deferred`] renders the rest.
    deferred: bool,
}

/// Builds the site again and again, as cheaply as the change allows.
pub(crate) struct Builder {
    config: Config,
    state: Option<State>,
    cache: RenderCache,
    /// Render only the changed pages (and those beside them) when a save allows it, and the
    /// whole site in [`Builder::render_deferred`] after the reload.
    defer: bool,
    /// Makes the next [`Builder::build`] panic: how tests prove `serve` survives a bug.
    #[cfg(test)]
    pub(crate) panic_next: bool,
}

impl Builder {
    pub(crate) fn new(config: Config, defer: bool) -> Builder {
        Builder {
            config,
            state: None,
            cache: RenderCache::default(),
            defer,
            #[cfg(test)]
            panic_next: false,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Forgets everything built so far, after a build panicked half way: the next build
    /// starts afresh.
    pub(crate) fn reset(&mut self) {
        self.state = None;
        self.cache = RenderCache::default();
    }

    /// Replaces the configuration (after `book.toml` changed): the next build starts afresh.
    fn set_config(&mut self, config: Config) {
        self.config = config;
        self.state = None;
        self.cache = RenderCache::default();
    }

    /// Renders the whole site after builds that rendered only some pages, as a build does, with
    /// the bodies kept; returns every file, now current, and the report.
    pub(crate) fn render_deferred(&mut self) -> Result<Built> {
        let started = Instant::now();
        let Some(state) = self.state.as_mut() else {
            return Ok(Built {
                files: Arc::default(),
                report: Report::default(),
                rendered: 0,
                changed: 0,
                parsed: 0,
                full: false,
                deferred: false,
                millis: 0.0,
            });
        };
        let (rendered, changed) = if std::mem::take(&mut state.deferred) {
            recheck(&self.config, state);
            let (files, counts) = render(
                &self.config,
                &mut state.checked,
                &PageSet::All,
                &mut self.cache,
                &state.files,
            )?;
            state.files = Arc::new(files);
            counts
        } else {
            (0, 0)
        };
        Ok(Built {
            files: Arc::clone(&state.files),
            report: state.checked.report.clone(),
            rendered,
            changed,
            parsed: 0,
            full: false,
            deferred: false,
            millis: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Builds the site: from scratch the first time or after `book.toml` changed (read again
    /// here), then as `changes` require.
    pub(crate) fn build(&mut self, changes: &Changes) -> Result<Built> {
        #[cfg(test)]
        if std::mem::take(&mut self.panic_next) {
            // Drops the state as a real panic half way through a build would.
            self.state = None;
            panic!("a panic forced by a test");
        }
        let started = Instant::now();
        if changes.config {
            // `book.toml` changed: read it again (a broken one keeps the last build's state).
            let mut config = Config::load(&self.config.root)?;
            config.worker = self.config.worker.clone();
            self.set_config(config);
        }
        let previous = self.state.take();
        let result = match previous {
            Some(state) if !changes.config => {
                crate::timings::time("serve: incremental", || self.incremental(state, changes))
            }
            _ => self.full(),
        };
        let (state, mut built) = result?;
        built.millis = started.elapsed().as_secs_f64() * 1000.0;
        built.report = state.checked.report.clone();
        built.deferred = state.deferred;
        self.state = Some(state);
        Ok(built)
    }

    fn full(&mut self) -> Result<(State, Built)> {
        self.cache = RenderCache::default();
        let scanned = Scanned::walk(&self.config, BTreeMap::new(), BTreeMap::new())?;
        let rules = crate::timings::time("alert rules", || alerts::load_rules(&self.config));
        self.relink(scanned, rules, None)
    }

    fn incremental(&mut self, state: State, changes: &Changes) -> Result<(State, Built)> {
        if changes.all_pages {
            // Perhaps a template: compile the theme again.
            self.cache.forget_templates();
        }
        if changes.rescan || needs_rescan(&self.config, &changes.content, &state) {
            return self.relink_after(state, None, changes.all_pages);
        }
        let edits = crate::timings::time("serve: read", || {
            Edits::read(&self.config, &changes.content, &state)
        });
        if !changes.all_pages && edits.fit_in_place(&self.config, &state) {
            return self.patch(state, edits);
        }
        self.relink_after(state, Some(edits), changes.all_pages)
    }

    /// The slow way: every document linked and checked again. `edits` are applied to the
    /// documents kept (None: walk the content folder again).
    fn relink_after(
        &mut self,
        state: State,
        edits: Option<Edits>,
        all_pages: bool,
    ) -> Result<(State, Built)> {
        let State {
            mut checked,
            checks,
            left_out,
            mut earlier,
            mut unreadable,
            mut assets,
            files,
            ..
        } = state;
        let rules = if all_pages {
            crate::timings::time("alert rules", || alerts::load_rules(&self.config))
        } else {
            (
                std::mem::take(&mut checked.alerts.rules),
                checks.rule_diagnostics().to_vec(),
            )
        };
        let mut documents: BTreeMap<String, Document> = checked
            .site
            .pages
            .into_iter()
            .map(|page| (page.doc.source.rel.clone(), page.doc))
            .collect();
        documents.extend(left_out);
        let scanned = match edits {
            None => Scanned::walk(&self.config, documents, earlier)?,
            Some(edits) => {
                let parsed = edits.parsed.len();
                for rel in &edits.removed {
                    documents.remove(rel);
                    earlier.remove(rel);
                    unreadable.remove(rel);
                }
                for (rel, diagnostic) in edits.unreadable {
                    documents.remove(&rel);
                    unreadable.insert(rel.clone());
                    earlier.insert(rel, vec![diagnostic]);
                }
                for (doc, diagnostics) in edits.parsed {
                    let rel = doc.source.rel.clone();
                    unreadable.remove(&rel);
                    earlier.insert(rel.clone(), diagnostics);
                    documents.insert(rel, doc);
                }
                for (rel, exists) in edits.assets {
                    if exists {
                        assets.insert(rel);
                    } else {
                        assets.remove(&rel);
                    }
                }
                Scanned {
                    documents,
                    earlier,
                    unreadable,
                    assets,
                    parsed,
                }
            }
        };
        self.relink(scanned, rules, Some(files))
    }

    /// Links and checks the scanned documents as a whole, then renders every page (the
    /// unchanged bodies come from the cache, and the files whose templates' contexts are
    /// unchanged from `previous`, the last build's: a file's key does not depend on where its
    /// page is in the site).
    fn relink(
        &mut self,
        scanned: Scanned,
        rules: (Vec<alerts::AlertRule>, Vec<Diagnostic>),
        previous: Option<Arc<Files>>,
    ) -> Result<(State, Built)> {
        let Scanned {
            documents,
            earlier,
            unreadable,
            assets,
            parsed,
            ..
        } = scanned;
        let files_count = documents.len() + unreadable.len();
        let mut ordered: Vec<Document> = documents.into_values().collect();
        // Linking sees the documents in the order a full build loads them.
        ordered.sort_by(|a, b| load::walk_order(&a.source.rel, &b.source.rel));
        let mut linked: Linked = crate::timings::time("link", || {
            link::link_parts(&self.config, ordered, assets.clone())
        });
        let left_out: BTreeMap<String, Document> = std::mem::take(&mut linked.left_out)
            .into_iter()
            .map(|doc| (doc.source.rel.clone(), doc))
            .collect();
        let (mut checked, checks) = Checks::run(
            &self.config,
            linked.site,
            linked.by_page,
            linked.duplicates,
            rules,
            files_count,
        );
        checked.report = checks.report(&self.config, earlier.values().flatten());

        let previous = previous.unwrap_or_default();
        let (files, counts) = render(
            &self.config,
            &mut checked,
            &PageSet::All,
            &mut self.cache,
            &previous,
        )?;
        let state = State {
            checked,
            checks,
            left_out,
            earlier,
            unreadable,
            assets,
            files: Arc::new(files),
            deferred: false,
        };
        let built = Built::of(&state, counts, parsed, true);
        Ok((state, built))
    }

    /// The quick way: the edited pages put in place in the site, checked and rendered alone;
    /// what lists them is left for later.
    fn patch(&mut self, state: State, edits: Edits) -> Result<(State, Built)> {
        let State {
            mut checked,
            mut checks,
            mut left_out,
            mut earlier,
            unreadable,
            assets,
            files,
            deferred: _,
        } = state;
        let parsed = edits.parsed.len();
        let folder_kinds = link::folder_kinds(
            checked
                .site
                .sections
                .values()
                .filter_map(|s| s.index_page)
                .map(|i| &checked.site.pages[i].doc),
        );
        let mut before = Before::default();
        let mut placement = BTreeMap::new();
        let mut replaced = BTreeMap::new();
        for (doc, diagnostics) in edits.parsed {
            let rel = doc.source.rel.clone();
            if diagnostics.is_empty() {
                earlier.remove(&rel);
            } else {
                earlier.insert(rel.clone(), diagnostics);
            }
            let Some(&index) = checked.site.by_source.get(&rel) else {
                // A draft that stays one: nothing of it is shown.
                left_out.insert(rel, doc);
                continue;
            };
            before.record(&checked.site, index);
            let (page, diagnostics) = link::place(&self.config, doc, &folder_kinds);
            placement.insert(rel, diagnostics);
            replaced.insert(index, link::replace_page(&mut checked.site, index, page));
        }
        let old_files = checked.extras.outputs.files;
        let old_alerts = crate::timings::time("serve: checks", || {
            checks.patch(&self.config, &mut checked, &replaced, placement)
        });
        checked.report = crate::timings::time("serve: report", || {
            checks.report(&self.config, earlier.values().flatten())
        });
        let plan = crate::timings::time("serve: plan", || {
            before.plan(
                &checked,
                old_files,
                old_alerts.as_ref(),
                edits.asset_touched,
            )
        });
        // What the patch checked and renders is a preview: the whole site is checked and
        // rendered again after it, by the deferred pass or (not deferring) right away.
        let which = if plan.everything_now || !self.defer {
            PageSet::All
        } else {
            PageSet::Only {
                pages: plan.pages,
                bodies: plan.bodies,
            }
        };
        let mut state = State {
            checked,
            checks,
            left_out,
            earlier,
            unreadable,
            assets,
            files,
            deferred: self.defer,
        };
        if !self.defer {
            recheck(&self.config, &mut state);
        }
        let (files, counts) = render(
            &self.config,
            &mut state.checked,
            &which,
            &mut self.cache,
            &state.files,
        )?;
        state.files = Arc::new(files);
        let built = Built::of(&state, counts, parsed, false);
        Ok((state, built))
    }
}

/// Stages 4 and 5 over the whole site again ([`Checks::recheck`]) and the report of them:
/// after a patch, the diagnostics and the files `serve` settles on are those of a build.
fn recheck(config: &Config, state: &mut State) {
    crate::timings::time("serve: check again", || {
        state.checks.recheck(config, &mut state.checked);
        state.checked.report = state
            .checks
            .report(config, state.earlier.values().flatten());
    });
}

/// Renders the pages in `which` (stage 6, as a build does, taking from `previous` the files
/// whose templates' contexts did not change) and puts them in place of theirs in `previous`;
/// returns the files and how many of them the render made rather than took.
fn render(
    config: &Config,
    checked: &mut Checked,
    which: &PageSet,
    cache: &mut RenderCache,
    previous: &Files,
) -> Result<(Files, (usize, usize))> {
    let output = crate::timings::time("serve: render", || {
        render_site_pages(config, checked, which, cache, Some(previous))
    })?;
    let made = output.files.len() - output.kept.len();
    let files = crate::timings::time("serve: merge", || merge(previous, output, which));
    let changed = changed_paths(previous, &files).count();
    Ok((files, (made, changed)))
}

/// The paths of the files `new` adds or holds with other bytes than `old`, then of those it
/// removes: [`merge`] keeps the [`SiteFile`] of a file whose bytes did not change, so a pointer
/// comparison tells.
pub(super) fn changed_paths<'a>(old: &'a Files, new: &'a Files) -> impl Iterator<Item = &'a str> {
    let differ = new
        .iter()
        .filter(|(path, file)| old.get(&**path).is_none_or(|was| !Arc::ptr_eq(was, file)))
        .map(|(path, _)| &**path);
    let removed = old
        .keys()
        .map(|path| &**path)
        .filter(|path| !new.contains_key(*path));
    differ.chain(removed)
}

/// The files after rendering `which`: a render of the whole site replaces them all, a
/// render of some pages replaces theirs. A file the render took from `old` ([`Output::kept`])
/// or made again byte for byte keeps its [`SiteFile`], so that telling the browsers what
/// changed compares pointers.
fn merge(old: &Files, output: Output, which: &PageSet) -> Files {
    let kept: std::collections::HashSet<&str> = output.kept.iter().map(String::as_str).collect();
    let mut files = match which {
        PageSet::All => {
            Files::with_capacity_and_hasher(output.files.len(), rustc_hash::FxBuildHasher)
        }
        // The table is copied (it holds `Arc`s), which is several times cheaper than hashing
        // 60,000 paths anew.
        PageSet::Only { .. } => old.clone(),
    };
    for (path, bytes) in output.files {
        let file = match old.get_key_value(path.as_str()) {
            Some((path, file)) if kept.contains(&**path) || file.bytes == bytes => {
                (Arc::clone(path), Arc::clone(file))
            }
            _ => (Arc::from(path), Arc::new(SiteFile::new(bytes))),
        };
        files.insert(file.0, file.1);
    }
    files
}

/// The Markdown and other files a change names, read (and parsed when their text changed).
struct Edits {
    /// Markdown files whose text changed: the document and its load and parse diagnostics.
    parsed: Vec<(Document, Vec<Diagnostic>)>,
    /// Markdown files that are gone.
    removed: BTreeSet<String>,
    /// Markdown files that could not be read.
    unreadable: Vec<(String, Diagnostic)>,
    /// Other files that appeared or vanished: (path, whether it exists now).
    assets: Vec<(String, bool)>,
    /// Another file changed in place: the whole site is rendered again, which copies it.
    asset_touched: bool,
}

impl Edits {
    fn read(config: &Config, content: &BTreeSet<String>, state: &State) -> Edits {
        let mut edits = Edits {
            parsed: Vec::new(),
            removed: BTreeSet::new(),
            unreadable: Vec::new(),
            assets: Vec::new(),
            asset_touched: false,
        };
        let site = &state.checked.site;
        for rel in content {
            let path = config.content_dir().join(rel);
            if !load::is_markdown(Path::new(rel)) {
                let exists = load::is_publishable_file(config, rel);
                if exists == state.assets.contains(rel) {
                    edits.asset_touched |= exists;
                } else {
                    edits.assets.push((rel.clone(), exists));
                }
                continue;
            }
            if !path.is_file() {
                let known = site.by_source.contains_key(rel)
                    || state.left_out.contains_key(rel)
                    || state.unreadable.contains(rel);
                if known {
                    edits.removed.insert(rel.clone());
                }
                continue;
            }
            match load::load_one(config, rel) {
                Ok(source) => {
                    let known = site
                        .page_by_source(rel)
                        .map(|page| &page.doc)
                        .or_else(|| state.left_out.get(rel));
                    if known.is_some_and(|doc| doc.source.text == source.text) {
                        continue;
                    }
                    edits.parsed.push(parse::parse_document(config, source));
                }
                Err(diagnostic) => edits.unreadable.push((rel.clone(), diagnostic)),
            }
        }
        edits
    }

    /// Whether the edits leave the list of pages, their URLs, the folder kinds and the assets
    /// as they are: then the changed pages can be put in place in the linked site.
    fn fit_in_place(&self, config: &Config, state: &State) -> bool {
        if !self.removed.is_empty() || !self.unreadable.is_empty() || !self.assets.is_empty() {
            return false;
        }
        let site = &state.checked.site;
        let leaves_site = |doc: &Document| doc.front.draft && !config.build.drafts;
        self.parsed.iter().all(|(doc, _)| {
            let rel = &doc.source.rel;
            match site.page_by_source(rel) {
                Some(page) => {
                    let kind = if doc.is_section_index() {
                        PageKind::Section
                    } else {
                        PageKind::Runbook
                    };
                    !leaves_site(doc)
                        && link::page_url(doc, kind) == page.url
                        && (kind == PageKind::Runbook || doc.front.kind == page.doc.front.kind)
                }
                // A draft stays a draft; the second of two sources on one URL may take it.
                None => state.left_out.get(rel).is_some_and(leaves_site) && leaves_site(doc),
            }
        })
    }
}

/// Documents and load results after looking at the disk.
struct Scanned {
    documents: BTreeMap<String, Document>,
    earlier: BTreeMap<String, Vec<Diagnostic>>,
    unreadable: BTreeSet<String>,
    assets: BTreeSet<String>,
    parsed: usize,
}

impl Scanned {
    /// Walks the whole content folder; documents whose text is unchanged are reused, not parsed.
    fn walk(
        config: &Config,
        mut known: BTreeMap<String, Document>,
        mut known_diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    ) -> Result<Scanned> {
        let loaded = load::load(config)?;
        let mut earlier: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        let mut unreadable = BTreeSet::new();
        for diagnostic in loaded.diagnostics {
            let rel = diagnostic
                .file
                .strip_prefix(&format!(
                    "{}/",
                    config
                        .build
                        .content_dir
                        .to_string_lossy()
                        .trim_end_matches('/')
                ))
                .unwrap_or(&diagnostic.file)
                .to_string();
            unreadable.insert(rel.clone());
            earlier.entry(rel).or_default().push(diagnostic);
        }
        let mut documents = BTreeMap::new();
        let mut to_parse = Vec::new();
        for source in loaded.files {
            match known.remove(&source.rel) {
                Some(doc) if doc.source.text == source.text => {
                    if let Some(diagnostics) = known_diagnostics.remove(&source.rel) {
                        earlier.insert(source.rel.clone(), diagnostics);
                    }
                    documents.insert(source.rel.clone(), doc);
                }
                _ => to_parse.push(source),
            }
        }
        let parsed = to_parse.len();
        let results: Vec<(Document, Vec<Diagnostic>)> = {
            use rayon::prelude::*;
            to_parse
                .into_par_iter()
                .map(|source| parse::parse_document(config, source))
                .collect()
        };
        for (doc, diagnostics) in results {
            let rel = doc.source.rel.clone();
            if !diagnostics.is_empty() {
                earlier.insert(rel.clone(), diagnostics);
            }
            documents.insert(rel, doc);
        }
        Ok(Scanned {
            documents,
            earlier,
            unreadable,
            assets: loaded.assets.into_iter().map(|(rel, _)| rel).collect(),
            parsed,
        })
    }
}

/// A content path that is (or was) a folder needs a walk: its files are not known one by one.
fn needs_rescan(config: &Config, changed: &BTreeSet<String>, state: &State) -> bool {
    changed.iter().any(|rel| {
        let path = config.content_dir().join(rel);
        if path.is_dir() {
            return true;
        }
        let prefix = format!("{rel}/");
        let under = |known: &mut dyn Iterator<Item = &String>| {
            known.next().is_some_and(|k| k.starts_with(&prefix))
        };
        !path.exists()
            && (under(
                &mut state
                    .checked
                    .site
                    .by_source
                    .range(prefix.clone()..)
                    .map(|(k, _)| k),
            ) || under(&mut state.left_out.range(prefix.clone()..).map(|(k, _)| k))
                || under(&mut state.unreadable.range(prefix.clone()..))
                || under(&mut state.assets.range(prefix.clone()..)))
    })
}
