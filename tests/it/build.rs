//! `rb-site build` end to end: pages, URLs, relative links, determinism, atomic writes.

use std::path::Path;

use crate::support::{build_into, fixture, rb_site, read, repo, shared, tree};

#[test]
fn builds_the_fixture_site_with_every_page_kind() {
    let site = fixture("basic");
    let out = site.path().join("out");
    let assert = build_into(site.path(), &out).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("Built 2 runbooks, 3 sections in "),
        "{stderr}"
    );
    let files = tree(&out);
    for path in [
        "index.html",
        "db/index.html",
        "db/failover/index.html",
        "api/index.html",
        "api/latency/index.html",
        "tags/index.html",
        "tags/database/index.html",
        "services/db/index.html",
        "owners/team-data/index.html",
        "severities/critical/index.html",
        "404.html",
        "print/index.html",
        "print/db/index.html",
        "review-overdue/index.html",
        "sitemap.xml",
        "old/failover/index.html",
        "static/nav.js",
        "static/style.css",
    ] {
        assert!(
            files.contains_key(path),
            "missing {path}; have {:?}",
            files.keys().collect::<Vec<_>>()
        );
    }
    let redirect = read(&out.join("old/failover/index.html"));
    assert!(
        redirect.contains("url=../../db/failover/index.html"),
        "{redirect}"
    );
    let sitemap = read(&out.join("sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://rb.example/db/failover/</loc><lastmod>2026-10-01</lastmod>"),
        "{sitemap}"
    );
}

#[test]
fn front_matter_is_escaped_and_template_syntax_in_runbooks_is_left_alone() {
    let site = fixture("basic");
    let out = site.path().join("out");
    build_into(site.path(), &out).assert().success();
    let page = read(&out.join("api/latency/index.html"));
    assert!(
        page.contains("API latency &lt;p99&gt; &amp; &quot;quotes&quot;"),
        "{page}"
    );
    assert!(!page.contains("<p99>"));
    assert!(
        page.contains("{{ $labels.instance }}"),
        "template syntax must come out as written"
    );
}

/// Every `href`/`src` a page writes is relative and points at a file of the site.
#[test]
fn every_link_in_the_demo_site_is_relative_and_resolves() {
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("site");
    build_into(&repo(), &dest).arg("--quiet").assert().success();
    let files = tree(&dest);
    let mut checked = 0;
    for (path, bytes) in &files {
        if !path.ends_with(".html") || path == "404.html" {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for link in attribute_values(&html, &["href=\"", "src=\""]) {
            if link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("mailto:")
                || link.starts_with('#')
            {
                continue;
            }
            assert!(!link.starts_with('/'), "{path}: absolute link {link}");
            let target = link.split(['#', '?']).next().unwrap_or_default();
            let resolved = normalise(Path::new(path).parent().unwrap_or(Path::new("")), target);
            assert!(
                files.contains_key(&resolved),
                "{path}: link {link} -> {resolved} does not exist"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} links checked");
}

fn attribute_values<'a>(html: &'a str, prefixes: &[&str]) -> Vec<&'a str> {
    let mut values = Vec::new();
    for prefix in prefixes {
        let mut rest = html;
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            if let Some(end) = rest.find('"') {
                values.push(&rest[..end]);
            }
        }
    }
    values
}

fn normalise(dir: &Path, link: &str) -> String {
    let mut parts: Vec<String> = dir
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other.to_string()),
        }
    }
    let joined = parts.join("/");
    if link.ends_with('/') || joined.is_empty() {
        format!("{joined}/index.html")
            .trim_start_matches('/')
            .to_string()
    } else {
        joined
    }
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut trees = Vec::new();
    for threads in ["1", "2", "4"] {
        let dest = out.path().join(format!("site-{threads}"));
        rb_site()
            .env("RAYON_NUM_THREADS", threads)
            .args(["build", "--quiet", "--root"])
            .arg(repo())
            .arg("--dest")
            .arg(&dest)
            .assert()
            .success();
        trees.push(tree(&dest));
    }
    assert!(trees[0].len() > 50);
    assert_eq!(trees[0], trees[1]);
    assert_eq!(trees[0], trees[2]);
}

