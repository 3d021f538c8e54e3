//! Bad input never panics and never loses data: a clear diagnostic naming the file (and line),
//! exit 1 for content and 2 for configuration or I/O, and the previous site left in place.

use std::path::Path;

use crate::support::{build_into, fixture, rb_site, read, tree};

/// Runs `rb-site <args> --root <root>`, asserts its exit code, and returns what it printed on
/// stderr.
fn stderr_of(args: &[&str], root: &Path, code: i32) -> String {
    let assert = rb_site()
        .args(args)
        .arg("--root")
        .arg(root)
        .assert()
        .code(code);
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Builds the fixture once, adds one bad file, and checks the failed build's message and exit code.
fn assert_bad_file(name: &str, bytes: &[u8], expect_code: i32, expect: &[&str]) {
    let site = fixture("basic");
    let out = site.path().join("out");
    build_into(site.path(), &out)
        .arg("--quiet")
        .assert()
        .success();
    let before = tree(&out);
    std::fs::write(site.path().join("content/db").join(name), bytes).expect("write");
    let assert = build_into(site.path(), &out).assert().code(expect_code);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for needle in expect {
        assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    if expect_code != 0 {
        assert_eq!(tree(&out), before, "the previous site must stay");
    }
}

#[test]
fn invalid_utf8_names_file_and_line() {
    assert_bad_file(
        "latin1.md",
        b"---\ntitle: x\n---\n\nCaf\xe9\n",
        1,
        &["error[invalid-utf8]", "content/db/latin1.md:5:4"],
    );
}

#[test]
fn an_empty_file_is_reported() {
    assert_bad_file(
        "empty.md",
        b"",
        1,
        &["error[empty-file]", "content/db/empty.md"],
    );
}

#[test]
fn unterminated_front_matter_is_reported_at_line_one() {
    assert_bad_file(
        "open.md",
        b"---\ntitle: x\n\n# Never closed\n",
        1,
        &[
            "error[front-matter-syntax]",
            "content/db/open.md:1:1",
            "never closed",
        ],
    );
}

#[test]
fn front_matter_that_is_not_a_mapping_is_reported() {
    assert_bad_file(
        "list.md",
        b"---\n- a\n- b\n---\n# T\n",
        1,
        &[
            "error[front-matter-syntax]",
            "content/db/list.md:2:",
            "mapping",
        ],
    );
}

#[test]
fn a_five_megabyte_runbook_builds() {
    let mut text = String::from(
        "---\ntitle: Big\nlast_reviewed: 2026-10-01\n---\n# Big\n\n## Preconditions\n\nNone.\n\n## Steps\n\n",
    );
    while text.len() < 5 * 1024 * 1024 {
        text.push_str("1. A step with `code` and **bold** text that goes on for a while.\n");
    }
    text.push_str("\n## Validation\n\nIt works.\n\n## Rollback\n\nUndo it.\n");
    assert_bad_file("big.md", text.as_bytes(), 0, &["Built 3 runbooks"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_not_followed_forever() {
    let site = fixture("basic");
    std::os::unix::fs::symlink("..", site.path().join("content/db/loop")).expect("symlink");
    let stderr = stderr_of(&["check"], site.path(), 0);
    assert!(stderr.contains("warning[symlink-loop]"), "{stderr}");
    assert!(
        stderr.contains("content/db/loop is a symbolic link back to content,"),
        "{stderr}"
    );
}

#[test]
fn a_root_that_is_no_folder_is_a_usage_error() {
    for command in ["build", "check", "alerts"] {
        rb_site()
            .args([command, "--root", "/nonexistent/runbooks"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "/nonexistent/runbooks: no such folder (the site's folder, which holds book.toml; see --root)",
            ));
    }
}

/// `check` reports every problem `build` would: a theme that is not there too.
#[test]
fn check_fails_on_a_missing_theme_as_build_does() {
    let site = fixture("basic");
    let config = site.path().join("book.toml");
    let text = read(&config);
    assert!(
        !text.contains("[build]"),
        "the fixture has no [build] table yet"
    );
    std::fs::write(&config, text + "\n[build]\ntheme = \"custm\"\n").expect("write");
    for command in ["check", "build"] {
        rb_site()
            .args([command, "--root"])
            .arg(site.path())
            .assert()
            .code(2)
            .stderr(predicates::str::contains("theme \"custm\" not found"));
    }
}

/// A theme written for Tera 1 (macros imported into a template) fails both commands with a
/// usage error that names the template and says what Tera 2 uses instead.
#[test]
fn a_tera_1_theme_is_told_about_components() {
    let site = fixture("basic");
    let templates = site.path().join("themes/old/templates");
    std::fs::create_dir_all(&templates).expect("theme dir");
    std::fs::write(
        templates.join("runbook.html"),
        "{% extends \"base.html\" %}\n{% import \"macros.html\" as m %}\n\
         {% block main %}{{ m::severity(severity=page.severity) }}{% endblock main %}\n",
    )
    .expect("template");
    let config = site.path().join("book.toml");
    let text = read(&config);
    std::fs::write(&config, text + "\n[build]\ntheme = \"old\"\n").expect("write");
    for command in ["check", "build"] {
        let stderr = stderr_of(&[command], site.path(), 2);
        assert!(
            stderr.contains("theme template error: Unknown tag (runbook.html:2:4)"),
            "{stderr}"
        );
        assert!(
            stderr.contains("help: runbook.html is written for Tera 1")
                && stderr.contains("{{<name arg={value} />}}"),
            "{stderr}"
        );
    }
}

/// A folder that is no site (no book.toml, no content/) says so and names `rb-site init`.
#[test]
fn a_folder_without_book_toml_or_content_points_at_init() {
    let dir = tempfile::tempdir().expect("tempdir");
    rb_site()
        .args(["check", "--root"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "has no book.toml: is it the site's folder? `rb-site init` starts a site",
        ));
}

#[test]
fn a_missing_content_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"x\"\n").expect("write");
    rb_site()
        .args(["build", "--root"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read the content folder"));
}

/// `--base-url` is held to what `book.base-url` is: a usage error (2), before anything is read.
#[test]
fn a_base_url_that_is_no_url_is_a_usage_error() {
    let site = fixture("basic");
    for bad in ["notaurl/runbooks", "https://acme.example/?v=2"] {
        let stderr = stderr_of(&["build", "--base-url", bad], site.path(), 2);
        assert!(
            stderr.contains(&format!("invalid value '{bad}' for '--base-url <URL>'")),
            "{stderr}"
        );
    }
    assert!(!site.path().join("site").exists());
}

#[test]
fn a_typo_in_book_toml_names_the_key_and_line() {
    let site = fixture("basic");
    let config = site.path().join("book.toml");
    let text = read(&config).replace("[validate]", "[validate]\nreveiw-interval-days = 30");
    std::fs::write(&config, text).expect("write");
    let stderr = stderr_of(&["build"], site.path(), 2);
    assert!(
        stderr.contains("book.toml:6:1: unknown field `reveiw-interval-days`"),
        "{stderr}"
    );
    assert!(stderr.contains("review-interval-days"), "{stderr}");
}

#[test]
fn a_binary_file_named_md_is_reported() {
    assert_bad_file(
        "blob.md",
        &[0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, 1, 2, 3],
        1,
        &["error[invalid-utf8]", "content/db/blob.md:1:"],
    );
}
