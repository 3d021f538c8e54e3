//! `book.toml`: the typed configuration of a site.
//!
//! The file is deserialized into raw serde structs (`deny_unknown_fields`, kebab-case keys),
//! then checked into a [`Config`] whose paths are resolved against the root. A key or value
//! that does not fit is an error that names the key and its line, never a silent default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::diag::{Level, LineIndex, Report};

/// The search index's fields, in the order of its per-field arrays; `[search.boosts]` keys name
/// them. `code` is fenced code (not Mermaid): worth finding (`kubectl rollout undo`, metric
/// names) but noisy, so it weighs least.
pub const SEARCH_FIELDS: [&str; 8] = [
    "title", "alerts", "service", "owner", "tags", "headings", "body", "code",
];

/// The file name rb-site looks for in the root folder.
pub const CONFIG_FILE: &str = "book.toml";

/// The whole configuration, as read from `book.toml` and resolved against the root.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder holding `book.toml`; every relative path is resolved against it.
    pub root: PathBuf,
    pub book: BookConfig,
    pub build: BuildConfig,
    pub validate: ValidateConfig,
    /// Runbook kinds by name, with the built-in `runbook`, `alert` and `reference` kinds merged in.
    pub kinds: BTreeMap<String, KindConfig>,
    /// Section name -> accepted aliases (the name itself is always accepted).
    pub sections: BTreeMap<String, Vec<String>>,
    pub alerts: AlertsConfig,
    pub search: SearchConfig,
    pub mermaid: MermaidConfig,
    pub serve: ServeConfig,
    /// The known problems of `[validate] baseline`, read with the configuration.
    pub known_problems: Option<std::sync::Arc<crate::baseline::Baseline>>,
    /// `[[paths]]`: settings for the content files whose path matches, in file order.
    pub paths: Vec<PathSettings>,
    /// `paths[i].matches` compiled, one set per entry.
    path_matchers: Vec<globset::GlobSet>,
    /// Not from `book.toml`: the program whose `__render-worker` subcommand lays out diagrams
    /// and highlights long lines under a time bound (`render::worker`). The CLI sets it to the
    /// `rb-site` binary; `None` does that work in-process (unbounded diagrams).
    pub worker: Option<PathBuf>,
    pub markdown: MarkdownConfig,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct BookConfig {
    pub title: String,
    pub description: Option<String>,
    /// Absolute URL of the published site, used for sitemap.xml, canonical links and alerts.json.
    pub base_url: Option<String>,
    /// A URL with `{path}` replaced by the source path relative to the root.
    pub edit_url_template: Option<String>,
    pub language: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct BuildConfig {
    pub content_dir: PathBuf,
    pub build_dir: PathBuf,
    pub theme: String,
    /// Also build pages marked `draft: true`.
    pub drafts: bool,
    /// Build caches (highlighted code), relative to the root. Safe to delete.
    pub cache_dir: PathBuf,
    /// Checklist ticks older than this many hours show as stale (from an earlier incident).
    pub checklist_stale_hours: u32,
}

impl Default for BuildConfig {
    fn default() -> Self {
        Self {
            content_dir: PathBuf::from("content"),
            build_dir: PathBuf::from("site"),
            theme: "default".into(),
            drafts: false,
            cache_dir: PathBuf::from(".rb-site-cache"),
            checklist_stale_hours: 12,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct ValidateConfig {
    pub default_kind: String,
    pub review_interval_days: u32,
    pub required_fields: Vec<String>,
    pub severities: Vec<String>,
    /// Rule code -> level, overriding each rule's default level.
    pub levels: BTreeMap<String, Level>,
    /// A file of known problems (relative to the root) that do not fail `check` or `build`.
    pub baseline: Option<PathBuf>,
}

impl Default for ValidateConfig {
    fn default() -> Self {
        Self {
            default_kind: "runbook".into(),
            review_interval_days: 180,
            required_fields: vec!["title".into()],
            severities: vec!["critical".into(), "warning".into(), "info".into()],
            levels: BTreeMap::new(),
            baseline: None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct KindConfig {
    /// Canonical section names, in the order they must appear.
    pub required_sections: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct AlertsConfig {
    /// Globs, relative to the root, of Prometheus rule files.
    pub rules: Vec<String>,
    /// Take the alert name from the file name when front matter has no `alerts:`.
    pub name_from_file: bool,
    /// Alerts whose `severity` label is one of these must have a runbook.
    pub require_runbook_for: Vec<String>,
    /// Extra URL patterns written as redirects to each alert's page.
    /// Placeholders: `{alert}`, `{alert_lower}`, `{group}`, `{service}`.
    pub url_aliases: Vec<String>,
    /// Annotation (then label) names that hold a rule's runbook link, the first found wins.
    pub runbook_keys: Vec<String>,
    /// A rule whose runbook link lands on a page (and on a heading of it, when the link has a
    /// `#fragment`) is covered by that page, as if the page claimed the alert.
    pub link_claims: bool,
    /// Git hosts where the runbooks' source lives: links to a source file there
    /// (`{url}/blob/{branch}/{path}`) resolve to that file's page.
    pub repos: Vec<RepoConfig>,
    /// Claims written in `book.toml` rather than in the pages.
    pub claims: Vec<ClaimConfig>,
    /// Prometheus's `global.external_labels`, so `{{ $externalLabels.x }}` in a runbook link can
    /// be expanded and checked.
    pub external_labels: BTreeMap<String, String>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            name_from_file: false,
            require_runbook_for: vec!["critical".into()],
            url_aliases: Vec::new(),
            runbook_keys: vec!["runbook_url".into(), "runbook".into()],
            link_claims: true,
            repos: Vec::new(),
            claims: Vec::new(),
            external_labels: BTreeMap::new(),
        }
    }
}

/// `[[alerts.repos]]`: a repository on a git host whose files are (part of) this site's source.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RepoConfig {
    /// The repository's web URL: `https://github.com/openshift/runbooks`. GitHub (`/blob/`,
    /// `/tree/`, `/raw/`), GitLab (`/-/blob/`, `/-/tree/`, `/-/raw/`) and Gitea/Forgejo
    /// (`/src/branch/`, `/src/commit/`, `/src/tag/`) file URLs are understood, on any branch.
    pub url: String,
    /// Where the repository's root is, relative to `book.toml` (default: the same folder).
    pub path: String,
}

/// `[[alerts.claims]]`: a page, or a heading on a page, answers these alerts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct ClaimConfig {
    /// The page's source path, relative to the content folder.
    pub page: String,
    /// The heading the alerts' pages land on: its id or its text (optional).
    pub heading: Option<String>,
    /// Alert names; `*` matches any run of characters among the names the rules define.
    pub alerts: Vec<String>,
    /// The line of its `[[alerts.claims]]` header in book.toml (0 when unknown), for diagnostics.
    #[serde(skip)]
    pub line: usize,
}

/// `[[paths]]`: settings for the content files whose content-relative path matches a glob.
/// Later entries win over earlier ones; a page's own front matter wins over all.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct PathSettings {
    /// Globs over content-relative source paths (`README.md`, `**/helpers/**`).
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// The kind of a matching page that names none (over `_index.md` and `default-kind`).
    pub kind: Option<String>,
    /// Overrides `[alerts] name-from-file` for matching pages.
    pub name_from_file: Option<bool>,
    /// Which folder of a matching page's path names its service when its front matter names
    /// none: 1 (the default) is the top-level folder, 2 the folder inside it
    /// (`runbooks/etcd/EtcdDown.md` is service `etcd`).
    #[schemars(range(min = 1))]
    pub service_folder: Option<usize>,
    /// Heading patterns by which a heading claims an alert: `{alert}` stands for the name,
    /// `{alert_lower}` for it in lowercase; matched against each heading's text (quotes and
    /// backticks dropped) and id, ignoring case. `["{alert}", "Alert Name: {alert}"]`.
    pub heading_claims: Vec<String>,
    /// Rule code -> level for diagnostics about matching files, over `[validate.levels]`.
    pub levels: BTreeMap<String, Level>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SearchConfig {
    pub enabled: bool,
    /// Globs over content-relative source paths left out of the index.
    pub exclude: Vec<String>,
    /// Field name -> weight, over the built-in weights.
    pub boosts: BTreeMap<String, f32>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            exclude: Vec::new(),
            boosts: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MermaidRender {
    /// Render diagrams to inline SVG when building.
    Build,
    /// Leave ```mermaid fences as code blocks.
    Off,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct MermaidConfig {
    pub render: MermaidRender,
    /// Content-addressed cache of rendered diagrams, relative to the root.
    pub cache_dir: PathBuf,
    /// CPU seconds one diagram may take to lay out before it is shown as source.
    pub timeout: f64,
}

impl MermaidConfig {
    /// The time bound of one diagram's layout.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.timeout)
    }
}

impl Default for MermaidConfig {
    fn default() -> Self {
        Self {
            render: MermaidRender::Build,
            cache_dir: PathBuf::from(".rb-site-cache/mermaid"),
            timeout: 5.0,
        }
    }
}

/// What happens to HTML written in runbooks (`[markdown] raw-html`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RawHtml {
    /// Written to the page as it is: the authors are trusted with scripts.
    Allow,
    /// Cleaned by `ammonia`: formatting (`<details>`, `<kbd>`, `<br>`, tables) stays;
    /// scripts, event handlers, frames, forms and styles go.
    #[default]
    Sanitize,
    /// Shown as text.
    Deny,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct MarkdownConfig {
    pub raw_html: RawHtml,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct ServeConfig {
    pub bind: String,
    pub port: u16,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1".into(),
            port: 3000,
        }
    }
}

/// `book.toml` exactly as written. `rb-site schema book` is derived from it.
#[derive(Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(
    title = "rb-site book.toml",
    description = "The configuration of an rb-site site. Every key is optional."
)]
pub(crate) struct RawConfig {
    book: BookConfig,
    build: BuildConfig,
    validate: ValidateConfig,
    kinds: BTreeMap<String, KindConfig>,
    sections: BTreeMap<String, Vec<String>>,
    alerts: AlertsConfig,
    search: SearchConfig,
    mermaid: MermaidConfig,
    serve: ServeConfig,
    paths: Vec<PathSettings>,
    markdown: MarkdownConfig,
}

/// The kinds every site has; `book.toml` may override them or add more.
pub fn builtin_kinds() -> BTreeMap<String, KindConfig> {
    let kind = |sections: &[&str]| KindConfig {
        required_sections: sections.iter().map(|s| s.to_string()).collect(),
    };
    BTreeMap::from([
        (
            "runbook".to_string(),
            kind(&["preconditions", "steps", "validation", "rollback"]),
        ),
        (
            "alert".to_string(),
            kind(&["meaning", "impact", "diagnosis", "mitigation"]),
        ),
        ("reference".to_string(), kind(&[])),
    ])
}

/// Built-in section aliases; `[sections]` in `book.toml` extends them.
pub fn builtin_section_aliases() -> BTreeMap<String, Vec<String>> {
    let aliases = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    BTreeMap::from([
        (
            "preconditions".to_string(),
            aliases(&["prerequisites", "before you begin", "requirements"]),
        ),
        ("steps".to_string(), aliases(&["procedure", "instructions"])),
        (
            "validation".to_string(),
            aliases(&["verification", "verify", "checks"]),
        ),
        (
            "rollback".to_string(),
            aliases(&["roll back", "back out", "revert"]),
        ),
        ("meaning".to_string(), aliases(&[])),
        ("impact".to_string(), aliases(&[])),
        ("diagnosis".to_string(), aliases(&[])),
        ("mitigation".to_string(), aliases(&[])),
    ])
}

impl Config {
    /// Reads `<root>/book.toml`. A missing file gives the defaults, titled after the folder.
    /// Errors read `book.toml:LINE:COL: message`.
    pub fn load(root: &Path) -> Result<Config> {
        if !root.is_dir() {
            bail!(
                "{}: no such folder (the site's folder, which holds {CONFIG_FILE}; see --root)",
                root.display()
            );
        }
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => {
                return Err(err).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        Config::from_toml(root, &text).map_err(|err| anyhow::anyhow!("{}:{err:#}", path.display()))
    }

    /// Parses a `book.toml` text. Errors start with `LINE:COL: ` where the position is known.
    pub fn from_toml(root: &Path, text: &str) -> Result<Config> {
        let raw = toml::from_str::<RawConfig>(text).map_err(|err| {
            let location = err
                .span()
                .map(|span| {
                    let (line, col) = LineIndex::new(text).line_col(span.start);
                    format!("{line}:{col}: ")
                })
                .unwrap_or_else(|| " ".into());
            let message = err.message().trim_end();
            // `toml` names neither the key nor the table it means: the span does.
            let named = err
                .span()
                .and_then(|span| text.get(span))
                .map(|key| key.trim().trim_matches(['[', ']']).trim())
                .filter(|key| !key.is_empty() && !key.contains('\n'));
            match (message, named) {
                ("duplicate key", Some(key)) => {
                    anyhow::anyhow!("{location}`{key}` is set twice; keep one of the two")
                }
                _ => anyhow::anyhow!("{location}{message}"),
            }
        })?;
        Config::from_raw(root, raw, text)
    }

    fn from_raw(root: &Path, raw: RawConfig, text: &str) -> Result<Config> {
        let RawConfig {
            mut book,
            build,
            validate,
            kinds: user_kinds,
            sections: user_sections,
            alerts,
            search,
            mermaid,
            serve,
            paths,
            markdown,
        } = raw;
        let spans = KeySpans::new(text);
        let mut alerts = alerts;
        for (i, claim) in alerts.claims.iter_mut().enumerate() {
            claim.line = spans.line(&[Key("alerts"), Key("claims"), Item(i)]);
        }
        // Where a key is written, for the messages: `LINE:COL: `.
        let at = |path: &[Step]| spans.at(path);
        let line_of = |table: &str, key: &str| at(&[Key(table), Key(key)]);

        if book.title.trim().is_empty() {
            book.title = root
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "Runbooks".into());
        }
        if book.language.trim().is_empty() {
            book.language = "en".into();
        }
        if let Some(url) = &mut book.base_url {
            *url = base_url(url).map_err(|why| {
                anyhow::anyhow!("{}book.base-url: {why}", line_of("book", "base-url"))
            })?;
        }
        if let Some(template) = &book.edit_url_template
            && !(template.starts_with("http://") || template.starts_with("https://"))
        {
            bail!(
                "{}book.edit-url-template: expected an http(s) URL, found {template:?}",
                line_of("book", "edit-url-template")
            );
        }
        if let Some(template) = &book.edit_url_template
            && !template.contains("{path}")
        {
            bail!(
                "{}book.edit-url-template: the template has no {{path}} placeholder",
                line_of("book", "edit-url-template")
            );
        }
        if build.theme.is_empty() || build.theme.contains(['/', '\\']) || build.theme == ".." {
            bail!(
                "{}build.theme: expected a theme name, found {:?}",
                line_of("build", "theme"),
                build.theme
            );
        }
        if validate.severities.is_empty() {
            bail!(
                "{}validate.severities: the list must not be empty",
                line_of("validate", "severities")
            );
        }
        for code in validate.levels.keys() {
            if !crate::diag::is_known_code(code) {
                let hint = crate::diag::suggest_code(code)
                    .map(|c| format!("; did you mean {c:?}?"))
                    .unwrap_or_default();
                bail!(
                    "{}validate.levels: unknown rule {code:?}{hint}",
                    at(&[Key("validate"), Key("levels"), Key(code)])
                );
            }
        }

        for field in search.boosts.keys() {
            if !SEARCH_FIELDS.contains(&field.as_str()) {
                bail!(
                    "{}search.boosts: unknown field {field:?} (known: {})",
                    at(&[Key("search"), Key("boosts"), Key(field)]),
                    SEARCH_FIELDS.join(", ")
                );
            }
        }
        let mut kinds = builtin_kinds();
        kinds.extend(user_kinds);
        if !kinds.contains_key(&validate.default_kind) {
            bail!(
                "{}validate.default-kind: no kind named {:?} (known: {})",
                line_of("validate", "default-kind"),
                validate.default_kind,
                kinds.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        let mut sections = builtin_section_aliases();
        for (name, aliases) in user_sections {
            let entry = sections.entry(name.to_lowercase()).or_default();
            for alias in aliases {
                let alias = alias.to_lowercase();
                if !entry.contains(&alias) {
                    entry.push(alias);
                }
            }
        }
        // Above a day the bound means nothing; `Duration` refuses non-finite values.
        if !(mermaid.timeout > 0.0 && mermaid.timeout <= 86_400.0) {
            bail!(
                "{}mermaid.timeout: expected seconds above 0 (at most 86400), found {}",
                line_of("mermaid", "timeout"),
                mermaid.timeout
            );
        }
        for alias in &alerts.url_aliases {
            if alias.starts_with('/') || alias.contains("..") || alias.contains("://") {
                bail!(
                    "{}alerts.url-aliases: {alias:?} must be a relative path inside the site",
                    line_of("alerts", "url-aliases")
                );
            }
        }

        let known_problems = match &validate.baseline {
            Some(file) => Some(std::sync::Arc::new(crate::baseline::Baseline::load(
                &root.join(file),
            )?)),
            None => None,
        };
        validate_alert_links(&alerts, &paths, &kinds, &at)?;
        let mut path_matchers = Vec::with_capacity(paths.len());
        for settings in &paths {
            let mut builder = globset::GlobSetBuilder::new();
            for glob in &settings.matches {
                builder.add(
                    globset::GlobBuilder::new(glob)
                        .literal_separator(true)
                        .build()
                        .with_context(|| format!("paths.match: {glob:?}"))?,
                );
            }
            path_matchers.push(builder.build().context("paths.match")?);
        }

        Ok(Config {
            root: root.to_path_buf(),
            book,
            build,
            validate,
            kinds,
            sections,
            alerts,
            search,
            mermaid,
            serve,
            known_problems,
            paths,
            path_matchers,
            worker: None,
            markdown,
        })
    }

    /// The content folder, resolved against the root.
    pub fn content_dir(&self) -> PathBuf {
        self.root.join(&self.build.content_dir)
    }

    /// The output folder, resolved against the root.
    pub fn build_dir(&self) -> PathBuf {
        self.root.join(&self.build.build_dir)
    }

    /// The pack file of highlighted code blocks kept between builds.
    pub fn highlight_pack(&self) -> PathBuf {
        self.root.join(&self.build.cache_dir).join("highlight.pack")
    }

    /// The Mermaid cache folder, resolved against the root.
    pub fn mermaid_cache_dir(&self) -> PathBuf {
        self.root.join(&self.mermaid.cache_dir)
    }

    /// The level of a rule: `book.toml`'s `[validate.levels]`, else the rule's default.
    pub fn level_of(&self, code: &str) -> Level {
        self.validate
            .levels
            .get(code)
            .copied()
            .unwrap_or_else(|| crate::diag::default_level(code))
    }

    /// A report ready to show: sorted, with the baseline's known problems set apart.
    pub fn finish_report(&self, report: Report) -> Report {
        match &self.known_problems {
            Some(baseline) => baseline.apply(report),
            None => report.sorted(),
        }
    }

    /// The baseline file `book.toml` names, resolved against the root.
    pub fn baseline_path(&self) -> Option<PathBuf> {
        self.validate.baseline.as_ref().map(|b| self.root.join(b))
    }

    /// The `[[paths]]` entries matching a content-relative source path, later entries last.
    pub fn path_settings<'a, 'r>(
        &'a self,
        rel: &'r str,
    ) -> impl Iterator<Item = &'a PathSettings> + use<'a, 'r> {
        self.paths
            .iter()
            .zip(&self.path_matchers)
            .filter(move |(_, matcher)| matcher.is_match(rel))
            .map(|(settings, _)| settings)
    }

    /// The kind `[[paths]]` gives a content-relative path, if any.
    pub fn path_kind(&self, rel: &str) -> Option<&str> {
        self.path_settings(rel)
            .filter_map(|s| s.kind.as_deref())
            .last()
    }

    /// Whether a page at a content-relative path claims the alert named like its file.
    pub fn name_from_file(&self, rel: &str) -> bool {
        self.path_settings(rel)
            .filter_map(|s| s.name_from_file)
            .last()
            .unwrap_or(self.alerts.name_from_file)
    }

    /// Which folder of a content-relative path names its page's service (1: the top-level one).
    pub fn service_folder(&self, rel: &str) -> usize {
        self.path_settings(rel)
            .filter_map(|s| s.service_folder)
            .last()
            .unwrap_or(1)
    }

    /// The heading-claim patterns for a content-relative path (every matching entry's, in order).
    pub fn heading_claims(&self, rel: &str) -> Vec<&str> {
        let mut patterns: Vec<&str> = Vec::new();
        for settings in self.path_settings(rel) {
            for pattern in &settings.heading_claims {
                if !patterns.contains(&pattern.as_str()) {
                    patterns.push(pattern);
                }
            }
        }
        patterns
    }

    /// The level of a rule for a diagnostic about `path` (relative to the root, as diagnostics
    /// name files): the last matching `[[paths]]` entry's `levels`, else [`Config::level_of`].
    pub fn level_at(&self, path: &str, code: &str) -> Level {
        if !self.paths.is_empty() {
            let content = self.build.content_dir.to_string_lossy().replace('\\', "/");
            let content = content.trim_start_matches("./").trim_end_matches('/');
            let rel = if content.is_empty() || content == "." {
                Some(path)
            } else {
                path.strip_prefix(content).and_then(|r| r.strip_prefix('/'))
            };
            if let Some(level) = rel.and_then(|rel| {
                self.path_settings(rel)
                    .filter_map(|s| s.levels.get(code).copied())
                    .last()
            }) {
                return level;
            }
        }
        self.level_of(code)
    }

    /// Canonical section name for a normalised heading, if it is one of the known names or aliases.
    pub fn canonical_section(&self, normalised_heading: &str) -> Option<&str> {
        self.sections.iter().find_map(|(name, aliases)| {
            (name == normalised_heading || aliases.iter().any(|a| a == normalised_heading))
                .then_some(name.as_str())
        })
    }
}

/// Checks `[alerts]` link keys, `[[alerts.repos]]`, `[[alerts.claims]]` and `[[paths]]`.
fn validate_alert_links(
    alerts: &AlertsConfig,
    paths: &[PathSettings],
    kinds: &BTreeMap<String, KindConfig>,
    at: &dyn Fn(&[Step]) -> String,
) -> Result<()> {
    if alerts.runbook_keys.iter().any(|k| k.trim().is_empty()) {
        bail!(
            "{}alerts.runbook-keys: a key must not be empty",
            at(&[Key("alerts"), Key("runbook-keys")])
        );
    }
    for (i, repo) in alerts.repos.iter().enumerate() {
        let url = repo.url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.split('/').filter(|s| !s.is_empty()).count() < 3
        {
            bail!(
                "{}alerts.repos: url must be a repository's http(s) URL, found {:?}",
                at(&[Key("alerts"), Key("repos"), Item(i), Key("url")]),
                repo.url
            );
        }
    }
    for (i, claim) in alerts.claims.iter().enumerate() {
        if claim.page.trim().is_empty() || claim.alerts.is_empty() {
            bail!(
                "{}alerts.claims: each claim needs a page and at least one alert",
                at(&[Key("alerts"), Key("claims"), Item(i)])
            );
        }
    }
    for (i, settings) in paths.iter().enumerate() {
        let key = |key: &str| at(&[Key("paths"), Item(i), Key(key)]);
        if settings.matches.is_empty() {
            bail!(
                "{}paths: each [[paths]] entry needs `match`, a list of globs",
                at(&[Key("paths"), Item(i)])
            );
        }
        for glob in &settings.matches {
            if let Err(err) = globset::Glob::new(glob) {
                bail!("{}paths.match: {glob:?}: {err}", key("match"));
            }
        }
        if let Some(kind) = &settings.kind
            && !kinds.contains_key(kind)
        {
            bail!(
                "{}paths.kind: no kind named {kind:?} (known: {})",
                key("kind"),
                kinds.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        if settings.service_folder == Some(0) {
            bail!(
                "{}paths.service-folder: folders count from 1 (the top-level folder)",
                key("service-folder")
            );
        }
        for pattern in &settings.heading_claims {
            if !pattern.contains("{alert}") && !pattern.contains("{alert_lower}") {
                bail!(
                    "{}paths.heading-claims: {pattern:?} has no {{alert}} or {{alert_lower}}",
                    key("heading-claims")
                );
            }
        }
        for code in settings.levels.keys() {
            if !crate::diag::is_known_code(code) {
                bail!(
                    "{}paths.levels: unknown rule {code:?}",
                    at(&[Key("paths"), Item(i), Key("levels"), Key(code)])
                );
            }
        }
    }
    Ok(())
}

/// One step of a path into `book.toml`: a key of a table, or an entry of an array of tables.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Item(usize),
}
use Step::{Item, Key};

/// Where the keys of a `book.toml` are written, from `toml`'s spanned document: serde's
/// structs keep no spans once deserialized, and a search of the text would find a `timeout`
/// of another table.
struct KeySpans<'t> {
    text: &'t str,
    document: Option<toml::Spanned<toml::de::DeTable<'t>>>,
}

impl<'t> KeySpans<'t> {
    fn new(text: &'t str) -> KeySpans<'t> {
        KeySpans {
            text,
            document: toml::de::DeTable::parse(text).ok(),
        }
    }

    /// The byte span of the key (or array entry) at `path`, or of the deepest part of it that
    /// is written.
    fn span(&self, path: &[Step]) -> Option<std::ops::Range<usize>> {
        use toml::de::DeValue;
        let document = self.document.as_ref()?;
        let mut table = document.get_ref();
        let mut span = None;
        let mut steps = path.iter().peekable();
        while let Some(step) = steps.next() {
            let Key(key) = step else { return span };
            let (name, value) = table.iter().find(|(name, _)| name.get_ref() == key)?;
            span = Some(name.span());
            let mut value = value;
            if let Some(Item(i)) = steps.peek() {
                steps.next();
                let DeValue::Array(items) = value.get_ref() else {
                    return span;
                };
                let Some(item) = items.get(*i) else {
                    return span;
                };
                span = Some(item.span());
                value = item;
            }
            match value.get_ref() {
                DeValue::Table(inner) => table = inner,
                _ => return span,
            }
        }
        span
    }

    /// `LINE:COL: ` of the key at `path`, or a space when it is not written.
    fn at(&self, path: &[Step]) -> String {
        match self.span(path) {
            Some(span) => {
                let (line, col) = LineIndex::new(self.text).line_col(span.start);
                format!("{line}:{col}: ")
            }
            None => " ".into(),
        }
    }

    /// The line of the key at `path` (0 when it is not written).
    fn line(&self, path: &[Step]) -> usize {
        self.span(path)
            .map(|span| LineIndex::new(self.text).line_col(span.start).0)
            .unwrap_or(0)
    }
}

/// How a section name is written as a heading: `rollback` -> `Rollback`.
pub fn section_heading(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Checks a base URL (`book.base-url`, `--base-url`): an absolute `http(s)` URL with a host and
/// neither query nor fragment, as the site's pages are found under it. Returns it as the URL
/// standard writes it (`https:///x` is `https://x/`), ending in `/` (the site is a folder).
pub fn base_url(raw: &str) -> Result<String, String> {
    let parsed = url::Url::parse(raw)
        .map_err(|err| format!("expected an absolute http(s) URL, found {raw:?} ({err})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
        return Err(format!("expected an absolute http(s) URL, found {raw:?}"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "expected the URL of the site's folder, without `?` or `#`, found {raw:?}"
        ));
    }
    let mut url = String::from(parsed);
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::from_toml(Path::new("/tmp/site"), text)
    }

    #[test]
    fn defaults_apply_to_an_empty_file() {
        let config = parse("").expect("empty config is valid");
        assert_eq!(config.build.content_dir, PathBuf::from("content"));
        assert_eq!(config.build.build_dir, PathBuf::from("site"));
        assert_eq!(config.validate.review_interval_days, 180);
        assert_eq!(
            config.kinds["runbook"].required_sections,
            ["preconditions", "steps", "validation", "rollback"]
        );
    }

    #[test]
    fn a_typo_names_the_key_and_line() {
        let err = parse("[book]\ntitle = \"x\"\n\n[build]\nbuild-dri = \"out\"\n")
            .expect_err("typo must be rejected");
        let message = format!("{err:#}");
        assert!(message.starts_with("5:1: "), "{message}");
        assert!(message.contains("unknown field `build-dri`"), "{message}");
        assert!(message.contains("build-dir"), "{message}");
    }

    /// Issue 14: library errors in book.toml are worded for people, with the line.
    #[test]
    fn duplicate_keys_and_unsafe_urls_are_config_errors() {
        let err = |text: &str| {
            format!(
                "{:#}",
                Config::from_toml(Path::new("."), text).expect_err("refused")
            )
        };
        assert_eq!(
            err("[book]\ntitle = \"a\"\ntitle = \"b\"\n"),
            "3:1: `title` is set twice; keep one of the two"
        );
        assert_eq!(
            err("[book]\nedit-url-template = \"javascript:alert({path})\"\n"),
            "2:1: book.edit-url-template: expected an http(s) URL, found \"javascript:alert({path})\""
        );
        assert!(
            err("[book]\nbase-url = \"data:text/html,x\"\n").starts_with("2:1: book.base-url:")
        );
        assert!(
            err("[markdown]\nraw-html = \"maybe\"\n")
                .contains("expected one of `allow`, `sanitize`, `deny`")
        );
        let config = Config::from_toml(Path::new("."), "").expect("defaults");
        assert_eq!(config.markdown.raw_html, RawHtml::Sanitize);
    }

    #[test]
    fn a_base_url_is_an_http_folder_url() {
        assert_eq!(
            base_url("https://x.example").as_deref(),
            Ok("https://x.example/")
        );
        assert_eq!(
            base_url("https:///x.example/rb").as_deref(),
            Ok("https://x.example/rb/")
        );
        for bad in [
            "notaurl/x",
            "ftp://x.example/",
            "https://x.example/?a=1",
            "http://x/#top",
            "data:text/html,x",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        let err = parse("[book]\nbase-url = \"https://x.example/?v=2\"\n")
            .expect_err("query")
            .to_string();
        assert!(
            err.starts_with("2:1: book.base-url: expected the URL of the site's folder"),
            "{err}"
        );
    }

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let config = parse("[book]\nbase-url = \"https://x.example/rb\"\n").expect("valid");
        assert_eq!(
            config.book.base_url.as_deref(),
            Some("https://x.example/rb/")
        );
    }

    #[test]
    fn user_section_aliases_extend_the_builtins() {
        let config = parse("[sections]\nrollback = [\"Undo\"]\n").expect("valid");
        assert_eq!(config.canonical_section("undo"), Some("rollback"));
        assert_eq!(config.canonical_section("revert"), Some("rollback"));
        assert_eq!(config.canonical_section("procedure"), Some("steps"));
    }

    #[test]
    fn an_unknown_rule_level_is_rejected() {
        let err = parse("[validate.levels]\nstale-reveiw = \"off\"\n").expect_err("unknown rule");
        assert!(format!("{err:#}").contains("stale-review"), "{err:#}");
    }

    #[test]
    fn path_settings_apply_by_glob_and_later_entries_win() {
        let config = parse(
            "[alerts]\nname-from-file = true\n\
             [[paths]]\nmatch = [\"**/README.md\", \"docs/**\"]\nkind = \"reference\"\n\
             name-from-file = false\nlevels = { broken-link = \"warning\" }\n\
             [[paths]]\nmatch = [\"docs/keep/**\"]\nname-from-file = true\n",
        )
        .expect("valid");
        assert_eq!(config.path_kind("db/README.md"), Some("reference"));
        assert_eq!(config.path_kind("README.md"), Some("reference"));
        assert_eq!(config.path_kind("db/Failover.md"), None);
        assert!(!config.name_from_file("docs/x.md"));
        assert!(config.name_from_file("docs/keep/x.md"));
        assert!(config.name_from_file("db/X.md"));
        assert_eq!(config.service_folder("docs/x.md"), 1);
        let deeper =
            parse("[[paths]]\nmatch = [\"runbooks/**\"]\nservice-folder = 2\n").expect("valid");
        assert_eq!(deeper.service_folder("runbooks/etcd/EtcdDown.md"), 2);
        assert_eq!(deeper.service_folder("docs/add-runbook.md"), 1);
        let err = parse("[[paths]]\nmatch = [\"x/**\"]\nservice-folder = 0\n").expect_err("0");
        assert!(
            err.to_string()
                .contains("paths.service-folder: folders count from 1"),
            "{err}"
        );
        assert_eq!(
            config.level_at("content/docs/x.md", "broken-link"),
            Level::Warning
        );
        assert_eq!(
            config.level_at("content/db/x.md", "broken-link"),
            Level::Error
        );
    }

    #[test]
    fn bad_path_settings_and_claims_name_the_key() {
        let err = |text: &str| format!("{:#}", parse(text).expect_err(text));
        assert!(err("[[paths]]\nkind = \"reference\"\n").contains("needs `match`"));
        assert!(err("[[paths]]\nmatch = [\"a\"]\nkind = \"playbook\"\n").contains("playbook"));
        assert!(
            err("[[paths]]\nmatch = [\"a\"]\nheading-claims = [\"Alert\"]\n")
                .contains("has no {alert}")
        );
        assert!(err("[[alerts.repos]]\nurl = \"github.com/x\"\n").contains("alerts.repos"));
        assert!(err("[[alerts.claims]]\npage = \"x.md\"\n").contains("at least one alert"));
    }

    #[test]
    fn claims_remember_their_line() {
        let config = parse(
            "[book]\ntitle = \"x\"\n\n[[alerts.claims]]\npage = \"a.md\"\nalerts = [\"A\"]\n",
        )
        .expect("valid");
        assert_eq!(config.alerts.claims[0].line, 4);
    }

    #[test]
    fn errors_point_at_the_key_in_its_own_table() {
        let err = |text: &str| parse(text).expect_err("invalid").to_string();
        // Another table's `timeout`, and a key named in a string, come first in the text.
        let text =
            "[book]\ntitle = \"timeout = 3\"\n\n[mermaid]\nrender = \"build\"\n  timeout = 0\n";
        assert!(
            err(text).starts_with("6:3: mermaid.timeout"),
            "{}",
            err(text)
        );
        // The second [[paths]] entry, not the first `kind`.
        let text = "[[paths]]\nmatch = [\"a/**\"]\nkind = \"runbook\"\n\n[[paths]]\nmatch = [\"b/**\"]\nkind = \"playbook\"\n";
        assert!(err(text).starts_with("7:1: paths.kind"), "{}", err(text));
        let text = "[validate.levels]\nbroken-link = \"off\"\nbroken-lnk = \"off\"\n";
        assert!(
            err(text).starts_with("3:1: validate.levels"),
            "{}",
            err(text)
        );
        let text = "[[alerts.claims]]\npage = \"a.md\"\nalerts = [\"A\"]\n\n[[alerts.claims]]\npage = \"b.md\"\n";
        assert!(err(text).starts_with("5:1: alerts.claims"), "{}", err(text));
    }

    #[test]
    fn unknown_default_kind_is_rejected() {
        assert!(parse("[validate]\ndefault-kind = \"playbook\"\n").is_err());
    }
}
