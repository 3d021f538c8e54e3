//! Code blocks: syntax highlighting at build time, the highlight stylesheet, and the text a
//! copy button copies.
//!
//! Highlighting uses syntect with bat's maintained grammars (the `two-face` crate) and writes CSS
//! classes (`hl-…`), never inline styles, so stylesheets give a light and a dark theme that follow
//! the reader's colour scheme and the theme toggle: each page inlines the rules of the classes its
//! code uses ([`super::code_css`]), from `static/highlight.css`. The grammars are
//! loaded once per process. A language without a grammar renders as plain escaped text.
//!
//! syntect's grammars run at about half a megabyte of code a second, the largest cost of a build,
//! so highlighted blocks are remembered by content: a block that repeats within a build is
//! highlighted once, and the blocks of a full build are kept in one pack file in the build cache
//! (`.rb-site-cache/highlight.pack`) for the next build, like the diagram cache. The pack is only
//! ever a shortcut: a missing, stale or damaged pack means highlighting again, never an error.
//!
//! Each block has a budget ([`BUDGET`]): the grammars' regular expressions can take time that
//! grows much faster than a line's length, and one call for one line cannot be interrupted. So
//! a block with a line longer than [`LONG_LINE`] bytes is highlighted in a worker process
//! ([`super::worker`]) that is killed when the budget runs out; other blocks are highlighted
//! here, line by line, and abandoned when the budget runs out between two lines. A block over
//! its budget is shown as plain escaped text, with a `highlight-budget` warning. The budget is
//! CPU time (the thread's, or the worker's), so a busy machine does not change what a build
//! shows.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use pulldown_cmark_escape::escape_html_body_text;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;
#[cfg(test)]
use two_face::theme::EmbeddedThemeName;

use super::worker::{Job, Outcome, WorkerPool};

/// How much CPU time highlighting one block may take.
pub(crate) const BUDGET: Duration = Duration::from_secs(2);

/// Lines longer than this many bytes are highlighted in a worker process, under [`BUDGET`].
/// The cost of a line can grow with the cube of its length (a bash line of `</div>` repeated
/// 475 times, 2.9 KB, took 17.8 s); lines up to this length stay well under the budget.
pub(crate) const LONG_LINE: usize = 1000;

/// Class prefix of every highlight span, so highlight classes never meet a theme's own classes.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Part of every cache key: bump it when the HTML written for a block changes, so packs written
/// by an older rb-site are not reused. The crate's version and the grammars' are keyed too.
const HIGHLIGHT_VERSION: &str = "1";

/// The pack file's first bytes: its format.
const PACK_MAGIC: &[u8] = b"rb-site highlight pack 1\n";

#[cfg(test)]
/// Themes emitted into `code.css`: one for light pages, one for dark.
const LIGHT_THEME: EmbeddedThemeName = EmbeddedThemeName::InspiredGithub;
#[cfg(test)]
const DARK_THEME: EmbeddedThemeName = EmbeddedThemeName::OneHalfDark;
#[cfg(test)]
/// Code block backgrounds, the default theme's `--code-bg` in each scheme: `code.css` paints the
/// same colour, and token colours are checked for contrast against it.
const LIGHT_CODE_BG: syntect::highlighting::Color = rgb(0xf6, 0xf8, 0xfa);
#[cfg(test)]
const DARK_CODE_BG: syntect::highlighting::Color = rgb(0x15, 0x1b, 0x23);
#[cfg(test)]
/// WCAG AA for normal text, with a little room so rounding in a browser's checker cannot fail it.
const MIN_CONTRAST: f64 = 4.6;

/// bat's grammars, with newlines (what `parse_html_for_line_which_includes_newline` needs).
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// A block's identity: BLAKE3 of the versions, the grammar and the code.
type Key = [u8; 32];

/// Highlights code blocks, remembering what it highlighted. One per build, shared by the threads
/// rendering pages; the grammars behind it are shared by the process.
#[derive(Debug, Default)]
pub(crate) struct Highlighter {
    /// The pack file, when highlighted blocks are kept between builds.
    pack: Option<PathBuf>,
    /// The pack as read, on the first block that needs it.
    stored: OnceLock<HashMap<Key, Arc<str>>>,
    /// Blocks highlighted by this highlighter.
    fresh: Mutex<HashMap<Key, Arc<str>>>,
    /// Keys of the stored blocks this highlighter used: a full build keeps only those.
    used: Mutex<HashSet<Key>>,
    /// Workers for blocks with long lines; without them such blocks stay plain.
    workers: Option<WorkerPool>,
}

