//! A reference evaluator of queries over the written index files, with the algorithm of
//! `themes/default/static/search.js`, so ranking can be tested in Rust on the exact bytes the
//! browser loads. Keep the two in step: the same constants, the same steps, the same order.
//!
//! 1. Parse: `facet:value` filters, `"quoted phrases"`, words (folded like the index).
//! 2. Expand each word through its vocabulary shard: the exact surface form (weight 1), for the
//!    last word while typing its completions (0.9, the 5 most frequent, from at most 4 deeper shards), and only when neither
//!    exists, for words of 5+ letters, forms one edit away (0.7, the 5 most frequent; in the word's shard and up to 3 shards whose keys are one edit from the word's start).
//! 3. Score: a word's score in a document is its best weighted expansion; the sum over words.
//!    AND over the words whose postings are complete; no document has them all, or a word is
//!    unknown: OR, each score scaled by the share of words the document has.
//! 4. Filter by facets; an exact alert name puts its runbooks first; phrases are checked against
//!    the result's text.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::FACETS;
use super::index::DIGITS;
use super::index::MAX_KEY_CHARS;
use super::tokenize::{alert_key, fold, key_file_name, words};

pub(crate) const PREFIX_WEIGHT: f64 = 0.9;
pub(crate) const TYPO_WEIGHT: f64 = 0.7;
pub(crate) const EXPANSIONS: usize = 5;
/// Completions of a short prefix read at most this many deeper vocabulary shards.
pub(crate) const DEEPER_SHARDS: usize = 4;
/// Typo tolerance reads at most this many shards besides the word's own.
pub(crate) const TYPO_SHARDS: usize = 3;
pub(crate) const TYPO_MIN_CHARS: usize = 5;
/// Fragments read at most to find results that hold a quoted phrase.
pub(crate) const PHRASE_CHECKS: usize = 50;

/// A ranked result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: u32,
    pub url: String,
    pub title: String,
    pub score: f64,
    /// The alert this runbook answers, when the query is that alert's exact name.
    pub alert: Option<String>,
    /// Anchors of the sections holding query words, in page order.
    pub sections: Vec<String>,
}

#[derive(Debug, Default)]
struct ParsedQuery {
    words: Vec<QueryWord>,
    phrases: Vec<Vec<String>>,
    filters: Vec<(String, String)>,
    alert_key: String,
}

#[derive(Debug, Clone)]
struct QueryWord {
    text: String,
    prefix: bool,
    exact: bool,
}

fn parse(query: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut all_words: Vec<String> = Vec::new();
    let push_word = |parsed: &mut ParsedQuery, text: String, exact: bool| {
        if let Some(existing) = parsed.words.iter_mut().find(|w| w.text == text) {
            existing.exact &= exact;
        } else {
            parsed.words.push(QueryWord {
                text,
                prefix: false,
                exact,
            });
        }
    };
    let mut last_is_open_word = false;
    for (i, piece) in query.split('"').enumerate() {
        if i % 2 == 1 {
            let phrase = words(piece);
            all_words.extend(phrase.iter().cloned());
            for word in &phrase {
                push_word(&mut parsed, word.clone(), true);
            }
            if phrase.len() > 1 {
                parsed.phrases.push(phrase);
            }
            last_is_open_word = false;
            continue;
        }
        for chunk in piece.split_whitespace() {
            if let Some((facet, value)) = chunk.split_once(':') {
                let facet = facet.to_lowercase();
                if FACETS.contains(&facet.as_str()) && !value.is_empty() {
                    parsed.filters.push((facet, fold(value)));
                    continue;
                }
            }
            for word in words(chunk) {
                all_words.push(word.clone());
                push_word(&mut parsed, word, false);
            }
        }
        last_is_open_word =
            !piece.is_empty() && !piece.ends_with(char::is_whitespace) && !words(piece).is_empty();
    }
    if last_is_open_word
        && let Some(last) = all_words.last()
        && let Some(word) = parsed.words.iter_mut().find(|w| &w.text == last)
        && !word.exact
    {
        word.prefix = true;
    }
    parsed.alert_key = alert_key(&all_words.concat());
    parsed
}

/// Optimal string alignment distance is at most one (one insertion, deletion, substitution or
/// swap of neighbours).
pub(crate) fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if start == la && start == lb {
        return true;
    }
    let (ra, rb) = (&a[start..], &b[start..]);
    if la == lb {
        ra[1..] == rb[1..]
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
    } else if la > lb {
        ra[1..] == *rb
    } else {
        *ra == rb[1..]
    }
}

