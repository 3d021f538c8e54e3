//! The file watcher: notify events (or, with `--poll`, notify's polling watcher) over the
//! content folder, `book.toml`, the theme folder and the rule files, sorted into [`Changes`]
//! and debounced into bursts.
//!
//! What is ignored: hidden files and folders (`.git`, the spare `.site.rb-site-prev`, the
//! default Mermaid cache), the build folder and the configured Mermaid cache, editor temp
//! files (`*.swp`, `*~`, `#*#`, `4913`, JetBrains' `___jb_tmp___`), and the file `serve`'s own
//! output goes to (`rb-site serve > serve.log` in the content folder would otherwise rebuild
//! on every line it prints, forever). Editors that save by
//! writing a temp file and renaming it over the original produce an event naming the
//! original, which is all a rebuild needs: the rebuild re-reads the file and compares texts.
//!
//! Debouncing is the receiving end's job ([`next_burst`]): it waits for the first change,
//! then takes every change that follows within a quiet window, so a `git checkout` or a
//! formatter touching many files makes one rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{EventKind, RecursiveMode, Watcher};

use super::rebuild::Changes;
use crate::config::{CONFIG_FILE, Config};

/// A burst ends when nothing happened for this long.
const QUIET: Duration = Duration::from_millis(30);
/// A burst is cut after this long even if changes keep coming.
const LONGEST_BURST: Duration = Duration::from_millis(500);
/// How often `--poll` looks at the files.
const POLL_INTERVAL: Duration = Duration::from_millis(300);

/// Decides what a changed path means for the site.
#[derive(Debug, Clone)]
pub(crate) struct Classifier {
    root: PathBuf,
    content_dir: PathBuf,
    themes_dir: PathBuf,
    ignored_dirs: Vec<PathBuf>,
    own_files: Vec<PathBuf>,
    rules: globset::GlobSet,
    /// The files (not terminals or pipes) this process's stdout and stderr go to, to tell a
    /// change to them from a change to the site (by file identity: a log file may have any
    /// name). Usually none, and then no event costs a look at the file it names.
    own_output: std::sync::Arc<Vec<same_file::Handle>>,
}

impl Classifier {
    pub(crate) fn new(config: &Config) -> Result<Classifier> {
        let root = std::path::absolute(&config.root)
            .with_context(|| format!("cannot resolve {}", config.root.display()))?;
        let mut rules = globset::GlobSetBuilder::new();
        for pattern in &config.alerts.rules {
            rules.add(
                globset::Glob::new(pattern)
                    .with_context(|| format!("invalid rules glob {pattern:?} in book.toml"))?,
            );
        }
        Ok(Classifier {
            content_dir: root.join(&config.build.content_dir),
            themes_dir: root.join("themes"),
            ignored_dirs: vec![
                root.join(&config.build.build_dir),
                root.join(&config.mermaid.cache_dir),
                root.join(&config.build.cache_dir),
            ],
            // What `load` leaves out of the content folder (`book.toml` is read as the config).
            own_files: crate::load::own_files(config)
                .into_iter()
                .map(|rel| root.join(&config.build.content_dir).join(rel))
                .collect(),
            rules: rules.build().context("invalid rules globs in book.toml")?,
            own_output: std::sync::Arc::new(
                [same_file::Handle::stdout(), same_file::Handle::stderr()]
                    .into_iter()
                    .flatten()
                    .filter(|output| output.as_file().metadata().is_ok_and(|m| m.is_file()))
                    .collect(),
            ),
            root,
        })
    }

    /// `path` is the file this process prints to.
    fn is_own_output(&self, path: &Path) -> bool {
        !self.own_output.is_empty()
            && same_file::Handle::from_path(path).is_ok_and(|file| self.own_output.contains(&file))
    }

    /// The folders to watch: (path, recursively).
    fn watch_list(&self, config: &Config) -> Vec<(PathBuf, RecursiveMode)> {
        let mut list = vec![
            (self.root.clone(), RecursiveMode::NonRecursive),
            (self.content_dir.clone(), RecursiveMode::Recursive),
        ];
        if self.themes_dir.is_dir() {
            list.push((self.themes_dir.clone(), RecursiveMode::Recursive));
        }
        for pattern in &config.alerts.rules {
            let mut dir = self.root.join(crate::alerts::rules::glob_folder(pattern));
            while !dir.is_dir() && dir.pop() {}
            if dir != self.root && !dir.starts_with(&self.content_dir) && dir.is_dir() {
                list.push((dir, RecursiveMode::Recursive));
            }
        }
        list
    }