/// A block's HTML, and why it is plain when it ran out of budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Highlighted {
    pub html: String,
    pub over_budget: Option<String>,
}

impl Highlighter {
    /// A highlighter keeping its blocks in the pack file `pack` between builds, or nowhere.
    /// Forces the grammars to load now (about 100 ms), rather than in the first page's render.
    /// Blocks with long lines are highlighted by workers running `worker` (the `rb-site`
    /// binary), or left plain when there is none.
    pub(crate) fn new(pack: Option<PathBuf>, worker: Option<PathBuf>) -> Highlighter {
        LazyLock::force(&SYNTAXES);
        Highlighter {
            pack,
            workers: worker.map(WorkerPool::new),
            ..Highlighter::default()
        }
    }

    /// The inner HTML of a `<code>` element: `code` highlighted as `lang`, or escaped plain text
    /// when `lang` has no grammar or the block ran out of budget. Never fails.
    pub(crate) fn highlight(&self, lang: &str, code: &str) -> Highlighted {
        let Some(syntax) = find_syntax(lang) else {
            return Highlighted {
                html: escape(code),
                over_budget: None,
            };
        };
        let key = key(syntax, code);
        if let Some(html) = self.stored().get(&key) {
            lock(&self.used).insert(key);
            return Highlighted {
                html: html.to_string(),
                over_budget: None,
            };
        }
        if let Some(html) = lock(&self.fresh).get(&key) {
            return Highlighted {
                html: html.to_string(),
                over_budget: None,
            };
        }
        // Highlighted outside the lock: two threads meeting the same new block both highlight
        // it, and both get the same HTML.
        let longest = code.lines().map(str::len).max().unwrap_or(0);
        let highlighted = if longest <= LONG_LINE {
            highlight_with(syntax, code, Some(BUDGET))
        } else {
            match &self.workers {
                Some(workers) => match workers.run(Job::Highlight { lang, code }, BUDGET) {
                    Outcome::Done(result) => result,
                    Outcome::TimedOut { .. } => Err(format!(
                        "highlighting it took longer than {} s",
                        BUDGET.as_secs()
                    )),
                    Outcome::Crashed(why) => Err(format!("the highlighter failed: {why}")),
                },
                None => Err(format!(
                    "a line of {longest} bytes is longer than the {LONG_LINE} highlighted \
                     without a worker process"
                )),
            }
        };
        match highlighted {
            Ok(html) => {
                lock(&self.fresh).insert(key, Arc::from(html.as_str()));
                Highlighted {
                    html,
                    over_budget: None,
                }
            }
            // Not remembered: the next build tries again (a faster machine may make it).
            Err(why) => Highlighted {
                html: escape(code),
                over_budget: Some(why),
            },
        }
    }

    /// How many blocks this highlighter highlighted (not found in the pack or already done).
    #[cfg(test)]
    pub(crate) fn highlighted(&self) -> usize {
        lock(&self.fresh).len()
    }

    /// Writes the pack for the next build: the blocks of this one, and, unless `complete` (every
    /// block of the site went through this highlighter), the stored blocks it did not need.
    /// Nothing is written when nothing changed. Failing to write only costs time next build.
    pub(crate) fn save(&self, complete: bool) {
        let Some(path) = &self.pack else { return };
        let fresh = lock(&self.fresh);
        let used = lock(&self.used);
        let stored = self.stored();
        let dropped = complete && used.len() < stored.len();
        if fresh.is_empty() && !dropped {
            return;
        }
        let mut entries: Vec<(&Key, &Arc<str>)> = stored
            .iter()
            .filter(|(key, _)| !complete || used.contains(*key))
            .chain(fresh.iter())
            .collect();
        entries.sort_unstable_by_key(|(key, _)| *key);
        entries.dedup_by_key(|(key, _)| *key);
        let mut bytes = PACK_MAGIC.to_vec();
        for (key, html) in entries {
            bytes.extend_from_slice(key);
            bytes.extend_from_slice(&(html.len() as u64).to_le_bytes());
            bytes.extend_from_slice(html.as_bytes());
        }
        let _ = super::replace_cache_file(path, &bytes);
    }

