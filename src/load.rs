//! Stage 1, load: find the content files and read them. No parsing happens here.
//!
//! Markdown files become [`SourceFile`]s with the byte-order mark stripped and CRLF normalised to
//! LF, so every later offset is an offset into the text the user sees. Other files under the
//! content folder are assets, copied to the site as they are. Hidden files and folders are skipped.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{Diagnostic, LineIndex};
use crate::model::SourceFile;

/// Everything found under the content folder.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Markdown files, in [`walk_order`].
    pub files: Vec<SourceFile>,
    /// Other files: (content-relative path, path on disk), sorted.
    pub assets: Vec<(String, PathBuf)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The order [`load`] finds files in, by content-relative path: file names sorted within each
/// folder, and a folder's files where the folder's name sorts. So `a/x.md` comes before
/// `a-b.md`, which plain string order puts first (`-` sorts before `/`). Linking reads the
/// documents in this order: `serve`, which keeps them in a map, sorts them back into it.
pub(crate) fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('/').cmp(b.split('/'))
}

/// The site's own files and folders that lie in the content folder (when it is the root, or
/// holds them), by content-relative path: `book.toml`, the baseline, the build folder and the
/// caches. They are rb-site's, not the site's, and are neither read nor published.
pub(crate) fn own_files(config: &Config) -> Vec<PathBuf> {
    let content = normal(&config.build.content_dir);
    let mut own = vec![
        PathBuf::from(crate::config::CONFIG_FILE),
        config.build.build_dir.clone(),
        config.build.cache_dir.clone(),
        config.mermaid.cache_dir.clone(),
    ];
    own.extend(config.validate.baseline.clone());
    own.iter()
        .filter_map(|path| {
            normal(path)
                .strip_prefix(&content)
                .ok()
                .map(Path::to_path_buf)
        })
        .filter(|rel| !rel.as_os_str().is_empty())
        .collect()
}

