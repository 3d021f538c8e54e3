//! One page's search record: its terms with per-field counts and section bits, and the plain
//! text of its sections, read from the parsed model (front matter, outline, Markdown events).

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use globset::{Glob, GlobSetBuilder};
use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};

use super::tokenize::Tokenizer;
use super::{FIELD_COUNT, Field};
use crate::config::Config;
use crate::model::{Heading, Page};

/// Postings keep one bit per section; sections past the last bit share it.
pub(crate) const MAX_SECTION_BIT: usize = 30;
/// Fragment text kept per section, for excerpts and phrase checks (the postings hold every word;
/// a phrase past this point of a long section is not confirmed).
pub(crate) const SECTION_TEXT_CHARS: usize = 800;

/// A term of one page: how often it occurs in each field and in which sections.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordTerm {
    pub(crate) stem: String,
    /// The surface forms seen on the page, sorted, separated by spaces: the vocabulary's source.
    pub(crate) forms: String,
    /// Occurrences per field, saturating (BM25 flattens counts long before 255).
    pub(crate) tf: [u8; FIELD_COUNT],
    /// Bit `i` set when section `i` (0 = top of the page) holds the term.
    pub(crate) sections: u32,
}

/// A part of the page between H2/H3 headings; section 0 is the top (before the first one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct SectionText {
    pub(crate) title: String,
    pub(crate) anchor: String,
    pub(crate) text: String,
}

/// Everything the index needs from one page. Computed from the model, never from built HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRecord {
    pub(crate) page_id: String,
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) service: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) severity: Option<String>,
    pub(crate) kind: String,
    pub(crate) tags: Vec<String>,
    pub(crate) alerts: Vec<String>,
    pub(crate) field_lengths: [u32; FIELD_COUNT],
    /// Sorted by stem.
    pub(crate) terms: Vec<RecordTerm>,
    /// The JSON of the result fragment (`search/d/<n>.js`), ready to wrap: title, URL, facets,
    /// and per section `[title, anchor, text]`.
    pub(crate) fragment: String,
}

/// The fragment a result shows; keys are short because 10,000 of them are written.
#[derive(serde::Serialize)]
struct Fragment<'a> {
    t: &'a str,
    u: &'a str,
    s: Option<&'a str>,
    o: Option<&'a str>,
    v: Option<&'a str>,
    k: &'a str,
    g: &'a [String],
    a: &'a [String],
    h: Vec<(&'a str, &'a str, &'a str)>,
}

impl SearchRecord {
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The page's record, or `None` when search is disabled or `[search] exclude` matches its id.
/// `alerts` are alert names the alert graph links to this page, on top of its own `alerts`.
pub fn record_for(page: &Page, site_config: &Config, alerts: &[String]) -> Option<SearchRecord> {
    Indexer::default().record(page, site_config, alerts)
}

/// Builds records and remembers stems across them, so a word is stemmed once per thread rather
/// than once per page. For a whole site, one per thread:
/// `pages.par_iter().map_init(Indexer::default, |indexer, page| indexer.record(page, config, &[]))`.
#[derive(Default)]
pub struct Indexer {
    tokenizer: Tokenizer,
    /// Surface form -> (surface id, stem id): ids index `surfaces` and `stems`.
    words: FxHashMap<Box<str>, (u32, u32)>,
    surfaces: Vec<Box<str>>,
    stem_ids: FxHashMap<Box<str>, u32>,
    stems: Vec<Box<str>>,
}

impl Indexer {
    fn word_ids(&mut self, surface: &str) -> (u32, u32) {
        if let Some(&ids) = self.words.get(surface) {
            return ids;
        }
        let stem = self.tokenizer.stem(surface);
        let stem_id = match self.stem_ids.get(stem.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.stems.len() as u32;
                self.stems.push(stem.as_str().into());
                self.stem_ids.insert(stem.into_boxed_str(), id);
                id
            }
        };
        let ids = (self.surfaces.len() as u32, stem_id);
        self.surfaces.push(surface.into());
        self.words.insert(surface.into(), ids);
        ids
    }
}

