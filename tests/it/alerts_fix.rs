//! `rb-site alerts --fix` on rule files with comments, anchors, flow maps and a PrometheusRule:
//! byte-exact results, the diagnostics it answers, and promtool's view of the edited files.

use std::path::Path;

use rb_site::cli::alerts::check_alerts;
use rb_site::config::Config;

use crate::support::{fixture, rb_site, read, repo, tool};

/// `location code message` of every runbook-link diagnostic.
fn runbook_url_diagnostics(root: &Path) -> Vec<String> {
    let config = Config::load(root).expect("config");
    let (_, report) = check_alerts(&config).expect("check");
    report
        .diagnostics()
        .iter()
        .filter(|d| d.code.starts_with("runbook-url"))
        .map(|d| format!("{} {} {}", d.location(), d.code, d.message))
        .collect()
}

#[test]
fn issue_13_annotation_templates_are_checked_as_prometheus_expands_them() {
    let site = fixture("alerts-fix");
    assert_eq!(
        runbook_url_diagnostics(site.path()),
        [
            r#"rules/operator.yaml:21:26 runbook-url-unchecked annotations.runbook_url of alert "DbReplicaDown" cannot be checked: `$labels.cluster` is a label of the firing series, known only when the alert fires"#,
            r#"rules/operator.yaml:29:26 runbook-url-template annotations.runbook_url of alert "DbPrimaryDown" reaches notifications as https://runbooks.example//primary/: `team` is a label the rule sets, and Prometheus expands annotations before it adds the rule's labels, so `$labels.team` is empty"#,
            r#"rules/plain.yaml:10:24 runbook-url-template annotations.runbook_url of alert "ApiLatencyHigh" reaches notifications as https://runbooks.example/alerts//: Prometheus expands annotations before it adds the `alertname` label, so `$labels.alertname` is empty"#,
            r#"rules/plain.yaml:14:53 runbook-url-mismatch annotations.runbook_url of alert "ApiErrors" leads to content/api/latency.md (read as base-url + a page of this site), not to its runbook content/api/errors.md"#,
            r#"rules/plain.yaml:18:16 runbook-url-missing alert "DiskFull" has a runbook (content/ops/disk.md) but no runbook_url annotation"#,
            r#"rules/plain.yaml:24:16 runbook-url-missing alert "DbReplicationLag" has a runbook (content/db/replication.md) but no runbook_url annotation"#,
        ]
    );
    // ClusterDown's `{{ $externalLabels.region }}` expands with book.toml's external-labels to
    // its runbook's page, so it is no problem at all. The alertname error gives the literal URL.
    let output = rb_site()
        .arg("check")
        .arg("--root")
        .arg(site.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "= help: write the literal URL: https://runbooks.example/alerts/ApiLatencyHigh/"
        ),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
}

