//! Issue 14, item 3: every expensive step is bounded. Diagrams lay out in worker processes of the
//! real binary that are killed at `[mermaid] timeout`; highlighting has a per-block budget;
//! heading ids are unique in linear time. Each test has a generous hang guard: before the
//! bounds, these inputs took minutes.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{rb_site, read, shared};

/// A page that needs no runbook sections, so only the warnings under test are reported.
const FRONT: &str = "---\ntitle: Page\nkind: reference\nlast_reviewed: 2026-11-01\n---\n";

/// A site in a temporary folder with `book.toml` and one page `content/page.md`.
fn site(book: &str, page: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("book.toml"),
        format!("[book]\ntitle = \"Bounds\"\n{book}"),
    )
    .expect("book.toml");
    std::fs::create_dir_all(dir.path().join("content")).expect("content");
    std::fs::write(dir.path().join("content/page.md"), page).expect("page");
    dir
}

/// `rb-site <command> --root ROOT`: exit code, stderr, wall time.
fn run(command: &str, root: &Path) -> (i32, String, Duration) {
    let start = Instant::now();
    let output = rb_site()
        .args([command, "--root"])
        .arg(root)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("run rb-site");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or(-1);
    (code, stderr, start.elapsed())
}

/// A flowchart of `n` nodes in a chain with skips: 1,000 nodes took 181 s of CPU unbounded.
fn flowchart(n: usize) -> String {
    let mut source = String::from("flowchart TD\n");
    for i in 0..n - 1 {
        source.push_str(&format!(
            "  n{i}[Node {i}] --> n{}[Node {}]\n",
            i + 1,
            i + 1
        ));
        if i % 3 == 0 && i + 5 < n {
            source.push_str(&format!("  n{i} --> n{}\n", i + 5));
        }
    }
    source
}

/// 1-based line of the first line of `page` starting with `prefix`.
fn line_of(page: &str, prefix: &str) -> usize {
    page.lines()
        .position(|l| l.starts_with(prefix))
        .expect("line")
        + 1
}

#[test]
fn issue14_twenty_thousand_identical_headings_check_in_linear_time() {
    let page = format!("{FRONT}# Page\n\n{}", "## a\n\n".repeat(20_000));
    let dir = site("", &page);
    let (code, stderr, took) = run("check", dir.path());
    assert_eq!(code, 0, "{stderr}");
    // 33 s on a quiet machine before (each id retried -1, -2, ... from the start).
    assert!(took < Duration::from_secs(60), "check took {took:?}");

    // The ids are GitHub's, in order, all distinct.
    let config = rb_site::config::Config::from_toml(dir.path(), "").expect("config");
    let source = rb_site::model::SourceFile {
        path: "content/page.md".into(),
        rel: "page.md".into(),
        text: page,
    };
    let (doc, _) = rb_site::parse::parse_document(&config, source);
    let ids: Vec<&str> = doc.outline.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids.len(), 20_001);
    assert_eq!(&ids[1..4], ["a", "a-1", "a-2"]);
    assert_eq!(ids[20_000], "a-19999");
    let distinct: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len());
}

#[test]
fn issue14_explicit_ids_and_repeats_stay_distinct() {
    let page = format!(
        "{FRONT}# Page\n\n## a {{#a-1}}\n\n## a\n\n## a\n\n## a-1\n\n## Steps\n\n## Steps\n"
    );
    let config = rb_site::config::Config::from_toml(Path::new("/tmp"), "").expect("config");
    let source = rb_site::model::SourceFile {
        path: "content/page.md".into(),
        rel: "page.md".into(),
        text: page,
    };
    let (doc, _) = rb_site::parse::parse_document(&config, source);
    let ids: Vec<&str> = doc.outline.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(
        ids,
        ["page", "a-1", "a", "a-2", "a-1-1", "steps", "steps-1"]
    );
}

#[test]
fn issue14_a_flowchart_over_its_bound_is_a_warning_shown_as_source_and_remembered() {
    let page = format!(
        "{FRONT}# Page\n\nThe flow:\n\n```mermaid\n{}```\n",
        flowchart(1000)
    );
    let fence = line_of(&page, "```mermaid");
    let dir = site("[mermaid]\ntimeout = 1\n", &page);
    let (code, stderr, took) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[mermaid-timeout]: Mermaid diagram not drawn: laying the diagram out took longer than 1 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("content/page.md:{fence}:1")),
        "{stderr}"
    );
    // 181 s of CPU unbounded; the bound is CPU time, the clock ends it at 4x.
    assert!(took < Duration::from_secs(120), "build took {took:?}");
    let html = read(&dir.path().join("site/page/index.html"));
    assert!(
        html.contains("<strong>This diagram took too long to draw</strong>"),
        "the page says why"
    );
    assert!(
        html.contains("n998[Node 998] --&gt; n999[Node 999]"),
        "the source is shown"
    );
    assert!(!html.contains("<figure class=\"mermaid\""), "no diagram");

    // The outcome is remembered by content and bound: the next build does not try again.
    let marks = || {
        std::fs::read_dir(dir.path().join(".rb-site-cache/mermaid"))
            .expect("cache")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "timeout"))
            .count()
    };
    assert_eq!(marks(), 1);
    let (code, stderr, took) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning[mermaid-timeout]"), "{stderr}");
    assert!(took < Duration::from_secs(60), "build took {took:?}");
    assert_eq!(marks(), 1);

    // A different bound is a different question.
    std::fs::write(
        dir.path().join("book.toml"),
        "[book]\ntitle = \"Bounds\"\n[mermaid]\ntimeout = 1.5\n",
    )
    .expect("book.toml");
    let (code, stderr, _) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("longer than 1.5 s"), "{stderr}");
    assert_eq!(marks(), 2);
}

