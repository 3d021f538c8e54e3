//! Stage 4: Prometheus rule files + runbook claims -> the alert <-> runbook graph, both ways.
//!
//! [`rules`] reads the rule files (stage 4a), [`coverage`] joins them with the runbooks that claim
//! each alert ([`claims`], by the [`conventions`] real rule files use) and checks both sides
//! (stage 4b), [`pages`] turns the graph into redirect pages,
//! the alerts index and `alerts.json`, and [`report`] is `rb-site alerts`.

mod claims;
pub(crate) mod conventions;
pub(crate) mod coverage;
pub(crate) mod pages;
pub(crate) mod report;
pub(crate) mod rules;

#[allow(unused_imports)]
pub(crate) use coverage::{
    AlertEntry, AlertGraph, CoverageStatus, alert_inputs, link_alerts, url_safe_name,
};
#[allow(unused_imports)]
pub(crate) use pages::{
    AlertPanelEntry, alert_outputs, alerts_panel, alerts_panels, coverage_summary,
};
pub use pages::{AlertRow, CoverageSummary};
pub use report::{
    AlertsFormat, AlertsReport, alerts_report, alerts_report_for, check_alerts, render_alerts,
    run_alerts_report,
};
#[allow(unused_imports)]
pub(crate) use rules::{AlertRule, load_rules};
