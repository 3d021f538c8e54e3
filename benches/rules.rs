//! Parse and check 10,000 alerting rules against 2,000 runbooks; prints the median of 5 runs.
//!
//! `cargo bench --bench rules`. Target: under 0.5 s. The rules are split over 10 PrometheusRule
//! files (one YAML document each, with a recording rule every 10 alerts); every second runbook
//! claims 5 alerts, half of the critical alerts have no runbook, so every check has work to do.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rb_site::cli::alerts::check_alerts;
use rb_site::config::Config;

const FILES: usize = 10;
const ALERTS_PER_FILE: usize = 1_000;
const RUNBOOKS: usize = 2_000;

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    std::fs::create_dir_all(root.join("rules"))?;
    for file in 0..FILES {
        let mut text = String::from(
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: bench\nspec:\n  groups:\n",
        );
        for group in 0..10 {
            let _ = write!(text, "  - name: group-{file}-{group}\n    rules:\n");
            text.push_str("    - record: job:up:sum\n      expr: sum by (job) (up)\n");
            for i in 0..ALERTS_PER_FILE / 10 {
                let n = file * ALERTS_PER_FILE + group * (ALERTS_PER_FILE / 10) + i;
                let severity = if n.is_multiple_of(4) {
                    "critical"
                } else {
                    "warning"
                };
                let _ = write!(
                    text,
                    "    - alert: BenchAlert{n}
      annotations:
        description: Instance {{{{ $labels.instance }}}} of job {{{{ $labels.job }}}} is down.
        runbook_url: https://rb.example/alerts/{{{{ $labels.alertname }}}}/
        summary: Bench alert {n} fired.
      expr: |
        sum by (namespace, pod) (rate(bench_errors_total{{job=\"bench\", n=\"{n}\"}}[5m]))
          / sum by (namespace, pod) (rate(bench_requests_total{{job=\"bench\"}}[5m])) > 0.05
      for: 15m
      labels:
        severity: {severity}
        service: bench-{group}
"
                );
            }
        }
        std::fs::write(root.join(format!("rules/bench-{file}.yaml")), text)?;
    }
    std::fs::create_dir_all(root.join("content/bench"))?;
    for r in 0..RUNBOOKS {
        let mut text = format!("---\ntitle: Runbook {r}\nalerts:\n");
        if r % 2 == 0 {
            for k in 0..5 {
                let _ = writeln!(text, "  - BenchAlert{}", r * 5 + k);
            }
        } else {
            text.push_str("  - BenchUnknown\n");
        }
        let _ = write!(
            text,
            "---\n# Runbook {r}\n\n## BenchAlert{}\n\nSteps.\n",
            r * 5
        );
        std::fs::write(root.join(format!("content/bench/runbook-{r}.md")), text)?;
    }
    let config = Config::from_toml(
        root,
        "[book]\nbase-url = \"https://rb.example/\"\n[alerts]\nrules = [\"rules/*.yaml\"]\n",
    )?;

    let mut times: Vec<Duration> = Vec::new();
    let mut summary = None;
    for _ in 0..5 {
        let start = Instant::now();
        let (s, report) = check_alerts(&config)?;
        times.push(start.elapsed());
        summary = Some((s, report.diagnostics().len()));
    }
    times.sort();
    let (summary, diagnostics) = summary.unwrap_or_default();
    println!(
        "rules: {} alerts in {FILES} files, {RUNBOOKS} runbooks, {diagnostics} diagnostics; {} with a runbook",
        summary.in_rules, summary.with_runbook
    );
    println!(
        "rules: parse + check median {:.3} s (min {:.3} s, max {:.3} s, 5 runs)",
        times[2].as_secs_f64(),
        times[0].as_secs_f64(),
        times[4].as_secs_f64()
    );
    Ok(())
}
