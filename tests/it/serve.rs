//! `rb-site serve` end to end: the binary on `--port 0` over a temp copy of
//! `tests/fixtures/serve`, spoken to with raw HTTP over TCP (so nothing hides what the server
//! really sends: buffering, headers, status lines).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Generous: the machine may be busy; a reload normally takes well under a second.
const DEADLINE: Duration = Duration::from_secs(20);

fn copy_fixture() -> tempfile::TempDir {
    crate::support::fixture("serve")
}

/// A running `rb-site serve`, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    addr: SocketAddr,
    root: PathBuf,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    pub(crate) fn start(root: &Path, extra: &[&str]) -> Server {
        Server::spawn(root, extra, None)
    }

    /// [`Server::start`] with its stderr appended to the file `log`.
    fn start_logging_to(root: &Path, log: &Path) -> Server {
        Server::spawn(root, &[], Some(log))
    }

    fn spawn(root: &Path, extra: &[&str], log: Option<&Path>) -> Server {
        let stderr = match log {
            Some(log) => Stdio::from(std::fs::File::create(log).expect("log file")),
            None => Stdio::piped(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_rb-site"))
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn rb-site serve");
        let stdout = child.stdout.take().expect("stdout");
        let (line_sender, line_receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_sender.send(line);
            }
        });
        let (err_sender, err_receiver) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let _ = err_sender.send(line);
                }
            });
        }
        let line = line_receiver
            .recv_timeout(DEADLINE)
            .expect("serve prints its URL on stdout");
        let url = line
            .strip_prefix("Serving http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Server {
            child,
            addr: url.parse().expect("host:port"),
            root: root.to_path_buf(),
            stderr: err_receiver,
        }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        request(self.addr, method, path, headers)
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[])
    }

    fn events(&self) -> Events {
        Events::connect(self.addr)
    }

    fn content(&self, rel: &str) -> PathBuf {
        self.root.join("content").join(rel)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Content-Length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read reply");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// A raw server-sent-events connection to `/__rb/events`.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn connect(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).expect("connect events");
        stream
            .write_all(format!("GET /__rb/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .expect("send");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut events = Events {
            reader: BufReader::new(stream),
        };
        let mut status = String::new();
        events.read_line_before(Instant::now() + DEADLINE, &mut status);
        assert_eq!(status.trim_end(), "HTTP/1.1 200 OK");
        events
    }

    /// Reads one line, retrying short read timeouts until the deadline.
    fn read_line_before(&mut self, deadline: Instant, line: &mut String) {
        loop {
            match self.reader.read_line(line) {
                Ok(0) => panic!("the event stream closed"),
                Ok(_) => return,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    assert!(
                        Instant::now() < deadline,
                        "no complete line within the deadline (buffered?)"
                    );
                }
                Err(e) => panic!("reading events: {e}"),
            }
        }
    }

    /// The next named event, as (name, data).
    fn next(&mut self) -> (String, String) {
        let deadline = Instant::now() + DEADLINE;
        let (mut name, mut data) = (String::new(), String::new());
        loop {
            let mut line = String::new();
            self.read_line_before(deadline, &mut line);
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if !name.is_empty() {
                    return (name, data);
                }
                continue;
            }
            if let Some(value) = line.strip_prefix("event: ") {
                name = value.to_string();
            } else if let Some(value) = line.strip_prefix("data: ") {
                data = value.to_string();
            }
        }
    }

    /// Waits for the reload after an edit, and for the deferred pass's when one follows;
    /// returns the generation of the first.
    fn reload(&mut self) -> u64 {
        let event = self.reload_event();
        if event["pending"] == true {
            self.reload_event();
        }
        event["generation"].as_u64().expect("generation")
    }

    /// Waits for a `reload` event and returns its data: generation, changed paths, pending.
    fn reload_event(&mut self) -> serde_json::Value {
        loop {
            let (name, data) = self.next();
            if name == "reload" {
                return serde_json::from_str(&data).expect("reload data is JSON");
            }
        }
    }
}

