//! rb-site: a static site generator for operations runbooks.
//!
//! A build is a pipeline of stages, each a module that takes values and returns values:
//!
//! 1. [`load`]: find and read the content files (BOM and CRLF normalised).
//! 2. [`parse`]: front matter ([`frontmatter`]) and the Markdown's outline, into a
//!    [`model::Document`]; later stages read the body's events through [`parse::events`].
//! 3. [`link`]: place documents in the [`model::Site`]: URLs, kinds, sections, alert claims.
//! 4. [`validate`]: named rules produce [`diag::Diagnostic`]s; nothing stops at the first problem.
//! 5. [`alerts`]: Prometheus rule files and runbook claims, checked against each other; then
//!    [`paths`] decides every output path, reporting collisions with generated pages.
//! 6. [`render`]: the site becomes an in-memory [`render::Output`]; [`search`] adds its index.
//! 7. [`mod@write`]: the output replaces the build folder atomically.
//!
//! Between 5 and 6, `build` takes a shortcut when nothing changed since its last build into the
//! same folder ([`fingerprint`]): it reports what the checks found and renders nothing.
//!
//! [`serve`] runs stages 1 to 6 again as files change, re-parsing, re-checking and re-rendering
//! only what a change touches ([`link`] and [`validate`] page by page; [`render_site_pages`]
//! renders a file again only when its template's context changed, [`render::keyed`]).
//! `check` and `serve` run stages 4 and 5 through one type, [`checks::Checks`]: `check` once,
//! `serve` keeping it between builds, patching it before a reload and running it whole again
//! after.
//!
//! Exit codes of the `rb-site` binary: 0 success; 1 content errors (diagnostics of level error,
//! or warnings under `--strict`); 2 usage, configuration or I/O errors.

// The crate's documentation is for the people working on it: module docs name their private
// parts (`cargo doc --document-private-items` links them).
#![allow(rustdoc::private_intra_doc_links)]

pub mod adopt;
pub mod alerts;
pub mod baseline;
mod checks;
pub mod cli;
pub mod config;
pub mod diag;
pub mod fingerprint;
pub mod frontmatter;
#[doc(hidden)]
pub mod fuzzing;
pub mod link;
pub mod load;
pub mod model;
pub mod parse;
pub mod paths;
pub mod render;
pub mod schema;
pub mod search;
pub mod serve;
pub mod theme;
pub mod timings;
pub mod validate;
pub mod write;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use config::Config;
use diag::Report;
use model::Site;
use render::{Extras, Output};

/// A site read, parsed, linked and checked: what `check` reports and `build` renders.
#[derive(Debug)]
pub struct Checked {
    pub site: Site,
    pub report: Report,
    /// Content files read (Markdown), for summaries.
    pub files: usize,
    /// Alerts from rule files and runbook claims, linked both ways.
    pub(crate) alerts: alerts::AlertGraph,
    pub extras: Extras,
    /// Problems the render stage found that the checks had not (before levels apply): a build
    /// with any is not remembered as one to skip ([`fingerprint`]).
    pub render_problems: usize,
}

/// Stages 1 to 3: read, parse and link the content. Diagnostics are returned unleveled.
pub fn load_site(config: &Config) -> Result<(Site, Vec<diag::Diagnostic>, usize)> {
    let loaded = timings::time("load", || load::load(config))?;
    let files = loaded.files.len() + loaded.diagnostics.len();
    let assets: BTreeSet<String> = loaded.assets.iter().map(|(rel, _)| rel.clone()).collect();
    let mut diagnostics = loaded.diagnostics;
    let (documents, parse_diagnostics) =
        timings::time("parse", || parse::parse_all(config, loaded.files));
    diagnostics.extend(parse_diagnostics);
    let (site, link_diagnostics) = timings::time("link", || link::link(config, documents, assets));
    diagnostics.extend(link_diagnostics);
    Ok((site, diagnostics, files))
}

