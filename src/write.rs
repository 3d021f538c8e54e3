//! Stage 7, write: put the [`Output`] on disk so that the build folder is always either the
//! previous site or the new one, never half of each, and without deleting thousands of files.
//!
//! rb-site double-buffers: beside `site/` it keeps the previous generation in `.site.rb-site-prev/`.
//! A build updates that spare folder in place to the new output (writing only the files whose
//! hash differs from its manifest and removing the stale ones), then swaps the two folders with
//! one atomic `renameat2(RENAME_EXCHANGE)`. Nothing is ever cleared and rewritten wholesale.
//! A build whose output equals the live site's (its manifest says so) writes nothing at all and
//! swaps nothing: the live files keep their mtimes, so rsync, `make` and CDN uploads see no change.
//! Folders rb-site owns carry a manifest file; rb-site refuses to write into any other folder.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::render::{Output, Stream};

/// The manifest in every folder rb-site writes: proves ownership and lists each file's hash.
pub const MANIFEST: &str = ".rb-site-manifest";
const MANIFEST_HEADER: &str = "rb-site output manifest v1";
/// The manifest of a spare generation being written: rb-site's folder, contents unknown.
const IN_FLUX_HEADER: &str = "rb-site output manifest v1 (being written)";

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
    // A hidden folder inside the content folder is safe: the load stage skips hidden folders,
    // so the site is never read back as content (a repository whose content folder is its root).
    let hidden_inside = dest_n.strip_prefix(&content_n).is_ok_and(|rest| {
        rest.components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    });
    if dest_n.starts_with(&content_n) && !hidden_inside {
        bail!(
            "refusing to write the site to {}: it is inside the content folder (a hidden folder such as .site would be skipped as content)",
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
    dest.with_file_name(spare_name(&name))
}

/// The name of the spare generation kept beside a build folder named `name`
/// (`.site.rb-site-prev` beside `site`): a name for `.gitignore`.
pub fn spare_name(name: &str) -> String {
    format!(".{name}.rb-site-prev")
}

/// Writes the output to `dest` atomically (see the module docs).
pub fn write(dest: &Path, output: &Output) -> Result<WriteStats> {
    use rayon::prelude::*;
    let writer = Writer::open(dest)?;
    let written = output
        .files
        .par_iter()
        .try_for_each(|(path, bytes)| writer.put(path, bytes));
    match written {
        Ok(()) => writer.finish(output),
        Err(err) => {
            writer.abandon()?;
            Err(err)
        }
    }
}

/// How many threads write a streamed output: file system calls in different folders proceed
/// in parallel, and two keep up with rendering on small machines.
const WRITE_THREADS: usize = 2;

/// A write in progress: files go into the spare generation beside `dest` as they come
/// ([`Writer::put`], from any thread), then [`Writer::finish`] removes what the new output does
/// not have and swaps the spare in, or [`Writer::abandon`] leaves the live site as it was.
#[derive(Debug)]
pub struct Writer {
    dest: PathBuf,
    spare: PathBuf,
    /// The spare's manifest when the write began: path -> hash of the file it holds.
    previous: BTreeMap<String, String>,
    /// The live folder's manifest: path -> hash. A file the live site already holds is not
    /// written into the spare until [`Writer::finish`] knows the output differs somewhere.
    live: BTreeMap<String, String>,
    /// Paths held back because the live folder has them: copied into the spare by `finish`
    /// only when the spare is swapped in.
    held: Mutex<BTreeSet<String>>,
    /// Whether the spare has been changed yet (its manifest is then marked in flux).
    touched: std::sync::Once,
    /// Files put so far: path -> hash, and whether the file had to be written.
    put: Mutex<BTreeMap<String, (String, bool)>>,
    /// Folders known to exist in the spare.
    dirs: Mutex<HashSet<PathBuf>>,
}

/// The threads writing a streamed output; see [`Writer::stream`].
#[derive(Debug)]
pub struct Writing {
    threads: Vec<std::thread::JoinHandle<Result<()>>>,
}

impl Writing {
    /// Waits until every file sent has been written; the first error, if any.
    pub fn join(self) -> Result<()> {
        let mut outcome = Ok(());
        for thread in self.threads {
            let result = thread
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a write thread panicked")));
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }
}

impl Writer {
    /// Prepares the spare generation beside `dest`. Nothing visible changes until `finish`.
    pub fn open(dest: &Path) -> Result<Writer> {
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let spare = spare_dir(dest);
        // The spare folder is trusted only with an intact manifest; after a crash in the middle
        // of a write it is rebuilt (by `prepare_spare`, once the build has something to write).
        // A folder of that name without any manifest is not rb-site's to delete.
        let previous = read_manifest(&spare);
        if previous.is_none() && std::fs::symlink_metadata(&spare).is_ok() && !is_in_flux(&spare) {
            bail!(
                "refusing to write the site: {} exists but was not made by rb-site (it has no \
                 {MANIFEST}); rb-site keeps the previous build there, so move that folder away",
                spare.display()
            );
        }
        Ok(Writer {
            live: read_manifest(dest).unwrap_or_default(),
            held: Mutex::default(),
            touched: std::sync::Once::new(),
            dest: dest.to_path_buf(),
            dirs: Mutex::new(HashSet::from([spare.clone()])),
            spare,
            previous: previous.unwrap_or_default(),
            put: Mutex::default(),
        })
    }

    /// Before the first change to the spare: creates it (a spare without an intact manifest is
    /// first removed), and from then until a manifest is written again the spare folder is in
    /// flux (a crash leaves it without a manifest, and the next build rebuilds it). A build that
    /// changes nothing never calls this, so it creates, removes and writes nothing.
    fn touch_spare(&self) -> Result<()> {
        let mut outcome = Ok(());
        self.touched.call_once(|| outcome = self.prepare_spare());
        outcome
    }

    fn prepare_spare(&self) -> Result<()> {
        let spare = &self.spare;
        // `new` refused a spare folder without a manifest unless it was rb-site's, left in flux.
        if self.previous.is_empty() && spare.exists() && read_manifest(spare).is_none() {
            std::fs::remove_dir_all(spare)
                .with_context(|| format!("cannot remove {}", spare.display()))?;
        }
        std::fs::create_dir_all(spare)
            .with_context(|| format!("cannot create {}", spare.display()))?;
        // From here until a manifest is written again, the spare folder is in flux.
        let manifest_path = spare.join(MANIFEST);
        std::fs::write(&manifest_path, format!("{IN_FLUX_HEADER}\n"))
            .with_context(|| format!("cannot update {}", manifest_path.display()))
    }

    /// Puts one file into the spare generation, unless the spare already holds those bytes.
    /// A path put twice (two outputs wanting it: an error the build reports) keeps the first.
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        let unchanged = self.previous.get(path) == Some(&hash);
        let live = !unchanged && self.live.get(path) == Some(&hash);
        {
            let mut put = lock(&self.put);
            if put.contains_key(path) {
                return Ok(());
            }
            put.insert(path.to_string(), (hash, !unchanged));
        }
        if unchanged {
            return Ok(());
        }
        if live {
            lock(&self.held).insert(path.to_string());
            return Ok(());
        }
        self.touch_spare()?;
        let written = safe_join(&self.spare, path).and_then(|target| {
            if let Some(parent) = target.parent() {
                self.ensure_dir(parent)?;
            }
            std::fs::write(&target, bytes)
                .with_context(|| format!("cannot write {}", target.display()))
        });
        if written.is_err() {
            // What the spare holds at this path is unknown now: no hash matches it, so the
            // next build writes it again.
            lock(&self.put).insert(path.to_string(), (String::new(), true));
        }
        written
    }

    /// Starts [`WRITE_THREADS`] threads putting every file sent on the returned channel, until
    /// every sender is dropped; [`Writing::join`] waits for them.
    pub fn stream(self: &Arc<Self>) -> Result<(Stream, Writing)> {
        // Bounded: rendering waits for the disk rather than piling the site up in memory.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(String, Vec<u8>)>(256);
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = (0..WRITE_THREADS)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                let writer = Arc::clone(self);
                std::thread::Builder::new()
                    .name("rb-site-write".into())
                    .spawn(move || {
                        loop {
                            let next = lock(&receiver).recv();
                            let Ok((path, bytes)) = next else {
                                return Ok(());
                            };
                            writer.put(&path, &bytes)?;
                        }
                    })
                    .context("cannot start a write thread")
            })
            .collect::<Result<_>>()?;
        Ok((sender, Writing { threads }))
    }

    /// Completes the write: removes from the spare what `output` does not have, writes its
    /// manifest and swaps it in. Every file of `output` must have been put.
    pub fn finish(&self, output: &Output) -> Result<WriteStats> {
        let mut put = std::mem::take(&mut *lock(&self.put));
        if let Some(missing) = output.files.keys().find(|path| !put.contains_key(*path)) {
            bail!("internal error: {missing} was rendered but never written");
        }
        let same_as_live = put.len() == self.live.len()
            && put
                .iter()
                .all(|(path, (hash, _))| self.live.get(path) == Some(hash));
        if same_as_live && self.dest.is_dir() {
            // Nothing changed: the live site stays, untouched, and so does the spare (its
            // manifest is rewritten only if an earlier step of this write changed it).
            let unchanged = put.len();
            if self.touched.is_completed() {
                self.abandon_with(put)?;
            }
            return Ok(WriteStats {
                unchanged,
                ..WriteStats::default()
            });
        }
        self.touch_spare()?;
        // The files held back because the live site had them: the spare needs them now.
        let held = std::mem::take(&mut *lock(&self.held));
        for path in &held {
            self.copy_from_live(path)?;
            if let Some(entry) = put.get_mut(path) {
                entry.1 = true;
            }
        }
        let mut stats = WriteStats::default();
        for (_, written) in put.values() {
            if *written {
                stats.written += 1;
            } else {
                stats.unchanged += 1;
            }
        }
        let mut stale_dirs = BTreeSet::new();
        for path in self.previous.keys() {
            if !put.contains_key(path.as_str()) {
                let target = safe_join(&self.spare, path)?;
                match std::fs::remove_file(&target) {
                    Ok(()) => stats.removed += 1,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(err) => {
                        return Err(err)
                            .with_context(|| format!("cannot remove {}", target.display()));
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
            let _ = std::fs::remove_dir(self.spare.join(dir));
        }
        let hashes: BTreeMap<&str, &str> = put
            .iter()
            .map(|(path, (hash, _))| (path.as_str(), hash.as_str()))
            .collect();
        write_manifest(&self.spare, &hashes)?;
        let carried = self.carry_foreign(&hashes)?;
        if let Err(err) = swap_in(&self.spare, &self.dest) {
            // Put the user's files back where they were; the live site is unchanged.
            for rel in carried.iter().rev() {
                let _ = std::fs::rename(self.spare.join(rel), self.dest.join(rel));
            }
            return Err(err);
        }
        Ok(stats)
    }

    /// Moves what the live folder holds that rb-site never wrote (`CNAME`, `.nojekyll`,
    /// `.git/`: anything its manifest does not list) into the spare, so that it is still
    /// there, unchanged, once the spare is swapped in. Refuses when the new site generates one
    /// of those paths, or when the spare holds something of the same name rb-site did not
    /// write either: rb-site never overwrites or deletes what it did not write.
    /// Returns the paths moved, relative to both folders.
    fn carry_foreign(&self, new: &BTreeMap<&str, &str>) -> Result<Vec<PathBuf>> {
        if !self.dest.is_dir() {
            return Ok(Vec::new());
        }
        let live = read_manifest(&self.dest).unwrap_or_default();
        let holds_under = |map: &mut dyn Iterator<Item = &str>, prefix: &str| {
            map.next().is_some_and(|path| path.starts_with(prefix))
        };
        let mut foreign = Vec::new();
        let mut walker = walkdir::WalkDir::new(&self.dest)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walker.next() {
            let entry = entry.with_context(|| format!("cannot read {}", self.dest.display()))?;
            let Ok(rel) = entry.path().strip_prefix(&self.dest) else {
                continue;
            };
            let key = rel.to_string_lossy().replace('\\', "/");
            if key == MANIFEST {
                continue;
            }
            if entry.file_type().is_dir() {
                // A folder either site writes into is looked into; any other goes as a whole.
                let prefix = format!("{key}/");
                if holds_under(
                    &mut live.range(prefix.clone()..).map(|(k, _)| k.as_str()),
                    &prefix,
                ) || holds_under(&mut new.range(prefix.as_str()..).map(|(k, _)| *k), &prefix)
                {
                    continue;
                }
                walker.skip_current_dir();
            } else if live.contains_key(&key) {
                continue;
            } else if new.contains_key(key.as_str()) {
                bail!(
                    "refusing to write the site: {} was not written by rb-site, and the site now \
                     generates {key}; move it out of {}",
                    entry.path().display(),
                    self.dest.display()
                );
            }
            let target = self.spare.join(rel);
            if std::fs::symlink_metadata(&target).is_ok() {
                bail!(
                    "refusing to write the site: {} and {} were both not written by rb-site; \
                     keep the one you want and delete the other",
                    entry.path().display(),
                    target.display()
                );
            }
            foreign.push(rel.to_path_buf());
        }
        let mut carried = Vec::new();
        for rel in foreign {
            let target = self.spare.join(&rel);
            // Not `ensure_dir`: removing stale files may have removed folders it knows.
            let moved = target
                .parent()
                .map_or(Ok(()), |parent| {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))
                })
                .and_then(|()| {
                    std::fs::rename(self.dest.join(&rel), &target).with_context(|| {
                        format!(
                            "cannot keep {} in the new site",
                            self.dest.join(&rel).display()
                        )
                    })
                });
            if let Err(err) = moved {
                for rel in carried.iter().rev() {
                    let _ = std::fs::rename(self.spare.join(rel), self.dest.join(rel));
                }
                return Err(err);
            }
            carried.push(rel);
        }
        Ok(carried)
    }

    /// Gives the write up, leaving the live site as it was. The spare keeps a manifest of what
    /// it now holds, so the next build still writes only what differs.
    pub fn abandon(&self) -> Result<()> {
        let put = std::mem::take(&mut *lock(&self.put));
        if !self.touched.is_completed() {
            // The spare was never changed: its manifest is still accurate.
            return Ok(());
        }
        self.abandon_with(put)
    }

    /// Writes the spare's manifest after a write that is not swapped in: what it held before,
    /// updated with the files of `put` actually written into it (not those held back).
    fn abandon_with(&self, mut put: BTreeMap<String, (String, bool)>) -> Result<()> {
        let held = std::mem::take(&mut *lock(&self.held));
        put.retain(|path, _| !held.contains(path));
        let mut hashes: BTreeMap<&str, &str> = self
            .previous
            .iter()
            .map(|(path, hash)| (path.as_str(), hash.as_str()))
            .collect();
        hashes.extend(
            put.iter()
                .map(|(path, (hash, _))| (path.as_str(), hash.as_str())),
        );
        write_manifest(&self.spare, &hashes)
    }

    /// Copies a file the live site holds, with the bytes its manifest records, into the spare.
    /// A live file changed by hand since is an error, and is forgotten by the live manifest so
    /// that the next build writes it again.
    fn copy_from_live(&self, path: &str) -> Result<()> {
        let source = safe_join(&self.dest, path)?;
        let target = safe_join(&self.spare, path)?;
        let bytes =
            std::fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
        if self.live.get(path).map(String::as_str) != Some(blake3::hash(&bytes).to_hex().as_str()) {
            let mut live: BTreeMap<&str, &str> = self
                .live
                .iter()
                .map(|(p, h)| (p.as_str(), h.as_str()))
                .collect();
            live.insert(path, "");
            write_manifest(&self.dest, &live)?;
            bail!(
                "{} was changed after rb-site wrote it; build again to replace it",
                source.display()
            );
        }
        if let Some(parent) = target.parent() {
            self.ensure_dir(parent)?;
        }
        std::fs::write(&target, bytes).with_context(|| format!("cannot write {}", target.display()))
    }

    /// Creates `dir` (and its parents) in the spare once per write.
    fn ensure_dir(&self, dir: &Path) -> Result<()> {
        if lock(&self.dirs).contains(dir) {
            return Ok(());
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        lock(&self.dirs).insert(dir.to_path_buf());
        Ok(())
    }
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

/// Whether `dir` is a spare generation rb-site was writing when it stopped.
fn is_in_flux(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(MANIFEST))
        .is_ok_and(|text| text.lines().next() == Some(IN_FLUX_HEADER))
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

/// A poisoned lock only means another write thread panicked; the map is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_manifest(dir: &Path, hashes: &BTreeMap<&str, &str>) -> Result<()> {
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
        // Third build with the same output as the second: nothing is written, nothing swapped.
        let modified = |path: &str| {
            std::fs::metadata(dest.join(path))
                .and_then(|m| m.modified())
                .expect("mtime")
        };
        let before = (modified("index.html"), modified("b/index.html"));
        let third = write(
            &dest,
            &output(&[("index.html", "2"), ("b/index.html", "b")]),
        )
        .expect("third");
        assert_eq!(
            third,
            WriteStats {
                written: 0,
                unchanged: 2,
                removed: 0
            }
        );
        assert_eq!(before, (modified("index.html"), modified("b/index.html")));
        // A change: the spare (first generation) is updated, the unchanged b/ copied from the
        // live site, the stale a/ removed.
        let fourth = write(
            &dest,
            &output(&[("index.html", "3"), ("b/index.html", "b")]),
        )
        .expect("fourth");
        assert_eq!(
            fourth,
            WriteStats {
                written: 2,
                unchanged: 0,
                removed: 1
            }
        );
        assert_eq!(tree(&dest), ["b/index.html", "index.html"]);
        assert_eq!(
            std::fs::read_to_string(dest.join("b/index.html")).expect("read"),
            "b"
        );
        assert!(!dest.join("a").exists());
        // The spare now holds the second generation: the next change writes only what differs.
        let fifth = write(
            &dest,
            &output(&[("index.html", "2"), ("b/index.html", "b")]),
        )
        .expect("fifth");
        assert_eq!(
            fifth,
            WriteStats {
                written: 0,
                unchanged: 2,
                removed: 0
            }
        );
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).expect("read"),
            "2"
        );
        assert!(!spare_dir(&dest).join("a").exists());
    }

    #[test]
    fn a_live_file_changed_by_hand_is_reported_then_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        let v1 = output(&[("index.html", "1"), ("a/index.html", "a")]);
        write(&dest, &v1).expect("first");
        std::fs::write(dest.join("a/index.html"), "edited").expect("edit");
        let v2 = output(&[("index.html", "2"), ("a/index.html", "a")]);
        let err = write(&dest, &v2).expect_err("the live a/ no longer matches its manifest");
        assert!(
            err.to_string()
                .contains("was changed after rb-site wrote it"),
            "{err}"
        );
        write(&dest, &v2).expect("the next build replaces it");
        assert_eq!(
            std::fs::read_to_string(dest.join("a/index.html")).expect("read"),
            "a"
        );
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
    fn an_abandoned_write_leaves_the_live_site_and_an_accurate_spare() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        let v1 = output(&[("index.html", "1"), ("a/index.html", "a")]);
        write(&dest, &v1).expect("first");
        write(&dest, &v1).expect("second: nothing changes");

        // A build that streams two files, then fails.
        let writer = Writer::open(&dest).expect("open");
        writer.put("index.html", b"2").expect("put");
        writer.put("b/index.html", b"b").expect("put");
        writer.abandon().expect("abandon");
        assert_eq!(tree(&dest), ["a/index.html", "index.html"]);
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).expect("read"),
            "1"
        );

        // The next build trusts the spare's manifest, which says what the failed one wrote.
        let v2 = output(&[("index.html", "2"), ("c/index.html", "c")]);
        let stats = write(&dest, &v2).expect("third");
        assert_eq!(
            stats,
            WriteStats {
                written: 1,
                unchanged: 1,
                removed: 1
            }
        );
        assert_eq!(tree(&dest), ["c/index.html", "index.html"]);
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).expect("read"),
            "2"
        );
    }

    #[test]
    fn a_streamed_write_equals_a_write_from_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<(String, String)> = (0..600)
            .map(|i| (format!("p{}/{i}/index.html", i % 7), format!("page {i}")))
            .collect();
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let from_memory = dir.path().join("memory");
        write(&from_memory, &output(&borrowed)).expect("write");

        let streamed = dir.path().join("streamed");
        let writer = Arc::new(Writer::open(&streamed).expect("open"));
        let (stream, writing) = writer.stream().expect("stream");
        let mut out = Output::streaming(stream);
        for (path, text) in &files {
            out.insert(path.clone(), text.as_bytes().to_vec())
                .expect("insert");
        }
        out.end_stream();
        writing.join().expect("written");
        let stats = writer.finish(&out).expect("finish");
        assert_eq!(stats.written, 600);
        assert_eq!(tree(&streamed), tree(&from_memory));
        assert_eq!(
            std::fs::read(streamed.join(MANIFEST)).expect("manifest"),
            std::fs::read(from_memory.join(MANIFEST)).expect("manifest")
        );
    }

    /// Issue 14 F6: files rb-site did not write survive every build, unchanged.
    #[test]
    fn issue_14_files_rb_site_did_not_write_survive_every_build() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        write(
            &dest,
            &output(&[("index.html", "0"), ("db/index.html", "db")]),
        )
        .expect("first");
        let foreign = [
            ("CNAME", "runbooks.example.com\n"),
            (".nojekyll", ""),
            (".git/HEAD", "ref: refs/heads/gh-pages\n"),
            (".git/objects/ab/cdef", "object"),
            ("db/notes.txt", "mine"),
        ];
        for (path, text) in foreign {
            let path = dest.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        for generation in 1..=4 {
            let text = generation.to_string();
            // The third build drops db/ from the site: db/notes.txt stays all the same.
            let files: &[(&str, &str)] = if generation == 3 {
                &[("index.html", &text)]
            } else {
                &[("index.html", &text), ("db/index.html", "db")]
            };
            write(&dest, &output(files)).expect("build");
            for (path, text) in foreign {
                assert_eq!(
                    std::fs::read_to_string(dest.join(path)).ok().as_deref(),
                    Some(text),
                    "build {generation}: {path}"
                );
                assert!(
                    !spare_dir(&dest).join(path).exists(),
                    "{path} moved, not copied"
                );
            }
            assert_eq!(
                std::fs::read_to_string(dest.join("index.html")).expect("page"),
                text
            );
        }
        assert_eq!(tree(&dest).len(), foreign.len() + 2);
    }

    #[test]
    fn issue_14_refuses_to_generate_over_a_file_it_did_not_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        write(&dest, &output(&[("index.html", "0")])).expect("first");
        std::fs::write(dest.join("CNAME"), "mine").expect("write");
        let err = write(
            &dest,
            &output(&[("index.html", "1"), ("CNAME", "generated")]),
        )
        .expect_err("refused");
        assert!(
            err.to_string().contains("was not written by rb-site"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dest.join("CNAME")).expect("kept"),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).expect("kept"),
            "0"
        );
    }

    /// Issue 14 F6: a spare folder without a manifest is somebody else's: never deleted.
    #[test]
    fn issue_14_an_unmanifested_spare_is_never_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        let spare = spare_dir(&dest);
        std::fs::create_dir_all(&spare).expect("mkdir");
        std::fs::write(spare.join("precious.txt"), "keep me").expect("write");
        let err = write(&dest, &output(&[("index.html", "1")])).expect_err("refused");
        assert!(err.to_string().contains("was not made by rb-site"), "{err}");
        assert_eq!(
            std::fs::read_to_string(spare.join("precious.txt")).expect("kept"),
            "keep me"
        );
        assert!(!dest.exists());
    }

    /// A write that stopped half way (a crash) leaves an in-flux spare: rebuilt, not refused.
    #[test]
    fn a_spare_left_in_flux_is_rebuilt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("site");
        write(&dest, &output(&[("index.html", "1")])).expect("first");
        let writer = Writer::open(&dest).expect("open");
        writer.put("stale/index.html", b"half").expect("put");
        drop(writer);
        write(&dest, &output(&[("index.html", "2")])).expect("second");
        assert_eq!(tree(&dest), ["index.html"]);
    }

    #[test]
    fn paths_cannot_escape() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(write(&dir.path().join("site"), &output(&[("../evil", "x")])).is_err());
    }
}
