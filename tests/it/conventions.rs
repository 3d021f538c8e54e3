//! Alert link conventions on a small fixture (`tests/fixtures/alerts-conventions`), one test per
//! convention of issue 12: a page per alert under a path, one page with a heading per alert,
//! source files on a git host, repository-relative paths in another annotation, claims from
//! book.toml, and settings by path (kinds, name-from-file, levels, multi-section headings).

use std::path::{Path, PathBuf};

use rb_site::alerts::AlertsReport;
use rb_site::cli::alerts::{alerts_report, alerts_report_for};
use rb_site::config::Config;

fn root() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/alerts-conventions"
    ))
    .into()
}

fn report() -> AlertsReport {
    alerts_report(&root()).expect("alerts report")
}

/// Where an alert's page sends readers, and its status.
fn landing(report: &AlertsReport, alert: &str) -> (Option<String>, &'static str) {
    let i = report
        .rows
        .iter()
        .position(|r| r.alert == alert)
        .unwrap_or_else(|| panic!("no alert {alert}"));
    (report.rows[i].runbook.clone(), report.statuses[i])
}

fn covered(at: &str) -> (Option<String>, &'static str) {
    (
        Some(format!("https://runbooks.example.dev/{at}")),
        "covered",
    )
}

/// `location code message (help)` of the diagnostics about one file.
fn diagnostics_at(report: &AlertsReport, location: &str) -> Vec<String> {
    report
        .report
        .diagnostics()
        .iter()
        .filter(|d| d.location().starts_with(location))
        .map(|d| {
            format!(
                "{} {} {} ({})",
                d.location(),
                d.code,
                d.message,
                d.help.as_deref().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn a_page_per_alert_under_a_path_covers_and_its_own_page_is_no_duplicate_url() {
    let report = report();
    // `base-url` + `runbooks/kubernetes/kubepodcrashlooping` (kube-prometheus's spelling).
    assert_eq!(
        landing(&report, "KubePodCrashLooping"),
        covered("runbooks/kubernetes/kubepodcrashlooping/")
    );
    // `url-aliases = ["runbooks/{group}/{alert_lower}/"]` names that very page: served by it.
    assert!(
        !report
            .report
            .diagnostics()
            .iter()
            .any(|d| d.code == "duplicate-url"),
        "{:?}",
        report.report.diagnostics()
    );
}

#[test]
fn one_page_with_a_heading_per_alert_covers_by_anchor_and_by_heading_claim() {
    let report = report();
    // A rule URL `runbook.md#alert-name-kubeapidown` whose anchor is a heading of that page.
    assert_eq!(
        landing(&report, "KubeAPIDown"),
        covered("mixin/runbook/#alert-name-kubeapidown")
    );
    // No link at all: the heading `##### Alert Name: KubeletDown` claims it.
    assert_eq!(
        landing(&report, "KubeletDown"),
        covered("mixin/runbook/#alert-name-kubeletdown")
    );
    // A heading claiming an alert no rule defines is reported at the heading.
    assert_eq!(
        diagnostics_at(&report, "content/mixin/runbook.md"),
        [
            "content/mixin/runbook.md:13:1 unknown-alert no rule file defines an alert named \"KubeProxyDown\" ()"
        ]
    );
    // An anchor that differs from a heading only in case: not covered, and the message says so.
    assert_eq!(landing(&report, "KubeSchedulerDown"), (None, "no-runbook"));
    assert_eq!(
        diagnostics_at(&report, "rules/rules.yaml:23:"),
        [
            "rules/rules.yaml:23:20 runbook-url-mismatch annotations.runbook_url of alert \"KubeSchedulerDown\" links to #Alert-Name-KubeAPIDown, which is no heading of content/mixin/runbook.md (read as a source file of the repository https://github.com/acme/runbooks) (#alert-name-kubeapidown exists and differs only in case (anchors are case-sensitive); link to it, or to the page without the fragment)"
        ]
    );
}

#[test]
fn source_files_on_github_gitlab_and_gitea_resolve_to_their_pages() {
    let report = report();
    // GitHub `blob/master/...`.
    assert_eq!(landing(&report, "TargetDown"), covered("ocp/targetdown/"));
    // Gitea `src/branch/main/...`.
    assert_eq!(landing(&report, "NodeDown"), covered("gitea/nodedown/"));
    // GitLab `/-/blob/master/...`, in the labels.
    assert_eq!(landing(&report, "PatroniDown"), covered("gl/patroni/"));
    // A source file that is not there: the convention tried and the nearest file are named.
    assert_eq!(
        diagnostics_at(&report, "rules/rules.yaml:35:"),
        [
            "rules/rules.yaml:35:20 runbook-url-mismatch annotations.runbook_url of alert \"TargetDownTypo\" names content/ocp/TargetDwn.md (read as a source file of the repository https://github.com/acme/runbooks), which is not a page of this site (the nearest content file is content/ocp/TargetDown.md)"
        ]
    );
    // An address under no repository and no base-url is counted as outside the site.
    assert_eq!(report.summary.external, 1);
}

#[test]
fn a_repository_relative_path_in_a_configured_annotation_covers() {
    let report = report();
    assert_eq!(
        landing(&report, "PatroniReplicationLag"),
        covered("gl/patroni/#replication-lag")
    );
    // With `runbook-keys` naming only `runbook_url`, the `runbook` annotation is not read.
    let text = std::fs::read_to_string(root().join("book.toml")).expect("book.toml");
    let text = text.replace("[alerts]\n", "[alerts]\nrunbook-keys = [\"runbook_url\"]\n");
    let config = Config::from_toml(&root(), &text).expect("config");
    let report = alerts_report_for(&config).expect("report");
    assert_eq!(
        landing(&report, "PatroniReplicationLag"),
        (None, "no-runbook")
    );
    assert_eq!(landing(&report, "PatroniDown"), (None, "no-runbook"));
}

#[test]
fn book_toml_claims_a_heading_for_alerts_by_pattern() {
    let report = report();
    assert_eq!(
        landing(&report, "StorageFull"),
        covered("mixin/groups/#storage")
    );
    assert_eq!(
        landing(&report, "StorageSlow"),
        covered("mixin/groups/#storage")
    );
    // A claim naming a page that does not exist, or a heading that does not, is reported at the
    // line of its `[[alerts.claims]]`.
    let text = std::fs::read_to_string(root().join("book.toml")).expect("book.toml");
    let text = text.replace("page = \"mixin/groups.md\"", "page = \"mixin/group.md\"")
        + "\n[[alerts.claims]]\npage = \"gl/patroni.md\"\nheading = \"Replication lagging\"\nalerts = [\"PatroniDown\"]\n";
    let config = Config::from_toml(&root(), &text).expect("config");
    let report = alerts_report_for(&config).expect("report");
    assert_eq!(
        diagnostics_at(&report, "book.toml"),
        [
            "book.toml:27 broken-link [[alerts.claims]] names the page \"mixin/group.md\", which is no content file (did you mean \"mixin/groups.md\"?)",
            "book.toml:45 broken-anchor [[alerts.claims]] names the heading \"Replication lagging\", which is no heading of content/gl/patroni.md ()",
        ]
    );
    assert_eq!(landing(&report, "StorageFull"), (None, "no-runbook"));
}

#[test]
fn settings_by_path_keep_readme_and_helpers_out_of_alerts() {
    let config = Config::load(&root()).expect("config");
    let checked = rb_site::check(&config).expect("check");
    let lines: Vec<String> = checked
        .report
        .diagnostics()
        .iter()
        .filter(|d| d.file.starts_with("content/"))
        .map(|d| format!("{} {}", d.location(), d.code))
        .collect();
    // README.md and helpers/ are `reference` pages that claim no alert (no unknown-alert "README",
    // no missing sections); `## Diagnosis and mitigation` is both sections of TargetDown.md; the
    // `<node-name>` of the helper is off by its path's levels, the README's `<alert-name>` is not.
    assert_eq!(
        lines,
        [
            "content/README.md:5:21 unknown-html-tag",
            "content/mixin/runbook.md:13:1 unknown-alert",
        ]
    );
    let kind = |rel: &str| {
        let i = checked.site.by_source[rel];
        checked.site.pages[i].runbook_kind.clone()
    };
    assert_eq!(kind("README.md"), "reference");
    assert_eq!(kind("ocp/helpers/diagnosis.md"), "reference");
    assert_eq!(kind("ocp/TargetDown.md"), "alert");
}