#[test]
fn a_failed_build_leaves_the_previous_site_and_a_deleted_page_disappears() {
    let site = fixture("basic");
    let out = site.path().join("out");
    build_into(site.path(), &out).assert().success();
    let before = tree(&out);

    // A broken runbook: the build fails with exit 1 and the site stays as it was.
    let broken = site.path().join("content/db/broken.md");
    std::fs::write(&broken, "---\ntitle: [unclosed\n---\n# x\n").expect("write");
    let assert = build_into(site.path(), &out).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("content/db/broken.md:2:"), "{stderr}");
    assert!(stderr.contains("left as it was"), "{stderr}");
    assert_eq!(tree(&out), before);

    // Fixed by deleting it, and deleting a runbook: its page leaves the site.
    std::fs::remove_file(&broken).expect("remove");
    std::fs::remove_file(site.path().join("content/api/latency.md")).expect("remove");
    // …and the link to it goes too, or the build would rightly fail on a broken link.
    let failover = site.path().join("content/db/failover.md");
    let text = read(&failover).replace("see [latency](../api/latency.md#rollback)", "see latency");
    std::fs::write(&failover, text).expect("write");
    build_into(site.path(), &out).assert().success();
    let after = tree(&out);
    assert!(!after.contains_key("api/latency/index.html"));
    assert!(after.contains_key("db/failover/index.html"));
}

#[test]
fn a_template_that_fails_while_pages_are_written_leaves_the_previous_site() {
    let site = fixture("basic");
    let out = site.path().join("out");
    build_into(site.path(), &out).assert().success();
    let before = tree(&out);

    // The checks pass; the runbook template then fails for one page while the other pages
    // are already being written into the spare generation.
    let templates = site.path().join("themes/broken/templates");
    std::fs::create_dir_all(&templates).expect("theme dir");
    std::fs::write(
        templates.join("runbook.html"),
        "{% if page.title is containing(pat=\"failover\") %}{{ missing.value }}{% endif %}changed\n",
    )
    .expect("template");
    let book = site.path().join("book.toml");
    let config = read(&book);
    std::fs::write(&book, format!("{config}\n[build]\ntheme = \"broken\"\n")).expect("book.toml");
    let assert = build_into(site.path(), &out).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("runbook.html"), "{stderr}");
    assert_eq!(
        tree(&out),
        before,
        "the live site is the previous one, file for file"
    );

    // Back to the default theme: the spare generation, half written by the failed build,
    // comes back exactly as a fresh build makes it.
    std::fs::write(&book, config).expect("book.toml");
    build_into(site.path(), &out).assert().success();
    assert_eq!(tree(&out), before);
    let fresh = site.path().join("fresh");
    build_into(site.path(), &fresh).assert().success();
    assert_eq!(tree(&fresh), before);
}

#[test]
fn refuses_to_write_into_a_folder_it_does_not_own() {
    let site = fixture("basic");
    let foreign = site.path().join("docs");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("precious.txt"), "keep me").expect("write");
    build_into(site.path(), &foreign)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("was not made by rb-site"));
    assert_eq!(read(&foreign.join("precious.txt")), "keep me");
    build_into(site.path(), site.path()).assert().code(2);
    rb_site()
        .args(["build", "--root"])
        .arg(site.path())
        .arg("--dest")
        .arg(site.path().join("content"))
        .assert()
        .code(2);
}

