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

/// A diagram that does not parse is a `mermaid-error` warning at the fence's line, and the page
/// shows its source with a notice; the build still succeeds.
#[test]
fn broken_diagram_is_reported_and_shown_as_source() {
    let site = tempfile::tempdir().expect("tempdir");
    // A reference page: no required sections, so the diagram is the only problem.
    write(
        site.path(),
        "book.toml",
        "[book]\ntitle = \"T\"\n[validate]\ndefault-kind = \"reference\"\n",
    );
    write(
        site.path(),
        "content/flow.md",
        "---\ntitle: Flow\n---\n\n# Flow\n\nText.\n\n```mermaid\nflowchart TD\n  A --> B\n  subgraph S\n```\n",
    );
    let dest = site.path().join("out");
    let assert = build_into(site.path(), &dest).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("content/flow.md:9:1") && stderr.contains("mermaid-error"),
        "{stderr}"
    );
    let page = read(&dest.join("flow/index.html"));
    assert!(page.contains("<p class=\"mermaid-error-notice\" role=\"note\">"));
    assert!(page.contains("<code class=\"language-mermaid\">flowchart TD\n"));
    // The cache folder beside book.toml holds nothing for a diagram that failed.
    let cache = site.path().join(".rb-site-cache/mermaid");
    assert_eq!(std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0), 0);
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}
