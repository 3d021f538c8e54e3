//! Issue 17, item 2: `serve` against full builds on random edit sequences. A small site is
//! generated, then random bursts of edits (bodies, titles, front matter, alert claims, kinds,
//! renames, deletions, new files and tags, rule files, `book.toml`, assets) are written to disk;
//! after each burst the builder rebuilds from the changes the watcher would report, runs the
//! deferred pass as `serve` does once edits pause, and its files must equal a fresh
//! `rb-site build` byte for byte, its diagnostics those of `rb-site check` and `build`. The
//! site claims alerts by front matter, by heading and by `book.toml`, links rules to headings
//! and aliases alerts by service, so edits reach every input of the alert stage.
//!
//! Cases: `RB_SITE_SERVE_CASES` (default [`DEFAULT_CASES`], what `.ci/run` runs); the ignored
//! `serve_equals_a_full_build_long` runs [`LONG_CASES`]. Seed: `RB_SITE_SERVE_SEED`, else a
//! fresh one; printed either way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};

use super::*;
use crate::serve::watch::Classifier;

/// Cases in the default test run (each a sequence of up to [`STEPS`] bursts).
const DEFAULT_CASES: u32 = 60;
/// Cases in the ignored long run.
const LONG_CASES: u32 = 300;
/// Bursts of edits per case, at most.
const STEPS: usize = 8;

/// Where generated pages may live (content-relative); some collide with generated paths.
const NEW_PATHS: &[&str] = &[
    "db/restore.md",
    "api/timeouts.md",
    "net/dns.md",
    "net/_index.md",
    "db/failover-copy.md",
    "alerts/_index.md",
    "tags.md",
    "api/_index.md",
];

const OWNERS: &[&str] = &["team-db", "team-edge", "team-net"];
const SERVICES: &[&str] = &["db", "api", "net"];
const SEVERITIES: &[&str] = &["critical", "warning", "info", "sev0"];
const KINDS: &[&str] = &["runbook", "reference", "alert", "recipe"];
const TAGS: &[&str] = &["postgres", "failover", "ha", "latency", "dns", "Weird Tag"];
const ALERTS: &[&str] = &[
    "PostgresPrimaryDown",
    "PostgresReplicaLag",
    "ApiLatencyHigh",
    "DnsFailing",
];
const ASSETS: &[&str] = &["db/diagram.txt", "api/graph.svg", "net/notes.txt"];

/// Blocks a body is made of, picked by the bits of a number.
const BLOCKS: &[&str] = &[
    "## Preconditions\n\n- Access to the cluster.\n",
    "## Steps\n\n1. Promote the replica:\n\n   ```bash\n   patronictl failover\n   ```\n",
    "## Validation\n\n- [ ] Writes succeed.\n",
    "## Rollback\n\nFail back once the old primary is healthy.\n",
    "See [failover](../db/failover.md#steps) and [backup](../db/backup.md).\n",
    "The [diagram](diagram.txt) and [graph](../api/graph.svg).\n",
    "A link to [nowhere](missing.md) and [latency](../api/latency.md#nothing).\n",
    "## Meaning\n\nThe alert fires when <cluster-id> is down.\n",
    "Text with a footnote[^1].\n\n[^1]: The note.\n",
    "```rust\nfn main() {}\n```\n",
    // Claims by heading, with `[[paths]] heading-claims` on (book.toml bit 32).
    "## Alert: DnsFailing\n\nWhat the DNS alert means.\n",
    "## Alert: postgresreplicalag\n\nA claim in another case.\n",
];

/// One runbook as the test writes it.
#[derive(Debug, Clone)]
struct PageSpec {
    title: String,
    owner: Option<&'static str>,
    service: Option<&'static str>,
    severity: Option<&'static str>,
    kind: Option<&'static str>,
    alerts: Vec<&'static str>,
    tags: Vec<&'static str>,
    draft: bool,
    slug: Option<&'static str>,
    aliases: Vec<&'static str>,
    weight: Option<i64>,
    body: u16,
}

impl PageSpec {
    fn new(title: &str, body: u16) -> PageSpec {
        PageSpec {
            title: title.to_string(),
            owner: Some(OWNERS[0]),
            service: None,
            severity: None,
            kind: None,
            alerts: Vec::new(),
            tags: Vec::new(),
            draft: false,
            slug: None,
            aliases: Vec::new(),
            weight: None,
            body,
        }
    }

