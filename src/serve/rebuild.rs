//! The incremental builder behind `serve`: it keeps the parsed documents, the rendered bodies
//! and the rendered files between builds, re-reads and re-parses only the files that changed,
//! and re-renders only the pages whose inputs changed plus the site-wide pages.
//!
//! What a change costs:
//! - one runbook's text: that file is read and parsed again; its page, its section neighbours
//!   and its section's page when what lists it changed (title, front matter), and the
//!   site-wide pages (home, sections without `_index.md`, taxonomies, print, navigation);
//! - a page added, removed or moved (the list of pages and URLs changed): every page is
//!   rendered again, with the unchanged Markdown bodies taken from the cache;
//! - `book.toml`: everything, from a fresh parse; a template or a rule file: every page, with
//!   the documents and bodies kept.
//!
//! The result equals a full build file for file; a test checks it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::Result;

use crate::Checked;
use crate::config::Config;
use crate::diag::{Diagnostic, Report};
use crate::model::{Document, Page, PageKind, Site};
use crate::render::{PageSet, RenderCache, page_output_path};
use crate::{check_site, link, load, parse, render_site_pages};

/// One file of the site in memory, with its ETag computed on first request (hashing a large
/// `print.html` on every rebuild would cost more than the rebuild).
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

/// The whole site in memory: output path -> file.
pub(crate) type Files = HashMap<String, Arc<SiteFile>>;

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
    /// Output files rendered by this build (the rest were kept from the previous one).
    pub(crate) rendered: usize,
    /// Markdown files parsed by this build.
    pub(crate) parsed: usize,
    pub(crate) full: bool,
    /// `print.html` was left for [`Builder::render_print`]: it is stale in `files`.
    pub(crate) print_pending: bool,
    pub(crate) millis: f64,
}

/// Parsed documents between builds. While a build is not running they live in the
/// [`Site`] of the last [`Checked`] (and drafts, which the link stage leaves out, here).
struct State {
    checked: Checked,
    drafts: BTreeMap<String, Document>,
    /// Load and parse diagnostics by content-relative path.
    earlier: BTreeMap<String, Vec<Diagnostic>>,
    /// Markdown files that could not be read (their diagnostics are in `earlier`).
    unreadable: BTreeSet<String>,
    assets: BTreeSet<String>,
    files: Arc<Files>,
}

/// Builds the site again and again, as cheaply as the change allows.
pub(crate) struct Builder {
    config: Config,
    state: Option<State>,
    cache: RenderCache,
    /// Leave `print.html` (every body in one page, the slowest output) out of incremental
    /// builds, for [`Builder::render_print`] after the reload.
    defer_print: bool,
}

impl Builder {
    pub(crate) fn new(config: Config, defer_print: bool) -> Builder {
        Builder {
            config,
            state: None,
            cache: RenderCache::default(),
            defer_print,
        }
    }

