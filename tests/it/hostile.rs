//! Issue 14 item 9: the hostile catalogue, one table over the binary.
//!
//! Each row sets up a copy of `tests/fixtures/hostile` (a clean site of `reference` pages) with
//! one hostile input, runs `rb-site` on it, and asserts: the exit code; exactly which
//! diagnostics come out (code, file, line); that the run ended within a generous bound (a hang
//! guard, not a speed test); that nothing outside the build folder changed (every file, link and
//! folder of the site and of a folder outside it is hashed before and after); and, where the
//! row says, what the built site holds.
//!
//! The rows of issue 14's F3 and F5 (highlighting, Mermaid and heading-id bounds), name lengths
//! and `book.toml` dangers are here too; their finer points (the budgets' messages, the cache of
//! an outcome) are in `bounds.rs`. Every row also asserts that no library internal (a Rust
//! `Debug` dump, a parser's option name) reaches the output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{copy_tree, rb_site, repo};

/// A run that takes this long has hung: debug builds of 5 MB inputs on a busy machine take a
/// few seconds.
const HANG: Duration = Duration::from_secs(180);

/// Where a row's run happens: the site, and a folder beside it that is not part of the site.
struct Place {
    root: PathBuf,
    outside: PathBuf,
}

impl Place {
    fn content(&self, rel: &str) -> PathBuf {
        self.root.join("content").join(rel)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.content(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    /// Sets `line` in `[table]` of book.toml.
    fn book(&self, table: &str, line: &str) {
        let path = self.root.join("book.toml");
        let text = std::fs::read_to_string(&path).expect("book.toml");
        let header = format!("[{table}]\n");
        let text = match text.find(&header) {
            Some(at) => format!(
                "{}{line}\n{}",
                &text[..at + header.len()],
                &text[at + header.len()..]
            ),
            None => format!("{text}\n{header}{line}\n"),
        };
        std::fs::write(path, text).expect("write book.toml");
    }

    /// Writes a file relative to the root (book.toml's folder), outside the content.
    fn write_root(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    #[cfg(unix)]
    fn link(&self, target: impl AsRef<Path>, rel: &str) {
        let path = self.content(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, path).expect("symlink");
    }

    fn site(&self, rel: &str) -> Option<String> {
        std::fs::read(self.root.join("site").join(rel))
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Every file under the built site, as text, concatenated: for "appears nowhere" checks.
    fn whole_site(&self) -> String {
        let mut all = String::new();
        for entry in walkdir::WalkDir::new(self.root.join("site")) {
            let entry = entry.expect("walk site");
            if entry.file_type().is_file() {
                all.push_str(&String::from_utf8_lossy(
                    &std::fs::read(entry.path()).expect("read"),
                ));
            }
        }
        all
    }

    fn build(&self) -> (i32, String) {
        let output = rb_site()
            .args(["build", "--root"])
            .arg(&self.root)
            .timeout(HANG)
            .output()
            .expect("rb-site runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// One hostile input.
struct Row {
    name: &'static str,
    setup: fn(&Place),
    /// `build` or `check`.
    command: &'static str,
    exit: i32,
    /// Every diagnostic expected: (code, file relative to the root, line).
    diagnostics: &'static [(&'static str, &'static str, usize)],
    /// Text the output (JSON report or error message) must hold.
    stderr: &'static str,
    /// More to assert once the run is over.
    after: fn(&Place),
}

const NOTHING: fn(&Place) = |_| {};

fn rows() -> Vec<Row> {
    let mut rows = vec![
        Row {
            name: "F1: overlapping placeholder tags",
            setup: |p| p.write("f1.md", "<div><zz<yy>\n"),
            command: "build",
            exit: 0,
            diagnostics: &[
                ("unknown-html-tag", "content/f1.md", 1),
                ("unknown-html-tag", "content/f1.md", 1),
            ],
            stderr: "",
            after: |p| {
                let page = p.site("f1/index.html").expect("page built");
                assert!(page.contains("&lt;zz&lt;yy&gt;"), "{page}");
            },
        },
        Row {
            name: "invalid UTF-8",
            setup: |p| p.write("bad.md", b"# Title\n\nfine\nthen \xff\xfe here\n"),
            command: "build",
            exit: 1,
            diagnostics: &[("invalid-utf8", "content/bad.md", 4)],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "binary .md",
            setup: |p| {
                p.write(
                    "binary.md",
                    (0..=255u8).cycle().take(64 * 1024).collect::<Vec<u8>>(),
                )
            },
            command: "build",
            exit: 1,
            // Byte 10 ends line 1; byte 128, the first invalid one, is on line 2.
            diagnostics: &[("invalid-utf8", "content/binary.md", 2)],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "BOM",
            setup: |p| p.write("bom.md", b"\xef\xbb\xbf---\ntitle: With BOM\n---\n# B\n"),
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let page = p.site("bom/index.html").expect("page built");
                assert!(page.contains("<title>With BOM"), "the front matter is read");
            },
        },
        Row {
            name: "CRLF: lines counted as the author sees them",
            setup: |p| {
                p.write(
                    "crlf.md",
                    b"---\r\ntitle: CRLF\r\n---\r\n# CRLF\r\n\r\nRun it on <cluster-id>.\r\n",
                )
            },
            command: "build",
            exit: 0,
            diagnostics: &[("unknown-html-tag", "content/crlf.md", 6)],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "a 5 MB line",
            setup: |p| {
                p.write(
                    "long-line.md",
                    "word `code` *em* [link](https://example.com) ".repeat(5 * 1024 * 1024 / 44),
                )
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "10,000-deep nested lists",
            setup: |p| p.write("nested.md", format!("{}deep\n", "- ".repeat(10_000))),
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "unterminated fence",
            setup: |p| {
                p.write(
                    "fence.md",
                    "---\ntitle: Fence\n---\n# Fence\n\n```bash\n## Rollback\nnever closed <x-y>\n",
                )
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let page = p.site("fence/index.html").expect("page built");
                let body = &page[page.find("rb-body").expect("body")..];
                assert!(
                    body.contains("hl-code") && body.contains("# Rollback"),
                    "the rest is code: {body}"
                );
                assert!(!body.contains("<x-y>") && !body.contains("<h2"), "{body}");
            },
        },
        Row {
            name: "unterminated front matter",
            setup: |p| p.write("front.md", "---\ntitle: x\n# Body\n"),
            command: "build",
            exit: 1,
            diagnostics: &[("front-matter-syntax", "content/front.md", 1)],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "YAML alias bomb",
            setup: |p| {
                let mut text = String::from("---\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
                let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
                for pair in names.windows(2) {
                    let refs = vec![format!("*{}", pair[0]); 10].join(",");
                    text.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
                }
                text.push_str("title: bomb\n---\n# Bomb\n");
                p.write("bomb.md", text);
            },
            command: "build",
            exit: 1,
            diagnostics: &[("front-matter-syntax", "content/bomb.md", 7)],
            stderr: "too large or too complex to read",
            after: NOTHING,
        },
        Row {
            name: "duplicate front-matter keys",
            setup: |p| p.write("dup.md", "---\ntitle: a\ntitle: b\n---\n# Dup\n"),
            command: "build",
            exit: 1,
            diagnostics: &[("front-matter-syntax", "content/dup.md", 3)],
            stderr: "the key `title` appears twice in the front matter",
            after: NOTHING,
        },
        Row {
            name: "empty file",
            setup: |p| p.write("empty.md", ""),
            command: "build",
            exit: 1,
            diagnostics: &[("empty-file", "content/empty.md", 1)],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "odd file names",
            setup: |p| {
                p.write("with spaces.md", "# Spaces\n");
                p.write("überprüfung.md", "# Unicode\n");
                p.write("-rf.md", "# Dash\n");
                p.write(&format!("{}.md", "l".repeat(200)), "# Long\n");
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let site = p.whole_site();
                for title in ["Spaces", "Unicode", "Dash", "Long"] {
                    assert!(site.contains(&format!("<title>{title}")), "{title} built");
                }
            },
        },
        Row {
            name: "F3: one bash line of </div> x 950, highlighted in bounded time",
            setup: |p| {
                p.write(
                    "f3.md",
                    format!("# F3\n\n```bash\n{}\n```\n", "</div>".repeat(950)),
                )
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let page = p.site("f3/index.html").expect("page built");
                assert!(page.contains("hl-redirection"), "highlighted");
            },
        },
        Row {
            name: "F5: a 1,000-node flowchart is a mermaid-timeout warning, shown as source",
            setup: |p| {
                p.book("mermaid", "timeout = 1");
                let mut chart = String::from("# F5\n\n```mermaid\nflowchart TD\n");
                for i in 0..1000 {
                    chart.push_str(&format!(
                        "    n{i}[Step {i}] --> n{}[Step {}]\n",
                        i + 1,
                        i + 1
                    ));
                    if i % 7 == 0 {
                        chart.push_str(&format!("    n{i} --> n{}\n", (i * 13) % 1000));
                    }
                }
                chart.push_str("```\n");
                p.write("f5.md", chart);
            },
            command: "build",
            exit: 0,
            diagnostics: &[("mermaid-timeout", "content/f5.md", 3)],
            stderr: "",
            after: |p| {
                let page = p.site("f5/index.html").expect("page built");
                assert!(
                    page.contains("This diagram took too long to draw"),
                    "the page says why"
                );
                assert!(page.contains("n999[Step 999]"), "the source is shown");
            },
        },
        Row {
            name: "F5: 20,000 identical headings, checked in linear time",
            setup: |p| p.write("headings.md", "## a\n\n".repeat(20_000)),
            command: "check",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "->>+ and -->>- activation arrows (GitLab's chef-process-overview)",
            setup: |p| {
                p.write(
                    "seq.md",
                    "# Seq\n\n```mermaid\nsequenceDiagram\n    participant Chef\n    participant VM\n    \
                     Chef->>+VM: converge\n    VM-->>-Chef: done\n```\n",
                )
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let page = p.site("seq/index.html").expect("page built");
                assert!(page.contains("<svg") && page.contains("converge"), "drawn");
            },
        },
        Row {
            name: "a slug over 255 bytes: path-too-long in check as in build",
            setup: |p| {
                p.write(
                    "long-slug.md",
                    format!("---\ntitle: Long\nslug: {}\n---\n# Long\n", "s".repeat(300)),
                )
            },
            command: "check",
            exit: 1,
            diagnostics: &[("path-too-long", "content/long-slug.md", 3)],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "an alert name over 255 bytes",
            setup: |p| {
                p.book("alerts", "rules = [\"rules/*.yaml\"]");
                p.write_root(
                    "rules/long.yaml",
                    format!(
                        "groups:\n  - name: long\n    rules:\n      - alert: {}\n        expr: up == 0\n",
                        "A".repeat(300)
                    ),
                );
                p.write(
                    "long-alert.md",
                    format!(
                        "---\ntitle: Long\nalerts: [{}]\n---\n# Long\n",
                        "A".repeat(300)
                    ),
                );
            },
            command: "build",
            exit: 1,
            diagnostics: &[
                ("path-too-long", "rules/long.yaml", 4),
                ("path-too-long", "rules/long.yaml", 4),
                ("runbook-url-missing", "rules/long.yaml", 4),
            ],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "duplicate rule group names (Prometheus refuses them)",
            setup: |p| {
                p.book("alerts", "rules = [\"rules/*.yaml\"]");
                p.write_root(
                    "rules/dup.yaml",
                    "groups:\n  - name: disk\n    rules: []\n  - name: disk\n    rules: []\n",
                );
            },
            command: "check",
            exit: 1,
            diagnostics: &[("rule-file-error", "rules/dup.yaml", 4)],
            stderr: "the group name \\\"disk\\\" is repeated in this file",
            after: NOTHING,
        },
        Row {
            name: "book.toml: build-dir is a folder of someone else's files",
            setup: |p| {
                std::fs::write(p.outside.join("notes.txt"), "keep me\n").expect("write");
                p.book("build", "build-dir = \"../outside\"");
            },
            command: "build",
            exit: 2,
            diagnostics: &[],
            stderr: "choose another build-dir",
            after: NOTHING,
        },
        Row {
            name: "F7: raw HTML is sanitized by default",
            setup: |p| {
                p.write(
                    "html.md",
                    "# HTML\n\n<details open><summary>More</summary>\n\nPress <kbd>Ctrl</kbd>.<br>\n\n</details>\n\n\
                     <script>alert(1)</script>\n<img src=\"https://example.com/x.png\" onerror=\"alert(2)\">\n<iframe src=\"https://example.com\"></iframe>\n",
                )
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let page = p.site("html/index.html").expect("page built");
                let body = &page[page.find("rb-body").expect("body")..];
                for kept in [
                    "<details open",
                    "<summary>More</summary>",
                    "<kbd>Ctrl</kbd>",
                    "<br>",
                ] {
                    assert!(body.contains(kept), "{kept} kept: {body}");
                }
                for gone in ["alert(1)", "onerror", "<iframe"] {
                    assert!(!body.contains(gone), "{gone} removed: {body}");
                }
            },
        },
        Row {
            name: "F7: raw-html = \"deny\" shows HTML as text",
            setup: |p| {
                p.book("markdown", "raw-html = \"deny\"");
                p.write("html.md", "# HTML\n\n<b onclick=\"x()\">bold</b>\n");
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                let page = p.site("html/index.html").expect("page built");
                assert!(
                    page.contains("<p>&lt;b onclick=\"x()\"&gt;bold&lt;/b&gt;</p>"),
                    "{page}"
                );
            },
        },
        Row {
            name: "F7: dangerous link schemes, in every raw-html mode",
            setup: |p| {
                p.book("markdown", "raw-html = \"allow\"");
                p.write(
                    "links.md",
                    "# Links\n\n[run](javascript:alert(1))\n\n![img](data:text/html;base64,PHNjcmlwdD4=)\n\n\
                     [vb]( VBScript:msgbox )\n\n<a href=\"&#106;avascript:x\">entity</a>\n",
                );
            },
            command: "build",
            exit: 1,
            diagnostics: &[
                ("unsafe-link-scheme", "content/links.md", 3),
                ("unsafe-link-scheme", "content/links.md", 5),
                ("unsafe-link-scheme", "content/links.md", 7),
                ("unsafe-link-scheme", "content/links.md", 9),
            ],
            stderr: "",
            after: NOTHING,
        },
        Row {
            name: "F7: edit-url-template must be http(s)",
            setup: |p| p.book("book", "edit-url-template = \"javascript:alert('{path}')\""),
            command: "build",
            exit: 2,
            diagnostics: &[],
            stderr: "book.edit-url-template: expected an http(s) URL",
            after: NOTHING,
        },
        Row {
            name: "F7: base-url must be http(s)",
            setup: |p| p.book("book", "base-url = \"javascript:alert(1)\""),
            command: "build",
            exit: 2,
            diagnostics: &[],
            stderr: "book.base-url: expected an absolute http(s) URL",
            after: NOTHING,
        },
        Row {
            name: "F6: CNAME, .nojekyll and .git/ in the build folder survive builds",
            setup: |p| {
                assert_eq!(p.build().0, 0, "first build");
                let site = p.root.join("site");
                std::fs::write(site.join("CNAME"), "runbooks.example.com\n").expect("write");
                std::fs::write(site.join(".nojekyll"), "").expect("write");
                std::fs::create_dir_all(site.join(".git/refs")).expect("mkdir");
                std::fs::write(site.join(".git/HEAD"), "ref: refs/heads/gh-pages\n")
                    .expect("write");
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                for build in 0..3 {
                    if build > 0 {
                        assert_eq!(p.build().0, 0, "build {build}");
                    }
                    assert_eq!(p.site("CNAME").as_deref(), Some("runbooks.example.com\n"));
                    assert_eq!(p.site(".nojekyll").as_deref(), Some(""));
                    assert_eq!(
                        p.site(".git/HEAD").as_deref(),
                        Some("ref: refs/heads/gh-pages\n")
                    );
                    assert!(p.root.join("site/.git/refs").is_dir());
                }
            },
        },
        Row {
            name: "F6: a spare folder without a manifest is never deleted",
            setup: |p| {
                let spare = p.root.join(".site.rb-site-prev");
                std::fs::create_dir_all(&spare).expect("mkdir");
                std::fs::write(spare.join("precious.txt"), "mine").expect("write");
            },
            command: "build",
            exit: 2,
            diagnostics: &[],
            stderr: ".site.rb-site-prev exists but was not made by rb-site",
            after: |p| {
                let kept = std::fs::read_to_string(p.root.join(".site.rb-site-prev/precious.txt"));
                assert_eq!(kept.ok().as_deref(), Some("mine"));
            },
        },
    ];
    for (dir, what) in [
        (".", "it is the root folder"),
        ("content", "it is the content folder"),
        ("/", "it is the root folder"),
        ("..", "it is the root folder"),
    ] {
        rows.push(Row {
            name: match dir {
                "." => "book.toml: build-dir = \".\"",
                "content" => "book.toml: build-dir = \"content\"",
                "/" => "book.toml: build-dir = \"/\"",
                _ => "book.toml: build-dir = \"..\"",
            },
            setup: match dir {
                "." => |p| p.book("build", "build-dir = \".\""),
                "content" => |p| p.book("build", "build-dir = \"content\""),
                "/" => |p| p.book("build", "build-dir = \"/\""),
                _ => |p| p.book("build", "build-dir = \"..\""),
            },
            command: "build",
            exit: 2,
            diagnostics: &[],
            stderr: what,
            after: NOTHING,
        });
    }
    #[cfg(unix)]
    rows.extend(symlink_rows());
    rows
}

#[cfg(unix)]
fn symlink_rows() -> Vec<Row> {
    vec![
        Row {
            name: "F2: ln -s /etc/passwd content/svc/passwd.txt",
            setup: |p| p.link("/etc/passwd", "svc/passwd.txt"),
            command: "build",
            exit: 0,
            diagnostics: &[("symlink-outside", "content/svc/passwd.txt", 1)],
            stderr: "content/svc/passwd.txt is a symbolic link to /etc/passwd, outside the site",
            after: |p| {
                assert_eq!(p.site("svc/passwd.txt"), None);
                assert!(!p.whole_site().contains("root:x:0:0"));
            },
        },
        Row {
            name: "F2: a folder linked from outside (like ln -s /etc/ssh content/sshconf)",
            setup: |p| {
                std::fs::create_dir_all(p.outside.join("ssh")).expect("mkdir");
                std::fs::write(p.outside.join("ssh/ssh_config"), "Host secret-bastion\n")
                    .expect("write");
                p.link(p.outside.join("ssh"), "sshconf");
            },
            command: "build",
            exit: 0,
            diagnostics: &[("symlink-outside", "content/sshconf", 1)],
            stderr: "",
            after: |p| {
                assert_eq!(p.site("sshconf/ssh_config"), None);
                assert!(!p.whole_site().contains("secret-bastion"));
            },
        },
        Row {
            name: "F2: a runbook linked from outside reaches no page, print or search",
            setup: |p| {
                std::fs::write(
                    p.outside.join("leak.md"),
                    "---\ntitle: Leak\n---\n# Leak\n\nzebrafishpassword\n",
                )
                .expect("write");
                p.link(p.outside.join("leak.md"), "leak.md");
            },
            command: "build",
            exit: 0,
            diagnostics: &[("symlink-outside", "content/leak.md", 1)],
            stderr: "",
            after: |p| {
                assert_eq!(p.site("leak/index.html"), None);
                assert!(p.site("print/index.html").is_some());
                assert!(!p.whole_site().contains("zebrafish"));
            },
        },
        Row {
            name: "F2: links inside the site are followed",
            setup: |p| {
                p.write("real/steps.md", "---\ntitle: Linked steps\n---\n# Steps\n");
                p.link("real", "alias");
            },
            command: "build",
            exit: 0,
            diagnostics: &[],
            stderr: "",
            after: |p| {
                assert!(p.site("alias/steps/index.html").is_some());
                assert!(p.site("real/steps/index.html").is_some());
            },
        },
        Row {
            name: "symlink loop",
            setup: |p| p.link("..", "loop/back"),
            command: "build",
            exit: 0,
            diagnostics: &[("symlink-loop", "content/loop/back", 1)],
            stderr: "",
            after: NOTHING,
        },
    ]
}

/// What a folder holds, for "nothing changed": every entry's kind and bytes (or link target),
/// not following links, leaving out the build folder, its spare and rb-site's cache.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let skip = |rel: &str| {
        [
            "root/site",
            "root/.site.rb-site-prev",
            "root/.rb-site-cache",
        ]
        .iter()
        .any(|s| rel == *s || rel.starts_with(&format!("{s}/")))
    };
    let mut entries = BTreeMap::new();
    let mut walker = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(entry) = walker.next() {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("under")
            .to_string_lossy()
            .into_owned();
        if skip(&rel) {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let what = if entry.path_is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(entry.path())
                    .expect("readlink")
                    .display()
            )
        } else if entry.file_type().is_dir() {
            "folder".to_string()
        } else {
            let bytes = std::fs::read(entry.path()).expect("read");
            format!("file {}", blake3::hash(&bytes).to_hex())
        };
        entries.insert(rel, what);
    }
    entries
}

/// (code, file, line) of every diagnostic in a JSON report.
fn diagnostics(json: &str) -> Vec<(String, String, usize)> {
    let report: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("a JSON report ({e}): {json:.500}"));
    let mut found: Vec<(String, String, usize)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default() as usize,
            )
        })
        .collect();
    found.sort();
    found
}

fn run_row(row: &Row) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let place = Place {
        root: dir.path().join("root"),
        outside: dir.path().join("outside"),
    };
    copy_tree(&repo().join("tests/fixtures/hostile"), &place.root);
    std::fs::create_dir_all(&place.outside).expect("mkdir");
    (row.setup)(&place);
    let before = snapshot(dir.path());