    fn text(&self) -> String {
        let mut text = format!("---\ntitle: {:?}\n", self.title);
        let mut field = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                text.push_str(&format!("{name}: {value}\n"));
            }
        };
        field("owner", self.owner.map(str::to_string));
        field("service", self.service.map(str::to_string));
        field("severity", self.severity.map(str::to_string));
        field("kind", self.kind.map(str::to_string));
        field("slug", self.slug.map(str::to_string));
        field("weight", self.weight.map(|w| w.to_string()));
        let list = |items: &[&str]| (!items.is_empty()).then(|| format!("[{}]", items.join(", ")));
        field("alerts", list(&self.alerts));
        field(
            "tags",
            (!self.tags.is_empty()).then(|| format!("{:?}", self.tags)),
        );
        field("aliases", list(&self.aliases));
        field("draft", self.draft.then(|| "true".to_string()));
        text.push_str("last_reviewed: 2026-09-01\n---\n\n");
        text.push_str(&format!("# {}\n\n", self.title));
        for (bit, block) in BLOCKS.iter().enumerate() {
            if self.body & (1 << bit) != 0 {
                text.push_str(block);
                text.push('\n');
            }
        }
        text
    }
}

/// The whole generated site.
#[derive(Debug, Clone)]
struct Model {
    pages: BTreeMap<String, PageSpec>,
    assets: BTreeSet<&'static str>,
    rules: u8,
    book: u8,
}

impl Model {
    fn initial() -> Model {
        let mut pages = BTreeMap::new();
        pages.insert("_index.md".to_string(), PageSpec::new("Home", 0b1_0000));
        pages.insert("db/_index.md".to_string(), PageSpec::new("Database", 0));
        let mut failover = PageSpec::new("Database failover", 0b1111);
        failover.alerts = vec![ALERTS[0]];
        failover.tags = vec![TAGS[0], TAGS[1]];
        failover.severity = Some("critical");
        failover.service = Some("db");
        pages.insert("db/failover.md".to_string(), failover);
        let mut backup = PageSpec::new("Backup restore", 0b1_0010_1111);
        backup.owner = Some(OWNERS[1]);
        pages.insert("db/backup.md".to_string(), backup);
        let mut latency = PageSpec::new("API latency", 0b101_1111);
        latency.alerts = vec![ALERTS[2]];
        latency.service = Some("api");
        latency.tags = vec![TAGS[3]];
        pages.insert("api/latency.md".to_string(), latency);
        Model {
            pages,
            assets: [ASSETS[0]].into(),
            rules: 0,
            // Claims by heading (the page's and book.toml's) and aliases by service on: random
            // edits move and rename what they name.
            book: 32 | 64 | 128,
        }
    }

    fn rules_text(&self) -> String {
        let mut text = String::from("groups:\n- name: site\n  rules:\n");
        for (bit, alert) in ALERTS.iter().enumerate() {
            if self.rules & (1 << bit) != 0 {
                continue;
            }
            text.push_str(&format!(
                "  - alert: {alert}\n    expr: up == 0\n    labels:\n      severity: {}\n",
                if bit % 2 == 0 { "critical" } else { "warning" }
            ));
            if self.rules & (1 << (bit + 4)) != 0 {
                text.push_str(&format!(
                    "    annotations:\n      runbook_url: /db/failover/#{}\n",
                    if bit == 0 { "steps" } else { "rollback" }
                ));
            }
        }
        if self.rules & 0x80 != 0 {
            text.push_str("  - alert: [broken\n");
        }
        text
    }

