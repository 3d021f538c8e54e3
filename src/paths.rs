//! Stage 5 (end), output paths: every file the site will have, decided before anything renders, so
//! that `check` reports every collision `build` would meet and the output never depends on which
//! thread finished first.
//!
//! Paths are claimed in a fixed order, and the first claim wins:
//! 1. what rb-site generates for the whole site: the home page, `404.html`, `sitemap.xml`,
//!    `alerts/index.html` and `alerts.json`, the taxonomy pages (`tags/`, `services/`,
//!    `owners/`, `severities/` and their terms), all of `print/` (the print binders, one per
//!    service), and the files of the folders `static/` (the theme's) and `search/` (the
//!    index's `.js` shards), where pages may live.
//!    A content page or file on one of these paths is a `reserved-path` error, never written;
//! 2. content pages (two pages on one URL were already told apart by the link stage);
//! 3. the section pages rb-site generates for folders without `_index.md` (one that gives way
//!    is a `section-page-replaced` warning);
//! 4. alert pages and their `url-aliases` (the alert stage already let content pages win);
//! 5. front-matter `aliases` (an alias on a taken path is `duplicate-url`; one that climbs out
//!    of the site is `invalid-field`);
//! 6. the other content files, copied as they are.
//!
//! Every path that wins is also checked against file-system limits: a path segment longer than
//! 255 bytes (a long slug, alert name or tag) is a `path-too-long` error.

use std::borrow::Cow;
use std::collections::BTreeSet;

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::alerts::AlertGraph;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{PageKind, Site, slugify};

/// The longest file name most file systems accept, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Which paths of a reserved folder rb-site may write.
type Reserves = fn(&str) -> bool;

/// Folders where rb-site writes files whose names depend on the site or may change between
/// versions (theme files, index shards, print binders), what it puts there, and which of the
/// names there it reserves. Pages (`…/index.html`) may live in `static/` and `search/`: rb-site
/// writes no page there.
const RESERVED_FOLDERS: &[(&str, &str, Reserves)] = &[
    ("static/", "the theme's files", |name| {
        !name.ends_with("/index.html")
    }),
    ("search/", "the search index", |name| name.ends_with(".js")),
    ("print/", "the print binders", |_| true),
];

/// What the render stage writes besides what it always writes: the losers of every collision
/// are left out, whichever thread would have reached the path first.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OutputPlan {
    /// Content pages (by index into [`Site::pages`]) whose path rb-site generates.
    pub(crate) lost_pages: BTreeSet<usize>,
    /// Folders whose generated section page gives way to another output.
    pub(crate) lost_sections: BTreeSet<String>,
    /// Alert redirect files that give way.
    pub(crate) lost_redirects: BTreeSet<String>,
    /// Front-matter aliases to write: (page index, output path).
    pub(crate) aliases: Vec<(usize, String)>,
    /// Content files (content-relative) that are not copied.
    pub(crate) lost_assets: BTreeSet<String>,
    /// Every path claimed: pages, generated pages, alert pages, aliases, copied files.
    pub(crate) files: PathSet,
}

/// A fingerprint of a set of output paths: the same paths give the same value, in whatever
/// order they were claimed. `serve` compares it before and after a save to learn whether the
/// site gained or lost a file that a page may link to (a new tag's page, an alias, an alert
/// page): then it renders everything before the reload, not only the edited pages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PathSet {
    count: usize,
    /// The wrapping sum of the paths' hashes: a set that changed sums the same only if the
    /// paths it gained hash to the sum of those it lost, a chance of 2^-64.
    sum: u64,
}

impl PathSet {
    fn of<'p>(paths: impl Iterator<Item = &'p str>) -> PathSet {
        let hasher = foldhash::quality::FixedState::with_seed(0x0072_622d_7369_7465);
        paths.fold(PathSet::default(), |set, path| PathSet {
            count: set.count + 1,
            sum: set.sum.wrapping_add(hasher.hash_one(path)),
        })
    }
}

