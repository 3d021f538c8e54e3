//! Stage 3, link: place documents in the site. Every page gets its URL, kind, title and alert
//! claims; folders become sections; tags are gathered; and links between pages are resolved.
//!
//! URL scheme: `content/<dir>/<name>.md` is `<dir>/<slug>/` (written as `<dir>/<slug>/index.html`),
//! with the slug from front matter or the file name; `content/<dir>/_index.md` is `<dir>/`.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Document, Page, PageId, PageKind, Section, Site, slugify};

/// Places documents into a [`Site`]. Drafts are left out unless `[build] drafts = true`.
pub fn link(
    config: &Config,
    docs: Vec<Document>,
    assets: BTreeSet<String>,
) -> (Site, Vec<Diagnostic>) {
    let linked = link_parts(config, docs, assets);
    let mut diagnostics: Vec<Diagnostic> = linked.by_page.into_values().flatten().collect();
    diagnostics.extend(linked.duplicates);
    (linked.site, diagnostics)
}

/// What [`link`] makes of the documents, kept apart for `serve`, which places a changed page
/// again on its own ([`place`]) while the list of pages and their URLs stay the same.
#[derive(Debug)]
pub(crate) struct Linked {
    pub(crate) site: Site,
    /// Diagnostics about one page's placement (an unknown `kind`), by page id.
    pub(crate) by_page: BTreeMap<PageId, Vec<Diagnostic>>,
    /// Diagnostics between pages: two sources on one URL.
    pub(crate) duplicates: Vec<Diagnostic>,
    /// Documents not in the site: drafts, and the second of two sources on one URL.
    pub(crate) left_out: Vec<Document>,
}

/// [`link`], with its diagnostics by kind and the documents it left out.
pub(crate) fn link_parts(config: &Config, docs: Vec<Document>, assets: BTreeSet<String>) -> Linked {
    let mut by_page: BTreeMap<PageId, Vec<Diagnostic>> = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut left_out = Vec::new();
    // A draft left out of the site sets nothing for the pages below it, as `serve` sees it too
    // (it places an edited page with the kinds of the section pages in the site).
    let folder_kinds = folder_kinds(
        docs.iter()
            .filter(|doc| !doc.front.draft || config.build.drafts),
    );

    let mut pages: Vec<Page> = Vec::with_capacity(docs.len());
    for doc in docs {
        if doc.front.draft && !config.build.drafts {
            left_out.push(doc);
            continue;
        }
        let (page, diagnostics) = place(config, doc, &folder_kinds);
        if !diagnostics.is_empty() {
            by_page.insert(page.doc.source.rel.clone(), diagnostics);
        }
        pages.push(page);
    }

    // Sort by URL, then source path, so that of two pages on one URL the first source wins
    // whatever the walk order, and the diagnostic names both.
    pages.sort_by(|a, b| (&a.url, &a.doc.source.rel).cmp(&(&b.url, &b.doc.source.rel)));
    let mut kept: Vec<Page> = Vec::with_capacity(pages.len());
    for page in pages {
        if let Some(first) = kept.last().filter(|p| p.url == page.url) {
            let span = page.doc.field_spans.get("slug").cloned().unwrap_or(0..0);
            duplicates.push(
                page.doc
                    .source_ref()
                    .diag(
                        "duplicate-url",
                        span,
                        format!(
                            "{} and {} both map to the URL /{}",
                            first.doc.source.path, page.doc.source.path, page.url
                        ),
                    )
                    .with_help("give one of them a different `slug` or file name"),
            );
            left_out.push(page.doc);
            continue;
        }
        kept.push(page);
    }

    Linked {
        site: assemble(kept, assets),
        by_page,
        duplicates,
        left_out,
    }
}

/// The `kind` each folder's `_index.md` gives the runbooks below it, by folder.
pub(crate) fn folder_kinds<'a>(
    docs: impl Iterator<Item = &'a Document>,
) -> BTreeMap<String, String> {
    docs.filter(|d| d.is_section_index())
        .filter_map(|d| Some((d.dir().to_string(), d.front.kind.clone()?)))
        .collect()
}

