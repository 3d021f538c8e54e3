//! `rb-site init` in a folder that already holds runbooks: infer a `book.toml` fitted to what
//! is there, and record the problems the repository has today in a baseline file
//! ([`crate::baseline`]), so that `check` and `build` pass on it as it is and fail only on new
//! problems. Nothing in the repository is changed but the two files written; a `book.toml` is
//! never overwritten.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::config::{CONFIG_FILE, Config};
use crate::model::PageKind;

/// The baseline file `init` writes when it adopts a repository.
pub const BASELINE_FILE: &str = "rb-site-baseline.json";

/// Folders that hold no runbooks: dependencies, build output, tool caches.
const SKIPPED_FOLDERS: &[&str] = &[
    "node_modules",
    "vendor",
    "target",
    "site",
    "public",
    "themes",
];

/// Whether `dir` holds Markdown files anywhere below it (hidden and tool folders aside).
pub(crate) fn has_markdown(dir: &Path) -> bool {
    files(dir).any(|rel| rel.ends_with(".md"))
}

/// Files under `dir`, relative with `/` separators, in a stable order; hidden and tool folders
/// are skipped, symbolic links are not followed.
fn files(dir: &Path) -> impl Iterator<Item = String> + '_ {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.')
                    || (e.file_type().is_dir() && SKIPPED_FOLDERS.contains(&name.as_ref())))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(move |e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
}

/// What `init` found in a repository, and the settings it chose from it.
#[derive(Debug, Default)]
struct Survey {
    /// Markdown files, root-relative.
    markdown: Vec<String>,
    /// The content folder, root-relative (`.` for the root).
    content_dir: String,
    /// Rule files, root-relative, with the alerts each defines.
    rule_files: BTreeMap<String, Vec<crate::alerts::AlertRule>>,
    /// The globs chosen to name them.
    rule_globs: Vec<String>,
    /// Of the content files, those whose name (without `.md`) is an alert name.
    named_after_alerts: usize,
    /// The files name-from-file could apply to (not README, not `_index.md`).
    nameable: usize,
    /// Top-level folders whose runbooks have file names, none of them an alert's (a
    /// contribution guide under `docs/`): `name-from-file` stays off there.
    unnamed_folders: Vec<String>,
    /// The default kind, with how many pages have most of its sections.
    kind: (String, usize),
    pages: usize,
    /// The base URL under which the rules' runbook links reach content pages, with how many do.
    base_url: Option<(String, usize)>,
    runbook_links: usize,
    /// Claims of alerts by a heading, for rule links to a heading the page does not have:
    /// (content-relative page, heading id) -> alerts named in that heading's section.
    claims: BTreeMap<(String, String), Vec<String>>,
    /// Git-host repositories whose file URLs the rules link to, with the folder (relative to
    /// the root) holding each one's files here, and how many links reach a file through it.
    repos: Vec<(String, String, usize)>,
    /// A content folder that holds the services as its folders (`runbooks/` in
    /// prometheus-operator's `content/runbooks/<service>/`): the folder, how many runbooks are
    /// in its folders and how many folders (services) there are.
    service_folders: Option<(String, usize, usize)>,
    build_dir: String,
}

/// Writes a `book.toml` and a baseline fitted to the Markdown already in `dir`.
pub(crate) fn adopt(dir: &Path) -> Result<ExitCode> {
    let mut survey = Survey::default();
    survey.markdown = files(dir).filter(|rel| rel.ends_with(".md")).collect();
    survey.content_dir = content_dir(dir, &survey.markdown);
    survey.find_rules(dir);
    // Inside a content folder that is the root, only a hidden build folder is never read back.
    let candidates: [&str; 2] = if survey.content_dir == "." {
        [".site", ".rb-site-output"]
    } else {
        ["site", "rb-site-output"]
    };
    survey.build_dir = candidates
        .into_iter()
        .find(|name| !dir.join(name).exists())
        .unwrap_or(candidates[1])
        .to_string();
    // A first look at the pages with the content folder alone: headings, file names, URLs.
    let provisional = Config::from_toml(dir, &survey.book_toml(false))?;
    let (site, _, _) = crate::load_site(&provisional)?;
    survey.infer_from_pages(&provisional, &site);

    let book = survey.book_toml(true);
    let book_path = dir.join(CONFIG_FILE);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&book_path)
        .with_context(|| {
            format!(
                "cannot create {} (it is never overwritten)",
                book_path.display()
            )
        })?;
    std::io::Write::write_all(&mut file, book.as_bytes())
        .with_context(|| format!("cannot write {}", book_path.display()))?;

    let config = Config::load(dir)?;
    let checked = crate::check(&config)?;
    let baseline = crate::baseline::Baseline::of(&checked.report);
    baseline.write(&dir.join(BASELINE_FILE))?;
    eprint!("{}", survey.summary(dir, &checked, baseline.len()));
    Ok(ExitCode::SUCCESS)
}

