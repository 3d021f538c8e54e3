//! Rendering end to end: diagrams drawn at build time, broken diagrams reported, assets shipped.

use std::path::Path;

use crate::support::{build_into, read, repo};

/// Issue 5: the demo site's incident-response runbook shows its flowchart as SVG, not code.
#[test]
fn demo_incident_response_flowchart_is_inline_svg() {
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("site");
    build_into(&repo(), &dest).arg("--quiet").assert().success();
    let page = read(&dest.join("platform/incident-response/index.html"));
    assert!(
        page.contains("<figure class=\"mermaid\" id=\"mermaid-1\"><svg "),
        "no diagram figure"
    );
    assert!(page.contains(" role=\"img\" aria-labelledby=\""));
    assert!(
        !page.contains("language-mermaid"),
        "the fence is left as code"
    );
    assert!(!page.contains("mermaid-error"));
    for asset in ["static/code.css", "static/runbook.js"] {
        assert!(dest.join(asset).is_file(), "{asset} is not shipped");
    }
}

/// A diagram that does not parse is a `mermaid-error` warning at the line the parser names (the
/// `subgraph` never closed, line 3 of the diagram, line 12 of the file), and the page
/// shows its source with a notice; the build still succeeds.
#[test]
fn broken_diagram_is_reported_and_shown_as_source() {
    // A reference page: no required sections, so the diagram is the only problem.
    let site = reference_site("");
    write(
        site.path(),
        "content/flow.md",
        "---\ntitle: Flow\n---\n\n# Flow\n\nText.\n\n```mermaid\nflowchart TD\n  A --> B\n  subgraph S\n```\n",
    );
    let dest = site.path().join("out");
    let assert = build_into(site.path(), &dest).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("content/flow.md:12:3") && stderr.contains("mermaid-error"),
        "{stderr}"
    );
    // `check` found it before the renderer did, so it is no problem of rendering: a build of
    // the same site again is skipped (a render problem would make it run again).
    let again = build_into(site.path(), &dest).assert().success();
    let again = String::from_utf8_lossy(&again.get_output().stdout).into_owned()
        + &String::from_utf8_lossy(&again.get_output().stderr);
    assert!(
        again.contains("nothing changed since the last build"),
        "{again}"
    );
    let page = read(&dest.join("flow/index.html"));
    assert!(page.contains("<p class=\"mermaid-error-notice\" role=\"note\">"));
    assert!(page.contains("<code class=\"language-mermaid\">flowchart TD\n"));
    // The cache folder beside book.toml holds nothing for a diagram that failed.
    let cache = site.path().join(".rb-site-cache/mermaid");
    assert_eq!(std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0), 0);
}

