//! Pages built from Markdown through the real parse and link stages, for the search tests and
//! benchmark: the index is tested on exactly what `rb-site build` gives it. Test-only (feature
//! `test-support`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::model::{Page, SourceFile};

/// A config from `book.toml` text, rooted at the current folder.
pub fn config(book_toml: &str) -> Config {
    Config::from_toml(Path::new("."), book_toml).expect("test config")
}

/// A page from a content-relative path and the file's text (front matter optional), parsed and
/// placed with the default configuration as a build would.
pub fn page_from_markdown(rel: &str, text: &str) -> Page {
    page_with(&config(""), rel, text)
}

/// [`page_from_markdown`] with a given configuration.
pub fn page_with(config: &Config, rel: &str, text: &str) -> Page {
    let source = SourceFile {
        path: format!("content/{rel}"),
        rel: rel.to_string(),
        text: text.to_string(),
    };
    let (doc, _) = crate::parse::parse_document(config, source);
    let (page, _) = crate::link::place(config, doc, &BTreeMap::new());
    page
}