/// One document as a page: its URL, kind, title and alert claims, with the diagnostics about it.
pub(crate) fn place(
    config: &Config,
    doc: Document,
    folder_kinds: &BTreeMap<String, String>,
) -> (Page, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let kind = if doc.is_section_index() {
        PageKind::Section
    } else {
        PageKind::Runbook
    };
    let url = page_url(&doc, kind);
    let runbook_kind = resolve_kind(config, &doc, kind, folder_kinds, &mut diagnostics);
    let alerts = if doc.front.alerts.is_empty()
        && kind == PageKind::Runbook
        && config.name_from_file(&doc.source.rel)
    {
        vec![file_stem(&doc.source.rel).to_string()]
    } else {
        doc.front.alerts.clone()
    };
    let title = doc.title();
    let service_folder = config.service_folder(&doc.source.rel);
    let page = Page {
        doc,
        kind,
        url,
        title,
        runbook_kind,
        alerts,
        service_folder,
    };
    (page, diagnostics)
}

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

pub(crate) fn page_url(doc: &Document, kind: PageKind) -> String {
    let dir = doc.dir();
    let dir_url = dir
        .split('/')
        .filter(|s| !s.is_empty())
        .map(slugify)
        .collect::<Vec<_>>()
        .join("/");
    let prefix = if dir_url.is_empty() {
        String::new()
    } else {
        format!("{dir_url}/")
    };
    match kind {
        PageKind::Section => prefix,
        PageKind::Runbook => {
            let slug = doc
                .front
                .slug
                .as_deref()
                .map(slugify)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| slugify(file_stem(&doc.source.rel)));
            let slug = if slug.is_empty() {
                "page".to_string()
            } else {
                slug
            };
            format!("{prefix}{slug}/")
        }
    }
}