#[test]
fn new_writes_a_runbook_with_every_section_and_never_overwrites() {
    let site = fixture("basic");
    rb_site()
        .args([
            "new",
            "Redis memory high",
            "--service",
            "cache",
            "--alert",
            "RedisMemoryHigh",
            "--root",
        ])
        .arg(site.path())
        .assert()
        .success();
    let path = site.path().join("content/cache/redis-memory-high.md");
    let text = read(&path);
    for heading in [
        "## Preconditions",
        "## Steps",
        "## Validation",
        "## Rollback",
        "  - \"RedisMemoryHigh\"",
    ] {
        assert!(text.contains(heading), "{heading} missing in {text}");
    }
    rb_site()
        .args(["new", "Redis memory high", "--service", "cache", "--root"])
        .arg(site.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("never overwritten"));
    // `--severity` is one of `[validate] severities`; without it, the first, the rest named.
    assert!(text.contains("\nseverity: critical  # one of: critical, warning, info\n"));
    rb_site()
        .args(["new", "Redis slow", "--severity", "warning", "--root"])
        .arg(site.path())
        .assert()
        .success();
    assert!(read(&site.path().join("content/redis-slow.md")).contains("\nseverity: \"warning\"\n"));
    std::fs::remove_file(site.path().join("content/redis-slow.md")).expect("remove");
    rb_site()
        .args(["new", "Redis slower", "--severity", "sev1", "--root"])
        .arg(site.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--severity \"sev1\" is none of [validate] severities: critical, warning, info",
        ));
    // Unwritten, each required section is an error at its heading: an untouched scaffold
    // never passes CI.
    let (code, found, _) = crate::support::check_locations(site.path());
    assert_eq!(code, 1);
    let file = "content/cache/redis-memory-high.md";
    let empty: Vec<&String> = found.iter().filter(|f| f.starts_with(file)).collect();
    let heading_line = |heading: &str| {
        text.lines()
            .position(|line| line == heading)
            .map(|i| i + 1)
            .expect(heading)
    };
    let want: Vec<String> = [
        "## Preconditions",
        "## Steps",
        "## Validation",
        "## Rollback",
    ]
    .iter()
    .map(|h| format!("{file}:{}:1 empty-section", heading_line(h)))
    .collect();
    assert_eq!(empty, want.iter().collect::<Vec<_>>(), "{found:?}");
    // Written, it builds.
    let written = text
        .split("<!--")
        .enumerate()
        .map(|(i, part)| match (i, part.split_once("-->")) {
            (0, _) | (_, None) => part.to_string(),
            (_, Some((_, rest))) => format!("Written by the on-call team.\n{rest}"),
        })
        .collect::<String>();
    std::fs::write(&path, written).expect("write");
    rb_site()
        .args(["build", "--quiet", "--root"])
        .arg(site.path())
        .assert()
        .success();
}

#[test]
fn init_makes_a_site_that_builds_and_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("runbooks");
    rb_site().arg("init").arg(&root).assert().success();
    assert!(read(&root.join(".gitignore")).contains("/site/"));
    rb_site()
        .args(["build", "--quiet", "--root"])
        .arg(&root)
        .assert()
        .success();
    assert!(
        root.join("site/example/example-service-down/index.html")
            .is_file()
    );
    rb_site()
        .arg("init")
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "already has a book.toml; rb-site init never overwrites one",
        ));
}

/// A repository without runbooks yet (only a home page) builds: its
/// print index says there is nothing to print. It used to fail with a template error, because
/// an empty list of binders looked like a binder's part to the template. Found by the serve
/// property test (every runbook deleted or renamed away).
#[test]
fn a_site_without_runbooks_builds_with_an_empty_print_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("content")).expect("mkdir");
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"T\"\n").expect("book");
    std::fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\n# Home\n",
    )
    .expect("home");
    let dest = root.join("out");
    build_into(root, &dest).assert().success();
    let print = read(&dest.join("print/index.html"));
    assert!(
        print.contains("<title>Print binders · T</title>"),
        "{print}"
    );
    assert!(print.contains("No runbooks to print yet."), "{print}");
    assert!(read(&dest.join("index.html")).contains("<h1"));
}

