//! One page's search record: its terms with per-field counts and section bits, and the plain
//! text of its sections, read from the parsed model (front matter, outline, Markdown events).

use std::collections::HashMap;

use globset::{Glob, GlobSetBuilder};
use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use rayon::prelude::*;

use super::keys::StrMap;
use super::tokenize::{Tokenizer, for_each_run, run_words};
use super::{FIELD_COUNT, Field};
use crate::config::{Config, SearchConfig};
use crate::model::{Document, Heading, Page};

/// Postings keep one bit per section; sections past the last bit share it.
pub(crate) const MAX_SECTION_BIT: usize = 30;
/// Fragment text kept per section, for excerpts and phrase checks (the postings hold every word;
/// a phrase past this point of a long section is not confirmed).
pub(crate) const SECTION_TEXT_CHARS: usize = 800;

/// A range of a record's `term_text`. Offsets are `u32` (and a stem's length `u16`): the text
/// holds each distinct word of one page once, and words have at most 32 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextRange {
    start: u32,
    end: u32,
}

/// A term of one page: its stem, how often it occurs in each field and in which sections.
/// 20 bytes, and a site of 10,000 runbooks has three million of them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordTerm {
    /// The stem: a range of the record's `term_text`.
    stem_start: u32,
    stem_len: u16,
    /// The stem is itself a word of the page (`restart` seen as `restart`, not only as
    /// `restarts`): the vocabulary takes it from here, and `words` leaves it out.
    pub(crate) stem_is_word: bool,
    /// Occurrences per field, saturating (BM25 flattens counts long before 255).
    pub(crate) tf: [u8; FIELD_COUNT],
    /// Bit `i` set when section `i` (0 = top of the page) holds the term.
    pub(crate) sections: u32,
}

/// A word as seen on the page (folded) that is not its own stem, and the index of its term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordWord {
    pub(crate) surface: TextRange,
    pub(crate) term: u32,
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
    /// In the order the page first uses them.
    pub(crate) terms: Vec<RecordTerm>,
    /// The distinct words of the page that are not their own stem, in order of first use.
    pub(crate) words: Vec<RecordWord>,
    /// The stems and words that `terms` and `words` point into: one allocation per page rather
    /// than one per term, which is what makes records of 10,000 pages cheap to build and drop.
    term_text: String,
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

    pub(crate) fn text(&self, range: TextRange) -> &str {
        &self.term_text[range.start as usize..range.end as usize]
    }

    pub(crate) fn stem(&self, term: &RecordTerm) -> &str {
        let start = term.stem_start as usize;
        &self.term_text[start..start + term.stem_len as usize]
    }
}

/// The page's record, or `None` when search is disabled or `[search] exclude` matches its id.
/// `alerts` are alert names the alert graph links to this page, on top of its own `alerts`.
pub fn record_for(page: &Page, site_config: &Config, alerts: &[String]) -> Option<SearchRecord> {
    Indexer::default().record(page, site_config, alerts)
}

/// Records of a whole site, in parallel: a few chunks of pages per thread, one [`Indexer`] per
/// chunk, so each word is stemmed a few times per build rather than once per rayon split.
pub fn records_for(pages: &[Page], site_config: &Config) -> Vec<SearchRecord> {
    let pages: Vec<&Page> = pages.iter().collect();
    records_of(&pages, site_config)
}

/// [`records_for`] of some pages, in their order.
pub(crate) fn records_of(pages: &[&Page], site_config: &Config) -> Vec<SearchRecord> {
    records_with(pages, site_config, &mut indexers())
}

/// Indexers for [`records_with`]: a few per thread.
pub(crate) fn indexers() -> Vec<Indexer> {
    (0..rayon::current_num_threads() * 4)
        .map(|_| Indexer::default())
        .collect()
}

/// Records of some pages, in their order, the pages split between `indexers` (which keep what
/// they learnt for the next pages they are given: records do not depend on it).
pub(crate) fn records_with(
    pages: &[&Page],
    site_config: &Config,
    indexers: &mut [Indexer],
) -> Vec<SearchRecord> {
    let chunk_len = pages.len().div_ceil(indexers.len().max(1)).max(1);
    indexers
        .par_iter_mut()
        .zip(pages.par_chunks(chunk_len))
        .flat_map_iter(|(indexer, chunk)| {
            chunk
                .iter()
                .filter_map(move |page| indexer.record(page, site_config, &[]))
        })
        .collect()
}