/// A page's runbook kind: its own `kind`, else the nearest folder default, else the site default.
fn resolve_kind(
    config: &Config,
    doc: &Document,
    kind: PageKind,
    folder_kinds: &BTreeMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    if kind == PageKind::Section {
        return "section".into();
    }
    if let Some(own) = &doc.front.kind {
        if config.kinds.contains_key(own) {
            return own.clone();
        }
        let span = doc.field_spans.get("kind").cloned().unwrap_or(0..0);
        let known: Vec<&str> = config.kinds.keys().map(String::as_str).collect();
        diagnostics.push(
            doc.source_ref()
                .diag("invalid-field", span, format!("unknown kind {own:?}"))
                .with_help(format!(
                    "known kinds: {}; define others under [kinds.<name>] in book.toml",
                    known.join(", ")
                )),
        );
    }
    if let Some(path_kind) = config.path_kind(&doc.source.rel) {
        return path_kind.to_string();
    }
    let mut dir = doc.dir();
    loop {
        if let Some(folder_kind) = folder_kinds
            .get(dir)
            .filter(|k| config.kinds.contains_key(*k))
        {
            return folder_kind.clone();
        }
        if dir.is_empty() {
            break;
        }
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
    config.validate.default_kind.clone()
}

/// Builds the lookups over pages sorted by URL.
fn assemble(pages: Vec<Page>, assets: BTreeSet<String>) -> Site {
    let mut site = Site {
        pages,
        assets,
        ..Site::default()
    };
    for (i, page) in site.pages.iter().enumerate() {
        site.by_source.insert(page.doc.source.rel.clone(), i);
        for tag in &page.doc.front.tags {
            site.tags.entry(tag.clone()).or_default().push(i);
        }
        let dir = page.doc.dir().to_string();
        // Every ancestor folder exists as a section, so navigation never skips a level.
        let mut child = dir.clone();
        let mut parent = parent_dir(&dir);
        site.sections.entry(dir.clone()).or_insert_with(|| Section {
            dir: dir.clone(),
            ..Section::default()
        });
        while let Some(p) = parent {
            let section = site
                .sections
                .entry(p.to_string())
                .or_insert_with(|| Section {
                    dir: p.to_string(),
                    ..Section::default()
                });
            if !section.subsections.contains(&child) {
                section.subsections.push(child.clone());
            }
            child = p.to_string();
            parent = parent_dir(p);
        }
        let section = site.sections.get_mut(&dir).expect("inserted above");
        match page.kind {
            PageKind::Section => section.index_page = Some(i),
            PageKind::Runbook => section.pages.push(i),
        }
    }
    let order: Vec<(i64, String)> = site.pages.iter().map(display_key).collect();
    for section in site.sections.values_mut() {
        section
            .pages
            .sort_by(|&a, &b| (&order[a], a).cmp(&(&order[b], b)));
        section.subsections.sort();
    }
    site
}

/// Where a runbook stands in its section: by `weight` (none last), then title in any case;
/// the page index breaks ties.
fn display_key(page: &Page) -> (i64, String) {
    (
        page.doc.front.weight.unwrap_or(i64::MAX),
        page.title.to_lowercase(),
    )
}

/// Puts `page` in place of the page at `index`, which has the same source and the same URL,
/// and keeps the lookups as [`link`] builds them: the page's tags and its place in its
/// section. Returns the page it replaced.
pub(crate) fn replace_page(site: &mut Site, index: usize, page: Page) -> Page {
    let old = std::mem::replace(&mut site.pages[index], page);
    let page = &site.pages[index];
    if old.doc.front.tags != page.doc.front.tags {
        for tag in &old.doc.front.tags {
            if let Some(list) = site.tags.get_mut(tag) {
                list.retain(|&i| i != index);
                if list.is_empty() {
                    site.tags.remove(tag);
                }
            }
        }
        // As `assemble` lists them: page indexes in order, a tag written twice counted twice.
        for tag in &page.doc.front.tags {
            let list = site.tags.entry(tag.clone()).or_default();
            let at = list.partition_point(|&i| i <= index);
            list.insert(at, index);
        }
    }
    let moved = old.title != page.title || old.doc.front.weight != page.doc.front.weight;
    if moved
        && page.kind == PageKind::Runbook
        && let Some(section) = site.sections.get_mut(page.doc.dir())
    {
        section.pages.retain(|&i| i != index);
        let key = (display_key(page), index);
        let pages = &site.pages;
        let at = section
            .pages
            .partition_point(|&i| (display_key(&pages[i]), i) < key);
        section.pages.insert(at, index);
    }
    old
}

fn parent_dir(dir: &str) -> Option<&str> {
    if dir.is_empty() {
        None
    } else {
        Some(dir.rsplit_once('/').map_or("", |(parent, _)| parent))
    }
}

/// What a link destination written in a page points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A URL with a scheme (`https:`, `mailto:`) or protocol-relative: not checked.
    External,
    /// `#fragment` on the same page.
    SamePage(String),
    /// Another page, by index into [`Site::pages`], with an optional fragment.
    Page(usize, Option<String>),
    /// A folder without `_index.md` whose section page rb-site generates: its URL, with an
    /// optional fragment (not checked: a generated page's anchors are the theme's).
    Section(String, Option<String>),
    /// A non-Markdown file in the content folder (content-relative path).
    Asset(String),
    /// Nothing in the site matches; the content-relative path that was looked for.
    Missing(String),
}