#[test]
fn every_command_has_help() {
    for command in [
        &["--help"][..],
        &["build", "--help"],
        &["check", "--help"],
        &["new", "--help"],
        &["init", "--help"],
        &["theme", "eject", "--help"],
    ] {
        rb_site()
            .args(command)
            .assert()
            .success()
            .stdout(predicates::str::contains("Usage: rb-site"));
    }
    rb_site().arg("frobnicate").assert().code(2);
}

/// A real collection written for Hugo builds without panic, one page per Markdown file.
#[test]
fn builds_the_prometheus_operator_runbooks() {
    let Some(shared) = shared() else { return };
    let corpus = shared.join("corpus/prometheus-operator-runbooks/content");
    let site = tempfile::tempdir().expect("tempdir");
    let content = corpus.canonicalize().expect("corpus path");
    std::fs::write(
        site.path().join("book.toml"),
        format!(
            "[book]\ntitle = \"prometheus-operator\"\n[build]\ncontent-dir = {:?}\n[validate]\ndefault-kind = \"alert\"\n[validate.levels]\nmissing-section = \"warning\"\nempty-section = \"warning\"\nunknown-field = \"off\"\nbroken-link = \"warning\"\nbroken-anchor = \"warning\"\n",
            content.to_string_lossy()
        ),
    )
    .expect("book.toml");
    let dest = site.path().join("site");
    let assert = build_into(site.path(), &dest).assert();
    let output = assert.get_output();
    assert!(
        output.status.code() == Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let markdown: Vec<_> = walkdir::WalkDir::new(&content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            e.path()
                .strip_prefix(&content)
                .expect("prefix")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(markdown.len() > 100, "{}", markdown.len());
    let files = tree(&dest);
    for rel in &markdown {
        let stem = rel.trim_end_matches(".md");
        let expected = if let Some(dir) = stem.strip_suffix("/_index") {
            format!("{}/index.html", dir.to_lowercase())
        } else if stem == "_index" {
            "index.html".to_string()
        } else {
            format!("{}/index.html", stem.to_lowercase())
        };
        assert!(
            files.contains_key(&expected),
            "{rel} has no page at {expected}"
        );
    }
}

/// Content may use the names of generated folders (`search/`, `alerts/`…) as long as no two
/// files want one path; a page on a generated path is an error naming its source.
#[test]
fn generated_paths_collide_only_where_files_do() {
    let site = fixture("basic");
    let out = site.path().join("out");
    let search = site.path().join("content/search");
    std::fs::create_dir_all(&search).expect("mkdir");
    std::fs::write(
        search.join("indexer-down.md"),
        "---\ntitle: Search indexer down\nlast_reviewed: 2026-10-01\n---\n# Search indexer down\n\n## Preconditions\n\nNone.\n\n## Steps\n\n1. Restart it.\n\n## Validation\n\nIt indexes.\n\n## Rollback\n\nNothing to undo.\n",
    )
    .expect("write");
    build_into(site.path(), &out).assert().success();
    assert!(out.join("search/indexer-down/index.html").is_file());
    assert!(out.join("search/meta.js").is_file());

    let tags = site.path().join("content/tags");
    std::fs::create_dir_all(&tags).expect("mkdir");
    std::fs::write(tags.join("_index.md"), "---\ntitle: Tags\n---\n").expect("write");
    let assert = build_into(site.path(), &out).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("error[reserved-path]"), "{stderr}");
    assert!(stderr.contains("content/tags/_index.md"), "{stderr}");
    assert!(stderr.contains("tags/index.html"), "{stderr}");
}

/// The rendered runbook page, whole: header, metadata, body, alerts panel. Asset hashes are
/// masked so the snapshot changes only when the markup does.
#[test]
fn runbook_page_snapshot() {
    let site = fixture("basic");
    let out = site.path().join("out");
    build_into(site.path(), &out)
        .arg("--quiet")
        .assert()
        .success();
    let page = read(&out.join("db/failover/index.html"));
    let masked = mask_asset_versions(&page);
    insta::assert_snapshot!("basic_failover_page", masked);
    let section = mask_asset_versions(&read(&out.join("db/index.html")));
    insta::assert_snapshot!("basic_db_section_page", section);
}

fn mask_asset_versions(html: &str) -> String {
    let mut masked = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("?v=") {
        masked.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let end = rest
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len());
        masked.push_str("[hash]");
        rest = &rest[end..];
    }
    masked.push_str(rest);
    masked
}