/// Stages 1 to 5: everything short of rendering. Content problems are in the report;
/// an `Err` means the site could not be read at all (missing content folder, I/O).
pub fn check(config: &Config) -> Result<Checked> {
    // The theme and its templates, as `build` reads them: a theme it cannot find or a template
    // that does not compile fails `check` the same way (exit 2), not only the build after it.
    timings::time("templates", || {
        render::RenderCache::one_render().templates(config)
    })?;
    let (site, diagnostics, files) = load_site(config)?;
    check_site(config, site, diagnostics, files)
}

/// Stages 4 and 5 on a linked site ([`checks::Checks::run`], which `serve` keeps and patches).
/// `diagnostics` are those of the earlier stages, unleveled.
pub fn check_site(
    config: &Config,
    site: Site,
    diagnostics: Vec<diag::Diagnostic>,
    files: usize,
) -> Result<Checked> {
    let rules = timings::time("alert rules", || alerts::load_rules(config));
    let (mut checked, checks) =
        checks::Checks::run(config, site, Default::default(), Vec::new(), rules, files);
    // What pages show of the alert graph is made when they render (`check` never needs it).
    checked.report = checks.into_report(config, diagnostics);
    Ok(checked)
}

/// What pages show of the alert graph: each runbook's Alerts panel, the home page's coverage.
pub(crate) fn show_alerts(extras: &mut Extras, graph: &alerts::AlertGraph) {
    let panels = alerts::alerts_panels(graph)
        .into_iter()
        .filter(|(_, panel)| !panel.is_empty())
        .collect();
    checks::keep_equal(&mut extras.alert_panels, panels);
    checks::keep_equal(&mut extras.coverage, Some(alerts::coverage_summary(graph)));
}

/// Stage 6: renders a checked site into memory, with the alert pages and the search index.
/// Rendering problems join the report.
pub fn render_site(config: &Config, checked: &mut Checked) -> Result<Output> {
    render_site_into(config, checked, Output::default(), &Progress::default())
}

/// [`render_site`] into a given (for example streaming) output.
pub fn render_site_into(
    config: &Config,
    checked: &mut Checked,
    output: Output,
    progress: &Progress,
) -> Result<Output> {
    let mut cache = render::RenderCache::one_render();
    render_into(
        config,
        checked,
        &render::PageSet::All,
        &mut cache,
        &render::keyed::Reuse::none(),
        output,
        progress,
    )
}

/// Stage 6 for `serve`: renders the pages in `which`, reusing the Markdown bodies in `cache`
/// whose inputs did not change, and the files of `previous` (the last render's) whose
/// templates' contexts did not ([`render::keyed`]). With [`render::PageSet::All`] and an empty
/// cache this is exactly [`render_site`].
pub fn render_site_pages(
    config: &Config,
    checked: &mut Checked,
    which: &render::PageSet,
    cache: &mut render::RenderCache,
    previous: Option<&dyn render::keyed::Previous>,
) -> Result<Output> {
    let reuse = cache.reuse(previous);
    let mut output = render_into(
        config,
        checked,
        which,
        cache,
        &reuse,
        Output::default(),
        &Progress::default(),
    )?;
    output.kept = cache.keep(reuse, which);
    Ok(output)
}