/// A server on a fresh copy of the fixture, its event stream past the greeting. Keep the folder
/// alive as long as the server.
fn serve_fixture(extra: &[&str]) -> (tempfile::TempDir, Server, Events) {
    let dir = copy_fixture();
    let server = Server::start(dir.path(), extra);
    let mut events = server.events();
    events.next();
    (dir, server, events)
}

/// Saves the failover runbook with its first step's opening words replaced by `to`.
fn edit_failover(server: &Server, to: &str) {
    let failover = server.content("db/failover.md");
    let text = edit(&failover, "Promote the replica when", to);
    std::fs::write(&failover, text).expect("write");
}

fn edit(path: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} contains {from:?}", path.display());
    text.replacen(from, to, 1)
}

#[test]
fn serve_answers_from_memory_with_proper_http() {
    let dir = copy_fixture();
    let server = Server::start(dir.path(), &[]);

    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        home.body
            .contains("Runbooks for the <code>serve</code> tests.")
    );
    assert!(
        home.body.contains(
            "<script src=\"./__rb/live.js\" data-root=\"./\" data-path=\"index.html\" data-generation=\"1\"></script></body>"
        ),
        "the live script goes before </body>"
    );
    let page = server.get("/db/failover/");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Promote the replica when the primary is gone")
    );
    assert!(
        page.body
            .contains("<script src=\"../../__rb/live.js\" data-root=\"../../\"")
    );

    let css = server.get("/static/style.css");
    assert_eq!(
        (css.status, css.header("Content-Type")),
        (200, Some("text/css; charset=utf-8"))
    );
    assert!(!css.body.contains("__rb"), "only HTML gets the script");
    let script = server.get("/__rb/live.js");
    assert_eq!(
        script.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.body.contains("EventSource"));

    let head = server.request("HEAD", "/db/failover/", &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    assert_eq!(head.header("Content-Length"), page.header("Content-Length"));

    let post = server.request("POST", "/", &[]);
    assert_eq!(
        (post.status, post.header("Allow")),
        (405, Some("GET, HEAD"))
    );
    let delete = server.request("DELETE", "/db/failover/", &[]);
    assert_eq!(delete.status, 405);

    let etag = page.header("ETag").expect("an ETag").to_string();
    let again = server.request("GET", "/db/failover/", &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    let other = server.request("GET", "/db/failover/", &[("If-None-Match", "\"nope\"")]);
    assert_eq!(other.status, 200);

    let folder = server.get("/db/failover");
    assert_eq!(
        (folder.status, folder.header("Location")),
        (301, Some("failover/"))
    );

    let missing = server.get("/db/no-such-page/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("<html"),
        "the site's 404 page: {}",
        missing.body
    );

    // A file beside the site root that a traversal would reach if the server read the disk.
    std::fs::write(dir.path().join("secret.txt"), "top secret").expect("secret");
    for path in [
        "/../secret.txt",
        "/db/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/db%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/db/failover/%00",
        "//secret.txt",
        "/book.toml",
        "/content/db/failover.md",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("top secret"), "{path}");
    }
    assert!(
        !dir.path().join("site").exists(),
        "serve writes nothing without --write"
    );
}

