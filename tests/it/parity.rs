//! `check` reports everything `build` would (issue 12 item 5, issue 14 item 7), and output paths
//! claimed twice are settled by a fixed rule, never by thread timing (issue 17 item 3).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::{copy_tree, fixture, rb_site, repo, tree};

/// (exit code, the `diagnostics` array) of `rb-site ARGS --format json --root ROOT`.
fn diagnostics(args: &[&str], root: &Path) -> (i32, Value) {
    let output = rb_site()
        .args(args)
        .args(["--format", "json", "--root"])
        .arg(root)
        .output()
        .expect("rb-site runs");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{args:?} on {}: not JSON ({err}): {}",
            root.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (
        output.status.code().expect("exited"),
        json["diagnostics"].clone(),
    )
}

/// Every fixture, `check` and `build` side by side: the same diagnostics, and `check` fails
/// exactly when `build` does.
#[test]
fn issue_12_check_and_build_report_the_same_on_every_fixture() {
    let fixtures = repo().join("tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 18, "{names:?}");
    for name in &names {
        let site = fixture(name);
        let (check_code, checked) = diagnostics(&["check"], site.path());
        let dest = tempfile::tempdir().expect("tempdir");
        let (build_code, built) = diagnostics(
            &[
                "build",
                "--dest",
                &dest.path().join("out").to_string_lossy(),
            ],
            site.path(),
        );
        assert_eq!(checked, built, "fixture {name}: check and build disagree");
        assert_eq!(
            check_code, build_code,
            "fixture {name}: check exits {check_code}, build {build_code}"
        );
    }
}

/// The collisions `build` used to find alone, each reported by `check` at its place.
#[test]
fn issue_12_check_reports_generated_path_collisions_mermaid_aliases_and_long_names() {
    let site = fixture("reserved-paths");
    let (code, checked) = diagnostics(&["check"], site.path());
    assert_eq!(code, 1);
    let found: Vec<(String, u64, String)> = checked
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().expect("file").to_string(),
                d["line"].as_u64().expect("line"),
                d["code"].as_str().expect("code").to_string(),
            )
        })
        .collect();
    let at = |file: &str, line: u64, code: &str| (file.to_string(), line, code.to_string());
    assert_eq!(
        found,
        [
            at("content/alerts/_index.md", 1, "reserved-path"),
            at("content/db/failover.md", 5, "invalid-field"),
            at("content/db/failover.md", 13, "mermaid-error"), // the unclosed `subgraph S`
            at("content/print.md", 1, "reserved-path"),
            at("content/static/graph.svg", 1, "reserved-path"),
            at("content/tags.md", 1, "reserved-path"),
            at("rules/db.yaml", 10, "path-too-long"),
            at("rules/db.yaml", 10, "path-too-long"),
        ]
    );
    let message = |i: usize| checked[i]["message"].as_str().expect("message").to_string();
    assert_eq!(
        message(0),
        "content/alerts/_index.md would be written to alerts/index.html, which is the alerts index"
    );
    assert_eq!(message(1), "alias \"../../outside/\" leaves the site");
    assert_eq!(
        message(3),
        "content/print.md would be written to print/index.html, which is the folder print/, the print binders"
    );
    assert_eq!(
        message(5),
        "content/tags.md would be written to tags/index.html, which is the tags index"
    );
    assert!(message(6).ends_with("has a name of 284 bytes; file systems allow 255"));
}

/// Hashes of every file of a built site.
fn site_hash(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut hasher = blake3::Hasher::new();
    for (path, bytes) in files {
        hasher.update(path.as_bytes());
        hasher.update(b"\0");
        hasher.update(blake3::hash(bytes).as_bytes());
    }
    hasher.finalize().to_hex().to_string()
}

/// Issue 17 item 3: with `content/alerts/_index.md` and the collision levels lowered to
/// warnings the site is written; the generated alerts index wins every time, with 1 or 2
/// threads, over 20 builds each.
#[test]
fn issue_17_generated_pages_reserve_their_paths_whatever_the_threads() {
    let site = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo().join("tests/fixtures/reserved-paths"), site.path());
    // Only the collisions of interest: no long names, no aliases leaving the site.
    let runbook = site.path().join("content/db/failover.md");
    let text = std::fs::read_to_string(&runbook).expect("read");
    let text = text
        .lines()
        .map(|line| match line {
            l if l.starts_with("alerts:") => "alerts: [DatabaseDown]",
            l if l.starts_with("aliases:") => "aliases: [\"old/failover/\", \"alerts/\"]",
            l => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&runbook, text).expect("write");
    std::fs::write(
        site.path().join("book.toml"),
        "[validate]\ndefault-kind = \"reference\"\n\n[validate.levels]\nmissing-review-date = \"off\"\n\
         duplicate-url = \"warning\"\nreserved-path = \"warning\"\n\n[alerts]\nrules = [\"rules/*.yaml\"]\n",
    )
    .expect("book.toml");
    let rules = site.path().join("rules/db.yaml");
    let rules_text = std::fs::read_to_string(&rules).expect("rules");
    let cut = rules_text
        .find("      - alert: VeryLong")
        .expect("long rule");
    std::fs::write(&rules, &rules_text[..cut]).expect("write rules");

    let mut hashes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for threads in ["1", "2"] {
        for run in 0..20 {
            let dest = tempfile::tempdir().expect("tempdir");
            let out = dest.path().join("site");
            let output = rb_site()
                .env("RAYON_NUM_THREADS", threads)
                .args(["build", "--quiet", "--root"])
                .arg(site.path())
                .arg("--dest")
                .arg(&out)
                .output()
                .expect("build");
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let files = tree(&out);
            let index = String::from_utf8_lossy(&files["alerts/index.html"]).into_owned();
            assert!(
                !index.contains("A hand-written page where rb-site generates"),
                "threads {threads}, run {run}: the content page took alerts/index.html"
            );
            assert!(index.contains("DatabaseDown"), "{index}");
            hashes
                .entry(site_hash(&files))
                .or_default()
                .push(format!("{threads} threads, run {run}"));
        }
    }
    assert_eq!(hashes.len(), 1, "different outputs: {hashes:#?}");
}
