//! Text to index terms: Unicode folding, word splitting, camel-case parts and English stemming.
//!
//! The browser client (`themes/default/static/search.js`) folds and splits queries with the same
//! rules (`normalize("NFKD")`, drop `\p{M}`, `toLowerCase`, runs of `[\p{Alphabetic}\p{N}]`), but
//! it never stems: the vocabulary written by the index maps every surface form seen at build time
//! to its stem, so a query word is looked up, not stemmed.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words longer than this are hashes, base64 or minified junk: not worth a vocabulary entry.
pub(crate) const MAX_WORD_CHARS: usize = 32;

/// Decomposes (NFKD) and drops combining marks, so `Überwachung` and `uberwachung` meet.
/// Case is kept: camel-case splitting needs it.
pub(crate) fn strip_diacritics(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    text.nfkd().filter(|c| !is_combining_mark(*c)).collect()
}

/// Case-folds and strips diacritics: the form every comparison uses.
pub(crate) fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    strip_diacritics(text)
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric()
}

/// Runs of letters and digits in `text`, in order, as written (not folded).
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c))
        .filter(|run| !run.is_empty())
}

/// Folded words of `text`, in order: what the client computes for a query (used by the
/// reference query engine, which only the tests and benchmarks build).
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn words(text: &str) -> Vec<String> {
    let stripped = strip_diacritics(text);
    runs(&stripped)
        .map(|run| run.chars().flat_map(char::to_lowercase).collect())
        .collect()
}

/// Lowercases `word` into `buffer` and emits it, unless it is too long to be a word.
fn emit_lowercase(word: &str, buffer: &mut String, emit: &mut impl FnMut(&str)) {
    buffer.clear();
    if word.is_ascii() {
        buffer.push_str(word);
        buffer.make_ascii_lowercase();
    } else {
        buffer.extend(word.chars().flat_map(char::to_lowercase));
    }
    if buffer.len() <= MAX_WORD_CHARS || buffer.chars().count() <= MAX_WORD_CHARS {
        emit(buffer);
    }
}

/// The humps of a camel-case run: `etcdGRPCRequestsSlow` -> `etcd`, `GRPC`, `Requests`, `Slow`.
/// Empty when the run has a single hump, so callers index the whole word only.
fn camel_parts(run: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut cuts = Vec::new();
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next = chars.get(i + 1).map(|&(_, n)| n);
        let lower_to_upper = prev.is_lowercase() && c.is_uppercase();
        let acronym_end =
            prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase);
        if lower_to_upper || acronym_end {
            cuts.push(at);
        }
    }
    if cuts.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        parts.push(&run[start..cut]);
        start = cut;
    }
    parts.push(&run[start..]);
    parts
}

/// Calls `emit(run)` with every run of letters and digits in `text`, in order, diacritics
/// stripped but case kept (camel-case splitting needs it). Runs repeat a lot, so the indexer
/// caches [`run_words`] per distinct run.
///
/// Only stretches holding non-ASCII characters are normalised: NFKD leaves ASCII alone and
/// never reorders across it (ASCII characters are starters), so cutting the text at ASCII
/// punctuation and spaces first gives the same runs as normalising all of it.
pub(crate) fn for_each_run(text: &str, mut emit: impl FnMut(&str)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        let mut ascii = true;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || !bytes[i].is_ascii()) {
            ascii &= bytes[i].is_ascii();
            i += 1;
        }
        // Cut only at ASCII bytes, so `start..i` are character boundaries.
        let stretch = &text[start..i];
        if ascii {
            emit(stretch);
        } else {
            runs(&strip_diacritics(stretch)).for_each(&mut emit);
        }
    }
}

/// Calls `emit(word)` with the folded words of one run from [`for_each_run`]: the whole run,
/// then its camel-case humps, so `KubePodCrashLooping` is found by its name and by
/// `crash looping`. Words too long to be words are skipped.
pub(crate) fn run_words(run: &str, mut emit: impl FnMut(&str)) {
    let mut lower = String::with_capacity(run.len());
    emit_lowercase(run, &mut lower, &mut emit);
    for part in camel_parts(run) {
        emit_lowercase(part, &mut lower, &mut emit);
    }
}