fn render_into(
    config: &Config,
    checked: &mut Checked,
    which: &render::PageSet,
    cache: &mut render::RenderCache,
    reuse: &render::keyed::Reuse,
    output: Output,
    progress: &Progress,
) -> Result<Output> {
    if checked.extras.coverage.is_none() {
        show_alerts(&mut checked.extras, &checked.alerts);
    }
    let templates = timings::time("templates", || cache.templates(config))?;
    let (theme, tera) = (&templates.0, &templates.1);
    let with_search = config.search.enabled && which.whole_site();
    // The search index and the alert pages need only the checked site: build them while the
    // pages render, each into its own branch of the output so a streaming output writes them
    // as soon as they are ready.
    // What every template gets, made once for the pages and the alert pages.
    let base = render::base_context(config, theme, cache.hashing());
    let mut kept_records = cache.take_search();
    let mut index_output = output.branch();
    let mut alert_output = output.branch();
    let (rendered, (indexed, alerted)) = rayon::join(
        || {
            timings::time("render", || {
                let inputs = render::Inputs {
                    config,
                    site: &checked.site,
                    theme,
                    tera,
                    extras: &checked.extras,
                    base: &base,
                    reuse,
                };
                render::render_pages(&inputs, which, cache, output, progress)
            })
        },
        || {
            rayon::join(
                // The index covers every page: `serve` refreshes it in its deferred pass, with
                // the print binders, so a save's reload never waits for it.
                || -> Result<()> {
                    if with_search {
                        timings::time("search index", || match kept_records.as_mut() {
                            Some(kept) => search::index_site_kept(
                                &checked.site.pages,
                                config,
                                kept,
                                |path, bytes| index_output.insert(path, bytes),
                            ),
                            None => search_index(config, &checked.site, &mut index_output),
                        })?;
                    }
                    Ok(())
                },
                // Alert pages list runbooks: `serve` renders them with the other listings.
                || -> Result<()> {
                    if which.whole_site() {
                        timings::time("alert pages", || {
                            render::alert_pages::alert_outputs(
                                config,
                                &checked.site,
                                &checked.alerts,
                                tera,
                                &base,
                                reuse,
                                &checked.extras.outputs.lost_redirects,
                                &mut alert_output,
                            )
                        })?;
                    }
                    Ok(())
                },
            )
        },
    );
    cache.keep_search(kept_records);
    let rendered = rendered?;
    indexed?;
    alerted?;
    let mut output = rendered.output;
    output.absorb(alert_output);
    output.absorb(index_output);
    let mut report = std::mem::take(&mut checked.report);
    // What the check stages already reported (a Mermaid block that does not parse) is not
    // repeated: `check` and `build` report the same problems once. Rendering seldom finds any
    // problem, and `serve` comes here after every save: the report's keys are borrowed, and
    // gathered only when rendering found something.
    let reported: BTreeSet<_> = if rendered.diagnostics.is_empty() {
        BTreeSet::new()
    } else {
        report
            .diagnostics()
            .iter()
            .chain(report.known())
            .map(diagnostic_key)
            .collect()
    };
    let found: Vec<diag::Diagnostic> = rendered
        .diagnostics
        .into_iter()
        .filter(|d| !reported.contains(&diagnostic_key(d)))
        .collect();
    let collisions = std::mem::take(&mut output.collisions);
    checked.render_problems = found.len() + collisions.len();
    report.extend_at(|path, code| config.level_at(path, code), found);
    report.extend_at(
        |path, code| config.level_at(path, code),
        collisions.iter().map(|path| collision(&checked.site, path)),
    );
    checked.report = config.finish_report(report);
    Ok(output)
}

/// What tells two diagnostics apart when a stage finds a problem another already reported.
fn diagnostic_key(d: &diag::Diagnostic) -> (&str, usize, usize, &str, &str) {
    (
        d.file.as_str(),
        d.line,
        d.column,
        d.code,
        d.message.as_str(),
    )
}

/// A `duplicate-url` diagnostic for an output path two files wanted, on the content page
/// that took it when there is one.
fn collision(site: &Site, path: &str) -> diag::Diagnostic {
    let page = site
        .pages
        .iter()
        .find(|p| format!("{}index.html", p.url) == path);
    let message = format!(
        "two files of the site want the path {path}; rb-site generates it, so move or rename the page"
    );
    match page {
        Some(page) => diag::Diagnostic::file(&page.doc.source.path, "duplicate-url", message),
        None => diag::Diagnostic::file(path, "duplicate-url", message),
    }
}

