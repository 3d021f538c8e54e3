//! Search index build benchmark: `cargo bench --bench search -- [DIR...] [--write OUT] [--runs N]`.
//!
//! Each DIR is a generated site (`gen_corpus.py N DIR --flavor rbsite`, default `/tmp/gen1k` and
//! `/tmp/gen10k`). Pages are parsed from its Markdown by the real parse and link stages
//! (`search::fixture`), then timed (median of several runs): the whole index build, that
//! is records for all pages (parallel) and `build_index` over them, and each part on its own. `--write OUT` also writes a browsable site (one HTML
//! page per runbook with the search box, plus the index) for the side-by-side with Pagefind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rb_site::model::Page;
use rb_site::search::fixture::{config, page_from_markdown};
use rb_site::search::{SearchRecord, build_index, record_for, records_for};

/// CPU seconds (user + system) this process used so far, from /proc (Linux); 0 elsewhere. The
/// machine may be shared: CPU time says what the work costs whatever else runs.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn markdown_files(content: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = walkdir::WalkDir::new(content)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(content)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(e.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

fn write_site(out: &Path, pages: &[Page], files: &[(String, Vec<u8>)]) {
    let _ = std::fs::remove_dir_all(out);
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static");
    std::fs::create_dir_all(out.join("static")).expect("mkdir");
    for name in ["search.js", "search.css"] {
        std::fs::copy(theme.join(name), out.join("static").join(name)).expect("copy theme file");
    }
    for (path, bytes) in files {
        let target = out.join(path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    pages.par_iter().for_each(|page| {
        let depth = page.url.matches('/').count();
        let root = "../".repeat(depth);
        let mut body = String::new();
        pulldown_cmark::html::push_html(&mut body, rb_site::parse::events(&page.doc).into_iter().map(|(e, _)| e));
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
             <link rel=\"stylesheet\" href=\"{root}static/search.css\"></head><body>\n<header>\
             <div class=\"rb-search\" data-search-root=\"{root}search/\">\n  <input type=\"search\" id=\"rb-search-input\" \
             placeholder=\"Search runbooks\" autocomplete=\"off\" spellcheck=\"false\" aria-label=\"Search runbooks\" \
             aria-controls=\"rb-search-results\" aria-expanded=\"false\">\n  <div id=\"rb-search-results\" \
             class=\"rb-search-results\" role=\"listbox\" hidden></div>\n</div>\n<script src=\"{root}static/search.js\" defer></script>\
             </header>\n<main data-pagefind-body>\n{body}</main></body></html>\n",
            title = page.title.replace('<', "&lt;"),
        );
        let dir = out.join(&page.url);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("index.html"), html).expect("write page");
    });
}

fn main() {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut write: Option<PathBuf> = None;
    let mut runs = 7;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--write" => write = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            other => dirs.push(PathBuf::from(other)),
        }
    }
    if dirs.is_empty() {
        dirs = vec![PathBuf::from("/tmp/gen1k"), PathBuf::from("/tmp/gen10k")];
    }
    let config = config("");
    for dir in dirs {
        let content = dir.join("content");
        if !content.is_dir() {
            eprintln!(
                "SKIPPED: {} has no content/ (run gen_corpus.py N {} --flavor rbsite)",
                dir.display(),
                dir.display()
            );
            continue;
        }
        let started = Instant::now();
        let sources = markdown_files(&content);
        let pages: Vec<Page> = sources
            .par_iter()
            .map(|(rel, text)| page_from_markdown(rel, text))
            .collect();
        let parse = started.elapsed();

        // The figure that matters is the whole build: records for every page, then assembly and
        // encoding of every output byte, as `rb-site build` runs it. The two parts are also
        // reported on their own.
        let mut total_times = Vec::new();
        let mut record_times = Vec::new();
        let mut build_times = Vec::new();
        let mut files = Vec::new();
        let cpu_before = cpu_seconds();
        for _ in 0..runs {
            let started = Instant::now();
            let records: Vec<SearchRecord> = records_for(&pages, &config);
            let recorded = started.elapsed();
            files = build_index(&Default::default(), records);
            let total = started.elapsed();
            record_times.push(recorded);
            build_times.push(total - recorded);
            total_times.push(total);
        }
        let total_cpu = (cpu_seconds() - cpu_before) / runs as f64;
        let one_page = {
            let started = Instant::now();
            let _ = record_for(&pages[pages.len() / 2], &config, &[]);
            started.elapsed()
        };
        let bytes: usize = files.iter().map(|f| f.1.len()).sum();
        let digest = {
            let mut hasher = blake3::Hasher::new();
            for (path, bytes) in &files {
                hasher.update(path.as_bytes());
                hasher.update(&(bytes.len() as u64).to_le_bytes());
                hasher.update(bytes);
            }
            hasher.finalize().to_hex()[..16].to_string()
        };
        let count = |prefix: &str| files.iter().filter(|f| f.0.starts_with(prefix)).count();
        let size = |prefix: &str| {
            files
                .iter()
                .filter(|f| f.0.starts_with(prefix))
                .map(|f| f.1.len())
                .sum::<usize>()
        };
        println!(
            "site {}: {} pages (parse from Markdown {:.0} ms, not part of the index)",
            dir.display(),
            pages.len(),
            parse.as_secs_f64() * 1e3
        );
        println!(
            "  index build, records + assembly: median {:.0} ms of {runs} (CPU {:.0} ms per run)",
            median(total_times).as_secs_f64() * 1e3,
            total_cpu * 1e3
        );
        println!(
            "    records, all pages (parallel): median {:.0} ms",
            median(record_times).as_secs_f64() * 1e3,
        );
        println!(
            "    build_index (assemble shards): median {:.0} ms",
            median(build_times).as_secs_f64() * 1e3,
        );
        println!(
            "  record, one page:                {:.2} ms",
            one_page.as_secs_f64() * 1e3
        );
        println!(
            "  index: {} files, {:.1} MB (vocabulary {} files {:.1} MB, postings {} files {:.1} MB, fragments {} files {:.1} MB, facets {} files {:.2} MB, meta {:.1} KB)",
            files.len(),
            bytes as f64 / 1e6,
            count("search/v/"),
            size("search/v/") as f64 / 1e6,
            count("search/p/"),
            size("search/p/") as f64 / 1e6,
            count("search/d/"),
            size("search/d/") as f64 / 1e6,
            count("search/f/"),
            size("search/f/") as f64 / 1e6,
            size("search/meta.js") as f64 / 1e3,
        );
        println!("  index digest (blake3 of paths and bytes): {digest}");
        let largest = files
            .iter()
            .filter(|f| !f.0.starts_with("search/d/"))
            .max_by_key(|f| f.1.len());
        if let Some((path, bytes)) = largest {
            println!("  largest shard: {path} {:.1} KB", bytes.len() as f64 / 1e3);
        }
        if let Some(out) = &write {
            let name = dir
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let out = PathBuf::from(out.to_string_lossy().replace("{}", &name));
            write_site(&out, &pages, &files);
            println!("  wrote site to {}", out.display());
        }
    }
}
