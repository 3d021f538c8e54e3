//! Stage 7, write: put the [`Output`] on disk so that the build folder is always either the
//! previous site or the new one, never half of each, and without deleting thousands of files.
//!
//! rb-site double-buffers: beside `site/` it keeps the previous generation in `.site.rb-site-prev/`.
//! A build updates that spare folder in place to the new output (writing only the files whose
//! hash differs from its manifest and removing the stale ones), then swaps the two folders with
//! one atomic `renameat2(RENAME_EXCHANGE)`. Nothing is ever cleared and rewritten wholesale.
//! Folders rb-site owns carry a manifest file; rb-site refuses to write into any other folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::render::Output;

/// The manifest in every folder rb-site writes: proves ownership and lists each file's hash.
pub const MANIFEST: &str = ".rb-site-manifest";
const MANIFEST_HEADER: &str = "rb-site output manifest v1";

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Refuses build folders that would overwrite sources: the root, the content folder, a parent
/// of either, or an existing non-empty folder rb-site did not create.
pub fn check_build_dir(config: &Config, dest: &Path) -> Result<()> {
    let absolute =
        |p: &Path| -> PathBuf { std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()) };
    let normal = |p: &Path| -> PathBuf {
        let abs = absolute(p);
        let mut out = PathBuf::new();
        for c in abs.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other),
            }
        }
        out
    };
    let dest_n = normal(dest);
    let root_n = normal(&config.root);
    let content_n = normal(&config.content_dir());
    for (name, protected) in [
        ("the root folder", &root_n),
        ("the content folder", &content_n),
    ] {
        if protected.starts_with(&dest_n) {
            bail!(
                "refusing to write the site to {}: it is {name} or contains it; choose another build-dir",
                dest.display()
            );
        }
    }
    if dest_n.starts_with(&content_n) {
        bail!(
            "refusing to write the site to {}: it is inside the content folder",
            dest.display()
        );
    }
    if dest.is_dir() && !dest.join(MANIFEST).is_file() {
        let non_empty = std::fs::read_dir(dest)
            .with_context(|| format!("cannot read {}", dest.display()))?
            .next()
            .is_some();
        if non_empty {
            bail!(
                "refusing to write the site to {}: the folder exists and was not made by rb-site \
                 (it has no {MANIFEST}); remove it or choose another build-dir",
                dest.display()
            );
        }
    }
    Ok(())
}

/// The spare generation kept beside `dest`.
fn spare_dir(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    dest.with_file_name(format!(".{name}.rb-site-prev"))
}

/// Writes the output to `dest` atomically (see the module docs).
pub fn write(dest: &Path, output: &Output) -> Result<WriteStats> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let spare = spare_dir(dest);
    let hashes: BTreeMap<&str, String> = output
        .files
        .iter()
        .map(|(path, bytes)| (path.as_str(), blake3::hash(bytes).to_hex().to_string()))
        .collect();

    // The spare folder is trusted only with an intact manifest; after a crash it is rebuilt.
    let previous = read_manifest(&spare);
    if previous.is_none() && spare.exists() {
        std::fs::remove_dir_all(&spare)
            .with_context(|| format!("cannot remove {}", spare.display()))?;
    }
    let previous = previous.unwrap_or_default();
    std::fs::create_dir_all(&spare)
        .with_context(|| format!("cannot create {}", spare.display()))?;
    // From here until the new manifest is written, the spare folder is in flux.
    let manifest_path = spare.join(MANIFEST);
    if manifest_path.exists() {
        std::fs::remove_file(&manifest_path)
            .with_context(|| format!("cannot update {}", manifest_path.display()))?;
    }

    let mut stats = WriteStats::default();
    let mut changed: Vec<(PathBuf, &[u8])> = Vec::new();
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for (path, bytes) in &output.files {
        if previous.get(path.as_str()) == hashes.get(path.as_str()) {
            stats.unchanged += 1;
            continue;
        }
        let target = safe_join(&spare, path)?;
        if let Some(parent) = target.parent() {
            dirs.insert(parent.to_path_buf());
        }
        changed.push((target, bytes));
    }
    // Folders first (in order, so parents come before children), then the files in parallel:
    // a fresh 10,000-page site is mostly system-call time, which two threads halve.
    for dir in &dirs {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    {
        use rayon::prelude::*;
        changed.par_iter().try_for_each(|(target, bytes)| {
            std::fs::write(target, bytes)
                .with_context(|| format!("cannot write {}", target.display()))
        })?;
    }
    stats.written = changed.len();
    let mut stale_dirs = BTreeSet::new();
    for path in previous.keys() {
        if !hashes.contains_key(path.as_str()) {
            let target = safe_join(&spare, path)?;
            match std::fs::remove_file(&target) {
                Ok(()) => stats.removed += 1,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(err).with_context(|| format!("cannot remove {}", target.display()));
                }
            }
            let mut dir = Path::new(path.as_str()).parent();
            while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                stale_dirs.insert(d.to_path_buf());
                dir = d.parent();
            }
        }
    }
    // Deepest first; a folder that still has files is simply kept.
    for dir in stale_dirs.iter().rev() {
        let _ = std::fs::remove_dir(spare.join(dir));
    }
    write_manifest(&spare, &hashes)?;
    swap_in(&spare, dest)?;
    Ok(stats)
}

