//! `rb-site check` over a generated site of 10,000 runbooks: load, parse, link and validate.
//!
//! Run with `cargo bench --bench check`. The site is generated once into `/tmp/gen10k` by
//! `/work/shared/bench/gen_corpus.py` (or the folder named by `RB_SITE_BENCH_SITE`); the
//! figure is the median of five runs, after one warm-up run that fills the page cache.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 5;

fn main() {
    let site = std::env::var_os("RB_SITE_BENCH_SITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/gen10k"));
    if !site.join("book.toml").is_file() {
        let generator = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/gen_corpus.py");
        eprintln!("generating 10,000 runbooks into {}", site.display());
        let status = Command::new("python3")
            .arg(generator)
            .arg("10000")
            .arg(&site)
            .args(["--flavor", "rbsite"])
            .status();
        match status {
            Ok(status) if status.success() => {}
            other => {
                eprintln!("SKIPPED: cannot generate the site with {generator}: {other:?}");
                return;
            }
        }
    }
    let config = match rb_site::config::Config::load(&site) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("cannot load {}: {err:#}", site.display());
            std::process::exit(2);
        }
    };

    let mut times = Vec::with_capacity(RUNS);
    let mut summary = String::new();
    for run in 0..=RUNS {
        let started = Instant::now();
        let checked = match rb_site::check(&config) {
            Ok(checked) => checked,
            Err(err) => {
                eprintln!("check failed: {err:#}");
                std::process::exit(2);
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        summary = format!(
            "{} files, {} errors, {} warnings",
            checked.files,
            checked.report.errors(),
            checked.report.warnings()
        );
        // Run 0 warms the page cache and is not counted.
        if run > 0 {
            times.push(seconds);
        }
    }
    stage_breakdown(&config);
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "check: median {median:.3} s over {RUNS} runs (min {:.3} s, max {:.3} s; {} threads); {summary}",
        times[0],
        times[times.len() - 1],
        rayon::current_num_threads()
    );
}

/// One more run, stage by stage, to say where the time goes.
fn stage_breakdown(config: &rb_site::config::Config) {
    let started = Instant::now();
    let Ok(loaded) = rb_site::load::load(config) else {
        return;
    };
    let load = started.elapsed().as_secs_f64();
    let assets = loaded.assets.iter().map(|(rel, _)| rel.clone()).collect();
    let started = Instant::now();
    let (documents, _) = rb_site::parse::parse_all(config, loaded.files);
    let parse = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (site, _) = rb_site::link::link(config, documents, assets);
    let link = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let diagnostics = rb_site::validate::validate(config, &site);
    let validate = started.elapsed().as_secs_f64();
    let started = Instant::now();
    drop(site);
    let drop = started.elapsed().as_secs_f64();
    eprintln!(
        "stages: load {load:.3} s, parse {parse:.3} s, link {link:.3} s, validate {validate:.3} s ({} diagnostics), drop {drop:.3} s",
        diagnostics.len()
    );
}