    fn stored(&self) -> &HashMap<Key, Arc<str>> {
        self.stored.get_or_init(|| {
            self.pack
                .as_deref()
                .and_then(|path| std::fs::read(path).ok())
                .and_then(|bytes| read_pack(&bytes))
                .unwrap_or_default()
        })
    }
}

/// A poisoned lock only means another thread panicked mid-insert; the map is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn key(syntax: &SyntaxReference, code: &str) -> Key {
    let mut hasher = blake3::Hasher::new();
    for part in [
        HIGHLIGHT_VERSION,
        env!("CARGO_PKG_VERSION"),
        syntax.name.as_str(),
        code,
    ] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    *hasher.finalize().as_bytes()
}

/// The entries of a pack, or `None` when it is not one this rb-site wrote.
fn read_pack(bytes: &[u8]) -> Option<HashMap<Key, Arc<str>>> {
    let mut rest = bytes.strip_prefix(PACK_MAGIC)?;
    let mut entries = HashMap::new();
    while !rest.is_empty() {
        let (key, tail) = rest.split_first_chunk::<32>()?;
        let (len, tail) = tail.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let html = std::str::from_utf8(tail.get(..len)?).ok()?;
        entries.insert(*key, Arc::from(html));
        rest = &tail[len..];
    }
    Some(entries)
}

/// `code` highlighted, or why not when this thread used more than `budget` of CPU time on it
/// (checked between lines). A block the grammar fails on is plain text, as if it had no grammar.
fn highlight_with(
    syntax: &SyntaxReference,
    code: &str,
    budget: Option<Duration>,
) -> Result<String, String> {
    let start = thread_cpu_time();
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        if budget.is_some_and(|budget| thread_cpu_time().saturating_sub(start) > budget) {
            return Err(format!(
                "highlighting it took longer than {} s",
                BUDGET.as_secs()
            ));
        }
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return Ok(escape(code));
        }
    }
    Ok(generator.finalize())
}

/// The CPU time the calling thread has used.
fn thread_cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// What a worker does with a [`Job::Highlight`]: highlights the block with no deadline of its
/// own (the process is killed when the caller's budget runs out).
pub(crate) fn highlight_job(lang: &str, code: &str) -> Result<String, String> {
    match find_syntax(lang) {
        Some(syntax) => highlight_with(syntax, code, None),
        None => Ok(escape(code)),
    }
}

fn escape(code: &str) -> String {
    let mut html = String::with_capacity(code.len() + code.len() / 8);
    // Writing into a String cannot fail.
    let _ = escape_html_body_text(&mut html, code);
    html
}

/// The grammar for a fence's language, by bat's tokens and a few aliases runbooks use.
fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.trim().to_ascii_lowercase();
    let token = match lang.as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" | "output" | "none" => return None,
        "shell" | "console" | "terminal" | "shell-session" | "shellsession" | "sh-session"
        | "shellscript" | "bash-session" => "bash",
        "terraform" | "tf" | "hcl" => "terraform",
        "docker" | "containerfile" => "dockerfile",
        "golang" => "go",
        "jsonc" | "json5" => "json",
        "py3" | "python3" => "python",
        other => other,
    };
    SYNTAXES.find_syntax_by_token(token)
}

/// Whether a fence's language is a shell transcript or script, whose copy text drops prompts.
pub(crate) fn is_shell(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "bash"
            | "sh"
            | "shell"
            | "zsh"
            | "console"
            | "terminal"
            | "shell-session"
            | "shellsession"
            | "sh-session"
            | "bash-session"
    )
}

/// Transcript languages, where `# ` at the start of a line is a root prompt, not a comment.
fn is_transcript(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "console" | "terminal" | "shell-session" | "shellsession" | "sh-session" | "bash-session"
    )
}

