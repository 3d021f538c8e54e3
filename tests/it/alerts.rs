//! Alerts and runbooks: rule parsing, coverage diagnostics with exact positions, alias
//! collisions, redirect pages that land on real pages and anchors, and the kube-prometheus data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rb_site::alerts::{AlertsReport, CoverageSummary, parse_rule_file_counted};
use rb_site::cli::alerts::{AlertsFormat, alerts_report, alerts_report_for, render_alerts};
use rb_site::config::Config;

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

fn shared_corpus() -> Option<PathBuf> {
    // `../shared` from the main checkout; `../../shared` from a worktree under `wt/`.
    for dir in [
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"),
    ] {
        if Path::new(dir).is_dir() {
            return Some(PathBuf::from(dir));
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/corpus is required when CI is set"
    );
    crate::support::skip("../shared/corpus is absent");
    None
}

/// `location code message` per diagnostic, in report order.
fn diagnostic_lines(report: &AlertsReport) -> Vec<String> {
    report
        .report
        .diagnostics()
        .iter()
        .map(|d| format!("{} {} {}", d.location(), d.code, d.message))
        .collect()
}

fn output<'a>(report: &'a AlertsReport, path: &str) -> &'a str {
    let bytes = report
        .outputs
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no output {path}"));
    std::str::from_utf8(bytes).expect("utf-8")
}