    /// What a change to `path` (absolute) means, or `None` when it does not matter.
    pub(crate) fn classify(&self, path: &Path) -> Option<Changes> {
        // A rule file outside the root arrives under the folder watched for its glob, spelled
        // as the glob spells it: `<root>/../rules/x.yaml`.
        let Ok(rel) = path.strip_prefix(&self.root) else {
            // A rule file named by an absolute glob.
            return self.rules.is_match(path).then(|| Changes {
                all_pages: true,
                ..Changes::default()
            });
        };
        if rel.components().any(|c| match c {
            std::path::Component::Normal(name) => is_ignored_name(&name.to_string_lossy()),
            _ => false,
        }) {
            return None;
        }
        if self.ignored_dirs.iter().any(|dir| path.starts_with(dir)) || self.is_own_output(path) {
            return None;
        }
        let mut changes = Changes::default();
        if rel == Path::new(CONFIG_FILE) {
            changes.config = true;
        } else if path.starts_with(&self.themes_dir) || self.rules.is_match(rel) {
            changes.all_pages = true;
        } else if self.own_files.iter().any(|own| path == own) {
            return None;
        } else if let Ok(content_rel) = path.strip_prefix(&self.content_dir) {
            if content_rel.as_os_str().is_empty() {
                changes.rescan = true;
            } else {
                changes
                    .content
                    .insert(content_rel.to_string_lossy().replace('\\', "/"));
            }
        } else {
            return None;
        }
        Some(changes)
    }
}

/// Hidden files and folders, and the temp files editors write beside the files they save.
fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name == "4913"
        || (name.starts_with('#') && name.ends_with('#'))
        || [".swp", ".swx", ".swo", "___jb_tmp___", "___jb_old___"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// A running watcher; dropping it stops the events.
pub(crate) struct Watching {
    _watcher: Box<dyn Watcher + Send>,
}

/// Starts watching; every relevant change is sent on `changes` as it happens.
pub(crate) fn start(config: &Config, poll: bool, changes: Sender<Changes>) -> Result<Watching> {
    let classifier = Classifier::new(config)?;
    let list = classifier.watch_list(config);
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            // The watcher lost track (an overflowing event queue): look at everything again.
            let _ = changes.send(Changes {
                rescan: true,
                ..Changes::default()
            });
            return;
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let mut found = Changes {
            rescan: event.need_rescan(),
            ..Changes::default()
        };
        for path in &event.paths {
            if let Some(change) = classifier.classify(path) {
                found.merge(change);
            }
        }
        if !found.is_empty() {
            let _ = changes.send(found);
        }
    };
    let mut watcher: Box<dyn Watcher + Send> = if poll {
        Box::new(notify::PollWatcher::new(
            handler,
            // notify's poller compares modification times in whole seconds: an edit within the
            // same second would be missed without comparing contents too.
            notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(true),
        )?)
    } else {
        Box::new(notify::recommended_watcher(handler)?)
    };
    for (path, mode) in list {
        watcher
            .watch(&path, mode)
            .with_context(|| format!("cannot watch {}", path.display()))?;
    }
    Ok(Watching { _watcher: watcher })
}

/// What [`next_burst`] saw.
#[derive(Debug)]
pub(crate) enum Next {
    Burst(Changes),
    /// Nothing changed within the time asked for.
    Idle,
    /// The watcher is gone.
    Closed,
}