/// Resolves a link destination as written in the page `from`.
pub fn resolve(site: &Site, from: &Page, dest: &str) -> Target {
    let dest = dest.trim();
    if dest.is_empty() || has_scheme(dest) || dest.starts_with("//") {
        return Target::External;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment.to_string())),
        None => (dest, None),
    };
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() {
        return match fragment {
            Some(fragment) => Target::SamePage(fragment),
            None => Target::External,
        };
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let joined = if let Some(absolute) = decoded.strip_prefix('/') {
        absolute.to_string()
    } else {
        let dir = from.doc.dir();
        if dir.is_empty() {
            decoded.to_string()
        } else {
            format!("{dir}/{decoded}")
        }
    };
    let Some(normalised) = normalise(&joined) else {
        return Target::Missing(joined);
    };
    if let Some(&i) = site.by_source.get(&normalised) {
        return Target::Page(i, fragment);
    }
    if site.assets.contains(&normalised) {
        return Target::Asset(normalised);
    }
    // A folder link (`../db/`) or a URL-style link (`../db/failover/`): match section or page URLs.
    let folder = normalised.trim_end_matches('/');
    let index_md = if folder.is_empty() {
        "_index.md".to_string()
    } else {
        format!("{folder}/_index.md")
    };
    if let Some(&i) = site.by_source.get(&index_md) {
        return Target::Page(i, fragment);
    }
    if site.sections.contains_key(folder) {
        return Target::Section(section_url(folder), fragment);
    }
    let as_url = format!(
        "{}/",
        folder
            .trim_end_matches("/index.html")
            .trim_end_matches("index.html")
            .trim_end_matches('/')
    );
    if let Ok(i) = site
        .pages
        .binary_search_by(|p| p.url.as_str().cmp(as_url.as_str()))
    {
        return Target::Page(i, fragment);
    }
    Target::Missing(normalised)
}

fn has_scheme(dest: &str) -> bool {
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !scheme.contains('/')
        }
        None => false,
    }
}

/// Resolves `.` and `..` segments; None when the path climbs above the content folder.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let mut joined = parts.join("/");
    if path.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    Some(joined)
}

/// The href to write for a link, relative to the page `from`; None leaves the link as written.
pub fn href(site: &Site, from: &Page, dest: &str) -> Option<String> {
    let root = Site::root_prefix(&from.url);
    // The query and fragment go on as written: `chart.svg?v=2`, `manual.pdf#page=3`.
    let trimmed = dest.trim();
    let before_fragment = trimmed.split_once('#').map_or(trimmed, |(path, _)| path);
    let query = before_fragment
        .split_once('?')
        .map(|(_, query)| format!("?{query}"))
        .unwrap_or_default();
    let fragment_of =
        |fragment: Option<String>| fragment.map(|f| format!("#{f}")).unwrap_or_default();
    match resolve(site, from, dest) {
        Target::External | Target::SamePage(_) | Target::Missing(_) => None,
        Target::Page(i, fragment) => {
            let target = &site.pages[i];
            let fragment = fragment_of(fragment);
            Some(format!("{root}{}index.html{query}{fragment}", target.url))
        }
        Target::Section(url, fragment) => {
            let fragment = fragment_of(fragment);
            Some(format!("{root}{url}index.html{query}{fragment}"))
        }
        Target::Asset(path) => {
            let fragment = fragment_of(trimmed.split_once('#').map(|(_, f)| f.to_string()));
            Some(format!("{root}{}{query}{fragment}", encode_path(&path)))
        }
    }
}

/// The URL of a folder's section page: its segments slugified, as pages' URLs are.
fn section_url(dir: &str) -> String {
    let slugs: Vec<String> = dir
        .split('/')
        .filter(|s| !s.is_empty())
        .map(slugify)
        .collect();
    if slugs.is_empty() {
        String::new()
    } else {
        format!("{}/", slugs.join("/"))
    }
}