/// The content folder: `content/` when it holds Markdown (Hugo, Zola, rb-site); else the one
/// top-level folder holding nearly all of it (`docs/`); else the root.
fn content_dir(dir: &Path, markdown: &[String]) -> String {
    if markdown.iter().any(|rel| rel.starts_with("content/")) {
        return "content".into();
    }
    let mut by_top: BTreeMap<&str, usize> = BTreeMap::new();
    for rel in markdown {
        if let Some((top, _)) = rel.split_once('/') {
            *by_top.entry(top).or_default() += 1;
        }
    }
    let best = by_top
        .iter()
        .max_by_key(|(top, n)| (**n, std::cmp::Reverse(**top)));
    match best {
        Some((top, &n)) if n * 10 >= markdown.len() * 9 && dir.join(top).is_dir() => {
            (*top).to_string()
        }
        _ => ".".into(),
    }
}

impl Survey {
    /// Finds the Prometheus rule files (plain, or PrometheusRule resources) among the YAML.
    fn find_rules(&mut self, dir: &Path) {
        let yaml: Vec<String> = files(dir)
            .filter(|rel| rel.ends_with(".yaml") || rel.ends_with(".yml"))
            .collect();
        let mut not_rules: BTreeSet<String> = BTreeSet::new();
        for rel in &yaml {
            let Ok(text) = std::fs::read_to_string(dir.join(rel)) else {
                not_rules.insert(rel.clone());
                continue;
            };
            if !text.contains("groups:") {
                not_rules.insert(rel.clone());
                continue;
            }
            // Recording rules alone make a rule file too: it parses, and defines no alert. A
            // file with alerts and a problem is a rule file with a problem (for the baseline).
            let (rules, problems) = crate::alerts::rules::parse_rule_file(rel, &text);
            // A file that does not parse but reads like one (`alert:`/`record:` under
            // `groups:`) is a broken rule file: its error is a problem to record, not a reason
            // to leave it out.
            let looks_like_rules = text.contains("alert:") || text.contains("record:");
            if !(problems.is_empty() || !rules.is_empty() || looks_like_rules) {
                not_rules.insert(rel.clone());
            } else {
                self.rule_files.insert(rel.clone(), rules);
            }
        }
        self.rule_globs = rule_globs(&yaml, &not_rules);
    }

    /// Kinds, `name-from-file` and `base-url`, from the pages of a provisional configuration.
    fn infer_from_pages(&mut self, config: &Config, site: &crate::model::Site) {
        let alert_names: BTreeSet<&str> = self
            .rule_files
            .values()
            .flatten()
            .map(|rule| rule.name.as_str())
            .collect();
        let runbooks: Vec<&crate::model::Page> = site
            .pages
            .iter()
            .filter(|p| p.kind == PageKind::Runbook)
            .collect();
        self.pages = runbooks.len();
        // Top-level folder -> (files that could be named after an alert, files that are).
        let mut folders: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for page in &runbooks {
            let rel = page.doc.source.rel.as_str();
            let name = rel.rsplit('/').next().unwrap_or_default();
            let stem = name.strip_suffix(".md").unwrap_or(name);
            if stem.eq_ignore_ascii_case("readme") || stem.eq_ignore_ascii_case("index") {
                continue;
            }
            let named = alert_names.contains(stem);
            self.nameable += 1;
            self.named_after_alerts += usize::from(named);
            if let Some((folder, _)) = rel.split_once('/') {
                let counts = folders.entry(folder).or_default();
                counts.0 += 1;
                counts.1 += usize::from(named);
            }
        }
        self.unnamed_folders = folders
            .into_iter()
            .filter(|(_, (_, named))| *named == 0)
            .map(|(folder, _)| folder.to_string())
            .collect();
        // The kind most pages follow: at least half its sections present.
        let mut best = ("reference".to_string(), 0);
        for (kind, settings) in &config.kinds {
            let wanted = &settings.required_sections;
            if wanted.is_empty() {
                continue;
            }
            let following = runbooks
                .iter()
                .filter(|page| {
                    let present: BTreeSet<&str> = page
                        .doc
                        .outline
                        .headings
                        .iter()
                        .filter(|h| (2..=3).contains(&h.level))
                        .filter_map(|h| {
                            config.canonical_section(&crate::validate::sections::normalise_heading(
                                &h.text,
                            ))
                        })
                        .collect();
                    let have = wanted
                        .iter()
                        .filter(|s| present.contains(s.as_str()))
                        .count();
                    have * 2 >= wanted.len()
                })
                .count();
            if following > best.1 {
                best = (kind.clone(), following);
            }
        }
        // A kind a quarter of the pages follow is the house style; else nothing is required.
        if best.1 * 4 < runbooks.len() {
            best = ("reference".into(), best.1);
        }
        self.kind = best;
        self.service_folders = infer_service_folders(&runbooks);
        self.base_url = self.infer_base_url(site);
        self.repos = self.infer_repos();
        self.claims = self.infer_claims(site);
    }