/// Stage 6b: the search index, from the parsed pages (never from the built HTML), into
/// `output` file by file.
pub fn search_index(config: &Config, site: &Site, output: &mut Output) -> Result<()> {
    search::index_site(&site.pages, config, |path, bytes| {
        output.insert(path, bytes)
    })
}

/// How far a build has got, for a progress display: the pipeline counts, anyone may read.
#[derive(Debug, Default)]
pub struct Progress {
    /// Pages to render, once known (0 before).
    pub pages: std::sync::atomic::AtomicUsize,
    /// Pages rendered so far.
    pub rendered: std::sync::atomic::AtomicUsize,
    /// Diagrams missing from the cache, laid out before the pages render (0: none, or not
    /// known yet).
    pub diagrams: std::sync::atomic::AtomicUsize,
    /// Of those, laid out so far.
    pub laid_out: std::sync::atomic::AtomicUsize,
}

/// What a build did, for the summary line.
#[derive(Debug)]
pub struct BuildOutcome {
    pub checked: Checked,
    /// None when errors stopped the build before anything was written.
    pub written: Option<write::WriteStats>,
    pub pages: usize,
    pub seconds: f64,
    /// Nothing changed since the last build into the folder, which was left as it was
    /// ([`fingerprint`]).
    pub unchanged: bool,
}

/// The whole pipeline. Errors in the content leave the previous site untouched.
///
/// When the checks pass, files are written as they are rendered (into the spare generation,
/// see [`mod@write`]), so writing overlaps rendering and the site is never all in memory at once;
/// the new generation is swapped in only if rendering also reports no error.
pub fn build(config: &Config, dest: &Path, progress: &Progress) -> Result<BuildOutcome> {
    let started = Instant::now();
    write::check_build_dir(config, dest)?;
    let mut checked = timings::time("check", || check(config))?;
    progress.pages.store(
        checked.site.pages.len(),
        std::sync::atomic::Ordering::Relaxed,
    );
    if checked.report.has_errors() {
        // Render anyway: its diagnostics join the report. Nothing is written.
        let output = render_site(config, &mut checked)?;
        return Ok(BuildOutcome {
            pages: output.html_pages(),
            checked,
            written: None,
            seconds: started.elapsed().as_secs_f64(),
            unchanged: false,
        });
    }
    // Nothing changed since the last build into `dest`: the site there is this build's.
    let fingerprint = timings::time("fingerprint", || fingerprint::of(config, &checked, dest));
    if let Some(pages) = fingerprint.and_then(|now| fingerprint::unchanged(config, dest, now)) {
        return Ok(BuildOutcome {
            checked,
            written: Some(write::WriteStats::default()),
            pages,
            seconds: started.elapsed().as_secs_f64(),
            unchanged: true,
        });
    }
    fingerprint::forget(config);
    let writer = std::sync::Arc::new(write::Writer::open(dest)?);
    let (stream, writing) = writer.stream()?;
    let rendered = render_site_into(config, &mut checked, Output::streaming(stream), progress);
    let output = rendered.map(|mut output| {
        output.end_stream();
        output
    });
    // The writers finish what they were sent whatever happened; their error explains a failed
    // render ("the write stage stopped") better than the render's own.
    let wrote = timings::time("write (rest)", || writing.join());
    let output = match (output, wrote) {
        (Ok(output), Ok(())) => output,
        (_, Err(err)) | (Err(err), Ok(())) => {
            writer.abandon()?;
            return Err(err);
        }
    };
    let pages = output.html_pages();
    let written = if checked.report.has_errors() {
        writer.abandon()?;
        None
    } else {
        let written = timings::time("write (finish)", || writer.finish(&output))?;
        // Only a build whose rendering found nothing is worth repeating as it was.
        if let Some(fingerprint) = fingerprint.filter(|_| checked.render_problems == 0) {
            fingerprint::remember(config, dest, fingerprint, pages);
        }
        Some(written)
    };
    Ok(BuildOutcome {
        checked,
        written,
        pages,
        seconds: started.elapsed().as_secs_f64(),
        unchanged: false,
    })
}
