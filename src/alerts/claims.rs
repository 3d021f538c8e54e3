//! Claims: which page answers which alert, beyond the page's own front matter.
//!
//! A page claims alerts by its front matter (or file name, with `name-from-file`), by
//! `[[alerts.claims]]` in book.toml, and by its headings (`[[paths]] heading-claims`); an alert no
//! page claims is claimed by the page its rule's runbook link lands on (`[alerts] link-claims`).
//! [`super::coverage`] joins these claims with the rules.

use std::collections::{BTreeMap, BTreeSet};

use super::conventions;
use super::coverage::{AlertEntry, LinkTarget, claim_diagnostic, resolve_link};
use super::rules::AlertRule;
use crate::config::{CONFIG_FILE, Config};
use crate::diag::Diagnostic;
use crate::model::{Page, Site};

/// Where a claim was written, for diagnostics about it.
#[derive(Debug, Clone)]
pub(super) enum ClaimOrigin {
    /// Front matter `alerts:`, or the file name with `name-from-file`.
    FrontMatter,
    /// `[[alerts.claims]]` in book.toml, at this line (0: unknown).
    Config(usize),
    /// A heading matching `[[paths]] heading-claims`, at this byte span.
    Heading(std::ops::Range<usize>),
}

/// One alert a page claims, and the heading the alert's page lands on if the claim chose one.
#[derive(Debug, Clone)]
pub(super) struct Claim {
    pub name: String,
    pub anchor: Option<String>,
    pub origin: ClaimOrigin,
}

impl Claim {
    pub fn front_matter(name: &str) -> Claim {
        Claim {
            name: name.to_string(),
            anchor: None,
            origin: ClaimOrigin::FrontMatter,
        }
    }

    pub fn diagnostic(&self, page: &Page, code: &'static str, message: String) -> Diagnostic {
        match &self.origin {
            ClaimOrigin::FrontMatter => claim_diagnostic(page, self.name.trim(), code, message),
            ClaimOrigin::Config(line) => Diagnostic::at(CONFIG_FILE, *line, 0, code, message),
            ClaimOrigin::Heading(span) => page.doc.source_ref().diag(code, span.clone(), message),
        }
    }
}

/// Every claim of one page: its own (front matter or file name), then `[[alerts.claims]]` naming
/// it, then its headings under `[[paths]] heading-claims`. `entries` holds the alert names known
/// so far (a `*` in a book.toml claim matches those the rules define).
pub(super) fn page_claims(
    config: &Config,
    page: &Page,
    entries: &BTreeMap<String, AlertEntry>,
    rule_name: &dyn Fn(&str) -> Option<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Claim> {
    let mut claims: Vec<Claim> = page.alerts.iter().map(|n| Claim::front_matter(n)).collect();
    let rel = page.doc.source.rel.as_str();
    for claim in config
        .alerts
        .claims
        .iter()
        .filter(|c| c.page.trim_start_matches("./") == rel)
    {
        let anchor = match &claim.heading {
            None => None,
            Some(wanted) => match conventions::find_heading(page, wanted) {
                Some(heading) => Some(heading.id.clone()),
                None => {
                    diagnostics.push(Diagnostic::at(
                        CONFIG_FILE,
                        claim.line,
                        0,
                        "broken-anchor",
                        format!(
                            "[[alerts.claims]] names the heading {wanted:?}, which is no heading of {}",
                            page.doc.source.path
                        ),
                    ));
                    None
                }
            },
        };
        for pattern in &claim.alerts {
            if !pattern.contains('*') {
                claims.push(Claim {
                    name: pattern.clone(),
                    anchor: anchor.clone(),
                    origin: ClaimOrigin::Config(claim.line),
                });
                continue;
            }
            let before = claims.len();
            claims.extend(
                entries
                    .values()
                    .filter(|e| !e.rules.is_empty() && conventions::name_matches(pattern, &e.name))
                    .map(|e| Claim {
                        name: e.name.clone(),
                        anchor: anchor.clone(),
                        origin: ClaimOrigin::Config(claim.line),
                    }),
            );
            if claims.len() == before {
                diagnostics.push(Diagnostic::at(
                    CONFIG_FILE,
                    claim.line,
                    0,
                    "unknown-alert",
                    format!(
                        "[[alerts.claims]] for {}: no rule file defines an alert matching {pattern:?}",
                        page.doc.source.path
                    ),
                ));
            }
        }
    }
    let patterns = config.heading_claims(rel);
    if !patterns.is_empty() {
        for heading in &page.doc.outline.headings {
            if let Some(name) = conventions::heading_claim(heading, &patterns, rule_name) {
                claims.push(Claim {
                    name,
                    // A level-1 heading titles the page: land on the page itself.
                    anchor: (heading.level > 1).then(|| heading.id.clone()),
                    origin: ClaimOrigin::Heading(heading.span.clone()),
                });
            }
        }
    }
    claims
}

/// `[alerts] link-claims`: an alert no page claims is covered by the page its rule links to,
/// when the link lands on a page of this site and its `#fragment`, if any, is a heading there.
/// The pages whose headings it reads go into `headings_read`.
pub(super) fn link_claims(
    config: &Config,
    site: &Site,
    rules: &[AlertRule],
    entries: &mut BTreeMap<String, AlertEntry>,
    chosen_anchor: &mut BTreeMap<String, Option<String>>,
    headings_read: &mut BTreeSet<usize>,
) {
    let page_by_url: BTreeMap<&str, usize> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.url.as_str(), i))
        .collect();
    for entry in entries.values_mut().filter(|e| e.runbook.is_none()) {
        let landed = entry.rules.iter().find_map(|&i| {
            let (_, link) = conventions::rule_link(config, &rules[i])?;
            let (LinkTarget::Site { path, fragment }, _) =
                resolve_link(config, site, link, &rules[i])
            else {
                return None;
            };
            let page = *page_by_url.get(path.as_str())?;
            if fragment.is_some() {
                headings_read.insert(page);
            }
            match fragment {
                Some(f) if !site.pages[page].doc.outline.has_anchor(&f) => None,
                fragment => Some((page, fragment)),
            }
        });
        if let Some((page, fragment)) = landed {
            entry.runbook = Some(page);
            entry.claimed_by_link = true;
            chosen_anchor.insert(entry.name.clone(), fragment);
        }
    }
}