    /// For a rule linking to `page#anchor` on a git host where the page has no such heading (a
    /// page of tables, one per group of alerts), the heading of the section that names the
    /// alert claims it: the alert's page then lands there.
    fn infer_claims(&self, site: &crate::model::Site) -> BTreeMap<(String, String), Vec<String>> {
        let content = match self.content_dir.as_str() {
            "." => String::new(),
            dir => format!("{dir}/"),
        };
        let mut claims: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for rule in self.rule_files.values().flatten() {
            let Some((repo, path, Some(fragment))) =
                rule_link(rule).and_then(|link| git_host_file(link, &rule.name))
            else {
                continue;
            };
            let Some((_, folder, _)) = self.repos.iter().find(|(url, _, _)| *url == repo) else {
                continue;
            };
            let from_root = if folder.is_empty() {
                path
            } else {
                format!("{folder}/{path}")
            };
            let Some(page) = from_root
                .strip_prefix(content.as_str())
                .and_then(|rel| site.by_source.get(rel))
                .map(|&i| &site.pages[i])
            else {
                continue;
            };
            let outline = &page.doc.outline;
            if outline.has_anchor(&fragment) || !seen.insert(rule.name.clone()) {
                continue;
            }
            let text = &page.doc.source.text;
            let Some(at) = text.find(rule.name.as_str()) else {
                continue;
            };
            let Some(heading) = outline
                .headings
                .iter()
                .rfind(|h| h.level >= 2 && h.span.start < at)
            else {
                continue;
            };
            claims
                .entry((page.doc.source.rel.clone(), heading.id.clone()))
                .or_default()
                .push(rule.name.clone());
        }
        claims
    }

    /// The repositories of the rules' links to source files on a git host
    /// (`{repo}/blob/{ref}/{path}`, GitLab's `/-/blob/`, Gitea's `/src/branch/`): each is
    /// placed at the folder here where the linked files are (the root, or a folder holding a
    /// copy of that repository), when some linked file exists here.
    fn infer_repos(&self) -> Vec<(String, String, usize)> {
        let files: BTreeSet<&str> = self.markdown.iter().map(String::as_str).collect();
        // (repo URL, folder) -> links that reach a file.
        let mut found: BTreeMap<(String, String), usize> = BTreeMap::new();
        for rule in self.rule_files.values().flatten() {
            let Some(link) = rule_link(rule) else {
                continue;
            };
            let Some((repo, path, _)) = git_host_file(link, &rule.name) else {
                continue;
            };
            let folder = if files.contains(path.as_str()) {
                Some(String::new())
            } else {
                // The folder holding a copy of the repository: the only one with the file, or
                // among several, the one named like the repository.
                let tail = format!("/{path}");
                let holders: Vec<&str> = files
                    .iter()
                    .filter_map(|f| f.strip_suffix(tail.as_str()))
                    .collect();
                let repo_name = repo.rsplit('/').next().unwrap_or_default();
                match holders.as_slice() {
                    [one] => Some((*one).to_string()),
                    many => many
                        .iter()
                        .find(|h| h.rsplit('/').next() == Some(repo_name))
                        .map(|h| (*h).to_string()),
                }
            };
            if let Some(folder) = folder {
                *found.entry((repo.to_string(), folder)).or_default() += 1;
            }
        }
        // One folder per repository: the one most links reach.
        let mut best: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for ((repo, folder), n) in found {
            let entry = best.entry(repo).or_insert((folder.clone(), 0));
            if n > entry.1 {
                *entry = (folder, n);
            }
        }
        best.into_iter()
            .map(|(repo, (folder, n))| (repo, folder, n))
            .collect()
    }