/// Builds records and remembers words across them, so a run of text is split, folded and
/// stemmed once per indexer rather than once per occurrence (a site of 10,000 runbooks has ten
/// million words but a vocabulary of tens of thousands). [`records_for`] uses one per chunk of
/// pages; `serve` can keep one to re-index a changed page.
#[derive(Default)]
pub struct Indexer {
    tokenizer: Tokenizer,
    /// A run of text as written -> its words (`run_words`): a range of `run_word_ids`.
    runs: StrMap<(u32, u32)>,
    run_word_ids: Vec<u32>,
    /// Folded word -> id, to index `words`.
    word_ids: StrMap<u32>,
    words: Vec<Word>,
    stem_ids: StrMap<u32>,
    stems: Vec<Box<str>>,
    /// Per stem id: the stamp of the last page that used it, and its term index on that page.
    /// Flat arrays stamped per page instead of a map per page: no clearing, no hashing.
    stem_on_page: Vec<(u32, u32)>,
    /// Per word id: the stamp of the last page that used it.
    word_on_page: Vec<u32>,
    page_stamp: u32,
}

struct Word {
    text: Box<str>,
    stem: u32,
    /// The word is its own stem (most are): the record stores the text once.
    is_stem: bool,
}

impl Indexer {
    /// The ids of the words of a run of text, as a range of `run_word_ids`.
    fn run_word_range(&mut self, run: &str) -> (u32, u32) {
        if let Some(range) = self.runs.get(run) {
            return range;
        }
        let start = self.run_word_ids.len() as u32;
        run_words(run, |word| {
            let id = self.word_id(word);
            self.run_word_ids.push(id);
        });
        let range = (start, self.run_word_ids.len() as u32);
        self.runs.insert(run, range);
        range
    }

    fn word_id(&mut self, word: &str) -> u32 {
        if let Some(id) = self.word_ids.get(word) {
            return id;
        }
        let stem = self.tokenizer.stem(word);
        let stem_id = match self.stem_ids.get(&stem) {
            Some(id) => id,
            None => {
                let id = self.stems.len() as u32;
                self.stem_ids.insert(&stem, id);
                self.stems.push(stem.into_boxed_str());
                self.stem_on_page.push((0, 0));
                id
            }
        };
        let id = self.words.len() as u32;
        self.words.push(Word {
            text: word.into(),
            stem: stem_id,
            is_stem: *self.stems[stem_id as usize] == *word,
        });
        self.word_ids.insert(word, id);
        self.word_on_page.push(0);
        id
    }

    /// A stamp no entry of `stem_on_page` or `word_on_page` holds yet, for a new page.
    fn next_page_stamp(&mut self) -> u32 {
        self.page_stamp = self.page_stamp.wrapping_add(1);
        if self.page_stamp == 0 {
            self.stem_on_page.fill((0, 0));
            self.word_on_page.fill(0);
            self.page_stamp = 1;
        }
        self.page_stamp
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
        if !is_indexed(page, &site_config.search) {
            return None;
        }
        Some(RecordBuilder::new(self).build(RecordInputs::of(page), alerts))
    }
}

/// What a page's record is made of, and all the builder can read of the page: its document
/// (path and text, and what parsing made of them: front matter, outline, Markdown events), and
/// what linking decided (title, URL, kind, alerts). So [`RecordInputs::key`], a hash of these,
/// changes whenever the record can, and `serve` keeps a record while its key stays the same
/// ([`super::KeptRecords`]). The configuration is the same for every record of a site: a
/// changed `book.toml` starts `serve` afresh.
#[derive(Clone, Copy)]
pub(crate) struct RecordInputs<'a> {
    doc: &'a Document,
    title: &'a str,
    url: &'a str,
    kind: &'a str,
    alerts: &'a [String],
}

impl<'a> RecordInputs<'a> {
    pub(crate) fn of(page: &'a Page) -> RecordInputs<'a> {
        RecordInputs {
            doc: &page.doc,
            title: &page.title,
            url: &page.url,
            kind: &page.runbook_kind,
            alerts: &page.alerts,
        }
    }

    /// A hash of every input: the document as its path and text (everything in it is parsed
    /// from them), then the linked values, each with its length so no two lists hash alike.
    pub(crate) fn key(&self) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new();
        let parts = [
            self.doc.source.rel.as_str(),
            self.doc.source.text.as_str(),
            self.title,
            self.url,
            self.kind,
        ];
        for part in parts
            .into_iter()
            .chain(self.alerts.iter().map(String::as_str))
        {
            hasher.update(&part.len().to_le_bytes());
            hasher.update(part.as_bytes());
        }
        hasher.update(&self.alerts.len().to_le_bytes());
        hasher.finalize()
    }
}

