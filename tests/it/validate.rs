//! Validation rules end to end: one fixture site per rule under `tests/fixtures/validate-*`,
//! checked through the binary with `--format json`, with today pinned by `SOURCE_DATE_EPOCH`.
//! Then the real corpora in `../shared/corpus`, counted against an independent reading.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// 2026-06-01T00:00:00Z: "today" for every fixture, so review dates never go stale under the tests.
pub const TODAY_EPOCH: &str = "1780272000";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn rb_site() -> Command {
    let mut cmd = Command::cargo_bin("rb-site").expect("binary built");
    cmd.env("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        .env("NO_COLOR", "1");
    cmd
}

/// `rb-site check --format json` over a fixture: the parsed document and the exit code.
fn check_json(root: &Path) -> (Value, i32) {
    let output = rb_site()
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .output()
        .expect("rb-site runs");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "not JSON ({err}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (json, output.status.code().expect("exit code"))
}

/// (file, line, column, code) of every diagnostic of a fixture, in report order.
fn positions(name: &str) -> Vec<(String, u64, u64, String)> {
    let (json, _) = check_json(&fixture(name));
    json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().expect("file").to_string(),
                d["line"].as_u64().expect("line"),
                d["column"].as_u64().expect("column"),
                d["code"].as_str().expect("code").to_string(),
            )
        })
        .collect()
}

fn at(file: &str, line: u64, column: u64, code: &str) -> (String, u64, u64, String) {
    (file.to_string(), line, column, code.to_string())
}

#[test]
fn a_clean_site_has_no_diagnostics() {
    // Aliases ("Prerequisites", "Procedure", "Verify", "Instructions", "Checks", "Revert"),
    // numbering ("1.", "Step 2:"), emoji and punctuation, a level-3 section, a fenced
    // "## Rollback", a folder default kind (alert), a reference page and section pages.
    assert_eq!(positions("validate-clean"), []);
}

#[test]
fn missing_section_points_at_the_h1_or_line_one() {
    assert_eq!(
        positions("validate-missing-section"),
        [
            at("content/db/failover.md", 6, 1, "missing-section"),
            at("content/db/no-heading.md", 1, 1, "missing-section"),
        ]
    );
}

#[test]
fn missing_section_names_the_section_and_the_accepted_headings() {
    let (json, code) = check_json(&fixture("validate-missing-section"));
    assert_eq!(code, 1);
    let first = &json["diagnostics"][0];
    assert_eq!(first["message"], "runbook has no \"rollback\" section");
    assert_eq!(
        first["help"],
        "add a `## Rollback` section; accepted headings: \"Rollback\", \"Roll back\", \"Back out\", \"Revert\" (required by kind \"runbook\")"
    );
}

#[test]
fn empty_sections_and_placeholders() {
    // Preconditions holds only a comment, Steps only empty sub-headings, Validation "TBD.",
    // Rollback "N/A". The other file has text, a code block, an image and "TODO: <words>".
    assert_eq!(
        positions("validate-empty-section"),
        [
            at("content/db/failover.md", 8, 1, "empty-section"),
            at("content/db/failover.md", 12, 1, "empty-section"),
            at("content/db/failover.md", 18, 1, "empty-section"),
            at("content/db/failover.md", 21, 1, "empty-section"),
        ]
    );
}

#[test]
fn steps_without_order_warn() {
    assert_eq!(
        positions("validate-steps-not-ordered"),
        [at("content/db/failover.md", 12, 1, "steps-not-ordered")]
    );
}

#[test]
fn sections_out_of_order_warn_at_the_early_heading() {
    assert_eq!(
        positions("validate-section-order"),
        [
            at("content/db/failover.md", 8, 1, "section-order"),
            at("content/db/failover.md", 12, 1, "section-order"),
        ]
    );
}

#[test]
fn missing_and_empty_required_fields() {
    // no-title.md has neither a `title` nor a `# Title`; no-front-matter.md has a `# Title`,
    // which stands for the title, as it titles the page.
    assert_eq!(
        positions("validate-missing-field"),
        [
            at("content/empty-owner.md", 3, 8, "missing-field"),
            at("content/no-front-matter.md", 1, 1, "missing-review-date"),
            at("content/no-front-matter.md", 1, 1, "missing-field"),
            at("content/no-owner.md", 1, 1, "missing-field"),
            at("content/no-title.md", 1, 1, "missing-field"),
        ]
    );
}

