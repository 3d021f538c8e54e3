//! Assembling records into the sharded index files under `search/` (layout in the parent module).
//!
//! Scores are final at build time: each posting carries the term's BM25 score for that document,
//! summed over fields with their weights, so the client only adds numbers. Everything is sorted
//! before it is written, so the same records give the same bytes whatever the thread count.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::keys::StrMap;
use super::record::{RecordInputs, SearchRecord, indexers, is_indexed, records_with};
use super::tokenize::{alert_key, fold, key_file_name, shard_key};
use super::{DEFAULT_BOOSTS, FACETS, FIELD_COUNT, FIELDS};
use crate::config::{Config, SearchConfig};
use crate::model::Page;

/// A term in more documents than this keeps only its best-scoring ones and is marked partial: it
/// still ranks, but no longer filters (a word in most runbooks says little about any of them,
/// and its full list would dominate what a query downloads).
pub(crate) const MAX_POSTINGS: usize = 1000;
/// Postings files are cut after this many bytes; a long list gets a file to itself.
pub(crate) const POSTINGS_SHARD_BYTES: usize = 4 * 1024;
/// A vocabulary shard past this size is split by one more character of prefix...
pub(crate) const VOCAB_SHARD_BYTES: usize = 8 * 1024;
/// ...up to keys of this many characters.
pub(crate) const MAX_KEY_CHARS: usize = 24;
/// Scores are written as integers in units of 1/SCORE_SCALE.
pub(crate) const SCORE_SCALE: f32 = 4.0;
const K1: f32 = 1.2;
/// Length normalisation per field: short fields (a title, a service) hardly vary in length.
const B: [f32; FIELD_COUNT] = [0.5, 0.3, 0.3, 0.3, 0.3, 0.5, 0.75, 0.75];

/// Base-64 digits for varints: values 0..32 end a number, 32..64 carry 5 bits and continue.
/// Every digit is safe in a JSON string and a file name.
pub(crate) const DIGITS: &[u8; 64] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

pub(crate) fn push_varint(out: &mut String, mut value: u32) {
    loop {
        let low = (value & 31) as usize;
        value >>= 5;
        if value == 0 {
            out.push(DIGITS[low] as char);
            return;
        }
        out.push(DIGITS[low + 32] as char);
    }
}

/// Field weights: built-in, with `[search] boosts` on top.
fn boosts(config: &SearchConfig) -> [f32; FIELD_COUNT] {
    let mut boosts = DEFAULT_BOOSTS;
    for (name, weight) in &config.boosts {
        if let Some(i) = FIELDS.iter().position(|f| f == name) {
            boosts[i] = weight.max(0.0);
        }
    }
    boosts
}

/// The files of the search index for these records: site-relative paths under `search/` and
/// their bytes, sorted by path. Deterministic: the order of `records` does not matter.
pub fn build_index(
    config: &SearchConfig,
    mut records: Vec<SearchRecord>,
) -> Vec<(String, Vec<u8>)> {
    records.par_sort_unstable_by(|a, b| document_order(a).cmp(&document_order(b)));
    let mut files: Vec<(String, Vec<u8>)> = records
        .iter()
        .enumerate()
        .map(|(doc, record)| fragment_file(doc, &record.fragment))
        .collect();
    let docs: Vec<&SearchRecord> = records.iter().collect();
    let Ok(()) = write_index(config, &docs, |path, bytes| {
        files.push((path, bytes));
        Ok::<(), std::convert::Infallible>(())
    });
    files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    files
}

/// The search index of a whole site, handed to `emit` file by file as it is made, the same
/// files [`build_index`] makes of [`records_for`](super::records_for)`(pages)`. Pages are read
/// in document order a few thousand at a time, and each slice's result files are emitted as
/// soon as they are made: a build that streams them to disk never holds a second copy of the
/// fragments (45 MB at 10,000 runbooks), and the fragments go before the postings are made.
/// Stops at the first error of `emit`.
pub fn index_site<E>(
    pages: &[Page],
    site_config: &Config,
    mut emit: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    let order = indexed_pages(pages, site_config);
    let mut records: Vec<SearchRecord> = Vec::with_capacity(order.len());
    let mut indexers = indexers();
    crate::timings::time("search records", || {
        for slice in order.chunks(INDEX_SLICE) {
            for record in records_with(slice, site_config, &mut indexers) {
                let (path, bytes) = fragment_file(records.len(), &record.fragment);
                emit(path, bytes)?;
                records.push(record);
            }
        }
        // Let go of the fragments together, before the postings are made: freed one by one
        // between the files made from them, they leave the heap in holes that slow `serve`'s
        // next renders (about 8 ms a save at 10,000 runbooks, which keeps every file).
        for record in &mut records {
            record.fragment = String::new();
        }
        Ok(())
    })?;
    let docs: Vec<&SearchRecord> = records.iter().collect();
    crate::timings::time("search files", || {
        write_index(&site_config.search, &docs, emit)
    })
}

/// The pages the index holds, in document order: by URL, then page id.
fn indexed_pages<'p>(pages: &'p [Page], site_config: &Config) -> Vec<&'p Page> {
    let mut order: Vec<&Page> = pages
        .iter()
        .filter(|page| is_indexed(page, &site_config.search))
        .collect();
    order
        .par_sort_unstable_by(|a, b| (&a.url, &a.doc.source.rel).cmp(&(&b.url, &b.doc.source.rel)));
    order
}

