//! A new user's first minutes (issue 12): the README's first steps as a transcript, and
//! `rb-site init` adopting existing runbook repositories with a baseline of known problems.

use std::path::Path;

use crate::support::{rb_site, read};

/// Runs `rb-site ARGS` in `dir` as a user in a shell would: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = rb_site()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rb-site runs");
    (
        output.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The README's "Use it on your own runbooks" steps, command by command, on a fresh folder.
#[test]
fn issue_12_readme_first_steps_pass_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = run_in(dir.path(), &["init", "my-runbooks"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(
        stderr,
        "Created a runbook site in my-runbooks. Next: rb-site build --root my-runbooks\n"
    );
    let root = dir.path().join("my-runbooks");
    let book = read(&root.join("book.toml"));
    assert!(
        book.contains("\n[alerts]\nrules = [\"rules/**/*.yaml\", \"rules/**/*.yml\"]"),
        "{book}"
    );
    assert!(root.join("rules/example.yaml").is_file());

    // Without an owner, `new` says what book.toml wants before writing anything.
    let (code, _, stderr) = run_in(
        &root,
        &[
            "new",
            "Redis memory high",
            "--service",
            "redis",
            "--alert",
            "RedisMemoryHigh",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pass --owner TEAM"), "{stderr}");
    assert!(!root.join("content/redis").exists());

    let (code, stdout, stderr) = run_in(
        &root,
        &[
            "new",
            "Redis memory high",
            "--service",
            "redis",
            "--owner",
            "team-redis",
            "--alert",
            "RedisMemoryHigh",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "./content/redis/redis-memory-high.md\n");
    let runbook = read(&root.join("content/redis/redis-memory-high.md"));
    assert!(runbook.contains("\nowner: \"team-redis\"\n"), "{runbook}");

    // A second runbook of the service takes the owner its runbooks agree on.
    let (code, _, stderr) = run_in(&root, &["new", "Redis down", "--service", "redis"]);
    assert_eq!(code, 0, "{stderr}");
    let second = read(&root.join("content/redis/redis-down.md"));
    assert!(second.contains("\nowner: \"team-redis\"\n"), "{second}");

    // `check` passes, and the new alert is checked against the rule files `init` configured.
    let (code, stdout, stderr) = run_in(&root, &["check"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(
        stderr,
        "warning[unknown-alert]: no rule file defines an alert named \"RedisMemoryHigh\"\n \
         --> content/redis/redis-memory-high.md:7:6\n  |\n7 |   - \"RedisMemoryHigh\"\n  |      \
         ^^^^^^^^^^^^^^^\n\n0 errors, 1 warning in 3 files\n"
    );

    let (code, _, stderr) = run_in(&root, &["build"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Built 3 runbooks, 3 sections in "),
        "{stderr}"
    );
    assert!(stderr.ends_with(" s -> site/\n"), "{stderr}");
    for page in [
        "site/index.html",
        "site/redis/redis-memory-high/index.html",
        "site/example/example-service-down/index.html",
        "site/alerts/ExampleServiceDown/index.html",
    ] {
        assert!(root.join(page).is_file(), "{page} was not built");
    }

    // `serve`, fetched once, then stopped.
    let server = crate::serve::Server::start(&root, &[]);
    let reply = server.get("/redis/redis-memory-high/");
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("Redis memory high"), "{}", reply.body);
    drop(server);
}

/// A failed first build has no earlier site to keep, and says so.
#[test]
fn issue_12_a_failed_first_build_says_nothing_was_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site-root");
    rb_site().arg("init").arg(&root).assert().success();
    std::fs::write(
        root.join("content/example/broken.md"),
        "---\ntitle: Broken\nowner: x\n---\n\n# Broken\n\n[gone](nope.md)\n",
    )
    .expect("write");
    let (code, _, stderr) = run_in(&root, &["build"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.ends_with("Build failed: nothing was written (site/ was not created)\n"),
        "{stderr}"
    );
    assert!(!root.join("site").exists());
}