/// Who claimed a path: enough to describe the holder in a message and to point a diagnostic at
/// the claim, without formatting anything for the 60,000 claims that never collide.
#[derive(Debug, Clone)]
enum Claim<'a> {
    /// rb-site's own pages: nothing in the content to point at.
    SiteWide(Cow<'static, str>),
    /// A taxonomy term's page, named first by page `page` in front-matter `field`.
    Term {
        page: usize,
        field: &'static str,
        taxonomy: &'static str,
        value: String,
    },
    /// A page's own file (field `slug`).
    Page(usize),
    /// One of a page's front-matter `aliases`.
    Alias(usize),
    /// A folder's generated section page: the folder as diagnostics name it.
    Section(String),
    /// An alert's page.
    Alert(&'a str),
    /// A content file, copied as it is: its path as diagnostics name it.
    Asset(String),
}

impl Claim<'_> {
    /// The holder, as a message names it.
    fn describe(&self, site: &Site) -> String {
        match self {
            Claim::SiteWide(what) => what.to_string(),
            Claim::Term {
                taxonomy, value, ..
            } => format!("the {taxonomy} page of {value:?}"),
            Claim::Page(i) => site.pages[*i].doc.source.path.clone(),
            Claim::Alias(i) => format!("an alias of {}", site.pages[*i].doc.source.path),
            Claim::Section(folder) => format!("the section page of {folder}"),
            Claim::Alert(alert) => format!("the page of alert {alert:?}"),
            Claim::Asset(file) => file.clone(),
        }
    }
}

/// Who holds each path. Keys borrow from the site and the alert graph where they can; `serve`
/// plans every path again after each save, so this is a hash map (60,000 paths at 10,000
/// runbooks).
struct Claims<'a> {
    site: &'a Site,
    taken: FxHashMap<Cow<'a, str>, Claim<'a>>,
}

impl<'a> Claims<'a> {
    /// Claims `path` unless it is taken, exactly or by a reserved folder; returns who holds it
    /// when it is. One lookup of the table per claim: at 60,000 paths the table does not fit
    /// in the cache, and each lookup is a miss.
    fn claim(&mut self, path: impl Into<Cow<'a, str>>, claim: Claim<'a>) -> Result<(), String> {
        match self.taken.entry(path.into()) {
            Entry::Occupied(taken) => Err(taken.get().describe(self.site)),
            Entry::Vacant(free) => {
                if let Some((folder, what, _)) =
                    RESERVED_FOLDERS.iter().find(|(folder, _, reserves)| {
                        free.key().starts_with(folder) && reserves(free.key())
                    })
                {
                    return Err(format!("the folder {folder}, {what}"));
                }
                free.insert(claim);
                Ok(())
            }
        }
    }
}

