//! The theme: templates and static files. The default theme is the real files in
//! `themes/default/`, embedded in the binary from one table; a site's `themes/<name>/` overrides
//! them file by file (`templates/<file>` and `static/<file>`), and may add files of its own.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// Every file of the default theme, by its path under `themes/default/`.
/// A test checks that this table and the folder list the same files.
pub const DEFAULT_THEME: &[(&str, &[u8])] = &[
    (
        "templates/404.html",
        include_bytes!("../themes/default/templates/404.html"),
    ),
    (
        "templates/alert_redirect.html",
        include_bytes!("../themes/default/templates/alert_redirect.html"),
    ),
    (
        "templates/alerts.html",
        include_bytes!("../themes/default/templates/alerts.html"),
    ),
    (
        "templates/base.html",
        include_bytes!("../themes/default/templates/base.html"),
    ),
    (
        "templates/index.html",
        include_bytes!("../themes/default/templates/index.html"),
    ),
    (
        "templates/macros.html",
        include_bytes!("../themes/default/templates/macros.html"),
    ),
    (
        "templates/print.html",
        include_bytes!("../themes/default/templates/print.html"),
    ),
    (
        "templates/redirect.html",
        include_bytes!("../themes/default/templates/redirect.html"),
    ),
    (
        "templates/redirect_base.html",
        include_bytes!("../themes/default/templates/redirect_base.html"),
    ),
    (
        "templates/runbook.html",
        include_bytes!("../themes/default/templates/runbook.html"),
    ),
    (
        "templates/section.html",
        include_bytes!("../themes/default/templates/section.html"),
    ),
    (
        "templates/sitemap.xml",
        include_bytes!("../themes/default/templates/sitemap.xml"),
    ),
    (
        "templates/taxonomy.html",
        include_bytes!("../themes/default/templates/taxonomy.html"),
    ),
    (
        "templates/term.html",
        include_bytes!("../themes/default/templates/term.html"),
    ),
    (
        "static/alerts.js",
        include_bytes!("../themes/default/static/alerts.js"),
    ),
    (
        "static/favicon.svg",
        include_bytes!("../themes/default/static/favicon.svg"),
    ),
    (
        "static/code.css",
        include_bytes!("../themes/default/static/code.css"),
    ),
    (
        "static/highlight.css",
        include_bytes!("../themes/default/static/highlight.css"),
    ),
    (
        "static/redirect.js",
        include_bytes!("../themes/default/static/redirect.js"),
    ),
    (
        "static/runbook.js",
        include_bytes!("../themes/default/static/runbook.js"),
    ),
    (
        "static/search.css",
        include_bytes!("../themes/default/static/search.css"),
    ),
    (
        "static/search.js",
        include_bytes!("../themes/default/static/search.js"),
    ),
    (
        "static/style.css",
        include_bytes!("../themes/default/static/style.css"),
    ),
    (
        "static/theme-init.js",
        include_bytes!("../themes/default/static/theme-init.js"),
    ),
    (
        "static/theme.js",
        include_bytes!("../themes/default/static/theme.js"),
    ),
];

/// A theme ready to use: template sources by name, static files by path under `static/`.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub statics: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The embedded default theme.
    pub fn embedded() -> Theme {
        let mut theme = Theme::default();
        for (path, bytes) in DEFAULT_THEME {
            theme.insert(path, bytes.to_vec());
        }
        theme
    }

    /// The default theme with the files of `<root>/themes/<name>/` laid over it.
    pub fn load(root: &Path, name: &str) -> Result<Theme> {
        let mut theme = Theme::embedded();
        let dir = root.join("themes").join(name);
        if !dir.is_dir() {
            if name != "default" {
                anyhow::bail!(
                    "theme {name:?} not found: expected a folder {}",
                    dir.display()
                );
            }
            return Ok(theme);
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry =
                entry.with_context(|| format!("cannot read the theme folder {}", dir.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&dir)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if !(rel.starts_with("templates/") || rel.starts_with("static/")) {
                continue;
            }
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            theme.insert(&rel, bytes);
        }
        Ok(theme)
    }

    fn insert(&mut self, path: &str, bytes: Vec<u8>) {
        if let Some(name) = path.strip_prefix("templates/") {
            self.templates.insert(
                name.to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        } else if let Some(name) = path.strip_prefix("static/") {
            self.statics.insert(name.to_string(), bytes);
        }
    }

    /// Copies the default theme into `dir` (for `rb-site theme eject`), refusing to overwrite.
    pub fn eject(dir: &Path) -> Result<usize> {
        for (path, _) in DEFAULT_THEME {
            let target = dir.join(path);
            if target.exists() {
                anyhow::bail!("{} already exists; not overwriting it", target.display());
            }
        }
        for (path, bytes) in DEFAULT_THEME {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&target, bytes)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        Ok(DEFAULT_THEME.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_file_of_the_default_theme() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let on_disk: Vec<String> = walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(&dir)
                    .ok()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        let mut in_table: Vec<String> = DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
        in_table.sort();
        let mut on_disk_sorted = on_disk.clone();
        on_disk_sorted.sort();
        assert_eq!(in_table, on_disk_sorted);
    }

    #[test]
    fn a_user_theme_overrides_one_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let templates = dir.path().join("themes/mine/templates");
        std::fs::create_dir_all(&templates).expect("mkdir");
        std::fs::write(templates.join("404.html"), "custom").expect("write");
        let theme = Theme::load(dir.path(), "mine").expect("load");
        assert_eq!(theme.templates["404.html"], "custom");
        assert!(theme.templates["base.html"].contains("<!DOCTYPE html>"));
    }
}