impl Indexer {
    /// Same as [`record_for`].
    pub fn record(
        &mut self,
        page: &Page,
        site_config: &Config,
        alerts: &[String],
    ) -> Option<SearchRecord> {
        let search = &site_config.search;
        if !search.enabled || is_excluded(&page.doc.source.rel, &search.exclude) {
            return None;
        }
        Some(RecordBuilder::new(self).build(page, alerts))
    }
}

fn is_excluded(page_id: &str, globs: &[String]) -> bool {
    if globs.is_empty() {
        return false;
    }
    let mut set = GlobSetBuilder::new();
    // An invalid glob is reported by config validation; here it simply matches nothing.
    for glob in globs.iter().filter_map(|g| Glob::new(g).ok()) {
        set.add(glob);
    }
    set.build().is_ok_and(|set| set.is_match(page_id))
}

/// A term while its page is read: stem id, surface ids, counts per field, section bits.
type PendingTerm = (u32, Vec<u32>, [u8; FIELD_COUNT], u32);

struct RecordBuilder<'i> {
    indexer: &'i mut Indexer,
    /// Stem id -> index in `terms`.
    by_stem: FxHashMap<u32, usize>,
    terms: Vec<PendingTerm>,
    lengths: [u32; FIELD_COUNT],
    /// Characters in each section's text so far.
    text_chars: Vec<usize>,
}

impl<'i> RecordBuilder<'i> {
    fn new(indexer: &'i mut Indexer) -> Self {
        RecordBuilder {
            indexer,
            by_stem: FxHashMap::with_capacity_and_hasher(1024, Default::default()),
            terms: Vec::with_capacity(1024),
            lengths: [0; FIELD_COUNT],
            text_chars: vec![0],
        }
    }

    fn add(&mut self, field: Field, section: usize, text: &str) {
        let bit = 1u32 << section.min(MAX_SECTION_BIT);
        let Self {
            indexer,
            by_stem,
            terms,
            lengths,
            ..
        } = self;
        let tokenizer = std::mem::take(&mut indexer.tokenizer);
        tokenizer.words(text, |surface| {
            lengths[field as usize] += 1;
            let (surface_id, stem_id) = indexer.word_ids(surface);
            let index = *by_stem.entry(stem_id).or_insert_with(|| {
                terms.push((stem_id, Vec::new(), [0; FIELD_COUNT], 0));
                terms.len() - 1
            });
            if !terms[index].1.contains(&surface_id) {
                terms[index].1.push(surface_id);
            }
            let term = &mut terms[index];
            term.2[field as usize] = term.2[field as usize].saturating_add(1);
            term.3 |= bit;
        });
        indexer.tokenizer = tokenizer;
    }

    fn push_text(&mut self, sections: &mut [SectionText], section: usize, text: &str) {
        push_text(
            &mut sections[section].text,
            &mut self.text_chars[section],
            text,
        );
    }