#[test]
fn broken_links_point_at_the_destination() {
    // Pages, folders, URL-style links, assets, root-relative links, external links, an email
    // autolink, a footnote and links inside code are all fine.
    assert_eq!(
        positions("validate-broken-link"),
        [
            at("content/links.md", 11, 16, "broken-link"),
            at("content/links.md", 11, 46, "broken-link"),
            at("content/links.md", 12, 20, "broken-link"),
        ]
    );
}

#[test]
fn broken_anchors_on_this_page_and_others() {
    let (json, _) = check_json(&fixture("validate-broken-anchor"));
    assert_eq!(
        positions("validate-broken-anchor"),
        [
            at("content/anchors.md", 10, 18, "broken-anchor"),
            at("content/anchors.md", 10, 43, "broken-anchor"),
        ]
    );
    assert_eq!(json["diagnostics"][0]["help"], "did you mean `#steps`?");
    assert_eq!(json["diagnostics"][1]["help"], "did you mean `#rollback`?");
}

#[test]
fn stale_review_counts_from_today() {
    // stale.md: 2025-06-01, 365 days before the pinned today. fresh.md: exactly 180 days.
    assert_eq!(
        positions("validate-stale-review"),
        [at("content/stale.md", 4, 16, "stale-review")]
    );
    let (json, code) = check_json(&fixture("validate-stale-review"));
    assert_eq!(code, 0, "stale-review is a warning by default");
    assert_eq!(
        json["diagnostics"][0]["message"],
        "last reviewed on 2025-06-01, 365 days ago; the review interval is 180 days"
    );
}

#[test]
fn missing_review_date_but_not_twice_for_a_bad_date() {
    assert_eq!(
        positions("validate-missing-review-date"),
        [
            at("content/not-a-date.md", 4, 16, "invalid-field"),
            at("content/unreviewed.md", 1, 1, "missing-review-date"),
        ]
    );
}

#[test]
fn placeholder_tags_outside_code_and_comments() {
    assert_eq!(
        positions("validate-unknown-html-tag"),
        [
            at("content/placeholders.md", 8, 11, "unknown-html-tag"),
            at("content/placeholders.md", 8, 34, "unknown-html-tag"),
        ]
    );
}

#[test]
fn front_matter_problems_do_not_cascade() {
    // A block that does not parse hides its fields, so no missing-field or missing-review-date;
    // an unclosed block swallows the body, so no missing-section either.
    assert_eq!(
        positions("validate-front-matter"),
        [
            at("content/fields.md", 4, 11, "invalid-field"),
            at("content/fields.md", 6, 1, "unknown-field"),
            at("content/syntax.md", 3, 8, "front-matter-syntax"),
            at("content/unclosed.md", 1, 1, "front-matter-syntax"),
        ]
    );
}

#[test]
fn levels_from_book_toml_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("validate-steps-not-ordered"), dir.path());
    std::fs::write(
        dir.path().join("book.toml"),
        "[validate.levels]\nsteps-not-ordered = \"error\"\nmissing-review-date = \"off\"\n",
    )
    .expect("write book.toml");
    let (json, code) = check_json(dir.path());
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    std::fs::write(
        dir.path().join("book.toml"),
        "[validate.levels]\nsteps-not-ordered = \"off\"\n",
    )
    .expect("write book.toml");
    let (json, code) = check_json(dir.path());
    assert_eq!(
        (code, json["diagnostics"].as_array().map(Vec::len)),
        (0, Some(0))
    );
}

#[test]
fn user_kinds_and_aliases_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("content")).expect("mkdir");
    std::fs::write(
        dir.path().join("book.toml"),
        "[validate]\ndefault-kind = \"playbook\"\n[kinds.playbook]\nrequired-sections = [\"Escalation\", \"steps\"]\n[sections]\nescalation = [\"who to call\"]\nsteps = [\"do this\"]\n",
    )
    .expect("write book.toml");
    std::fs::write(
        dir.path().join("content/a.md"),
        "---\ntitle: A\nlast_reviewed: 2026-05-01\n---\n# A\n\n## Who to call?\n\nThe DBA.\n\n## Do this\n\n1. Act.\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("content/b.md"),
        "---\ntitle: B\nlast_reviewed: 2026-05-01\n---\n# B\n\n## Do this\n\n1. Act.\n",
    )
    .expect("write");
    let (json, _) = check_json(dir.path());
    let diagnostics = json["diagnostics"].as_array().expect("array");
    assert_eq!(diagnostics.len(), 1, "{json:#}");
    assert_eq!(diagnostics[0]["file"], "content/b.md");
    assert_eq!(
        diagnostics[0]["message"],
        "runbook has no \"escalation\" section"
    );
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

