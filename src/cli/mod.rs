//! The command line: clap types and dispatch. Options given here override `book.toml`.
//!
//! Every command returns an exit code: 0 success, 1 content errors, 2 usage/config/I/O errors
//! (the last comes from `main`, which turns an `Err` into code 2).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

pub mod alerts;

use crate::config::Config;
use crate::diag::{self, Format};
use crate::model::slugify;

/// Exit code for content errors (and warnings under `--strict`).
pub const EXIT_CONTENT: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "rb-site",
    version,
    about = "Build, check and serve a static site of operations runbooks",
    long_about = "rb-site turns a folder of Markdown runbooks into a validated, self-contained static site, \
with every alert cross-linked to its runbook.\n\nExit codes: 0 success, 1 content errors, 2 usage, configuration or I/O errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the runbooks and build the site into the build folder
    Build(BuildArgs),
    /// Check the runbooks without building: structure, front matter, links, alerts
    Check(CheckArgs),
    /// Print every alert with its runbook URL, and the coverage of rules by runbooks
    Alerts(AlertsArgs),
    /// Write a new runbook from the template, with every required section
    New(NewArgs),
    /// Serve the site from memory and rebuild it as you edit, with live reload in the browser
    Serve(ServeArgs),
    /// Start a runbook site, or adopt a folder of Markdown runbooks as it is
    ///
    /// In an empty or new folder: book.toml, an example runbook and rule file, .gitignore. In a
    /// folder that holds Markdown: a book.toml fitted to its layout and rule files, and a
    /// baseline of its known problems.
    Init(InitArgs),
    /// Work with themes
    #[command(subcommand)]
    Theme(ThemeCommand),
    /// Print a shell completion script to stdout
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: rb-site(1), or a command's (rb-site-build(1))
    Man {
        /// The command whose page to print (`build`, `check`, …); without it, rb-site's own
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
    /// Print the JSON Schema (draft 2020-12) of the front matter or of book.toml to stdout
    Schema {
        /// Which schema
        #[arg(value_enum)]
        kind: crate::schema::SchemaKind,
    },
    /// Internal: lay out diagrams and highlight code for another rb-site process, reading jobs
    /// on stdin (see `render::worker`)
    #[command(name = "__render-worker", hide = true)]
    RenderWorker,
}