/// Every file and folder under `dir` (the spare generation beside it included) with its
/// modification time and inode: what a build that writes nothing must leave alone.
#[cfg(unix)]
fn stamps(dir: &Path) -> std::collections::BTreeMap<String, (std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let meta = e.metadata().expect("metadata");
            (
                e.path().to_string_lossy().into_owned(),
                (meta.modified().expect("mtime"), meta.ino()),
            )
        })
        .collect()
}

/// Issue 16: a rebuild with nothing changed writes no file, swaps nothing, and says so; the
/// next real change is written and swapped in as usual.
#[cfg(unix)]
#[test]
fn issue16_a_rebuild_with_nothing_changed_writes_no_file() {
    let site = fixture("basic");
    let out = site.path().join("out");
    build_into(site.path(), &out).assert().success();
    let first = tree(&out);
    assert!(
        first.keys().any(|p| p.starts_with("alerts/")),
        "{:?}",
        first.keys()
    );
    let parent = site.path();
    let before = stamps(parent);
    // File times tick in steps of a few milliseconds: a rewrite must be able to show.
    std::thread::sleep(std::time::Duration::from_millis(50));
    for round in 0..2 {
        build_into(site.path(), &out).assert().success();
        let after = stamps(parent);
        let changed: Vec<&String> = before
            .iter()
            .filter(|(path, stamp)| after.get(*path) != Some(stamp))
            .map(|(path, _)| path)
            .chain(after.keys().filter(|p| !before.contains_key(*p)))
            .collect();
        assert!(
            changed.is_empty(),
            "round {round}: a no-change rebuild touched {changed:?}"
        );
    }
    assert_eq!(tree(&out), first);

    // A real change is built and swapped in.
    let page = walkdir::WalkDir::new(site.path().join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "md") && e.file_name() != "_index.md")
        .expect("a runbook")
        .into_path();
    let text = read(&page);
    std::fs::write(&page, text.replacen("\n## ", "\nA new line.\n\n## ", 1)).expect("edit");
    build_into(site.path(), &out).assert().success();
    let second = tree(&out);
    let differing: Vec<&String> = first
        .iter()
        .filter(|(path, bytes)| second.get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .collect();
    assert!(
        differing
            .iter()
            .any(|p| std::str::from_utf8(&second[*p]).is_ok_and(|t| t.contains("A new line."))),
        "{differing:?}"
    );
    // Back to the first text: the site is the first build's again, the stale spare updated.
    std::fs::write(&page, text).expect("restore");
    build_into(site.path(), &out).assert().success();
    assert_eq!(tree(&out), first);
}