#[test]
fn human_output_snapshot() {
    let output = rb_site()
        .args(["check", "--root"])
        .arg(fixture("validate-many"))
        .output()
        .expect("rb-site runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));
}

#[test]
fn json_output_has_the_documented_shape() {
    let (json, code) = check_json(&fixture("validate-missing-section"));
    assert_eq!(code, 1);
    let first = json["diagnostics"][0].as_object().expect("object");
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    // serde_json sorts keys; `help` is the one addition to the documented shape.
    assert_eq!(
        keys,
        [
            "code", "column", "file", "help", "line", "message", "severity"
        ]
    );
    assert_eq!(first["file"], "content/db/failover.md");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(6), Some(1))
    );
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "missing-section");
    assert_eq!(
        json["summary"],
        serde_json::json!({"files": 2, "errors": 2, "warnings": 0})
    );
}

#[test]
fn github_output_is_one_workflow_command_per_diagnostic() {
    let output = rb_site()
        .args(["check", "--format", "github", "--root"])
        .arg(fixture("validate-section-order"))
        .output()
        .expect("rb-site runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "::warning file=content/db/failover.md,line=8,col=1,title=section-order::the \"rollback\" section comes before the \"preconditions\" section%0Ahelp: expected order: preconditions, steps, validation, rollback\n\
         ::warning file=content/db/failover.md,line=12,col=1,title=section-order::the \"validation\" section comes before the \"preconditions\" section%0Ahelp: expected order: preconditions, steps, validation, rollback\n"
    );
}

#[test]
fn sarif_output_has_one_rule_per_code() {
    let output = rb_site()
        .args(["check", "--format", "sarif", "--root"])
        .arg(fixture("validate-many"))
        .output()
        .expect("rb-site runs");
    assert_eq!(output.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), rb_site::diag::RULES.len());
    let ids: std::collections::BTreeSet<&str> =
        rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 9);
    let missing = results
        .iter()
        .find(|r| r["ruleId"] == "missing-section")
        .expect("missing-section result");
    assert_eq!(missing["level"], "error");
    assert_eq!(
        rules[missing["ruleIndex"].as_u64().expect("index") as usize]["id"],
        "missing-section"
    );
    let location = &missing["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "content/db/failover.md"
    );
    assert_eq!(location["region"]["startLine"], 7);
    assert_eq!(location["region"]["startColumn"], 1);
}

/// The corpus collections, checked with `default-kind = "alert"`.
mod corpus {
    use super::*;