#[test]
fn serve_reloads_after_a_plain_write_and_an_atomic_rename() {
    let dir = copy_fixture();
    let server = Server::start(dir.path(), &[]);
    let mut events = server.events();
    // The first event arrives at once: the stream is flushed, not buffered by tiny_http.
    assert_eq!(events.next(), ("hello".to_string(), "1".to_string()));

    let failover = server.content("db/failover.md");
    let text = edit(
        &failover,
        "Promote the replica when",
        "Promote the standby when",
    );
    std::fs::write(&failover, text).expect("plain write");
    // Each edit's reload is followed by the deferred pass's (print binders, the search index).
    assert_eq!(events.reload(), 2);
    let page = server.get("/db/failover/");
    assert!(
        page.body.contains("Promote the standby when"),
        "new content after the reload"
    );
    assert!(page.body.contains("data-generation=\"3\""));

    // Editors' atomic save: write a temp file beside it, rename it over the original.
    let text = edit(
        &failover,
        "Promote the standby when",
        "Promote the hot standby when",
    );
    let temp = server.content("db/.failover.md.tmp-123");
    std::fs::write(&temp, text).expect("temp write");
    std::fs::rename(&temp, &failover).expect("rename");
    assert_eq!(events.reload(), 4);
    assert!(
        server
            .get("/db/failover/")
            .body
            .contains("Promote the hot standby when")
    );

    // Editor temp files alone cause no rebuild: the next reload is the next real edit.
    std::fs::write(server.content("db/failover.md.swp"), "x").expect("swap file");
    std::fs::write(server.content("db/4913"), "").expect("vim probe");
    std::thread::sleep(Duration::from_millis(300));
    let text = edit(&failover, "hot standby", "warm standby");
    std::fs::write(&failover, text).expect("plain write");
    // Had the temp files caused a rebuild, generation 6 would be theirs, without the edit.
    assert_eq!(events.reload(), 6);
    assert!(
        server
            .get("/db/failover/")
            .body
            .contains("Promote the warm standby when")
    );
}

/// `rb-site serve > serve.log` with the log in the content folder: the log is a file of the
/// site, and each line serve printed about a rebuild used to cause the next rebuild, forever
/// (found adopting the monitoring mixins, whose content folder is the repository's root).
#[test]
fn serve_does_not_rebuild_on_its_own_output() {
    let dir = copy_fixture();
    let log = dir.path().join("content/serve.log");
    let server = Server::start_logging_to(dir.path(), &log);
    let mut events = server.events();
    assert_eq!(events.next(), ("hello".to_string(), "1".to_string()));
    // Startup and the first requests print to the log; nothing may come of it.
    std::thread::sleep(Duration::from_millis(1500));
    edit_failover(&server, "Promote the standby when");
    // Generation 2 is the edit's: had the log's lines caused rebuilds, they would have come
    // first, and would keep coming.
    assert_eq!(events.reload(), 2);
    std::thread::sleep(Duration::from_millis(1500));
    let printed = std::fs::read_to_string(&log).expect("log");
    assert_eq!(
        printed.matches("Rebuilt in").count(),
        1,
        "one rebuild, for the edit:\n{printed}"
    );
    assert!(
        server
            .get("/db/failover/")
            .body
            .contains("Promote the standby when")
    );
}

/// The paths a reload event names.
fn named_paths(event: &serde_json::Value) -> Vec<&str> {
    event["paths"]
        .as_array()
        .expect("the event names its paths")
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect()
}

#[test]
fn serve_reloads_the_edited_page_first_and_the_pages_that_list_it_after() {
    let (_dir, server, mut events) = serve_fixture(&[]);

    // A body edit: the page alone, then its print binder and the search index.
    edit_failover(&server, "Promote the standby when");
    let first = events.reload_event();
    assert_eq!(first["pending"], true);
    assert_eq!(named_paths(&first), ["db/failover/index.html"]);
    let second = events.reload_event();
    assert_eq!(second["pending"], false);
    assert_eq!(
        second["generation"].as_u64(),
        first["generation"].as_u64().map(|g| g + 1)
    );
    let later = named_paths(&second);
    assert!(later.contains(&"print/db/index.html"), "{later:?}");
    assert!(!later.contains(&"db/failover/index.html"), "{later:?}");

    // A title edit: the page and the one beside it, then the section, home and navigation.
    let backup = server.content("db/backup.md");
    let text = edit(
        &backup,
        "title: \"Backup restore\"",
        "title: \"Restore a backup\"",
    );
    std::fs::write(&backup, text).expect("write");
    let first = events.reload_event();
    assert_eq!(
        named_paths(&first),
        ["db/backup/index.html", "db/failover/index.html"]
    );
    assert!(server.get("/db/backup/").body.contains("Restore a backup"));
    let later = events.reload_event();
    let later = named_paths(&later);
    for path in [
        "index.html",
        "db/index.html",
        "static/nav.js",
        "print/db/index.html",
    ] {
        assert!(later.contains(&path), "{path} in {later:?}");
    }
    assert!(!later.contains(&"api/latency/index.html"), "{later:?}");
    assert!(server.get("/db/").body.contains("Restore a backup"));
}