/// Issue 16 item 2: a build lays out the diagrams its cache lacks before rendering the pages.
/// The text it lays out must be exactly what the page's fence holds, or every diagram would be
/// laid out twice under two keys: one cache file per distinct diagram proves it, for a fence at
/// the top level, one indented in a list item, one in a block quote and one on two pages.
#[test]
fn issue16_diagrams_are_laid_out_once_each_ahead_of_their_pages() {
    let site = reference_site("");
    let top = "```mermaid\nflowchart LR\n  A --> B\n```\n";
    write(
        site.path(),
        "content/one.md",
        &format!(
            "# One\n\n{top}\n1. First\n\n   ```mermaid\n   flowchart TD\n     C --> D\n   ```\n\n\
             > ```mermaid\n> flowchart TD\n>   E --> F\n> ```\n"
        ),
    );
    write(site.path(), "content/two.md", &format!("# Two\n\n{top}"));
    let dest = site.path().join("out");
    build_into(site.path(), &dest).assert().success();
    let cache = site.path().join(".rb-site-cache/mermaid");
    let mut files: Vec<String> = std::fs::read_dir(&cache)
        .expect("cache folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().all(|f| f.ends_with(".svg")), "{files:?}");
    for (page, figures) in [("one/index.html", 3), ("two/index.html", 1)] {
        let html = read(&dest.join(page));
        assert_eq!(
            html.matches("<figure class=\"mermaid\"").count(),
            figures,
            "{page}"
        );
        assert!(!html.contains("mermaid-error"), "{page}");
    }
}

/// A site whose pages are `reference` pages (no required sections), with more of `book.toml`.
fn reference_site(more_config: &str) -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("tempdir");
    write(
        site.path(),
        "book.toml",
        &format!("[book]\ntitle = \"T\"\n[validate]\ndefault-kind = \"reference\"\n{more_config}"),
    );
    site
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Issue 12 item 4: other generators' syntax is flagged outside code with the fix, and GitLab's
/// table-of-contents markers draw the page's table of contents.
#[test]
fn issue_12_foreign_dialects_are_flagged_and_toc_markers_render() {
    let site = crate::support::fixture("dialects");
    let (code, found, json) = crate::support::check_locations(site.path());
    assert_eq!(code, 0);
    assert_eq!(
        found,
        [
            "content/imported.md:9:22 foreign-syntax",
            "content/imported.md:9:52 foreign-syntax",
            "content/imported.md:9:81 foreign-syntax",
            "content/imported.md:11:1 foreign-syntax",
        ]
    );
    assert_eq!(
        json["diagnostics"][0]["help"],
        "link the Markdown file directly: `(./other.md)`; rb-site resolves and checks it"
    );

    let out = site.path().join("out");
    crate::support::build_into(site.path(), &out)
        .arg("--quiet")
        .assert()
        .success();
    let page = crate::support::read(&out.join("imported/index.html"));
    assert!(!page.contains("TOC"), "{page}");
    assert!(
        page.contains(
            "<nav class=\"toc-inline\" aria-label=\"Contents\"><ul>\n<li class=\"toc-h2\"><a href=\"#first-step\">First step</a></li>\n<li class=\"toc-h3\"><a href=\"#a-detail\">A detail</a></li>\n</ul></nav>"
        ),
        "{page}"
    );
    let other = crate::support::read(&out.join("other/index.html"));
    assert!(
        other.contains("<li class=\"toc-h2\"><a href=\"#only-section\">Only section</a></li>"),
        "{other}"
    );
}

/// The real material: prometheus-operator's 14 Hugo `ref` shortcodes are each flagged; GitLab's
/// `[[_TOC_]]` pages show a table of contents, never `[[<em>TOC</em>]]`.
#[test]
fn issue_12_foreign_dialects_in_the_corpora() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let site = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        site.path().join("book.toml"),
        format!(
            "[build]\ncontent-dir = {:?}\n[validate]\ndefault-kind = \"reference\"\n",
            shared
                .join("corpus/prometheus-operator-runbooks/content")
                .display()
                .to_string()
        ),
    )
    .expect("book.toml");
    let output = crate::support::rb_site()
        .args(["check", "--format", "json", "--root"])
        .arg(site.path())
        .output()
        .expect("check");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let shortcodes = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "foreign-syntax")
        .count();
    assert_eq!(shortcodes, 14);

    // Every GitLab page with the marker, in a site of its own (links to the rest are off).
    let gitlab = tempfile::tempdir().expect("tempdir");
    let docs = shared.join("corpus/gitlab-com-runbooks/docs");
    let mut pages = Vec::new();
    for entry in walkdir::WalkDir::new(&docs) {
        let entry = entry.expect("walk");
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        if entry.path().extension().is_some_and(|e| e == "md")
            && text.lines().any(|l| l.trim() == "[[_TOC_]]")
        {
            let rel = entry.path().strip_prefix(&docs).expect("rel");
            let target = gitlab.path().join("content").join(rel);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, text).expect("copy");
            pages.push(rel.with_extension(""));
        }
    }
    assert_eq!(pages.len(), 72);
    std::fs::write(
        gitlab.path().join("book.toml"),
        "[validate]\ndefault-kind = \"reference\"\nrequired-fields = []\n[validate.levels]\nbroken-link = \"off\"\nbroken-anchor = \"off\"\n[mermaid]\nrender = \"off\"\n",
    )
    .expect("book.toml");
    let out = gitlab.path().join("out");
    crate::support::build_into(gitlab.path(), &out)
        .arg("--quiet")
        .assert()
        .success();
    for page in &pages {
        let slugged: Vec<String> = page
            .iter()
            .map(|part| {
                part.to_string_lossy()
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            })
            .collect();
        let html = crate::support::read(&out.join(slugged.join("/")).join("index.html"));
        assert!(!html.contains("[[<em>TOC</em>]]"), "{}", page.display());
        assert!(
            html.contains("<nav class=\"toc-inline\""),
            "{}",
            page.display()
        );
    }
}

