//! `rb-site serve`: build the site into memory, serve it, and rebuild it as its files change.
//!
//! Threads joined by channels:
//! - the watcher ([`watch`]) sends [`rebuild::Changes`] as files change;
//! - the rebuild loop (this module) takes them in debounced bursts, rebuilds incrementally
//!   ([`rebuild::Builder`]), swaps the new [`Snapshot`] in, and only then pushes a reload
//!   event to the browsers ([`reload`]);
//! - HTTP workers ([`http`]) answer from the current snapshot, never from the disk.
//!
//! A build with errors does not replace the site: the last good pages stay, with an overlay
//! listing the errors; warnings show as a small badge. Nothing is written to the build
//! folder unless `--write` is given.

mod gate;
mod http;
pub(crate) use http::fuzz_request_target;
mod rebuild;
mod reload;
mod watch;

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::diag::{Report, Severity};
use rebuild::{Builder, Changes, Files};

/// How many threads answer requests.
const WORKERS: usize = 4;
/// How long edits must pause before the deferred pass (the rest of the site) runs.
const DEFERRED_AFTER: std::time::Duration = std::time::Duration::from_millis(250);
/// The overlay lists at most this many diagnostics.
const OVERLAY_LIMIT: usize = 50;

/// `rb-site serve`'s options, CLI values over `book.toml`'s `[serve]`.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: Option<String>,
    pub port: Option<u16>,
    pub open: bool,
    pub poll: bool,
    pub write: bool,
    /// The program that runs `__render-worker` jobs (`Config::worker`).
    pub worker: Option<PathBuf>,
}

/// What the HTTP workers serve: one generation of the site.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) files: Arc<Files>,
    pub(crate) generation: u64,
    /// The overlay and badge HTML (empty when the build is clean).
    overlay: String,
    /// A short hash of `overlay`, part of HTML ETags.
    pub(crate) overlay_tag: String,
}

impl Snapshot {
    fn new(files: Arc<Files>, generation: u64, overlay: String) -> Snapshot {
        let overlay_tag = blake3::hash(overlay.as_bytes()).to_hex()[..8].to_string();
        Snapshot {
            files,
            generation,
            overlay,
            overlay_tag,
        }
    }

    /// What goes before `</body>` of the HTML file at `path` served under a URL whose way
    /// back to the site root is `root` (relative).
    pub(crate) fn injection(&self, root: &str, path: &str) -> String {
        let root = escape(root);
        format!(
            "{}<script src=\"{root}{}\" data-root=\"{root}\" data-path=\"{}\" data-generation=\"{}\"></script>",
            self.overlay,
            http::SCRIPT_PATH,
            escape(path),
            self.generation
        )
    }
}

/// State shared by the threads.
#[derive(Debug)]
pub(crate) struct Shared {
    site: RwLock<Arc<Snapshot>>,
    hub: reload::Hub,
}

impl Shared {
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.site.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Puts a new snapshot in place, then tells the browsers which files changed: never the
    /// other way round. `pending`: a deferred pass will follow with more.
    fn publish(&self, files: Arc<Files>, overlay: String, pending: bool) -> u64 {
        let (generation, changed, old) = {
            let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
            // A new overlay is on every page.
            let changed = (overlay == site.overlay).then(|| changed_paths(&site.files, &files));
            let generation = site.generation + 1;
            let old = std::mem::replace(
                &mut *site,
                Arc::new(Snapshot::new(files, generation, overlay)),
            );
            (generation, changed.flatten(), old)
        };
        self.hub.reload(generation, changed.as_ref(), pending);
        // Freeing the old site's 60,000 file entries waits until the browsers are told.
        drop(old);
        generation
    }
}

/// Past this many changed files, a reload event names none: every page reloads.
const NAMED_PATHS_LIMIT: usize = 500;

/// The paths whose files differ between two generations of the site (kept files are shared,
/// so only re-rendered ones are compared byte for byte); None when there are too many to name.
fn changed_paths(old: &Files, new: &Files) -> Option<Vec<String>> {
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(path, file)| {
            old.get(*path)
                .is_none_or(|was| !Arc::ptr_eq(was, file) && was.bytes != file.bytes)
        })
        .map(|(path, _)| path.to_string())
        .chain(
            old.keys()
                .filter(|path| !new.contains_key(*path))
                .map(|path| path.to_string()),
        )
        .take(NAMED_PATHS_LIMIT + 1)
        .collect();
    if changed.len() > NAMED_PATHS_LIMIT {
        return None;
    }
    changed.sort();
    Some(changed)
}