#[derive(Debug, Args)]
pub struct RootArg {
    /// The site's folder, holding book.toml
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Where to write the site (overrides build.build-dir)
    #[arg(long, value_name = "DIR")]
    pub dest: Option<PathBuf>,
    /// Absolute URL the site is published at (overrides book.base-url)
    #[arg(long, value_name = "URL", value_parser = crate::config::base_url)]
    pub base_url: Option<String>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also build pages marked `draft: true`
    #[arg(long)]
    pub drafts: bool,
    /// Print nothing but diagnostics: no progress, no summary
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub strict: bool,
    /// Rewrite the baseline file (`[validate] baseline`) with the problems found now: known
    /// problems that were fixed drop out, new ones become known
    #[arg(long)]
    pub update_baseline: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Address to listen on (overrides serve.bind; default 127.0.0.1, this machine only)
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Port to listen on (overrides serve.port; default 3000; 0 picks a free port)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Open the site in a browser
    #[arg(long)]
    pub open: bool,
    /// Poll for changes instead of file-system events (Docker volumes, WSL, network mounts)
    #[arg(long)]
    pub poll: bool,
    /// Also write each good build to the build folder
    #[arg(long)]
    pub write: bool,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Output format of the alert map
    #[arg(long, value_enum, default_value_t = alerts::AlertsFormat::Table)]
    pub format: alerts::AlertsFormat,
    /// Write each alert's page URL into the runbook_url annotation of rules whose link is missing or wrong
    #[arg(long)]
    pub fix: bool,
    /// With --fix: print the edits as a unified diff instead of writing them
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// The runbook's title
    pub title: String,
    /// The service it belongs to: the folder under the content folder
    #[arg(long, short, value_name = "SERVICE")]
    pub service: Option<String>,
    /// An alert this runbook answers (repeatable)
    #[arg(long = "alert", value_name = "NAME")]
    pub alerts: Vec<String>,
    /// The team that answers for the runbook (default: the owner the service's other runbooks name)
    #[arg(long, value_name = "TEAM")]
    pub owner: Option<String>,
    /// The severity of what it answers, one of `[validate] severities` (default: the first)
    #[arg(long, value_name = "LEVEL")]
    pub severity: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// The folder, under --root: empty or absent for a new site, or holding Markdown to adopt
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ThemeCommand {
    /// Copy the default theme into DIR as a starting point for your own
    Eject {
        #[command(flatten)]
        root: RootArg,
        /// Where to put the theme's files, under --root
        #[arg(default_value = "themes/custom")]
        dir: PathBuf,
    },
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build(args),
        Command::Check(args) => check(args),
        Command::Serve(args) => crate::serve::serve(crate::serve::ServeOptions {
            root: args.root.root,
            bind: args.bind,
            port: args.port,
            open: args.open,
            poll: args.poll,
            write: args.write,
            worker: worker_program(),
        }),
        Command::Alerts(args) if args.fix => Ok(ExitCode::from(alerts::run_alerts_fix(
            &args.root.root,
            args.dry_run,
        )?)),
        Command::Alerts(args) => Ok(ExitCode::from(alerts::run_alerts_report(
            &args.root.root,
            args.format,
        )?)),
        Command::New(args) => new_runbook(args),
        Command::Init(args) => init(args),
        Command::RenderWorker => {
            crate::render::serve_worker_jobs()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Theme(ThemeCommand::Eject { root, dir }) => {
            let dir = under_root(&root.root, &dir);
            let count = crate::theme::Theme::eject(&dir)?;
            eprintln!("Wrote {count} theme files to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "rb-site", &mut script);
            write_stdout(&script)
        }
        Command::Man { command } => {
            let mut cli = <Cli as clap::CommandFactory>::command();
            cli.build();
            // One page per command, as clap_mangen names them (the SUBCOMMANDS section of
            // rb-site(1) refers to rb-site-build(1), …): each with its options.
            let page_of = match command {
                None => cli,
                Some(name) => {
                    let known: Vec<String> = cli
                        .get_subcommands()
                        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
                        .map(|c| c.get_name().to_string())
                        .collect();
                    let Some(sub) = cli.find_subcommand(&name).filter(|_| known.contains(&name))
                    else {
                        bail!(
                            "rb-site has no command {name:?}; pages: {}",
                            known.join(", ")
                        );
                    };
                    sub.clone()
                }
            };
            let mut page = Vec::new();
            clap_mangen::Man::new(page_of)
                .source(concat!("rb-site ", env!("CARGO_PKG_VERSION")))
                .render(&mut page)
                .context("cannot render the manual page")?;
            write_stdout(&page)
        }
        Command::Schema { kind } => write_stdout(crate::schema::render(kind).as_bytes()),
    }
}

/// Writes data to stdout; a reader that stops early (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<ExitCode> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write to stdout")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `path` under `root`: as given when either is the current folder, joined otherwise.
fn under_root(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || root == Path::new(".") {
        path.to_path_buf()
    } else if path == Path::new(".") {
        root.to_path_buf()
    } else {
        root.join(path)
    }
}

/// Prints a report to stderr (human) or stdout (machine formats, which are data).
fn print_report(report: &diag::Report, format: Format, files: usize) {
    let choice = anstream::AutoStream::choice(&std::io::stderr());
    let color = choice != anstream::ColorChoice::Never;
    let text = diag::render(report, format, files, format == Format::Human && color);
    match format {
        Format::Human => {
            eprint_styled(&text, choice);
            if !report.known().is_empty() {
                let known = report.known().len();
                anstream::eprintln!("{known} known problem{} (baseline)", plural(known));
            }
            if !report.is_empty() {
                let summary = format!(
                    "{} error{}, {} warning{} in {files} file{}",
                    report.errors(),
                    plural(report.errors()),
                    report.warnings(),
                    plural(report.warnings()),
                    plural(files)
                );
                anstream::eprintln!("{summary}");
            }
        }
        _ => anstream::print!("{text}"),
    }
}

/// Writes `text` to stderr in one write. Styled text (rendered so because stderr takes colour,
/// `choice`) goes through `anstream`, which passes it on or, on an old Windows console, turns
/// it into console calls; plain text is written as it is. `anstream::eprint!` writes each
/// unstyled run on its own, 20 writes per diagnostic, which made printing 10,000 warnings cost
/// more than checking them.
fn eprint_styled(text: &str, choice: anstream::ColorChoice) {
    use std::io::Write;
    let stderr = std::io::stderr();
    // A closed stderr leaves nowhere to report to.
    if choice == anstream::ColorChoice::Never {
        let _ = stderr.lock().write_all(text.as_bytes());
        return;
    }
    let mut styled = anstream::AutoStream::new(Vec::with_capacity(text.len()), choice);
    // Writing into a Vec cannot fail.
    let _ = styled.write_all(text.as_bytes());
    let _ = stderr.lock().write_all(&styled.into_inner());
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn load_config(root: &Path) -> Result<Config> {
    let mut config = Config::load(root)?;
    config.worker = worker_program();
    Ok(config)
}

/// This binary, which lays out diagrams in child processes that can be abandoned; `None`
/// (work in-process) if the running program cannot be found.
fn worker_program() -> Option<std::path::PathBuf> {
    std::env::current_exe().ok()
}

fn build(args: BuildArgs) -> Result<ExitCode> {
    let mut config = load_config(&args.root.root)?;
    if let Some(base_url) = args.base_url {
        config.book.base_url = Some(base_url);
    }
    config.build.drafts |= args.drafts;
    let dest = args.dest.unwrap_or_else(|| config.build_dir());
    let progress = std::sync::Arc::new(crate::Progress::default());
    let display = ProgressDisplay::start(args.quiet, &progress);
    let outcome = crate::build(&config, &dest, &progress);
    display.finish();
    let mut outcome = outcome?;
    crate::timings::time("report", || {
        if args.format == Format::Human {
            outcome.checked.report.add_source_lines(&config.root);
        }
        print_report(&outcome.checked.report, args.format, outcome.checked.files);
    });
    if outcome.written.is_none() {
        if args.format == Format::Human {
            anstream::eprintln!("{}", build_failed_message(&dest));
        }
        return Ok(ExitCode::from(EXIT_CONTENT));
    }
    if !args.quiet {
        let runbooks = outcome.checked.site.runbooks().count();
        let sections = outcome.checked.site.sections.len();
        eprintln!(
            "Built {runbooks} runbook{}, {sections} section{} in {:.2} s -> {}{}",
            plural(runbooks),
            plural(sections),
            outcome.seconds,
            display_dest(&dest),
            if outcome.unchanged {
                " (nothing changed since the last build: no file written)"
            } else {
                ""
            }
        );
    }
    // The process ends here: let the OS take back the site's memory at once rather than free
    // a few million allocations one by one.
    std::mem::forget(outcome);
    Ok(ExitCode::SUCCESS)
}

/// What a failed build did to the build folder: nothing, whether or not there was a site in it.
fn build_failed_message(dest: &Path) -> String {
    let has_site = std::fs::read_dir(dest).is_ok_and(|mut entries| entries.next().is_some());
    if has_site {
        format!(
            "Build failed: the site in {} was left as it was",
            display_dest(dest)
        )
    } else {
        format!(
            "Build failed: nothing was written ({} was not created)",
            display_dest(dest)
        )
    }
}

fn display_dest(dest: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = dest.strip_prefix(&cwd).unwrap_or(dest);
    let shown = shown
        .strip_prefix(".")
        .unwrap_or(shown)
        .display()
        .to_string();
    if shown.ends_with('/') {
        shown
    } else {
        format!("{shown}/")
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let config = load_config(&args.root.root)?;
    let mut checked = crate::check(&config)?;
    if args.update_baseline {
        return update_baseline(&config, &checked.report);
    }
    if args.format == Format::Human {
        checked.report.add_source_lines(&config.root);
    }
    print_report(&checked.report, args.format, checked.files);
    let failed = checked.report.has_errors() || (args.strict && checked.report.warnings() > 0);
    Ok(if failed {
        ExitCode::from(EXIT_CONTENT)
    } else {
        ExitCode::SUCCESS
    })
}

/// `check --update-baseline`: every problem found now becomes known; fixed ones drop out.
fn update_baseline(config: &Config, report: &diag::Report) -> Result<ExitCode> {
    let Some(path) = config.baseline_path() else {
        bail!(
            "book.toml names no baseline file; add `baseline = \"{}\"` under [validate] first",
            crate::adopt::BASELINE_FILE
        );
    };
    let before = config.known_problems.as_ref().map_or(0, |b| b.len());
    let baseline = crate::baseline::Baseline::of(report);
    baseline.write(&path)?;
    eprintln!(
        "Wrote {} known problem{} to {} (was {before})",
        baseline.len(),
        plural(baseline.len()),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The progress display of a build on a terminal: a spinner while the content is checked, then
/// a bar of the diagrams laid out (when the cache lacks some), then of pages rendered. Drawn by
/// a thread of its own that reads the build's counters.
struct ProgressDisplay(Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>);

impl ProgressDisplay {
    fn start(quiet: bool, progress: &std::sync::Arc<crate::Progress>) -> ProgressDisplay {
        use std::sync::atomic::Ordering::Relaxed;
        if quiet || !std::io::stderr().is_terminal() {
            return ProgressDisplay(None);
        }
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let progress = std::sync::Arc::clone(progress);
        let drawer = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message("Checking the content…");
            let tick = std::time::Duration::from_millis(100);
            let style = |template: &str| {
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> ")
            };
            // What the bar counts: nothing yet, diagrams, then pages.
            #[derive(PartialEq)]
            enum Counting {
                Nothing,
                Diagrams,
                Pages,
            }
            let mut counting = Counting::Nothing;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                let (diagrams, laid_out) = (
                    progress.diagrams.load(Relaxed),
                    progress.laid_out.load(Relaxed),
                );
                let pages = progress.pages.load(Relaxed);
                let rendered = progress.rendered.load(Relaxed);
                if laid_out < diagrams && rendered == 0 {
                    if counting != Counting::Diagrams {
                        counting = Counting::Diagrams;
                        bar.set_style(style(
                            "{spinner} Laying out diagrams [{bar:30}] {pos}/{len} (cached for the next build)",
                        ));
                        bar.set_length(diagrams as u64);
                    }
                    bar.set_position(laid_out as u64);
                } else if pages > 0 {
                    if counting != Counting::Pages {
                        counting = Counting::Pages;
                        bar.set_style(style("{spinner} Rendering [{bar:30}] {pos}/{len} pages"));
                        bar.update(|state| {
                            state.set_len(pages as u64);
                            state.set_pos(0);
                        });
                    }
                    bar.set_position(rendered as u64);
                }
                bar.tick();
            }
            bar.finish_and_clear();
        });
        ProgressDisplay(Some((stop, drawer)))
    }

    fn finish(self) {
        if let Some((stop, drawer)) = self.0 {
            let _ = stop.send(());
            let _ = drawer.join();
        }
    }
}

/// What the sections of a new runbook hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sections {
    /// What to write, as HTML comments: until someone writes each section, `check` reports it
    /// as an `empty-section` error (`rb-site new`).
    ToWrite,
    /// Example text that reads as written (`rb-site init`'s example runbook).
    Example,
}

/// A runbook `new` or `init` is about to write.
#[derive(Debug, Clone, Copy)]
pub struct NewRunbook<'a> {
    /// Content-relative folder it is written in.
    pub folder: &'a str,
    pub title: &'a str,
    pub service: Option<&'a str>,
    pub owner: Option<&'a str>,
    /// None: the first of `[validate] severities`, the others named in a comment.
    pub severity: Option<&'a str>,
    pub alerts: &'a [String],
    pub sections: Sections,
}

/// The Markdown of a new runbook with every required section of the default kind.
pub fn runbook_template(config: &Config, runbook: NewRunbook<'_>) -> String {
    let NewRunbook {
        folder,
        title,
        service,
        owner,
        severity,
        alerts,
        sections,
    } = runbook;
    let mut text = String::from("---\n");
    text.push_str(&schema_modeline(config, folder));
    text.push_str(&format!("title: {}\n", yaml_string(title)));
    if let Some(service) = service {
        text.push_str(&format!("service: {}\n", yaml_string(service)));
    }
    match owner {
        Some(owner) => text.push_str(&format!("owner: {}\n", yaml_string(owner))),
        None => text.push_str("owner: \"\"  # the team that answers for this runbook\n"),
    }
    let severities = &config.validate.severities;
    match severity {
        Some(severity) => text.push_str(&format!("severity: {}\n", yaml_string(severity))),
        None => match severities.first() {
            Some(first) if severities.len() > 1 => text.push_str(&format!(
                "severity: {first}  # one of: {}\n",
                severities.join(", ")
            )),
            first => text.push_str(&format!(
                "severity: {}\n",
                first.map_or("warning", String::as_str)
            )),
        },
    }
    if !alerts.is_empty() {
        text.push_str("alerts:\n");
        for alert in alerts {
            text.push_str(&format!("  - {}\n", yaml_string(alert)));
        }
    }
    text.push_str("tags: []\n");
    text.push_str(&format!("last_reviewed: {}\n", crate::model::today()));
    text.push_str("---\n\n");
    text.push_str(&format!("# {title}\n\n"));
    text.push_str(&guidance(
        sections,
        "What this runbook is for, and what the alert means for users.\n",
    ));
    text.push('\n');
    let kind = config.kinds.get(&config.validate.default_kind);
    for section in kind
        .map(|k| k.required_sections.as_slice())
        .unwrap_or_default()
    {
        let heading = crate::config::section_heading(section);
        let body = match section.as_str() {
            "steps" => {
                "1. First action, with the command to run:\n\n   ```bash\n   kubectl get pods\n   ```\n\n2. Next action.\n"
            }
            "validation" => "- [ ] The alert has resolved.\n- [ ] Dashboards are back to normal.\n",
            "rollback" => "How to undo the steps above if they make things worse.\n",
            "preconditions" => "- Access you need before you start.\n",
            _ => "Describe this section.\n",
        };
        text.push_str(&format!("## {heading}\n\n{}\n", guidance(sections, body)));
    }
    text
}

/// `text` as the section shows it: as written, or inside an HTML comment, which is no content.
fn guidance(sections: Sections, text: &str) -> String {
    match sections {
        Sections::Example => text.to_string(),
        Sections::ToWrite => format!("<!--\n{text}-->\n"),
    }
}

/// Where `init` writes the schemas, relative to the root; `new` points its modeline there.
pub const FRONT_MATTER_SCHEMA: &str = "schemas/front-matter.schema.json";
pub const BOOK_SCHEMA: &str = "schemas/book.schema.json";

/// The `yaml-language-server` modeline of a new runbook: the front-matter schema, relative to
/// the file `new` writes in `folder` (content-relative). None when the content folder is not
/// inside the root (no relative path that survives a clone).
fn schema_modeline(config: &Config, folder: &str) -> String {
    use std::path::Component;
    let components: Vec<Component<'_>> = config.build.content_dir.components().collect();
    if !components
        .iter()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return String::new();
    }
    let depth = components
        .iter()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count()
        + folder.split('/').filter(|part| !part.is_empty()).count();
    format!(
        "# yaml-language-server: $schema={}{FRONT_MATTER_SCHEMA}\n",
        "../".repeat(depth)
    )
}