/// The records of the last index `serve` made, by page id, each under the key of its inputs
/// ([`RecordInputs::key`]). A build keeps none: it streams its records' fragments to disk and
/// lets them go ([`index_site`]).
#[derive(Debug, Default)]
pub struct KeptRecords {
    records: HashMap<String, (blake3::Hash, SearchRecord)>,
    /// Records the last [`index_site_kept`] made, rather than took: for tests and timings.
    made: usize,
}

impl KeptRecords {
    /// How many records the last [`index_site_kept`] had to make.
    pub fn made(&self) -> usize {
        self.made
    }
}

/// [`index_site`] for `serve`: the same files, from the records in `kept` whose page's inputs
/// are unchanged, and new records for the others; `kept` then holds this index's records.
/// Scores, document numbers and shards depend on every page, so every file is made again: what
/// is saved is reading the pages (most of the index's time).
pub fn index_site_kept<E>(
    pages: &[Page],
    site_config: &Config,
    kept: &mut KeptRecords,
    mut emit: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    let order = indexed_pages(pages, site_config);
    let keys: Vec<blake3::Hash> = order
        .par_iter()
        .map(|page| RecordInputs::of(page).key())
        .collect();
    let mut old = std::mem::take(&mut kept.records);
    let mut records: Vec<Option<(blake3::Hash, SearchRecord)>> = order
        .iter()
        .zip(&keys)
        .map(|(page, key)| {
            old.remove(&page.doc.source.rel)
                .filter(|(was, _)| was == key)
        })
        .collect();
    drop(old);
    let missing: Vec<&Page> = order
        .iter()
        .zip(&records)
        .filter(|(_, record)| record.is_none())
        .map(|(page, _)| *page)
        .collect();
    kept.made = missing.len();
    let mut made = records_with(&missing, site_config, &mut indexers()).into_iter();
    for (slot, key) in records.iter_mut().zip(keys) {
        if slot.is_none() {
            // Every page in `order` is indexed, so each missing one has its record.
            *slot = made.next().map(|record| (key, record));
        }
    }
    let records: Vec<(blake3::Hash, SearchRecord)> = records.into_iter().flatten().collect();
    let docs: Vec<&SearchRecord> = records.iter().map(|(_, record)| record).collect();
    let written = docs
        .iter()
        .enumerate()
        .try_for_each(|(doc, record)| {
            let (path, bytes) = fragment_file(doc, &record.fragment);
            emit(path, bytes)
        })
        .and_then(|()| write_index(&site_config.search, &docs, &mut emit));
    kept.records = records
        .into_iter()
        .map(|(key, record)| (record.page_id.clone(), (key, record)))
        .collect();
    written
}

/// Pages read at a time by [`index_site`]: small enough that a slice's fragments are a few
/// megabytes, large enough to keep both cores busy. The indexers go from slice to slice, so a
/// word is still stemmed once per indexer, not once per slice.
const INDEX_SLICE: usize = 2048;

/// Documents are numbered in this order: by URL, then page id.
fn document_order(record: &SearchRecord) -> (&str, &str) {
    (&record.url, &record.page_id)
}

/// `search/d/<doc>.js`: the fragment a result shows.
fn fragment_file(doc: usize, fragment: &str) -> (String, Vec<u8>) {
    let name = format!("d/{doc}");
    let mut bytes = Vec::with_capacity(fragment.len() + 32);
    bytes.extend_from_slice(format!("rbSearch.load(\"{name}\",").as_bytes());
    bytes.extend_from_slice(fragment.as_bytes());
    bytes.extend_from_slice(b");\n");
    (format!("search/{name}.js"), bytes)
}

/// Every file of the index but the fragments, for documents in document order.
fn write_index<E>(
    config: &SearchConfig,
    docs: &[&SearchRecord],
    mut emit: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    let boosts = boosts(config);
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(1024);
    let terms = Terms::collect(docs);
    let postings = score_postings(docs, &terms, &boosts);
    let stem_files = write_postings(&postings, &terms, &mut files);
    drop(postings);
    let vocab_keys = write_vocabulary(docs, &terms, &stem_files, &mut files);
    let facets = write_facets(docs, &mut files);

    let meta = json!({
        "v": 1,
        "n": docs.len(),
        // One string: 1,300 keys at 10,000 runbooks cost half as much without quotes and commas.
        "keys": vocab_keys.join(" "),
        "facets": facets,
    });
    files.push(("search/meta.js".into(), jsonp("meta", &meta)));
    for (path, bytes) in files {
        emit(path, bytes)?;
    }
    Ok(())
}

pub(crate) fn jsonp(name: &str, data: &Value) -> Vec<u8> {
    format!("rbSearch.load({},{});\n", Value::from(name), data).into_bytes()
}