#[test]
fn issue_13_alerts_fix_edits_only_the_links_byte_for_byte() {
    let site = fixture("alerts-fix");
    let root = site.path();
    let before_plain = read(&root.join("rules/plain.yaml"));
    let before_operator = read(&root.join("rules/operator.yaml"));

    let dry = rb_site()
        .args(["alerts", "--fix", "--dry-run"])
        .arg("--root")
        .arg(root)
        .output()
        .expect("run");
    let diff = String::from_utf8_lossy(&dry.stdout);
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        diff.starts_with("--- a/rules/operator.yaml\n+++ b/rules/operator.yaml\n"),
        "{diff}"
    );
    assert!(diff.contains("\n-        annotations: {summary: Errors, runbook_url: 'https://runbooks.example/api/latency/'}\n+        annotations: {summary: Errors, runbook_url: 'https://runbooks.example/alerts/ApiErrors/'}\n"), "{diff}");
    assert!(
        String::from_utf8_lossy(&dry.stderr)
            .contains("5 runbook links would be written (dry run: no file changed)")
    );
    assert_eq!(read(&root.join("rules/plain.yaml")), before_plain);
    assert_eq!(read(&root.join("rules/operator.yaml")), before_operator);

    let fixed = rb_site()
        .args(["alerts", "--fix"])
        .arg("--root")
        .arg(root)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert_eq!(fixed.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Wrote 5 runbook links in 2 rule files"),
        "{stderr}"
    );
    for file in ["plain.yaml", "operator.yaml"] {
        assert_eq!(
            std::fs::read(root.join("rules").join(file)).expect("fixed"),
            std::fs::read(repo().join("tests/fixtures/alerts-fix/expected").join(file))
                .expect("expected"),
            "rules/{file} differs from expected/{file}"
        );
    }
    // Afterwards only the link rb-site cannot check is left, and a second run changes nothing.
    assert_eq!(
        runbook_url_diagnostics(root),
        [
            r#"rules/operator.yaml:21:26 runbook-url-unchecked annotations.runbook_url of alert "DbReplicaDown" cannot be checked: `$labels.cluster` is a label of the firing series, known only when the alert fires"#
        ]
    );
    let again = rb_site()
        .args(["alerts", "--fix"])
        .arg("--root")
        .arg(root)
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("Wrote 0 runbook links in 0 rule files")
    );

    // promtool accepted the plain file before and accepts it after.
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let before = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(before.path(), &before_plain).expect("write");
    for path in [before.path(), &root.join("rules/plain.yaml")] {
        let out = std::process::Command::new(&promtool)
            .args(["check", "rules", "--lint=none"])
            .arg(path)
            .output()
            .expect("promtool");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("SUCCESS: 5 rules found"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn alerts_fix_without_base_url_is_a_usage_error() {
    let site = fixture("alerts-fix");
    let toml = read(&site.path().join("book.toml"))
        .replace("base-url = \"https://runbooks.example/\"\n", "");
    std::fs::write(site.path().join("book.toml"), toml).expect("write");
    let out = rb_site()
        .args(["alerts", "--fix"])
        .arg("--root")
        .arg(site.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set book.base-url"));
}

#[test]
fn issue_13_a_rules_glob_matching_nothing_is_a_warning_naming_it() {
    let site = fixture("alerts-fix");
    let toml = read(&site.path().join("book.toml")).replace(
        "rules = [\"rules/*.yaml\"]",
        "rules = [\"rules/*.yaml\", \"alerting/**/*.yml\"]",
    );
    std::fs::write(site.path().join("book.toml"), toml).expect("write");
    let config = Config::load(site.path()).expect("config");
    let (_, report) = check_alerts(&config).expect("check");
    let unmatched: Vec<String> = report
        .diagnostics()
        .iter()
        .filter(|d| d.code == "rule-glob-unmatched")
        .map(|d| format!("{} {:?} {}", d.location(), d.severity, d.message))
        .collect();
    assert_eq!(
        unmatched,
        [r#"book.toml Warning alerts.rules: "alerting/**/*.yml" matches no file"#]
    );
}

/// The editor on real rule files: every alert of every corpus rule file gets a new link; the
/// result must read back as the same rules with only that link changed (`fix_rule_file` checks
/// this and otherwise leaves the file alone), and promtool must accept each plain file it
/// accepted before.
#[test]
fn issue_13_fix_edits_every_corpus_rule_file_cleanly() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let corpus = shared.join("corpus");
    let promtool = tool("promtool");
    let out = tempfile::tempdir().expect("tempdir");
    let (mut files, mut alerts, mut unchanged) = (0, 0, Vec::new());
    let mut skipped_all = Vec::new();
    for entry in walkdir::WalkDir::new(&corpus).sort_by_file_name() {
        let entry = entry.expect("walk");
        let path = entry.path();
        let name = path.to_string_lossy();
        if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if !text.contains("alert:") || !text.contains("groups:") {
            continue;
        }
        let rel = path
            .strip_prefix(&corpus)
            .expect("prefix")
            .to_string_lossy()
            .to_string();
        let (after, skipped) = rb_site::alerts::relink_every_alert(&rel, &text, |alert| {
            format!("https://runbooks.example/alerts/{alert}/")
        });
        let count = after.matches("https://runbooks.example/alerts/").count();
        if count == 0 {
            unchanged.push(rel.clone());
            continue;
        }
        files += 1;
        alerts += count;
        skipped_all.extend(skipped);
        // promtool reads plain files only (and no Thanos group fields).
        let plain = (text.starts_with("groups:") || text.contains("\ngroups:"))
            && !text.contains("partial_response_strategy")
            && !text.contains("kind: PrometheusRule");
        if let Some(promtool) = promtool.as_ref().filter(|_| plain) {
            let edited = out.path().join(rel.replace('/', "__"));
            std::fs::write(&edited, &after).expect("write");
            let checked = std::process::Command::new(promtool)
                .args(["check", "rules", "--lint=none"])
                .arg(&edited)
                .output()
                .expect("promtool");
            assert!(
                checked.status.success(),
                "{rel}: promtool refuses the edited file:\n{}",
                String::from_utf8_lossy(&checked.stdout)
            );
        }
    }
    eprintln!("relinked {alerts} alerts in {files} corpus rule files; skipped {skipped_all:?}");
    assert_eq!(unchanged, Vec::<String>::new());
    assert!(
        files >= 100 && alerts >= 1000,
        "{files} files, {alerts} alerts"
    );
}

/// `init`'s example rule links to `/alerts/ExampleServiceDown/`: right for the site, but once
/// the site has an address, a notification needs it too. `check` says so at the link, and
/// `alerts --fix` writes the absolute URL.
#[test]
fn a_relative_runbook_link_is_made_absolute_once_the_site_has_an_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::rb_site()
        .current_dir(dir.path())
        .args(["init", "site"])
        .assert()
        .success();
    let root = dir.path().join("site");
    let book = root.join("book.toml");
    let text = read(&book).replacen(
        "[book]\n",
        "[book]\nbase-url = \"https://runbooks.acme.example/\"\n",
        1,
    );
    std::fs::write(&book, text).expect("book.toml");
    let rules = root.join("rules/example.yaml");
    let line = read(&rules)
        .lines()
        .position(|l| {
            l.trim_start()
                .starts_with("runbook_url: /alerts/ExampleServiceDown/")
        })
        .expect("the example's link")
        + 1;
    let (code, found, _) = crate::support::check_locations(&root);
    assert_eq!(code, 0);
    assert_eq!(
        found,
        [format!("rules/example.yaml:{line}:24 runbook-url-relative")]
    );
    crate::support::rb_site()
        .args(["alerts", "--fix", "--root"])
        .arg(&root)
        .assert()
        .success();
    assert!(
        read(&rules)
            .contains("runbook_url: https://runbooks.acme.example/alerts/ExampleServiceDown/\n")
    );
    let (code, found, _) = crate::support::check_locations(&root);
    assert_eq!((code, found), (0, Vec::<String>::new()));
}

#[test]
fn rule_file_diagnostics_show_the_line_with_the_value_underlined() {
    // Rule files are not kept after they are read; `check` reads the lines it reports back, so
    // a rule's problem reads like a runbook's: the line, the value underlined.
    let site = fixture("alerts-fix");
    let output = rb_site()
        .arg("check")
        .arg("--root")
        .arg(site.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for block in [
        // A value in a flow map, quoted.
        "  --> rules/plain.yaml:14:53\n   |\n14 |         annotations: {summary: Errors, runbook_url: 'https://runbooks.example/api/latency/'}\n   |                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
        // An alert's name, before a comment.
        "  --> rules/plain.yaml:18:16\n   |\n18 |       - alert: DiskFull   # no annotations yet\n   |                ^^^^^^^^\n",
    ] {
        assert!(stderr.contains(block), "no\n{block}\nin\n{stderr}");
    }
    // Machine formats carry the position, never the text.
    let json = rb_site()
        .args(["check", "--format", "json", "--root"])
        .arg(site.path())
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&json.stdout).contains("no annotations yet"));
}