/// Decides every output path of a checked site: what [`crate::render`] writes, and the
/// diagnostics about paths that collide or cannot be written.
pub(crate) fn plan<'a>(
    config: &Config,
    site: &'a Site,
    graph: &'a AlertGraph,
) -> (OutputPlan, Vec<Diagnostic>) {
    let content_dir = content_prefix(config, site);
    let mut plan = OutputPlan::default();
    let mut diagnostics = Vec::new();
    let mut claims = Claims {
        site,
        taken: FxHashMap::default(),
    };
    claims
        .taken
        .reserve(site.pages.len() + graph.redirects.len() + site.assets.len());
    let mut site_wide = vec![
        ("index.html", "the home page"),
        ("404.html", "the not-found page"),
        ("alerts/index.html", "the alerts index"),
        ("alerts.json", "the alert map"),
        ("review-overdue/index.html", "the list of overdue reviews"),
    ];
    if config.book.base_url.is_some() {
        site_wide.push(("sitemap.xml", "the sitemap"));
    }
    for (path, what) in site_wide {
        claims
            .taken
            .insert(path.into(), Claim::SiteWide(what.into()));
    }
    for &crate::model::Taxonomy { name, field, .. } in crate::model::TAXONOMIES {
        claims.taken.insert(
            format!("{name}/index.html").into(),
            Claim::SiteWide(format!("the {name} index").into()),
        );
        let mut seen = FxHashSet::default();
        for (i, page) in site.pages.iter().enumerate() {
            if page.kind != PageKind::Runbook {
                continue;
            }
            for value in page.taxonomy_values(name) {
                if !seen.insert(value) {
                    continue;
                }
                let path = format!("{name}/{}/index.html", slugify(value));
                claims
                    .taken
                    .entry(path.into())
                    .or_insert_with(|| Claim::Term {
                        page: i,
                        field,
                        taxonomy: name,
                        value: value.to_string(),
                    });
            }
        }
    }

    for (i, page) in site.pages.iter().enumerate() {
        let Some(path) = page.output_path() else {
            continue;
        };
        if let Err(holder) = claims.claim(path, Claim::Page(i)) {
            // Made again for the message: a path given up is rare, a copy of every path is not.
            let path = page.output_path().unwrap_or_default();
            plan.lost_pages.insert(i);
            let span = page.doc.field_spans.get("slug").cloned().unwrap_or(0..0);
            let help = if page.kind == PageKind::Section {
                "rename the folder: rb-site generates this path, so the page cannot be written there"
            } else {
                "give the page another `slug` or file name, or move it to another folder"
            };
            diagnostics.push(
                page.doc
                    .source_ref()
                    .diag(
                        "reserved-path",
                        span,
                        format!(
                            "{} would be written to {path}, which is {holder}",
                            page.doc.source.path
                        ),
                    )
                    .with_help(help),
            );
        }
    }

    for (dir, section) in &site.sections {
        if dir.is_empty() || section.index_page.is_some() {
            continue;
        }
        let path = format!("{}index.html", section_url(dir));
        if let Err(holder) =
            claims.claim(path.clone(), Claim::Section(format!("{content_dir}{dir}/")))
        {
            plan.lost_sections.insert(dir.clone());
            let first = section.pages.first().map(|&i| &site.pages[i]);
            let message = format!(
                "the folder {content_dir}{dir}/ has no _index.md and its generated section page, {path}, is {holder}: the folder has no section page"
            );
            let diagnostic = match first {
                Some(page) => {
                    Diagnostic::file(&page.doc.source.path, "section-page-replaced", message)
                }
                None => Diagnostic::file(
                    &format!("{content_dir}{dir}/"),
                    "section-page-replaced",
                    message,
                ),
            };
            diagnostics.push(
                diagnostic.with_help("rename the folder to give it a section page of its own"),
            );
        }
    }

    for (file, alert) in &graph.redirects {
        if let Err(holder) = claims.claim(file.as_str(), Claim::Alert(alert)) {
            plan.lost_redirects.insert(file.clone());
            let message = format!("the page of alert {alert:?}, {file}, is {holder}");
            diagnostics.push(alert_diagnostic(
                site,
                graph,
                alert,
                "duplicate-url",
                message,
            ));
        }
    }

    for (i, page) in site.pages.iter().enumerate() {
        if plan.lost_pages.contains(&i) {
            continue;
        }
        for alias in &page.doc.front.aliases {
            let span = page.doc.field_spans.get("aliases").cloned().unwrap_or(0..0);
            let path = alias_path(alias);
            if path.split('/').any(|s| s == ".." || s == ".") {
                diagnostics.push(page.doc.source_ref().diag(
                    "invalid-field",
                    span,
                    format!("alias {alias:?} leaves the site"),
                ));
                continue;
            }
            match claims.claim(path.clone(), Claim::Alias(i)) {
                Ok(()) => plan.aliases.push((i, path)),
                Err(holder) => diagnostics.push(page.doc.source_ref().diag(
                    "duplicate-url",
                    span,
                    format!("alias {alias:?} would overwrite {path}, which is {holder}"),
                )),
            }
        }
    }

    for asset in &site.assets {
        if let Err(holder) = claims.claim(
            asset.as_str(),
            Claim::Asset(format!("{content_dir}{asset}")),
        ) {
            plan.lost_assets.insert(asset.clone());
            diagnostics.push(
                Diagnostic::file(
                    &format!("{content_dir}{asset}"),
                    "reserved-path",
                    format!("{content_dir}{asset} would be copied to {asset}, which is {holder}"),
                )
                .with_help("move the file to another folder"),
            );
        }
    }

    // File-system limits, on every path that is written, in path order.
    let mut long: Vec<(&str, &Claim)> = claims
        .taken
        .iter()
        .filter(|(path, _)| path.len() > MAX_NAME_BYTES)
        .map(|(path, claim)| (path.as_ref(), claim))
        .collect();
    long.sort_unstable_by_key(|&(path, _)| path);
    for (path, claim) in long {
        let Some(long) = path.split('/').find(|s| s.len() > MAX_NAME_BYTES) else {
            continue;
        };
        let message = format!(
            "the output path {}… has a name of {} bytes; file systems allow {MAX_NAME_BYTES}",
            truncate(path, 60),
            long.len()
        );
        let at_field = |i: usize, field: &str| {
            let page = &site.pages[i];
            let span = page.doc.field_spans.get(field).cloned().unwrap_or(0..0);
            page.doc
                .source_ref()
                .diag("path-too-long", span, message.clone())
        };
        let diagnostic = match claim {
            Claim::Term { page, field, .. } => at_field(*page, field),
            Claim::Page(i) => at_field(*i, "slug"),
            Claim::Alias(i) => at_field(*i, "aliases"),
            Claim::Alert(alert) => {
                alert_diagnostic(site, graph, alert, "path-too-long", message.clone())
            }
            Claim::Section(file) | Claim::Asset(file) => {
                Diagnostic::file(file, "path-too-long", message.clone())
            }
            Claim::SiteWide(_) => continue,
        };
        diagnostics.push(diagnostic.with_help(
            "shorten the name (the page's `slug` or file name, the alert's name, the tag)",
        ));
    }
    plan.files = PathSet::of(claims.taken.keys().map(AsRef::as_ref));
    (plan, diagnostics)
}

