//! Stage 6b: the search index, built from the parsed runbooks and written under `search/`.
//!
//! Two steps, so `serve` re-indexes only what changed: [`record_for`] turns one page into a
//! [`SearchRecord`] (terms with per-field counts, section texts; pure, parallel, cacheable by page
//! id; [`records_for`] does a whole site with one [`Indexer`] per chunk of pages), and
//! [`build_index`] assembles any set of records into the files the browser loads.
//! [`index_site`] is both for a whole site, handing each file on as it is made, so that a build
//! streams the result fragments to disk as it reads the pages. Every
//! file is a script calling `rbSearch.load(name, data)`, so search works from `file://` exactly as
//! over HTTP, and a query loads only what it needs:
//!
//! - `search/meta.js`: document count, vocabulary shard keys, facet values (small, loaded first);
//! - `search/v/<ab>.js`: vocabulary shard for words starting with `ab`: surface form -> stem, the
//!   stem's postings file and document frequency, and exact alert names (`a`);
//! - `search/p/<n>.js`: postings for a run of stems: per document a precomputed BM25 score and a
//!   bitmask of the sections holding the term;
//! - `search/d/<n>.js`: one result's fragment: title, URL, service, severity, section titles,
//!   anchors and plain text for excerpts and phrase checks;
//! - `search/f/<facet>-<n>.js`: the documents with one facet value (service, owner, severity, tag, kind).
//!
//! `query` holds a reference evaluator with the algorithm of `search.js`, and `fixture` builds
//! pages from Markdown through the real parse and link stages: both are for the tests and
//! benchmarks only (feature `test-support`), not in the `rb-site` binary.

mod index;
mod keys;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod query;
mod record;
mod tokenize;

#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod fixture;

pub use index::{KeptRecords, build_index, index_site, index_site_kept};
pub use record::{Indexer, SearchRecord, record_for, records_for};

/// Index fields, in the order of the per-field arrays ([`crate::config::SEARCH_FIELDS`], which
/// `[search.boosts]` names).
pub use crate::config::SEARCH_FIELDS as FIELDS;
pub(crate) const FIELD_COUNT: usize = FIELDS.len();

/// Built-in weights, overridden by `[search] boosts` in `book.toml`. An alert name or a title word
/// must beat body text, so each field is scored with its own BM25 and the scores are summed with
/// these weights (BM25F's shared saturation would let ten body mentions match one title hit).
pub(crate) const DEFAULT_BOOSTS: [f32; FIELD_COUNT] = [8.0, 10.0, 5.0, 3.0, 4.0, 3.0, 1.0, 0.3];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Title = 0,
    Alerts = 1,
    Service = 2,
    Owner = 3,
    Tags = 4,
    Headings = 5,
    Body = 6,
    Code = 7,
}

/// The facets a query can filter on, with `facet:value` in the query or a chip in the UI.
pub(crate) const FACETS: [&str; 5] = ["service", "owner", "severity", "tag", "kind"];