/// Runs the server until Ctrl-C.
pub fn serve(options: ServeOptions) -> Result<ExitCode> {
    let root = std::path::absolute(&options.root)
        .with_context(|| format!("cannot resolve {}", options.root.display()))?;
    let mut config = Config::load(&root)?;
    config.worker = options.worker.clone();
    let bind = options
        .bind
        .clone()
        .unwrap_or_else(|| config.serve.bind.clone());
    let port = options.port.unwrap_or(config.serve.port);
    let listener = bind_listener(&bind, port)?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;

    let (change_sender, change_receiver) = mpsc::channel();
    let watching = watch::start(&config, options.poll, change_sender)?;

    let mut builder = Builder::new(config, !options.write);
    let mut last_report = None;
    let first = build_guarded(
        &mut builder,
        &Changes::default(),
        None,
        &mut last_report,
        options.write,
    );
    first.after.run(builder.config(), last_report.as_ref());
    let shared = Arc::new(Shared {
        site: RwLock::new(Arc::new(Snapshot::new(
            first.files.unwrap_or_default(),
            1,
            first.overlay,
        ))),
        hub: reload::Hub::default(),
    });

    // tiny_http serves a private socket; the gate in front bounds what clients send.
    let (server, gate) = gate::start(listener, gate::Limits::default())?;
    let server = Arc::new(server);
    for _ in 0..WORKERS {
        let server = Arc::clone(&server);
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                http::handle(request, &shared);
            }
        });
    }
    {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(reload::HEARTBEAT);
                shared.hub.heartbeat();
            }
        });
    }

    // Held by the rebuild loop while it builds (and writes), so Ctrl-C never cuts a write.
    let building = Arc::new(Mutex::new(()));
    {
        let shared = Arc::clone(&shared);
        let building = Arc::clone(&building);
        let write = options.write;
        std::thread::spawn(move || {
            let _watching = watching;
            rebuild_loop(
                builder,
                &change_receiver,
                &shared,
                &building,
                last_report,
                write,
            );
        });
    }

    let (stop_sender, stop_receiver) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_sender.send(());
    })
    .context("cannot install the Ctrl-C handler")?;

    let url = format!("http://{address}/");
    println!("Serving {url}");
    if bind != "127.0.0.1" && bind != "localhost" && bind != "::1" {
        eprintln!("Note: bound to {bind}, so other machines can reach this server");
    }
    eprintln!("Watching for changes; press Ctrl-C to stop");
    if options.open
        && let Err(err) = opener::open_browser(&url)
    {
        eprintln!("Could not open a browser ({err}); open {url} yourself");
    }

    let _ = stop_receiver.recv();
    let _quiet = building.lock().unwrap_or_else(|e| e.into_inner());
    server.unblock();
    gate.close();
    eprintln!("Stopped");
    Ok(ExitCode::SUCCESS)
}

fn bind_listener(bind: &str, port: u16) -> Result<TcpListener> {
    let addresses: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(bind, port))
        .with_context(|| format!("cannot resolve the address {bind:?} to bind to"))?
        .collect();
    match TcpListener::bind(&addresses[..]) {
        Ok(listener) => Ok(listener),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} on {bind} is already in use; choose another with --port (--port 0 picks a free one)"
        ),
        Err(err) => Err(err).with_context(|| format!("cannot listen on {bind}:{port}")),
    }
}

/// Rebuilds on every burst of changes until the watcher goes away.
fn rebuild_loop(
    mut builder: Builder,
    changes: &mpsc::Receiver<Changes>,
    shared: &Shared,
    building: &Mutex<()>,
    mut last_report: Option<Report>,
    write: bool,
) {
    let mut deferred = false;
    loop {
        // The rest of the site (listing pages, print binders, the search index) is O(site): it
        // is rendered after the reload, once the edits pause; a burst that comes first is built
        // first.
        let wait = deferred.then_some(DEFERRED_AFTER);
        let burst = match watch::next_burst(changes, wait) {
            watch::Next::Burst(burst) => burst,
            watch::Next::Idle => {
                let _building = building.lock().unwrap_or_else(|e| e.into_inner());
                deferred = false;
                let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    builder.render_deferred()
                }))
                .unwrap_or_else(|panic| {
                    builder.reset();
                    Err(panicked(&*panic))
                });
                match rendered {
                    Ok(built) => {
                        // The pass checks the whole site again: its report is the one that
                        // counts, printed when it differs from the save's.
                        let mut after = After::reporting(&built.report, &mut last_report);
                        after.lines.push(format!(
                            "Rest of the site in {:.0} ms: {} rendered, {} changed",
                            built.millis, built.rendered, built.changed
                        ));
                        shared.publish(built.files, overlay(&built.report), false);
                        after.run(builder.config(), last_report.as_ref());
                    }
                    Err(err) => eprintln!("error: cannot render the rest of the site: {err:#}"),
                }
                continue;
            }
            watch::Next::Closed => return,
        };
        let _building = building.lock().unwrap_or_else(|e| e.into_inner());
        let current = shared.snapshot();
        let outcome = crate::timings::time("serve: build", || {
            build_guarded(
                &mut builder,
                &burst,
                Some(&current.files),
                &mut last_report,
                write,
            )
        });
        deferred = outcome.files.is_some() && outcome.deferred;
        crate::timings::time("serve: publish", || {
            shared.publish(
                outcome.files.unwrap_or_else(|| Arc::clone(&current.files)),
                outcome.overlay,
                deferred,
            )
        });
        outcome.after.run(builder.config(), last_report.as_ref());
    }
}

