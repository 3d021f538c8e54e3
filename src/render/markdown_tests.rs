//! Tests of body rendering: a snapshot per construct, and the behaviours around them.

use std::collections::BTreeSet;

use super::*;
use crate::model::{HTML_ELEMENTS, SourceFile, is_html_element};

/// A document exactly as the parse stage makes it (no front matter in these tests).
pub(super) fn document(rel: &str, text: &str) -> Document {
    let config =
        crate::config::Config::from_toml(std::path::Path::new("/tmp"), "").expect("config");
    let source = SourceFile {
        path: format!("content/{rel}"),
        rel: rel.to_string(),
        text: text.to_string(),
    };
    crate::parse::parse_document(&config, source).0
}

fn renderer() -> BodyRenderer {
    BodyRenderer::with_mermaid(Some(MermaidRenderer::new(None)))
}

fn keep_links(_: &str) -> Option<String> {
    None
}

fn render(text: &str) -> RenderedBody {
    renderer().render(&document("ops/page.md", text), &keep_links)
}

fn html(text: &str) -> String {
    let body = render(text);
    assert!(body.diagnostics.is_empty(), "{:?}", body.diagnostics);
    body.html
}

#[test]
fn headings_get_self_links_and_leading_h1_is_dropped() {
    let body = render(
        "# Database failover\n\nIntro.\n\n## Check `replication` lag\n\n### Step 1\n\n#### Deep\n\n## Check `replication` lag\n",
    );
    insta::assert_snapshot!("headings", body.html);
    assert_eq!(
        body.toc,
        vec![
            TocEntry {
                level: 2,
                id: "check-replication-lag".into(),
                title: "Check replication lag".into()
            },
            TocEntry {
                level: 3,
                id: "step-1".into(),
                title: "Step 1".into()
            },
            TocEntry {
                level: 2,
                id: "check-replication-lag-1".into(),
                title: "Check replication lag".into()
            },
        ]
    );
}

#[test]
fn h1_after_other_content_is_kept() {
    let out = html("Intro.\n\n# Title\n");
    assert!(
        out.contains("<h1 id=\"title\">Title<a class=\"anchor\""),
        "{out}"
    );
}

#[test]
fn links_and_images_go_through_the_resolver() {
    let doc = document(
        "db/failover.md",
        "See [rollback](../postgres/failover.md#rollback), [web](https://example.com) and ![graph](img/lag.png).\n",
    );
    let resolve = |dest: &str| match dest {
        "../postgres/failover.md#rollback" => Some("../../postgres/failover/#rollback".to_string()),
        "img/lag.png" => Some("../img/lag.png".to_string()),
        _ => None,
    };
    let body = renderer().render(&doc, &resolve);
    insta::assert_snapshot!("links", body.html);
}

#[test]
fn code_blocks_are_highlighted_with_copy_buttons() {
    let out = html(
        "```console\n$ kubectl get pods -n web\nNAME    READY\nweb-1   1/1\n```\n\n```yaml\nkey: \"{{ $labels.instance }}\"\n```\n\n```promql\nrate(http_requests_total[5m]) > 0\n```\n\n    indented <code>\n",
    );
    insta::assert_snapshot!("code_blocks", out);
    assert!(out.contains("data-copy=\"kubectl get pods -n web\""));
    assert_eq!(out.matches("data-copy").count(), 1, "only where it differs");
}

#[test]
fn code_fences_inside_list_items() {
    let out = html(
        "1. Find the pod:\n\n   ```bash\n   kubectl get pods\n   ```\n\n2. Restart it:\n\n   ```bash\n   kubectl delete pod web-1\n   ```\n",
    );
    insta::assert_snapshot!("code_in_list", out);
}

#[test]
fn tables_scroll_and_keep_alignment() {
    let out = html(
        "| Alert | Severity | Runbook |\n|:------|:--------:|--------:|\n| `DiskFull` | page | [x](x.md) |\n",
    );
    insta::assert_snapshot!("table", out);
}

#[test]
fn table_inside_a_list() {
    let out = html("- Check these:\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n\n- Done\n");
    insta::assert_snapshot!("table_in_list", out);
}

#[test]
fn task_lists_are_real_numbered_checkboxes() {
    let out = html(
        "- [ ] Page the DBA\n- [x] Open an incident\n\nThen:\n\n- [ ] Fail over\n  - [ ] Verify\n",
    );
    insta::assert_snapshot!("tasks", out);
    assert!(!out.contains("disabled"));
    for n in 0..4 {
        assert!(out.contains(&format!("data-task=\"{n}\"")), "{out}");
    }
}

