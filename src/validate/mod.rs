//! Stage 4, validate: named rules over the linked site, each producing diagnostics with exact
//! positions. Validation never stops at the first problem: every page is checked, every rule run.
//!
//! The rules live in one file per family: [`sections`] (required sections, empty sections, step
//! order, section order), [`fields`] (required front-matter fields and review dates), [`links`]
//! (broken links and anchors) and [`html`] (placeholder tags a browser would swallow). Front-matter
//! syntax and field types are checked earlier, while parsing ([`crate::frontmatter`]).

mod diagrams;
mod dialects;
mod fields;
mod html;
mod links;
pub mod sections;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Document, Page, Site};

pub(crate) use links::anchor_targets;

/// Runs every rule over every page, with today's date (UTC; `SOURCE_DATE_EPOCH` pins it).
pub fn validate(config: &Config, site: &Site) -> Vec<Diagnostic> {
    validate_on(config, site, crate::model::today())
}

/// Runs every rule over every page, judging review dates against `today`.
///
/// Pages are checked in parallel; the caller sorts the diagnostics ([`crate::diag::Report::sorted`]).
pub fn validate_on(config: &Config, site: &Site, today: jiff::civil::Date) -> Vec<Diagnostic> {
    site.pages
        .par_iter()
        .flat_map_iter(|page| check_page(config, site, page, today))
        .collect()
}

/// Runs every rule over one page. What a page's diagnostics depend on: the configuration,
/// `today`, the page itself, where its links lead (the list of pages and assets), and the
/// anchors of the pages its `#fragment` links name ([`anchor_targets`]); `serve` checks a
/// page again only when one of those changed.
pub(crate) fn check_page(
    config: &Config,
    site: &Site,
    page: &Page,
    today: jiff::civil::Date,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // The body's events, parsed again once for all the rules that read them.
    let events = crate::parse::events(&page.doc);
    // A front-matter syntax error was reported while parsing; rules that read what the
    // broken block would have held stay quiet rather than pile up consequences of it.
    let front = FrontMatterState::of(&page.doc);
    if front != FrontMatterState::Unclosed {
        sections::check(config, page, &events, &mut diagnostics);
    }
    if front == FrontMatterState::Read {
        fields::check(config, page, today, &mut diagnostics);
    }
    links::check(site, page, &mut diagnostics);
    html::check(page, &events, &mut diagnostics);
    diagrams::check(config, page, &mut diagnostics);
    dialects::check(page, &events, &mut diagnostics);
    diagnostics
}

/// What became of a page's front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrontMatterState {
    /// Read, or absent.
    Read,
    /// A block that does not parse: its fields are unknown.
    Broken,
    /// A block that is never closed: it swallowed the whole file, body included.
    Unclosed,
}

impl FrontMatterState {
    fn of(doc: &Document) -> FrontMatterState {
        let text = doc.source.text.as_str();
        let mut lines = text.lines();
        let delimiter = match lines.next().map(str::trim_end) {
            Some(d @ ("---" | "+++")) => d,
            _ => return FrontMatterState::Read,
        };
        let mut block_has_content = false;
        for line in lines {
            if line.trim_end() == delimiter {
                // Fields were read unless the block held something and nothing came of it.
                return if doc.field_spans.is_empty() && block_has_content {
                    FrontMatterState::Broken
                } else {
                    FrontMatterState::Read
                };
            }
            let line = line.trim();
            block_has_content |= !line.is_empty() && !line.starts_with('#');
        }
        FrontMatterState::Unclosed
    }
}

/// At most this many diagnostics of one rule in one file are shown; one more counts the rest.
/// A generated page with thousands of broken links needs fixing once, not reading in full.
pub(crate) const LIMIT_PER_FILE: usize = 100;

/// Collects the diagnostics of one rule in one file, up to [`LIMIT_PER_FILE`]. Diagnostics are
/// built lazily, so the ones past the limit cost nothing (a line index lookup on a 5 MB line is
/// not free).
struct Limited<'a> {
    out: &'a mut Vec<Diagnostic>,
    code: &'static str,
    shown: usize,
    hidden: usize,
    first_hidden: Option<std::ops::Range<usize>>,
}

impl<'a> Limited<'a> {
    fn new(out: &'a mut Vec<Diagnostic>, code: &'static str) -> Limited<'a> {
        Limited {
            out,
            code,
            shown: 0,
            hidden: 0,
            first_hidden: None,
        }
    }

    fn push(
        &mut self,
        span: std::ops::Range<usize>,
        make: impl FnOnce(std::ops::Range<usize>) -> Diagnostic,
    ) {
        if self.shown < LIMIT_PER_FILE {
            self.shown += 1;
            self.out.push(make(span));
        } else {
            self.hidden += 1;
            self.first_hidden.get_or_insert(span);
        }
    }

    fn finish(self, source: &crate::diag::SourceRef<'_>) {
        if let Some(span) = self.first_hidden {
            self.out.push(source.diag(
                self.code,
                span,
                format!(
                    "{} more `{}` problems in this file are not shown",
                    self.hidden, self.code
                ),
            ));
        }
    }
}