    let started = Instant::now();
    let output = rb_site()
        .args([row.command, "--format", "json", "--root"])
        .arg(&place.root)
        .timeout(HANG)
        .output()
        .expect("rb-site runs");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let fail = |what: String| Err(format!("{}: {what}\nstderr:\n{stderr:.3000}", row.name));

    if took >= HANG {
        return fail(format!("still running after {HANG:?}: a hang"));
    }
    if stderr.contains("panicked") {
        return fail("panicked".into());
    }
    // Library internals never reach the user (issue 14: "budget breached: Nodes { … }",
    // "set DuplicateKeyPolicy in Options").
    for internal in [
        "DuplicateKeyPolicy",
        "budget breached",
        "Nodes {",
        "Error {",
        "Os {",
    ] {
        if stderr.contains(internal) || stdout.contains(internal) {
            return fail(format!("the output shows a library internal: {internal:?}"));
        }
    }
    let exit = output.status.code();
    if exit != Some(row.exit) {
        return fail(format!("exit {exit:?}, expected {}", row.exit));
    }
    if !stderr.contains(row.stderr) && !stdout.contains(row.stderr) {
        return fail(format!("the output lacks {:?}", row.stderr));
    }
    if row.exit != 2 {
        let mut expected: Vec<(String, String, usize)> = row
            .diagnostics
            .iter()
            .map(|(code, file, line)| (code.to_string(), file.to_string(), *line))
            .collect();
        expected.sort();
        let found = diagnostics(&stdout);
        if found != expected {
            return fail(format!("diagnostics {found:?}, expected {expected:?}"));
        }
    }
    let after = snapshot(dir.path());
    if after != before {
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        return fail(format!("changed outside the build folder: {changed:?}"));
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (row.after)(&place))).or_else(
        |panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            fail(format!("after the run: {message}"))
        },
    )?;
    eprintln!(
        "{:<70} exit {} in {:.1} s",
        row.name,
        row.exit,
        took.as_secs_f64()
    );
    Ok(())
}

/// Issue 14 item 9: every hostile input of the catalogue, through the binary.
#[test]
fn issue_14_hostile_catalogue() {
    let rows = rows();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(row) = rows.get(i) else { return };
                    if let Err(failure) = run_row(row) {
                        failures.lock().expect("lock").push(failure);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}
