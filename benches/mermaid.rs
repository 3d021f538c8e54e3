//! Mermaid rendering, cold (empty cache: every diagram laid out) and warm (cache filled: every
//! diagram read and embedded), over the flowcharts of a generated corpus.
//!
//! ```text
//! python3 ../shared/bench/gen_corpus.py 1000 /tmp/gen1k --flavor rbsite   # every 5th page has one
//! cargo bench --bench mermaid -- /tmp/gen1k
//! ```
//! Prints diagrams per second both ways, the median of several runs, by wall-clock time and (on
//! Linux) by the CPU time of the rendering thread, which a busy machine does not inflate.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

// The renderer is crate-private; the bench compiles its module directly. Under `clippy
// --all-targets` its unit tests come along, unused here.
#[allow(dead_code, unused_imports)]
#[path = "../src/render/mermaid.rs"]
mod mermaid;
// What the included module reaches in its parent, `render`.
use rb_site::render::replace_cache_file;
#[allow(dead_code, unused_imports)]
#[path = "../src/render/worker.rs"]
mod worker;

use mermaid::MermaidRenderer;

const COLD_RUNS: usize = 3;
const WARM_RUNS: usize = 7;

fn main() {
    let corpus = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-'))
        .map_or_else(|| PathBuf::from("/tmp/gen1k"), PathBuf::from);
    if !corpus.is_dir() {
        eprintln!(
            "SKIPPED: no corpus at {}; generate one with gen_corpus.py (see benches/mermaid.rs)",
            corpus.display()
        );
        return;
    }
    let diagrams = mermaid_blocks(&corpus);
    if diagrams.is_empty() {
        eprintln!("SKIPPED: no Mermaid blocks under {}", corpus.display());
        return;
    }
    println!(
        "{} Mermaid blocks under {}",
        diagrams.len(),
        corpus.display()
    );

    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..COLD_RUNS {
        let cache = tempfile::tempdir().expect("temporary cache folder");
        let renderer = MermaidRenderer::new(Some(cache.path().to_path_buf()));
        cold.push(time_all(&renderer, &diagrams));
        assert_eq!(
            renderer.layouts(),
            diagrams.len(),
            "cold run lays every diagram out"
        );
        for _ in 0..WARM_RUNS / COLD_RUNS + 1 {
            let renderer = MermaidRenderer::new(Some(cache.path().to_path_buf()));
            warm.push(time_all(&renderer, &diagrams));
            assert_eq!(
                renderer.layouts(),
                0,
                "warm run reads every diagram from the cache"
            );
        }
    }
    report("cold (layout + write cache + embed)", &cold, diagrams.len());
    report("warm (read cache + embed)", &warm, diagrams.len());
}

/// Wall-clock and thread CPU time of rendering every diagram once.
fn time_all(renderer: &MermaidRenderer, diagrams: &[String]) -> (Duration, Option<Duration>) {
    let cpu_before = thread_cpu_time();
    let started = Instant::now();
    for (n, source) in diagrams.iter().enumerate() {
        let html = renderer
            .render_figure(source, "mermaid-1", &format!("m{n}-1-"))
            .expect("generated diagrams render");
        std::hint::black_box(html);
    }
    let wall = started.elapsed();
    let cpu = thread_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    (wall, cpu)
}

/// This thread's CPU time so far, from `/proc/thread-self/schedstat` (Linux).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn report(label: &str, runs: &[(Duration, Option<Duration>)], count: usize) {
    let line = |what: &str, mut times: Vec<Duration>| {
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{label}, {what}: median {:.1} ms over {} runs, {:.0} diagrams/s ({:.2} ms each)",
            median.as_secs_f64() * 1e3,
            times.len(),
            count as f64 / median.as_secs_f64(),
            median.as_secs_f64() * 1e3 / count as f64
        );
    };
    line("wall", runs.iter().map(|run| run.0).collect());
    let cpu: Option<Vec<Duration>> = runs.iter().map(|run| run.1).collect();
    if let Some(cpu) = cpu {
        line("thread CPU", cpu);
    }
}

fn mermaid_blocks(root: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|ext| ext == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    let mut blocks = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut open: Option<String> = None;
        for event in Parser::new_ext(&text, Options::all()) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                    if info.split_whitespace().next() == Some("mermaid") =>
                {
                    open = Some(String::new());
                }
                Event::Text(code) => {
                    if let Some(source) = open.as_mut() {
                        source.push_str(&code);
                    }
                }
                Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
                _ => {}
            }
        }
    }
    blocks
}