    fn book_text(&self) -> String {
        let mut text = format!(
            "[book]\ntitle = \"Generated {}\"\nlanguage = \"en\"\n\n[build]\ncontent-dir = \"content\"\nbuild-dir = \"site\"\ndrafts = {}\n\n[validate]\nrequired-fields = {}\n",
            self.book & 1,
            self.book & 2 != 0,
            if self.book & 4 != 0 {
                "[\"title\"]"
            } else {
                "[\"title\", \"owner\"]"
            }
        );
        if self.book & 8 != 0 {
            text.push_str(
                "\n[validate.levels]\nduplicate-url = \"warning\"\nbroken-link = \"warning\"\n",
            );
        }
        text.push_str("\n[alerts]\nrules = [\"rules/*.yaml\"]\n");
        if self.book & 64 != 0 {
            text.push_str("url-aliases = [\"svc/{service}/{alert_lower}/\"]\n");
        }
        if self.book & 128 != 0 {
            // A claim of a heading, by book.toml; links no longer claim.
            text.push_str("link-claims = false\n\n[[alerts.claims]]\npage = \"db/backup.md\"\nheading = \"Rollback\"\nalerts = [\"Dns*\", \"ApiLatencyHigh\"]\n");
        }
        if self.book & 16 != 0 {
            text.push_str("\n[search]\nenabled = false\n");
        }
        if self.book & 32 != 0 {
            text.push_str("\n[[paths]]\nmatch = [\"**\"]\nheading-claims = [\"Alert: {alert}\"]\n");
        }
        text
    }

    fn write_all(&self, root: &Path) {
        std::fs::create_dir_all(root.join("content")).expect("content dir");
        std::fs::create_dir_all(root.join("rules")).expect("rules dir");
        std::fs::write(root.join("book.toml"), self.book_text()).expect("book.toml");
        std::fs::write(root.join("rules/site.yaml"), self.rules_text()).expect("rules");
        for rel in self.pages.keys() {
            self.write_page(root, rel);
        }
        for asset in &self.assets {
            write_file(&root.join("content").join(asset), asset.as_bytes());
        }
    }

    fn write_page(&self, root: &Path, rel: &str) {
        write_file(
            &root.join("content").join(rel),
            self.pages[rel].text().as_bytes(),
        );
    }

    /// The page a number picks among the pages there are now.
    fn pick(&self, n: usize) -> Option<String> {
        let len = self.pages.len();
        (len > 0).then(|| self.pages.keys().nth(n % len).cloned().expect("in range"))
    }
}

fn write_file(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// One edit; the numbers pick among what there is when it is applied.
#[derive(Debug, Clone)]
enum Edit {
    Body(usize, u16),
    Title(usize, u8),
    FrontMatter(usize, u8, u8),
    Alerts(usize, u8),
    Kind(usize, u8),
    Rename(usize, usize),
    Delete(usize),
    NewFile(usize, u16),
    NewTag(usize, u8),
    RuleFile(u8),
    BookToml(u8),
    Asset(usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<u16>()).prop_map(|(p, b)| Edit::Body(p, b)),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(p, t)| Edit::Title(p, t)),
        3 => (any::<usize>(), any::<u8>(), any::<u8>()).prop_map(|(p, f, v)| Edit::FrontMatter(p, f, v)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(p, a)| Edit::Alerts(p, a)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(p, k)| Edit::Kind(p, k)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(p, to)| Edit::Rename(p, to)),
        1 => any::<usize>().prop_map(Edit::Delete),
        2 => (any::<usize>(), any::<u16>()).prop_map(|(p, b)| Edit::NewFile(p, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(p, t)| Edit::NewTag(p, t)),
        1 => any::<u8>().prop_map(Edit::RuleFile),
        1 => any::<u8>().prop_map(Edit::BookToml),
        1 => any::<usize>().prop_map(Edit::Asset),
    ]
}

/// Bursts of one to three edits, each burst one rebuild.
fn bursts() -> impl Strategy<Value = (bool, Vec<Vec<Edit>>)> {
    (
        any::<bool>(),
        proptest::collection::vec(proptest::collection::vec(edit_strategy(), 1..=3), 1..=STEPS),
    )
}