/// Issue 16: a build whose inputs did not change since the last build into the same folder
/// renders and writes nothing, and says so; a change to any kind of input is built, and gives
/// exactly the site a fresh build of the same inputs gives.
#[test]
fn issue16_a_no_change_build_is_skipped_and_every_kind_of_input_change_is_built() {
    let site = fixture("basic");
    let root = site.path().to_path_buf();
    let out = root.join("out");
    let book = root.join("book.toml");
    std::fs::write(
        &book,
        read(&book) + "\n[alerts]\nrules = [\"rules/*.yaml\"]\n",
    )
    .expect("book.toml");
    let rule = |name: &str| {
        format!("groups:\n- name: db\n  rules:\n  - alert: {name}\n    expr: up == 0\n")
    };
    std::fs::create_dir_all(root.join("rules")).expect("mkdir");
    std::fs::write(root.join("rules/db.yaml"), rule("DbPrimaryDown")).expect("rules");
    const DAY: i64 = 86_400;
    let epoch = std::cell::Cell::new(1_795_000_000_i64);
    // (said "nothing changed", the site built)
    let build = |dest: &Path| {
        let run = build_into(&root, dest)
            .env("SOURCE_DATE_EPOCH", epoch.get().to_string())
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
        (
            stderr.contains("nothing changed since the last build"),
            tree(dest),
        )
    };
    let (skipped, first) = build(&out);
    assert!(!skipped, "the first build is a full one");
    let (skipped, again) = build(&out);
    assert!(skipped, "a second build with nothing changed says so");
    assert_eq!(again, first);

    let runbook = root.join("content/db/failover.md");
    /// What changes, and the change.
    type Edit<'a> = (&'static str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        (
            "a runbook's text",
            Box::new(|| {
                let text = read(&runbook);
                std::fs::write(&runbook, text.replacen("\n## ", "\nA new line.\n\n## ", 1))
                    .expect("edit");
            }),
        ),
        (
            "a new asset",
            Box::new(|| std::fs::write(root.join("content/db/plan.txt"), "one").expect("asset")),
        ),
        (
            "an asset's bytes, same size",
            Box::new(|| std::fs::write(root.join("content/db/plan.txt"), "two").expect("asset")),
        ),
        (
            "a theme file",
            Box::new(|| {
                std::fs::create_dir_all(root.join("themes/default/static")).expect("mkdir");
                std::fs::write(root.join("themes/default/static/extra.css"), "p{}").expect("css");
            }),
        ),
        (
            "book.toml",
            Box::new(|| {
                let text = read(&book);
                std::fs::write(
                    &book,
                    text.replace("title = \"Basic\"", "title = \"Basic 2\""),
                )
                .expect("book.toml");
            }),
        ),
        (
            "a rule file",
            Box::new(|| {
                std::fs::write(root.join("rules/db.yaml"), rule("DbReplicaDown")).expect("rules")
            }),
        ),
        ("the date", Box::new(|| epoch.set(epoch.get() + 400 * DAY))),
    ];
    for (round, (what, edit)) in edits.iter().enumerate() {
        edit();
        let (skipped, built) = build(&out);
        assert!(!skipped, "{what}: changed, yet the build was skipped");
        let fresh = root.join(format!("fresh-{round}"));
        let (_, reference) = build(&fresh);
        assert_eq!(
            built.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{what}"
        );
        assert!(
            built == reference,
            "{what}: the site differs from a fresh build's"
        );
        // The fresh build was the last one: back to `out`, a full build, then a skipped one.
        assert!(
            !build(&out).0,
            "{what}: another folder was built in between"
        );
        assert!(build(&out).0, "{what}: nothing changed since");
        std::fs::remove_dir_all(&fresh).expect("rm");
    }
}

/// Issue 16: a build whose rendering reported something (here a diagram over its time bound)
/// is never skipped: the next build tries again.
#[test]
fn issue16_a_build_with_render_warnings_is_built_again() {
    let site = fixture("basic");
    let book = site.path().join("book.toml");
    std::fs::write(&book, read(&book) + "\n[mermaid]\ntimeout = 0.2\n").expect("book");
    // A chain of 1,000 nodes: minutes of layout, abandoned after 0.2 s of CPU.
    let chain: String = (0..1000)
        .map(|i| format!("  n{i}[Node {i}] --> n{}[Node {}]\n", i + 1, i + 1))
        .collect();
    std::fs::write(
        site.path().join("content/db/flow.md"),
        format!("---\ntitle: Flow\nkind: reference\n---\n# Flow\n\n```mermaid\nflowchart LR\n{chain}```\n"),
    )
    .expect("page");
    let out = site.path().join("out");
    for round in 0..2 {
        let run = build_into(site.path(), &out).assert().success();
        let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
        assert!(
            stderr.contains("mermaid-timeout"),
            "round {round}: {stderr}"
        );
        assert!(
            !stderr.contains("nothing changed"),
            "round {round}: a build that warned while rendering was skipped: {stderr}"
        );
    }
}