    /// Renders the `print.html` an incremental build left out; returns every file, now current.
    pub(crate) fn render_print(&mut self) -> Result<Arc<Files>> {
        let Some(state) = self.state.as_mut() else {
            return Ok(Arc::default());
        };
        let which = PageSet::Only {
            pages: BTreeSet::new(),
            listings: false,
            print: true,
        };
        let output = render_site_pages(&self.config, &mut state.checked, &which, &mut self.cache)?;
        let mut files: Files = (*state.files).clone();
        for (path, bytes) in output.files {
            files.insert(path, Arc::new(SiteFile::new(bytes)));
        }
        state.files = Arc::new(files);
        Ok(Arc::clone(&state.files))
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Replaces the configuration (after `book.toml` changed): the next build starts afresh.
    pub(crate) fn set_config(&mut self, config: Config) {
        self.config = config;
        self.state = None;
        self.cache = RenderCache::default();
    }

    /// Builds the site: from scratch the first time, then as `changes` require.
    pub(crate) fn build(&mut self, changes: &Changes) -> Result<Built> {
        let started = Instant::now();
        let previous = self.state.take();
        let result = match previous {
            Some(state) if !changes.config => self.incremental(state, changes),
            _ => self.full(),
        };
        let (state, mut built) = result?;
        built.millis = started.elapsed().as_secs_f64() * 1000.0;
        built.report = state.checked.report.clone();
        self.state = Some(state);
        Ok(built)
    }

    fn full(&mut self) -> Result<(State, Built)> {
        self.cache = RenderCache::default();
        let scanned = Scanned::walk(&self.config, BTreeMap::new(), BTreeMap::new())?;
        let parsed = scanned.parsed;
        self.finish(scanned, PageSet::All, None, parsed, true)
    }

    fn incremental(&mut self, state: State, changes: &Changes) -> Result<(State, Built)> {
        let State {
            checked,
            mut drafts,
            mut earlier,
            mut unreadable,
            mut assets,
            files,
        } = state;
        let before = Before::of(&checked, &changes.content);
        let mut documents: BTreeMap<String, Document> = checked
            .site
            .pages
            .into_iter()
            .map(|page| (page.doc.source.rel.clone(), page.doc))
            .collect();
        documents.append(&mut drafts);

        let rescan = changes.rescan || needs_rescan(&self.config, &changes.content, &documents);
        let assets_changed = changes
            .content
            .iter()
            .any(|rel| !load::is_markdown(Path::new(rel)));
        let scanned = if rescan {
            Scanned::walk(&self.config, documents, earlier)?
        } else {
            let mut parsed = 0;
            let mut changed = BTreeSet::new();
            for rel in &changes.content {
                let path = self.config.content_dir().join(rel);
                if !load::is_markdown(Path::new(rel)) {
                    if path.is_file() {
                        assets.insert(rel.clone());
                    } else {
                        assets.remove(rel);
                    }
                    continue;
                }
                unreadable.remove(rel);
                if !path.is_file() {
                    documents.remove(rel);
                    earlier.remove(rel);
                    continue;
                }
                match load::load_one(&self.config, rel) {
                    Ok(source) => {
                        if documents
                            .get(rel)
                            .is_some_and(|doc| doc.source.text == source.text)
                        {
                            continue;
                        }
                        let (doc, diagnostics) = parse::parse_document(&self.config, source);
                        parsed += 1;
                        changed.insert(rel.clone());
                        documents.insert(rel.clone(), doc);
                        earlier.insert(rel.clone(), diagnostics);
                    }
                    Err(diagnostic) => {
                        documents.remove(rel);
                        unreadable.insert(rel.clone());
                        earlier.insert(rel.clone(), vec![diagnostic]);
                    }
                }
            }
            Scanned {
                documents,
                earlier,
                unreadable,
                assets,
                changed,
                parsed,
            }
        };
        let parsed = scanned.parsed;
        let which = if changes.all_pages {
            PageSet::All
        } else {
            PageSet::Only {
                pages: BTreeSet::new(),
                listings: assets_changed,
                print: !self.defer_print,
            }
        };
        self.finish(scanned, which, Some((before, files)), parsed, rescan)
    }

    /// Links, checks and renders the scanned documents; `which` is widened by what changed.
    fn finish(
        &mut self,
        scanned: Scanned,
        which: PageSet,
        previous: Option<(Before, Arc<Files>)>,
        parsed: usize,
        full: bool,
    ) -> Result<(State, Built)> {
        let Scanned {
            documents,
            earlier,
            unreadable,
            assets,
            changed,
            ..
        } = scanned;
        let drafts: BTreeMap<String, Document> = if self.config.build.drafts {
            BTreeMap::new()
        } else {
            documents
                .iter()
                .filter(|(_, doc)| doc.front.draft)
                .map(|(rel, doc)| (rel.clone(), doc.clone()))
                .collect()
        };
        let files_count = documents.len() + unreadable.len();
        let mut ordered: Vec<Document> = documents.into_values().collect();
        // The order `load` walks in (file names sorted within each folder), so that linking
        // sees the documents exactly as a full build does.
        ordered.sort_by(|a, b| a.source.rel.split('/').cmp(b.source.rel.split('/')));
        let mut diagnostics: Vec<Diagnostic> = earlier.values().flatten().cloned().collect();
        let (site, link_diagnostics) = link::link(&self.config, ordered, assets.clone());
        diagnostics.extend(link_diagnostics);
        let mut checked = check_site(&self.config, site, diagnostics, files_count)?;

        let which = match (which, &previous) {
            (
                PageSet::Only {
                    listings, print, ..
                },
                Some((before, _)),
            ) => before.pages_to_render(&checked, &changed, listings, print),
            _ => PageSet::All,
        };
        let output = render_site_pages(&self.config, &mut checked, &which, &mut self.cache)?;
        let rendered = output.files.len();
        let mut files: Files = output
            .files
            .into_iter()
            .map(|(path, bytes)| (path, Arc::new(SiteFile::new(bytes))))
            .collect();
        if let (
            PageSet::Only {
                listings, print, ..
            },
            Some((_, old_files)),
        ) = (&which, &previous)
        {
            // What this render left out keeps the file the last render made: pages, and the
            // site-wide outputs it skipped (same pages, same listings: the same paths).
            let mut keep = |path: &String| {
                if !files.contains_key(path)
                    && let Some(file) = old_files.get(path)
                {
                    files.insert(path.clone(), Arc::clone(file));
                }
            };
            if *listings {
                for path in checked.site.pages.iter().filter_map(page_output_path) {
                    keep(&path);
                }
                if !*print {
                    keep(&"print.html".to_string());
                }
            } else {
                for path in old_files.keys() {
                    keep(path);
                }
            }
        }
        let print_pending = matches!(which, PageSet::Only { print: false, .. });
        let files = Arc::new(files);
        let state = State {
            checked,
            drafts,
            earlier,
            unreadable,
            assets,
            files: Arc::clone(&files),
        };
        let built = Built {
            files,
            report: Report::default(),
            rendered,
            parsed,
            full: full || which == PageSet::All,
            print_pending,
            millis: 0.0,
        };
        Ok((state, built))
    }
}

/// Documents and load results after looking at the disk.
struct Scanned {
    documents: BTreeMap<String, Document>,
    earlier: BTreeMap<String, Vec<Diagnostic>>,
    unreadable: BTreeSet<String>,
    assets: BTreeSet<String>,
    /// Documents parsed afresh because their text changed.
    changed: BTreeSet<String>,
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
        let changed: BTreeSet<String> = to_parse.iter().map(|s| s.rel.clone()).collect();
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
            changed,
            parsed,
        })
    }
}