    /// The URL prefix under which the rules' `runbook_url`s name content pages: for each link,
    /// the longest tail that is a page's URL gives a candidate; the most frequent wins.
    fn infer_base_url(&mut self, site: &crate::model::Site) -> Option<(String, usize)> {
        let urls: BTreeSet<String> = site.pages.iter().map(|p| p.url.to_lowercase()).collect();
        let mut bases: BTreeMap<String, usize> = BTreeMap::new();
        for rule in self.rule_files.values().flatten() {
            let Some(link) = rule_link(rule) else {
                continue;
            };
            self.runbook_links += 1;
            let link = link.split(['#', '?']).next().unwrap_or_default();
            let Some(after_scheme) = link.find("://").map(|i| i + 3) else {
                continue;
            };
            let mut link = link.replace("{{ $labels.alertname }}", &rule.name);
            if !link.ends_with('/') {
                link.push('/');
            }
            let host_end = link[after_scheme..]
                .find('/')
                .map_or(link.len(), |i| after_scheme + i);
            let found = link[host_end..]
                .match_indices('/')
                .map(|(i, _)| host_end + i + 1)
                .find(|&start| urls.contains(&link[start..].to_lowercase()));
            if let Some(start) = found {
                *bases.entry(link[..start].to_string()).or_default() += 1;
            }
        }
        bases
            .into_iter()
            .max_by_key(|(base, n)| (*n, std::cmp::Reverse(base.clone())))
    }

    /// The `book.toml` text; `complete` adds what was inferred from the pages.
    fn book_toml(&self, complete: bool) -> String {
        let mut text = String::from(
            "# Written by `rb-site init` for the runbooks already here: review it.\n\n[book]\n",
        );
        match self.base_url.as_ref().filter(|_| complete) {
            Some((base, n)) => {
                let _ = writeln!(
                    text,
                    "base-url = {}  # {n} runbook links of the rules are pages under it",
                    toml_string(base)
                );
            }
            None => text.push_str("# base-url = \"https://runbooks.example.com/\"\n"),
        }
        let _ = write!(
            text,
            "\n[build]\ncontent-dir = {}\nbuild-dir = {}\n",
            toml_string(&self.content_dir),
            toml_string(&self.build_dir)
        );
        if !complete {
            return text;
        }
        let _ = write!(
            text,
            "\n[validate]\ndefault-kind = {}\nbaseline = {}  # known problems; `rb-site check --update-baseline` rewrites it\n",
            toml_string(&self.kind.0),
            toml_string(BASELINE_FILE)
        );
        if let Some((folder, n, services)) = &self.service_folders {
            let _ = write!(
                text,
                "\n# {n} of {} runbooks are in the {services} folders of {folder}/, one per service\n\
                 [[paths]]\nmatch = [{}]\nservice-folder = 2\n",
                self.pages,
                toml_string(&format!("{folder}/**"))
            );
        }
        if !self.rule_globs.is_empty() {
            text.push_str("\n[alerts]\nrules = [\n");
            for glob in &self.rule_globs {
                let _ = writeln!(text, "  {},", toml_string(glob));
            }
            text.push_str("]\n");
            if self.names_from_files() {
                text.push_str("name-from-file = true\n");
            }
            for (repo, folder, n) in &self.repos {
                let _ = write!(
                    text,
                    "\n# {n} runbook links of the rules name files of this repository\n[[alerts.repos]]\nurl = {}\n",
                    toml_string(repo)
                );
                if !folder.is_empty() {
                    let _ = writeln!(text, "path = {}", toml_string(folder));
                }
            }
            if !self.claims.is_empty() {
                text.push_str(
                    "\n# Rules link to headings these pages do not have: the section naming each alert claims it.\n",
                );
            }
            for ((page, heading), alerts) in &self.claims {
                let names: Vec<String> = alerts.iter().map(|a| toml_string(a)).collect();
                let _ = write!(
                    text,
                    "[[alerts.claims]]\npage = {}\nheading = {}\nalerts = [{}]\n\n",
                    toml_string(page),
                    toml_string(heading),
                    names.join(", ")
                );
            }
        }
        if self.names_from_files() {
            for folder in &self.unnamed_folders {
                let _ = write!(
                    text,
                    "\n# No file name under {folder}/ is an alert name: its pages claim none by name.\n\
                     [[paths]]\nmatch = [{}]\nname-from-file = false\n",
                    toml_string(&format!("{folder}/**"))
                );
            }
        }
        text
    }