    fn build(mut self, page: &Page, extra_alerts: &[String]) -> SearchRecord {
        let front = &page.doc.front;
        let mut alerts: Vec<String> = page.alerts.clone();
        for alert in extra_alerts {
            if !alerts.contains(alert) {
                alerts.push(alert.clone());
            }
        }
        let clean = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let service = clean(&front.service);
        let owner = clean(&front.owner);
        let severity = clean(&front.severity);

        self.add(Field::Title, 0, &page.title);
        for alert in &alerts {
            self.add(Field::Alerts, 0, alert);
        }
        for (field, value) in [(Field::Service, &service), (Field::Owner, &owner)] {
            if let Some(value) = value {
                self.add(field, 0, value);
            }
        }
        for tag in &front.tags {
            self.add(Field::Tags, 0, tag);
        }

        let mut sections = vec![SectionText {
            title: String::new(),
            anchor: String::new(),
            text: String::with_capacity(256),
        }];
        if let Some(description) = clean(&front.description) {
            self.add(Field::Body, 0, &description);
            self.push_text(&mut sections, 0, &description);
        }
        self.walk_events(page, &mut sections);
        for section in &mut sections {
            let trimmed = section.text.trim_end().len();
            section.text.truncate(trimmed);
        }

        let fragment = serde_json::to_string(&Fragment {
            t: &page.title,
            u: &page.url,
            s: service.as_deref(),
            o: owner.as_deref(),
            v: severity.as_deref(),
            k: &page.runbook_kind,
            g: &front.tags,
            a: &alerts,
            h: sections
                .iter()
                .map(|s| (s.title.as_str(), s.anchor.as_str(), s.text.as_str()))
                .collect(),
        })
        .unwrap_or_default();
        let mut terms: Vec<RecordTerm> = self
            .terms
            .into_iter()
            .map(|(stem, surface_ids, tf, sections)| {
                let mut forms: Vec<&str> = surface_ids
                    .iter()
                    .map(|&id| &*self.indexer.surfaces[id as usize])
                    .collect();
                forms.sort_unstable();
                RecordTerm {
                    stem: self.indexer.stems[stem as usize].to_string(),
                    forms: forms.join(" "),
                    tf,
                    sections,
                }
            })
            .collect();
        terms.sort_unstable_by(|a, b| a.stem.cmp(&b.stem));
        SearchRecord {
            page_id: page.doc.source.rel.clone(),
            url: page.url.clone(),
            title: page.title.clone(),
            service,
            owner,
            severity,
            kind: page.runbook_kind.clone(),
            tags: front.tags.clone(),
            alerts,
            field_lengths: self.lengths,
            terms,
            fragment,
        }
    }

    /// Body text per section: split at H2/H3, headings to the `headings` field, fenced code to
    /// `code` (Mermaid left out: node labels are diagram syntax, not prose), raw HTML skipped.
    fn walk_events(&mut self, page: &Page, sections: &mut Vec<SectionText>) {
        let headings: HashMap<usize, &Heading> = page
            .doc
            .outline
            .headings
            .iter()
            .map(|h| (h.event, h))
            .collect();
        let mut section = 0;
        let mut in_heading = false;
        let mut code: Option<bool> = None; // Some(is_mermaid) inside a code block
        for (index, (event, _)) in page.doc.events.iter().enumerate() {
            match event {
                Event::Start(Tag::Heading { level, .. }) => {
                    in_heading = true;
                    if let Some(heading) = headings.get(&index) {
                        if (2..=3).contains(&(*level as u8)) {
                            sections.push(SectionText {
                                title: heading.text.clone(),
                                anchor: heading.id.clone(),
                                text: String::with_capacity(256),
                            });
                            self.text_chars.push(0);
                            section = sections.len() - 1;
                        }
                        self.add(Field::Headings, section, &heading.text);
                    }
                }
                Event::End(TagEnd::Heading(_)) => in_heading = false,
                Event::Start(Tag::CodeBlock(kind)) => {
                    let lang = match kind {
                        CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
                        CodeBlockKind::Indented => "",
                    };
                    code = Some(lang.eq_ignore_ascii_case("mermaid"));
                }
                Event::End(TagEnd::CodeBlock) => code = None,
                Event::Text(text)
                | Event::Code(text)
                | Event::InlineMath(text)
                | Event::DisplayMath(text) => match code {
                    Some(true) => {}
                    Some(false) => self.add(Field::Code, section, text),
                    None if in_heading => {}
                    None => {
                        self.add(Field::Body, section, text);
                        self.push_text(sections, section, text);
                    }
                },
                Event::SoftBreak | Event::HardBreak => self.push_text(sections, section, " "),
                Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Item
                    | TagEnd::TableCell
                    | TagEnd::BlockQuote(_)
                    | TagEnd::FootnoteDefinition
                    | TagEnd::DefinitionListDefinition,
                ) => self.push_text(sections, section, " "),
                _ => {}
            }
        }
    }
}