impl Edit {
    /// Applies the edit to the model and the disk; returns the paths (absolute) a watcher
    /// would name.
    fn apply(&self, model: &mut Model, root: &Path) -> Vec<std::path::PathBuf> {
        let content = root.join("content");
        let page_edit = |model: &mut Model, n: usize, change: &dyn Fn(&mut PageSpec)| {
            let Some(rel) = model.pick(n) else {
                return Vec::new();
            };
            change(model.pages.get_mut(&rel).expect("picked"));
            model.write_page(root, &rel);
            vec![content.join(&rel)]
        };
        match *self {
            Edit::Body(n, body) => page_edit(model, n, &|p| p.body = body),
            Edit::Title(n, t) => page_edit(model, n, &|p| {
                p.title = ["Alpha", "Bravo", "Charlie", "Database failover", "Zulu"]
                    [usize::from(t) % 5]
                    .to_string();
            }),
            Edit::FrontMatter(n, field, v) => page_edit(model, n, &|p| {
                let v = usize::from(v);
                match field % 6 {
                    0 => p.owner = (v % 4 != 3).then(|| OWNERS[v % 3]),
                    1 => p.service = (v % 4 != 3).then(|| SERVICES[v % 3]),
                    2 => p.severity = (v % 5 != 4).then(|| SEVERITIES[v % 4]),
                    3 => p.draft = v % 3 == 0,
                    4 => {
                        p.slug = [None, Some("failover"), Some("other-slug")][v % 3];
                    }
                    _ => {
                        p.aliases = match v % 3 {
                            0 => Vec::new(),
                            1 => vec!["/old/path/"],
                            _ => vec!["/db/backup/"],
                        };
                        p.weight = (v % 2 == 0).then_some(v as i64 % 7);
                    }
                }
            }),
            Edit::Alerts(n, a) => page_edit(model, n, &|p| {
                p.alerts = ALERTS
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| a & (1 << bit) != 0)
                    .map(|(_, alert)| *alert)
                    .collect();
            }),
            Edit::Kind(n, k) => page_edit(model, n, &|p| {
                let k = usize::from(k);
                p.kind = (k % 5 != 4).then(|| KINDS[k % 4]);
            }),
            Edit::NewTag(n, t) => page_edit(model, n, &|p| {
                let tag = TAGS[usize::from(t) % TAGS.len()];
                if !p.tags.contains(&tag) {
                    p.tags.push(tag);
                } else {
                    p.tags.retain(|x| *x != tag);
                }
            }),
            Edit::Rename(n, to) => {
                let Some(from) = model.pick(n) else {
                    return Vec::new();
                };
                let to = NEW_PATHS[to % NEW_PATHS.len()].to_string();
                if model.pages.contains_key(&to) {
                    return Vec::new();
                }
                let page = model.pages.remove(&from).expect("picked");
                model.pages.insert(to.clone(), page);
                let target = content.join(&to);
                let new_dir = !target.parent().expect("parent").exists();
                std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
                std::fs::rename(content.join(&from), &target).expect("rename");
                let mut paths = vec![content.join(&from), target.clone()];
                if new_dir {
                    paths.push(target.parent().expect("parent").to_path_buf());
                }
                paths
            }
            Edit::Delete(n) => {
                let Some(rel) = model.pick(n) else {
                    return Vec::new();
                };
                model.pages.remove(&rel);
                std::fs::remove_file(content.join(&rel)).expect("remove");
                vec![content.join(&rel)]
            }
            Edit::NewFile(n, body) => {
                let rel = NEW_PATHS[n % NEW_PATHS.len()].to_string();
                let target = content.join(&rel);
                let new_dir = !target.parent().expect("parent").exists();
                let mut page = PageSpec::new("New page", body);
                page.tags = vec![TAGS[n % TAGS.len()]];
                model.pages.insert(rel.clone(), page);
                model.write_page(root, &rel);
                let mut paths = vec![target.clone()];
                if new_dir {
                    paths.push(target.parent().expect("parent").to_path_buf());
                }
                paths
            }
            Edit::RuleFile(rules) => {
                model.rules = rules;
                std::fs::write(root.join("rules/site.yaml"), model.rules_text()).expect("rules");
                vec![root.join("rules/site.yaml")]
            }
            Edit::BookToml(book) => {
                model.book = book;
                std::fs::write(root.join("book.toml"), model.book_text()).expect("book");
                vec![root.join("book.toml")]
            }
            Edit::Asset(n) => {
                let asset = ASSETS[n % ASSETS.len()];
                let path = content.join(asset);
                if model.assets.remove(asset) {
                    std::fs::remove_file(&path).expect("remove asset");
                    vec![path]
                } else {
                    model.assets.insert(asset);
                    let new_dir = !path.parent().expect("parent").exists();
                    write_file(&path, b"an asset");
                    let mut paths = vec![path.clone()];
                    if new_dir {
                        paths.push(path.parent().expect("parent").to_path_buf());
                    }
                    paths
                }
            }
        }
    }
}