/// `root.join(rel)` for a site-relative path that must stay inside `root`.
fn safe_join(root: &Path, rel: &str) -> Result<PathBuf> {
    let path = Path::new(rel);
    if path.is_absolute()
        || path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        bail!("refusing to write {rel:?}: the path leaves the site folder");
    }
    Ok(root.join(path))
}

fn read_manifest(dir: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut lines = text.lines();
    if lines.next()? != MANIFEST_HEADER {
        return None;
    }
    Some(
        lines
            .filter_map(|line| line.split_once('\t'))
            .map(|(hash, path)| (path.to_string(), hash.to_string()))
            .collect(),
    )
}

fn write_manifest(dir: &Path, hashes: &BTreeMap<&str, String>) -> Result<()> {
    let mut text = String::with_capacity(hashes.len() * 100);
    text.push_str(MANIFEST_HEADER);
    text.push('\n');
    for (path, hash) in hashes {
        text.push_str(hash);
        text.push('\t');
        text.push_str(path);
        text.push('\n');
    }
    let path = dir.join(MANIFEST);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Makes `spare` the live folder and the live folder the spare, atomically where the OS can.
fn swap_in(spare: &Path, dest: &Path) -> Result<()> {
    if !dest.exists() {
        return std::fs::rename(spare, dest)
            .with_context(|| format!("cannot move {} to {}", spare.display(), dest.display()));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, spare, CWD, dest, RenameFlags::EXCHANGE).is_ok() {
            return Ok(());
        }
    }
    // No atomic exchange here: three renames, the live folder missing only between two of them.
    let aside = dest.with_file_name(format!(
        ".{}.rb-site-swap",
        dest.file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned())
    ));
    std::fs::rename(dest, &aside)
        .with_context(|| format!("cannot move {} aside", dest.display()))?;
    std::fs::rename(spare, dest)
        .with_context(|| format!("cannot move the new site to {}", dest.display()))?;
    std::fs::rename(&aside, spare)
        .with_context(|| format!("cannot keep {} as the spare", aside.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(files: &[(&str, &str)]) -> Output {
        let mut output = Output::default();
        for (path, text) in files {
            output
                .insert(*path, text.as_bytes().to_vec())
                .expect("unique");
        }
        output
    }

    fn tree(dir: &Path) -> Vec<String> {
        let mut files: Vec<String> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(dir)
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .filter(|p| p != MANIFEST)
            .collect();
        files.sort();
        files
    }

    #[test]
    fn second_build_swaps_and_removes_stale_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        let first = write(
            &dest,
            &output(&[("index.html", "1"), ("a/index.html", "a")]),
        )
        .expect("first");
        assert_eq!(first.written, 2);
        let second = write(
            &dest,
            &output(&[("index.html", "2"), ("b/index.html", "b")]),
        )
        .expect("second");
        assert_eq!(tree(&dest), ["b/index.html", "index.html"]);
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).expect("read"),
            "2"
        );
        // The spare folder was empty of a manifest (first build had none), so all was written.
        assert_eq!(second.written, 2);
        // Third build with the same output as the second: the spare (first generation) is updated.
        let third = write(
            &dest,
            &output(&[("index.html", "2"), ("b/index.html", "b")]),
        )
        .expect("third");
        assert_eq!(
            third,
            WriteStats {
                written: 2,
                unchanged: 0,
                removed: 1
            }
        );
        let fourth = write(
            &dest,
            &output(&[("index.html", "2"), ("b/index.html", "b")]),
        )
        .expect("fourth");
        assert_eq!(
            fourth,
            WriteStats {
                written: 0,
                unchanged: 2,
                removed: 0
            }
        );
        assert!(!spare_dir(&dest).join("a").exists());
    }

    #[test]
    fn refuses_folders_it_does_not_own_and_source_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::from_toml(dir.path(), "").expect("config");
        std::fs::create_dir_all(dir.path().join("content")).expect("mkdir");
        assert!(check_build_dir(&config, dir.path()).is_err());
        assert!(check_build_dir(&config, &dir.path().join("content")).is_err());
        assert!(check_build_dir(&config, &dir.path().join("content/site")).is_err());
        let foreign = dir.path().join("docs");
        std::fs::create_dir_all(&foreign).expect("mkdir");
        std::fs::write(foreign.join("keep.txt"), "mine").expect("write");
        let err = check_build_dir(&config, &foreign).expect_err("foreign folder");
        assert!(err.to_string().contains("not made by rb-site"), "{err}");
        assert!(check_build_dir(&config, &dir.path().join("site")).is_ok());
    }

    #[test]
    fn paths_cannot_escape() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(write(&dir.path().join("site"), &output(&[("../evil", "x")])).is_err());
    }
}