/// Appends text with whitespace collapsed, up to [`SECTION_TEXT_CHARS`]; `count` is `out`'s
/// length in characters.
fn push_text(out: &mut String, count: &mut usize, text: &str) {
    for c in text.chars() {
        if *count >= SECTION_TEXT_CHARS {
            return;
        }
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
        *count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fixture::{config, page_from_markdown};

    const PAGE: &str = "---\ntitle: Replication lag\nservice: postgres\nowner: dba-team\nseverity: critical\nalerts: [PostgresReplicationLag]\ntags: [database]\n---\n\n# Replication lag\n\nReplicas fall behind the primary.\n\n## Diagnosis\n\nCheck `pg_stat_replication` on the primary.\n\n```sql\nSELECT * FROM pg_stat_replication;\n```\n\n```mermaid\ngraph TD; Lagging-->Primary\n```\n\n### Network\n\nLook at packet loss.\n";

    fn record() -> SearchRecord {
        let page = page_from_markdown("db/replication-lag.md", PAGE);
        record_for(&page, &config(""), &[]).expect("indexed")
    }

    fn term<'a>(record: &'a SearchRecord, stem: &str) -> &'a RecordTerm {
        record
            .terms
            .iter()
            .find(|t| t.stem == stem)
            .unwrap_or_else(|| panic!("no term {stem}"))
    }

    #[test]
    fn sections_split_at_h2_and_h3_with_anchors() {
        let fragment: serde_json::Value =
            serde_json::from_str(&record().fragment).expect("fragment json");
        assert_eq!(
            fragment["h"],
            serde_json::json!([
                ["", "", "Replicas fall behind the primary."],
                [
                    "Diagnosis",
                    "diagnosis",
                    "Check pg_stat_replication on the primary."
                ],
                ["Network", "network", "Look at packet loss."]
            ])
        );
        assert_eq!(fragment["t"], "Replication lag");
        assert_eq!(fragment["u"], "db/replication-lag/");
        assert_eq!(fragment["s"], "postgres");
        assert_eq!(fragment["v"], "critical");
        assert_eq!(fragment["a"], serde_json::json!(["PostgresReplicationLag"]));
    }

    #[test]
    fn terms_count_per_field_and_remember_sections() {
        let record = record();
        let lag = term(&record, "lag");
        // title + alert hump + H1 heading.
        assert_eq!(lag.tf[Field::Title as usize], 1);
        assert_eq!(lag.tf[Field::Alerts as usize], 1);
        assert_eq!(lag.tf[Field::Headings as usize], 1);
        assert_eq!(lag.tf[Field::Body as usize], 0);
        let primary = term(&record, "primari");
        assert_eq!(primary.tf[Field::Body as usize], 2);
        assert_eq!(primary.sections, 0b011);
        assert_eq!(term(&record, "packet").sections, 0b100);
        // Fenced SQL counts as code; the Mermaid fence is left out.
        assert_eq!(term(&record, "select").tf[Field::Code as usize], 1);
        assert!(!record.terms.iter().any(|t| t.forms.contains("lagging")));
    }

    #[test]
    fn surfaces_map_to_stems() {
        let record = record();
        assert_eq!(term(&record, "replica").forms, "replicas");
        assert_eq!(term(&record, "replic").forms, "replication");
        assert_eq!(term(&record, "primari").forms, "primary");
        assert_eq!(
            term(&record, "postgresreplicationlag").forms,
            "postgresreplicationlag"
        );
    }

    #[test]
    fn excluded_and_disabled_pages_have_no_record() {
        let page = page_from_markdown("drafts/wip.md", PAGE);
        assert!(record_for(&page, &config("[search]\nexclude = [\"drafts/**\"]\n"), &[]).is_none());
        assert!(record_for(&page, &config("[search]\nenabled = false\n"), &[]).is_none());
        assert!(record_for(&page, &config("[search]\nexclude = [\"other/**\"]\n"), &[]).is_some());
    }

    #[test]
    fn alerts_from_the_alert_graph_are_indexed_once() {
        let page = page_from_markdown("db/replication-lag.md", PAGE);
        let record = record_for(
            &page,
            &config(""),
            &["PostgresReplicationLag".into(), "PgLagHigh".into()],
        )
        .expect("indexed");
        assert_eq!(record.alerts, ["PostgresReplicationLag", "PgLagHigh"]);
    }
}