/// A content path that is (or was) a folder needs a walk: its files are not known one by one.
fn needs_rescan(
    config: &Config,
    changed: &BTreeSet<String>,
    known: &BTreeMap<String, Document>,
) -> bool {
    changed.iter().any(|rel| {
        let path = config.content_dir().join(rel);
        if path.is_dir() {
            return true;
        }
        let prefix = format!("{rel}/");
        !path.exists()
            && known
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix))
    })
}

/// What the previous build showed of the pages that are about to change.
struct Before {
    /// Hash of (source, URL, kind) of every page, in site order: if this changes, every page does.
    structure: blake3::Hash,
    /// What other pages show of each changed page, by source path.
    listings: BTreeMap<String, String>,
    alert_panels: BTreeMap<usize, serde_json::Value>,
    /// Display order (source paths) of the sections holding changed pages, by folder.
    section_orders: BTreeMap<String, Vec<String>>,
}

impl Before {
    fn of(checked: &Checked, changed: &BTreeSet<String>) -> Before {
        Before {
            structure: structure(&checked.site),
            listings: changed
                .iter()
                .filter_map(|rel| {
                    let page = checked.site.page_by_source(rel)?;
                    Some((rel.clone(), listing(page)))
                })
                .collect(),
            alert_panels: checked.extras.alert_panels.clone(),
            section_orders: changed
                .iter()
                .filter_map(|rel| {
                    let dir = checked.site.page_by_source(rel)?.doc.dir().to_string();
                    let order = section_order(&checked.site, &dir);
                    Some((dir, order))
                })
                .collect(),
        }
    }

    /// The pages the change touches: the changed pages; when what lists a page changed, its
    /// section neighbours and its section page; pages whose alert panel changed. A change to
    /// the list of pages, or to a section page's listing (its title is in every breadcrumb
    /// below it), renders every page.
    fn pages_to_render(
        &self,
        checked: &Checked,
        changed: &BTreeSet<String>,
        mut listings: bool,
        print: bool,
    ) -> PageSet {
        let site = &checked.site;
        if structure(site) != self.structure {
            return PageSet::All;
        }
        let mut set = BTreeSet::new();
        for rel in changed {
            let Some(&index) = site.by_source.get(rel) else {
                continue;
            };
            set.insert(index);
            let page = &site.pages[index];
            if self.listings.get(rel) == Some(&listing(page)) {
                continue;
            }
            if page.kind == PageKind::Section {
                return PageSet::All;
            }
            listings = true;
            let dir = page.doc.dir();
            let Some(section) = site.sections.get(dir) else {
                continue;
            };
            set.extend(section.index_page);
            if self.section_orders.get(dir) == Some(&section_order(site, dir)) {
                // Same order: only the previous and next pages show this one.
                if let Some(position) = section.pages.iter().position(|&i| i == index) {
                    set.extend(position.checked_sub(1).map(|p| section.pages[p]));
                    set.extend(section.pages.get(position + 1).copied());
                }
            } else {
                set.extend(section.pages.iter().copied());
            }
        }
        for (index, panel) in &checked.extras.alert_panels {
            if self.alert_panels.get(index) != Some(panel) {
                set.insert(*index);
            }
        }
        for index in self.alert_panels.keys() {
            if !checked.extras.alert_panels.contains_key(index) {
                set.insert(*index);
            }
        }
        PageSet::Only {
            pages: set,
            listings,
            print,
        }
    }
}