#[test]
fn github_alerts_become_callouts() {
    let out = html(
        "> [!NOTE]\n> Read this.\n\n> [!TIP]\n> A tip.\n\n> [!IMPORTANT]\n> Key.\n\n> [!WARNING]\n> Careful.\n\n> [!CAUTION]\n> Danger: `rm -rf`.\n\n> A plain quote.\n",
    );
    insta::assert_snapshot!("callouts", out);
    assert_eq!(out.matches("<blockquote>").count(), 1);
}

#[test]
fn raw_html_passes_and_placeholders_show() {
    let out = html(
        "<details>\n<summary>More</summary>\n\nPress <kbd>Ctrl</kbd>+<kbd>C</kbd>.<br>x<sup>2</sup>\n\n</details>\n\nRun `get` on <cluster-id> in <NODE POOL NAME> then </pod-name>.\n\n<cluster-id>\n",
    );
    insta::assert_snapshot!("raw_html", out);
    assert!(
        out.contains("on &lt;cluster-id&gt; in &lt;NODE POOL NAME&gt; then &lt;/pod-name&gt;.")
    );
    assert!(out.contains("<kbd>Ctrl</kbd>"));
}

#[test]
fn templates_come_out_as_written() {
    let text = "Summary: {{ $labels.instance }} is {{ .Value | humanize }}.\n\n| t |\n|---|\n| {{ $labels.job }} |\n\n```\n{{ range .Alerts }}{{ end }}\n```\n";
    let out = html(text);
    assert!(out.contains("Summary: {{ $labels.instance }} is {{ .Value | humanize }}."));
    assert!(out.contains("<td>{{ $labels.job }}</td>"));
    assert!(out.contains("{{ range .Alerts }}{{ end }}"));
}

#[test]
fn footnotes_strikethrough_and_definitions() {
    let out =
        html("Fail over ~~now~~ carefully.[^1]\n\n[^1]: After the check.\n\nRTO\n: 15 minutes\n");
    insta::assert_snapshot!("footnotes_definitions", out);
}

const TWO_DIAGRAMS: &str = "## Flow\n\n```mermaid\nflowchart LR\n  A[Alert] --> B{Real?}\n  B -->|yes| C[Page]\n```\n\nBetween.\n\n```mermaid\nsequenceDiagram\n  accTitle: Paging\n  Alertmanager->>PagerDuty: page\n  PagerDuty-->>Alertmanager: ack\n```\n";

#[test]
fn page_with_two_diagrams() {
    let out = html(TWO_DIAGRAMS);
    insta::assert_snapshot!("two_diagrams", out);
    assert!(!out.contains("<pre"), "no diagram is left as code");
}

#[test]
fn two_diagrams_on_a_page_have_disjoint_ids() {
    let out = html(TWO_DIAGRAMS);
    let ids: Vec<&str> = out
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate ids: {ids:?}");
    let prefix = format!("m{}-", page_hash("ops/page.md"));
    let first: Vec<_> = ids
        .iter()
        .filter(|id| id.starts_with(&format!("{prefix}1-")))
        .collect();
    let second: Vec<_> = ids
        .iter()
        .filter(|id| id.starts_with(&format!("{prefix}2-")))
        .collect();
    assert!(first.len() > 2 && second.len() > 2, "{ids:?}");
    // Every in-SVG reference points at an id of its own diagram.
    for reference in out.split("url(#").skip(1) {
        let target = reference.split(')').next().unwrap_or_default();
        assert!(unique.contains(target), "dangling reference {target}");
    }
    assert!(out.contains("<title id=\"") && out.contains(">Paging</title>"));
}

#[test]
fn broken_diagram_is_a_diagnostic_and_shown_as_code() {
    let text = "# T\n\nIntro.\n\n- item\n\n  ```mermaid\n  flowchart TD\n    A --> B\n    subgraph S\n  ```\n";
    let body = render(text);
    assert_eq!(body.diagnostics.len(), 1, "{:?}", body.diagnostics);
    let diag = &body.diagnostics[0];
    assert_eq!(diag.code, "mermaid-error");
    assert_eq!(diag.file, "content/ops/page.md");
    // At the `subgraph` the diagram never closes (line 3 of the diagram, inside a list item).
    assert_eq!((diag.line, diag.column), (10, 5));
    assert!(
        diag.message
            .ends_with("Mermaid diagram does not render: this block is never closed with `end`"),
        "{}",
        diag.message
    );
    insta::assert_snapshot!("mermaid_error", body.html);
    assert!(
        body.html
            .contains("<pre class=\"hl-code\"><code class=\"language-mermaid\">flowchart TD\n")
    );
}