/// The site's stems and words, numbered.
///
/// Records are independent (`serve` keeps them per page), so their stems are strings; they are
/// numbered here once per chunk of documents in parallel, then the chunks' small vocabularies
/// are merged. Ids follow first use, which depends on nothing but the sorted documents, and
/// everything written is ordered by name anyway.
struct Terms<'a> {
    stems: Vec<&'a str>,
    /// Stem ids sorted by stem.
    sorted: Vec<u32>,
    /// Documents per stem id.
    df: Vec<u32>,
    /// Documents are numbered in chunks of this many...
    chunk_len: usize,
    /// ...and for each chunk, the stem id of each term of each document, in order.
    term_stems: Vec<Vec<u32>>,
    /// Every distinct word of the site with its stem id.
    words: Vec<(&'a str, u32)>,
}

/// Strings numbered in order of first use.
#[derive(Default)]
struct Interner<'a> {
    ids: StrMap<u32>,
    names: Vec<&'a str>,
}

impl<'a> Interner<'a> {
    /// The string's id, and whether it is new.
    fn id(&mut self, name: &'a str) -> (u32, bool) {
        if let Some(id) = self.ids.get(name) {
            return (id, false);
        }
        let id = self.names.len() as u32;
        self.ids.insert(name, id);
        self.names.push(name);
        (id, true)
    }
}

/// One chunk's stems and words with chunk-local ids.
#[derive(Default)]
struct ChunkTerms<'a> {
    stems: Interner<'a>,
    /// Per local stem: some document uses the stem as a word.
    stem_is_word: Vec<bool>,
    /// The local stem id of each term of each document, in order.
    term_stems: Vec<u32>,
    /// Words that are not their own stem.
    words: Interner<'a>,
    /// The local stem id of each local word.
    word_stems: Vec<u32>,
}

