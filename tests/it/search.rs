//! Search over a real runbook corpus: the relevance queries in `tests/search/relevance.json` run
//! through the Rust reference evaluator and through the real client (`search.js` in node), which
//! must agree with each other and put the expected runbook in the top 3.

use std::path::{Path, PathBuf};
use std::process::Command;

use rb_site::search::fixture::{config, page_from_markdown};
use rb_site::search::query::in_memory;
use rb_site::search::{SearchRecord, build_index, record_for};
use serde_json::Value;

/// `../shared` beside the crate; from a worktree under `wt/`, one level further up.
fn shared() -> PathBuf {
    let beside = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    let above = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared"));
    if beside.is_dir() || !above.is_dir() {
        beside
    } else {
        above
    }
}

fn relevance() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/relevance.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("relevance.json")).expect("json")
}

/// Skips loudly when the shared corpus is absent; fails under CI.
fn corpus_or_skip(rel: &str) -> Option<PathBuf> {
    let dir = shared().join(rel);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus missing under CI: {}",
        dir.display()
    );
    crate::support::skip(format!("corpus not found at {}", dir.display()));
    None
}

/// Pages of a content folder; alerts from file names, like `[alerts] name-from-file = true`.
fn records_of(content: &Path) -> Vec<SearchRecord> {
    let config = config("");
    let mut records = Vec::new();
    for entry in walkdir::WalkDir::new(content).sort_by_file_name() {
        let entry = entry.expect("walk");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let rel = path
            .strip_prefix(content)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("read");
        let mut page = page_from_markdown(&rel, &text);
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        if page.alerts.is_empty() && stem != "_index" {
            page.alerts.push(stem);
        }
        records.extend(record_for(&page, &config, &[]));
    }
    records
}

fn write_site(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, bytes) in files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    dir
}

#[test]
fn relevance_queries_find_the_expected_runbook_in_the_top_three() {
    let spec = relevance();
    let Some(content) = corpus_or_skip(spec["corpus"].as_str().expect("corpus")) else {
        return;
    };
    let records = records_of(&content);
    assert!(records.len() > 100, "{} records", records.len());
    let files = build_index(&Default::default(), records);
    let mut evaluator = in_memory(&files);

    let queries = spec["queries"].as_array().expect("queries");
    assert!(queries.len() >= 20);
    let mut failures = Vec::new();
    for q in queries {
        let query = q["query"].as_str().expect("query");
        let expect = q["expect"].as_str().expect("expect");
        let hits = evaluator.search(query, 10);
        let top: Vec<&str> = hits.iter().take(3).map(|h| h.url.as_str()).collect();
        if !top.contains(&expect) {
            failures.push(format!(
                "{query:?}: expected {expect} in top 3, got {top:?}"
            ));
        }
        if let Some(alert) = q["alert"].as_str()
            && (hits.first().map(|h| h.url.as_str()) != Some(expect)
                || hits[0].alert.as_deref() != Some(alert))
        {
            failures.push(format!(
                "{query:?}: expected {expect} first, labelled {alert}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_browser_client_ranks_exactly_like_the_reference_evaluator() {
    let spec = relevance();
    let Some(content) = corpus_or_skip(spec["corpus"].as_str().expect("corpus")) else {
        return;
    };
    if Command::new("node").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "node missing under CI");
        crate::support::skip("node not installed");
        return;
    }
    let records = records_of(&content);
    let files = build_index(&Default::default(), records);
    let site = write_site(&files);
    let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/run_queries.mjs");
    let relevance = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/relevance.json");
    let output = Command::new("node")
        .arg(harness)
        .arg(site.path())
        .arg(relevance)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Value = serde_json::from_slice(&output.stdout).expect("harness json");

    let mut evaluator = in_memory(&files);
    let queries = spec["queries"].as_array().expect("queries");
    for (q, js) in queries.iter().zip(results.as_array().expect("array")) {
        let query = q["query"].as_str().expect("query");
        let hits = evaluator.search(query, 10);
        let rust_urls: Vec<&str> = hits.iter().map(|h| h.url.as_str()).collect();
        let js_urls: Vec<&str> = js["urls"]
            .as_array()
            .expect("urls")
            .iter()
            .map(|u| u.as_str().expect("url"))
            .collect();
        assert_eq!(js_urls, rust_urls, "query {query:?}");
        let rust_alerts: Vec<Value> = hits
            .iter()
            .map(|h| h.alert.clone().map_or(Value::Null, Value::from))
            .collect();
        assert_eq!(
            js["alerts"].as_array().expect("alerts"),
            &rust_alerts,
            "query {query:?}"
        );
        let rust_sections: Vec<Value> =
            hits.iter().map(|h| serde_json::json!(h.sections)).collect();
        assert_eq!(
            js["sections"].as_array().expect("sections"),
            &rust_sections,
            "query {query:?}"
        );
    }
}

#[test]
fn the_index_of_a_corpus_is_byte_identical_across_builds_and_thread_counts() {
    let spec = relevance();
    let Some(content) = corpus_or_skip(spec["corpus"].as_str().expect("corpus")) else {
        return;
    };
    let records = records_of(&content);
    let parallel = build_index(&Default::default(), records.clone());
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| build_index(&Default::default(), records));
    assert_eq!(parallel, single);
}

/// The index built from the real pipeline's pages (load, parse, link) of the demo site in this
/// repository: alert names and symptoms find their runbooks.
#[test]
fn the_demo_site_indexes_through_the_real_pipeline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = rb_site::config::Config::load(root).expect("book.toml");
    let (site, _diagnostics, _files) = rb_site::load_site(&config).expect("load site");
    let records: Vec<SearchRecord> = site
        .pages
        .iter()
        .filter_map(|page| record_for(page, &config, &[]))
        .collect();
    assert!(records.len() >= 15, "{} records", records.len());
    let files = build_index(&config.search, records);
    let mut evaluator = in_memory(&files);
    let hits = evaluator.search("KafkaConsumerLagHigh", 3);
    assert_eq!(
        hits.first().map(|h| h.url.as_str()),
        Some("kafka/consumer-lag/")
    );
    assert_eq!(hits[0].alert.as_deref(), Some("KafkaConsumerLagHigh"));
    let hits = evaluator.search("5xx", 3);
    assert_eq!(
        hits.first().map(|h| h.url.as_str()),
        Some("api/api-5xx-error-rate/")
    );
}