/// Search is on and `[search] exclude` leaves the page in.
pub(crate) fn is_indexed(page: &Page, search: &SearchConfig) -> bool {
    search.enabled && !is_excluded(&page.doc.source.rel, &search.exclude)
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

/// A term while its page is read: stem id, counts per field, section bits.
struct PendingTerm {
    stem: u32,
    tf: [u8; FIELD_COUNT],
    sections: u32,
}

struct RecordBuilder<'i> {
    indexer: &'i mut Indexer,
    stamp: u32,
    terms: Vec<PendingTerm>,
    /// Word ids in order of first use on the page.
    words: Vec<u32>,
    lengths: [u32; FIELD_COUNT],
    /// Characters in each section's text so far.
    text_chars: Vec<usize>,
}

impl<'i> RecordBuilder<'i> {
    fn new(indexer: &'i mut Indexer) -> Self {
        RecordBuilder {
            stamp: indexer.next_page_stamp(),
            indexer,
            terms: Vec::with_capacity(512),
            words: Vec::with_capacity(512),
            lengths: [0; FIELD_COUNT],
            text_chars: vec![0],
        }
    }

    fn add(&mut self, field: Field, section: usize, text: &str) {
        let bit = 1u32 << section.min(MAX_SECTION_BIT);
        let field = field as usize;
        for_each_run(text, |run| {
            let (start, end) = self.indexer.run_word_range(run);
            for i in start..end {
                let word = self.indexer.run_word_ids[i as usize];
                self.count(word, field, bit);
            }
        });
    }

    fn count(&mut self, word: u32, field: usize, bit: u32) {
        let indexer = &mut *self.indexer;
        self.lengths[field] += 1;
        let stem = indexer.words[word as usize].stem;
        let on_page = &mut indexer.stem_on_page[stem as usize];
        if on_page.0 != self.stamp {
            *on_page = (self.stamp, self.terms.len() as u32);
            self.terms.push(PendingTerm {
                stem,
                tf: [0; FIELD_COUNT],
                sections: 0,
            });
        }
        let term = &mut self.terms[on_page.1 as usize];
        term.tf[field] = term.tf[field].saturating_add(1);
        term.sections |= bit;
        let seen = &mut indexer.word_on_page[word as usize];
        if *seen != self.stamp {
            *seen = self.stamp;
            self.words.push(word);
        }
    }

    fn push_text(&mut self, sections: &mut [SectionText], section: usize, text: &str) {
        push_text(
            &mut sections[section].text,
            &mut self.text_chars[section],
            text,
        );
    }

    fn build(mut self, page: RecordInputs, extra_alerts: &[String]) -> SearchRecord {
        let front = &page.doc.front;
        let mut alerts: Vec<String> = page.alerts.to_vec();
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

        self.add(Field::Title, 0, page.title);
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
            // The body starts a new sentence: excerpts must not read "one.PostgresPrimaryDown".
            self.push_text(&mut sections, 0, " ");
        }
        self.walk_events(page.doc, &mut sections);
        for section in &mut sections {
            let trimmed = section.text.trim_end().len();
            section.text.truncate(trimmed);
        }

