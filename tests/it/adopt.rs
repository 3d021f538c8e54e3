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
        book.contains("\n[alerts]\nrules = [\"rules/**/*.{yaml,yml}\"]"),
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

    // `check` names every section `new` left to write, at its heading, and fails.
    let (code, _, stderr) = run_in(&root, &["check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.ends_with("8 errors, 1 warning in 3 files\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "error[empty-section]: the \"rollback\" section is empty: it holds only an HTML comment, which readers never see\n  \
             --> content/redis/redis-down.md:42:1\n"
        ),
        "{stderr}"
    );
    for rel in [
        "content/redis/redis-memory-high.md",
        "content/redis/redis-down.md",
    ] {
        let text = read(&root.join(rel))
            .replace("<!--\n", "")
            .replace("-->\n", "");
        std::fs::write(root.join(rel), text).expect("write");
    }

    // Written, `check` passes, and the new alert is checked against the rule files `init`
    // configured.
    let (code, stdout, stderr) = run_in(&root, &["check"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(
        stderr,
        "warning[unknown-alert]: no rule file defines an alert named \"RedisMemoryHigh\"\n \
         --> content/redis/redis-memory-high.md:8:6\n  |\n8 |   - \"RedisMemoryHigh\"\n  |      \
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

/// `init` in each real repository of `../shared/corpus`, copied without its `book.toml`: it
/// writes a `book.toml` and a baseline, and `check` and `build` then pass on the repository as
/// it is, counting the known problems.
#[test]
fn issue_12_init_adopts_each_corpus_and_it_builds_as_it_is() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    for (name, content_dir, kind) in [
        ("prometheus-operator-runbooks", "content", "alert"),
        ("openshift-runbooks", "alerts", "alert"),
        ("gitlab-com-runbooks", "docs", "reference"),
        ("mixin-runbooks", ".", "reference"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::support::copy_tree(&shared.join("corpus").join(name), dir.path());
        let _ = std::fs::remove_file(dir.path().join("book.toml"));
        let (code, _, stderr) = run_in(dir.path(), &["init"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(
            stderr.starts_with(
                "Adopted the runbooks in .: wrote book.toml and rb-site-baseline.json\n"
            ),
            "{name}: {stderr}"
        );
        // The Markdown files it counts are those of the content folder, not a README beside it.
        let markdown = walkdir::WalkDir::new(dir.path().join(content_dir))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| {
                e.path().extension().is_some_and(|x| x == "md")
                    && !e.path().strip_prefix(dir.path()).is_ok_and(|rel| {
                        rel.components()
                            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                    })
            })
            .count();
        assert!(
            stderr.contains(&format!(
                "  content folder: {content_dir} ({markdown} Markdown files, "
            )),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("  default kind: {kind} (")),
            "{name}: {stderr}"
        );
        let book = read(&dir.path().join("book.toml"));
        assert!(
            book.contains("baseline = \"rb-site-baseline.json\""),
            "{book}"
        );
        let (code, stdout, stderr) = run_in(dir.path(), &["check"]);
        assert_eq!((code, stdout.as_str()), (0, ""), "{name}: {stderr}");
        assert!(
            stderr.ends_with(" known problems (baseline)\n"),
            "{name}: {stderr}"
        );
        let (code, _, stderr) = run_in(dir.path(), &["build", "--quiet"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        // prometheus-operator's services are the folders of content/runbooks/, not "runbooks".
        if name == "prometheus-operator-runbooks" {
            let services = dir.path().join("site/services");
            for service in ["etcd", "alertmanager", "kubernetes"] {
                assert!(
                    services.join(service).join("index.html").is_file(),
                    "{service}"
                );
            }
            assert!(!services.join("runbooks").exists());
        }
        // rb-site's own files are not the site's, even where the content folder is the root.
        let site = dir
            .path()
            .join(if content_dir == "." { ".site" } else { "site" });
        assert!(site.join("index.html").is_file(), "{name}");
        for own in [
            "book.toml",
            "rb-site-baseline.json",
            ".rb-site-cache",
            ".site",
        ] {
            assert!(!site.join(own).exists(), "{name}: {own} is published");
        }
        // Never overwrites a book.toml.
        let (code, _, stderr) = run_in(dir.path(), &["init"]);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(read(&dir.path().join("book.toml")), book);
    }
}

/// GitLab's rules: every YAML rule file found, named by the narrowest globs that match only
/// rule files, and its `runbook` annotations counted.
#[test]
fn issue_12_init_finds_gitlab_rule_files() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&shared.join("corpus/gitlab-com-runbooks"), dir.path());
    let (code, _, stderr) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "  rule files: rules/**/*.yml, thanos-rules/**/*.yml (101 files, 945 alerting rules)\n"
        ),
        "{stderr}"
    );
    let book = read(&dir.path().join("book.toml"));
    assert!(
        book.contains(
            "[alerts]\nrules = [\n  \"rules/**/*.yml\",\n  \"thanos-rules/**/*.yml\",\n]\n"
        ),
        "{book}"
    );
}

/// The baseline works as linters' do: problems known by file, code and message survive edits
/// above them; a new problem fails; `--update-baseline` drops the fixed ones.
#[test]
fn issue_12_baseline_fails_only_on_new_problems() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    crate::support::copy_tree(&shared.join("corpus/prometheus-operator-runbooks"), root);
    let (code, _, stderr) = run_in(root, &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let known = |stderr: &str| -> usize {
        stderr
            .lines()
            .find_map(|l| l.strip_suffix(" known problems (baseline)"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no baseline count in {stderr}"))
    };
    let (code, _, stderr) = run_in(root, &["check"]);
    assert_eq!(code, 0, "{stderr}");
    let before = known(&stderr);
    assert!(before > 100, "{before}");

    // A runbook with known problems (it lacks sections), edited above them: still known.
    let page = root.join("content/runbooks/kubernetes/KubeAPIErrorBudgetBurn.md");
    let text = read(&page);
    let (front, body) = text.split_at(text.find("\n# ").expect("title") + 1);
    std::fs::write(
        &page,
        format!("{front}\nA new first paragraph.\n\nAnd another.\n\n{body}"),
    )
    .expect("edit");
    let (code, _, stderr) = run_in(root, &["check"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(known(&stderr), before);

    // A new problem fails, and is the only one shown.
    let (code, _, stderr) = run_in(root, &["check"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(&page, format!("{front}\n[new link](nowhere.md)\n\n{body}")).expect("edit");
    let (code, _, stderr) = run_in(root, &["check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error[broken-link]: link to `nowhere.md`"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("1 error, 0 warnings in 119 files\n"),
        "{stderr}"
    );
    let (code, _, _) = run_in(root, &["build", "--quiet"]);
    assert_eq!(code, 1);

    // Fixing known problems and rewriting the baseline drops them.
    std::fs::write(&page, "---\ntitle: x\n---\n# KubeAPIErrorBudgetBurn\n\n## Meaning\n\nm\n\n## Impact\n\ni\n\n## Diagnosis\n\nd\n\n## Mitigation\n\nm\n").expect("fix");
    let (code, _, stderr) = run_in(root, &["check", "--update-baseline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.starts_with("Wrote "), "{stderr}");
    let (code, _, stderr) = run_in(root, &["check"]);
    assert_eq!(code, 0, "{stderr}");
    let after = known(&stderr);
    assert!(after < before, "{after} known problems, {before} before");
}

/// Each corpus laid out as `tests/it/corpora.rs` lays it out, without its `book.toml`.
fn lay_out_without_book(copies: &[(&str, &str)]) -> Option<tempfile::TempDir> {
    let corpus = crate::support::shared()?.join("corpus");
    let root = tempfile::tempdir().expect("tempdir");
    for (from, to) in copies {
        let target = root.path().join(to);
        std::fs::create_dir_all(&target).expect("mkdir");
        crate::support::copy_tree(&corpus.join(from), &target);
    }
    let _ = std::fs::remove_file(root.path().join("book.toml"));
    Some(root)
}

/// Alerts of the rules linked to a page, per `rb-site alerts --format json`.
fn alerts_with_runbook(root: &Path) -> u64 {
    let output = rb_site()
        .args(["alerts", "--format", "json", "--root"])
        .arg(root)
        .output()
        .expect("alerts");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&output.stderr)));
    json["summary"]["with_runbook"]
        .as_u64()
        .expect("with_runbook")
}

/// Issue 12's proof: on each corpus laid out with its rules, the configuration `init` infers
/// links at least as many alerts to pages as the hand-written `tests/corpora/<name>/book.toml`,
/// and `build` then exits 0.
#[test]
fn issue_12_init_links_at_least_as_many_alerts_as_the_hand_written_book() {
    let layouts: [(&str, &[(&str, &str)]); 4] = [
        (
            "prometheus-operator",
            &[
                ("prometheus-operator-runbooks", "."),
                (
                    "prometheus-rules/kube-prometheus",
                    "prometheus-rules/kube-prometheus",
                ),
            ],
        ),
        (
            "openshift",
            &[
                ("openshift-runbooks", "."),
                (
                    "prometheus-rules/openshift-cluster-monitoring-operator",
                    "prometheus-rules/openshift-cluster-monitoring-operator",
                ),
            ],
        ),
        ("gitlab", &[("gitlab-com-runbooks", ".")]),
        (
            "mixins",
            &[
                ("mixin-runbooks", "mixin-runbooks"),
                (
                    "prometheus-rules/monitoring-mixins",
                    "prometheus-rules/monitoring-mixins",
                ),
                ("prometheus-rules/thanos", "prometheus-rules/thanos"),
            ],
        ),
    ];
    for (name, copies) in layouts {
        let Some(hand) = lay_out_without_book(copies) else {
            return;
        };
        std::fs::copy(
            crate::support::repo()
                .join("tests/corpora")
                .join(name)
                .join("book.toml"),
            hand.path().join("book.toml"),
        )
        .expect("book.toml");
        let by_hand = alerts_with_runbook(hand.path());

        let inferred = lay_out_without_book(copies).expect("corpus");
        let (code, _, stderr) = run_in(inferred.path(), &["init"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let by_init = alerts_with_runbook(inferred.path());
        eprintln!("{name}: alerts with a runbook: {by_init} inferred, {by_hand} by hand\n{stderr}");
        assert!(
            by_init >= by_hand,
            "{name}: init links {by_init} alerts, the hand-written book.toml {by_hand}\n{stderr}\n{}",
            read(&inferred.path().join("book.toml"))
        );
        let (code, _, stderr) = run_in(inferred.path(), &["build", "--quiet"]);
        assert_eq!(code, 0, "{name}: {stderr}");
    }
}

/// The README's adoption transcript ("Adopting an existing repository") is what `rb-site init`
/// and `rb-site check` print on the prometheus-operator corpus it names, line for line.
#[test]
fn the_readme_adoption_transcript_is_what_rb_site_prints() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let transcript = crate::support::readme_block("### Adopting an existing repository", "text");
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("prometheus-operator-runbooks");
    std::fs::create_dir(&repo).expect("mkdir");
    crate::support::copy_tree(&shared.join("corpus/prometheus-operator-runbooks"), &repo);
    let mut printed = String::new();
    for line in transcript.lines() {
        let Some(command) = line.strip_prefix("$ ") else {
            continue;
        };
        let command = command
            .strip_prefix("cd prometheus-operator-runbooks && ")
            .unwrap_or(command);
        let args: Vec<&str> = command
            .strip_prefix("rb-site ")
            .unwrap_or_else(|| panic!("not an rb-site command: {command}"))
            .split_whitespace()
            .collect();
        let (code, stdout, stderr) = run_in(&repo, &args);
        assert_eq!(code, 0, "{command}: {stderr}");
        printed.push_str(&format!("{line}\n{stdout}{stderr}"));
    }
    assert_eq!(printed, transcript);
}

/// `new` in an adopted repository writes where and as its runbooks are: prometheus-operator
/// keeps services under `runbooks/<service>/` (and names files after their alert,
/// `name-from-file`), OpenShift under `alerts/<operator>/` with a file per alert
/// (`TargetDown.md`). A service the site has not got yet gets a folder of its own; a runbook for
/// no single alert keeps its title's slug.
#[test]
fn new_follows_the_layout_and_file_names_of_an_adopted_repository() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    for (corpus, args, written) in [
        (
            "prometheus-operator-runbooks",
            &[
                "new",
                "Kube foo",
                "--service",
                "kubernetes",
                "--alert",
                "KubeFoo",
            ][..],
            "./content/runbooks/kubernetes/KubeFoo.md\n",
        ),
        (
            "prometheus-operator-runbooks",
            &["new", "Kube bar", "--service", "kubernetes"][..],
            "./content/runbooks/kubernetes/kube-bar.md\n",
        ),
        (
            "openshift-runbooks",
            &[
                "new",
                "Target down twice",
                "--service",
                "cluster-monitoring-operator",
                "--alert",
                "TargetDownTwice",
            ][..],
            "./alerts/cluster-monitoring-operator/TargetDownTwice.md\n",
        ),
        (
            "openshift-runbooks",
            &[
                "new",
                "Brand new",
                "--service",
                "brand-new",
                "--alert",
                "BrandNew",
            ][..],
            "./alerts/brand-new/brand-new.md\n",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::support::copy_tree(&shared.join("corpus").join(corpus), dir.path());
        let _ = std::fs::remove_file(dir.path().join("book.toml"));
        let (code, _, stderr) = run_in(dir.path(), &["init"]);
        assert_eq!(code, 0, "{corpus}: {stderr}");
        let (code, stdout, stderr) = run_in(dir.path(), args);
        assert_eq!(
            (code, stdout.as_str()),
            (0, written),
            "{corpus} {args:?}: {stderr}"
        );
        let text = read(&dir.path().join(written.trim()));
        // The schema modeline climbs out of the folder it was written in.
        let depth = written.trim().matches('/').count() - 1;
        assert!(
            text.contains(&format!(
                "# yaml-language-server: $schema={}schemas/front-matter.schema.json\n",
                "../".repeat(depth)
            )),
            "{text}"
        );
    }
}

/// prometheus-operator names its runbooks after their alerts, but not its contribution guide
/// (`docs/add-runbook.md`): init turns `name-from-file` on, and off under `docs/`, so the
/// guide claims no alert named "add-runbook". The rules are kube-prometheus's, copied in.
#[test]
fn init_keeps_name_from_file_off_in_folders_named_otherwise() {
    let Some(shared) = crate::support::shared() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = shared.join("corpus");
    crate::support::copy_tree(&corpus.join("prometheus-operator-runbooks"), dir.path());
    crate::support::copy_tree(
        &corpus.join("prometheus-rules/kube-prometheus"),
        &dir.path().join("rules"),
    );
    let (code, _, stderr) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let book = read(&dir.path().join("book.toml"));
    assert!(book.contains("\nname-from-file = true\n"), "{book}");
    assert!(
        book.ends_with(
            "\n# No file name under docs/ is an alert name: its pages claim none by name.\n\
             [[paths]]\nmatch = [\"docs/**\"]\nname-from-file = false\n"
        ),
        "{book}"
    );
    let (code, _, stderr) = run_in(dir.path(), &["build", "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let map = read(&dir.path().join("site/alerts.json"));
    assert!(!map.contains("add-runbook"), "{map}");
    assert!(map.contains("\"alert\": \"KubePodCrashLooping\""), "{map}");
}