    /// `../shared/corpus` beside the crate; from a worktree (`/work/wt/<name>`), one level up more.
    fn corpus_root() -> Option<PathBuf> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let candidates = [
            manifest.join("../shared/corpus"),
            manifest.join("../../shared/corpus"),
        ];
        if let Some(found) = candidates.iter().find(|c| c.is_dir()) {
            return Some(found.clone());
        }
        let root = &candidates[0];
        if std::env::var_os("CI").is_some() {
            panic!("the corpus is missing at {}", root.display());
        }
        crate::support::skip(format!("no corpus at {}", root.display()));
        None
    }

    /// The diagnostics of `rb-site check` over a corpus folder, through the library.
    fn check(content: &Path) -> rb_site::diag::Report {
        let dir = tempfile::tempdir().expect("tempdir");
        // An absolute content-dir: `Path::join` keeps it as it is.
        let book = format!(
            "[build]\ncontent-dir = {:?}\n[validate]\ndefault-kind = \"alert\"\n",
            content.display().to_string()
        );
        std::fs::write(dir.path().join("book.toml"), book).expect("write book.toml");
        let config = rb_site::config::Config::load(dir.path()).expect("config");
        rb_site::check(&config).expect("check runs").report
    }

    /// What the test expects, per file: missing and empty alert sections.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct Counts {
        missing: usize,
        empty: usize,
    }

    const SECTIONS: &[&str] = &["meaning", "impact", "diagnosis", "mitigation"];

    /// An independent reading of one runbook, line by line (no Markdown parser): front matter
    /// skipped, fenced code skipped, ATX headings `##`/`###` at the start of a line taken as
    /// sections. Where this reading and pulldown-cmark could differ (setext headings, headings
    /// inside lists or block quotes, HTML blocks) the corpora have no such case; the test would
    /// show the file if one appeared.
    fn independent_counts(text: &str) -> Counts {
        let mut lines: Vec<&str> = text.lines().collect();
        if lines.first().map(|l| l.trim_end()) == Some("---") {
            if let Some(close) = lines.iter().skip(1).position(|l| l.trim_end() == "---") {
                lines.drain(..close + 2);
            } else {
                return Counts::default();
            }
        }
        // (line index, level, normalised text) of each heading outside code fences.
        let mut headings = Vec::new();
        let mut fence: Option<(char, usize)> = None;
        let mut in_fence = vec![false; lines.len()];
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
            let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
            match fence {
                Some((m, len)) => {
                    in_fence[i] = true;
                    if marker == Some(m) && run >= len && trimmed[run..].trim().is_empty() {
                        fence = None;
                    }
                }
                None if indent < 4 && run >= 3 => {
                    in_fence[i] = true;
                    fence = marker.map(|m| (m, run));
                }
                None => {
                    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
                    let rest = &trimmed[hashes..];
                    if indent < 4
                        && (1..=6).contains(&hashes)
                        && (rest.is_empty() || rest.starts_with([' ', '\t']))
                    {
                        let text = rest.trim().trim_end_matches('#').trim();
                        headings.push((i, hashes, normalise(text)));
                    }
                }
            }
        }
        let mut counts = Counts::default();
        for section in SECTIONS {
            let Some(k) = headings.iter().position(|(_, level, text)| {
                // `## Diagnosis and mitigation` is both sections.
                (2..=3).contains(level)
                    && (text == section || text.split(" and ").any(|part| part == *section))
            }) else {
                counts.missing += 1;
                continue;
            };
            let (start, level, _) = headings[k];
            let end = headings[k + 1..]
                .iter()
                .find(|(_, l, _)| *l <= level)
                .map_or(lines.len(), |(i, _, _)| *i);
            let is_heading = |i: usize| headings.iter().any(|(h, _, _)| *h == i);
            let body: Vec<&str> = (start + 1..end)
                .filter(|i| !is_heading(*i) || in_fence[*i])
                .map(|i| lines[i])
                .collect();
            let has_code = (start + 1..end).any(|i| in_fence[i]);
            let text = strip_comments(&body.join("\n"));
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| {
                    w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '/'))
                        .to_lowercase()
                })
                .filter(|w| !w.is_empty())
                .collect();
            let placeholder_only = !words.is_empty()
                && words.iter().all(|w| {
                    ["todo", "tbd", "fixme", "n/a", "na", "tba", "wip"].contains(&w.as_str())
                });
            if !has_code && (words.is_empty() || placeholder_only) {
                counts.empty += 1;
            }
        }
        counts
    }

    fn normalise(heading: &str) -> String {
        let lower = heading.to_lowercase();
        let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric());
        let unnumbered = trimmed.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        let unnumbered =
            if unnumbered.len() < trimmed.len() && !unnumbered.starts_with(char::is_alphanumeric) {
                unnumbered.trim_start_matches(|c: char| !c.is_alphanumeric())
            } else {
                trimmed
            };
        unnumbered.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn strip_comments(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find("<!--") {
            out.push_str(&rest[..open]);
            match rest[open..].find("-->") {
                Some(close) => rest = &rest[open + close + 3..],
                None => return out,
            }
        }
        out.push_str(rest);
        out
    }

    fn compare(collection: &str, content: &str, totals: (usize, usize)) {
        let Some(root) = corpus_root() else {
            return;
        };
        let content = root.join(collection).join(content);
        let report = check(&content);
        let prefix = content.display().to_string();
        // Per file: what rb-site reported.
        let mut reported: std::collections::BTreeMap<String, Counts> = Default::default();
        for d in report.diagnostics() {
            let rel = d
                .file
                .strip_prefix(&prefix)
                .unwrap_or(&d.file)
                .trim_start_matches('/')
                .to_string();
            let counts = reported.entry(rel).or_default();
            match d.code {
                "missing-section" => counts.missing += 1,
                "empty-section" => counts.empty += 1,
                _ => {}
            }
        }
        reported.retain(|_, c| *c != Counts::default());
        // Per file: what the independent reading expects. Section pages (`_index.md`) have
        // no required sections; only `.md`/`.markdown` files are content, as in rb-site.
        let mut expected: std::collections::BTreeMap<String, Counts> = Default::default();
        for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
            let entry = entry.expect("walk");
            let path = entry.path();
            let name = entry.file_name().to_string_lossy();
            let is_md = name.ends_with(".md") || name.ends_with(".markdown");
            if !entry.file_type().is_file() || !is_md || name == "_index.md" {
                continue;
            }
            let rel = path
                .strip_prefix(&content)
                .expect("prefix")
                .to_string_lossy()
                .into_owned();
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let counts = independent_counts(&text.replace("\r\n", "\n"));
            if counts != Counts::default() && !text.trim().is_empty() {
                expected.insert(rel, counts);
            }
        }
        let total = |m: &std::collections::BTreeMap<String, Counts>| {
            m.values()
                .fold((0, 0), |(a, b), c| (a + c.missing, b + c.empty))
        };
        eprintln!(
            "{collection}: rb-site (missing, empty) = {:?}, independent = {:?}",
            total(&reported),
            total(&expected)
        );
        if reported != expected {
            let files: std::collections::BTreeSet<&String> =
                reported.keys().chain(expected.keys()).collect();
            for file in files {
                if reported.get(file) != expected.get(file) {
                    eprintln!(
                        "  {file}: rb-site {:?}, independent {:?}",
                        reported.get(file),
                        expected.get(file)
                    );
                }
            }
            panic!("{collection}: counts differ (files listed above)");
        }
        assert_eq!(
            total(&reported),
            totals,
            "{collection}: (missing, empty) totals"
        );
    }

    #[test]
    fn prometheus_operator_counts_match() {
        // 109 runbooks: 16 sections missing, 25 empty (mostly `TODO` mitigations in kube-state-metrics
        // and kubernetes runbooks).
        compare("prometheus-operator-runbooks", "content/runbooks", (16, 25));
    }

    #[test]
    fn openshift_counts_match() {
        // 92 missing sections: 52 in the helper pages, README.md and example.md, 40 in runbooks
        // (TargetDown.md's `## Diagnosis and mitigation` is both sections).
        compare("openshift-runbooks", "alerts", (92, 0));
    }

    #[test]
    fn gitlab_counts_match() {
        // Service pages, not alert runbooks: most lack the four alert sections
        // (redis-survival-guide-for-sres.md's `## Debugging and Diagnosis` is the diagnosis).
        compare("gitlab-com-runbooks", "docs", (1646, 0));
    }
}

