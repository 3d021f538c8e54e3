//! Stage 3, validate: named rules over the linked site, each producing diagnostics with exact
//! positions. Validation never stops at the first problem: every page is checked, every rule run.
//!
//! The rules live in one file per family: [`sections`] (required sections, empty sections, step
//! order, section order), [`fields`] (required front-matter fields and review dates), [`links`]
//! (broken links and anchors) and [`html`] (placeholder tags a browser would swallow). Front-matter
//! syntax and field types are checked earlier, while parsing ([`crate::frontmatter`]).

mod fields;
mod html;
mod links;
pub mod sections;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::Site;

/// Runs every rule over every page, with today's date (UTC; `SOURCE_DATE_EPOCH` pins it).
pub fn validate(config: &Config, site: &Site) -> Vec<Diagnostic> {
    validate_on(config, site, crate::render::templates::today())
}

/// Runs every rule over every page, judging review dates against `today`.
///
/// Pages are checked in parallel; the caller sorts the diagnostics ([`crate::diag::Report::sorted`]).
pub fn validate_on(config: &Config, site: &Site, today: jiff::civil::Date) -> Vec<Diagnostic> {
    let anchors = links::Anchors::of(site);
    site.pages
        .par_iter()
        .flat_map_iter(|page| {
            let mut diagnostics = Vec::new();
            sections::check(config, page, &mut diagnostics);
            fields::check(config, page, today, &mut diagnostics);
            links::check(site, &anchors, page, &mut diagnostics);
            html::check(page, &mut diagnostics);
            diagnostics
        })
        .collect()
}
