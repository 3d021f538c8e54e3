//! Stage 5: Prometheus rule files + runbook claims -> the alert <-> runbook graph, both ways.
//!
//! [`rules`] reads the rule files (stage 5a), [`coverage`] joins them with the runbooks that claim
//! each alert ([`claims`], by the [`conventions`] real rule files use) and checks both sides
//! (stage 5b), expanding link templates as Prometheus does ([`template`]); [`pages`] turns the
//! graph into redirect pages, the alerts index and `alerts.json`, [`report`] is `rb-site alerts`,
//! and [`fix`] is `rb-site alerts --fix`.

mod claims;
pub(crate) mod conventions;
pub(crate) mod coverage;
pub(crate) mod fix;
pub(crate) mod pages;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod template;

#[allow(unused_imports)]
pub(crate) use coverage::{
    AlertEntry, AlertGraph, CoverageStatus, alert_inputs, link_alerts, url_safe_name,
};
#[doc(hidden)]
pub use fix::relink_every_alert;
pub use fix::run_alerts_fix;
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
#[doc(hidden)]
pub use rules::{ParsedRuleFile, parse_rule_file_counted};