/// Issue 12 item 3: a link to a folder lands on its section page, generated when the folder has
/// no `_index.md`; a folder with no page at all is a broken link that says so.
#[test]
fn issue_12_folder_links_resolve_to_section_pages() {
    let root = fixture("links-folders");
    let (json, code) = check_json(&root);
    assert_eq!(code, 1);
    let messages: Vec<(u64, u64, &str)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().expect("line"),
                d["column"].as_u64().expect("column"),
                d["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                5,
                12,
                "link to `images/`: the folder content/images/ has no Markdown page, so the site has no page for it"
            ),
            (
                6,
                13,
                "link to `missing/`: no page or file at content/missing/"
            ),
        ]
    );
    // The hrefs the build writes reach the generated and the hand-written section pages.
    let dest = tempfile::tempdir().expect("tempdir");
    let site = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&root, site.path());
    std::fs::remove_file(site.path().join("content/_index.md")).expect("rm");
    std::fs::write(
        site.path().join("content/_index.md"),
        "# Runbooks\n\n[uncategorized](uncategorized/), [db](./db), [rollback](db/#rollback)\n",
    )
    .expect("write");
    rb_site()
        .args(["build", "--quiet", "--root"])
        .arg(site.path())
        .arg("--dest")
        .arg(dest.path())
        .assert()
        .success();
    let home = crate::support::read(&dest.path().join("index.html"));
    for href in [
        "href=\"uncategorized/index.html\"",
        "href=\"db/index.html\"",
        "href=\"db/index.html#rollback\"",
    ] {
        assert!(home.contains(href), "{href} missing from the home page");
    }
    let page = crate::support::read(&dest.path().join("uncategorized/load-balancing/index.html"));
    assert!(page.contains("href=\"../../index.html\""), "{page}");
    assert!(
        page.contains("href=\"../../uncategorized/index.html\""),
        "{page}"
    );
    assert!(dest.path().join("uncategorized/index.html").is_file());
}

/// The GitLab corpus links `docs/README.md` to `uncategorized/`, a folder of runbooks without
/// `_index.md`: no longer a broken link.
#[test]
fn issue_12_gitlab_folder_link_is_not_broken() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let corpus = shared.join("corpus/gitlab-com-runbooks");
    let site = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        site.path().join("book.toml"),
        format!(
            "[build]\ncontent-dir = {:?}\n[validate]\ndefault-kind = \"reference\"\n",
            corpus.display().to_string()
        ),
    )
    .expect("write");
    let (json, _) = check_json(site.path());
    let folder_links: Vec<&Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            d["code"] == "broken-link"
                && d["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("docs/README.md"))
        })
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("`uncategorized/`"))
        })
        .collect();
    assert_eq!(folder_links, Vec::<&Value>::new());
}