/// What one build gives the server.
struct Outcome {
    /// The files to serve; None keeps the last good ones.
    files: Option<Arc<Files>>,
    overlay: String,
    deferred: bool,
    /// What to do once the browsers have the new site.
    after: After,
}

/// What a build prints and writes once the browsers are told: the reload waits for none of it
/// (printing a report of 10,000 warnings takes longer than the rebuild).
#[derive(Default)]
struct After {
    /// The diagnostics changed: print the whole report (the last one, as `last_report` holds it).
    report: bool,
    /// Status lines, printed after the report.
    lines: Vec<String>,
    /// The files to write to the build folder (`serve --write`).
    write: Option<Arc<Files>>,
}

impl After {
    /// What follows a build with `report`: the whole report printed when its diagnostics
    /// differ from `last_report`'s, which then becomes `report`.
    fn reporting(report: &Report, last_report: &mut Option<Report>) -> After {
        let changed = last_report.as_ref().map(Report::diagnostics) != Some(report.diagnostics());
        if changed {
            *last_report = Some(report.clone());
        }
        After {
            report: changed,
            ..After::default()
        }
    }

    fn run(self, config: &Config, last_report: Option<&Report>) {
        if self.report
            && let Some(report) = last_report
        {
            // Rule-file lines are read back, as `check` shows them (only when the report
            // changed, which is when it is printed).
            let mut report = report.clone();
            report.add_source_lines(&config.root);
            let text = crate::diag::render(&report, crate::diag::Format::Human, 0, true);
            anstream::eprint!("{text}");
        }
        for line in &self.lines {
            eprintln!("{line}");
        }
        if let Some(files) = self.write {
            let dest = config.build_dir();
            let output = crate::render::Output::in_memory(
                files
                    .iter()
                    .map(|(path, file)| (path.to_string(), file.bytes.clone()))
                    .collect(),
            );
            if let Err(err) = crate::write::check_build_dir(config, &dest)
                .and_then(|()| crate::write::write(&dest, &output))
            {
                eprintln!("error: cannot write the site: {err:#}");
            }
        }
    }
}

impl Outcome {
    /// A build that could not run at all (bad book.toml, unreadable content folder): keep
    /// serving the last good site, with the error in the overlay.
    fn fatal(err: &anyhow::Error) -> Outcome {
        eprintln!("error: {err:#}");
        Outcome {
            files: None,
            overlay: fatal_overlay(&format!("{err:#}")),
            deferred: false,
            after: After::default(),
        }
    }
}

/// [`build_once`], surviving a panic in any stage: the panic is shown like an error that
/// stopped the build, and the next save builds everything afresh.
fn build_guarded(
    builder: &mut Builder,
    changes: &Changes,
    last_good: Option<&Arc<Files>>,
    last_report: &mut Option<Report>,
    write: bool,
) -> Outcome {
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        build_once(builder, changes, last_good, last_report, write)
    }));
    built.unwrap_or_else(|panic| {
        builder.reset();
        *last_report = None;
        Outcome::fatal(&panicked(&*panic))
    })
}

/// The error for a caught panic: a bug in rb-site, worded for the person who hit it.
fn panicked(panic: &(dyn std::any::Any + Send)) -> anyhow::Error {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    anyhow::anyhow!(
        "rb-site crashed while building ({message}); this is a bug in rb-site, please report it \
         with the file you last saved. The next save builds the whole site again"
    )
}