#[test]
fn every_coverage_diagnostic_points_at_its_file_and_line() {
    let report = alerts_report(&fixture("alerts-coverage")).expect("report");
    assert_eq!(
        diagnostic_lines(&report),
        [
            r#"content/app/dup.md:3:10 duplicate-alert-claim alert "AppDown" is claimed by content/app/down.md and by content/app/dup.md"#,
            r#"content/app/other.md:5:5 unknown-alert no rule file defines an alert named "AppDwn""#,
            r#"rules/app.yaml:13:20 runbook-url-template annotations.runbook_url of alert "AppDown" reaches notifications as https://rb.example/alerts//: Prometheus expands annotations before it adds the `alertname` label, so `$labels.alertname` is empty"#,
            r#"rules/app.yaml:14:12 runbook-url-missing alert "AppSlow" has a runbook (content/app/down.md) but no runbook_url annotation"#,
            r#"rules/app.yaml:18:12 alert-without-runbook alert "AppCritical" has severity "critical" and no runbook"#,
            r#"rules/app.yaml:27:20 runbook-url-mismatch annotations.runbook_url of alert "AppWrongLink" leads to content/app/down.md (read as base-url + a page of this site), not to its runbook content/app/other.md"#,
            r#"rules/app.yaml:34:20 runbook-url-template annotations.runbook_url of alert "AppTemplated" reaches notifications as https://rb.example//templated/: `service` is a label the rule sets, and Prometheus expands annotations before it adds the rule's labels, so `$labels.service` is empty"#,
            r#"rules/app.yaml:46:20 runbook-url-mismatch annotations.runbook_url of alert "AppDeadLink" points at /app/gone/ (read as base-url + a page of this site), which is not a page of this site"#,
            r#"rules/app.yaml:52:16 runbook-url-mismatch annotations.runbook of alert "AppMovedDoc" names content/app/moved.md (read as a path from the repository root, through the content folder), which is not a page of this site"#,
            r#"rules/broken.yaml:5:5 rule-file-error cannot parse the rule file: invalid type: sequence, expected a string, number or boolean"#,
        ]
    );
    let unknown = &report.report.diagnostics()[1];
    assert_eq!(unknown.help.as_deref(), Some(r#"did you mean "AppDown"?"#));
    assert_eq!(report.report.errors(), 8);
    assert_eq!(
        report.summary,
        CoverageSummary {
            in_rules: 9,
            with_runbook: 6,
            without_runbook: 3,
            unknown_claimed: 1,
            mismatched: 5,
            claimed: 7,
            external: 0,
        }
    );
}

#[test]
fn rule_files_load_both_shapes_skip_recording_rules_and_survive_a_broken_file() {
    let report = alerts_report(&fixture("alerts-coverage")).expect("report");
    let alerts: Vec<&str> = report.rows.iter().map(|r| r.alert.as_str()).collect();
    // rules/app.yaml (plain groups, after a recording rule) and rules/k8s.yaml (a PrometheusRule
    // beside a ConfigMap) both load although rules/broken.yaml, between them, does not parse.
    assert_eq!(
        alerts,
        [
            "AppCritical",
            "AppDeadLink",
            "AppDown",
            "AppDwn",
            "AppMovedDoc",
            "AppRepo",
            "AppSlow",
            "AppTemplated",
            "AppWrongLink",
            "KubeThing"
        ]
    );
    assert!(!alerts.contains(&"NeverSeen"));
    // KubeThing's link uses the `runbooks/{group}/{alert_lower}/` alias: no diagnostic names it.
    assert!(
        !diagnostic_lines(&report)
            .iter()
            .any(|l| l.contains("KubeThing"))
    );
}

#[test]
fn alerts_json_is_sorted_with_absolute_urls() {
    let report = alerts_report(&fixture("alerts-coverage")).expect("report");
    let json: serde_json::Value =
        serde_json::from_str(output(&report, "alerts.json")).expect("json");
    let down = &json.as_array().expect("array")[2];
    assert_eq!(
        down,
        &serde_json::json!({
            "alert": "AppDown",
            "url": "https://rb.example/alerts/AppDown/",
            "runbook": "https://rb.example/app/down/#appdown",
            "title": "App down",
            "severity": "critical",
            "service": "app",
            "owner": "team-app",
        })
    );
    assert_eq!(json[0]["alert"], "AppCritical");
    assert_eq!(json[0]["url"], serde_json::Value::Null);
}

#[test]
fn redirect_page_keeps_the_fragment_and_links_back_relative() {
    let report = alerts_report(&fixture("alerts-coverage")).expect("report");
    let html = output(&report, "alerts/AppDown/index.html");
    assert!(html.contains(
        r#"<meta http-equiv="refresh" content="0; url=../../app/down/index.html#appdown">"#
    ));
    assert!(html.contains(r#"<link rel="canonical" href="https://rb.example/alerts/AppDown/">"#));
    // No inline script: static/redirect.js follows the refresh above, keeping the reader's
    // #fragment (else the refresh's own).
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains(r#"<script src="../../static/redirect.js?v="#));
    assert!(html.contains(r#"<a href="../../app/down/index.html#appdown">App down</a>"#));
    // The lowercase alias is the same page, byte for byte, so a case-insensitive disk is fine.
    assert_eq!(html, output(&report, "alerts/appdown/index.html"));
    // A url-alias two folders deeper climbs three levels.
    assert!(
        output(&report, "runbooks/k8s/kubething/index.html")
            .contains(r#"url=../../../app/other/index.html""#)
    );
}

#[test]
fn alerts_index_lists_every_alert_readable_without_js() {
    let report = alerts_report(&fixture("alerts-coverage")).expect("report");
    let html = output(&report, "alerts/index.html");
    assert_eq!(html.matches("<tr id=").count(), 10);
    assert!(html.contains(r##"<a href="../app/down/index.html#appdown">App down</a>"##));
    assert!(html.contains(r#"<td class="status-no-runbook">no-runbook"#));
    assert!(html.contains(r#"<script src="../static/alerts.js?v="#));
    assert!(html.contains(
        r#"<html lang="en" data-page-url="alerts/" data-root="../" data-page-type="alerts" data-checklist-stale-hours="12">"#
    ));
    assert!(html.contains("9 alerts in the rules: 6 with a runbook, 3 without."));
}

#[test]
fn colliding_alert_urls_are_reported_and_written_for_neither() {
    let report = alerts_report(&fixture("alerts-collisions")).expect("report");
    assert_eq!(
        diagnostic_lines(&report),
        [
            r#"book.toml duplicate-url alerts/Foo-Bar/index.html (the alert page of alert "Foo-Bar") is wanted by alerts "Foo-Bar" and "Foo:Bar"; none of them gets it"#,
            r#"book.toml duplicate-url alerts/Foo-Bar/index.html (the alert page of alert "Foo:Bar") is wanted by alerts "Foo-Bar" and "Foo:Bar"; none of them gets it"#,
            r#"book.toml duplicate-url alerts/foo-bar/index.html (the lowercase alias of alert "Foo-Bar") is wanted by alerts "Foo-Bar" and "Foo:Bar"; none of them gets it"#,
            r#"book.toml duplicate-url alerts/foo-bar/index.html (the lowercase alias of alert "Foo:Bar") is wanted by alerts "Foo-Bar" and "Foo:Bar"; none of them gets it"#,
            r#"book.toml duplicate-url foo-bar/index.html (the url-alias "{alert_lower}/" of alert "Foo-Bar") is wanted by alerts "Foo-Bar" and "Foo:Bar"; none of them gets it"#,
            r#"book.toml duplicate-url foo-bar/index.html (the url-alias "{alert_lower}/" of alert "Foo:Bar") is wanted by alerts "Foo-Bar" and "Foo:Bar"; none of them gets it"#,
            r#"book.toml duplicate-url the url-alias "{alert_lower}/" of alert "HostDown", hostdown/index.html, is already the page of content/hostdown.md"#,
        ]
    );
    let paths: Vec<&str> = report.outputs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "alerts.json",
            "alerts/HostDown/index.html",
            "alerts/Other/index.html",
            "alerts/hostdown/index.html",
            "alerts/index.html",
            "alerts/other/index.html",
            "other/index.html",
        ]
    );
    // Without rule files there is nothing to call unknown.
    assert_eq!(report.summary.unknown_claimed, 0);
}

/// Follows every redirect page like a browser without JS would, and checks it lands on a page
/// and, when it has a fragment, on a heading of that page.
fn assert_redirects_land(report: &AlertsReport) -> usize {
    let mut checked = 0;
    for (path, bytes) in &report.outputs {
        if !path.ends_with("/index.html") || path == "alerts/index.html" {
            continue;
        }
        let html = std::str::from_utf8(bytes).expect("utf-8");
        let target = html
            .split(r#"content="0; url="#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{path} has no meta refresh"));
        assert!(
            html.contains(&format!(r#"<a href="{target}">"#)),
            "{path}: the visible link differs from the refresh target"
        );
        let (target_path, fragment) = target.split_once('#').unwrap_or((target, ""));
        let target_path = target_path.strip_suffix("index.html").unwrap_or_else(|| {
            panic!("{path}: {target} must name index.html to work from file://")
        });
        let mut folders: Vec<&str> = path.split('/').collect();
        folders.pop(); // index.html
        for part in target_path.split('/').filter(|p| !p.is_empty()) {
            if part == ".." {
                assert!(
                    folders.pop().is_some(),
                    "{path}: {target} climbs above the root"
                );
            } else {
                folders.push(part);
            }
        }
        let url = folders.iter().map(|f| format!("{f}/")).collect::<String>();
        let anchors = report
            .page_anchors
            .get(&url)
            .unwrap_or_else(|| panic!("{path} redirects to {url}, which is no page"));
        assert!(
            fragment.is_empty() || anchors.iter().any(|a| a == fragment),
            "{path}: #{fragment} is no heading of {url}"
        );
        checked += 1;
    }
    checked
}

#[test]
fn every_redirect_lands_on_an_existing_page_and_anchor() {
    let report = alerts_report(&fixture("alerts-coverage")).expect("report");
    // 7 alert pages, their 7 lowercase aliases and 6 `runbooks/{group}/{alert_lower}/` aliases
    // (AppDwn is in no rule group, so it has no group alias).
    assert_eq!(assert_redirects_land(&report), 20);
}

fn kube_prometheus_config(corpus: &Path) -> Config {
    Config::from_toml(
        corpus,
        r#"
[book]
base-url = "https://runbooks.prometheus-operator.dev/runbooks/"
[build]
content-dir = "prometheus-operator-runbooks/content/runbooks"
[validate]
default-kind = "alert"
[alerts]
rules = ["prometheus-rules/kube-prometheus/manifests/*.yaml"]
name-from-file = true
"#,
    )
    .expect("config")
}

/// Coverage counted without rb-site, the way a person would with grep: `- alert:` and
/// `runbook_url:` lines in the manifests, and the runbook file names under `content/runbooks`.
fn independent_counts(corpus: &Path) -> CoverageSummary {
    let manifests = corpus.join("prometheus-rules/kube-prometheus/manifests");
    let mut alerts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&manifests)
        .expect("manifests")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(file).expect("manifest");
        let mut current: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix("- alert: ") {
                alerts.entry(name.to_string()).or_default();
                current = Some(name.to_string());
            } else if line.starts_with("- record: ") {
                current = None;
            } else if let (Some(url), Some(name)) = (line.strip_prefix("runbook_url: "), &current) {
                alerts
                    .entry(name.clone())
                    .or_default()
                    .push(url.to_string());
            }
        }
    }
    // (component folder, file stem) of every runbook; `_index.md` are folder pages.
    let content = corpus.join("prometheus-operator-runbooks/content/runbooks");
    let mut runbooks: BTreeSet<(String, String)> = BTreeSet::new();
    for component in std::fs::read_dir(&content).expect("content") {
        let component = component.expect("entry").path();
        if !component.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&component).expect("component") {
            let file = file.expect("entry").path();
            let name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if let Some(stem) = name.strip_suffix(".md").filter(|s| *s != "_index") {
                let dir = component
                    .file_name()
                    .expect("dir")
                    .to_string_lossy()
                    .into_owned();
                runbooks.insert((dir, stem.to_string()));
            }
        }
    }
    let stems: BTreeSet<&str> = runbooks.iter().map(|(_, s)| s.as_str()).collect();
    let lower_paths: BTreeSet<String> = runbooks
        .iter()
        .map(|(d, s)| {
            format!(
                "https://runbooks.prometheus-operator.dev/runbooks/{d}/{}",
                s.to_lowercase()
            )
        })
        .collect();
    let with_runbook = alerts.keys().filter(|a| stems.contains(a.as_str())).count();
    CoverageSummary {
        in_rules: alerts.len(),
        with_runbook,
        without_runbook: alerts.len() - with_runbook,
        unknown_claimed: stems.iter().filter(|s| !alerts.contains_key(**s)).count(),
        mismatched: alerts
            .values()
            .filter(|urls| urls.iter().any(|u| !lower_paths.contains(u)))
            .count(),
        claimed: stems.len(),
        // Every link is under base-url.
        external: 0,
    }
}

/// prometheus-operator/runbooks (one file per alert, named after it) against the kube-prometheus
/// rules, whose `runbook_url`s point at `…/runbooks/<component>/<alertname lowercased>`.
///
/// The independent count above agrees with rb-site on every figure. The issue's "26 of the 125
/// alert names point at pages that do not exist" is the same figure as `mismatched` here. The two
/// definitions could differ: rb-site counts alert names (139 rules share 125 names), matches
/// claims case-sensitively (`etcdMembersDown` is not `EtcdMembersDown`), ignores the extension-less
/// `PrometheusOperatorSyncFailed` copy, and calls a link a mismatch when it lands on any page other
/// than the alert's own runbook, where grep only asks whether a page with that path exists.
#[test]
fn kube_prometheus_coverage_matches_an_independent_count() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let report = alerts_report_for(&kube_prometheus_config(&corpus)).expect("report");
    let expected = independent_counts(&corpus);
    assert_eq!(report.summary, expected);
    assert_eq!(
        (
            expected.in_rules,
            expected.with_runbook,
            expected.without_runbook,
            expected.unknown_claimed,
            expected.mismatched
        ),
        (125, 99, 26, 9, 26)
    );
    assert_eq!(assert_redirects_land(&report), 2 * 108);
    let table = render_alerts(&report, AlertsFormat::Table);
    assert!(table.ends_with(
        "125 alerts in rules: 99 with a runbook, 26 without; 9 claimed but unknown; 26 runbook link mismatches\n"
    ));
    // Each row says where its rules' links send a notification: the 26 mismatches are rows,
    // not only a count.
    let link_of = |name: &str| {
        let at = report
            .rows
            .iter()
            .position(|r| r.alert == name)
            .expect(name);
        report.links[at]
    };
    assert_eq!(
        report.links.iter().filter(|l| **l == "mismatch").count(),
        expected.mismatched
    );
    assert_eq!(
        table
            .lines()
            .next()
            .map(|h| h.split_whitespace().collect::<Vec<_>>()),
        Some(vec![
            "ALERT", "STATUS", "LINK", "SEVERITY", "URL", "RUNBOOK"
        ])
    );
    let csv = render_alerts(&report, AlertsFormat::Csv);
    assert!(csv.starts_with("alert,status,link,severity,service,owner,url,runbook\n"));
    let mismatched: Vec<&str> = report
        .rows
        .iter()
        .zip(&report.links)
        .filter(|(_, l)| **l == "mismatch")
        .map(|(r, _)| r.alert.as_str())
        .collect();
    for name in mismatched {
        assert!(
            report
                .report
                .diagnostics()
                .iter()
                .any(|d| d.code == "runbook-url-mismatch"
                    && d.message.contains(&format!("{name:?}"))),
            "{name}: a mismatch row with no runbook-url-mismatch diagnostic"
        );
        assert_eq!(link_of(name), "mismatch");
    }
}

/// Rules per file (alerting + recording) as `promtool check rules --lint=none` (Prometheus 2.42)
/// counts them, measured on ../shared/corpus: plain files as they are, PrometheusRule resources
/// with their `spec` taken out into a file of its own.
const PROMTOOL_RULE_COUNTS: &[(&str, usize)] = &[
    ("gitlab-com-runbooks/rules/airflow.yml", 1),
    ("gitlab-com-runbooks/rules/alertmanager.yml", 2),
    (
        "gitlab-com-runbooks/rules/autogenerated-anti-abuse-alerts.yml",
        1,
    ),
    (
        "gitlab-com-runbooks/rules/autogenerated-capacity-planning-alerts.yml",
        1,
    ),
    (
        "gitlab-com-runbooks/rules/autogenerated-kube-cause-alerts.yml",
        1,
    ),
    (
        "gitlab-com-runbooks/rules/autogenerated-patroni-cause-alerts.yml",
        5,
    ),
    (
        "gitlab-com-runbooks/rules/autogenerated-saturation.yml",
        330,
    ),
    ("gitlab-com-runbooks/rules/blackbox_alerts.yml", 7),
    ("gitlab-com-runbooks/rules/chefs.yml", 4),
    ("gitlab-com-runbooks/rules/cloud_nat.yml", 1),
    ("gitlab-com-runbooks/rules/cloudflare.yml", 1),
    ("gitlab-com-runbooks/rules/commit-workers.yml", 1),
    ("gitlab-com-runbooks/rules/container.yml", 1),
    ("gitlab-com-runbooks/rules/elastic-clusters.yml", 11),
    ("gitlab-com-runbooks/rules/fe.yml", 2),
    ("gitlab-com-runbooks/rules/gitaly.yml", 16),
    ("gitlab-com-runbooks/rules/gitlab-com-ci.yml", 8),
    ("gitlab-com-runbooks/rules/gitlab-com-latencys.yml", 6),
    ("gitlab-com-runbooks/rules/gitlab-com-repositories.yml", 1),
    ("gitlab-com-runbooks/rules/gitlab-com-search.yml", 1),
    ("gitlab-com-runbooks/rules/gitlab-walg-backups.yml", 7),
    ("gitlab-com-runbooks/rules/gitlab_job.yml", 2),
    ("gitlab-com-runbooks/rules/google-cloud.yml", 3),
    ("gitlab-com-runbooks/rules/haproxy.yml", 15),
    (
        "gitlab-com-runbooks/rules/kubernetes-horizontalpodautoscaler.yml",
        2,
    ),
    ("gitlab-com-runbooks/rules/kubernetes-resources.yml", 2),
    ("gitlab-com-runbooks/rules/kubernetes-storage.yml", 3),
    ("gitlab-com-runbooks/rules/kubernetes-system.yml", 12),
    ("gitlab-com-runbooks/rules/kubernetes.yml", 15),
    ("gitlab-com-runbooks/rules/logging.yml", 4),
    ("gitlab-com-runbooks/rules/mailroom.yml", 2),
    ("gitlab-com-runbooks/rules/mtail.yml", 5),
    ("gitlab-com-runbooks/rules/node.yml", 30),
    ("gitlab-com-runbooks/rules/omnibus.yml", 1),
    ("gitlab-com-runbooks/rules/osquery.yml", 1),
    ("gitlab-com-runbooks/rules/pages-gitlab-io-status.yml", 2),
    ("gitlab-com-runbooks/rules/patroni-snapshot.yml", 3),
    ("gitlab-com-runbooks/rules/patroni.yml", 4),
    ("gitlab-com-runbooks/rules/pgbouncer.yml", 2),
    ("gitlab-com-runbooks/rules/postgresqls.yml", 32),
    ("gitlab-com-runbooks/rules/praefect.yml", 1),
    ("gitlab-com-runbooks/rules/prometheus-operator.yml", 2),
    ("gitlab-com-runbooks/rules/pull-mirror-queues.yml", 1),
    ("gitlab-com-runbooks/rules/redis.yml", 22),
    ("gitlab-com-runbooks/rules/registry-db.yml", 1),
    ("gitlab-com-runbooks/rules/registry-gc-queues.yml", 2),
    ("gitlab-com-runbooks/rules/remote-mirrors.yml", 1),
    ("gitlab-com-runbooks/rules/sidekiq-queue-latency.yml", 1),
    ("gitlab-com-runbooks/rules/sidekiq-queues.yml", 1),
    ("gitlab-com-runbooks/rules/target-is-down.yml", 1),
    ("gitlab-com-runbooks/rules/user-auth-events.yml", 2),
    ("gitlab-com-runbooks/rules/workhorse.yml", 16),
    (
        "gitlab-com-runbooks/rules/default/incident-project-test.yml",
        1,
    ),
    (
        "gitlab-com-runbooks/rules/default/prometheus-metamons.yml",
        36,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/alertmanager-prometheusRule.yaml",
        9,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/grafana-prometheusRule.yaml",
        2,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/kubePrometheus-prometheusRule.yaml",
        12,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/kubeStateMetrics-prometheusRule.yaml",
        4,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/kubernetesControlPlane-prometheusRule.yaml",
        134,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/nodeExporter-prometheusRule.yaml",
        41,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/prometheus-prometheusRule.yaml",
        23,
    ),
    (
        "prometheus-rules/kube-prometheus/manifests/prometheusOperator-prometheusRule.yaml",
        9,
    ),
    (
        "prometheus-rules/monitoring-mixins/assets/alertmanager/alerts.yaml",
        9,
    ),
    (
        "prometheus-rules/monitoring-mixins/assets/etcd/alerts.yaml",
        15,
    ),
    (
        "prometheus-rules/monitoring-mixins/assets/kube-state-metrics/alerts.yaml",
        4,
    ),
    (
        "prometheus-rules/monitoring-mixins/assets/kubernetes/alerts.yaml",
        65,
    ),
    (
        "prometheus-rules/monitoring-mixins/assets/node-exporter/alerts.yaml",
        26,
    ),
    (
        "prometheus-rules/monitoring-mixins/assets/prometheus/alerts.yaml",
        23,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/alertmanager/prometheus-rule.yaml",
        6,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/cluster-monitoring-operator/prometheus-rule.yaml",
        93,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/control-plane/prometheus-rule.yaml",
        72,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/kube-state-metrics/prometheus-rule.yaml",
        2,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/node-exporter/prometheus-rule.yaml",
        39,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/prometheus-k8s/prometheus-rule-thanos-sidecar.yaml",
        2,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/prometheus-k8s/prometheus-rule.yaml",
        22,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/prometheus-operator/prometheus-rule.yaml",
        9,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/telemeter-client/prometheus-rule.yaml",
        2,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/thanos-querier/prometheus-rule.yaml",
        6,
    ),
    (
        "prometheus-rules/openshift-cluster-monitoring-operator/assets/thanos-ruler/thanos-ruler-prometheus-rule.yaml",
        11,
    ),
    ("prometheus-rules/thanos/examples/alerts/alerts.yaml", 48),
];

/// Thanos rule files: promtool refuses `partial_response_strategy` (a Thanos group field), so
/// these counts were measured with that field removed. rb-site reads them as they are.
const PROMTOOL_RULE_COUNTS_WITHOUT_THANOS_FIELDS: &[(&str, usize)] = &[
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-missing-series-alerts.yml",
        3,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-saturation.yml",
        20,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-alerts.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-api.yml",
        38,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-camoproxy.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-ci-runners.yml",
        18,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-consul.yml",
        2,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-frontend.yml",
        18,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-git.yml",
        48,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-gitaly.yml",
        26,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-google-cloud-storage.yml",
        20,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-jaeger.yml",
        12,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-kas.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-kube.yml",
        8,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-logging.yml",
        18,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-mailroom.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-monitoring.yml",
        70,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-nat.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-nginx.yml",
        2,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-pages.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-patroni-ci.yml",
        12,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-patroni-registry.yml",
        12,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-patroni.yml",
        20,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-pgbouncer-ci.yml",
        2,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-pgbouncer-registry.yml",
        2,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-pgbouncer.yml",
        2,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-plantuml.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-postgres-archive.yml",
        2,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-praefect.yml",
        14,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-pvs.yml",
        6,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-redis-cache.yml",
        14,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-redis-ratelimiting.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-redis-sessions.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-redis-sidekiq.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-redis-tracechunks.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-redis.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-registry.yml",
        42,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-search.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-sentry.yml",
        10,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-sidekiq.yml",
        52,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-waf.yml",
        4,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-web-pages.yml",
        28,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-web.yml",
        32,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-websockets.yml",
        16,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-service-level-alerts-woodhouse.yml",
        8,
    ),
    (
        "gitlab-com-runbooks/thanos-rules/autogenerated-sidekiq-alerts.yml",
        38,
    ),
    ("gitlab-com-runbooks/thanos-rules/metamon.yml", 2),
];

#[test]
fn issue_13_every_rule_file_promtool_accepts_loads_with_the_same_rule_count() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let mut differences = Vec::new();
    for (rel, expected) in PROMTOOL_RULE_COUNTS
        .iter()
        .chain(PROMTOOL_RULE_COUNTS_WITHOUT_THANOS_FIELDS)
    {
        let text = std::fs::read_to_string(corpus.join(rel)).expect("corpus rule file");
        let parsed = parse_rule_file_counted(rel, &text);
        let problems: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.location(), d.message))
            .collect();
        if parsed.rule_count() != *expected || !problems.is_empty() {
            differences.push(format!(
                "{rel}: promtool {expected}, rb-site {} {problems:?}",
                parsed.rule_count()
            ));
        }
    }
    assert_eq!(differences, Vec::<String>::new());
    assert_eq!(
        PROMTOOL_RULE_COUNTS.len() + PROMTOOL_RULE_COUNTS_WITHOUT_THANOS_FIELDS.len(),
        127
    );
}

#[test]
fn issue_13_gitlab_postgresqls_multiline_quoted_scalar_loads() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let rel = "gitlab-com-runbooks/rules/postgresqls.yml";
    let text = std::fs::read_to_string(corpus.join(rel)).expect("corpus rule file");
    let parsed = parse_rule_file_counted(rel, &text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!((parsed.rule_count(), parsed.recording), (32, 1));
}

/// Rule files beside the site, not under it: `../rules/*.yaml` and an absolute glob reach them,
/// as Prometheus reads `rule_files` relative to its configuration file. Their diagnostics name
/// the files as the glob spells them. kube-prometheus's rule files, copied next to a site.
#[test]
fn rule_globs_reach_folders_outside_the_site() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let manifests = corpus.join("prometheus-rules/kube-prometheus/manifests");
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).expect("rules dir");
    for name in [
        "alertmanager-prometheusRule.yaml",
        "grafana-prometheusRule.yaml",
    ] {
        std::fs::copy(manifests.join(name), rules.join(name)).expect("copy");
    }
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("content")).expect("content");
    std::fs::write(
        site.join("content/reload.md"),
        "---\ntitle: Reload failed\nalerts: [AlertmanagerFailedReload]\n---\n\n# Reload failed\n\n\
         ## Preconditions\n\nAccess.\n\n## Steps\n\n1. Look.\n\n## Validation\n\nIt works.\n\n\
         ## Rollback\n\nUndo.\n",
    )
    .expect("runbook");
    for (glob, file) in [
        (
            "../rules/*.yaml".to_string(),
            "../rules/alertmanager-prometheusRule.yaml".to_string(),
        ),
        (
            manifests.join("alertmanager-*.yaml").display().to_string(),
            manifests
                .join("alertmanager-prometheusRule.yaml")
                .display()
                .to_string(),
        ),
    ] {
        std::fs::write(
            site.join("book.toml"),
            format!(
                "[book]\ntitle = \"T\"\n[alerts]\nrules = [{}]\nrequire-runbook-for = [\"critical\"]\n",
                serde_json::to_string(&glob).expect("json")
            ),
        )
        .expect("book");
        let (code, found, _) = crate::support::check_locations(&site);
        // The claimed alert is known (no unknown-alert); the next critical alert of
        // alertmanager's rules has no runbook, reported at its `- alert:` line.
        assert!(
            found
                .iter()
                .all(|f| !f.ends_with(" unknown-alert") && !f.ends_with(" rule-glob-unmatched")),
            "{glob}: {found:?}"
        );
        assert!(
            found.contains(&format!("{file}:30:14 alert-without-runbook")),
            "{glob}: {found:?}"
        );
        assert_eq!(code, 1, "{glob}: {found:?}");
    }
}

/// GitLab's rules grade severity `s1` to `s4`: a `require-runbook-for = ["critical"]` (the
/// default) requires nothing there, and `check` says so with the severities the rules use.
#[test]
fn a_runbook_requirement_no_rule_can_meet_is_reported() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let rules = corpus.join("gitlab-com-runbooks/rules");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("content")).expect("content");
    let check = |required: &str| -> Vec<(String, String)> {
        std::fs::write(
            dir.path().join("book.toml"),
            format!(
                "[book]\ntitle = \"T\"\n[alerts]\nrules = [{}]\nrequire-runbook-for = {required}\n",
                serde_json::to_string(&format!("{}/*.yml", rules.display())).expect("json")
            ),
        )
        .expect("book");
        let (_, _, report) = crate::support::check_locations(dir.path());
        report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["file"] == "book.toml")
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["help"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        check("[\"critical\"]"),
        [(
            "require-runbook-for-unmatched".to_string(),
            "the rules' severities are \"s1\", \"s2\", \"s3\", \"s4\": name those whose alerts must have a runbook".to_string()
        )]
    );
    assert_eq!(check("[\"s1\", \"critical\"]"), []);
    assert_eq!(check("[]"), []);
}

/// A runbook's service is its `service` field, else its folder, for the alert map too: without
/// the field, `alerts.json` and `rb-site alerts` name the folder's service, as the sidebar and
/// `services/` do.
#[test]
fn an_alert_takes_its_runbooks_service_from_the_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site");
    crate::support::rb_site()
        .arg("init")
        .arg(&root)
        .assert()
        .success();
    let runbook = root.join("content/example/example-service-down.md");
    let text = std::fs::read_to_string(&runbook).expect("runbook");
    assert!(text.contains("\nservice: \"example\"\n"), "{text}");
    std::fs::write(&runbook, text.replace("\nservice: \"example\"\n", "\n")).expect("write");
    crate::support::rb_site()
        .args(["build", "--quiet", "--root"])
        .arg(&root)
        .assert()
        .success();
    let map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("site/alerts.json")).expect("map"))
            .expect("json");
    let services: Vec<(&str, &str)> = map
        .as_array()
        .expect("array")
        .iter()
        .map(|a| {
            (
                a["alert"].as_str().unwrap_or_default(),
                a["service"].as_str().unwrap_or("(none)"),
            )
        })
        .collect();
    assert_eq!(services, [("ExampleServiceDown", "example")]);
    assert!(root.join("site/services/example/index.html").is_file());
}