/// A full build of the folder as it is now: files, `build`'s report and `check`'s.
fn full_build(root: &Path) -> (BTreeMap<String, Vec<u8>>, Report, Report) {
    let config = Config::load(root).expect("config");
    let checked = crate::check(&config).expect("check");
    let check_report = checked.report.clone();
    let mut checked = checked;
    let files = crate::render_site(&config, &mut checked)
        .expect("render")
        .files;
    (files, checked.report, check_report)
}

fn compare(built: &Built, root: &Path, step: &str) -> Result<(), TestCaseError> {
    let (full, build_report, check_report) = full_build(root);
    let served: BTreeMap<&str, &Vec<u8>> =
        built.files.iter().map(|(p, f)| (&**p, &f.bytes)).collect();
    let served_paths: Vec<&str> = served.keys().copied().collect();
    let full_paths: Vec<&str> = full.keys().map(String::as_str).collect();
    prop_assert_eq!(served_paths, full_paths, "{}: the same paths", step);
    for (path, bytes) in &full {
        if served[path.as_str()] != bytes {
            let a = String::from_utf8_lossy(served[path.as_str()]);
            let b = String::from_utf8_lossy(bytes);
            let diff = similar::TextDiff::from_lines(&*b, &*a)
                .unified_diff()
                .header("full build", "serve")
                .to_string();
            return Err(TestCaseError::fail(format!(
                "{step}: {path} differs from a full build:\n{diff}"
            )));
        }
    }
    prop_assert_eq!(
        built.report.diagnostics(),
        build_report.diagnostics(),
        "{}: serve reports what build does",
        step
    );
    prop_assert_eq!(
        built.report.diagnostics(),
        check_report.diagnostics(),
        "{}: serve reports what check does",
        step
    );
    Ok(())
}

fn run_case(defer: bool, bursts: &[Vec<Edit>]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let mut model = Model::initial();
    model.write_all(root);
    let mut builder = Builder::new(Config::load(root).expect("config"), defer);
    let first = builder.build(&Changes::default()).expect("first build");
    compare(&first, root, "first build")?;
    for (step, burst) in bursts.iter().enumerate() {
        // The watcher classifies paths with the configuration `serve` started with.
        let classifier = Classifier::new(builder.config()).expect("classifier");
        let mut changes = Changes::default();
        for edit in burst {
            for path in edit.apply(&mut model, root) {
                if let Some(change) = classifier.classify(&path) {
                    changes.merge(change);
                }
            }
        }
        let built = builder.build(&changes).expect("build");
        let step = format!("step {step} ({burst:?})");
        let built = if built.deferred {
            // What the browser reloads into, before the deferred pass: stale listings, but no
            // link to a file that only the deferred pass would write, and the diagnostics the
            // whole site's check gives (the deferred pass would mend them, a moment late).
            let before = built;
            let built = builder.render_deferred().expect("deferred pass");
            links_resolve_before_the_deferred_pass(&before.files, &built.files, &step)?;
            prop_assert_eq!(
                before.report.diagnostics(),
                built.report.diagnostics(),
                "{}: the preview reports what the deferred pass does",
                step
            );
            built
        } else {
            built
        };
        compare(&built, root, &step)?;
    }
    Ok(())
}

/// Every link of the served pages that leads to a file of the finished site (after the deferred
/// pass) leads to a file already served before it: a page rendered before the reload never
/// links to a file, a new tag's page or an alias, that is not there yet.
fn links_resolve_before_the_deferred_pass(
    served: &Files,
    finished: &Files,
    step: &str,
) -> Result<(), TestCaseError> {
    for (path, file) in served {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(&file.bytes);
        for target in internal_links(path, &html) {
            if finished.contains_key(target.as_str()) && !served.contains_key(target.as_str()) {
                return Err(TestCaseError::fail(format!(
                    "{step}: {path} links to {target}, which only the deferred pass writes"
                )));
            }
        }
    }
    Ok(())
}