    /// File names are alert names when at least a third of the pages are named after one.
    fn names_from_files(&self) -> bool {
        self.named_after_alerts > 0 && self.named_after_alerts * 3 >= self.nameable
    }

    /// The Markdown files in the content folder (a README beside it is not counted).
    fn markdown_in_content(&self) -> usize {
        let prefix = format!("{}/", self.content_dir);
        self.markdown
            .iter()
            .filter(|rel| self.content_dir == "." || rel.starts_with(&prefix))
            .count()
    }

    /// What `init` tells the user it inferred.
    fn summary(&self, dir: &Path, checked: &crate::Checked, known: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Adopted the runbooks in {}: wrote {CONFIG_FILE} and {BASELINE_FILE}",
            dir.display()
        );
        let _ = writeln!(
            out,
            "  content folder: {} ({} Markdown files, {} pages)",
            self.content_dir,
            self.markdown_in_content(),
            checked.site.pages.len()
        );
        let _ = writeln!(
            out,
            "  default kind: {} ({} of {} runbooks have at least half of its sections)",
            self.kind.0, self.kind.1, self.pages
        );
        if let Some((folder, n, services)) = &self.service_folders {
            let _ = writeln!(
                out,
                "  services: the {services} folders of {folder}/ ({n} of {} runbooks)",
                self.pages
            );
        }
        let alerts: usize = self.rule_files.values().map(Vec::len).sum();
        if self.rule_globs.is_empty() {
            out.push_str("  rule files: none found (add globs under [alerts] rules)\n");
        } else {
            let _ = writeln!(
                out,
                "  rule files: {} ({} files, {alerts} alerting rules)",
                self.rule_globs.join(", "),
                self.rule_files.len()
            );
            let _ = writeln!(
                out,
                "  alert names from file names: {} ({} of {} file names are alert names)",
                if self.names_from_files() { "yes" } else { "no" },
                self.named_after_alerts,
                self.nameable
            );
        }
        for (repo, folder, n) in &self.repos {
            let _ = writeln!(
                out,
                "  source repository: {repo} at {} ({n} runbook links name its files)",
                if folder.is_empty() { "." } else { folder }
            );
        }
        if !self.claims.is_empty() {
            let alerts: usize = self.claims.values().map(Vec::len).sum();
            let _ = writeln!(
                out,
                "  heading claims: {alerts} alerts claimed by the section that names them ({} headings)",
                self.claims.len()
            );
        }
        match &self.base_url {
            Some((base, n)) => {
                let _ = writeln!(
                    out,
                    "  base-url: {base} ({n} of {} runbook links are pages under it)",
                    self.runbook_links
                );
            }
            None if self.runbook_links > 0 => {
                let _ = writeln!(
                    out,
                    "  base-url: not set (none of {} runbook links is a page URL under one base)",
                    self.runbook_links
                );
            }
            None => {}
        }
        let summary = crate::alerts::coverage_summary(&checked.alerts);
        let _ = writeln!(
            out,
            "  alerts in the rules with a runbook: {} of {}",
            summary.with_runbook, summary.in_rules
        );
        let _ = writeln!(
            out,
            "  known problems: {known} (in {BASELINE_FILE}; check and build fail only on new ones)"
        );
        let _ = writeln!(
            out,
            "Next: rb-site check, then rb-site build (add /{}/, /{}/ and /.rb-site-cache/ to .gitignore)",
            self.build_dir,
            crate::write::spare_name(&self.build_dir)
        );
        out
    }
}

/// Services one folder down: when the runbooks that no `service` field names are nearly all
/// (nine tenths) in folders of one top-level folder, and there are at least two such folders,
/// those folders are the services, not the top-level one (which would be one service for all).
fn infer_service_folders(runbooks: &[&crate::model::Page]) -> Option<(String, usize, usize)> {
    let unnamed: Vec<&str> = runbooks
        .iter()
        .filter(|page| page.doc.front.service.is_none())
        .map(|page| page.doc.dir())
        .collect();
    let mut by_top: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for dir in &unnamed {
        let mut parts = dir.split('/');
        if let (Some(top), Some(service)) = (parts.next(), parts.next()) {
            let entry = by_top.entry(top).or_default();
            entry.0 += 1;
            entry.1.insert(service);
        }
    }
    let (top, (n, services)) = by_top.into_iter().max_by_key(|(_, (n, _))| *n)?;
    (n * 10 >= unnamed.len() * 9 && services.len() >= 2)
        .then(|| (top.to_string(), n, services.len()))
}