/// A diagnostic about an alert's page: at its first rule, else at the runbook that claims it.
fn alert_diagnostic(
    site: &Site,
    graph: &AlertGraph,
    alert: &str,
    code: &'static str,
    message: String,
) -> Diagnostic {
    let entry = graph.entries.get(alert);
    if let Some(rule) = entry
        .and_then(|e| e.rules.first())
        .map(|&r| &graph.rules[r])
    {
        return Diagnostic::at(&rule.file, rule.line, rule.column, code, message);
    }
    match entry.and_then(|e| e.runbook).map(|i| &site.pages[i]) {
        Some(page) => {
            let span = page.doc.field_spans.get("alerts").cloned().unwrap_or(0..0);
            page.doc.source_ref().diag(code, span, message)
        }
        None => Diagnostic::file(crate::config::CONFIG_FILE, code, message),
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The file an alias is written to: `old/path/` is `old/path/index.html`, `x.html` itself.
pub(crate) fn alias_path(alias: &str) -> String {
    let trimmed = alias.trim().trim_start_matches('/');
    if trimmed.ends_with(".html") {
        trimmed.to_string()
    } else if trimmed.is_empty() {
        "index.html".to_string()
    } else {
        format!("{}/index.html", trimmed.trim_end_matches('/'))
    }
}

/// The URL of a folder's generated section page (as the render stage writes it).
fn section_url(dir: &str) -> String {
    let slugs: Vec<String> = dir.split('/').map(slugify).collect();
    format!("{}/", slugs.join("/"))
}

/// The content folder as diagnostics name files (`content/`): as the pages' paths show it.
fn content_prefix(config: &Config, site: &Site) -> String {
    if let Some(page) = site.pages.first() {
        let source = &page.doc.source;
        return source
            .path
            .strip_suffix(source.rel.as_str())
            .unwrap_or("")
            .to_string();
    }
    let dir = config
        .build
        .content_dir
        .to_string_lossy()
        .replace('\\', "/");
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    if dir.is_empty() || dir == "." {
        String::new()
    } else {
        format!("{dir}/")
    }
}