/// The site files the `href` and `src` attributes of the page at `path` lead to, as output
/// paths (`a/b/` is `a/b/index.html`); links out of the site are left out. rb-site writes
/// every attribute double-quoted.
fn internal_links(path: &str, html: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for attribute in [" href=\"", " src=\""] {
        for (at, _) in html.match_indices(attribute) {
            let value = &html[at + attribute.len()..];
            let Some(end) = value.find('"') else { continue };
            let link = value[..end].split(['#', '?']).next().unwrap_or_default();
            if link.is_empty() || link.starts_with('/') || link.contains(':') {
                continue;
            }
            let mut parts: Vec<&str> = path.split('/').collect();
            parts.pop();
            for segment in link.split('/') {
                match segment {
                    "." | "" => {}
                    ".." => {
                        parts.pop();
                    }
                    segment => parts.push(segment),
                }
            }
            let mut target = parts.join("/");
            if link.ends_with('/') {
                target.push_str("/index.html");
            }
            targets.push(target);
        }
    }
    targets
}

#[test]
fn links_are_resolved_against_the_page() {
    let html = r##"<a href="../../tags/ha/">ha</a> <img src="chart.svg?v=2"> <a href="#steps">s</a>
        <a href="https://example.com/x">x</a> <a href="../../index.html#top">home</a>"##;
    assert_eq!(
        internal_links("db/failover/index.html", html),
        ["tags/ha/index.html", "index.html", "db/failover/chart.svg"]
    );
}

fn cases() -> u32 {
    std::env::var("RB_SITE_SERVE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The random source of a run: seeded by `RB_SITE_SERVE_SEED` when it is set (`.ci/run` sets
/// one, so a CI run tries the same cases every time and cannot fail by chance), else by a fresh
/// seed. The seed is printed either way: a failure can be run again exactly.
fn rng() -> TestRng {
    use std::hash::{BuildHasher, Hasher};
    let seed = std::env::var("RB_SITE_SERVE_SEED")
        .ok()
        .and_then(|seed| seed.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        });
    eprintln!("serve property test: RB_SITE_SERVE_SEED={seed}");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn run(cases: u32) {
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..RunnerConfig::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng());
    if let Err(err) = runner.run(&bursts(), |(defer, bursts)| run_case(defer, &bursts)) {
        panic!("{err}");
    }
}

#[test]
fn issue_17_serve_equals_a_full_build_after_random_edits() {
    run(cases());
}

#[test]
#[ignore = "nightly: hundreds of random edit sequences"]
fn issue_17_serve_equals_a_full_build_long() {
    run(LONG_CASES.max(cases()));
}

/// Found by the property test on CI: `db/_index.md` became a draft, then its `kind:` changed.
/// The full build gave the draft's kind to the folder's runbooks; serve, which places pages with
/// the kinds of the section pages in the site, did not. A draft now sets nothing for the pages
/// below it, in both.
#[test]
fn a_draft_section_page_gives_its_folder_no_kind() {
    let bursts = vec![
        vec![Edit::FrontMatter(16657463549694172787, 105, 132)],
        vec![
            Edit::Alerts(17382173766526607516, 177),
            Edit::Body(17891397754321932786, 43675),
            Edit::Delete(16276544383851049195),
        ],
        vec![
            Edit::Alerts(5600672951323127721, 130),
            Edit::Kind(11449744205216559129, 142),
        ],
    ];
    if let Err(err) = run_case(false, &bursts) {
        panic!("{err}");
    }
}

/// The generated site uses what the alert stage reads beyond front matter, so that random
/// edits reach it: claims by heading and by book.toml, and aliases by service.
#[test]
fn the_generated_site_claims_alerts_by_heading_and_by_book_toml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut model = Model::initial();
    // A heading claim of an alert that book.toml gives to a page before it.
    model
        .pages
        .get_mut("db/failover.md")
        .expect("failover")
        .body |= 1 << 10;
    model.write_all(dir.path());
    let (files, report, _) = full_build(dir.path());
    let claims: Vec<String> = report
        .diagnostics()
        .iter()
        .filter(|d| d.code == "duplicate-alert-claim")
        .map(|d| format!("{} {}", d.location(), d.message))
        .collect();
    assert!(
        claims
            .iter()
            .any(|c| c.starts_with("content/db/failover.md:")),
        "a heading claim: {claims:?}"
    );
    assert!(
        claims.iter().any(|c| c.starts_with("book.toml:")),
        "a book.toml claim: {claims:?}"
    );
    assert!(files.contains_key("svc/db/postgresprimarydown/index.html"));
}