/// A link to a file on a git host (`{repo}/blob/{ref}/{path}#{fragment}`, GitLab's `/-/blob/`,
/// Gitea's `/src/branch/`): the repository's URL, the file's path in it, and the fragment.
fn git_host_file(link: &str, alert: &str) -> Option<(String, String, Option<String>)> {
    const MARKERS: &[&str] = &[
        "/-/blob/",
        "/-/tree/",
        "/-/raw/",
        "/blob/",
        "/tree/",
        "/raw/",
        "/src/branch/",
        "/src/commit/",
        "/src/tag/",
    ];
    if !link.starts_with("http") {
        return None;
    }
    let (without_fragment, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment.to_string())),
        None => (link, None),
    };
    let without_query = without_fragment.split('?').next().unwrap_or_default();
    let (repo, after) = MARKERS
        .iter()
        .filter_map(|m| without_query.split_once(m))
        .min_by_key(|(repo, _)| repo.len())?;
    let (_, path) = after.split_once('/')?;
    let path = path.replace("{{ $labels.alertname }}", alert);
    Some((repo.to_string(), path, fragment))
}

/// A rule's runbook link, under the keys rb-site reads by default (`runbook_url`, GitLab's
/// `runbook`), in the annotations, then the labels.
fn rule_link(rule: &crate::alerts::AlertRule) -> Option<&str> {
    let keys = crate::config::AlertsConfig::default().runbook_keys;
    [&rule.annotations, &rule.labels]
        .into_iter()
        .find_map(|map| {
            keys.iter()
                .find_map(|key| map.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()))
        })
}

/// Globs naming exactly the rule files: a whole top-level folder when every YAML file under it
/// is one (`rules/**/*.yml`), else each folder whose YAML files all are, else each file.
fn rule_globs(yaml: &[String], not_rules: &BTreeSet<String>) -> Vec<String> {
    let parent = |rel: &str| {
        rel.rsplit_once('/')
            .map_or(String::new(), |(p, _)| p.to_string())
    };
    let extension = |rel: &str| {
        if rel.ends_with(".yml") { "yml" } else { "yaml" }
    };
    let rules: Vec<&String> = yaml.iter().filter(|r| !not_rules.contains(*r)).collect();
    let mut globs = BTreeSet::new();
    let mut covered: BTreeSet<&String> = BTreeSet::new();
    // Whole top-level folders.
    let tops: BTreeSet<&str> = rules
        .iter()
        .filter_map(|r| r.split_once('/').map(|(top, _)| top))
        .collect();
    for top in tops {
        let prefix = format!("{top}/");
        let clean = !not_rules.iter().any(|r| r.starts_with(&prefix));
        if clean {
            for rule in rules.iter().filter(|r| r.starts_with(&prefix)) {
                globs.insert(format!("{top}/**/*.{}", extension(rule)));
                covered.insert(rule);
            }
        }
    }
    // Folders, then files.
    for rule in rules.iter().filter(|r| !covered.contains(*r)) {
        let dir = parent(rule);
        let clean = !not_rules.iter().any(|r| parent(r) == dir);
        if clean && !dir.is_empty() {
            globs.insert(format!("{dir}/*.{}", extension(rule)));
        } else {
            globs.insert((*rule).clone());
        }
    }
    globs.into_iter().collect()
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_globs_name_exactly_the_rule_files() {
        let yaml: Vec<String> = [
            "rules/a.yml",
            "rules/sub/b.yml",
            "mixed/c.yaml",
            "mixed/values.yaml",
            "mixed/alerts/d.yaml",
            "top.yaml",
        ]
        .map(String::from)
        .to_vec();
        let not_rules = BTreeSet::from(["mixed/values.yaml".to_string()]);
        assert_eq!(
            rule_globs(&yaml, &not_rules),
            [
                "mixed/alerts/*.yaml",
                "mixed/c.yaml",
                "rules/**/*.yml",
                "top.yaml"
            ]
        );
    }

    #[test]
    fn the_content_folder_is_where_the_markdown_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
        let md = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            content_dir(dir.path(), &md(&["content/a.md", "README.md"])),
            "content"
        );
        let docs: Vec<String> = (0..20)
            .map(|i| format!("docs/{i}.md"))
            .chain(["README.md".into()])
            .collect();
        assert_eq!(content_dir(dir.path(), &docs), "docs");
        assert_eq!(content_dir(dir.path(), &md(&["a/x.md", "b/y.md"])), ".");
    }
}
