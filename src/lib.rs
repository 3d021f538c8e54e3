//! rb-site: a static site generator for operations runbooks.
//!
//! A build is a pipeline of stages, each a module that takes values and returns values:
//!
//! 1. [`load`]: find and read the content files (BOM and CRLF normalised).
//! 2. [`parse`]: front matter ([`frontmatter`]) and Markdown, parsed once into a [`model::Document`].
//! 3. [`link`]: place documents in the [`model::Site`]: URLs, kinds, sections, alert claims.
//! 4. [`validate`]: named rules produce [`diag::Diagnostic`]s; nothing stops at the first problem.
//! 5. [`alerts`]: Prometheus rule files and runbook claims, checked against each other.
//! 6. [`render`]: the site becomes an in-memory [`render::Output`]; [`search`] adds its index.
//! 7. [`write`]: the output replaces the build folder atomically.
//!
//! [`serve`] runs stages 1 to 6 again as files change, re-parsing and re-rendering only what a
//! change touches ([`check_documents`], [`render_site_pages`]).
//!
//! Exit codes of the `rb-site` binary: 0 success; 1 content errors (diagnostics of level error,
//! or warnings under `--strict`); 2 usage, configuration or I/O errors.

pub mod cli;
pub mod config;
pub mod diag;
pub mod frontmatter;
pub mod link;
pub mod load;
pub mod model;
pub mod parse;
pub mod render;
pub mod serve;
pub mod theme;
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
    pub extras: Extras,
}

/// Stages 1 to 5: everything short of rendering. Content problems are in the report;
/// an `Err` means the site could not be read at all (missing content folder, I/O).
pub fn check(config: &Config) -> Result<Checked> {
    let loaded = load::load(config)?;
    let files = loaded.files.len() + loaded.diagnostics.len();
    let assets: BTreeSet<String> = loaded.assets.iter().map(|(rel, _)| rel.clone()).collect();
    let (documents, parse_diagnostics) = parse::parse_all(config, loaded.files);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(parse_diagnostics);
    Ok(check_documents(
        config,
        documents,
        diagnostics,
        assets,
        files,
    ))
}

/// Stages 3 to 5 on documents already parsed. Split out of [`check`] so that `serve` can keep
/// documents between rebuilds and re-parse only the files that changed; `earlier` holds the
/// load and parse diagnostics of every file.
pub fn check_documents(
    config: &Config,
    documents: Vec<model::Document>,
    earlier: Vec<diag::Diagnostic>,
    assets: BTreeSet<String>,
    files: usize,
) -> Checked {
    let (site, link_diagnostics) = link::link(config, documents, assets);
    let validate_diagnostics = validate::validate(config, &site);

    let mut report = Report::default();
    let level_of = |code: &str| config.level_of(code);
    report.extend(level_of, earlier);
    report.extend(level_of, link_diagnostics);
    report.extend(level_of, validate_diagnostics);
    Checked {
        site,
        report: report.sorted(),
        files,
        extras: Extras::default(),
    }
}

/// Stage 6: renders a checked site into memory. Rendering problems join the report.
pub fn render_site(config: &Config, checked: &mut Checked) -> Result<Output> {
    let mut cache = render::RenderCache::default();
    render_site_pages(config, checked, &render::PageSet::All, &mut cache)
}

/// Stage 6 for `serve`: renders the pages in `which` (the site-wide pages always), reusing the
/// Markdown bodies in `cache` whose inputs did not change. With [`render::PageSet::All`] and an
/// empty cache this is exactly [`render_site`].
pub fn render_site_pages(
    config: &Config,
    checked: &mut Checked,
    which: &render::PageSet,
    cache: &mut render::RenderCache,
) -> Result<Output> {
    let theme = theme::Theme::load(&config.root, &config.build.theme)?;
    let rendered =
        render::render_pages(config, &checked.site, &theme, &checked.extras, which, cache)?;
    let mut report = std::mem::take(&mut checked.report);
    report.extend(|code| config.level_of(code), rendered.diagnostics);
    checked.report = report.sorted();
    Ok(rendered.output)
}

/// What a build did, for the summary line.
#[derive(Debug)]
pub struct BuildOutcome {
    pub checked: Checked,
    /// None when errors stopped the build before anything was written.
    pub written: Option<write::WriteStats>,
    pub pages: usize,
    pub seconds: f64,
}

/// The whole pipeline. Errors in the content leave the previous site untouched.
pub fn build(config: &Config, dest: &Path) -> Result<BuildOutcome> {
    let started = Instant::now();
    write::check_build_dir(config, dest)?;
    let mut checked = check(config)?;
    let output = render_site(config, &mut checked)?;
    let pages = output.html_pages();
    let written = if checked.report.has_errors() {
        None
    } else {
        Some(write::write(dest, &output)?)
    };
    Ok(BuildOutcome {
        checked,
        written,
        pages,
        seconds: started.elapsed().as_secs_f64(),
    })
}
