//! Shipping (issue 18): completions, the man page, the JSON Schemas, `--root` everywhere, the CI
//! integration files, the README's figures and the minimum Rust version.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};
use rb_site::cli::Cli;
use serde_json::Value;

use crate::support::{rb_site, read, repo};

fn stdout_of(args: &[&str]) -> String {
    let out = rb_site().args(args).output().expect("run rb-site");
    assert!(
        out.status.success(),
        "rb-site {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn completions_print_a_script_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _rb__site"),
        ("zsh", "#compdef rb-site"),
        ("fish", "complete -c rb-site"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "set edit:completion:arg-completer[rb-site]"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for word in ["build", "check", "serve", "schema", "base-url", "root"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    rb_site()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value 'tcsh'"));
}

/// The bash script is real bash: sourcing it registers the completion.
#[test]
fn bash_completion_loads_in_bash() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "bash is missing under CI");
        crate::support::skip("bash is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("rb-site.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p rb-site && COMP_WORDS=(rb-site bu); COMP_CWORD=1; _rb__site rb-site bu rb-site && echo \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("-F _rb__site rb-site"),
        "not registered: {stdout}"
    );
    assert!(
        stdout.lines().last() == Some("build"),
        "`rb-site bu<TAB>` did not complete to build: {stdout}"
    );
}

/// Each command has its page, with its options, as `rb-site(1)` refers to them.
#[test]
fn man_prints_each_command_page_with_its_options() {
    let page = stdout_of(&["man", "build"]);
    assert!(
        page.contains(".TH rb-site-build 1  \"rb-site "),
        "{}",
        &page[..200]
    );
    for option in ["\\-\\-base\\-url", "\\-\\-dest", "\\-\\-format"] {
        assert!(page.contains(option), "{option} in {page}");
    }
    rb_site()
        .args(["man", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "rb-site has no command \"nope\"; pages: build, check",
        ));
}

#[test]
fn man_prints_a_roff_page_naming_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH rb-site 1"), "{}", &page[..200]);
    assert!(page.contains(".SH NAME"));
    assert!(page.contains(".SH SUBCOMMANDS"));
    for command in Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
    {
        assert!(
            page.contains(&format!("rb\\-site\\-{}", command.get_name()))
                || page.contains(&format!("rb-site-{}", command.get_name())),
            "man page lacks {}",
            command.get_name()
        );
    }
}

fn schema(kind: &str) -> Value {
    let text = stdout_of(&["schema", kind]);
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{kind}"
    );
    schema
}

#[test]
fn schema_command_prints_draft_2020_12_and_the_committed_copies_match() {
    let front = schema("front-matter");
    assert_eq!(front["title"], "rb-site front matter");
    assert_eq!(front["properties"]["last_reviewed"]["type"], "string");
    let book = schema("book");
    assert_eq!(book["title"], "rb-site book.toml");
    assert_eq!(book["additionalProperties"], false);
    // The copies in schemas/ (which the demo's book.toml and the README point at) are the
    // binary's output, byte for byte.
    for (kind, path) in [
        ("front-matter", "schemas/front-matter.schema.json"),
        ("book", "schemas/book.schema.json"),
    ] {
        assert_eq!(
            read(&repo().join(path)),
            stdout_of(&["schema", kind]),
            "{path} is stale: rb-site schema {kind} > {path}"
        );
    }
    rb_site().args(["schema", "page"]).assert().code(2);
}

fn validator(kind: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&schema(kind)).expect("a valid schema")
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