/// What a copy button should copy from a shell block, when it differs from the visible code:
/// the commands without their prompts, leaving out output lines, so a responder can paste
/// straight into a terminal. `None` means "copy the code as shown".
///
/// A block with no prompt anywhere is a script and is copied whole. In a block where some lines
/// have a prompt (`$ `, `user@host:~$ `, and `# ` in console transcripts), a line without one is
/// output, unless it continues the previous command (that line ended with `\`, or it starts
/// with the `> ` continuation prompt).
pub(crate) fn copy_text(lang: &str, code: &str) -> Option<String> {
    if !is_shell(lang) {
        return None;
    }
    let root_prompt = is_transcript(lang);
    let lines: Vec<&str> = code.lines().collect();
    if !lines
        .iter()
        .any(|line| strip_prompt(line, root_prompt).is_some())
    {
        return None;
    }
    let mut commands: Vec<&str> = Vec::new();
    let mut continues = false;
    for line in lines {
        let command = if let Some(command) = strip_prompt(line, root_prompt) {
            Some(command)
        } else if continues {
            Some(line)
        } else {
            // PS2: the continuation prompt of a here-document or an open quote.
            line.strip_prefix("> ").filter(|_| !commands.is_empty())
        };
        continues = false;
        if let Some(command) = command {
            continues = command.trim_end().ends_with('\\');
            commands.push(command);
        }
    }
    let copy = commands.join("\n");
    (copy != code.trim_end_matches('\n')).then_some(copy)
}

/// The command on a prompt line, without the prompt.
fn strip_prompt(line: &str, root_prompt: bool) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed == "$" || (root_prompt && trimmed == "#") {
        return Some("");
    }
    if let Some(command) = trimmed.strip_prefix("$ ") {
        return Some(command);
    }
    if root_prompt && let Some(command) = trimmed.strip_prefix("# ") {
        return Some(command);
    }
    // `[root@host ~]# ` or `user@host:~/dir$ `: a first word that names a user and host and
    // ends in a prompt character.
    if trimmed.starts_with('[') {
        let close = trimmed.find(']')?;
        let after = &trimmed[close + 1..];
        return after
            .strip_prefix("$ ")
            .or_else(|| after.strip_prefix("# "))
            .filter(|_| trimmed[..close].contains('@'));
    }
    let (word, command) = trimmed.split_once(' ')?;
    let is_prompt =
        (word.ends_with('$') || word.ends_with('#')) && word.len() > 1 && word.contains('@');
    is_prompt.then_some(command)
}

#[cfg(test)]
/// The highlight stylesheet: the light theme by default, the dark theme when the reader prefers
/// dark (unless the page is toggled to light) or the page is toggled to dark.
pub(crate) fn highlight_css() -> String {
    let themes = two_face::theme::extra();
    let light = theme_css(&readable_theme(themes.get(LIGHT_THEME), LIGHT_CODE_BG));
    let dark = theme_css(&readable_theme(themes.get(DARK_THEME), DARK_CODE_BG));
    let mut css = String::from(
        "/* Syntax highlighting, generated by rb-site from bat's themes (two-face). */\n\n",
    );
    css.push_str(&light);
    // Dark on screens only: paper is white whatever the reader's screen preference.
    css.push_str("\n@media screen and (prefers-color-scheme: dark) {\n");
    css.push_str(&scope_css(&dark, ":root:not([data-theme=light])"));
    css.push_str("}\n\n@media screen {\n");
    css.push_str(&scope_css(&dark, ":root[data-theme=dark]"));
    css.push_str("}\n");
    css
}

#[cfg(test)]
fn theme_css(theme: &syntect::highlighting::Theme) -> String {
    // css_for_theme_with_class_style only fails on a theme whose scope selectors cannot be
    // written as CSS; the embedded themes are fixed, so an empty sheet is the honest fallback.
    let css = syntect::html::css_for_theme_with_class_style(theme, CLASS_STYLE).unwrap_or_default();
    strip_comments(&css)
}

#[cfg(test)]
const fn rgb(r: u8, g: u8, b: u8) -> syntect::highlighting::Color {
    syntect::highlighting::Color { r, g, b, a: 0xff }
}