#[test]
fn mermaid_off_leaves_fences_as_code() {
    let body = BodyRenderer::with_mermaid(None).render(
        &document("a.md", "```mermaid\ngraph TD\n  A-->B\n```\n"),
        &keep_links,
    );
    assert_eq!(
        body.html,
        "<div class=\"code-block\" data-lang=\"mermaid\"><button type=\"button\" class=\"copy\" hidden>Copy</button><pre class=\"hl-code\"><code class=\"language-mermaid\">graph TD\n  A--&gt;B\n</code></pre></div>\n"
    );
}

#[test]
fn second_render_reads_the_diagram_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = document("ops/page.md", TWO_DIAGRAMS);
    let first = BodyRenderer::with_mermaid(Some(MermaidRenderer::new(Some(dir.path().into()))));
    let a = first.render(&doc, &keep_links);
    assert_eq!(first.mermaid().map(MermaidRenderer::layouts), Some(2));
    let second = BodyRenderer::with_mermaid(Some(MermaidRenderer::new(Some(dir.path().into()))));
    let b = second.render(&doc, &keep_links);
    assert_eq!(second.mermaid().map(MermaidRenderer::layouts), Some(0));
    assert_eq!(a.html, b.html);
}

#[test]
fn rendering_is_deterministic_across_threads() {
    let doc = document("ops/page.md", TWO_DIAGRAMS);
    let renderer = renderer();
    let expected = renderer.render(&doc, &keep_links).html;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| renderer.render(&doc, &keep_links).html))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().expect("thread"), expected);
        }
    });
}

#[test]
fn placeholder_escaping() {
    let esc = |s: &str| escape_placeholder_tags(&CowStr::from(s.to_string())).to_string();
    assert_eq!(esc("<b>x</b>"), "<b>x</b>");
    assert_eq!(esc("<!-- <cluster-id> -->"), "<!-- &lt;cluster-id&gt; -->");
    assert_eq!(esc("<a href=\"x\">"), "<a href=\"x\">");
    assert_eq!(esc("<NODE POOL NAME>"), "&lt;NODE POOL NAME&gt;");
    assert_eq!(esc("< 5 and <3"), "< 5 and <3");
    assert_eq!(esc("<pod-name"), "&lt;pod-name");
    // Issue 14 F1: this panicked (`begin > end`).
    assert_eq!(esc("<div><zz<yy>"), "<div>&lt;zz&lt;yy&gt;");
}

#[test]
fn html_element_names() {
    let mut sorted = HTML_ELEMENTS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted, HTML_ELEMENTS,
        "HTML_ELEMENTS must stay sorted and unique"
    );
    for name in [
        "details",
        "summary",
        "kbd",
        "br",
        "sup",
        "DIV",
        "svg",
        "foreignObject",
        "math",
    ] {
        assert!(is_html_element(name), "{name}");
    }
    for name in ["cluster-id", "NODE", "pod-name", "namespace", "project_id"] {
        assert!(!is_html_element(name), "{name}");
    }
}

#[test]
fn fence_languages() {
    assert_eq!(crate::parse::fence_language("Bash title=\"x\""), "bash");
    assert_eq!(crate::parse::fence_language("{.yaml}"), "yaml");
    assert_eq!(crate::parse::fence_language("json,linenos"), "json");
    assert_eq!(crate::parse::fence_language(""), "");
}

/// `themes/default/static/code.css` and `highlight.css` are what `code_css()` and
/// `highlight_css()` generate; `UPDATE_CODE_CSS=1` rewrites them.
#[test]
fn committed_code_css_is_current() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/static/");
    let files = [
        ("code.css", code_css()),
        ("highlight.css", highlight::highlight_css()),
    ];
    for (name, css) in files {
        let path = format!("{dir}{name}");
        if std::env::var_os("UPDATE_CODE_CSS").is_some() {
            std::fs::write(&path, &css).expect("write code css");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == css,
            "{name} is stale: run UPDATE_CODE_CSS=1 cargo test committed_code_css"
        );
    }
}
