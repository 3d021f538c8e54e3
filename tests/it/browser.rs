//! Browser tests of the default theme: build the demo site with the `rb-site` binary, serve it on
//! 127.0.0.1 from a small in-test static file server, and drive Debian's headless Chromium with
//! `tests/browser/theme.spec.mjs` (playwright-core + axe-core from npm).
//!
//! Without Chromium or `tests/browser/node_modules` the test skips loudly; with the env var `CI`
//! set it fails instead, so CI can never pass by skipping. Screenshots land in
//! `target/browser-artifacts/`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
/// The whole node run (about a minute on two cores) is cut off after this.
const NODE_DEADLINE: Duration = Duration::from_secs(600);

/// Serves one folder over HTTP on a random 127.0.0.1 port until dropped, with a fixed pool of
/// workers: a response stuck on a client that stopped reading must not stall the other requests.
struct StaticServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

const SERVER_WORKERS: usize = 8;

impl StaticServer {
    fn start(root: &Path) -> StaticServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let addr = server.server_addr().to_ip().expect("an IP listen address");
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..SERVER_WORKERS)
            .map(|_| {
                let (server, stop, root) =
                    (Arc::clone(&server), Arc::clone(&stop), root.to_path_buf());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        match server.recv_timeout(Duration::from_millis(50)) {
                            Ok(Some(request)) => respond(&root, request),
                            Ok(None) => {}
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        StaticServer {
            addr,
            stop,
            workers,
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Maps a request path to a file under `root`: folders serve their `index.html`; anything that
/// would climb out of `root` is refused.
fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let relative = Path::new(decoded.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("xml") => "application/xml",
        Some("png") => "image/png",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Writes the whole response by hand to send `Connection: close`, which tiny_http's `respond`
/// cannot: tiny_http 0.12 dispatches connections to a thread pool that can lose a wake-up, and
/// a new connection then waits behind Chromium's idle keep-alive ones (page loads stalled 30 s).
fn respond(root: &Path, request: tiny_http::Request) {
    let (file, status) = match resolve(root, request.url()) {
        Some(file) => (Some(file), "200 OK"),
        None => (
            Some(root.join("404.html")).filter(|f| f.is_file()),
            "404 Not Found",
        ),
    };
    let body = file
        .as_deref()
        .and_then(|f| std::fs::read(f).ok())
        .unwrap_or_default();
    let kind = file
        .as_deref()
        .map_or("text/plain; charset=utf-8", content_type);
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut writer = request.into_writer();
    let _ = writer
        .write_all(head.as_bytes())
        .and_then(|()| writer.write_all(&body))
        .and_then(|()| writer.flush());
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    let chromium = std::env::var("RB_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "{chromium} not found (apt-get install -y chromium)"
        ));
    }
    let modules = Path::new(MANIFEST_DIR).join("tests/browser/node_modules/playwright-core");
    if !modules.is_dir() {
        return Some("tests/browser/node_modules missing (cd tests/browser && npm ci)".into());
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        _ => Some("`node` is not on PATH".into()),
    }
}

/// What the on-call checks (`oncall.spec.mjs`) need beyond the browser: its print checks read
/// the PDF Chromium prints with poppler's `pdftotext`.
fn missing_oncall_prerequisite() -> Option<String> {
    missing_prerequisite().or_else(|| {
        Command::new("pdftotext")
            .arg("-v")
            .output()
            .is_err()
            .then(|| "`pdftotext` is not on PATH (apt-get install -y poppler-utils)".into())
    })
}

fn run_with_deadline(command: &mut Command, deadline: Duration) -> ExitStatus {
    let mut child = command.spawn().expect("start node");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            return status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("browser tests did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn build_demo_site(dest: &Path) {
    let build = Command::new(env!("CARGO_BIN_EXE_rb-site"))
        .args(["build", "--root", MANIFEST_DIR, "--dest"])
        .arg(dest)
        .output()
        .expect("run rb-site build");
    assert!(
        build.status.success(),
        "rb-site build of the demo site failed ({}):\n{}",
        build.status,
        String::from_utf8_lossy(&build.stderr)
    );
}

#[test]
fn theme_and_search_in_headless_chromium() {
    if let Some(why) = missing_oncall_prerequisite() {
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests cannot run in CI: {why}"
        );
        crate::support::skip(format!(
            "needs Chromium, playwright-core, node and pdftotext: {why}"
        ));
        return;
    }
    // RB_BROWSER_SITE serves an already built site instead, to iterate on the theme quickly.
    let built;
    let site = match std::env::var_os("RB_BROWSER_SITE") {
        Some(dir) => PathBuf::from(dir),
        None => {
            built = tempfile::tempdir().expect("temp dir");
            build_demo_site(built.path());
            built.path().to_path_buf()
        }
    };
    assert!(
        site.join("index.html").is_file(),
        "no index.html in the built site {}",
        site.display()
    );
    let server = StaticServer::start(&site);
    let artifacts = Path::new(MANIFEST_DIR).join("target/browser-artifacts");
    let status = run_with_deadline(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
            .args([
                "tests/browser/theme.spec.mjs",
                "tests/browser/search.spec.mjs",
                "tests/browser/oncall.spec.mjs",
            ])
            .current_dir(MANIFEST_DIR)
            .env("RB_SITE_LABEL", "demo")
            .env("RB_SITE_URL", server.base_url())
            .env("RB_SITE_DIR", &site)
            .env("RB_ARTIFACTS_DIR", &artifacts),
        NODE_DEADLINE,
    );
    drop(server);
    assert!(
        status.success(),
        "browser tests failed ({status}); screenshots in {}",
        artifacts.display()
    );
}

/// Issue 15 at scale: the on-call checks of `oncall.spec.mjs` (bounded pages, services, print
/// binders, phones, print, search panel) on a generated 1,000-runbook site
/// (`../shared/bench/gen_corpus.py 1000 --flavor rbsite`).
#[test]
fn issue15_oncall_site_at_1000_runbooks_in_headless_chromium() {
    let generator = Path::new(MANIFEST_DIR).join("../shared/bench/gen_corpus.py");
    let why = missing_oncall_prerequisite()
        .or_else(|| (!generator.is_file()).then(|| format!("{} not found", generator.display())));
    if let Some(why) = why {
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests cannot run in CI: {why}"
        );
        crate::support::skip(format!("1,000-runbook browser tests: {why}"));
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let corpus = work.path().join("corpus");
    let generated = Command::new("python3")
        .arg(&generator)
        .args(["1000"])
        .arg(&corpus)
        .args(["--flavor", "rbsite"])
        .output()
        .expect("run python3 gen_corpus.py");
    assert!(
        generated.status.success(),
        "gen_corpus.py failed: {}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let site = work.path().join("site");
    let build = Command::new(env!("CARGO_BIN_EXE_rb-site"))
        .args(["build", "--root"])
        .arg(&corpus)
        .arg("--dest")
        .arg(&site)
        .output()
        .expect("run rb-site build");
    // The generated runbooks are all past their review date: warnings, not errors.
    assert!(
        build.status.success(),
        "rb-site build of 1,000 runbooks failed ({})",
        build.status
    );
    let server = StaticServer::start(&site);
    let artifacts = Path::new(MANIFEST_DIR).join("target/browser-artifacts");
    let status = run_with_deadline(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
            .arg("tests/browser/oncall.spec.mjs")
            .current_dir(MANIFEST_DIR)
            .env("RB_SITE_LABEL", "1k")
            .env("RB_SITE_URL", server.base_url())
            .env("RB_SITE_DIR", &site)
            .env("RB_ARTIFACTS_DIR", &artifacts),
        NODE_DEADLINE,
    );
    drop(server);
    assert!(
        status.success(),
        "1,000-runbook browser tests failed ({status}); screenshots in {}",
        artifacts.display()
    );
}

/// One raw HTTP/1.0 GET, enough to check the test server without another crate.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let kind = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    (status, kind, body.to_string())
}

#[test]
fn static_server_serves_folders_assets_and_the_404_page() {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(root.path().join("db/fail over")).expect("mkdir");
    std::fs::write(root.path().join("index.html"), "home").expect("write");
    std::fs::write(root.path().join("db/fail over/index.html"), "runbook").expect("write");
    std::fs::write(root.path().join("style.css"), "a{}").expect("write");
    std::fs::write(root.path().join("404.html"), "not here").expect("write");
    let server = StaticServer::start(root.path());

    assert_eq!(
        get(server.addr, "/"),
        (200, "text/html; charset=utf-8".into(), "home".into())
    );
    assert_eq!(get(server.addr, "/db/fail%20over/?x=1").2, "runbook");
    assert_eq!(
        get(server.addr, "/style.css?v=abc"),
        (200, "text/css; charset=utf-8".into(), "a{}".into())
    );
    assert_eq!(get(server.addr, "/nope/").0, 404);
    assert_eq!(get(server.addr, "/nope/").2, "not here");
    assert_eq!(get(server.addr, "/../etc/passwd").0, 404);
    assert_eq!(get(server.addr, "/db/%2E%2E/%2E%2E/Cargo.toml").0, 404);
}

/// `rb-site serve` in a real browser: an edit on disk changes the open page without a manual
/// reload, and build errors show in an overlay that clears when fixed.
#[test]
fn serve_live_reload_in_headless_chromium() {
    if let Some(why) = missing_prerequisite() {
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests cannot run in CI: {why}"
        );
        crate::support::skip(format!("needs Chromium, playwright-core and node: {why}"));
        return;
    }
    let artifacts = Path::new(MANIFEST_DIR).join("target/browser-artifacts");
    let status = run_with_deadline(
        Command::new("node")
            .args([
                "--test",
                "--test-reporter=spec",
                "tests/browser/serve.spec.mjs",
            ])
            .current_dir(MANIFEST_DIR)
            .env("RB_SITE_BIN", env!("CARGO_BIN_EXE_rb-site"))
            .env("RB_ARTIFACTS_DIR", &artifacts),
        NODE_DEADLINE,
    );
    assert!(status.success(), "serve browser tests failed ({status})");
}