/// Waits for the next change (at most `idle_after`, if given), then gathers the burst it starts.
pub(crate) fn next_burst(receiver: &Receiver<Changes>, idle_after: Option<Duration>) -> Next {
    let first = match idle_after {
        Some(wait) => match receiver.recv_timeout(wait) {
            Ok(changes) => changes,
            Err(RecvTimeoutError::Timeout) => return Next::Idle,
            Err(RecvTimeoutError::Disconnected) => return Next::Closed,
        },
        None => match receiver.recv() {
            Ok(changes) => changes,
            Err(_) => return Next::Closed,
        },
    };
    let mut burst = first;
    let started = Instant::now();
    while started.elapsed() < LONGEST_BURST {
        match receiver.recv_timeout(QUIET) {
            Ok(more) => burst.merge(more),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    Next::Burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classifier() -> Classifier {
        let mut config = Config::from_toml(
            Path::new("/site"),
            "[alerts]\nrules = [\"rules/**/*.yaml\"]\n",
        )
        .expect("config");
        config.root = PathBuf::from("/site");
        Classifier::new(&config).expect("classifier")
    }

    fn content(rel: &str) -> Option<Changes> {
        Some(Changes {
            content: [rel.to_string()].into(),
            ..Changes::default()
        })
    }

    #[test]
    fn content_files_are_named_by_their_content_path() {
        let c = classifier();
        assert_eq!(
            c.classify(Path::new("/site/content/db/failover.md")),
            content("db/failover.md")
        );
        assert_eq!(
            c.classify(Path::new("/site/content/db/diagram.png")),
            content("db/diagram.png")
        );
    }

    #[test]
    fn config_theme_and_rules_rebuild_more() {
        let c = classifier();
        assert!(
            c.classify(Path::new("/site/book.toml"))
                .expect("config")
                .config
        );
        assert!(
            c.classify(Path::new("/site/themes/default/templates/runbook.html"))
                .expect("theme")
                .all_pages
        );
        assert!(
            c.classify(Path::new("/site/rules/api/api.yaml"))
                .expect("rules")
                .all_pages
        );
        assert_eq!(c.classify(Path::new("/site/rules/README.md")), None);
    }

    #[test]
    fn rule_files_outside_the_root_are_rules_too() {
        let mut config = Config::from_toml(
            Path::new("/site"),
            "[alerts]\nrules = [\"../monitoring/*.yaml\", \"/etc/prometheus/rules/*.yml\"]\n",
        )
        .expect("config");
        config.root = PathBuf::from("/site");
        let c = Classifier::new(&config).expect("classifier");
        // Events arrive under the folder watched for the glob, as the glob spells it.
        for path in [
            "/site/../monitoring/api.yaml",
            "/etc/prometheus/rules/node.yml",
        ] {
            assert!(c.classify(Path::new(path)).expect(path).all_pages, "{path}");
        }
        assert_eq!(
            c.classify(Path::new("/site/../monitoring/.api.yaml.swp")),
            None
        );
        assert_eq!(c.classify(Path::new("/etc/prometheus/other.yml")), None);
    }

    #[test]
    fn editor_temp_files_build_output_and_hidden_files_are_ignored() {
        let c = classifier();
        for path in [
            "/site/content/db/.failover.md.swp",
            "/site/content/db/failover.md.swp",
            "/site/content/db/failover.md~",
            "/site/content/db/4913",
            "/site/content/db/.#failover.md",
            "/site/content/db/#failover.md#",
            "/site/content/db/failover.md___jb_tmp___",
            "/site/site/index.html",
            "/site/.site.rb-site-prev/index.html",
            "/site/.rb-site-cache/mermaid/abc.svg",
            "/site/.git/index",
            "/site/README.md",
            "/elsewhere/content/a.md",
        ] {
            assert_eq!(c.classify(Path::new(path)), None, "{path}");
        }
    }

    /// With the root as the content folder (an adopted repository), rb-site's own files in it
    /// are not content, as `load` leaves them out; `book.toml` is still the configuration.
    #[test]
    fn own_files_in_a_root_content_folder_are_not_content() {
        let config = Config::from_toml(
            Path::new("/site"),
            "[build]\ncontent-dir = \".\"\nbuild-dir = \".site\"\n\
             [validate]\nbaseline = \"rb-site-baseline.json\"\n",
        )
        .expect("config");
        let c = Classifier::new(&config).expect("classifier");
        assert_eq!(c.classify(Path::new("/site/rb-site-baseline.json")), None);
        assert!(
            c.classify(Path::new("/site/book.toml"))
                .expect("config")
                .config
        );
        assert_eq!(c.classify(Path::new("/site/db/a.md")), content("db/a.md"));
    }
}