#[test]
fn serve_shows_errors_in_an_overlay_until_they_are_fixed() {
    let (_dir, server, mut events) = serve_fixture(&[]);

    let failover = server.content("db/failover.md");
    let good = std::fs::read_to_string(&failover).expect("read");
    let broken = edit(
        &failover,
        "title: \"Database failover\"",
        "title: [Database failover",
    )
    .replace("Promote the replica when", "Promote the standby when");
    std::fs::write(&failover, broken).expect("break");
    events.reload();
    let page = server.get("/db/failover/");
    assert!(
        page.body.contains("<div id=\"rb-live-overlay\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "<code class=\"rb-live-code\">front-matter-syntax</code> <span class=\"rb-live-loc\">content/db/failover.md:3:8</span>"
    ));
    assert!(
        page.body.contains("Promote the replica when"),
        "the last good page is still served"
    );
    let home = server.get("/");
    assert!(
        home.body.contains("<div id=\"rb-live-overlay\""),
        "every page shows the overlay"
    );

    // Fixed, but with a warning: the overlay goes, a badge comes.
    std::fs::write(
        &failover,
        good.replace("owner: team-db", "owner: team-db\nownr: x"),
    )
    .expect("fix");
    events.reload();
    let page = server.get("/db/failover/");
    assert!(!page.body.contains("<div id=\"rb-live-overlay\""));
    assert!(page.body.contains("<div id=\"rb-live-badge\""));
    assert!(page.body.contains("unknown-field"));

    std::fs::write(&failover, good).expect("clean");
    events.reload();
    let page = server.get("/db/failover/");
    assert!(
        !page.body.contains("rb-live-"),
        "no overlay, no badge, no style"
    );
}

#[test]
fn serve_rebuilds_on_a_new_page_and_a_template_change() {
    let (dir, server, mut events) = serve_fixture(&[]);

    std::fs::write(
        server.content("api/errors.md"),
        "---\ntitle: API errors\nowner: team-edge\nkind: reference\n---\n\n# API errors\n\nToo many 5xx.\n",
    )
    .expect("new page");
    events.reload();
    assert!(server.get("/api/errors/").body.contains("Too many 5xx."));

    let templates = dir.path().join("themes/default/templates");
    std::fs::create_dir_all(&templates).expect("theme dir");
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/templates/base.html"
    ))
    .expect("base.html")
    .replace("</body>", "<p>custom footer</p></body>");
    std::fs::write(templates.join("base.html"), base).expect("template");
    events.reload();
    assert!(
        server
            .get("/db/failover/")
            .body
            .contains("<p>custom footer</p>")
    );
}

#[test]
fn serve_with_poll_sees_changes_too() {
    let (_dir, server, mut events) = serve_fixture(&["--poll"]);
    edit_failover(&server, "Polled edit: promote when");
    events.reload();
    assert!(
        server
            .get("/db/failover/")
            .body
            .contains("Polled edit: promote when")
    );
}

#[test]
fn serve_reports_a_port_in_use_and_suggests_another() {
    let dir = copy_fixture();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_rb-site"))
        .args(["serve", "--root"])
        .arg(dir.path())
        .args(["--port", &port])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "port {port} on 127.0.0.1 is already in use; choose another with --port"
        )),
        "{stderr}"
    );
}