/// One build: prints what changed in the report, returns the files to serve (None: keep the
/// last good ones) and the overlay HTML.
fn build_once(
    builder: &mut Builder,
    changes: &Changes,
    last_good: Option<&Arc<Files>>,
    last_report: &mut Option<Report>,
    write: bool,
) -> Outcome {
    let built = match builder.build(changes) {
        Ok(built) => built,
        Err(err) => return Outcome::fatal(&err),
    };
    let report = &built.report;
    let mut after = After::reporting(report, last_report);
    let what = if last_good.is_none() {
        "Built"
    } else if built.full {
        "Rebuilt (all pages)"
    } else {
        "Rebuilt"
    };
    after.lines.push(format!(
        "{what} in {:.0} ms: {} file{} parsed, {} rendered; {} error{}, {} warning{}",
        built.millis,
        built.parsed,
        plural(built.parsed),
        built.rendered,
        report.errors(),
        plural(report.errors()),
        report.warnings(),
        plural(report.warnings())
    ));
    let overlay = overlay(report);
    if report.has_errors() {
        let keep = if last_good.is_some() {
            after.lines.push("Still serving the last good build".into());
            None
        } else {
            // Nothing good yet: show what rendered, under the overlay.
            Some(built.files)
        };
        return Outcome {
            files: keep,
            overlay,
            deferred: false,
            after,
        };
    }
    if write {
        after.write = Some(Arc::clone(&built.files));
    }
    Outcome {
        files: Some(built.files),
        overlay,
        deferred: built.deferred,
        after,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// HTML-escapes text for the overlay.
fn escape(text: &str) -> String {
    crate::render::templates::escape_html(text)
}

fn style() -> String {
    format!("<style>{}</style>", include_str!("live.css"))
}

/// The overlay for a build's errors, or the warnings badge, or nothing.
fn overlay(report: &Report) -> String {
    let list = |severity: Severity| {
        let mut items = String::new();
        let matching: Vec<_> = report
            .diagnostics()
            .iter()
            .filter(|d| d.severity == severity)
            .collect();
        for d in matching.iter().take(OVERLAY_LIMIT) {
            let _ = write!(
                items,
                "<li><code class=\"rb-live-code\">{}</code> <span class=\"rb-live-loc\">{}</span> <span class=\"rb-live-msg\">{}</span></li>",
                escape(d.code),
                escape(&d.location()),
                escape(&d.message)
            );
        }
        if matching.len() > OVERLAY_LIMIT {
            let _ = write!(
                items,
                "<li>… and {} more</li>",
                matching.len() - OVERLAY_LIMIT
            );
        }
        format!("<ol>{items}</ol>")
    };
    let errors = report.errors();
    let warnings = report.warnings();
    if errors > 0 {
        let also = if warnings > 0 {
            format!(" (and {warnings} warning{})", plural(warnings))
        } else {
            String::new()
        };
        format!(
            "<div id=\"rb-live-overlay\" role=\"alert\" data-errors=\"{errors}\">{}<div class=\"rb-live-panel\"><p class=\"rb-live-title\">{errors} error{}{also}: showing the last good build</p>{}<p class=\"rb-live-hint\">Fix and save: this page reloads by itself.</p></div></div>",
            style(),
            plural(errors),
            list(Severity::Error)
        )
    } else if warnings > 0 {
        let items = list(Severity::Warning);
        let tag = blake3::hash(items.as_bytes()).to_hex()[..8].to_string();
        format!(
            "<div id=\"rb-live-badge\" role=\"status\" data-tag=\"{tag}\" data-warnings=\"{warnings}\">{}<details><summary>{warnings} warning{}</summary>{items}</details><button type=\"button\" data-rb-dismiss aria-label=\"Dismiss\">×</button></div>",
            style(),
            plural(warnings)
        )
    } else {
        String::new()
    }
}

/// The overlay for a build that could not run at all (bad `book.toml`, unreadable folder).
fn fatal_overlay(message: &str) -> String {
    format!(
        "<div id=\"rb-live-overlay\" role=\"alert\" data-errors=\"1\">{}<div class=\"rb-live-panel\"><p class=\"rb-live-title\">The site could not be built: showing the last good build</p><ol><li><span class=\"rb-live-msg\">{}</span></li></ol><p class=\"rb-live-hint\">Fix and save: this page reloads by itself.</p></div></div>",
        style(),
        escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14 item 1: a panic in a build shows in the overlay, keeps the last good site, and
    /// the next save builds again.
    #[test]
    fn issue_14_serve_survives_a_panicking_build() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve");
        let config = Config::load(&root).expect("config");
        let mut builder = Builder::new(config, false);
        let mut last_report = None;
        let first = build_guarded(
            &mut builder,
            &Changes::default(),
            None,
            &mut last_report,
            false,
        );
        let good = first.files.expect("the first build succeeds");
        assert!(first.overlay.is_empty(), "{}", first.overlay);

        builder.panic_next = true;
        let crashed = build_guarded(
            &mut builder,
            &Changes::default(),
            Some(&good),
            &mut last_report,
            false,
        );
        assert!(crashed.files.is_none(), "the last good site stays");
        assert!(
            crashed
                .overlay
                .contains("rb-site crashed while building (a panic forced by a test)"),
            "{}",
            crashed.overlay
        );

        let next = build_guarded(
            &mut builder,
            &Changes::default(),
            Some(&good),
            &mut last_report,
            false,
        );
        let files = next.files.expect("the next save builds again");
        assert!(next.overlay.is_empty(), "{}", next.overlay);
        let paths = |files: &Files| {
            files
                .keys()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(paths(&files), paths(&good));
    }
}