fn section_order(site: &Site, dir: &str) -> Vec<String> {
    site.sections.get(dir).map_or_else(Vec::new, |section| {
        section
            .pages
            .iter()
            .map(|&i| site.pages[i].doc.source.rel.clone())
            .collect()
    })
}

/// A hash, not a list: comparing 10,000 pages' paths costs more in allocations than in hashing.
fn structure(site: &Site) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    for page in &site.pages {
        hasher.update(page.doc.source.rel.as_bytes());
        hasher.update(b"\0");
        hasher.update(page.url.as_bytes());
        hasher.update(if page.kind == PageKind::Section {
            b"\0s\0"
        } else {
            b"\0r\0"
        });
    }
    hasher.finalize()
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

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/serve");

    fn copy_fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for entry in walkdir::WalkDir::new(FIXTURE) {
            let entry = entry.expect("fixture entry");
            let rel = entry.path().strip_prefix(FIXTURE).expect("under fixture");
            let target = dir.path().join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
        dir
    }

    /// What `rb-site build` renders for the folder right now.
    fn full_build(root: &Path) -> BTreeMap<String, Vec<u8>> {
        let config = Config::load(root).expect("config");
        let mut checked = crate::check(&config).expect("check");
        crate::render_site(&config, &mut checked)
            .expect("render")
            .files
    }

    /// Builds, then renders the deferred print page as `serve` does once edits pause.
    fn build(builder: &mut Builder, changes: &Changes) -> Built {
        let mut built = builder.build(changes).expect("build");
        if built.print_pending {
            built.files = builder.render_print().expect("print");
        }
        built
    }

    fn assert_same_as_full_build(built: &Built, root: &Path, step: &str) {
        let full = full_build(root);
        let incremental: BTreeMap<&String, &Vec<u8>> =
            built.files.iter().map(|(p, f)| (p, &f.bytes)).collect();
        assert_eq!(
            incremental.keys().copied().collect::<Vec<_>>(),
            full.keys().collect::<Vec<_>>(),
            "{step}: the same paths"
        );
        for (path, bytes) in &full {
            assert!(
                incremental[path] == bytes,
                "{step}: {path} differs from a full build"
            );
        }
    }

    fn content_change(rel: &str) -> Changes {
        Changes {
            content: [rel.to_string()].into(),
            ..Changes::default()
        }
    }

    fn edit(root: &Path, rel: &str, from: &str, to: &str) {
        let path = root.join("content").join(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{rel} contains {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    #[test]
    fn incremental_rebuilds_equal_a_full_build_file_for_file() {
        let dir = copy_fixture();
        let root = dir.path();
        let mut builder = Builder::new(Config::load(root).expect("config"), true);
        let first = builder.build(&Changes::default()).expect("first build");
        assert!(first.full);
        assert_eq!(first.parsed, 5);
        assert_same_as_full_build(&first, root, "first build");
        let total = first.files.len();

        // A body edit: one file parsed, only that page and the site-wide pages rendered.
        edit(
            root,
            "db/failover.md",
            "Promote the replica when",
            "Promote the standby when",
        );
        let built = build(&mut builder, &content_change("db/failover.md"));
        assert_eq!((built.parsed, built.full), (1, false));
        assert!(
            built.rendered < total,
            "{} of {total} rendered",
            built.rendered
        );
        assert!(
            String::from_utf8_lossy(&built.files["db/failover/index.html"].bytes)
                .contains("Promote the standby when")
        );
        assert_same_as_full_build(&built, root, "body edit");

        // A file saved unchanged: nothing parsed.
        let built = build(&mut builder, &content_change("db/failover.md"));
        assert_eq!(built.parsed, 0);
        assert_same_as_full_build(&built, root, "touch");

        // A title change: its neighbours and its section list it.
        edit(
            root,
            "db/backup.md",
            "title: \"Backup restore\"",
            "title: \"Restore a backup\"",
        );
        let built = build(&mut builder, &content_change("db/backup.md"));
        assert!(!built.full);
        assert_same_as_full_build(&built, root, "title change");

        // A heading another page links to by anchor disappears.
        edit(root, "db/backup.md", "## Restore\n", "## Restoring\n");
        let built = build(&mut builder, &content_change("db/backup.md"));
        assert_same_as_full_build(&built, root, "anchor change");

        // A new page, written through a temp file and a rename.
        let new = root.join("content/api/errors.md");
        let tmp = root.join("content/api/.errors.md.tmp");
        std::fs::write(&tmp, "---\ntitle: API errors\nowner: team-edge\nkind: reference\ntags: [api]\n---\n\n# API errors\n\nSee [latency](latency.md).\n").expect("tmp");
        std::fs::rename(&tmp, &new).expect("rename");
        let built = build(&mut builder, &content_change("api/errors.md"));
        assert!(built.full, "a new page renders every page");
        assert!(built.files.contains_key("api/errors/index.html"));
        assert_same_as_full_build(&built, root, "new page");

        // A broken front matter, then fixed.
        edit(
            root,
            "api/errors.md",
            "title: API errors",
            "title: [API errors",
        );
        let syntax_errors = |built: &Built| {
            built
                .report
                .diagnostics()
                .iter()
                .filter(|d| d.code == "front-matter-syntax")
                .count()
        };
        let built = build(&mut builder, &content_change("api/errors.md"));
        assert_eq!(syntax_errors(&built), 1);
        assert_same_as_full_build(&built, root, "broken front matter");
        edit(
            root,
            "api/errors.md",
            "title: [API errors",
            "title: API errors",
        );
        let built = build(&mut builder, &content_change("api/errors.md"));
        assert_eq!(syntax_errors(&built), 0);
        assert_same_as_full_build(&built, root, "fixed front matter");

        // A section title is in every breadcrumb below it.
        edit(
            root,
            "db/_index.md",
            "title: \"Database\"",
            "title: \"Postgres\"",
        );
        let built = build(&mut builder, &content_change("db/_index.md"));
        assert_same_as_full_build(&built, root, "section title");

        // A link to a file that does not exist yet; when it appears, the linking page changes.
        edit(
            root,
            "db/failover.md",
            "Check [the backup]",
            "See [the diagram](diagram.txt). Check [the backup]",
        );
        let built = build(&mut builder, &content_change("db/failover.md"));
        assert_same_as_full_build(&built, root, "broken link");

        // A page removed; an asset added; a folder removed as a whole.
        std::fs::remove_file(&new).expect("remove");
        std::fs::write(root.join("content/db/diagram.txt"), "a diagram").expect("asset");
        let mut changes = content_change("api/errors.md");
        changes.content.insert("db/diagram.txt".into());
        let built = build(&mut builder, &changes);
        assert!(built.files.contains_key("db/diagram.txt"));
        assert!(
            String::from_utf8_lossy(&built.files["db/failover/index.html"].bytes)
                .contains("href=\"../../db/diagram.txt\""),
            "the link resolves now"
        );
        assert!(!built.files.contains_key("api/errors/index.html"));
        assert_same_as_full_build(&built, root, "page removed, asset added");
        std::fs::remove_dir_all(root.join("content/api")).expect("remove folder");
        let built = build(&mut builder, &content_change("api"));
        assert!(!built.files.contains_key("api/latency/index.html"));
        assert_same_as_full_build(&built, root, "folder removed");

        // A template of the site's own theme: every page, documents kept.
        let templates = root.join("themes/default/templates");
        std::fs::create_dir_all(&templates).expect("theme dir");
        let base = String::from_utf8_lossy(
            crate::theme::DEFAULT_THEME
                .iter()
                .find(|(p, _)| *p == "templates/base.html")
                .expect("base.html")
                .1,
        )
        .replace("</body>", "<!-- custom --></body>");
        std::fs::write(templates.join("base.html"), base).expect("template");
        let built = build(
            &mut builder,
            &Changes {
                all_pages: true,
                ..Changes::default()
            },
        );
        assert_eq!((built.parsed, built.full), (0, true));
        assert!(
            String::from_utf8_lossy(&built.files["db/failover/index.html"].bytes)
                .contains("<!-- custom -->")
        );
        assert_same_as_full_build(&built, root, "template change");
    }
}