/// Ctrl-C in the terminal, and SIGTERM from `kill`, systemd or a container runtime: both end
/// `serve` with exit 0 and "Stopped" (the signal's default action would end it silently, with
/// 143 for SIGTERM).
#[cfg(unix)]
#[test]
fn serve_stops_cleanly_on_ctrl_c_and_sigterm() {
    for signal in ["-INT", "-TERM"] {
        let dir = copy_fixture();
        let mut server = Server::start(dir.path(), &[]);
        assert_eq!(server.get("/").status, 200);
        let status = Command::new("kill")
            .args([signal, &server.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let started = Instant::now();
        let exit = loop {
            if let Some(exit) = server.child.try_wait().expect("wait") {
                break exit;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "still running after kill {signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(exit.success(), "kill {signal}: {exit:?}");
        let lines: Vec<String> = server.stderr.iter().collect();
        assert_eq!(
            lines.last().map(String::as_str),
            Some("Stopped"),
            "kill {signal}"
        );
    }
}

/// Bounded load test, 127.0.0.1 only: 20 client threads for 10 s, every request must succeed.
/// Run: `cargo test --release --test it serve::load -- --ignored --nocapture`
#[test]
#[ignore = "a 10-second load test; run it on purpose"]
fn load_20_clients_for_10_seconds() {
    let dir = copy_fixture();
    let server = Server::start(dir.path(), &[]);
    let paths = [
        "/",
        "/db/failover/",
        "/db/backup/",
        "/api/latency/",
        "/static/style.css",
        "/static/nav.js",
        "/tags/",
        "/nope/",
    ];
    let until = Instant::now() + Duration::from_secs(10);
    let addr = server.addr;
    let workers: Vec<_> = (0..20)
        .map(|t| {
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut failures = 0;
                let mut i = t;
                while Instant::now() < until {
                    let path = paths[i % paths.len()];
                    i += 1;
                    let started = Instant::now();
                    let reply = request(addr, "GET", path, &[]);
                    latencies.push(started.elapsed());
                    let expected = if path == "/nope/" { 404 } else { 200 };
                    if reply.status != expected || reply.body.is_empty() {
                        failures += 1;
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (l, f) = worker.join().expect("worker");
        latencies.extend(l);
        failures += f;
    }
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    eprintln!(
        "load: {} requests in 10 s ({:.0}/s), {failures} failed, p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        latencies.len() as f64 / 10.0,
        pick(0.5),
        pick(0.99),
        latencies.last().copied().unwrap_or_default()
    );
    assert_eq!(failures, 0);
}

/// Issue 14 F8: a request head over 16 KB is answered 431 at once, however much more the client
/// sends, and the server goes on answering others.
#[test]
fn issue_14_serve_caps_request_heads() {
    let (_dir, server, _events) = serve_fixture(&[]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let started = Instant::now();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Huge: ")
        .expect("send");
    // Up to 64 MB of one header line; the server stops reading long before.
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..64 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{reply:.200}"
    );
    assert!(started.elapsed() < DEADLINE);
    assert_eq!(server.get("/").status, 200);
    // Just under the limit is fine.
    let filler = "b".repeat(15 * 1024);
    assert_eq!(
        server.request("GET", "/", &[("X-Fill", &filler)]).status,
        200
    );
}

/// Issue 14 F2: what a symbolic link brings from outside the site is not served either.
#[cfg(unix)]
#[test]
fn issue_14_serve_does_not_serve_files_from_outside() {
    let dir = copy_fixture();
    let content = dir.path().join("content");
    std::os::unix::fs::symlink("/etc/passwd", content.join("passwd.txt")).expect("symlink");
    std::os::unix::fs::symlink("/etc", content.join("etc")).expect("symlink");
    let server = Server::start(dir.path(), &[]);
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/passwd.txt").status, 404);
    assert_eq!(server.get("/etc/passwd").status, 404);
    assert_eq!(server.get("/etc/hostname").status, 404);
    // Nor a link made while serving.
    std::os::unix::fs::symlink("/etc/hostname", content.join("hostname.txt")).expect("symlink");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(server.get("/hostname.txt").status, 404);
}