        let fragment = serde_json::to_string(&Fragment {
            t: page.title,
            u: page.url,
            s: service.as_deref(),
            o: owner.as_deref(),
            v: severity.as_deref(),
            k: page.kind,
            g: &front.tags,
            a: &alerts,
            h: sections
                .iter()
                .map(|s| (s.title.as_str(), s.anchor.as_str(), s.text.as_str()))
                .collect(),
        })
        .unwrap_or_default();
        let indexer = &*self.indexer;
        let mut term_text = String::with_capacity(self.terms.len() * 8 + self.words.len() * 4);
        let mut push = |text: &str| {
            let start = term_text.len() as u32;
            term_text.push_str(text);
            TextRange {
                start,
                end: term_text.len() as u32,
            }
        };
        let mut terms: Vec<RecordTerm> = self
            .terms
            .iter()
            .map(|term| {
                let stem = push(&indexer.stems[term.stem as usize]);
                RecordTerm {
                    stem_start: stem.start,
                    stem_len: (stem.end - stem.start) as u16,
                    stem_is_word: false,
                    tf: term.tf,
                    sections: term.sections,
                }
            })
            .collect();
        let mut words = Vec::with_capacity(self.words.len() / 2);
        for &word in &self.words {
            let word = &indexer.words[word as usize];
            let term = indexer.stem_on_page[word.stem as usize].1;
            if word.is_stem {
                terms[term as usize].stem_is_word = true;
            } else {
                words.push(RecordWord {
                    surface: push(&word.text),
                    term,
                });
            }
        }
        // Sized by a guess above: a site's records hold millions of terms, so no slack is kept.
        term_text.shrink_to_fit();
        words.shrink_to_fit();
        SearchRecord {
            page_id: page.doc.source.rel.clone(),
            url: page.url.to_string(),
            title: page.title.to_string(),
            service,
            owner,
            severity,
            kind: page.kind.to_string(),
            tags: front.tags.clone(),
            alerts,
            field_lengths: self.lengths,
            terms,
            words,
            term_text,
            fragment,
        }
    }

    /// Body text per section: split at H2/H3, headings to the `headings` field, fenced code to
    /// `code` (Mermaid left out: node labels are diagram syntax, not prose), raw HTML skipped.
    fn walk_events(&mut self, doc: &Document, sections: &mut Vec<SectionText>) {
        let headings: HashMap<usize, &Heading> =
            doc.outline.headings.iter().map(|h| (h.event, h)).collect();
        let mut section = 0;
        let mut in_heading = false;
        let mut code: Option<bool> = None; // Some(is_mermaid) inside a code block
        for (index, (event, _)) in crate::parse::event_iter(doc).enumerate() {
            match &event {
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
                    // The language as the renderer reads it, so what it draws is what is skipped.
                    code = Some(matches!(
                        kind,
                        CodeBlockKind::Fenced(info) if crate::parse::fence_language(info) == "mermaid"
                    ));
                }
                Event::End(TagEnd::CodeBlock) => {
                    code = None;
                    self.push_text(sections, section, " ");
                }
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
                // Block boundaries are word boundaries (a tight list item runs into its
                // nested list without a paragraph end between them).
                Event::Start(
                    Tag::Paragraph
                    | Tag::Item
                    | Tag::List(_)
                    | Tag::TableCell
                    | Tag::BlockQuote(_)
                    | Tag::DefinitionListTitle
                    | Tag::DefinitionListDefinition,
                )
                | Event::End(TagEnd::List(_) | TagEnd::DefinitionListTitle) => {
                    self.push_text(sections, section, " ")
                }
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
    if *count >= SECTION_TEXT_CHARS {
        return;
    }
    let mut after_space = out.is_empty() || out.ends_with(' ');
    if text.is_ascii() {
        // Whole words at a time: one copy per word instead of one push per character.
        let is_space = |b: &u8| matches!(b, b' ' | b'\t'..=b'\r');
        let mut rest = text;
        while *count < SECTION_TEXT_CHARS && !rest.is_empty() {
            let spaces = rest.bytes().take_while(is_space).count();
            if spaces > 0 {
                if !after_space {
                    out.push(' ');
                    *count += 1;
                    after_space = true;
                }
                rest = &rest[spaces..];
                continue;
            }
            let word = rest.bytes().take_while(|b| !is_space(b)).count();
            let kept = word.min(SECTION_TEXT_CHARS - *count);
            out.push_str(&rest[..kept]);
            *count += kept;
            after_space = false;
            rest = &rest[word..];
        }
        return;
    }
    for c in text.chars() {
        if *count >= SECTION_TEXT_CHARS {
            return;
        }
        if c.is_whitespace() {
            if after_space {
                continue;
            }
            out.push(' ');
            after_space = true;
        } else {
            out.push(c);
            after_space = false;
        }
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
            .find(|t| record.stem(t) == stem)
            .unwrap_or_else(|| panic!("no term {stem}"))
    }

    /// The page's surface forms of a stem, sorted, separated by spaces.
    fn forms(record: &SearchRecord, stem: &str) -> String {
        let mut forms: Vec<&str> = record
            .words
            .iter()
            .filter(|w| record.stem(&record.terms[w.term as usize]) == stem)
            .map(|w| record.text(w.surface))
            .collect();
        if term(record, stem).stem_is_word {
            forms.push(stem);
        }
        forms.sort_unstable();
        forms.join(" ")
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
        assert!(
            !record
                .words
                .iter()
                .any(|w| record.text(w.surface) == "lagging")
        );
        assert!(
            !record
                .terms
                .iter()
                .any(|t| record.stem(t) == "lag" && t.tf[Field::Code as usize] > 0)
        );
    }

    #[test]
    fn every_fence_the_renderer_draws_as_a_diagram_is_left_out() {
        // `{.mermaid}` and `Mermaid` are diagrams to the renderer (`parse::fence_language`).
        let text = "---\ntitle: Fences\n---\n\n```{.mermaid}\ngraph TD; Zebraword-->X\n```\n\n\
                    ```Mermaid\ngraph TD; Quokkaword-->X\n```\n\n```bash\necho kept\n```\n";
        let record =
            record_for(&page_from_markdown("fences.md", text), &config(""), &[]).expect("indexed");
        assert_eq!(term(&record, "kept").tf[Field::Code as usize], 1);
        let stems: Vec<&str> = record.terms.iter().map(|t| record.stem(t)).collect();
        assert!(
            !stems
                .iter()
                .any(|s| s.contains("zebra") || s.contains("quokka")),
            "{stems:?}"
        );
    }

    #[test]
    fn surfaces_map_to_stems() {
        let record = record();
        assert_eq!(forms(&record, "replica"), "replicas");
        assert_eq!(forms(&record, "replic"), "replication");
        assert_eq!(forms(&record, "primari"), "primary");
        assert_eq!(
            forms(&record, "postgresreplicationlag"),
            "postgresreplicationlag"
        );
        assert_eq!(forms(&record, "lag"), "lag");
        // Words that are not their own stem, each once, in order of first use; the others are
        // flagged on their term.
        let words: Vec<&str> = record
            .words
            .iter()
            .map(|w| record.text(w.surface))
            .collect();
        assert_eq!(&words[..3], ["replication", "postgres", "database"]);
        assert_eq!(words.iter().filter(|w| **w == "primary").count(), 1);
        assert!(!words.contains(&"lag"));
        assert!(term(&record, "lag").stem_is_word);
        assert!(!term(&record, "primari").stem_is_word);
    }

    #[test]
    fn section_text_collapses_whitespace_and_stops_at_the_limit() {
        for text in ["  a \t\n b\x0b\x0cc  ", "  a \u{a0} b\u{2003}c  "] {
            let (mut out, mut count) = (String::new(), 0);
            push_text(&mut out, &mut count, text);
            push_text(&mut out, &mut count, " d");
            assert_eq!(out, "a b c d", "{text:?}");
            assert_eq!(count, out.chars().count());
        }
        let (mut out, mut count) = (String::new(), 0);
        let long = format!("{} {}", "x".repeat(SECTION_TEXT_CHARS - 3), "yyyy zz");
        push_text(&mut out, &mut count, &long);
        assert_eq!(count, SECTION_TEXT_CHARS);
        assert!(out.ends_with("x yy"), "{}", &out[out.len() - 8..]);
        push_text(&mut out, &mut count, "more");
        assert_eq!(out.chars().count(), SECTION_TEXT_CHARS);
    }

    #[test]
    fn excluded_and_disabled_pages_have_no_record() {
        let page = page_from_markdown("drafts/wip.md", PAGE);
        assert!(record_for(&page, &config("[search]\nexclude = [\"drafts/**\"]\n"), &[]).is_none());
        assert!(record_for(&page, &config("[search]\nenabled = false\n"), &[]).is_none());
        assert!(record_for(&page, &config("[search]\nexclude = [\"other/**\"]\n"), &[]).is_some());
    }

    #[test]
    fn records_do_not_depend_on_what_the_indexer_saw_before() {
        let config = config("");
        let page = page_from_markdown("db/replication-lag.md", PAGE);
        let other = page_from_markdown(
            "web/errors.md",
            "# Web errors\n\nThe primary returns 5xx; restarting replicas helps.\n",
        );
        let fresh = Indexer::default().record(&page, &config, &[]);
        let mut warm = Indexer::default();
        assert!(warm.record(&other, &config, &[]).is_some());
        assert_eq!(warm.record(&page, &config, &[]), fresh);
        // Page stamps wrap around without mixing pages up.
        warm.page_stamp = u32::MAX - 1;
        assert!(warm.record(&other, &config, &[]).is_some());
        assert_eq!(warm.record(&page, &config, &[]), fresh);
        assert_eq!(warm.page_stamp, 1);
        assert_eq!(warm.record(&page, &config, &[]), fresh);

        let pages = [other, page];
        let one_by_one: Vec<SearchRecord> = pages
            .iter()
            .filter_map(|p| record_for(p, &config, &[]))
            .collect();
        assert_eq!(records_for(&pages, &config), one_by_one);
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