fn decode_varints(encoded: &str) -> Vec<u32> {
    let mut values = Vec::new();
    let (mut value, mut shift) = (0u32, 0u32);
    for byte in encoded.bytes() {
        let digit = DIGITS.iter().position(|&d| d == byte).unwrap_or(0) as u32;
        value |= (digit & 31) << shift;
        if digit < 32 {
            values.push(value);
            value = 0;
            shift = 0;
        } else {
            shift += 5;
        }
    }
    values
}

/// A stem reached from a query word, with its weight and where its postings are.
#[derive(Debug, Clone)]
struct Expansion {
    stem: String,
    file: u64,
    df: u64,
    partial: bool,
    weight: f64,
}

/// A vocabulary shard: stems `(stem, postings file, df, partial)`, words `(surface, stem index)`
/// in file order, and the exact-alert table.
#[derive(Debug, Clone)]
struct Shard {
    stems: Vec<(String, u64, u64, bool)>,
    words: Vec<(String, usize)>,
    alerts: Value,
}

impl Shard {
    fn expansion(&self, index: usize, weight: f64) -> Option<Expansion> {
        let (stem, file, df, partial) = self.stems.get(index)?;
        Some(Expansion {
            stem: stem.clone(),
            file: *file,
            df: *df,
            partial: *partial,
            weight,
        })
    }
}

/// Adds up to [`EXPANSIONS`] new stems from `candidates`, the most frequent first.
fn add_expansions(found: &mut BTreeMap<String, Expansion>, mut candidates: Vec<Expansion>) {
    candidates.sort_by(|a, b| b.df.cmp(&a.df).then(a.stem.cmp(&b.stem)));
    let mut taken = 0;
    for candidate in candidates {
        if taken == EXPANSIONS {
            break;
        }
        if found.contains_key(&candidate.stem) {
            continue;
        }
        taken += 1;
        found.insert(candidate.stem.clone(), candidate);
    }
}

/// Reads index files through `load(name)` (`"meta"`, `"v/ku"`, `"p/3"`...), parsed once each.
pub struct Evaluator<F: FnMut(&str) -> Option<Value>> {
    load: F,
    cache: HashMap<String, Value>,
}

/// The data of a `rbSearch.load(name, data);` file.
pub fn parse_jsonp(bytes: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix("rbSearch.load(")?;
    let rest = &rest[rest.find(',')? + 1..];
    let rest = rest.trim_end().strip_suffix(");")?;
    serde_json::from_str(rest).ok()
}

impl<F: FnMut(&str) -> Option<Value>> Evaluator<F> {
    pub fn new(load: F) -> Self {
        Evaluator {
            load,
            cache: HashMap::new(),
        }
    }

    fn file(&mut self, name: &str) -> Value {
        if let Some(value) = self.cache.get(name) {
            return value.clone();
        }
        let value = (self.load)(name).unwrap_or(Value::Null);
        self.cache.insert(name.to_string(), value.clone());
        value
    }

    /// The key of the vocabulary shard holding `word`: its longest prefix that is a shard key.
    fn shard_key_for(&mut self, word: &str) -> Option<String> {
        let keys = self.keys();
        let chars: Vec<char> = word.chars().collect();
        (1..=chars.len().min(MAX_KEY_CHARS))
            .rev()
            .map(|n| chars[..n].iter().collect::<String>())
            .find(|prefix| keys.binary_search(prefix).is_ok())
    }

    fn keys(&mut self) -> Vec<String> {
        let meta = self.file("meta");
        let mut keys: Vec<String> = meta["keys"]
            .as_str()
            .unwrap_or("")
            .split(' ')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        keys.sort();
        keys
    }