#[cfg(test)]
/// `theme` on the code background `background`, every token colour darkened (on a light
/// background) or lightened (on a dark one) just enough to reach [`MIN_CONTRAST`]: bat's themes
/// were made for terminals, and several of their colours fail WCAG AA on a page.
fn readable_theme(
    theme: &syntect::highlighting::Theme,
    background: syntect::highlighting::Color,
) -> syntect::highlighting::Theme {
    let mut theme = theme.clone();
    theme.settings.background = Some(background);
    theme.settings.foreground = theme.settings.foreground.map(|fg| readable(fg, background));
    for item in &mut theme.scopes {
        let behind = item.style.background.unwrap_or(background);
        item.style.foreground = item.style.foreground.map(|fg| readable(fg, behind));
    }
    theme
}

#[cfg(test)]
/// WCAG 2 relative luminance.
fn luminance(c: syntect::highlighting::Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

#[cfg(test)]
/// WCAG 2 contrast ratio, from 1 to 21. CSS output drops alpha, so it is ignored here too.
fn contrast(a: syntect::highlighting::Color, b: syntect::highlighting::Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
/// `fg` itself when it is readable on `bg`, else the first mix of `fg` towards black or white
/// (whichever contrasts more with `bg`) that is: the hue is kept as far as possible.
fn readable(
    fg: syntect::highlighting::Color,
    bg: syntect::highlighting::Color,
) -> syntect::highlighting::Color {
    let fg = rgb(fg.r, fg.g, fg.b);
    let extreme = if contrast(rgb(0, 0, 0), bg) >= contrast(rgb(0xff, 0xff, 0xff), bg) {
        rgb(0, 0, 0)
    } else {
        rgb(0xff, 0xff, 0xff)
    };
    let mix =
        |a: u8, b: u8, t: f64| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    (0..=100)
        .map(|step| f64::from(step) / 100.0)
        .map(|t| {
            rgb(
                mix(fg.r, extreme.r, t),
                mix(fg.g, extreme.g, t),
                mix(fg.b, extreme.b, t),
            )
        })
        .find(|c| contrast(*c, bg) >= MIN_CONTRAST)
        .unwrap_or(extreme)
}

#[cfg(test)]
fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        match rest[start..].find("*/") {
            Some(end) => rest = &rest[start + end + 2..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out.trim_start().to_string()
}

#[cfg(test)]
/// Prefixes every selector of a flat stylesheet (rules only, no at-rules) with `scope`.
pub(crate) fn scope_css(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| open + i) else {
            break;
        };
        let selectors = rest[..open]
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("{scope} {s}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&selectors);
        out.push_str(" {");
        out.push_str(&rest[open + 1..close]);
        out.push_str("}\n");
        rest = &rest[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASH: &str = "kubectl -n api get pods | grep -v Running\n";
    const YAML: &str = "groups:\n  - name: api\n";

    #[test]
    fn a_repeated_block_is_highlighted_once() {
        let highlighter = Highlighter::new(None, None);
        let first = highlighter.highlight("bash", BASH);
        assert_eq!(
            highlighter.highlight("sh", BASH),
            first,
            "same grammar, same block"
        );
        assert_eq!(highlighter.highlighted(), 1);
        highlighter.highlight("yaml", YAML);
        assert_eq!(highlighter.highlighted(), 2);
    }

    #[test]
    fn the_pack_carries_blocks_to_the_next_build_and_a_full_build_prunes_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pack = dir.path().join("cache/highlight.pack");
        let first = Highlighter::new(Some(pack.clone()), None);
        let bash = first.highlight("bash", BASH);
        let yaml = first.highlight("yaml", YAML);
        first.save(true);
        assert!(pack.is_file(), "the pack is written with its folder");

        // The next build finds both blocks and highlights nothing.
        let second = Highlighter::new(Some(pack.clone()), None);
        assert_eq!(second.highlight("bash", BASH), bash);
        assert_eq!(second.highlighted(), 0);
        // A partial render (serve) keeps the blocks it did not meet...
        second.save(false);
        assert_eq!(
            read_pack(&std::fs::read(&pack).expect("pack"))
                .expect("valid")
                .len(),
            2
        );
        // ...a full build drops them.
        second.save(true);
        let third = Highlighter::new(Some(pack.clone()), None);
        assert_eq!(third.highlight("bash", BASH), bash);
        assert_eq!(third.highlight("yaml", YAML), yaml);
        assert_eq!(
            third.highlighted(),
            1,
            "only the yaml block had to be highlighted again"
        );
    }

    #[test]
    fn a_damaged_pack_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pack = dir.path().join("highlight.pack");
        let good = Highlighter::new(None, None).highlight("bash", BASH);
        let mut truncated = PACK_MAGIC.to_vec();
        truncated.extend_from_slice(&[7; 40]);
        for bytes in [b"not a pack".to_vec(), truncated] {
            std::fs::write(&pack, &bytes).expect("write");
            let highlighter = Highlighter::new(Some(pack.clone()), None);
            assert_eq!(highlighter.highlight("bash", BASH), good);
            assert_eq!(highlighter.highlighted(), 1);
            highlighter.save(true);
            let entries = read_pack(&std::fs::read(&pack).expect("pack")).expect("rewritten");
            assert_eq!(entries.len(), 1);
        }
    }

    #[test]
    fn bash_is_highlighted_with_prefixed_classes() {
        let html = Highlighter::new(None, None)
            .highlight("bash", "echo \"hi\" # greet\n")
            .html;
        assert!(
            html.starts_with("<span class=\"hl-source hl-shell hl-bash\">"),
            "{html}"
        );
        assert!(html.contains("<span class=\"hl-comment"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn aliases_find_a_grammar() {
        for lang in [
            "sh",
            "shell",
            "console",
            "zsh",
            "yml",
            "yaml",
            "toml",
            "json",
            "sql",
            "py",
            "python",
            "go",
            "dockerfile",
            "Dockerfile",
            "hcl",
            "terraform",
            "tf",
            "ini",
            "diff",
        ] {
            assert!(find_syntax(lang).is_some(), "no grammar for {lang}");
        }
    }

    #[test]
    fn unknown_language_is_plain_escaped_text() {
        let html = Highlighter::new(None, None)
            .highlight("promql", "rate(x[5m]) > 0 && <b>\n")
            .html;
        assert_eq!(html, "rate(x[5m]) &gt; 0 &amp;&amp; &lt;b&gt;\n");
        assert_eq!(
            Highlighter::new(None, None).highlight("", "a < b\n").html,
            "a &lt; b\n"
        );
    }

    #[test]
    fn a_long_line_without_a_worker_is_plain_and_says_why() {
        let code = format!("echo {}\n", "</div>".repeat(200));
        let highlighted = Highlighter::new(None, None).highlight("bash", &code);
        assert_eq!(highlighted.html, escape(&code));
        let why = highlighted.over_budget.expect("over budget");
        assert!(why.contains("a line of 1205 bytes"), "{why}");
        // A line at the limit is highlighted in-process.
        let code = format!("{}\n", "x".repeat(LONG_LINE));
        assert_eq!(
            Highlighter::new(None, None)
                .highlight("bash", &code)
                .over_budget,
            None
        );
    }

    #[test]
    fn a_block_over_budget_between_lines_is_abandoned() {
        let syntax = find_syntax("bash").expect("bash");
        let err =
            highlight_with(syntax, "echo a\necho b\n", Some(Duration::ZERO)).expect_err("over");
        assert!(err.contains("longer than 2 s"), "{err}");
        assert!(highlight_with(syntax, "echo a\n", None).is_ok());
    }

    #[test]
    fn templates_in_code_come_out_as_written() {
        let html = Highlighter::new(None, None)
            .highlight("yaml", "summary: '{{ $labels.instance }}'\n")
            .html;
        assert!(html.contains("{{ $labels.instance }}"), "{html}");
    }

    #[test]
    fn copy_text_drops_prompts_and_output() {
        let code = "$ kubectl get pods\nNAME   READY\nweb-1  1/1\n$ kubectl logs web-1\n";
        assert_eq!(
            copy_text("console", code).as_deref(),
            Some("kubectl get pods\nkubectl logs web-1")
        );
    }

    #[test]
    fn copy_text_keeps_backslash_continuations() {
        let code = "$ curl -s \\\n    -H 'Accept: json' \\\n    http://x/health\n{\"ok\":true}\n";
        assert_eq!(
            copy_text("bash", code).as_deref(),
            Some("curl -s \\\n    -H 'Accept: json' \\\n    http://x/health")
        );
    }

    #[test]
    fn copy_text_keeps_ps2_continuations() {
        let code = "$ cat <<EOF > /tmp/x\n> line one\n> EOF\n";
        assert_eq!(
            copy_text("console", code).as_deref(),
            Some("cat <<EOF > /tmp/x\nline one\nEOF")
        );
    }

    #[test]
    fn root_prompt_only_in_transcripts() {
        let code = "# systemctl restart nginx\n";
        assert_eq!(
            copy_text("console", code).as_deref(),
            Some("systemctl restart nginx")
        );
        // In a script, `#` starts a comment: the block is copied as shown.
        assert_eq!(
            copy_text("bash", "# restart it\nsystemctl restart nginx\n"),
            None
        );
    }

    #[test]
    fn user_at_host_prompts_are_stripped() {
        let code = "user@db-1:~$ psql -c 'select 1'\n ?column?\n[root@db-1 ~]# reboot\n";
        assert_eq!(
            copy_text("shell", code).as_deref(),
            Some("psql -c 'select 1'\nreboot")
        );
    }

    #[test]
    fn scripts_and_other_languages_copy_as_shown() {
        assert_eq!(
            copy_text("bash", "kubectl get pods\nkubectl get svc\n"),
            None
        );
        assert_eq!(copy_text("yaml", "$ not: a prompt\n"), None);
        assert_eq!(copy_text("sh", "$ ls\n"), Some("ls".to_string()));
    }

    #[test]
    fn css_has_light_dark_toggle_and_print() {
        let css = highlight_css();
        assert!(css.starts_with("/* Syntax highlighting"));
        assert!(css.contains("\n.hl-code {"), "{css}");
        assert!(css.contains(
            "@media screen and (prefers-color-scheme: dark) {\n:root:not([data-theme=light]) .hl-code {"
        ));
        assert!(css.contains("@media screen {\n:root[data-theme=dark] .hl-code {"));
        assert!(!css.contains("@media print"), "print uses the light rules");
        assert!(!css.contains("theme \""), "syntect's comments are stripped");
        assert_eq!(css.matches('{').count(), css.matches('}').count());
    }

    #[test]
    fn every_token_colour_meets_wcag_aa_on_the_code_background() {
        let themes = two_face::theme::extra();
        for (name, bg) in [(LIGHT_THEME, LIGHT_CODE_BG), (DARK_THEME, DARK_CODE_BG)] {
            let theme = readable_theme(themes.get(name), bg);
            assert_eq!(theme.settings.background, Some(bg));
            let colours = theme.settings.foreground.into_iter().chain(
                theme
                    .scopes
                    .iter()
                    .filter(|item| item.style.background.is_none())
                    .filter_map(|item| item.style.foreground),
            );
            for fg in colours {
                let ratio = contrast(fg, bg);
                assert!(ratio >= 4.5, "{name:?}: {fg:?} on {bg:?} is {ratio:.2}:1");
            }
        }
    }

    #[test]
    fn readable_colours_keep_their_hue_and_good_ones_stay() {
        let white = rgb(0xff, 0xff, 0xff);
        // GitHub's comment grey is 2.9:1 on white: darkened, still grey.
        let grey = readable(rgb(0x96, 0x98, 0x96), white);
        assert!(contrast(grey, white) >= MIN_CONTRAST);
        assert!(grey.r.abs_diff(grey.g) <= 2 && grey.r < 0x96, "{grey:?}");
        let ink = rgb(0x32, 0x32, 0x32);
        assert_eq!(readable(ink, white), ink);
        let night = rgb(0x15, 0x1b, 0x23);
        let blue = readable(rgb(0x00, 0x00, 0xc0), night);
        assert!(
            blue.b > blue.r && contrast(blue, night) >= MIN_CONTRAST,
            "{blue:?}"
        );
        assert!((contrast(rgb(0, 0, 0), white) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn scope_css_prefixes_each_selector() {
        assert_eq!(
            scope_css(".a, .b .c {\n color: red;\n}\n\n.d {\n}\n", ":root[x]"),
            ":root[x] .a, :root[x] .b .c {\n color: red;\n}\n:root[x] .d {\n}\n"
        );
    }
}
