//! Tera set-up and the view structs templates receive. The domain model is not the template
//! context: each template gets purpose-built, serializable values (documented in the README).

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use serde::Serialize;

use crate::config::Config;
use crate::model::{Page, Site};
use crate::theme::Theme;

/// Builds the Tera instance once per build from the theme's templates.
pub(crate) fn tera(theme: &Theme) -> Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    // Tera escapes with `pulldown-cmark-escape` (its `fast_escape` feature), as [`escape_html`]
    // does: `&`, `<`, `>`, `"` and `'`, and not `/`.
    tera.autoescape_on([".html", ".xml"]);
    tera.add_raw_templates(
        theme
            .templates
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    )
    .map_err(|err| {
        let mut message = format!("theme template error: {}", error_chain(&err));
        if let Some(name) = written_for_tera_1(theme) {
            message.push_str(&format!(
                "\n  = help: {name} is written for Tera 1 (`{{% macro %}}`, `{{% import %}}`); \
                 rb-site's templates are Tera 2, where shared fragments are components \
                 (`{{% component name(arg) %}}`, called as `{{{{<name arg={{value}} />}}}}`): \
                 see \"Themes and the template context\" in the README"
            ));
        }
        anyhow!(message)
    })?;
    Ok(tera)
}

/// The first of the theme's templates that uses Tera 1's macros, which Tera 2 replaced with
/// components: an older theme, or one ejected before rb-site moved to Tera 2.
fn written_for_tera_1(theme: &Theme) -> Option<&str> {
    const TERA_1: [&str; 5] = [
        "{% macro ",
        "{%- macro ",
        "{% import ",
        "{%- import ",
        "self::",
    ];
    theme
        .templates
        .iter()
        .find(|(_, text)| TERA_1.iter().any(|marker| text.contains(marker)))
        .map(|(name, _)| name.as_str())
}

/// Escapes text for HTML element content and quoted attributes (`&`, `<`, `>`, `"`, `'`): the one
/// escaper of rb-site's templates and generated pages, `pulldown-cmark-escape`'s (which Tera's
/// autoescape calls too). It leaves `/` as it is, so URLs stay readable.
pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut escaped, text);
    escaped
}

/// Tera's error on one line, with its causes: a syntax or rendering error ends with the
/// template, line and column, as in ``Unknown tag (runbook.html:1:4)``, where Tera's own report
/// would quote the template over several lines inside rb-site's diagnostic.
pub(crate) fn error_chain(err: &tera::Error) -> String {
    let mut message = match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            format!(
                "{} ({}:{}:{})",
                report.message(),
                report.filename(),
                span.start_line,
                span.start_col + 1
            )
        }
        _ => err.to_string(),
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SiteView {
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub base_url: Option<String>,
    pub generator: String,
}

impl SiteView {
    pub(crate) fn new(config: &Config) -> SiteView {
        SiteView {
            title: config.book.title.clone(),
            description: config.book.description.clone(),
            language: config.book.language.clone(),
            base_url: config.book.base_url.clone(),
            generator: format!("rb-site {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Crumb {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct NameUrl {
    pub name: String,
    pub url: String,
}

/// A page in a list (section, home, term pages).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ListItem {
    pub title: String,
    pub url: String,
    pub description: Option<String>,
    pub service: Option<String>,
    pub owner: Option<String>,
    pub severity: Option<String>,
    pub last_reviewed: Option<String>,
    pub review_overdue: bool,
    pub alerts: Vec<String>,
    pub kind: String,
}

impl ListItem {
    pub(crate) fn new(page: &Page, review: &ReviewClock) -> ListItem {
        let front = &page.doc.front;
        ListItem {
            title: page.title.clone(),
            url: page.url.clone(),
            description: front.description.clone(),
            service: front.service.clone(),
            owner: front.owner.clone(),
            severity: front.severity.clone(),
            last_reviewed: front.last_reviewed.map(|d| d.to_string()),
            review_overdue: review.overdue(page),
            alerts: page.alerts.clone(),
            kind: page.runbook_kind.clone(),
        }
    }
}

/// Decides whether a review is overdue, against one "today" for the whole build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReviewClock {
    pub today: jiff::civil::Date,
    pub interval_days: i64,
}

impl ReviewClock {
    pub(crate) fn new(config: &Config) -> ReviewClock {
        ReviewClock {
            today: crate::model::today(),
            interval_days: i64::from(config.validate.review_interval_days),
        }
    }

    pub(crate) fn age_days(&self, page: &Page) -> Option<i64> {
        let reviewed = page.doc.front.last_reviewed?;
        crate::model::days_between(reviewed, self.today)
    }

    pub(crate) fn overdue(&self, page: &Page) -> bool {
        page.kind == crate::model::PageKind::Runbook
            && self
                .age_days(page)
                .is_some_and(|age| age > self.interval_days)
    }
}

/// Breadcrumbs from the home page down to a page's folder.
pub(crate) fn breadcrumbs(site: &Site, page: &Page) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb {
        title: "Home".into(),
        url: String::new(),
    }];
    let mut dir = String::new();
    for part in page.doc.dir().split('/').filter(|p| !p.is_empty()) {
        if !dir.is_empty() {
            dir.push('/');
        }
        dir.push_str(part);
        if page.kind == crate::model::PageKind::Section && dir == page.doc.dir() {
            break;
        }
        crumbs.push(Crumb {
            title: section_title(site, &dir),
            url: section_url(&dir),
        });
    }
    crumbs
}

/// A folder's title: its `_index.md` title, else its name.
pub(crate) fn section_title(site: &Site, dir: &str) -> String {
    site.sections
        .get(dir)
        .and_then(|s| s.index_page)
        .map(|i| site.pages[i].title.clone())
        .unwrap_or_else(|| dir.rsplit('/').next().unwrap_or(dir).to_string())
}

pub(crate) fn section_url(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        let slugs: Vec<String> = dir.split('/').map(crate::model::slugify).collect();
        format!("{}/", slugs.join("/"))
    }
}

/// Counts by severity, for the home page.
pub(crate) fn severity_counts<'a>(
    pages: impl Iterator<Item = &'a Page>,
) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for page in pages {
        if let Some(severity) = &page.doc.front.severity {
            *counts.entry(severity.clone()).or_insert(0) += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera_with(template: &str) -> tera::TeraResult<tera::Tera> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on([".html"]);
        tera.add_raw_template("t.html", template)?;
        Ok(tera)
    }

    #[test]
    fn a_template_error_names_the_template_line_and_column_on_one_line() {
        let err = tera_with("<p>\n  {% nope %}").expect_err("unknown tag");
        assert_eq!(error_chain(&err), "Unknown tag (t.html:2:6)");

        let tera = tera_with("<p>\n{{ page.title }}</p>").expect("template");
        let mut context = tera::Context::new();
        context.insert("page", &serde_json::json!({ "name": "x" }));
        let err = tera.render("t.html", &context).expect_err("no title");
        let message = error_chain(&err);
        assert!(
            message.starts_with("Field `title` is not defined")
                && message.ends_with("(t.html:2:9)"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn templates_escape_as_escape_html_does() {
        let text = "a & b < c > \"d\" 'e' /f/";
        let tera = tera_with("{{ text }}").expect("template");
        let mut context = tera::Context::new();
        context.insert("text", text);
        assert_eq!(
            tera.render("t.html", &context).expect("render"),
            escape_html(text)
        );
        assert_eq!(
            escape_html(text),
            "a &amp; b &lt; c &gt; &quot;d&quot; &#39;e&#39; /f/"
        );
    }
}
