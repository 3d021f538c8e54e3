//! Save -> reload latency of `rb-site serve`: on generated sites (1,000 and 10,000 runbooks by
//! default), the time from a runbook's save to the reload event on the live-reload stream,
//! median of several edits. Plain std timing, no harness.
//!
//! Run: `cargo bench --bench serve` (sizes: `RB_SITE_BENCH_SIZES=1000,10000`, edits per kind:
//! `RB_SITE_BENCH_EDITS=7`). `RB_SITE_BENCH_BASELINE=/path/to/rb-site` also measures that
//! binary on the same site in the same run, before this one, for a before/after comparison. Needs `../shared/bench/gen_corpus.py` (or `RB_SITE_SHARED=/path/to/shared`)
//! and python3.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `../shared` beside the crate, or `RB_SITE_SHARED` (a git worktree has no `../shared`).
fn generator() -> PathBuf {
    let shared = std::env::var_os("RB_SITE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")),
        PathBuf::from,
    );
    shared.join("bench/gen_corpus.py")
}

fn main() {
    let generator = generator();
    if !generator.exists() {
        eprintln!("SKIPPED: {} is absent", generator.display());
        assert!(
            std::env::var_os("CI").is_none(),
            "the corpus generator is missing in CI"
        );
        return;
    }
    let sizes: Vec<usize> = std::env::var("RB_SITE_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let edits: usize = std::env::var("RB_SITE_BENCH_EDITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut binaries: Vec<(String, PathBuf)> = Vec::new();
    if let Some(baseline) = std::env::var_os("RB_SITE_BENCH_BASELINE") {
        binaries.push(("baseline".into(), PathBuf::from(baseline)));
    }
    binaries.push(("serve".into(), PathBuf::from(env!("CARGO_BIN_EXE_rb-site"))));
    for size in sizes {
        bench_size(&generator, size, edits, &binaries);
    }
}

fn bench_size(generator: &Path, size: usize, edits: usize, binaries: &[(String, PathBuf)]) {
    let dir =
        std::env::temp_dir().join(format!("rb-site-serve-bench-{size}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let status = Command::new("python3")
        .arg(generator)
        .arg(size.to_string())
        .arg(&dir)
        .args(["--flavor", "rbsite"])
        .stdout(Stdio::null())
        .status()
        .expect("run gen_corpus.py");
    assert!(status.success(), "gen_corpus.py failed");
    for (label, binary) in binaries {
        bench_binary(&dir, size, edits, label, binary);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Measures one binary's `serve` on the generated site in `dir` (which its edits change).
fn bench_binary(dir: &Path, size: usize, edits: usize, label: &str, binary: &Path) {
    let mut server = Server::start(binary, dir);
    let mut events = Events::connect(server.addr);
    let runbooks: Vec<PathBuf> = {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("content/runbooks"))
            .expect("runbooks folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        files
    };
    let pick = |i: usize| &runbooks[(i * 7919) % runbooks.len()];

    // A body edit: the page before the reload; print.html and the search index after it.
    let (mut body, mut body_later) = (Vec::new(), Vec::new());
    for i in 0..edits {
        let path = pick(i);
        let mut text = std::fs::read_to_string(path).expect("read");
        text.push_str(&format!("\nEdited in benchmark round {i}.\n"));
        let (reload, later) = save_and_wait(path, &text, &mut events);
        body.push(reload);
        body_later.extend(later);
    }
    // A title edit: the page and its neighbours before the reload; the pages that list it after.
    let (mut title, mut title_later) = (Vec::new(), Vec::new());
    for i in 0..edits {
        let path = pick(edits + i);
        let text = std::fs::read_to_string(path).expect("read");
        let text = text.replacen("title: \"", &format!("title: \"Round {i}: "), 1);
        let (reload, later) = save_and_wait(path, &text, &mut events);
        title.push(reload);
        title_later.extend(later);
    }
    let first_build = server.first_build.clone();
    server.stop();
    println!(
        "{label} {size} runbooks: first build: {first_build}; save->reload median {:.0} ms body edit (min {:.0}, max {:.0}), {:.0} ms title edit (min {:.0}, max {:.0}); {edits} edits each",
        median(&body),
        min(&body),
        max(&body),
        median(&title),
        min(&title),
        max(&title),
    );
    println!(
        "{label} {size} runbooks: save->deferred pass done (listings, print, search; starts after {} ms idle) median {:.0} ms body edit (max {:.0}), {:.0} ms title edit (max {:.0})",
        250,
        median(&body_later),
        max(&body_later),
        median(&title_later),
        max(&title_later),
    );
}

/// Saves `text` to `path` and returns the milliseconds until the reload event, and until the
/// deferred pass's event when the reload announced one. Waiting for it means every save meets
/// an idle server, as an author's saves (seconds apart) do.
fn save_and_wait(path: &Path, text: &str, events: &mut Events) -> (f64, Option<f64>) {
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    std::fs::write(path, text).expect("write");
    let data = events.wait_for("reload");
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    let later = data.contains("\"pending\":true").then(|| {
        events.wait_for("reload");
        started.elapsed().as_secs_f64() * 1000.0
    });
    (latency, later)
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

struct Server {
    child: Child,
    addr: SocketAddr,
    first_build: String,
}

impl Server {
    fn start(binary: &Path, root: &Path) -> Server {
        let mut child = Command::new(binary)
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rb-site serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("Built") {
                    let _ = sender.send(line);
                }
            }
        });
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("URL line");
        let addr = line
            .trim()
            .strip_prefix("Serving http://")
            .and_then(|r| r.strip_suffix('/'))
            .expect("Serving URL")
            .parse()
            .expect("address");
        let first_build = receiver
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_default()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        Server {
            child,
            addr,
            first_build,
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn connect(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .write_all(format!("GET /__rb/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .expect("send");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        Events {
            reader: BufReader::new(stream),
        }
    }

    /// Waits for the next event called `name` and returns its data.
    fn wait_for(&mut self, name: &str) -> String {
        let wanted = format!("event: {name}");
        let mut line = String::new();
        let mut found = false;
        loop {
            line.clear();
            let n = self.reader.read_line(&mut line).expect("event line");
            assert!(n > 0, "event stream closed");
            let line = line.trim_end();
            if line == wanted {
                found = true;
            } else if found && let Some(data) = line.strip_prefix("data: ") {
                return data.to_string();
            }
        }
    }
}
