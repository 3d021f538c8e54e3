//! Shared helpers: fixture copies, the binary, output trees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository root (the demo site).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared`, when present; tests that need it skip loudly without it and fail under CI.
pub fn shared() -> Option<PathBuf> {
    let path = repo().join("../shared");
    if path.is_dir() {
        Some(path)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared is missing, and CI is set: these tests must run"
        );
        skip("../shared is absent; the corpus tests did not run");
        None
    }
}

/// Says loudly that the running test skipped, and why. Written straight to the process's stderr,
/// past the test harness's capture, so `cargo test` shows it beside the test's `ok`.
pub fn skip(why: impl std::fmt::Display) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Copies `tests/fixtures/<name>` into a fresh temporary folder.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo().join("tests/fixtures").join(name), dir.path());
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The `rb-site` binary as a command, with colour and timing noise off.
pub fn rb_site() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("rb-site").expect("binary");
    cmd.env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1795000000");
    cmd
}

/// Every file under `dir` (but rb-site's manifest) with its bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            (rel != ".rb-site-manifest").then(|| (rel, std::fs::read(e.path()).expect("read")))
        })
        .collect()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `rb-site build --root ROOT --dest DEST`, ready for more arguments.
pub fn build_into(root: &Path, dest: &Path) -> assert_cmd::Command {
    let mut cmd = rb_site();
    cmd.args(["build", "--root"])
        .arg(root)
        .arg("--dest")
        .arg(dest);
    cmd
}

/// A program from `PATH` (`promtool`, `prometheus`, `amtool`...). Absent: a loud skip, or a
/// failure when `CI` is set (`.ci/run` installs them).
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed, and CI is set: .ci/run must install it"
        );
        skip(format!("{name} is not installed"));
    }
    found
}

/// The fenced block of `language` that follows `marker` in the README.
pub fn readme_block(marker: &str, language: &str) -> String {
    let readme = read(&repo().join("README.md"));
    let after = readme
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("README has no {marker:?}"));
    let fence = format!("```{language}\n");
    let start = after.find(&fence).expect("fenced block") + fence.len();
    let end = after[start..].find("\n```").expect("closing fence");
    after[start..start + end + 1].to_string()
}

/// `rb-site check --format json` of the site at `root`: the exit code, `file:line:col code` of
/// every diagnostic in the report's order, and the report.
pub fn check_locations(root: &Path) -> (i32, Vec<String>, serde_json::Value) {
    let output = rb_site()
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .output()
        .expect("check");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let found = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {}",
                d["file"].as_str().expect("file"),
                d["line"],
                d["column"],
                d["code"].as_str().expect("code")
            )
        })
        .collect();
    (output.status.code().expect("exit code"), found, json)
}