/// The front matter of a Markdown file as JSON: `None` without one or when it does not parse
/// as a mapping (front-matter-syntax, not a schema question).
fn front_matter(text: &str) -> Option<Value> {
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n");
    let (delimiter, rest) = if let Some(rest) = text.strip_prefix("---\n") {
        ("---", rest)
    } else if let Some(rest) = text.strip_prefix("+++\n") {
        ("+++", rest)
    } else {
        return None;
    };
    let mut block = String::new();
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == delimiter {
            let value = if delimiter == "---" {
                if block.trim().is_empty() {
                    Value::Object(Default::default())
                } else {
                    serde_saphyr::from_str::<Value>(&block).ok()?
                }
            } else {
                toml_to_json(toml::from_str::<toml::Table>(&block).ok()?.into())
            };
            return value.is_object().then_some(value);
        }
        block.push_str(line);
    }
    None
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every site in the repository (the demo, each fixture) checked by rb-site: the files whose
/// front matter rb-site reads without a type error validate against the schema, those where it
/// reports one (`invalid-field ... must be`) do not; every book.toml rb-site accepts validates.
#[test]
fn schemas_validate_every_fixture_and_the_demo_like_the_parser() {
    let front_schema = validator("front-matter");
    let book_schema = validator("book");
    let mut roots: Vec<PathBuf> = vec![repo()];
    for entry in walkdir::WalkDir::new(repo().join("tests/fixtures"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_name() == "book.toml" || entry.file_name() == "content" {
            let root = entry.path().parent().expect("parent").to_path_buf();
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
    }
    let (mut valid_files, mut type_errors, mut books) = (0, 0, 0);
    for root in &roots {
        let out = rb_site()
            .args(["check", "--format", "json", "--root"])
            .arg(root)
            .output()
            .expect("check");
        let book = root.join("book.toml");
        if out.status.code() == Some(2) {
            continue; // a fixture with a broken book.toml: rb-site stops before the content
        }
        if book.is_file() {
            let value = toml_to_json(
                toml::from_str::<toml::Table>(&read(&book))
                    .expect("accepted book.toml")
                    .into(),
            );
            let found = errors(&book_schema, &value);
            assert!(found.is_empty(), "{}: {found:?}", book.display());
            books += 1;
        }
        let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
        let typed_wrong: BTreeSet<String> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| {
                d["code"] == "invalid-field"
                    && d["message"].as_str().unwrap_or("").contains("must be")
            })
            .map(|d| d["file"].as_str().expect("file").to_string())
            .collect();
        let config = rb_site::config::Config::load(root).expect("config");
        for entry in walkdir::WalkDir::new(config.content_dir())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let Some(value) = front_matter(&text) else {
                continue;
            };
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            let found = errors(&front_schema, &value);
            if typed_wrong.contains(&rel) {
                assert!(
                    !found.is_empty(),
                    "rb-site reports a wrongly typed field in {rel}, the schema accepts it"
                );
                type_errors += 1;
            } else {
                assert!(found.is_empty(), "{}: {rel}: {found:?}", root.display());
                valid_files += 1;
            }
        }
    }
    // Book files of the corpora under tests/corpora (their content lives in ../shared).
    for entry in walkdir::WalkDir::new(repo().join("tests/corpora"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "book.toml")
    {
        let root = entry.path().parent().expect("parent");
        if rb_site::config::Config::load(root).is_ok() {
            let value = toml_to_json(
                toml::from_str::<toml::Table>(&read(entry.path()))
                    .expect("accepted book.toml")
                    .into(),
            );
            let found = errors(&book_schema, &value);
            assert!(found.is_empty(), "{}: {found:?}", entry.path().display());
            books += 1;
        }
    }
    eprintln!(
        "schema: {valid_files} front matters valid, {type_errors} with type errors rejected, {books} book.toml valid, over {} sites",
        roots.len()
    );
    assert!(valid_files >= 30 && books >= 5, "too little was checked");
}

#[test]
fn schemas_reject_a_wrong_type() {
    let front = validator("front-matter");
    let good = serde_json::json!({"title": "Failover", "alerts": "One", "last_reviewed": "2026-01-02", "weight": 3, "draft": false, "runbook_owner": "x"});
    assert_eq!(errors(&front, &good), Vec::<String>::new());
    for (field, bad) in [
        ("draft", serde_json::json!("maybe")),
        ("weight", serde_json::json!("first")),
        ("last_reviewed", serde_json::json!("yesterday")),
        ("tags", serde_json::json!({"a": 1})),
        ("title", serde_json::json!(["a"])),
    ] {
        let value = serde_json::json!({ field: bad });
        assert!(
            !errors(&front, &value).is_empty(),
            "{field}: {bad} was accepted"
        );
    }
    let book = validator("book");
    for (text, what) in [
        ("[build]\ndrafts = \"yes\"\n", "a string for a boolean"),
        ("[build]\nbuild-dri = \"out\"\n", "an unknown key"),
        (
            "[validate.levels]\nstale-review = \"loud\"\n",
            "an unknown level",
        ),
        ("[serve]\nport = 70000\n", "a port out of range"),
    ] {
        let value = toml_to_json(toml::from_str::<toml::Table>(text).expect("toml").into());
        assert!(!errors(&book, &value).is_empty(), "{what} was accepted");
        // rb-site itself rejects the same file.
        assert!(rb_site::config::Config::from_toml(Path::new("."), text).is_err());
    }
}

/// The README's build line is what the demo prints, and the demo has nothing to warn about
/// today or in 2100 (its review dates are fixed in the repository).
#[test]
fn readme_numbers_are_the_demos_and_the_demo_has_no_warning_at_any_date() {
    let dest = tempfile::tempdir().expect("tempdir");
    let out = crate::support::build_into(&repo(), &dest.path().join("site"))
        .output()
        .expect("build");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary = stderr
        .lines()
        .find_map(|l| l.strip_prefix("Built "))
        .and_then(|l| l.split(" in ").next())
        .expect("summary line");
    let readme = read(&repo().join("README.md"));
    let claims: BTreeSet<&str> = readme
        .match_indices("Built ")
        .map(|(at, _)| readme[at + 6..].split(" in ").next().unwrap_or(""))
        .filter(|c| c.contains("runbooks,"))
        .collect();
    assert_eq!(
        claims,
        BTreeSet::from([summary]),
        "the README's `Built …` lines must say what the demo prints"
    );
    for epoch in [None, Some("4102444800")] {
        let mut cmd = rb_site();
        cmd.env_remove("SOURCE_DATE_EPOCH");
        if let Some(epoch) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", epoch);
        }
        let out = cmd
            .args(["check", "--strict", "--root"])
            .arg(repo())
            .output()
            .expect("check");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "demo at {epoch:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every command that reads or writes a site takes --root; the three that print something
/// about rb-site itself (completions, man, schema) read no site.
#[test]
fn every_site_command_takes_root() {
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let name = format!("{path} {}", command.get_name());
        if command.has_subcommands() {
            for sub in command.get_subcommands() {
                walk(sub, &name, missing);
            }
        } else if !["completions", "man", "schema"].contains(&command.get_name())
            && !command
                .get_arguments()
                .any(|a| a.get_long() == Some("root"))
        {
            missing.push(name);
        }
    }
    let mut missing = Vec::new();
    // Hidden subcommands (the render worker) are the binary talking to itself, not commands.
    for sub in Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
    {
        walk(sub, "rb-site", &mut missing);
    }
    assert_eq!(missing, Vec::<String>::new());
}

#[test]
fn init_root_writes_a_site_with_schemas_and_modelines_that_checks_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("runbooks");
    rb_site()
        .args(["init", "--root"])
        .arg(&root)
        .assert()
        .success()
        .stderr(predicates::str::contains("Created a runbook site in"));
    let book = read(&root.join("book.toml"));
    assert!(
        book.starts_with("#:schema ./schemas/book.schema.json\n"),
        "{book}"
    );
    let example = root.join("content/example/example-service-down.md");
    let text = read(&example);
    let modeline = text.lines().nth(1).expect("line 2");
    let target = modeline
        .strip_prefix("# yaml-language-server: $schema=")
        .expect("modeline on the front matter's first line");
    assert_eq!(
        read(&example.parent().expect("dir").join(target)),
        stdout_of(&["schema", "front-matter"])
    );
    assert_eq!(
        read(&root.join("schemas/book.schema.json")),
        stdout_of(&["schema", "book"])
    );
    // DIR is under --root; a non-empty folder is refused with exit 2.
    rb_site()
        .args(["init", "second", "--root"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("second/book.toml").is_file());
    rb_site()
        .args(["init", "--root"])
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("never overwrites"));
    // The new site checks clean; the example's modeline is a YAML comment.
    rb_site()
        .args(["check", "--strict", "--root"])
        .arg(&root)
        .assert()
        .success();
    // `new` writes a modeline that reaches the same schema from its folder.
    let out = stdout_of(&[
        "new",
        "Disk full",
        "--service",
        "storage",
        "--owner",
        "team-storage",
        "--root",
        root.to_str().expect("utf-8"),
    ]);
    let new_file = PathBuf::from(out.trim());
    let text = read(&new_file);
    let target = text
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
        .expect("modeline");
    assert!(new_file.parent().expect("dir").join(target).is_file());
    rb_site()
        .args(["theme", "eject", "mine", "--root"])
        .arg(&root)
        .assert()
        .success();
    assert!(root.join("mine/templates").is_dir());
}