#[test]
fn issue14_diagrams_under_the_bound_still_draw_through_the_worker() {
    let page = format!(
        "{FRONT}# Page\n\n```mermaid\nflowchart LR\n  A --> B\n```\n\n```mermaid\n{}```\n",
        flowchart(20)
    );
    let dir = site("", &page);
    let (code, stderr, _) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("mermaid-"), "{stderr}");
    let html = read(&dir.path().join("site/page/index.html"));
    assert_eq!(html.matches("<figure class=\"mermaid\"").count(), 2);
}

#[test]
fn issue14_a_bad_timeout_is_a_config_error() {
    let dir = site("[mermaid]\ntimeout = 0\n", &format!("{FRONT}# Page\n"));
    let (code, stderr, _) = run("build", dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("book.toml:4:1: mermaid.timeout: expected seconds above 0"),
        "{stderr}"
    );
}

#[test]
fn issue14_real_gitlab_flowchart_is_bounded() {
    let Some(shared) = shared() else { return };
    let readme = shared.join("corpus/gitlab-com-runbooks/docs/ci-runners/linux/README.md");
    let text = read(&readme);
    // The 150-line flowchart that took 11 s: its fence, as the corpus has it.
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("```mermaid"))
        .expect("fence");
    let end = start
        + 1
        + lines[start + 1..]
            .iter()
            .position(|l| l.starts_with("```"))
            .expect("close");
    assert!(end - start > 140, "the big flowchart");
    let page = format!("{FRONT}# Page\n\n{}\n", lines[start..=end].join("\n"));
    let dir = site("[mermaid]\ntimeout = 2\n", &page);
    let (code, stderr, took) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(60), "build took {took:?}");
    assert!(
        stderr.contains("warning[mermaid-timeout]") && stderr.contains("content/page.md:8:1"),
        "{stderr}"
    );
}

#[test]
fn issue14_activation_arrows_in_a_real_sequence_diagram_draw() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).expect("content");
    std::fs::write(
        dir.path().join("book.toml"),
        "[book]\ntitle = \"Chef\"\n[validate]\ndefault-kind = \"reference\"\n",
    )
    .expect("book.toml");
    std::fs::copy(
        shared.join("corpus/gitlab-com-runbooks/docs/config_management/chef-process-overview.md"),
        content.join("chef-process-overview.md"),
    )
    .expect("copy");
    let (_, stderr, _) = run("build", dir.path());
    // `TF->>+VM` and `VM->>-CS` were "unknown participant '+VM'".
    assert!(!stderr.contains("mermaid-"), "{stderr}");
    let html = read(&dir.path().join("site/chef-process-overview/index.html"));
    assert!(html.contains("<figure class=\"mermaid\""), "drawn");
    // The activation bar of VM, in the palette's activation colour.
    assert!(html.contains("fill=\"#eaeef2\""), "activation drawn");
}

#[test]
fn issue14_valid_mermaid_the_renderer_lacks_is_reported_as_unsupported() {
    let page = format!("{FRONT}# Page\n\n```mermaid\ninfo\n```\n");
    let dir = site("", &page);
    let (code, stderr, _) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[mermaid-unsupported]: Mermaid diagram not drawn: Info diagrams are valid Mermaid, but rb-site's diagram renderer"),
        "{stderr}"
    );
    assert!(stderr.contains("content/page.md:8:1"), "{stderr}");
}

#[test]
fn issue14_long_lines_are_highlighted_in_the_worker() {
    let line = "kubectl get pods -n web --selector app=api | grep -v Running; ".repeat(100);
    let page = format!("{FRONT}# Page\n\n```bash\n{line}\n```\n");
    let dir = site("", &page);
    let (code, stderr, _) = run("build", dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("highlight-budget"), "{stderr}");
    let html = read(&dir.path().join("site/page/index.html"));
    assert!(
        html.matches("hl-keyword").count() >= 100,
        "the 6 KB line is highlighted"
    );
}

#[test]
fn issue14_a_block_over_its_highlight_budget_is_plain_with_a_warning() {
    // Four million bytes of shell, one short line after another: more than the 2 s budget
    // (syntect does about half a megabyte a second).
    let code = "kubectl rollout restart deployment/api -n prod && sleep 5\n".repeat(70_000);
    let page = format!("{FRONT}# Page\n\nRestart:\n\n```bash\n{code}```\n");
    let fence = line_of(&page, "```bash");
    let dir = site("", &page);
    let (status, stderr, took) = run("build", dir.path());
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("warning[highlight-budget]: code block shown without highlighting: highlighting it took longer than 2 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("content/page.md:{fence}:1")),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(120), "build took {took:?}");
    let html = read(&dir.path().join("site/page/index.html"));
    assert!(!html.contains("hl-keyword"), "plain");
    assert!(html.contains("deployment/api -n prod &amp;&amp; sleep 5"));
}