/// A relative path without `.` parts (`./content` is `content`), as the walk's paths come.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Reads every Markdown file and lists every asset under the content folder.
///
/// A missing content folder is an error (exit 2); unreadable or undecodable files are diagnostics.
pub fn load(config: &Config) -> Result<Loaded> {
    let content_dir = config.content_dir();
    let metadata = std::fs::metadata(&content_dir).with_context(|| {
        let without_book = !config.root.join(crate::config::CONFIG_FILE).is_file();
        let hint = if without_book {
            format!(
                " ({} has no {}: is it the site's folder? `rb-site init` starts a site, or adopts the Markdown already there)",
                config.root.display(),
                crate::config::CONFIG_FILE
            )
        } else {
            String::new()
        };
        format!(
            "cannot read the content folder {}{hint}",
            content_dir.display()
        )
    })?;
    if !metadata.is_dir() {
        bail!(
            "the content folder {} is not a folder",
            content_dir.display()
        );
    }
    let root_prefix = root_prefix(config);
    let bounds = SiteBounds::new(config);
    let own = own_files(config);

    let mut markdown = Vec::new();
    let mut assets = Vec::new();
    let mut diagnostics = Vec::new();
    // Symbolic links are followed only while they stay inside the site: a link out (to
    // /etc/passwd, to ~/.ssh) is reported and neither read nor descended into.
    let escaped = std::cell::RefCell::new(Vec::new());
    let walker = walkdir::WalkDir::new(&content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            if is_hidden(entry.file_name()) {
                return false;
            }
            if !own.is_empty()
                && let Ok(rel) = entry.path().strip_prefix(&content_dir)
                && own.iter().any(|own| rel == own)
            {
                return false;
            }
            if entry.path_is_symlink()
                && let Some(target) = bounds.escape(entry.path())
            {
                escaped
                    .borrow_mut()
                    .push((entry.path().to_path_buf(), target));
                return false;
            }
            true
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| display_path(config, p))
                    .unwrap_or_else(|| root_prefix.clone());
                if let Some(ancestor) = err.loop_ancestor() {
                    diagnostics.push(Diagnostic::file(
                        &path,
                        "symlink-loop",
                        format!(
                            "{path} is a symbolic link back to {}, a folder that contains it; \
                             skipped",
                            display_path(config, ancestor)
                        ),
                    ));
                    continue;
                }
                let reason = err
                    .io_error()
                    .map_or_else(|| err.to_string(), |io| io.to_string());
                diagnostics.push(Diagnostic::file(
                    &path,
                    "unreadable-file",
                    format!("cannot read {path}: {reason}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&content_dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if is_markdown(entry.path()) {
            markdown.push((rel, entry.into_path()));
        } else {
            assets.push((rel, entry.into_path()));
        }
    }

    for (link, target) in escaped.into_inner() {
        diagnostics.push(symlink_outside(config, &link, &target));
    }

    let read: Vec<Result<SourceFile, Diagnostic>> = markdown
        .into_par_iter()
        .map(|(rel, path)| read_source(&root_prefix, rel, &path))
        .collect();
    let mut files = Vec::with_capacity(read.len());
    for result in read {
        match result {
            Ok(file) => files.push(file),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    Ok(Loaded {
        files,
        assets,
        diagnostics,
    })
}

/// Reads one Markdown file by its content-relative path, exactly as [`load`] reads it:
/// `serve` re-reads only the files that changed.
pub fn load_one(config: &Config, rel: &str) -> Result<SourceFile, Diagnostic> {
    let path = config.content_dir().join(rel);
    if let Some(target) = SiteBounds::new(config).escape(&path) {
        return Err(symlink_outside(config, &path, &target));
    }
    read_source(&root_prefix(config), rel.to_string(), &path)
}

/// Reads an asset by its content-relative path, refusing one that a symbolic link (made since
/// the walk, perhaps) takes outside the site.
pub fn read_asset(config: &Config, rel: &str) -> Result<Vec<u8>> {
    let path = config.content_dir().join(rel);
    if let Some(target) = SiteBounds::new(config).escape(&path) {
        bail!(
            "refusing to publish {}: it is a symbolic link to {}, outside the site",
            display_path(config, &path),
            target.display()
        );
    }
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

/// Whether a content path is there to publish: a file that no symbolic link takes outside
/// the site (what [`load`] would list).
pub fn is_publishable_file(config: &Config, rel: &str) -> bool {
    let path = config.content_dir().join(rel);
    path.is_file() && SiteBounds::new(config).escape(&path).is_none()
}

/// The folders a content file may really be in: the site root and the content folder (which
/// `book.toml` may place anywhere), with every symbolic link resolved.
struct SiteBounds {
    roots: Vec<PathBuf>,
}

impl SiteBounds {
    fn new(config: &Config) -> SiteBounds {
        let roots = [config.root.clone(), config.content_dir()]
            .iter()
            .filter_map(|dir| std::fs::canonicalize(dir).ok())
            .collect();
        SiteBounds { roots }
    }

    /// Where `path` really is, when that is outside the site; None when it is inside (or does
    /// not resolve at all: reading it then fails with its own message).
    fn escape(&self, path: &Path) -> Option<PathBuf> {
        let real = std::fs::canonicalize(path).ok()?;
        (!self.roots.iter().any(|root| real.starts_with(root))).then_some(real)
    }
}

fn symlink_outside(config: &Config, link: &Path, target: &Path) -> Diagnostic {
    let path = display_path(config, link);
    Diagnostic::file(
        &path,
        "symlink-outside",
        format!(
            "{path} is a symbolic link to {}, outside the site; it is not published \
             (copy the file into the site if it belongs there)",
            target.display()
        ),
    )
}

/// The content folder as written in `book.toml`, the prefix of every displayed path.
fn root_prefix(config: &Config) -> String {
    config
        .build
        .content_dir
        .to_string_lossy()
        .trim_end_matches('/')
        .replace('\\', "/")
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// `.md` or `.markdown`, any case: the files that become pages.
pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

fn display_path(config: &Config, path: &Path) -> String {
    path.strip_prefix(&config.root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads one Markdown file; invalid UTF-8 and empty files are diagnostics, not errors.
fn read_source(root_prefix: &str, rel: String, path: &Path) -> Result<SourceFile, Diagnostic> {
    let display = if root_prefix.is_empty() || root_prefix == "." {
        rel.clone()
    } else {
        format!("{root_prefix}/{rel}")
    };
    let bytes = std::fs::read(path).map_err(|err| {
        Diagnostic::file(
            &display,
            "unreadable-file",
            format!("cannot read {display}: {err}"),
        )
    })?;
    let text = decode(&display, bytes)?;
    if text.trim().is_empty() {
        return Err(Diagnostic::file(
            &display,
            "empty-file",
            "the file is empty",
        ));
    }
    Ok(SourceFile {
        path: display,
        rel,
        text,
    })
}

/// UTF-8 decoding with the BOM stripped and line endings normalised.
pub(crate) fn decode(display: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid_up_to = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            // The valid prefix is UTF-8 by definition; from_utf8_lossy only serves the line count.
            let prefix = String::from_utf8_lossy(&bytes[..valid_up_to]);
            let (line, column) = LineIndex::new(&prefix).line_col_in(&prefix, prefix.len());
            return Err(Diagnostic::at(
                display,
                line,
                column,
                "invalid-utf8",
                format!("the file is not valid UTF-8 (byte {valid_up_to}); save it as UTF-8"),
            ));
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    // Most files need neither change: their buffer is kept as read, not copied.
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf_are_normalised() {
        let text = decode(
            "a.md",
            b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nbody\r\n".to_vec(),
        )
        .expect("valid");
        assert_eq!(text, "---\ntitle: x\n---\nbody\n");
    }

    #[test]
    fn load_finds_files_in_walk_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"t\"\n").expect("write");
        let names = [
            "a-b.md",
            "a/x.md",
            "a/b/y.md",
            "a.md",
            "a b.md",
            "b.md",
            "a/_index.md",
        ];
        for name in names {
            let path = dir.path().join("content").join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, "# x\n").expect("write");
        }
        let config = Config::load(dir.path()).expect("config");
        let loaded = load(&config).expect("load");
        let found: Vec<&str> = loaded.files.iter().map(|f| f.rel.as_str()).collect();
        let mut expected = names.to_vec();
        expected.sort_by(|a, b| walk_order(a, b));
        assert_eq!(found, expected);
        // The order is not plain string order, which puts `a-b.md` and `a b.md` before `a/`.
        let mut plain = names.to_vec();
        plain.sort_unstable();
        assert_ne!(found, plain);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = decode("a.md", b"one\ntwo \xff three\n".to_vec()).expect_err("invalid");
        assert_eq!((err.line, err.column, err.code), (2, 5, "invalid-utf8"));
    }
}
