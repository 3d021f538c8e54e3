//! The incremental builder against full builds: after every kind of edit, the files and the
//! diagnostics equal what `rb-site build` makes of the folder.

use std::collections::BTreeMap;
use std::path::Path;

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

/// What `rb-site build` renders for the folder right now, and its diagnostics.
fn full_build(root: &Path) -> (BTreeMap<String, Vec<u8>>, Report) {
    let config = Config::load(root).expect("config");
    let mut checked = crate::check(&config).expect("check");
    let files = crate::render_site(&config, &mut checked)
        .expect("render")
        .files;
    (files, checked.report)
}

/// Builds, then runs the deferred pass as `serve` does once edits pause.
fn build(builder: &mut Builder, changes: &Changes) -> Built {
    let built = builder.build(changes).expect("build");
    if !built.deferred {
        return built;
    }
    let later = builder.render_deferred().expect("deferred pass");
    assert!(!later.deferred);
    Built {
        files: later.files,
        report: later.report,
        ..built
    }
}

/// Builds, and returns the files as they are before the reload and after the deferred pass.
fn build_in_two(builder: &mut Builder, changes: &Changes) -> (Built, Built) {
    let now = builder.build(changes).expect("build");
    let later = builder.render_deferred().expect("deferred pass");
    let after = Built {
        files: later.files,
        report: later.report,
        rendered: now.rendered + later.rendered,
        changed: later.changed,
        parsed: now.parsed,
        full: now.full,
        deferred: false,
        millis: 0.0,
    };
    (now, after)
}

/// The paths whose files a build made anew: new, or with other bytes than before (or gone).
fn remade(before: &Files, after: &Files) -> Vec<String> {
    let mut paths: Vec<String> = super::changed_paths(before, after)
        .map(str::to_string)
        .collect();
    paths.sort();
    paths
}

fn page(built: &Built, path: &str) -> String {
    String::from_utf8_lossy(&built.files[path].bytes).into_owned()
}