/// Every `rb-site …` command written in a YAML file of the repository: the shell lines of
/// `run:`, `script:` and `before_script:`, and hook `entry:`s.
fn rb_site_commands(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if ["run", "script", "before_script", "entry"].contains(&key.as_str()) {
                    shell_commands(value, found);
                } else {
                    rb_site_commands(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| rb_site_commands(v, found)),
        _ => {}
    }
}

fn shell_commands(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            for line in text.lines() {
                let line = line.trim().trim_start_matches("- ");
                if let Some(at) = line.find("rb-site ")
                    && (line[..at].trim().is_empty()
                        || line[..at].ends_with("|| ")
                        || line[..at].ends_with("then "))
                {
                    let command = line[at..]
                        .split(['>', '|', ';'])
                        .next()
                        .unwrap_or("")
                        .trim();
                    found.push(command.to_string());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| shell_commands(v, found)),
        _ => {}
    }
}

fn yaml(path: &str) -> Value {
    serde_saphyr::from_str::<Value>(&read(&repo().join(path)))
        .unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

#[test]
fn ci_integration_files_parse_and_use_real_flags() {
    let files = [
        "action.yml",
        "docs/github-check.yml",
        "docs/github-pages.yml",
        "docs/gitlab-ci.yml",
        ".pre-commit-hooks.yaml",
    ];
    let mut commands = Vec::new();
    for path in files {
        let before = commands.len();
        rb_site_commands(&yaml(path), &mut commands);
        // The check workflow runs rb-site through the action.
        if path != "docs/github-check.yml" {
            assert!(commands.len() > before, "{path} runs no rb-site command");
        }
    }
    for command in &commands {
        // A variable stands for a value of the kind its option takes.
        let mut args: Vec<&str> = Vec::new();
        for word in command.split_whitespace().filter(|w| !w.starts_with('$')) {
            let value = match args.last() {
                _ if !word.starts_with("\"$") => word,
                Some(&"--base-url") => "https://acme.example/runbooks/",
                _ => "x",
            };
            args.push(value);
        }
        if args == ["rb-site", "--version"] {
            continue;
        }
        if let Err(err) = Cli::try_parse_from(&args) {
            panic!("`{command}` is not a valid rb-site command line:\n{err}");
        }
    }
    let all = commands.join("\n");
    for needed in [
        "rb-site check --root \"$ROOT\" --format github",
        "--format sarif",
        "rb-site check --format codeclimate",
        "rb-site build --dest public --base-url \"$CI_PAGES_URL\"",
    ] {
        assert!(all.contains(needed), "no `{needed}` in {commands:#?}");
    }

    // The composite action: its steps use only inputs it declares.
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs: BTreeSet<&str> = action["inputs"]
        .as_object()
        .expect("inputs")
        .keys()
        .map(String::as_str)
        .collect();
    let action_text = read(&repo().join("action.yml"));
    for (at, _) in action_text.match_indices("inputs.") {
        let name: String = action_text[at + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(inputs.contains(name.as_str()), "undeclared input {name}");
    }
    for step in action["runs"]["steps"].as_array().expect("steps") {
        if step.get("run").is_some() {
            assert!(
                step.get("shell").is_some(),
                "composite run steps need a shell"
            );
        }
    }
    // The example workflows pass only inputs the action has.
    for path in ["docs/github-check.yml", "docs/github-pages.yml"] {
        let workflow = yaml(path);
        for job in workflow["jobs"].as_object().expect("jobs").values() {
            for step in job["steps"].as_array().expect("steps") {
                let uses = step["uses"].as_str().unwrap_or("");
                if uses.starts_with("rb-site/rb-site@") {
                    for key in step["with"].as_object().into_iter().flat_map(|w| w.keys()) {
                        assert!(inputs.contains(key.as_str()), "{path}: unknown input {key}");
                    }
                }
            }
        }
    }
    // GitLab reads the report from the file the codeclimate run writes.
    let gitlab = yaml("docs/gitlab-ci.yml");
    let report = gitlab["runbooks"]["artifacts"]["reports"]["codequality"]
        .as_str()
        .expect("codequality report");
    assert!(
        all.contains("--format codeclimate")
            && read(&repo().join("docs/gitlab-ci.yml"))
                .contains(&format!("--format codeclimate > {report}"))
    );
    assert_eq!(gitlab["pages"]["artifacts"]["paths"][0], "public");
    // Both pre-commit hooks run the same command.
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["rb-site-check", "rb-site-check-system"]);
    assert!(
        hooks
            .iter()
            .all(|h| h["entry"] == "rb-site check" && h["pass_filenames"] == false)
    );
}

/// The GitLab snippet's format on a real site: a Code Quality report with the file and line.
#[test]
fn codeclimate_format_on_a_broken_site() {
    let site = crate::support::fixture("validate-broken-link");
    let out = rb_site()
        .args(["check", "--format", "codeclimate", "--root"])
        .arg(site.path())
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(1));
    let issues: Value = serde_json::from_slice(&out.stdout).expect("json");
    let issue = issues
        .as_array()
        .expect("array")
        .iter()
        .find(|i| i["check_name"] == "broken-link")
        .expect("a broken-link issue");
    assert!(
        issue["location"]["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("content/")),
        "{issue}"
    );
    assert!(
        issue["location"]["lines"]["begin"]
            .as_u64()
            .is_some_and(|l| l > 1)
    );
    assert_eq!(issue["severity"], "major");
    assert_eq!(issue["fingerprint"].as_str().map(str::len), Some(32));
}

/// `rust-version` is the highest `rust-version` in the locked dependencies rb-site is built
/// from (normal and build dependencies, every platform): neither lower (a user's older
/// toolchain would fail) nor higher (it would turn away toolchains that work).
#[test]
fn rust_version_is_the_minimum_of_the_locked_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(repo().join("Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        assert!(
            std::env::var_os("CI").is_none(),
            "cargo metadata failed under CI: {why}"
        );
        crate::support::skip(format!("cargo metadata failed (offline?): {why}"));
        return;
    }
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("metadata");
    let packages = metadata["packages"].as_array().expect("packages");
    let version_of = |id: &str| -> Option<(u32, u32, u32)> {
        let package = packages.iter().find(|p| p["id"] == id)?;
        let mut parts = package["rust_version"]
            .as_str()?
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        Some((
            parts.next()?,
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        ))
    };
    let root = metadata["resolve"]["root"]
        .as_str()
        .expect("root")
        .to_string();
    let nodes = metadata["resolve"]["nodes"].as_array().expect("nodes");
    let mut seen = BTreeSet::new();
    let mut stack = vec![(root.clone(), true)];
    while let Some((id, is_root)) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let node = nodes.iter().find(|n| n["id"] == id.as_str()).expect("node");
        for dep in node["deps"].as_array().expect("deps") {
            let kinds = dep["dep_kinds"].as_array().expect("kinds");
            if is_root && kinds.iter().all(|k| k["kind"] == "dev") {
                continue;
            }
            stack.push((dep["pkg"].as_str().expect("pkg").to_string(), false));
        }
    }
    seen.remove(&root);
    let (needed, by) = seen
        .iter()
        .filter_map(|id| version_of(id).map(|v| (v, id.clone())))
        .max()
        .expect("some dependency declares a rust-version");
    let declared = version_of(&root).expect("rb-site declares rust-version");
    let show = |(a, b, c): (u32, u32, u32)| format!("{a}.{b}.{c}");
    assert_eq!(
        (declared.0, declared.1),
        (needed.0, needed.1),
        "Cargo.toml says rust-version {}, the locked dependencies need {} ({by})",
        show(declared),
        show(needed)
    );
    // And this toolchain, the one the tests run on, is at least that.
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .expect("rustc");
    let version = String::from_utf8_lossy(&rustc.stdout).to_string();
    let minor: u32 = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse().ok())
        .expect("rustc version");
    assert!(minor >= declared.1, "{version}");
}