fn encode_path(path: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}');
    percent_encoding::utf8_percent_encode(path, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceFile;
    use std::path::Path;

    fn site(files: &[(&str, &str)], config_text: &str) -> (Site, Vec<Diagnostic>) {
        let config = Config::from_toml(Path::new("/tmp"), config_text).expect("config");
        let sources = files
            .iter()
            .map(|(rel, text)| SourceFile {
                path: format!("content/{rel}"),
                rel: rel.to_string(),
                text: text.to_string(),
            })
            .collect();
        let (docs, _) = crate::parse::parse_all(&config, sources);
        link(
            &config,
            docs,
            BTreeSet::from(["db/diagram.png".to_string()]),
        )
    }

    #[test]
    fn urls_follow_the_scheme() {
        let (site, diags) = site(
            &[
                ("_index.md", "# Home"),
                ("db/_index.md", "# DB"),
                ("db/Fail Over.md", "# F"),
                ("db/x.md", "---\nslug: custom\n---\n"),
            ],
            "",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let urls: Vec<_> = site.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["", "db/", "db/custom/", "db/fail-over/"]);
        assert_eq!(site.sections[""].subsections, ["db"]);
        assert_eq!(site.sections["db"].pages.len(), 2);
    }

    #[test]
    fn two_sources_on_one_url_name_both() {
        let (site, diags) = site(
            &[("db/a.md", "# A"), ("db/b.md", "---\nslug: a\n---\n")],
            "",
        );
        assert_eq!(site.pages.len(), 1);
        assert_eq!(diags[0].code, "duplicate-url");
        assert_eq!(diags[0].line, 2);
        assert!(
            diags[0]
                .message
                .contains("content/db/a.md and content/db/b.md"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn links_resolve_to_relative_hrefs() {
        let (site, _) = site(
            &[
                ("db/a.md", "# A"),
                ("api/b.md", "## Rollback"),
                ("api/_index.md", "# API"),
            ],
            "",
        );
        let a = site.page_by_source("db/a.md").expect("a");
        assert_eq!(
            href(&site, a, "../api/b.md#rollback").as_deref(),
            Some("../../api/b/index.html#rollback")
        );
        assert_eq!(
            href(&site, a, "/api/b.md").as_deref(),
            Some("../../api/b/index.html")
        );
        assert_eq!(
            href(&site, a, "../api/").as_deref(),
            Some("../../api/index.html")
        );
        assert_eq!(
            href(&site, a, "diagram.png").as_deref(),
            Some("../../db/diagram.png")
        );
        // A query and a fragment stay as written, on files and on pages.
        assert_eq!(
            href(&site, a, "diagram.png?v=2#page=3").as_deref(),
            Some("../../db/diagram.png?v=2#page=3")
        );
        assert_eq!(
            href(&site, a, "../api/b.md?tab=1#rollback").as_deref(),
            Some("../../api/b/index.html?tab=1#rollback")
        );
        assert_eq!(href(&site, a, "https://example.com/x.md"), None);
        assert_eq!(
            href(&site, a, "./").as_deref(),
            Some("../../db/index.html"),
            "a folder without _index.md links to its generated section page"
        );
        assert_eq!(href(&site, a, "../").as_deref(), Some("../../index.html"));
        assert_eq!(
            resolve(&site, a, "../nope.md"),
            Target::Missing("nope.md".into())
        );
        assert_eq!(
            resolve(&site, a, "../../../etc/passwd"),
            Target::Missing("db/../../../etc/passwd".into())
        );
    }

    #[test]
    fn kinds_come_from_the_page_the_folder_or_the_default() {
        let (site, diags) = site(
            &[
                ("ops/_index.md", "---\nkind: alert\n---\n"),
                ("ops/a.md", "# A"),
                ("ops/b.md", "---\nkind: reference\n---\n"),
                ("c.md", "# C"),
            ],
            "",
        );
        assert!(diags.is_empty());
        let kind = |rel: &str| site.page_by_source(rel).map(|p| p.runbook_kind.clone());
        assert_eq!(kind("ops/a.md").as_deref(), Some("alert"));
        assert_eq!(kind("ops/b.md").as_deref(), Some("reference"));
        assert_eq!(kind("c.md").as_deref(), Some("runbook"));
    }

    #[test]
    fn a_draft_section_page_sets_no_kind_unless_drafts_are_built() {
        let files = [
            ("ops/_index.md", "---\nkind: alert\ndraft: true\n---\n"),
            ("ops/a.md", "# A"),
        ];
        let kind_of_a = |config: &str| {
            let (site, _) = site(&files, config);
            site.page_by_source("ops/a.md")
                .map(|p| p.runbook_kind.clone())
        };
        assert_eq!(kind_of_a("").as_deref(), Some("runbook"));
        assert_eq!(
            kind_of_a("[build]\ndrafts = true\n").as_deref(),
            Some("alert")
        );
    }

    #[test]
    fn alert_names_from_file_names() {
        let (site, _) = site(
            &[("KubeDown.md", "# KubeDown")],
            "[alerts]\nname-from-file = true\n",
        );
        assert_eq!(site.pages[0].alerts, ["KubeDown"]);
    }
}