/// The H1 that opens a body is shown as the page's header, not twice: the header carries its id,
/// so a link to that anchor, which `check` accepts, lands on the title (runbooks and sections).
#[test]
fn a_link_to_the_title_h1_lands_on_the_header() {
    let site = reference_site("");
    write(
        site.path(),
        "content/db/_index.md",
        "# Databases {#dbs}\n\nAll of them.\n",
    );
    write(
        site.path(),
        "content/db/disk.md",
        "---\nservice: db\n---\n# Disk full\n\nSee [the title](#disk-full), [the section](_index.md#dbs).\n\n## Steps\n",
    );
    let dest = site.path().join("out");
    build_into(site.path(), &dest).assert().success();
    let page = read(&dest.join("db/disk/index.html"));
    assert!(
        page.contains("<h1 id=\"disk-full\">Disk full</h1>"),
        "{page}"
    );
    assert_eq!(page.matches("id=\"disk-full\"").count(), 1);
    let section = read(&dest.join("db/index.html"));
    assert!(
        section.contains("<h1 id=\"dbs\">Databases</h1>"),
        "{section}"
    );
    // In the service's print binder, the link and the header are renamed alike.
    let binder = read(&dest.join("print/db/index.html"));
    assert!(
        binder.contains("href=\"#rb-db-disk-disk-full\""),
        "{binder}"
    );
    assert!(
        binder.contains("<h1 id=\"rb-db-disk-disk-full\">Disk full</h1>"),
        "{binder}"
    );
}

/// Links and images written as raw HTML are links like Markdown's: checked (`broken-link` at the
/// value, nothing inside comments) and written for where the page is published, one folder
/// deeper than its file (`db/disk.md` is `db/disk/index.html`). GitLab's runbooks do this
/// (`docs/tutorials/overview_life_of_a_web_request.md:36`, `<img src="…/feature_matrix.png">`).
#[test]
fn raw_html_links_and_images_are_checked_and_rewritten() {
    let site = reference_site("[validate.levels]\nmissing-review-date = \"off\"\n");
    write(
        site.path(),
        "content/db/failover.md",
        "# Failover\n\n## Steps\n",
    );
    write(site.path(), "content/db/img/graph.png", "not really a PNG");
    let gone = "See <a href=\"gone.md\">gone</a>.";
    let page = format!(
        "# Disk\n\n<p align=\"center\">\n  <img src=\"img/graph.png\"\n       alt=\"Graph\">\n</p>\n\n\
         See <a href='failover.md#steps'>failover</a>, [failover](failover.md#steps), ![graph](img/graph.png).\n\n\
         <!-- <img src=\"old.png\"> -->\n\n{gone}\n"
    );
    write(site.path(), "content/db/disk.md", &page);
    let (code, found, _) = crate::support::check_locations(site.path());
    assert_eq!(code, 1);
    let column = gone.find("gone.md").expect("gone") + 1;
    assert_eq!(
        found,
        [format!("content/db/disk.md:12:{column} broken-link")]
    );

    write(site.path(), "content/db/disk.md", &page.replace(gone, ""));
    let dest = site.path().join("out");
    build_into(site.path(), &dest).assert().success();
    let html = read(&dest.join("db/disk/index.html"));
    // The raw HTML says what the Markdown beside it says (sanitized, it is written again with
    // double quotes).
    for (written, times) in [
        ("src=\"../../db/img/graph.png\"", 2),
        ("href=\"../../db/failover/index.html#steps\"", 2),
        ("old.png", 0),
    ] {
        assert_eq!(html.matches(written).count(), times, "{written}\n{html}");
    }
    assert!(dest.join("db/img/graph.png").is_file());
}
