//! The no-change shortcut of `build`, between stages 5 and 6: a build whose inputs are exactly
//! those of the last build into the same folder, which is still as that build left it, renders
//! and writes nothing. The checks still run and report (they are most of what such a build
//! costs), so `build` says the same things whether or not it took the shortcut.
//!
//! The fingerprint hashes everything the render and write stages read, rather than a list of
//! files that could miss one: the `rb-site` program itself, by its file's size and time (another
//! build of it may render differently), the whole configuration, today's date (pages show
//! overdue reviews), every page's path and text, every asset's bytes, the theme's templates and
//! static files, the alert graph and the values the alert stage hands to rendering (panels,
//! coverage, the output plan), and the build folder. It is remembered in
//! `.rb-site-cache/last-build` with a hash of the build folder's manifest, and only after a build
//! that wrote the site and whose rendering reported nothing: a diagram that ran out of time, or
//! code that could not be highlighted, is tried again by the next build rather than kept as it
//! was. Anything unreadable means no fingerprint, and so a full build.

use std::path::{Path, PathBuf};

use crate::Checked;
use crate::config::Config;

/// The remembered build, in the build cache.
const FILE: &str = "last-build";
const HEADER: &str = "rb-site last build v1";

/// The inputs of a build: equal fingerprints, equal sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(blake3::Hash);

/// What the last build into `dest` left: the HTML pages it wrote, when its fingerprint is `now`
/// and the folder still holds what it wrote (its manifest is unchanged); `None` otherwise.
pub fn unchanged(config: &Config, dest: &Path, now: Fingerprint) -> Option<usize> {
    let text = std::fs::read_to_string(last_build(config)).ok()?;
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let fingerprint = lines.next()?;
    let manifest = lines.next()?;
    let pages = lines.next()?.parse().ok()?;
    (fingerprint == now.0.to_hex().as_str() && manifest == manifest_hash(dest)?.to_hex().as_str())
        .then_some(pages)
}

/// Remembers a build that wrote `pages` HTML pages into `dest` from inputs `fingerprint`. Only
/// ever saves time: a cache that cannot be written means a full build next time.
pub fn remember(config: &Config, dest: &Path, fingerprint: Fingerprint, pages: usize) {
    let Some(manifest) = manifest_hash(dest) else {
        return;
    };
    let text = format!(
        "{HEADER}\n{}\n{}\n{pages}\n",
        fingerprint.0.to_hex(),
        manifest.to_hex()
    );
    let _ = crate::render::replace_cache_file(&last_build(config), text.as_bytes());
}

/// Forgets the last build: the build folder is about to change.
pub fn forget(config: &Config) {
    let _ = std::fs::remove_file(last_build(config));
}

/// The fingerprint of building `checked` into `dest`, or `None` when an input cannot be read.
pub fn of(config: &Config, checked: &Checked, dest: &Path) -> Option<Fingerprint> {
    let mut hasher = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(HEADER.as_bytes());
    // The program by its file's size and time, not its bytes: a debug build is 250 MB.
    let program = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = program
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    field(&program.len().to_le_bytes());
    field(&modified.as_nanos().to_le_bytes());
    field(format!("{config:?}").as_bytes());
    field(crate::model::today().to_string().as_bytes());
    field(
        std::path::absolute(dest)
            .ok()?
            .as_os_str()
            .as_encoded_bytes(),
    );
    for page in &checked.site.pages {
        field(page.doc.source.rel.as_bytes());
        field(page.doc.source.text.as_bytes());
    }
    for asset in &checked.site.assets {
        field(asset.as_bytes());
        field(&crate::load::read_asset(config, asset).ok()?);
    }
    let theme = crate::theme::Theme::load(&config.root, &config.build.theme).ok()?;
    for (name, template) in &theme.templates {
        field(name.as_bytes());
        field(template.as_bytes());
    }
    for (name, bytes) in &theme.statics {
        field(name.as_bytes());
        field(bytes);
    }
    field(format!("{:?}", checked.alerts).as_bytes());
    field(format!("{:?}", checked.extras).as_bytes());
    Some(Fingerprint(hasher.finalize()))
}

fn last_build(config: &Config) -> PathBuf {
    config.root.join(&config.build.cache_dir).join(FILE)
}

/// A hash of the build folder's manifest, which lists every file rb-site wrote there.
fn manifest_hash(dest: &Path) -> Option<blake3::Hash> {
    let bytes = std::fs::read(dest.join(crate::write::MANIFEST)).ok()?;
    Some(blake3::hash(&bytes))
}