    fn shard(&mut self, key: &str) -> Shard {
        let data = self.file(&format!("v/{}", key_file_name(key)));
        let stems = data["s"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                Some((
                    s[0].as_str()?.to_string(),
                    s[1].as_u64()?,
                    s[2].as_u64()?,
                    s[3].as_u64()? == 1,
                ))
            })
            .collect();
        let words = data["w"]
            .as_array()
            .map(|w| {
                w.chunks(2)
                    .filter_map(|p| {
                        Some((
                            p.first()?.as_str()?.to_string(),
                            p.get(1)?.as_u64()? as usize,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Shard {
            stems,
            words,
            alerts: data["a"].clone(),
        }
    }

    fn shard_for(&mut self, word: &str) -> Option<Shard> {
        let key = self.shard_key_for(word)?;
        Some(self.shard(&key))
    }

    /// Other shards that may hold a word one edit from `chars`: the shard of the word with its
    /// first two letters swapped, and keys of 3+ letters one edit from the word's start (a
    /// typo inside a long key, as in crowded alert-name prefixes); the longest first, at most
    /// [`TYPO_SHARDS`].
    fn typo_keys(&mut self, chars: &[char]) -> Vec<String> {
        let word: String = chars.iter().collect();
        let own = self.shard_key_for(&word);
        let swapped: String = [chars[1], chars[0]].iter().chain(&chars[2..]).collect();
        let mut found: Vec<String> = Vec::new();
        if let Some(key) = self.shard_key_for(&swapped)
            && Some(&key) != own.as_ref()
        {
            found.push(key);
        }
        let mut near: Vec<String> = self
            .keys()
            .into_iter()
            .filter(|key| {
                let key: Vec<char> = key.chars().collect();
                let n = key.len();
                n >= 3
                    && (n - 1..=n + 1)
                        .any(|m| m <= chars.len() && within_one_edit(&key, &chars[..m]))
            })
            .filter(|key| Some(key) != own.as_ref() && !found.contains(key))
            .collect();
        near.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        found.extend(near);
        found.truncate(TYPO_SHARDS);
        found
    }

    fn expand(&mut self, word: &QueryWord) -> Vec<Expansion> {
        let chars: Vec<char> = word.text.chars().collect();
        let own = self.shard_for(&word.text);
        let mut found: BTreeMap<String, Expansion> = BTreeMap::new();
        if let Some(shard) = &own
            && let Some(&(_, index)) = shard.words.iter().find(|(w, _)| *w == word.text)
        {
            add_expansions(
                &mut found,
                shard.expansion(index, 1.0).into_iter().collect(),
            );
        }
        if word.prefix && chars.len() >= 2 {
            let mut shards: Vec<Shard> = own.iter().cloned().collect();
            let deeper: Vec<String> = self
                .keys()
                .into_iter()
                .filter(|k| k.chars().count() > chars.len() && k.starts_with(&word.text))
                .collect();
            if deeper.len() <= DEEPER_SHARDS {
                for key in deeper {
                    shards.push(self.shard(&key));
                }
            }
            let mut candidates = Vec::new();
            for shard in &shards {
                for (surface, index) in &shard.words {
                    if surface.len() > word.text.len() && surface.starts_with(&word.text) {
                        candidates.extend(shard.expansion(*index, PREFIX_WEIGHT));
                    }
                }
            }
            add_expansions(&mut found, candidates);
        }
        if found.is_empty() && !word.exact && chars.len() >= TYPO_MIN_CHARS {
            let mut shards: Vec<Shard> = own.iter().cloned().collect();
            for key in self.typo_keys(&chars) {
                shards.push(self.shard(&key));
            }
            let mut candidates = Vec::new();
            for shard in &shards {
                for (surface, index) in &shard.words {
                    let surface: Vec<char> = surface.chars().collect();
                    if within_one_edit(&chars, &surface) {
                        candidates.extend(shard.expansion(*index, TYPO_WEIGHT));
                    }
                }
            }
            add_expansions(&mut found, candidates);
        }
        found.into_values().collect()
    }

    /// Postings of a stem: `(doc, score, section bits)`.
    fn postings(&mut self, expansion: &Expansion) -> Vec<(u32, f64, u32)> {
        let shard = self.file(&format!("p/{}", expansion.file));
        let values = decode_varints(shard[&expansion.stem].as_str().unwrap_or(""));
        let mut doc = 0;
        values
            .chunks(3)
            .filter(|c| c.len() == 3)
            .map(|c| {
                doc += c[0];
                (doc, c[1] as f64, c[2])
            })
            .collect()
    }

    fn facet_docs(&mut self, facet: &str, value: &str) -> BTreeSet<u32> {
        let meta = self.file("meta");
        let position = meta["facets"][facet].as_array().and_then(|values| {
            values
                .iter()
                .position(|v| v[0].as_str().is_some_and(|d| fold(d) == value))
        });
        let Some(i) = position else {
            return BTreeSet::new();
        };
        let data = self.file(&format!("f/{facet}-{i}"));
        let mut doc = 0;
        decode_varints(data.as_str().unwrap_or(""))
            .into_iter()
            .map(|delta| {
                doc += delta;
                doc
            })
            .collect()
    }

    fn fragment(&mut self, doc: u32) -> Value {
        self.file(&format!("d/{doc}"))
    }

    fn has_phrase(&mut self, doc: u32, phrase: &[String]) -> bool {
        let fragment = self.fragment(doc);
        let mut text = fragment["t"].as_str().unwrap_or("").to_string();
        for section in fragment["h"].as_array().into_iter().flatten() {
            for part in [&section[0], &section[2]] {
                text.push(' ');
                text.push_str(part.as_str().unwrap_or(""));
            }
        }
        let page_words = words(&text);
        page_words.windows(phrase.len()).any(|w| w == phrase)
    }

    /// The best `limit` results for `query`.
    pub fn search(&mut self, query: &str, limit: usize) -> Vec<Hit> {
        let parsed = parse(query);
        let groups: Vec<Vec<Expansion>> = parsed
            .words
            .iter()
            .filter(|w| !(w.prefix && w.text.chars().count() < 2))
            .map(|w| self.expand(w))
            .collect();

        // doc -> (score per group, section bits)
        let mut per_doc: BTreeMap<u32, (Vec<f64>, u32)> = BTreeMap::new();
        let mut group_full = Vec::with_capacity(groups.len());
        for (g, group) in groups.iter().enumerate() {
            group_full.push(!group.is_empty() && group.iter().all(|e| !e.partial));
            for expansion in group {
                for (doc, score, sections) in self.postings(expansion) {
                    let entry = per_doc
                        .entry(doc)
                        .or_insert_with(|| (vec![0.0; groups.len()], 0));
                    entry.0[g] = entry.0[g].max(expansion.weight * score);
                    entry.1 |= sections;
                }
            }
        }
        let active: Vec<usize> = (0..groups.len())
            .filter(|&g| !groups[g].is_empty())
            .collect();
        let missing = groups.len() - active.len();
        let mut required: Vec<usize> = active.iter().copied().filter(|&g| group_full[g]).collect();
        if required.is_empty() {
            required = active.clone();
        }
        let and_docs: Vec<u32> = if missing == 0 {
            per_doc
                .iter()
                .filter(|(_, (scores, _))| required.iter().all(|&g| scores[g] > 0.0))
                .map(|(&doc, _)| doc)
                .collect()
        } else {
            Vec::new()
        };
        let or_mode = and_docs.is_empty();
        let mut ranked: Vec<(u32, f64, u32)> = Vec::new();
        if or_mode {
            for (&doc, (scores, sections)) in &per_doc {
                let matched = scores.iter().filter(|&&s| s > 0.0).count();
                let total: f64 = scores.iter().sum();
                ranked.push((doc, total * matched as f64 / groups.len() as f64, *sections));
            }
        } else {
            for doc in and_docs {
                let (scores, sections) = &per_doc[&doc];
                ranked.push((doc, scores.iter().sum(), *sections));
            }
        }

        let mut allowed: Option<BTreeSet<u32>> = None;
        for (facet, value) in &parsed.filters {
            let docs = self.facet_docs(facet, value);
            allowed = Some(match allowed {
                None => docs,
                Some(previous) => previous.intersection(&docs).copied().collect(),
            });
        }
        if groups.is_empty()
            && let Some(allowed) = &allowed
        {
            ranked = allowed.iter().map(|&doc| (doc, 0.0, 0)).collect();
        }
        if let Some(allowed) = &allowed {
            ranked.retain(|(doc, _, _)| allowed.contains(doc));
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

        let mut pinned: Vec<(u32, String)> = Vec::new();
        if !parsed.alert_key.is_empty() {
            let alerts = self
                .shard_for(&parsed.alert_key)
                .map_or(Value::Null, |shard| shard.alerts);
            for entry in alerts[&parsed.alert_key].as_array().into_iter().flatten() {
                if let (Some(doc), Some(name)) = (entry[0].as_u64(), entry[1].as_str()) {
                    let doc = doc as u32;
                    if allowed.as_ref().is_none_or(|a| a.contains(&doc))
                        && !pinned.iter().any(|p| p.0 == doc)
                    {
                        pinned.push((doc, name.to_string()));
                    }
                }
            }
        }

        let mut hits = Vec::new();
        for (doc, name) in &pinned {
            let (score, sections) = ranked
                .iter()
                .find(|r| r.0 == *doc)
                .map_or((0.0, 0), |r| (r.1, r.2));
            hits.push(self.hit(*doc, score, sections, Some(name.clone())));
        }
        let mut checked = 0;
        for (doc, score, sections) in ranked {
            if hits.len() >= limit {
                break;
            }
            if pinned.iter().any(|p| p.0 == doc) {
                continue;
            }
            if !parsed.phrases.is_empty() {
                if checked == PHRASE_CHECKS {
                    break;
                }
                checked += 1;
                let phrases = parsed.phrases.clone();
                if !phrases.iter().all(|p| self.has_phrase(doc, p)) {
                    continue;
                }
            }
            hits.push(self.hit(doc, score, sections, None));
        }
        hits.truncate(limit);
        hits
    }

    fn hit(&mut self, doc: u32, score: f64, section_bits: u32, alert: Option<String>) -> Hit {
        let fragment = self.fragment(doc);
        let sections = fragment["h"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .skip(1)
            .filter(|(i, _)| section_bits & (1 << (*i).min(30)) != 0)
            .filter_map(|(_, s)| s[1].as_str().map(str::to_string))
            .collect();
        Hit {
            doc,
            url: fragment["u"].as_str().unwrap_or("").to_string(),
            title: fragment["t"].as_str().unwrap_or("").to_string(),
            score,
            alert,
            sections,
        }
    }
}

/// An evaluator over files held in memory, as [`super::build_index`] returns them.
pub fn in_memory(files: &[(String, Vec<u8>)]) -> Evaluator<impl FnMut(&str) -> Option<Value> + '_> {
    let by_path: HashMap<&str, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    Evaluator::new(move |name: &str| {
        parse_jsonp(by_path.get(format!("search/{name}.js").as_str())?)
    })
}

#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) fn decode(encoded: &str) -> Vec<u32> {
        super::decode_varints(encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SearchConfig;
    use crate::search::fixture::{config, page_from_markdown};
    use crate::search::{SearchRecord, build_index, record_for};

    fn site(pages: &[(&str, &str)], search: &SearchConfig) -> Vec<(String, Vec<u8>)> {
        let config = config("");
        let records: Vec<SearchRecord> = pages
            .iter()
            .map(|(rel, text)| {
                record_for(&page_from_markdown(rel, text), &config, &[]).expect("record")
            })
            .collect();
        build_index(search, records)
    }

    const PAGES: &[(&str, &str)] = &[
        (
            "db/replication-lag.md",
            "---\ntitle: Replication lag\nservice: postgres\nowner: dba\nseverity: critical\nalerts: [PostgresReplicationLag]\n---\nReplicas fall behind the primary.\n\n## Diagnosis\n\nCheck the WAL sender.\n\n## Mitigation\n\nRestart the replica after checking disk space.\n",
        ),
        (
            "db/connection-pool.md",
            "---\ntitle: Connection pool exhausted\nservice: postgres\nowner: dba\nseverity: warning\nalerts: [PgBouncerPoolFull]\n---\nClients wait for a connection from the pool.\n\n## Steps\n\nRaise the pool size. Replication is unaffected.\n",
        ),
        (
            "web/http-5xx.md",
            "---\ntitle: Web 5xx errors\nservice: web\nowner: sre\nseverity: critical\nalerts: [HighErrorRate]\n---\nThe load balancer returns 5xx when the connection pool of the backend is full.\n\n## Rollback\n\nRoll back the last deploy.\n",
        ),
        (
            "platform/disk-full.md",
            "---\ntitle: Disk almost full\nservice: platform\nowner: sre\nseverity: warning\nalerts: [NodeDiskAlmostFull]\n---\nThe disk of a node fills up. Replication lag can follow on database hosts.\n",
        ),
    ];

    fn urls(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.url.as_str()).collect()
    }

    fn search(query: &str) -> Vec<Hit> {
        let files = site(PAGES, &SearchConfig::default());
        in_memory(&files).search(query, 10)
    }

    #[test]
    fn parses_filters_phrases_and_the_open_last_word() {
        let parsed = parse("service:Postgres \"connection pool\" repl");
        assert_eq!(
            parsed.filters,
            [("service".to_string(), "postgres".to_string())]
        );
        assert_eq!(
            parsed.phrases,
            [vec!["connection".to_string(), "pool".to_string()]]
        );
        let words: Vec<(&str, bool, bool)> = parsed
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.prefix, w.exact))
            .collect();
        assert_eq!(
            words,
            [
                ("connection", false, true),
                ("pool", false, true),
                ("repl", true, false)
            ]
        );
        assert!(!parse("repl ").words[0].prefix);
        assert_eq!(
            parse("Kube Pod crash-looping").alert_key,
            "kubepodcrashlooping"
        );
    }

    #[test]
    fn one_edit_covers_insert_delete_substitute_and_swap() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        for (a, b, expected) in [
            ("replication", "replication", true),
            ("replicaton", "replication", true),
            ("replicationn", "replication", true),
            ("replixation", "replication", true),
            ("rpelication", "replication", true),
            ("replicatoin", "replication", true),
            ("rpelicatoin", "replication", false),
            ("replica", "replication", false),
        ] {
            assert_eq!(
                within_one_edit(&chars(a), &chars(b)),
                expected,
                "{a} vs {b}"
            );
        }
    }

    #[test]
    fn title_words_rank_above_body_mentions() {
        assert_eq!(
            urls(&search("replication")),
            [
                "db/replication-lag/",
                "platform/disk-full/",
                "db/connection-pool/"
            ]
        );
    }

    #[test]
    fn exact_alert_name_pins_its_runbook_with_a_label() {
        let hits = search("pgbouncerpoolfull");
        assert_eq!(urls(&hits), ["db/connection-pool/"]);
        assert_eq!(hits[0].alert.as_deref(), Some("PgBouncerPoolFull"));
        let hits = search("NodeDiskAlmostFull");
        assert_eq!(hits[0].url, "platform/disk-full/");
        assert_eq!(hits[0].alert.as_deref(), Some("NodeDiskAlmostFull"));
    }

    #[test]
    fn stemming_and_prefixes_find_other_forms() {
        let files = site(
            &[
                ("a.md", "# Alpha\n\nThe pods keep restarting.\n"),
                ("b.md", "# Beta\n\nRestart the pod.\n"),
            ],
            &SearchConfig::default(),
        );
        assert_eq!(
            urls(&in_memory(&files).search("restart ", 10)),
            ["a/", "b/"]
        );
        assert_eq!(urls(&in_memory(&files).search("pods ", 10)), ["a/", "b/"]);
        assert_eq!(
            urls(&search("connec")),
            ["db/connection-pool/", "web/http-5xx/"]
        );
        assert_eq!(
            urls(&search("connec ")),
            [] as [&str; 0],
            "a finished word is not a prefix"
        );
    }

    #[test]
    fn typos_of_five_letters_or_more_are_forgiven() {
        assert_eq!(urls(&search("replicaton lag "))[0], "db/replication-lag/");
        assert_eq!(
            urls(&search("dsik "))[..],
            [] as [&str; 0],
            "four letters: no typo tolerance"
        );
    }

    #[test]
    fn all_words_must_match_else_any() {
        assert_eq!(urls(&search("pool backend")), ["web/http-5xx/"]);
        // No page has both: fall back to pages with either.
        assert_eq!(
            urls(&search("wal balancer")),
            ["db/replication-lag/", "web/http-5xx/"]
        );
    }

    #[test]
    fn phrases_must_appear_in_order() {
        assert_eq!(
            urls(&search("\"connection pool\"")),
            ["db/connection-pool/", "web/http-5xx/"]
        );
        assert_eq!(urls(&search("\"pool connection\"")), [] as [&str; 0]);
    }

    #[test]
    fn facet_filters_narrow_results() {
        assert_eq!(
            urls(&search("replication service:postgres")),
            ["db/replication-lag/", "db/connection-pool/"]
        );
        assert_eq!(
            urls(&search("owner:sre")),
            ["platform/disk-full/", "web/http-5xx/"]
        );
        assert_eq!(
            urls(&search("replication severity:warning")),
            ["platform/disk-full/", "db/connection-pool/"]
        );
        assert_eq!(urls(&search("replication service:nope")), [] as [&str; 0]);
    }

    #[test]
    fn sub_results_name_the_matching_sections() {
        let hits = search("disk");
        let lag = hits
            .iter()
            .find(|h| h.url == "db/replication-lag/")
            .expect("lag runbook");
        assert_eq!(lag.sections, ["mitigation"]);
    }

    #[test]
    fn boosts_from_config_change_the_ranking() {
        let mut boosts = SearchConfig::default();
        boosts.boosts.insert("title".into(), 0.0);
        boosts.boosts.insert("body".into(), 20.0);
        let files = site(PAGES, &boosts);
        let hits = in_memory(&files).search("replication", 10);
        assert_ne!(hits[0].url, "db/replication-lag/");
    }
}
