//! The command line as a user meets it: exit codes (0 clean, 1 content errors or warnings under
//! `--strict`, 2 configuration or I/O errors, never 101), what goes to stderr, and `build`
//! leaving the previous site in place when the content has errors.

use std::path::Path;

use crate::validate::{copy_dir, fixture, rb_site};

fn run(args: &[&str], root: &Path) -> (i32, String, String) {
    let output = rb_site()
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .expect("rb-site runs");
    (
        output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_exits_0_on_a_clean_site_and_prints_nothing() {
    let (code, stdout, stderr) = run(&["check"], &fixture("validate-clean"));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
}

#[test]
fn check_exits_1_on_errors_with_a_summary() {
    let (code, _, stderr) = run(&["check"], &fixture("validate-missing-section"));
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error[missing-section]: runbook has no \"rollback\" section\n --> content/db/failover.md:6:1\n"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("\n2 errors, 0 warnings in 2 files\n"),
        "{stderr}"
    );
}

#[test]
fn warnings_pass_unless_strict() {
    let root = fixture("validate-steps-not-ordered");
    let (code, _, stderr) = run(&["check"], &root);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning[steps-not-ordered]"), "{stderr}");
    assert!(
        stderr.ends_with("0 errors, 1 warning in 1 file\n"),
        "{stderr}"
    );
    let (code, _, _) = run(&["check", "--strict"], &root);
    assert_eq!(code, 1);
}

#[test]
fn a_bad_book_toml_key_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("content")).expect("mkdir");
    std::fs::write(
        dir.path().join("book.toml"),
        "[validate]\nreview-interval-days = 90\nrequired-feilds = [\"title\"]\n",
    )
    .expect("write");
    let (code, _, stderr) = run(&["check"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("book.toml:3:1: unknown field `required-feilds`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_content_folder_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"x\"\n").expect("write");
    let (code, _, stderr) = run(&["check"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot read the content folder"),
        "{stderr}"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("validate-clean"), dir.path());
    let (code, _, stderr) = run(&["build", "--quiet"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    let page = dir.path().join("site/db/failover/index.html");
    let before = std::fs::read(&page).expect("the first build wrote the page");

    // Break the runbook: its rollback section goes, and another page appears.
    let source = dir.path().join("content/db/failover.md");
    let text = std::fs::read_to_string(&source).expect("read");
    let broken = text.replace("## 🔙 Roll back!", "## Aftermath");
    std::fs::write(&source, broken).expect("write");
    std::fs::write(dir.path().join("content/db/new.md"), "# New\n").expect("write");

    let (code, _, stderr) = run(&["build", "--quiet"], dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[missing-section]"), "{stderr}");
    assert!(stderr.contains("Build failed: the site in"), "{stderr}");
    assert_eq!(std::fs::read(&page).expect("page still there"), before);
    assert!(!dir.path().join("site/db/new/index.html").exists());
}

#[test]
fn a_build_with_warnings_writes_the_site() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("validate-steps-not-ordered"), dir.path());
    let (code, _, stderr) = run(&["build", "--quiet"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning[steps-not-ordered]"), "{stderr}");
    assert!(dir.path().join("site/db/failover/index.html").is_file());
}

/// Hostile inputs, generated into a temporary `content/` folder: each one gives diagnostics or
/// renders, and nothing panics (exit code 101) or dies of a signal.
mod hostile {
    use super::*;

    fn write_hostile_inputs(content: &Path) {
        std::fs::create_dir_all(content).expect("mkdir");
        let file = |name: &str, bytes: Vec<u8>| {
            std::fs::write(content.join(name), bytes).expect("write hostile input")
        };
        // Every byte value: NULs, control characters and invalid UTF-8.
        file("binary.md", (0..=255u8).cycle().take(64 * 1024).collect());
        file(
            "invalid-utf8.md",
            b"# Title\n\nvalid, then \xff\xfe\xc3\x28 not\n".to_vec(),
        );
        file(
            "nested-lists.md",
            format!("{}deep\n", "- ".repeat(10_000)).into_bytes(),
        );
        file(
            "nested-quotes.md",
            format!("{}deep\n", ">".repeat(10_000)).into_bytes(),
        );
        file(
            "nested-brackets.md",
            format!("{}x{}\n", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        );
        file(
            "long-line.md",
            "word <tag> `code` [link](x.md) "
                .repeat(5 * 1024 * 1024 / 32)
                .into_bytes(),
        );
        let mut front = String::from("---\ntitle: Big\ntags:\n");
        while front.len() < 1024 * 1024 {
            front.push_str("  - a-fairly-long-tag-name\n");
        }
        front.push_str("---\n# Big\n");
        file("big-front-matter.md", front.into_bytes());
        file(
            "nested-yaml.md",
            format!(
                "---\ntitle: {}x{}\n---\n# Y\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            )
            .into_bytes(),
        );
        file(
            "unterminated-fence.md",
            b"# Fence\n\n```bash\n## Rollback\nnever closed\n".to_vec(),
        );
        file(
            "unterminated-front-matter.md",
            b"---\ntitle: x\n# Body\n".to_vec(),
        );
        file("empty.md", Vec::new());
        file("whitespace.md", b"\n\n   \n".to_vec());
        file(
            "crlf.md",
            b"# CRLF\r\n\r\n## Steps\r\n\r\n1. Act.\r\n".to_vec(),
        );
        file(
            "bom.md",
            b"\xef\xbb\xbf---\ntitle: BOM\n---\n# BOM\n".to_vec(),
        );
        std::fs::create_dir_all(content.join("loop")).expect("mkdir");
        #[cfg(unix)]
        std::os::unix::fs::symlink("..", content.join("loop/back")).expect("symlink loop");
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_hostile_inputs(&dir.path().join("content"));
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"Hostile\"\n",
        )
        .expect("write");
        let (code, stdout, stderr) = run(&["check", "--format", "json"], dir.path());
        assert!(code == 0 || code == 1, "exit {code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
        let named = |file: &str| {
            json["diagnostics"]
                .as_array()
                .expect("array")
                .iter()
                .filter(|d| d["file"] == format!("content/{file}"))
                .map(|d| d["code"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(named("binary.md"), ["invalid-utf8"]);
        assert_eq!(named("invalid-utf8.md"), ["invalid-utf8"]);
        assert_eq!(named("empty.md"), ["empty-file"]);
        assert!(named("unterminated-front-matter.md").contains(&"front-matter-syntax".to_string()));
        assert!(
            named("nested-yaml.md").contains(&"front-matter-syntax".to_string())
                || !named("nested-yaml.md").is_empty()
        );
        let looped = json["diagnostics"]
            .as_array()
            .expect("array")
            .iter()
            .any(|d| {
                d["code"] == "symlink-loop"
                    && d["file"].as_str().is_some_and(|f| f.contains("loop"))
            });
        assert!(looped, "the symlink loop is reported: {json:#}");
    }

    #[test]
    fn hostile_inputs_build_or_fail_cleanly() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_hostile_inputs(&dir.path().join("content"));
        // Every rule a warning, so that the site is written and each page's rendering is seen.
        let mut book = String::from("[book]\ntitle = \"Hostile\"\n[validate.levels]\n");
        for rule in rb_site::diag::RULES {
            book.push_str(&format!("{} = \"warning\"\n", rule.code));
        }
        std::fs::write(dir.path().join("book.toml"), book).expect("write");
        let (code, _, stderr) = run(&["build", "--quiet", "--format", "github"], dir.path());
        assert!(code == 0 || code == 1, "exit {code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        for page in [
            "nested-lists",
            "nested-quotes",
            "long-line",
            "big-front-matter",
            "unterminated-fence",
            "crlf",
            "bom",
        ] {
            let html = dir.path().join("site").join(page).join("index.html");
            assert!(
                html.is_file(),
                "{page} was rendered (exit {code}): {stderr}"
            );
        }
    }
}
