//! Stage 5: Prometheus rule files + runbook claims -> the alert <-> runbook graph, both ways.
//!
//! [`rules`] reads the rule files (stage 5a), [`coverage`] joins them with the runbooks that claim
//! each alert ([`claims`], by the [`conventions`] real rule files use) and checks both sides
//! (stage 5b), expanding link templates as Prometheus does ([`template`]); [`summary`] reads the
//! graph as panels, rows and the coverage summary, [`report`] gathers them for a whole site, and
//! [`fix`] plans and makes the textual edits of `rb-site alerts --fix`. Nothing here renders or
//! prints: the pages are [`crate::render::alert_pages`], the commands [`crate::cli::alerts`].

mod claims;
pub(crate) mod conventions;
pub(crate) mod coverage;
pub(crate) mod fix;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod summary;
pub(crate) mod template;

#[allow(unused_imports)]
pub(crate) use coverage::{
    AlertEntry, AlertGraph, CoverageStatus, alert_inputs, link_alerts, url_safe_name,
};
#[doc(hidden)]
pub use fix::relink_every_alert;
pub use report::AlertsReport;
#[allow(unused_imports)]
pub(crate) use rules::{AlertRule, load_rules};
#[doc(hidden)]
pub use rules::{ParsedRuleFile, parse_rule_file_counted};
pub use summary::{AlertPanelEntry, AlertRow, CoverageSummary};
#[allow(unused_imports)]
pub(crate) use summary::{alert_rows, alerts_panels, coverage_summary};