/// Published under a sub-path (a GitHub project site): every link a page makes resolves to a
/// file inside the site, none is root-absolute, and the absolute URLs carry the sub-path.
#[test]
fn a_site_built_for_a_sub_path_links_only_inside_it() {
    let site = crate::support::fixture("basic");
    let dest = site.path().join("public/runbooks");
    crate::support::build_into(site.path(), &dest)
        .args(["--base-url", "https://acme.github.io/runbooks"])
        .assert()
        .success();
    let files = crate::support::tree(&dest);
    let mut checked = 0;
    // The print binders too: their bodies' links are rewritten for the binder's URL (issue 15).
    for (page, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        for attribute in ["href=\"", "src=\""] {
            for (at, _) in html.match_indices(attribute) {
                let start = at + attribute.len();
                let link = &html[start..start + html[start..].find('"').expect("closing quote")];
                let link = link.split(['#', '?']).next().unwrap_or("");
                if link.is_empty() || link.contains(':') {
                    continue; // a fragment, or an absolute URL (canonical, edit links)
                }
                // 404.html is served at any depth: its links start at the site's path, the
                // sub-path from base-url. Every other page links relatively.
                let (link, mut target) = if page == "404.html" {
                    let inside = link.strip_prefix("/runbooks/");
                    (
                        inside
                            .unwrap_or_else(|| panic!("404.html: {link} is not under /runbooks/")),
                        Vec::new(),
                    )
                } else {
                    assert!(!link.starts_with('/'), "{page}: root-absolute link {link}");
                    let mut dir: Vec<&str> = page.split('/').collect();
                    dir.pop();
                    (link, dir)
                };
                for part in link.split('/') {
                    match part {
                        "" | "." => {}
                        ".." => {
                            assert!(target.pop().is_some(), "{page}: {link} leaves the site");
                        }
                        part => target.push(part),
                    }
                }
                let mut target = target.join("/");
                if link.ends_with('/') || target.is_empty() {
                    target = format!("{target}/index.html")
                        .trim_start_matches('/')
                        .to_string();
                }
                assert!(
                    files.contains_key(&target),
                    "{page}: {link} -> {target} is missing"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} links checked");
    let sitemap = String::from_utf8_lossy(&files["sitemap.xml"]).to_string();
    assert!(
        sitemap.contains("<loc>https://acme.github.io/runbooks/db/failover/</loc>"),
        "{sitemap}"
    );
    let index = String::from_utf8_lossy(&files["index.html"]).to_string();
    assert!(
        index.contains("href=\"https://acme.github.io/runbooks/\""),
        "no canonical link"
    );
}