/// Writes the two schemas under `dir`, for editors (`init`).
fn write_schemas(dir: &Path) -> Result<()> {
    use crate::schema::{SchemaKind, render};
    for (path, kind) in [
        (FRONT_MATTER_SCHEMA, SchemaKind::FrontMatter),
        (BOOK_SCHEMA, SchemaKind::Book),
    ] {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, render(kind))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// A YAML scalar that survives any title: double-quoted with escapes.
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn new_runbook(args: NewArgs) -> Result<ExitCode> {
    let config = load_config(&args.root.root)?;
    let slug = slugify(&args.title);
    if slug.is_empty() {
        bail!(
            "the title {:?} gives an empty file name; use letters or digits",
            args.title
        );
    }
    // The folder: where the service's runbooks already are, else `<service>/`.
    let mut folder = String::new();
    if let Some(service) = &args.service {
        let service_slug = slugify(service);
        if service_slug.is_empty() {
            bail!("the service {service:?} gives an empty folder name");
        }
        folder = service_folder(&config, &service_slug).unwrap_or(service_slug);
    }
    let alert_named = folder_names_alerts(&config, &folder);
    let mut path = config.content_dir();
    if !folder.is_empty() {
        path.push(&folder);
    }
    // Where file names name alerts (`name-from-file`, or most runbooks of the folder are
    // named after an alert of the rules), the file of a runbook for one alert is named after it.
    let file_stem = match args.alerts.as_slice() {
        [alert]
            if !alert.is_empty()
                && alert
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && (alert_named || config.name_from_file(&format!("{folder}/{alert}.md"))) =>
        {
            alert.clone()
        }
        _ => slug,
    };
    let owner = match args.owner {
        Some(owner) => Some(owner),
        None => service_owner(&config, &path),
    };
    if owner.is_none() && config.validate.required_fields.iter().any(|f| f == "owner") {
        bail!(
            "book.toml requires an `owner` for every runbook ([validate] required-fields): pass --owner TEAM"
        );
    }
    let severities = &config.validate.severities;
    if let Some(severity) = &args.severity
        && !severities.is_empty()
        && !severities.contains(severity)
    {
        bail!(
            "--severity {severity:?} is none of [validate] severities: {}",
            severities.join(", ")
        );
    }
    path.push(format!("{file_stem}.md"));
    let text = runbook_template(
        &config,
        NewRunbook {
            folder: &folder,
            title: &args.title,
            service: args.service.as_deref(),
            owner: owner.as_deref(),
            severity: args.severity.as_deref(),
            alerts: &args.alerts,
            sections: Sections::ToWrite,
        },
    );
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {} (it is never overwritten)", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}", path.display());
    eprintln!(
        "Write its sections: until each is written, `rb-site check` reports it as empty-section"
    );
    if !config.root.join(FRONT_MATTER_SCHEMA).is_file() {
        eprintln!(
            "hint: its first line points editors at {FRONT_MATTER_SCHEMA}; write it with `rb-site schema front-matter > {FRONT_MATTER_SCHEMA}`"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The content-relative folder that holds most runbooks of the service `slug` (the first such
/// folder in site order on a tie), or None when the site has none: an adopted repository keeps
/// its services where it always has (`runbooks/<service>/`).
fn service_folder(config: &Config, slug: &str) -> Option<String> {
    let (site, _, _) = crate::load_site(config).ok()?;
    let mut folders: Vec<(&str, usize)> = Vec::new();
    for page in &site.pages {
        if page.kind != crate::model::PageKind::Runbook
            || page.service_name().map(slugify).as_deref() != Some(slug)
        {
            continue;
        }
        let dir = page.doc.dir();
        match folders.iter_mut().find(|(known, _)| *known == dir) {
            Some((_, count)) => *count += 1,
            None => folders.push((dir, 1)),
        }
    }
    let most = folders.iter().map(|(_, count)| *count).max()?;
    folders
        .into_iter()
        .find(|(_, count)| *count == most)
        .map(|(dir, _)| dir.to_string())
}

/// Whether most Markdown files of the content-relative `folder` are named after an alert
/// (`TargetDown.md`), as in repositories with a page per alert: an alert of the rule files, or,
/// with no rule files, a name spelled like one (a Prometheus name with a capital letter).
fn folder_names_alerts(config: &Config, folder: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(config.content_dir().join(folder)) else {
        return false;
    };
    let stems: Vec<String> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .filter(|stem| !stem.starts_with('_') && stem != "README")
        .collect();
    if stems.is_empty() {
        return false;
    }
    let (rules, _) = crate::alerts::load_rules(config);
    let names: std::collections::BTreeSet<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    let spelled_like_an_alert = |stem: &str| {
        stem.chars().any(|c| c.is_ascii_uppercase())
            && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !stem.starts_with(|c: char| c.is_ascii_digit())
    };
    let named = stems
        .iter()
        .filter(|stem| match names.is_empty() {
            true => spelled_like_an_alert(stem),
            false => names.contains(stem.as_str()),
        })
        .count();
    named * 2 > stems.len()
}

/// The owner named by the runbooks already in `folder` (a service), when they agree on one:
/// a new runbook of the service is most likely answered for by the same team.
fn service_owner(config: &Config, folder: &Path) -> Option<String> {
    let mut owners = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(folder).ok()?.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let source = crate::model::SourceFile {
            path: path.display().to_string(),
            rel: String::new(),
            text,
        };
        let (docs, _) = crate::parse::parse_all(config, vec![source]);
        if let Some(owner) = docs.into_iter().next().and_then(|d| d.front.owner) {
            owners.insert(owner);
        }
    }
    let mut owners = owners.into_iter().filter(|o| !o.trim().is_empty());
    match (owners.next(), owners.next()) {
        (Some(owner), None) => Some(owner),
        _ => None,
    }
}

fn init(args: InitArgs) -> Result<ExitCode> {
    let dir = &under_root(&args.root.root, &args.dir);
    if dir.join(crate::config::CONFIG_FILE).exists() {
        bail!(
            "{} already has a book.toml; rb-site init never overwrites one",
            dir.display()
        );
    }
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            if crate::adopt::has_markdown(dir) {
                return crate::adopt::adopt(dir);
            }
            bail!(
                "{} is not empty and holds no Markdown; rb-site init writes a new site into an empty or new folder, or adopts a folder of Markdown runbooks",
                dir.display()
            );
        }
    }
    init_new_site(dir)
}

/// The example alert of a new site: its rule file names it, the example runbook claims it.
const EXAMPLE_ALERT: &str = "ExampleServiceDown";

/// `init` in an empty or new folder: a book.toml that checks owners and alerts, one runbook
/// answering the one alert of an example rule file, and a .gitignore.
fn init_new_site(dir: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(dir.join("content/example"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::create_dir_all(dir.join("rules"))
        .with_context(|| format!("cannot create {}", dir.join("rules").display()))?;
    let title = std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "Runbooks".into());
    let book = format!(
        "#:schema ./{BOOK_SCHEMA}\n[book]\ntitle = {}\nlanguage = \"en\"\n# base-url = \"https://runbooks.example.com/\"\n\n[build]\ncontent-dir = \"content\"\nbuild-dir = \"site\"\n\n[validate]\nrequired-fields = [\"title\", \"owner\"]\n\n[alerts]\nrules = [\"rules/**/*.{{yaml,yml}}\"]  # Prometheus rule files, relative to this file\nrequire-runbook-for = [\"critical\"]\n",
        yaml_string(&format!("{title} runbooks"))
    );
    std::fs::write(dir.join(crate::config::CONFIG_FILE), book)?;
    write_schemas(dir)?;
    let config = Config::from_toml(dir, "")?;
    let runbook = runbook_template(
        &config,
        NewRunbook {
            folder: "example",
            title: "Example service is down",
            service: Some("example"),
            owner: Some("team-example"),
            severity: None,
            alerts: &[EXAMPLE_ALERT.to_string()],
            sections: Sections::Example,
        },
    );
    std::fs::write(dir.join("content/example/example-service-down.md"), runbook)?;
    std::fs::write(dir.join("rules/example.yaml"), example_rules())?;
    std::fs::write(
        dir.join(".gitignore"),
        format!(
            "/site/\n/{}/\n/.rb-site-cache/\n",
            crate::write::spare_name("site")
        ),
    )?;
    eprintln!(
        "Created a runbook site in {}. Next: rb-site build --root {}",
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A Prometheus rule file with the example alert, linking to the alert's stable page by a
/// root-relative URL (rb-site checks it resolves) and saying how to make it absolute.
fn example_rules() -> String {
    format!(
        "groups:\n  - name: example\n    rules:\n      - alert: {EXAMPLE_ALERT}\n        expr: up{{job=\"example\"}} == 0\n        for: 5m\n        labels:\n          severity: critical\n        annotations:\n          summary: The example service is down\n          # The alert's stable page on the site, whichever runbook answers it. Notifications\n          # need an absolute URL: once the site has an address, set base-url in book.toml and\n          # write it here too (https://runbooks.example.com/alerts/{EXAMPLE_ALERT}/).\n          runbook_url: /alerts/{EXAMPLE_ALERT}/\n"
    )
}