impl<'a> Terms<'a> {
    fn collect(docs: &[&'a SearchRecord]) -> Self {
        let chunk_len = docs
            .len()
            .div_ceil(rayon::current_num_threads() * 4)
            .max(64);
        let chunks: Vec<ChunkTerms<'a>> = docs
            .par_chunks(chunk_len)
            .map(|chunk| {
                let mut local = ChunkTerms::default();
                for record in chunk {
                    let first = local.term_stems.len();
                    for term in &record.terms {
                        let (stem, new) = local.stems.id(record.stem(term));
                        if new {
                            local.stem_is_word.push(false);
                        }
                        local.stem_is_word[stem as usize] |= term.stem_is_word;
                        local.term_stems.push(stem);
                    }
                    for word in &record.words {
                        if local.words.id(record.text(word.surface)).1 {
                            local
                                .word_stems
                                .push(local.term_stems[first + word.term as usize]);
                        }
                    }
                }
                local
            })
            .collect();

        let mut stems = Interner::default();
        let mut stem_is_word = Vec::new();
        let mut words = Interner::default();
        let mut word_stems = Vec::new();
        let mut term_stems = Vec::with_capacity(chunks.len());
        for chunk in &chunks {
            let global: Vec<u32> = chunk.stems.names.iter().map(|s| stems.id(s).0).collect();
            stem_is_word.resize(stems.names.len(), false);
            for (&stem, &is_word) in global.iter().zip(&chunk.stem_is_word) {
                stem_is_word[stem as usize] |= is_word;
            }
            term_stems.push(global);
            for (&word, &stem) in chunk.words.names.iter().zip(&chunk.word_stems) {
                if words.id(word).1 {
                    word_stems.push(term_stems[term_stems.len() - 1][stem as usize]);
                }
            }
        }
        let term_stems: Vec<Vec<u32>> = chunks
            .par_iter()
            .zip(&term_stems)
            .map(|(chunk, global)| {
                chunk
                    .term_stems
                    .iter()
                    .map(|&id| global[id as usize])
                    .collect()
            })
            .collect();
        let mut df = vec![0u32; stems.names.len()];
        for &stem in term_stems.iter().flatten() {
            df[stem as usize] += 1;
        }

        let mut sorted: Vec<u32> = (0..stems.names.len() as u32).collect();
        sorted.par_sort_unstable_by_key(|&id| stems.names[id as usize]);
        // A word is its own stem or not, so the two lists never share a word.
        let mut all_words: Vec<(&str, u32)> = words.names.into_iter().zip(word_stems).collect();
        all_words.extend(
            (0..stems.names.len() as u32)
                .filter(|&stem| stem_is_word[stem as usize])
                .map(|stem| (stems.names[stem as usize], stem)),
        );
        Terms {
            stems: stems.names,
            sorted,
            df,
            chunk_len,
            term_stems,
            words: all_words,
        }
    }
}

/// One stem's postings, encoded: per document the delta from the previous document, the score
/// and the section bits.
struct EncodedPostings {
    stem: u32,
    df: usize,
    partial: bool,
    encoded: String,
}

/// A document's score for a term, and the term's sections there.
#[derive(Clone, Copy, Default)]
struct Posting {
    doc: u32,
    score: u32,
    sections: u32,
}

/// Postings for every stem, in stem order.
///
/// Scores are computed reading each record's terms in order, in parallel by chunk (reading
/// them stem by stem instead would jump between 10,000 records for every stem), then grouped
/// by stem with a counting sort, which keeps documents in ascending order.
fn score_postings(
    docs: &[&SearchRecord],
    terms: &Terms,
    boosts: &[f32; FIELD_COUNT],
) -> Vec<EncodedPostings> {
    let n = docs.len() as f32;
    let mut average = [0f32; FIELD_COUNT];
    for doc in docs {
        for (sum, len) in average.iter_mut().zip(doc.field_lengths) {
            *sum += len as f32;
        }
    }
    for sum in &mut average {
        *sum = (*sum / n.max(1.0)).max(1.0);
    }
    let idf: Vec<f32> = terms
        .df
        .iter()
        .map(|&df| (1.0 + (n - df as f32 + 0.5) / (df as f32 + 0.5)).ln())
        .collect();

    // Scores only (4 bytes a term, where a posting with its stem is 16): 3 million terms at
    // 10,000 runbooks.
    let scores: Vec<Vec<u32>> = docs
        .par_chunks(terms.chunk_len)
        .zip(&terms.term_stems)
        .map(|(records, stems)| {
            let mut scores = Vec::with_capacity(stems.len());
            let mut stems = stems.iter();
            for record in records {
                let lengths = &record.field_lengths;
                for (term, &stem) in record.terms.iter().zip(&mut stems) {
                    let idf = idf[stem as usize];
                    let mut score = 0.0;
                    for f in 0..FIELD_COUNT {
                        let tf = term.tf[f] as f32;
                        if tf > 0.0 {
                            let norm = 1.0 - B[f] + B[f] * lengths[f] as f32 / average[f];
                            score += boosts[f] * idf * tf * (K1 + 1.0) / (tf + K1 * norm);
                        }
                    }
                    scores.push((score * SCORE_SCALE).round().max(1.0) as u32);
                }
            }
            scores
        })
        .collect();

    let mut starts = Vec::with_capacity(terms.df.len() + 1);
    starts.push(0usize);
    for &df in &terms.df {
        starts.push(starts[starts.len() - 1] + df as usize);
    }
    let mut next = starts.clone();
    let mut grouped = vec![Posting::default(); starts[starts.len() - 1]];
    let mut doc = 0u32;
    for ((records, stems), scores) in docs
        .chunks(terms.chunk_len)
        .zip(&terms.term_stems)
        .zip(scores)
    {
        let mut stems = stems.iter().zip(scores);
        for record in records {
            for (term, (&stem, score)) in record.terms.iter().zip(&mut stems) {
                grouped[next[stem as usize]] = Posting {
                    doc,
                    score,
                    sections: term.sections,
                };
                next[stem as usize] += 1;
            }
            doc += 1;
        }
    }

    terms
        .sorted
        .par_iter()
        .map(|&stem| {
            let list = &grouped[starts[stem as usize]..starts[stem as usize + 1]];
            let df = list.len();
            let partial = df > MAX_POSTINGS;
            let mut best;
            let list = if partial {
                best = list.to_vec();
                // Best score first, then lowest document: a total order, so the same postings
                // are kept whatever the selection algorithm.
                best.select_nth_unstable_by(MAX_POSTINGS, |a, b| {
                    b.score.cmp(&a.score).then(a.doc.cmp(&b.doc))
                });
                best.truncate(MAX_POSTINGS);
                best.sort_unstable_by_key(|p| p.doc);
                &best[..]
            } else {
                list
            };
            let mut encoded = String::with_capacity(list.len() * 5);
            let mut previous = 0;
            for posting in list {
                push_varint(&mut encoded, posting.doc - previous);
                push_varint(&mut encoded, posting.score);
                push_varint(&mut encoded, posting.sections);
                previous = posting.doc;
            }
            EncodedPostings {
                stem,
                df,
                partial,
                encoded,
            }
        })
        .collect()
}

/// Appends `text` as a JSON string.
fn push_json_str(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail, and a &str always serializes.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Where a stem's postings are, by stem id: file number, document frequency, partial list.
type StemFiles = Vec<(usize, usize, bool)>;

fn write_postings(
    postings: &[EncodedPostings],
    terms: &Terms,
    files: &mut Vec<(String, Vec<u8>)>,
) -> StemFiles {
    let mut stem_files = vec![(0, 0, false); terms.stems.len()];
    let mut shard: Vec<u8> = Vec::new();
    let mut number = 0;
    let mut flush = |shard: &mut Vec<u8>, number: usize| {
        let name = format!("p/{number}");
        let mut bytes = Vec::with_capacity(shard.len() + 32);
        bytes.extend_from_slice(format!("rbSearch.load(\"{name}\",{{").as_bytes());
        bytes.extend_from_slice(shard);
        bytes.extend_from_slice(b"});\n");
        files.push((format!("search/{name}.js"), bytes));
        shard.clear();
    };
    for posting in postings {
        if !shard.is_empty() && shard.len() + posting.encoded.len() > POSTINGS_SHARD_BYTES {
            flush(&mut shard, number);
            number += 1;
        }
        if !shard.is_empty() {
            shard.push(b',');
        }
        push_json_str(&mut shard, terms.stems[posting.stem as usize]);
        shard.extend_from_slice(b":\"");
        shard.extend_from_slice(posting.encoded.as_bytes());
        shard.push(b'"');
        stem_files[posting.stem as usize] = (number, posting.df, posting.partial);
    }
    if !shard.is_empty() {
        flush(&mut shard, number);
    }
    stem_files
}

/// A word of the vocabulary, or an alert key (for the exact-alert table).
#[derive(Clone, Copy)]
enum VocabEntry<'a> {
    Word { surface: &'a str, stem: u32 },
    Alert { key: &'a str },
}

impl VocabEntry<'_> {
    fn text(&self) -> &str {
        match self {
            VocabEntry::Word { surface, .. } => surface,
            VocabEntry::Alert { key } => key,
        }
    }

    /// Roughly what the entry costs in the shard file.
    fn bytes(&self, terms: &Terms) -> usize {
        match self {
            VocabEntry::Word { surface, stem } => {
                surface.len() + terms.stems[*stem as usize].len() + 24
            }
            VocabEntry::Alert { key } => key.len() * 2 + 16,
        }
    }
}

/// Splits a shard that would pass [`VOCAB_SHARD_BYTES`] by one more character of prefix, so a
/// site where hundreds of alerts start with `Kube` still loads small files.
fn split_shard<'a>(
    key: String,
    entries: Vec<VocabEntry<'a>>,
    terms: &Terms,
    out: &mut Vec<(String, Vec<VocabEntry<'a>>)>,
) {
    let depth = key.chars().count();
    let bytes: usize = entries.iter().map(|entry| entry.bytes(terms)).sum();
    if bytes <= VOCAB_SHARD_BYTES || depth >= MAX_KEY_CHARS {
        out.push((key, entries));
        return;
    }
    let mut children: BTreeMap<String, Vec<VocabEntry>> = BTreeMap::new();
    for entry in entries {
        children
            .entry(entry.text().chars().take(depth + 1).collect())
            .or_default()
            .push(entry);
    }
    for (child, entries) in children {
        if child == key {
            out.push((child, entries));
        } else {
            split_shard(child, entries, terms, out);
        }
    }
}

/// Vocabulary shards by the first characters of each surface form; returns their keys.
fn write_vocabulary(
    docs: &[&SearchRecord],
    terms: &Terms,
    stem_files: &StemFiles,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Vec<String> {
    let mut alert_docs: BTreeMap<String, Vec<(usize, &str)>> = BTreeMap::new();
    for (doc, record) in docs.iter().enumerate() {
        for alert in &record.alerts {
            let key = alert_key(alert);
            if !key.is_empty() {
                alert_docs.entry(key).or_default().push((doc, alert));
            }
        }
    }
    let mut by_key: BTreeMap<String, Vec<VocabEntry>> = BTreeMap::new();
    for &(surface, stem) in &terms.words {
        by_key
            .entry(shard_key(surface))
            .or_default()
            .push(VocabEntry::Word { surface, stem });
    }
    for key in alert_docs.keys() {
        by_key
            .entry(shard_key(key))
            .or_default()
            .push(VocabEntry::Alert { key });
    }
    let mut shards = Vec::new();
    for (key, entries) in by_key {
        split_shard(key, entries, terms, &mut shards);
    }

    let mut rank = vec![0u32; terms.stems.len()];
    for (position, &stem) in terms.sorted.iter().enumerate() {
        rank[stem as usize] = position as u32;
    }
    let keys: Vec<String> = shards.iter().map(|(key, _)| key.clone()).collect();
    let encoded: Vec<(String, Vec<u8>)> = shards
        .into_par_iter()
        .map(|(key, entries)| {
            let mut words: Vec<(&str, u32)> = Vec::with_capacity(entries.len());
            let mut alerts: Vec<&str> = Vec::new();
            for entry in entries {
                match entry {
                    VocabEntry::Word { surface, stem } => words.push((surface, stem)),
                    VocabEntry::Alert { key } => alerts.push(key),
                }
            }
            alerts.sort_unstable();
            // A word has one stem, so words sort by surface alone; stems sort by name, which
            // is their rank.
            words.sort_unstable_by_key(|w| w.0);
            let mut stems: Vec<u32> = words.iter().map(|w| w.1).collect();
            stems.sort_unstable_by_key(|&stem| rank[stem as usize]);
            stems.dedup();

            let name = format!("v/{}", key_file_name(&key));
            let mut bytes = Vec::with_capacity(64 + words.len() * 24 + stems.len() * 24);
            bytes.extend_from_slice(b"rbSearch.load(");
            push_json_str(&mut bytes, &name);
            bytes.push(b',');
            bytes.push(b'{');
            if !alerts.is_empty() {
                bytes.extend_from_slice(b"\"a\":{");
                for (i, key) in alerts.iter().enumerate() {
                    if i > 0 {
                        bytes.push(b',');
                    }
                    push_json_str(&mut bytes, key);
                    bytes.extend_from_slice(b":[");
                    for (j, (doc, name)) in alert_docs[*key].iter().enumerate() {
                        if j > 0 {
                            bytes.push(b',');
                        }
                        let _ = write!(bytes, "[{doc},");
                        push_json_str(&mut bytes, name);
                        bytes.push(b']');
                    }
                    bytes.push(b']');
                }
                bytes.extend_from_slice(b"},");
            }
            bytes.extend_from_slice(b"\"s\":[");
            for (i, &stem) in stems.iter().enumerate() {
                let (file, df, partial) = stem_files[stem as usize];
                if i > 0 {
                    bytes.push(b',');
                }
                bytes.push(b'[');
                push_json_str(&mut bytes, terms.stems[stem as usize]);
                let _ = write!(bytes, ",{file},{df},{}]", u8::from(partial));
            }
            bytes.extend_from_slice(b"],\"w\":[");
            for (i, &(surface, stem)) in words.iter().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                push_json_str(&mut bytes, surface);
                let position = stems
                    .binary_search_by_key(&rank[stem as usize], |&s| rank[s as usize])
                    .unwrap_or(0);
                let _ = write!(bytes, ",{position}");
            }
            bytes.extend_from_slice(b"]});\n");
            (format!("search/{name}.js"), bytes)
        })
        .collect();
    files.extend(encoded);
    keys
}

/// Facet files (documents per value) and the facet table for `meta.js`: values in folded order,
/// each `[value as first written, document count]`; file `f/<facet>-<i>` lists value `i`'s documents.
fn write_facets(docs: &[&SearchRecord], files: &mut Vec<(String, Vec<u8>)>) -> Value {
    let mut table = serde_json::Map::new();
    for facet in FACETS {
        let mut values: BTreeMap<String, (String, Vec<u32>)> = BTreeMap::new();
        for (doc, record) in docs.iter().enumerate() {
            let of_doc: Vec<&str> = match facet {
                "service" => record.service.as_deref().into_iter().collect(),
                "owner" => record.owner.as_deref().into_iter().collect(),
                "severity" => record.severity.as_deref().into_iter().collect(),
                "tag" => record.tags.iter().map(String::as_str).collect(),
                _ => vec![record.kind.as_str()],
            };
            for value in of_doc {
                let entry = values
                    .entry(fold(value))
                    .or_insert_with(|| (value.to_string(), Vec::new()));
                if entry.1.last() != Some(&(doc as u32)) {
                    entry.1.push(doc as u32);
                }
            }
        }
        let mut list = Vec::with_capacity(values.len());
        for (i, (_, (display, doc_ids))) in values.into_iter().enumerate() {
            let mut encoded = String::with_capacity(doc_ids.len() * 2);
            let mut previous = 0;
            for doc in &doc_ids {
                push_varint(&mut encoded, doc - previous);
                previous = *doc;
            }
            let name = format!("f/{facet}-{i}");
            files.push((
                format!("search/{name}.js"),
                jsonp(&name, &Value::from(encoded)),
            ));
            list.push(json!([display, doc_ids.len()]));
        }
        table.insert(facet.to_string(), Value::Array(list));
    }
    Value::Object(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fixture::{config, page_from_markdown};
    use crate::search::{record_for, records_for};
    use std::convert::Infallible;

    pub(crate) fn records(pages: &[(&str, &str)]) -> Vec<SearchRecord> {
        let config = config("");
        pages
            .iter()
            .map(|(rel, text)| {
                record_for(&page_from_markdown(rel, text), &config, &[]).expect("record")
            })
            .collect()
    }

    fn file<'a>(files: &'a [(String, Vec<u8>)], path: &str) -> &'a str {
        let bytes = &files
            .iter()
            .find(|f| f.0 == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .1;
        std::str::from_utf8(bytes).expect("utf-8")
    }

    type Emit<'a> = &'a mut dyn FnMut(String, Vec<u8>) -> Result<(), Infallible>;

    /// The files an index hands on, sorted by path.
    fn streamed(index: impl FnOnce(Emit) -> Result<(), Infallible>) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let Ok(()) = index(&mut |path, bytes| {
            files.push((path, bytes));
            Ok(())
        });
        files.sort();
        files
    }

    /// `serve`'s index, from the records it kept, is a fresh index of the site after each
    /// edit, and reads again only the pages whose inputs changed.
    #[test]
    fn an_index_from_kept_records_is_a_fresh_index_and_reads_only_changed_pages() {
        let config = config("[search]\nexclude = [\"drafts/**\"]\n");
        let text = |i: usize, word: &str| format!("# Page {i}\n\nDisk {word} on node {i}.\n");
        let mut pages: Vec<Page> = (0..30)
            .map(|i| {
                let folder = if i == 7 { "drafts" } else { "ops" };
                page_from_markdown(&format!("{folder}/p{i:02}.md"), &text(i, "full"))
            })
            .collect();
        let mut kept = KeptRecords::default();
        let mut step = |pages: &[Page], made: usize, what: &str| {
            let fresh = streamed(|emit| index_site(pages, &config, emit));
            let from_kept = streamed(|emit| index_site_kept(pages, &config, &mut kept, emit));
            assert!(
                from_kept == fresh,
                "{what}: the index differs from a fresh one"
            );
            assert_eq!(kept.made(), made, "{what}: records made");
        };
        step(&pages, 29, "first index (one page excluded)");
        step(&pages, 0, "nothing changed");
        pages[3] = page_from_markdown("ops/p03.md", &text(3, "slow"));
        step(&pages, 1, "one body edited");
        // A page gets another URL, its text unchanged (linking placed it elsewhere): it moves
        // in document order, so every document number after it changes; its record alone is
        // read again.
        pages[5].url = "/zz/".into();
        step(&pages, 1, "a page moved");
        pages.remove(9);
        step(&pages, 0, "a page deleted");
        pages.push(page_from_markdown("ops/new.md", &text(99, "gone")));
        step(&pages, 1, "a page added");
        let mut alerted = pages[0].clone();
        alerted.alerts.push("DiskFull".into());
        pages[0] = alerted;
        step(&pages, 1, "an alert linked to a page");
    }

    /// A record's key moves with each input of the record, and with nothing else.
    #[test]
    fn a_record_key_is_the_page_document_and_linked_values() {
        let page = page_from_markdown("ops/disk.md", "# Disk full\n\nClean up.\n");
        let key = |page: &Page| RecordInputs::of(page).key();
        let base = key(&page);
        assert_eq!(base, key(&page.clone()));
        type Change = fn(&mut Page);
        let changes: [(&str, Change); 6] = [
            ("text", |p| p.doc.source.text.push('x')),
            ("path", |p| p.doc.source.rel.push('x')),
            ("title", |p| p.title.push('x')),
            ("url", |p| p.url.push('x')),
            ("kind", |p| p.runbook_kind.push('x')),
            ("alerts", |p| p.alerts.push(String::new())),
        ];
        for (what, change) in changes {
            let mut changed = page.clone();
            change(&mut changed);
            assert_ne!(key(&changed), base, "{what}");
        }
        // Alerts ["ab"] and ["a", "b"] are different inputs.
        let (mut one, mut two) = (page.clone(), page.clone());
        one.alerts = vec!["ab".into()];
        two.alerts = vec!["a".into(), "b".into()];
        assert_ne!(key(&one), key(&two));
        // Fields the record does not read (where the file is on disk) leave it alone.
        let mut moved = page.clone();
        moved.doc.source.path = "elsewhere/ops/disk.md".into();
        assert_eq!(key(&moved), base);
    }

    #[test]
    fn a_site_indexed_slice_by_slice_is_the_index_of_all_its_records() {
        // More pages than a slice, given out of URL order, one of them excluded.
        let config = config("[search]\nexclude = [\"drafts/**\"]\n");
        let mut pages: Vec<Page> = (0..INDEX_SLICE + 40)
            .rev()
            .map(|i| {
                let folder = if i == 7 { "drafts" } else { "ops" };
                page_from_markdown(
                    &format!("{folder}/p{i:05}.md"),
                    &format!(
                        "# Page {i}\n\nDisk {} on node {i}.\n",
                        ["full", "slow"][i % 2]
                    ),
                )
            })
            .collect();
        pages.swap(3, 700);
        let mut streamed = Vec::new();
        let Ok(()) = index_site(&pages, &config, |path, bytes| {
            streamed.push((path, bytes));
            Ok::<(), std::convert::Infallible>(())
        });
        streamed.sort();
        let all = build_index(&config.search, records_for(&pages, &config));
        assert_eq!(streamed.len(), all.len());
        assert!(streamed == all, "index_site and build_index differ");
        assert!(
            all.iter()
                .any(|f| f.0 == format!("search/d/{}.js", INDEX_SLICE + 38))
        );
        assert!(
            !all.iter()
                .any(|f| f.0 == format!("search/d/{}.js", INDEX_SLICE + 39))
        );
    }

    #[test]
    fn varints_use_five_bits_per_digit() {
        let mut out = String::new();
        for value in [0, 31, 32, 1023, 1024] {
            push_varint(&mut out, value);
            out.push(' ');
        }
        // Low five bits first; digits from `W` on say "more follows".
        assert_eq!(out, "0 V W1 _V WW1 ");
    }

    #[test]
    fn layout_has_meta_vocabulary_postings_fragments_and_facets() {
        let records = records(&[
            (
                "db/lag.md",
                "---\ntitle: Replication lag\nservice: postgres\nseverity: critical\nalerts: [PgLag]\n---\nReplicas fall behind.\n",
            ),
            (
                "web/5xx.md",
                "---\ntitle: Web 5xx errors\nservice: web\nseverity: warning\n---\nThe load balancer returns 5xx.\n",
            ),
        ]);
        let files = build_index(&SearchConfig::default(), records);
        let paths: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        for expected in [
            "search/meta.js",
            "search/d/0.js",
            "search/d/1.js",
            "search/p/0.js",
            "search/v/re.js",
            "search/v/5x.js",
            "search/v/pg.js",
            "search/f/service-0.js",
            "search/f/service-1.js",
            "search/f/severity-0.js",
            "search/f/kind-0.js",
        ] {
            assert!(
                paths.contains(&expected),
                "{expected} missing from {paths:?}"
            );
        }
        assert!(paths.windows(2).all(|w| w[0] < w[1]), "sorted by path");
        assert_eq!(
            file(&files, "search/meta.js"),
            "rbSearch.load(\"meta\",{\"facets\":{\"kind\":[[\"runbook\",2]],\"owner\":[],\"service\":[[\"postgres\",1],[\"web\",1]],\"severity\":[[\"critical\",1],[\"warning\",1]],\"tag\":[]},\"keys\":\"5x ba be er fa la lo pg po re th we\",\"n\":2,\"v\":1});\n"
        );
        assert_eq!(
            file(&files, "search/v/pg.js"),
            "rbSearch.load(\"v/pg\",{\"a\":{\"pglag\":[[0,\"PgLag\"]]},\"s\":[[\"pg\",0,1,0],[\"pglag\",0,1,0]],\"w\":[\"pg\",0,\"pglag\",1]});\n"
        );
        assert_eq!(
            file(&files, "search/f/service-1.js"),
            "rbSearch.load(\"f/service-1\",\"1\");\n"
        );
        assert!(
            file(&files, "search/d/1.js")
                .contains("\"h\":[[\"\",\"\",\"The load balancer returns 5xx.\"]]")
        );
    }

    #[test]
    fn bytes_do_not_depend_on_record_order() {
        let records = records(&[
            ("a.md", "# Alpha\n\nDisk full on the primary.\n"),
            ("b.md", "# Beta\n\nDisk latency on the replica.\n"),
            ("c.md", "# Gamma\n\n## Steps\n\nRestart the replica.\n"),
        ]);
        let backward: Vec<SearchRecord> = records.iter().rev().cloned().collect();
        assert_eq!(
            build_index(&SearchConfig::default(), records),
            build_index(&SearchConfig::default(), backward)
        );
    }

    #[test]
    fn common_terms_keep_their_best_postings_and_are_marked_partial() {
        let text: Vec<(String, String)> = (0..MAX_POSTINGS + 5)
            .map(|i| {
                (
                    format!("p{i:04}.md"),
                    format!(
                        "# Page {i}\n\nCommon words here{}.\n",
                        " common".repeat(i % 3)
                    ),
                )
            })
            .collect();
        let pages: Vec<(&str, &str)> = text.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let records = records(&pages);
        let files = build_index(&SearchConfig::default(), records);
        let vocab = file(&files, "search/v/co.js");
        let entry = &vocab[vocab.find("[\"common\",").expect("common in vocabulary")..];
        let entry = &entry[..entry.find(']').expect("entry end") + 1];
        assert!(
            entry.ends_with(&format!(",{},1]", MAX_POSTINGS + 5)),
            "{entry}"
        );
        let file_number = entry.split(',').nth(1).expect("file number");
        let postings = file(&files, &format!("search/p/{file_number}.js"));
        let list = postings
            .split("\"common\":\"")
            .nth(1)
            .expect("common postings");
        let list = &list[..list.find('"').expect("end of list")];
        let values = crate::search::query::tests_support::decode(list);
        assert_eq!(values.len(), MAX_POSTINGS * 3);
    }

    #[test]
    fn crowded_vocabulary_shards_split_by_longer_prefixes() {
        // 300 alerts sharing the prefix `kubepod` would make one 20 KB `ku` shard.
        let text: Vec<(String, String)> = (0..300)
            .map(|i| {
                (
                    format!("k{i:03}.md"),
                    format!(
                        "---\nalerts: [KubePodAlert{i:03}x]\n---\n# Kube {i}\n\nkubectl get pods\n"
                    ),
                )
            })
            .collect();
        let pages: Vec<(&str, &str)> = text.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let records = records(&pages);
        let files = build_index(&SearchConfig::default(), records);
        let meta = file(&files, "search/meta.js");
        let keys: Vec<&str> = meta
            .split("\"keys\":\"")
            .nth(1)
            .expect("keys")
            .split('"')
            .next()
            .expect("end")
            .split(' ')
            .collect();
        assert!(!keys.contains(&"ku"), "ku was split: {keys:?}");
        for key in [
            "kube",
            "kubec",
            "kubepodalert00",
            "kubepodalert15",
            "kubepodalert29",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        for (path, bytes) in files.iter().filter(|f| f.0.starts_with("search/v/")) {
            assert!(
                bytes.len() < VOCAB_SHARD_BYTES + 1024,
                "{path} is {} bytes",
                bytes.len()
            );
        }
        // The exact-alert table sits in the shard that holds the alert's key.
        assert!(
            file(&files, "search/v/kubepodalert15.js")
                .contains("\"kubepodalert150x\":[[150,\"KubePodAlert150x\"]]")
        );
        // And the client finds alerts, completions and typos across the split shards.
        use crate::search::query;
        let mut evaluator = query::in_memory(&files);
        let hits = evaluator.search("KubePodAlert150x", 3);
        assert_eq!(hits[0].url, "k150/");
        assert_eq!(hits[0].alert.as_deref(), Some("KubePodAlert150x"));
        let completions = evaluator.search("kubepodalert15", 20);
        assert_eq!(
            completions.len(),
            query::EXPANSIONS,
            "the most frequent completions"
        );
        assert!(
            completions.iter().all(|h| h.url.starts_with("k15")),
            "{completions:?}"
        );
        assert_eq!(
            evaluator.search("kubepodalret150x ", 3)[0].url,
            "k150/",
            "swapped letters"
        );
    }

    #[test]
    fn postings_shards_are_cut_by_size() {
        let text: Vec<(String, String)> = (0..400)
            .map(|i| {
                (
                    format!("p{i:04}.md"),
                    format!("# Page {i}\n\nword{i} shared text.\n"),
                )
            })
            .collect();
        let pages: Vec<(&str, &str)> = text.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let records = records(&pages);
        let files = build_index(&SearchConfig::default(), records);
        let postings: Vec<&(String, Vec<u8>)> = files
            .iter()
            .filter(|f| f.0.starts_with("search/p/"))
            .collect();
        assert!(postings.len() >= 2, "{} postings files", postings.len());
        for (path, bytes) in postings {
            assert!(
                bytes.len() < POSTINGS_SHARD_BYTES + 2048,
                "{path} is {} bytes",
                bytes.len()
            );
        }
    }
}