fn assert_same_as_full_build(built: &Built, root: &Path, step: &str) {
    let (full, report) = full_build(root);
    let incremental: BTreeMap<&str, &Vec<u8>> =
        built.files.iter().map(|(p, f)| (&**p, &f.bytes)).collect();
    assert_eq!(
        incremental.keys().copied().collect::<Vec<_>>(),
        full.keys().map(String::as_str).collect::<Vec<_>>(),
        "{step}: the same paths"
    );
    for (path, bytes) in &full {
        assert!(
            incremental[path.as_str()] == bytes,
            "{step}: {path} differs from a full build"
        );
    }
    assert_eq!(
        built.report.diagnostics(),
        report.diagnostics(),
        "{step}: the same diagnostics"
    );
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

/// The checks a save runs before the reload are a preview: the deferred pass checks the whole
/// site again, so a page the patch failed to check again still ends up with its diagnostics.
#[test]
fn the_deferred_pass_checks_again_what_a_patch_missed() {
    let dir = copy_fixture();
    let root = dir.path();
    let mut builder = Builder::new(Config::load(root).expect("config"), true);
    build(&mut builder, &Changes::default());
    builder.state.as_mut().expect("built").checks.blind = true;
    edit(
        root,
        "db/failover.md",
        "Promote the replica when",
        "Promote the replica ([see](missing.md)) when",
    );
    let (now, built) = build_in_two(&mut builder, &content_change("db/failover.md"));
    let broken = |built: &Built| {
        built
            .report
            .diagnostics()
            .iter()
            .any(|d| d.code == "broken-link" && d.file.ends_with("db/failover.md"))
    };
    assert!(!broken(&now), "the patch, blind, saw no broken link");
    assert!(broken(&built), "the deferred pass did");
    assert_same_as_full_build(&built, root, "after the deferred pass");
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

    // A body edit: one file parsed; that page alone before the reload; after it, of the whole
    // site rendered again, the print binder and the search index files that hold its words.
    edit(
        root,
        "db/failover.md",
        "Promote the replica when",
        "Promote the standby when",
    );
    let (now, built) = build_in_two(&mut builder, &content_change("db/failover.md"));
    assert_eq!((now.parsed, now.full, now.deferred), (1, false, true));
    assert_eq!(now.rendered, 1, "the page alone");
    assert!(page(&now, "db/failover/index.html").contains("Promote the standby when"));
    assert_eq!(
        remade(&now.files, &built.files),
        [
            "print/db/index.html",
            "search/d/4.js",
            "search/p/0.js",
            "search/v/st.js"
        ],
        "the deferred pass renders all {total} files and keeps those it made the same"
    );
    assert_eq!(built.changed, 4, "what serve reports as changed");
    assert_eq!(
        builder.cache.search_records_made(),
        1,
        "the search index reads the edited page alone again"
    );
    assert_same_as_full_build(&built, root, "body edit");

    // A file saved unchanged: nothing parsed.
    let built = build(&mut builder, &content_change("db/failover.md"));
    assert_eq!(built.parsed, 0);
    assert_same_as_full_build(&built, root, "touch");

    // A title change moves the page after its neighbour: both are rendered before the reload;
    // the section page (which lists them) after it.
    edit(
        root,
        "db/backup.md",
        "title: \"Backup restore\"",
        "title: \"Restore a backup\"",
    );
    let (now, built) = build_in_two(&mut builder, &content_change("db/backup.md"));
    assert!(!now.full && now.deferred);
    assert_eq!(now.rendered, 2, "the page and its neighbour");
    assert!(page(&now, "db/failover/index.html").contains("Restore a backup"));
    assert!(page(&now, "db/index.html").contains("Backup restore"));
    assert!(page(&built, "db/index.html").contains("Restore a backup"));
    assert_same_as_full_build(&built, root, "title change");

    // Edits that a later deferred pass would have to follow, saved before it runs.
    edit(
        root,
        "db/backup.md",
        "Restore a backup",
        "Restore the backup",
    );
    let now = builder
        .build(&content_change("db/backup.md"))
        .expect("build");
    assert!(now.deferred);
    edit(root, "db/failover.md", "Database failover", "Fail over");
    let built = build(&mut builder, &content_change("db/failover.md"));
    assert_same_as_full_build(&built, root, "two deferred passes in one");

    // A new tag: its page must exist when the page linking to it is served, so nothing waits.
    edit(
        root,
        "db/failover.md",
        "tags: [postgres, failover]",
        "tags: [postgres, failover, ha]",
    );
    let now = builder
        .build(&content_change("db/failover.md"))
        .expect("build");
    assert!(now.deferred, "the site is checked again after the reload");
    assert!(now.files.contains_key("tags/ha/index.html"));
    assert_same_as_full_build(&now, root, "new tag");

    // A heading another page links to by anchor disappears.
    edit(root, "db/backup.md", "## Restore\n", "## Restoring\n");
    let built = build(&mut builder, &content_change("db/backup.md"));
    assert_same_as_full_build(&built, root, "anchor change");

    // A new page, written through a temp file and a rename.
    let new = root.join("content/api/errors.md");
    let tmp = root.join("content/api/.errors.md.tmp");
    std::fs::write(&tmp, "---\ntitle: API errors\nowner: team-edge\nkind: reference\ntags: [api]\n---\n\n# API errors\n\nSee [latency](latency.md).\n").expect("tmp");
    std::fs::rename(&tmp, &new).expect("rename");
    let before = Arc::clone(&built.files);
    let built = build(&mut builder, &content_change("api/errors.md"));
    assert!(
        built.full,
        "a new page links and checks the whole site again"
    );
    assert!(built.files.contains_key("api/errors/index.html"));
    assert_same_as_full_build(&built, root, "new page");
    // Its template contexts tell which files it changes: the new page, the section and the tag
    // that list it, the navigation; not the runbooks of other sections.
    let remade = remade(&before, &built.files);
    assert!(remade.contains(&"api/index.html".to_string()), "{remade:?}");
    assert!(
        remade.contains(&"tags/api/index.html".to_string()),
        "{remade:?}"
    );
    assert!(
        !remade.contains(&"db/failover/index.html".to_string()),
        "{remade:?}"
    );
    assert!(
        remade.len() < total / 2,
        "{} of {total}: {remade:?}",
        remade.len()
    );

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

#[test]
fn incremental_checks_equal_a_full_build_diagnostic_for_diagnostic() {
    let dir = copy_fixture();
    let root = dir.path();
    std::fs::create_dir_all(root.join("rules")).expect("rules dir");
    std::fs::write(
        root.join("rules/db.yaml"),
        "groups:\n- name: db\n  rules:\n  - alert: PostgresPrimaryDown\n    expr: pg_up == 0\n    labels:\n      severity: critical\n    annotations:\n      runbook_url: /db/failover/#steps\n  - alert: PostgresReplicaLag\n    expr: pg_lag > 10\n    labels:\n      severity: critical\n",
    )
    .expect("rules");
    let book = std::fs::read_to_string(root.join("book.toml")).expect("book.toml");
    std::fs::write(
        root.join("book.toml"),
        format!("{book}\n[alerts]\nrules = [\"rules/*.yaml\"]\n"),
    )
    .expect("book.toml");
    let mut builder = Builder::new(Config::load(root).expect("config"), true);
    let first = builder.build(&Changes::default()).expect("first build");
    assert!(
        first
            .report
            .diagnostics()
            .iter()
            .any(|d| d.code == "alert-without-runbook"),
        "{:?}",
        first.report.diagnostics()
    );
    assert_same_as_full_build(&first, root, "first build");

    // The heading a rule's runbook link names goes: the graph is built again.
    edit(root, "db/failover.md", "## Steps\n", "## Procedure\n");
    let built = build(&mut builder, &content_change("db/failover.md"));
    assert!(
        built
            .report
            .diagnostics()
            .iter()
            .any(|d| d.code == "runbook-url-mismatch"),
        "the link's fragment is no heading now"
    );
    assert_same_as_full_build(&built, root, "rule link fragment");

    // A runbook claims the alert that had none: a new alert page, so nothing waits.
    edit(
        root,
        "db/backup.md",
        "severity: warning\n",
        "severity: warning\nalerts: [PostgresReplicaLag]\n",
    );
    let now = builder
        .build(&content_change("db/backup.md"))
        .expect("build");
    assert!(now.deferred, "the site is checked again after the reload");
    assert!(
        now.files
            .contains_key("alerts/PostgresReplicaLag/index.html")
    );
    assert_same_as_full_build(&now, root, "new claim");

    // A second claim of it: duplicate-alert-claim, at the claim's line.
    edit(
        root,
        "api/latency.md",
        "alerts: [ApiLatencyHigh]",
        "alerts: [ApiLatencyHigh, PostgresReplicaLag]",
    );
    let built = build(&mut builder, &content_change("api/latency.md"));
    assert_same_as_full_build(&built, root, "duplicate claim");

    // A title edit above the claim moves no claim: the graph is kept, and still right.
    edit(root, "api/latency.md", "title: \"", "title: \"Slow: ");
    let built = build(&mut builder, &content_change("api/latency.md"));
    assert_same_as_full_build(&built, root, "title above a claim");

    // An unknown kind (a placement diagnostic), then fixed.
    edit(
        root,
        "db/backup.md",
        "severity: warning\n",
        "severity: warning\nkind: recipe\n",
    );
    let built = build(&mut builder, &content_change("db/backup.md"));
    assert!(
        built
            .report
            .diagnostics()
            .iter()
            .any(|d| d.code == "invalid-field")
    );
    assert_same_as_full_build(&built, root, "unknown kind");
    edit(root, "db/backup.md", "kind: recipe\n", "");
    let built = build(&mut builder, &content_change("db/backup.md"));
    assert_same_as_full_build(&built, root, "kind fixed");

    // A draft, edited while it stays one.
    std::fs::write(
        root.join("content/db/draft.md"),
        "---\ntitle: Draft\ndraft: true\n---\n\n# Draft\n",
    )
    .expect("draft");
    let built = build(&mut builder, &content_change("db/draft.md"));
    assert_same_as_full_build(&built, root, "new draft");
    edit(root, "db/draft.md", "# Draft\n", "# Draft\n\nMore.\n");
    let built = build(&mut builder, &content_change("db/draft.md"));
    assert!(!built.full, "a draft's edit shows nowhere");
    assert_same_as_full_build(&built, root, "draft edited");

    // Two sources on one URL; then the second one is edited.
    std::fs::write(
        root.join("content/db/failover-2.md"),
        "---\ntitle: Other\nowner: team-db\nslug: failover\n---\n\n# Other\n",
    )
    .expect("duplicate");
    let built = build(&mut builder, &content_change("db/failover-2.md"));
    assert!(
        built
            .report
            .diagnostics()
            .iter()
            .any(|d| d.code == "duplicate-url")
    );
    assert_same_as_full_build(&built, root, "duplicate url");
    edit(root, "db/failover-2.md", "# Other\n", "# Other\n\nText.\n");
    let built = build(&mut builder, &content_change("db/failover-2.md"));
    assert_same_as_full_build(&built, root, "duplicate edited");
}

/// Found by the property test: a runbook moving to another service changes the sidebar of
/// every runbook of both services (their lists and counts), not only its own page.
#[test]
fn issue_17_a_service_change_reaches_every_sidebar_of_both_services() {
    for defer in [false, true] {
        let dir = copy_fixture();
        let root = dir.path();
        let mut builder = Builder::new(Config::load(root).expect("config"), defer);
        let first = builder.build(&Changes::default()).expect("first build");
        assert_same_as_full_build(&first, root, "first build");
        edit(root, "db/backup.md", "service: db", "service: api");
        let built = build(&mut builder, &content_change("db/backup.md"));
        assert!(page(&built, "api/latency/index.html").contains("Backup restore"));
        assert_same_as_full_build(&built, root, "service change");
    }
}

#[test]
fn issue_17_a_heading_claim_diagnostic_moves_with_its_heading() {
    // Two pages claim one alert by heading: the second's claim is reported at its heading. Text
    // added above that heading moves it, and the diagnostic must move too.
    let dir = copy_fixture();
    let root = dir.path();
    let book = std::fs::read_to_string(root.join("book.toml")).expect("book.toml");
    std::fs::write(
        root.join("book.toml"),
        format!(
            "{book}\n[[paths]]\nmatch = [\"db/**\"]\nheading-claims = [\"Alert: {{alert}}\"]\n"
        ),
    )
    .expect("book.toml");
    edit(root, "db/backup.md", "## Restore\n", "## Alert: DbDown\n");
    edit(
        root,
        "db/failover.md",
        "## Steps\n",
        "## Alert: DbDown\n\n## Steps\n",
    );
    let mut builder = Builder::new(Config::load(root).expect("config"), true);
    let first = builder.build(&Changes::default()).expect("first build");
    let claim_lines = |built: &Built| -> Vec<String> {
        built
            .report
            .diagnostics()
            .iter()
            .filter(|d| d.code == "duplicate-alert-claim")
            .map(|d| d.location())
            .collect()
    };
    assert_eq!(
        claim_lines(&first).len(),
        1,
        "{:?}",
        first.report.diagnostics()
    );
    assert_same_as_full_build(&first, root, "first build");

    for (page, above) in [
        ("db/backup.md", "# Backup restore\n"),
        ("db/failover.md", "# Database failover\n"),
    ] {
        let before = claim_lines(&build(&mut builder, &content_change(page)));
        edit(root, page, above, &format!("{above}\nA new paragraph.\n"));
        let built = build(&mut builder, &content_change(page));
        assert_same_as_full_build(&built, root, &format!("text above the headings of {page}"));
        assert_eq!(claim_lines(&built).len(), 1);
        if claim_lines(&built)[0].starts_with(&format!("content/{page}")) {
            assert_ne!(
                claim_lines(&built),
                before,
                "the diagnostic moved with {page}"
            );
        }
    }
}