/// The English stemmer. Slow per call, so the indexer stems each distinct word once.
pub(crate) struct Tokenizer {
    stemmer: Stemmer,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Tokenizer {
    pub(crate) fn stem(&self, folded_word: &str) -> String {
        self.stemmer.stem(folded_word).into_owned()
    }

    /// Calls `emit(surface, stem)` for every term of `text`, in order.
    #[cfg(test)]
    pub(crate) fn terms(&self, text: &str, mut emit: impl FnMut(&str, &str)) {
        for_each_run(text, |run| {
            run_words(run, |surface| emit(surface, &self.stem(surface)));
        });
    }
}

/// An alert name as one key, for the exact-alert lookup: folded, letters and digits only.
/// `KubePodCrashLooping`, `kube_pod_crash_looping` and `kube pod crash looping` share a key.
pub(crate) fn alert_key(text: &str) -> String {
    fold(text).chars().filter(|&c| is_word_char(c)).collect()
}

/// The vocabulary shard a folded word lives in: its first two characters.
pub(crate) fn shard_key(folded_word: &str) -> String {
    folded_word.chars().take(2).collect()
}

/// A shard key as a portable file name: ASCII letters and digits as is, anything else as `_<hex>`.
pub(crate) fn key_file_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for c in key.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else {
            name.push_str(&format!("_{:x}", c as u32));
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        Tokenizer::default().terms(text, |surface, stem| {
            out.push((surface.into(), stem.into()))
        });
        out
    }

    #[test]
    fn folding_drops_case_and_diacritics() {
        assert_eq!(fold("Überwachung"), "uberwachung");
        assert_eq!(fold("CAFÉ crème"), "cafe creme");
        assert_eq!(fold("ﬁle"), "file"); // NFKD expands the ligature
        assert_eq!(
            words("Réplication-LAG (5xx)"),
            ["replication", "lag", "5xx"]
        );
    }

    #[test]
    fn stems_map_surface_forms_together() {
        assert_eq!(
            terms("Restarting restarts restarted"),
            [
                ("restarting".into(), "restart".into()),
                ("restarts".into(), "restart".into()),
                ("restarted".into(), "restart".into())
            ]
        );
    }

    #[test]
    fn camel_case_names_yield_whole_word_and_humps() {
        let surfaces: Vec<String> = terms("etcdGRPCRequestsSlow")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(
            surfaces,
            ["etcdgrpcrequestsslow", "etcd", "grpc", "requests", "slow"]
        );
        let stems: Vec<String> = terms("KubePodCrashLooping")
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(stems, ["kubepodcrashloop", "kube", "pod", "crash", "loop"]);
        assert!(camel_parts("kubectl").is_empty());
        assert!(camel_parts("HTTP").is_empty());
    }

    #[test]
    fn snake_case_and_punctuation_split_words() {
        let surfaces: Vec<String> = terms("pg_stat_replication: 5xx, p99!")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(surfaces, ["pg", "stat", "replication", "5xx", "p99"]);
    }

    #[test]
    fn junk_words_are_skipped() {
        assert!(terms(&"a".repeat(MAX_WORD_CHARS + 1)).is_empty());
        assert_eq!(terms(&"a".repeat(MAX_WORD_CHARS)).len(), 1);
    }

    #[test]
    fn runs_normalise_only_non_ascii_stretches() {
        let mut runs = Vec::new();
        for_each_run(
            "Réplication—LAG: ﬁle½x e\u{301}t (5xx) ÜberWachung",
            |run| runs.push(run.to_string()),
        );
        // The em dash and `½` (NFKD `1⁄2`) split words; `ﬁ` expands; marks are dropped.
        assert_eq!(
            runs,
            [
                "Replication",
                "LAG",
                "file1",
                "2x",
                "et",
                "5xx",
                "UberWachung"
            ]
        );
        let mut whole = Vec::new();
        let text = "Réplication—LAG: ﬁle½x e\u{301}t (5xx) ÜberWachung";
        super::runs(&strip_diacritics(text)).for_each(|run| whole.push(run.to_string()));
        assert_eq!(runs, whole, "same runs as normalising the whole text");
    }

    #[test]
    fn alert_keys_ignore_case_and_separators() {
        assert_eq!(alert_key("KubePodCrashLooping"), "kubepodcrashlooping");
        assert_eq!(alert_key("kube_pod_crash-looping"), "kubepodcrashlooping");
        assert_eq!(alert_key("Kube Pod Crash Looping"), "kubepodcrashlooping");
    }

    #[test]
    fn shard_keys_are_two_characters_with_portable_file_names() {
        assert_eq!(shard_key("kubernetes"), "ku");
        assert_eq!(shard_key("k"), "k");
        assert_eq!(key_file_name("ku"), "ku");
        assert_eq!(key_file_name("ür"), "_fcr");
        assert_eq!(key_file_name("日本"), "_65e5_672c");
    }
}
