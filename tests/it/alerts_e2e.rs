//! Issue 13's proof with the real programs: a fixture site's rules, fixed by `rb-site alerts
//! --fix`, evaluated by Prometheus, routed by Alertmanager to a webhook served here; every
//! notification's `runbook_url` must open a built page that names its alert.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{build_into, fixture, rb_site, read, readme_block, tool};

const BASE_URL: &str = "https://runbooks.example/";

/// A started program, killed and reaped when dropped (also when the test panics).
struct Running {
    name: &'static str,
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn start(name: &'static str, program: &Path, args: &[String], log: &Path) -> Running {
        let log = std::fs::File::create(log).expect("log file");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Running { name, child }
    }

    fn assert_alive(&mut self, log: &Path) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited ({status}):\n{}", self.name, read(log));
        }
    }
}

/// The webhook receiver: every POSTed body, in arrival order. Stops when dropped.
struct Webhook {
    server: Arc<tiny_http::Server>,
    bodies: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Webhook {
    fn start() -> Webhook {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("webhook server"));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, bodies) = (server.clone(), bodies.clone());
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    bodies.lock().expect("lock").push(body);
                    let _ = request.respond(tiny_http::Response::empty(200));
                }
            })
        };
        Webhook {
            server,
            bodies,
            thread: Some(thread),
        }
    }

    fn port(&self) -> u16 {
        self.server
            .server_addr()
            .to_ip()
            .expect("ip address")
            .port()
    }

    /// Alert name -> the alert as the last notification carried it.
    fn alerts(&self) -> BTreeMap<String, serde_json::Value> {
        let mut alerts = BTreeMap::new();
        for body in self.bodies.lock().expect("lock").iter() {
            let payload: serde_json::Value = serde_json::from_str(body).expect("webhook JSON");
            for alert in payload["alerts"].as_array().into_iter().flatten() {
                if let Some(name) = alert["labels"]["alertname"].as_str() {
                    alerts.insert(name.to_string(), alert.clone());
                }
            }
        }
        alerts
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The built file a site URL opens, following rb-site's redirect pages; with its fragment.
fn landing(out: &Path, url: &str) -> (PathBuf, Option<String>) {
    let rel = url
        .strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{url} is not under {BASE_URL}"));
    let (path, mut fragment) = match rel.split_once('#') {
        Some((p, f)) => (p.to_string(), Some(f.to_string())),
        None => (rel.to_string(), None),
    };
    let mut file = out.join(path).join("index.html");
    for _ in 0..3 {
        assert!(
            file.is_file(),
            "{url}: {} is not in the built site",
            file.display()
        );
        let html = read(&file);
        if !html.contains("data-page-type=\"redirect\"") {
            return (file, fragment);
        }
        let target = html
            .split("http-equiv=\"refresh\" content=\"0; url=")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{}: a redirect page without a target", file.display()));
        let (target, target_fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (target, None),
        };
        fragment = target_fragment.or(fragment);
        let dir = file.parent().expect("parent").join(target);
        file = dir.canonicalize().unwrap_or(dir);
    }
    panic!("{url}: redirects do not end");
}

/// Whether the page names `alert` in its Alerts panel, or in the heading `fragment` points at.
fn names_alert(html: &str, alert: &str, fragment: Option<&str>) -> bool {
    let in_heading = fragment.is_some_and(|f| {
        html.split(&format!("id=\"{f}\""))
            .nth(1)
            .and_then(|rest| rest.split("</h").next())
            .is_some_and(|heading| heading.contains(alert))
    });
    let in_panel = html
        .split("class=\"alert-panel\"")
        .nth(1)
        .is_some_and(|panel| panel.contains(&format!("id=\"alert-{alert}\"")));
    in_heading || in_panel
}

#[test]
fn issue_13_notifications_from_real_prometheus_and_alertmanager_open_the_runbook() {
    let (Some(prometheus), Some(alertmanager)) =
        (tool("prometheus"), tool("prometheus-alertmanager"))
    else {
        return;
    };
    let site = fixture("alerts-fix");
    let root = site.path();
    let work = tempfile::tempdir().expect("tempdir");
    let work = work.path();

    let fix = rb_site()
        .args(["alerts", "--fix", "--root"])
        .arg(root)
        .output()
        .expect("fix");
    assert_eq!(
        fix.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let out = work.join("out");
    build_into(root, &out).assert().success();

    let rule_file = root.join("rules/plain.yaml");
    let (expected, _) = {
        let text = read(&rule_file);
        let names: Vec<String> = text
            .lines()
            .filter_map(|l| l.split("alert: ").nth(1))
            .map(|rest| {
                rest.split([' ', ',', '}'])
                    .next()
                    .expect("name")
                    .to_string()
            })
            .collect();
        (names, text)
    };
    assert_eq!(
        expected,
        [
            "ApiLatencyHigh",
            "ApiErrors",
            "DiskFull",
            "ClusterDown",
            "DbReplicationLag"
        ]
    );

    // What Prometheus makes of the templates rb-site reports, as rb-site says it does
    // (tests/it/alerts_fix.rs): alertname and the rule's own labels are empty at expansion time.
    let as_written = work.join("as-written.yaml");
    std::fs::write(
        &as_written,
        "groups:\n  - name: as-written\n    rules:\n      - alert: TemplatedLinks\n        expr: vector(1)\n        labels: {team: db}\n        annotations:\n          by_alertname: \"https://runbooks.example/alerts/{{ $labels.alertname }}/\"\n          by_rule_label: \"https://runbooks.example/{{ $labels.team }}/primary/\"\n          by_external_label: \"https://runbooks.example/ops/{{ $externalLabels.region }}-cluster/\"\n",
    )
    .expect("as-written.yaml");

    let webhook = Webhook::start();
    let (prometheus_port, alertmanager_port) = (free_port(), free_port());
    std::fs::write(
        work.join("alertmanager.yml"),
        format!(
            "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: http://127.0.0.1:{}/\n        send_resolved: false\n",
            webhook.port()
        ),
    )
    .expect("alertmanager.yml");
    std::fs::write(
        work.join("prometheus.yml"),
        format!(
            "global:\n  evaluation_interval: 1s\n  external_labels: {{region: eu}}\nrule_files: [{}, {}]\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{alertmanager_port}']\n",
            rule_file.display(),
            as_written.display()
        ),
    )
    .expect("prometheus.yml");

    let am_log = work.join("alertmanager.log");
    let mut am = Running::start(
        "alertmanager",
        &alertmanager,
        &[
            format!("--config.file={}", work.join("alertmanager.yml").display()),
            format!("--storage.path={}", work.join("am-data").display()),
            format!("--web.listen-address=127.0.0.1:{alertmanager_port}"),
            // No gossip: it would listen on 0.0.0.0:9094.
            "--cluster.listen-address=".to_string(),
        ],
        &am_log,
    );
    let prom_log = work.join("prometheus.log");
    let mut prom = Running::start(
        "prometheus",
        &prometheus,
        &[
            format!("--config.file={}", work.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", work.join("prom-data").display()),
            format!("--web.listen-address=127.0.0.1:{prometheus_port}"),
            // Alerts evaluated before Alertmanager is discovered are dropped and, by default,
            // sent again only after a minute.
            "--rules.alert.resend-delay=1s".to_string(),
        ],
        &prom_log,
    );

    let deadline = Instant::now() + Duration::from_secs(60);
    let alerts = loop {
        am.assert_alive(&am_log);
        prom.assert_alive(&prom_log);
        let alerts = webhook.alerts();
        if expected.iter().all(|name| alerts.contains_key(name))
            && alerts.contains_key("TemplatedLinks")
        {
            break alerts;
        }
        assert!(
            Instant::now() < deadline,
            "after 60 s the webhook has {:?} of {expected:?}\nprometheus:\n{}\nalertmanager:\n{}",
            alerts.keys().collect::<Vec<_>>(),
            read(&prom_log),
            read(&am_log)
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    drop(prom);
    drop(am);

    // Kept for the record: what Alertmanager sent.
    let payload = webhook.bodies.lock().expect("lock").join("\n");
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("issue13-webhook-payloads.jsonl");
    std::fs::write(&saved, &payload).expect("save payload");
    eprintln!("webhook payloads saved to {}", saved.display());

    let mut checked = Vec::new();
    for name in &expected {
        let alert = &alerts[name];
        let url = alert["annotations"]["runbook_url"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} arrived without runbook_url: {alert}"));
        let (page, fragment) = landing(&out, url);
        let html = read(&page);
        assert!(
            names_alert(&html, name, fragment.as_deref()),
            "{name}: {url} opens {} (#{fragment:?}), which does not name the alert",
            page.display()
        );
        checked.push(format!("{name} {url}"));
    }
    assert_eq!(
        checked,
        [
            "ApiLatencyHigh https://runbooks.example/alerts/ApiLatencyHigh/",
            "ApiErrors https://runbooks.example/alerts/ApiErrors/",
            "DiskFull https://runbooks.example/alerts/DiskFull/",
            // A template of a static value: Prometheus's external label, named in book.toml.
            "ClusterDown https://runbooks.example/ops/eu-cluster/",
            // One page, many headings: the alert page redirects to its heading.
            "DbReplicationLag https://runbooks.example/alerts/DbReplicationLag/",
        ]
    );
    assert_eq!(alerts["ClusterDown"]["labels"]["region"], "eu");
    let templated = &alerts["TemplatedLinks"]["annotations"];
    assert_eq!(
        (
            &templated["by_alertname"],
            &templated["by_rule_label"],
            &templated["by_external_label"]
        ),
        (
            &serde_json::json!("https://runbooks.example/alerts//"),
            &serde_json::json!("https://runbooks.example//primary/"),
            &serde_json::json!("https://runbooks.example/ops/eu-cluster/")
        )
    );
}

#[test]
fn issue_13_readme_notification_templates_render_with_amtool() {
    let Some(amtool) = tool("amtool") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = "**Alertmanager notifications**";
    let templates = dir.path().join("runbooks.tmpl");
    std::fs::write(&templates, readme_block(marker, "gotemplate")).expect("write");
    let config = readme_block(marker, "yaml").replace(
        "templates: [runbooks.tmpl]",
        &format!("templates: ['{}']", templates.display()),
    );
    let config_file = dir.path().join("alertmanager.yml");
    std::fs::write(&config_file, config).expect("write");
    let checked = Command::new(&amtool)
        .arg("check-config")
        .arg(&config_file)
        .output()
        .expect("amtool");
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );

    // The README's own `amtool template render` example, run as written, prints what it says.
    let script = readme_block("To see what a notification will say", "sh");
    let ran = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                amtool.parent().expect("amtool's folder").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("sh");
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        readme_block("prints, for the alert with a `runbook_url`", "text"),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );

    // One alert with a runbook_url, one without (its fallback), as Alertmanager passes them.
    let data = dir.path().join("data.json");
    let alert = |name: &str, summary: &str, runbook: Option<&str>| {
        let mut annotations = serde_json::json!({ "summary": summary });
        if let Some(url) = runbook {
            annotations["runbook_url"] = url.into();
        }
        serde_json::json!({
            "status": "firing",
            "labels": { "alertname": name, "severity": "critical" },
            "annotations": annotations,
            "startsAt": "2026-12-02T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": "0"
        })
    };
    let payload = serde_json::json!({
        "receiver": "slack",
        "status": "firing",
        "alerts": [
            alert("DiskFull", "A disk is filling up.", Some("https://runbooks.example.com/alerts/DiskFull/")),
            alert("job:up:low", "Few targets are up.", None),
        ],
        "groupLabels": { "alertname": "DiskFull" },
        "commonLabels": { "alertname": "DiskFull" },
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example"
    });
    std::fs::write(&data, payload.to_string()).expect("write");
    let render = |name: &str, kind: &str| {
        let out = Command::new(&amtool)
            .args(["template", "render"])
            .arg(format!("--template.glob={}", templates.display()))
            .arg(format!("--template.text={{{{ template \"{name}\" . }}}}"))
            .arg(format!("--template.type={kind}"))
            .arg(format!("--template.data={}", data.display()))
            .output()
            .expect("amtool");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    assert_eq!(
        render("slack.runbook.text", "text"),
        "<https://runbooks.example.com/alerts/DiskFull/|Runbook> *DiskFull* A disk is filling up.\n\
         <https://runbooks.example.com/alerts/job-up-low/|Runbook> *job:up:low* Few targets are up.\n"
    );
    assert_eq!(render("slack.runbook.title", "text"), "[FIRING] DiskFull");
    assert_eq!(
        render("pagerduty.runbook.description", "text"),
        "https://runbooks.example.com/alerts/DiskFull/ DiskFull: A disk is filling up."
    );
    assert_eq!(
        render("pagerduty.runbook.href", "text"),
        "https://runbooks.example.com/alerts/DiskFull/"
    );
    assert_eq!(
        render("email.runbook.subject", "text"),
        "[FIRING] DiskFull: runbook inside"
    );
    assert_eq!(
        render("email.runbook.html", "html"),
        "<ul>\n<li><a href=\"https://runbooks.example.com/alerts/DiskFull/\">Runbook</a> <b>DiskFull</b> A disk is filling up.</li>\n\
         <li><a href=\"https://runbooks.example.com/alerts/job-up-low/\">Runbook</a> <b>job:up:low</b> Few targets are up.</li>\n</ul>"
    );
}

/// One `GET` to a server on 127.0.0.1, as a browser without JavaScript makes it:
/// (status, `Location` header, body).
fn http_get(port: u16, path: &str) -> (u16, Option<String>, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: no status in {head:?}"));
    let location = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    (status, location, body.to_string())
}

/// `target` (relative, as written in a page) resolved against the page at `from` (a URL path).
fn resolve(from: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.to_string();
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the file name, or "" after a trailing slash
    for part in target.split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// Follows HTTP redirects and meta refreshes (no JavaScript) from `path` to the page a reader
/// lands on: (its URL path, the fragment it lands on, its HTML).
fn land_over_http(port: u16, path: &str) -> (String, Option<String>, String) {
    let (mut path, mut fragment) = match path.split_once('#') {
        Some((p, f)) => (p.to_string(), Some(f.to_string())),
        None => (path.to_string(), None),
    };
    for _ in 0..5 {
        let (status, location, body) = http_get(port, &path);
        if (300..400).contains(&status) {
            let location = location.unwrap_or_else(|| panic!("{path}: {status} without Location"));
            let location = location
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                .unwrap_or(location);
            path = resolve(&path, &location);
            continue;
        }
        assert_eq!(status, 200, "GET {path}");
        let Some(target) = body
            .split("http-equiv=\"refresh\" content=\"0; url=")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            return (path, fragment, body);
        };
        // A meta refresh keeps the target's own fragment; the reader's is lost without JS.
        let (target, target_fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (target, None),
        };
        fragment = target_fragment.or(fragment);
        path = resolve(&path, target);
    }
    panic!("{path}: redirects do not end");
}

/// Issue 16 item 3: every alert URL form the README documents ("Stable alert URLs", "URLs",
/// `url-aliases`) opens its runbook, and the heading named after the alert, from a plain static
/// file server (Python's `http.server`, which maps a URL to a file and nothing more) in a client
/// that runs no JavaScript.
#[test]
fn issue_16_every_documented_alert_url_form_opens_the_runbook_from_a_static_host() {
    let Some(python) = tool("python3") else {
        return;
    };
    let site = fixture("alert-url-forms");
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    build_into(site.path(), &out).assert().success();

    let port = free_port();
    let log = work.path().join("http.log");
    let mut server = Running::start(
        "python3 -m http.server",
        &python,
        &[
            "-m".into(),
            "http.server".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--directory".into(),
            out.display().to_string(),
        ],
        &log,
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        server.assert_alive(&log);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "http.server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let replication = ("/db/replication/index.html", Some("dbreplicationlag"));
    let targets = ("/ops/targets/index.html", None);
    let forms = [
        // alerts/<AlertName>/, as rules and notification templates write it.
        ("/alerts/DbReplicationLag/", replication),
        // Without the trailing slash: the server's own redirect to the folder.
        ("/alerts/DbReplicationLag", replication),
        // index.html spelled out, as the alerts index and file:// links write it.
        ("/alerts/DbReplicationLag/index.html", replication),
        // alerts/<alertname in lowercase>/, for tools that lowercase names.
        ("/alerts/dbreplicationlag/", replication),
        // A url-alias, runbooks/{group}/{alert_lower}/.
        ("/runbooks/database/dbreplicationlag/", replication),
        // A name with characters outside A-Za-z0-9_-: job:up:low -> alerts/job-up-low/.
        ("/alerts/job-up-low/", targets),
        ("/runbooks/ops/job-up-low/", targets),
        // A lowercase name: its page is its lowercase form.
        ("/alerts/disk_full/", targets),
        ("/runbooks/ops/disk_full/", targets),
    ];
    for (form, (page, anchor)) in forms {
        let (landed, fragment, html) = land_over_http(port, form);
        assert_eq!(landed, page, "{form} lands on the wrong page");
        assert_eq!(
            fragment.as_deref(),
            anchor,
            "{form} lands on the wrong heading"
        );
        if let Some(anchor) = anchor {
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "{form}: #{anchor} is no heading of {page}"
            );
        }
        server.assert_alive(&log);
    }
    // And nothing else under alerts/ but the index and one folder per form above.
    let mut folders: Vec<String> = std::fs::read_dir(out.join("alerts"))
        .expect("alerts/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(
        folders,
        [
            "DbReplicationLag",
            "dbreplicationlag",
            "disk_full",
            "index.html",
            "job-up-low"
        ]
    );
}
