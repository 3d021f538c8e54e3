//! Plain data shared by the pipeline stages: source files, parsed documents, pages and the site.
//!
//! Values refer to each other by id (a content-relative path, an alert name), never by
//! reference; collections are ordered so that everything built from them is byte-stable.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::diag::{LineIndex, SourceRef};

/// A content file as read from disk: BOM stripped, CRLF normalised to LF.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the root, with `/` separators: `content/db/failover.md`.
    pub path: String,
    /// Path relative to the content folder: `db/failover.md`. This is the page's id.
    pub rel: String,
    pub text: String,
}

/// A page's id: its path relative to the content folder, with `/` separators.
pub type PageId = String;

/// Typed front matter. Unknown keys are kept in `extra` and reach templates as `extra`.
///
/// `rb-site schema front-matter` is derived from this type; the `schema_with` functions describe
/// what [`crate::frontmatter`] accepts for each field, which is looser than the typed value.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
#[schemars(
    default,
    title = "rb-site front matter",
    description = "The YAML (---) or TOML (+++) block at the top of a runbook. Other keys are kept and reach templates as `extra` (with an unknown-field warning)."
)]
pub struct FrontMatter {
    /// The page title (else the first H1).
    #[schemars(schema_with = "field_schema::text")]
    pub title: Option<String>,
    /// One line shown under the title and in listings.
    #[schemars(schema_with = "field_schema::text")]
    pub description: Option<String>,
    /// The service this runbook belongs to.
    #[schemars(schema_with = "field_schema::text")]
    pub service: Option<String>,
    /// The team that answers for this runbook.
    #[schemars(schema_with = "field_schema::text")]
    pub owner: Option<String>,
    /// One of `[validate] severities` in book.toml (default: critical, warning, info).
    #[schemars(schema_with = "field_schema::severity")]
    pub severity: Option<String>,
    /// Alerts this runbook answers: each gets `alerts/<Name>/`.
    #[schemars(schema_with = "field_schema::text_list")]
    pub alerts: Vec<String>,
    #[schemars(schema_with = "field_schema::text_list")]
    pub tags: Vec<String>,
    /// When the runbook was last reviewed: YYYY-MM-DD (or an RFC 3339 timestamp).
    #[schemars(schema_with = "field_schema::date")]
    pub last_reviewed: Option<jiff::civil::Date>,
    /// Which required sections apply: runbook, alert, reference or a kind from book.toml.
    #[schemars(schema_with = "field_schema::text")]
    pub kind: Option<String>,
    /// The last URL segment (default: from the file name).
    #[schemars(schema_with = "field_schema::text")]
    pub slug: Option<String>,
    /// Drafts are left out unless --drafts.
    #[schemars(schema_with = "field_schema::boolean")]
    pub draft: bool,
    /// Old URLs that keep working: a redirect page is written at each.
    #[schemars(schema_with = "field_schema::text_list")]
    pub aliases: Vec<String>,
    /// Order within its section (lower first; then by title).
    #[schemars(schema_with = "field_schema::integer")]
    pub weight: Option<i64>,
    /// Anything else for your templates.
    #[schemars(schema_with = "field_schema::mapping")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// JSON Schemas of the front-matter fields as the front-matter reader accepts them, more
/// loosely than their typed values (`rb-site schema front-matter`, [`crate::schema`]).
mod field_schema {
    use schemars::{Schema, SchemaGenerator, json_schema};

    /// A text field: a string, or a number (read as its text).
    pub(crate) fn text(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number"] })
    }

    /// A severity: text; the accepted values are configured in book.toml, these are the defaults.
    pub(crate) fn severity(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number"],
            "examples": ["critical", "warning", "info"],
        })
    }

    /// A list of texts; one text stands for a list of one, an empty value for none.
    pub(crate) fn text_list(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["array", "string", "number", "null"],
            "items": { "type": ["string", "number"] },
        })
    }

    /// `YYYY-MM-DD`, or an RFC 3339 timestamp whose date is taken.
    pub(crate) fn date(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ].*)?$",
        })
    }

    pub(crate) fn boolean(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "boolean" })
    }

    pub(crate) fn integer(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer" })
    }

    pub(crate) fn mapping(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object" })
    }
}

/// Where each front-matter key was written, as byte offsets in the file.
pub type FieldSpans = BTreeMap<String, Range<usize>>;

/// A heading in a document's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Plain text of the heading (inline markup dropped).
    pub text: String,
    /// Unique id on the page, used as its anchor.
    pub id: String,
    /// Byte span of the heading in the file.
    pub span: Range<usize>,
    /// Index in the body's events ([`crate::parse::events`]) of the heading's `Start(Heading)` event.
    pub event: usize,
}

/// A link or image destination written in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    /// The whole `[text](dest)` in Markdown; the attribute's value as written in raw HTML.
    pub span: Range<usize>,
    pub is_image: bool,
    /// Written as an attribute of raw HTML (`<img src="…">`), which the renderer rewrites in
    /// place.
    pub in_html: bool,
}

/// A fenced or indented code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// First word of the info string, lowercased; empty for none.
    pub lang: String,
    pub span: Range<usize>,
    /// Index in the body's events ([`crate::parse::events`]) of the block's `Start(CodeBlock)` event.
    pub event: usize,
    /// The block's text, for a fenced `mermaid` block: what the checks parse and the render
    /// stage lays out, known without parsing the page again.
    pub diagram: Option<String>,
}

/// Raw inline or block HTML that names an element that is not HTML (`<cluster-id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderTag {
    pub text: String,
    pub span: Range<usize>,
}

/// What the parse stage learns of a document's Markdown.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    pub code_blocks: Vec<CodeBlock>,
    pub placeholder_tags: Vec<PlaceholderTag>,
}

impl Outline {
    /// The first level-1 heading, which titles a page without a `title`.
    pub fn h1(&self) -> Option<&Heading> {
        self.headings.iter().find(|h| h.level == 1)
    }

    /// The H1 that opens the body, if one does: the page's header shows the title in its place,
    /// with its id, so links to its anchor still land (the body is rendered without it).
    pub fn title_heading(&self) -> Option<&Heading> {
        self.headings
            .first()
            .filter(|h| h.level == 1 && h.event == 0)
    }

    pub fn has_anchor(&self, id: &str) -> bool {
        self.headings.iter().any(|h| h.id == id)
    }
}

/// A parsed content file: front matter, outline and the Markdown events the renderer consumes.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: SourceFile,
    pub index: LineIndex,
    pub front: FrontMatter,
    pub field_spans: FieldSpans,
    /// Byte offset where the Markdown body starts (after the front matter).
    pub body_start: usize,
    /// Headings, links, code blocks and placeholder tags; the events themselves are parsed
    /// again when needed ([`crate::parse::events`]).
    pub outline: Outline,
}

impl Document {
    /// Where diagnostics about this document are made.
    pub fn source_ref(&self) -> SourceRef<'_> {
        SourceRef {
            path: &self.source.path,
            text: &self.source.text,
            index: &self.index,
        }
    }

    /// `_index.md` in a folder is the folder's section page.
    pub fn is_section_index(&self) -> bool {
        self.source.rel == "_index.md" || self.source.rel.ends_with("/_index.md")
    }

    /// The content folder this file is in: `db` for `db/failover.md`, empty at the top.
    pub fn dir(&self) -> &str {
        self.source.rel.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// The title: front matter's `title`, else the first H1, else the file name.
    pub fn title(&self) -> String {
        if let Some(title) = self.front.title.as_deref().filter(|t| !t.trim().is_empty()) {
            return title.trim().to_string();
        }
        if let Some(h1) = self.outline.h1() {
            return h1.text.clone();
        }
        let stem = self
            .source
            .rel
            .rsplit('/')
            .next()
            .unwrap_or(&self.source.rel);
        stem.strip_suffix(".md").unwrap_or(stem).to_string()
    }
}

/// What a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageKind {
    /// A runbook (or any non-index content page).
    Runbook,
    /// A folder's `_index.md`, or a generated page for a folder without one.
    Section,
}

/// A document placed in the site: its URL and the kind of runbook it is.
#[derive(Debug, Clone)]
pub struct Page {
    pub doc: Document,
    pub kind: PageKind,
    /// Site-relative folder URL with a trailing slash (`db/failover/`); empty for the home page.
    pub url: String,
    pub title: String,
    /// The runbook kind (`runbook`, `alert`, `reference`, …) that decides the required sections.
    pub runbook_kind: String,
    /// Alerts this page answers: front matter's `alerts`, or the file name with `name-from-file`.
    pub alerts: Vec<String>,
    /// Which folder of its path names the page's service without a `service` field
    /// (`[[paths]] service-folder`; 1: the top-level one).
    pub service_folder: usize,
}

/// A taxonomy: one page per value of a front-matter field across the runbooks, under `<name>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taxonomy {
    /// Its folder in the site: `services`, `owners`, `tags`, `severities`.
    pub name: &'static str,
    /// Its heading.
    pub title: &'static str,
    /// The front-matter field its values come from.
    pub field: &'static str,
}

/// The taxonomies, in the order the site lists them. The link, paths and render stages all
/// read this one table.
pub const TAXONOMIES: &[Taxonomy] = &[
    Taxonomy {
        name: "services",
        title: "Services",
        field: "service",
    },
    Taxonomy {
        name: "owners",
        title: "Owners",
        field: "owner",
    },
    Taxonomy {
        name: "tags",
        title: "Tags",
        field: "tags",
    },
    Taxonomy {
        name: "severities",
        title: "Severities",
        field: "severity",
    },
];

impl Page {
    /// The page's service: front matter's `service`, else its top-level content folder (or the
    /// one `[[paths]] service-folder` names); `None` for a page above that folder without the
    /// field.
    pub fn service(&self) -> Option<String> {
        self.service_name().map(str::to_string)
    }

    /// [`Page::service`], borrowed from the page.
    pub fn service_name(&self) -> Option<&str> {
        if let Some(service) = self.doc.front.service.as_deref().map(str::trim)
            && !service.is_empty()
        {
            return Some(service);
        }
        self.doc
            .dir()
            .split('/')
            .nth(self.service_folder.max(1) - 1)
            .filter(|folder| !folder.is_empty())
    }

    /// The content folder whose name is the page's service when no `service` field names it
    /// (`runbooks/etcd` with `service-folder = 2`): the service's overview is its section page.
    pub fn service_dir(&self) -> Option<&str> {
        let dir = self.doc.dir();
        let depth = self.service_folder.max(1);
        if dir.is_empty() || dir.split('/').count() < depth {
            return None;
        }
        let end = dir
            .match_indices('/')
            .nth(depth - 1)
            .map_or(dir.len(), |(at, _)| at);
        Some(&dir[..end])
    }

    /// The values under which a taxonomy (by [`Taxonomy::name`]) lists this page.
    pub fn taxonomy_values(&self, taxonomy: &str) -> impl Iterator<Item = &str> {
        let front = &self.doc.front;
        let (one, many): (Option<&str>, &[String]) = match taxonomy {
            "services" => (self.service_name(), &[]),
            "owners" => (front.owner.as_deref(), &[]),
            "tags" => (None, &front.tags),
            "severities" => (front.severity.as_deref(), &[]),
            _ => (None, &[]),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }

    /// The site-relative path of the page's own file; `None` for the home page's `_index.md`
    /// (the home page is site-wide).
    pub fn output_path(&self) -> Option<String> {
        if self.kind == PageKind::Section && self.url.is_empty() {
            None
        } else {
            Some(format!("{}index.html", self.url))
        }
    }
}

/// A content folder with its pages, for section pages and navigation.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Content-relative folder: `db`, `db/replicas`; empty for the top.
    pub dir: String,
    /// Index into [`Site::pages`] of the folder's `_index.md`, if it has one.
    pub index_page: Option<usize>,
    /// Indexes into [`Site::pages`] of the folder's runbooks, in display order.
    pub pages: Vec<usize>,
    /// Content-relative folders directly below this one.
    pub subsections: Vec<String>,
}

/// The whole site after the link stage: pages by URL order, sections, and lookups.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Sorted by URL.
    pub pages: Vec<Page>,
    /// Content-relative source path -> index into `pages`.
    pub by_source: BTreeMap<PageId, usize>,
    /// Content-relative folder -> section.
    pub sections: BTreeMap<String, Section>,
    /// Tag -> indexes into `pages`.
    pub tags: BTreeMap<String, Vec<usize>>,
    /// Content-relative paths of the non-Markdown files, copied to the site as they are.
    pub assets: std::collections::BTreeSet<String>,
}

impl Site {
    pub fn page_by_source(&self, rel: &str) -> Option<&Page> {
        self.by_source.get(rel).map(|&i| &self.pages[i])
    }

    /// The relative prefix from a page at `url` to the site root: `../../` for `db/failover/`.
    pub fn root_prefix(url: &str) -> String {
        "../".repeat(url.matches('/').count())
    }

    /// Runbook pages (not section indexes), in URL order.
    pub fn runbooks(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(|p| p.kind == PageKind::Runbook)
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier); None only on overflow.
pub fn days_between(from: jiff::civil::Date, to: jiff::civil::Date) -> Option<i64> {
    // `until` between civil dates counts in days unless told otherwise: no calendar arithmetic
    // (and no relative date) is needed to read the difference.
    from.until(to).ok().map(|span| i64::from(span.get_days()))
}

/// Turns a file name or title into a URL slug: lowercased, runs of non-alphanumerics to `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Today's date in UTC; `SOURCE_DATE_EPOCH` pins it for reproducible builds.
pub fn today() -> jiff::civil::Date {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    now.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Element names of HTML, SVG and MathML (lowercase, sorted), for telling real tags from
/// placeholders written in angle brackets.
pub const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "animate",
    "animatemotion",
    "animatetransform",
    "annotation",
    "annotation-xml",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "basefont",
    "bdi",
    "bdo",
    "big",
    "blink",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "circle",
    "cite",
    "clippath",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "defs",
    "del",
    "desc",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "ellipse",
    "em",
    "embed",
    "feblend",
    "fecolormatrix",
    "fecomponenttransfer",
    "fecomposite",
    "fediffuselighting",
    "fedisplacementmap",
    "fedropshadow",
    "feflood",
    "fegaussianblur",
    "feimage",
    "femerge",
    "femergenode",
    "femorphology",
    "feoffset",
    "fespecularlighting",
    "fetile",
    "feturbulence",
    "fieldset",
    "figcaption",
    "figure",
    "filter",
    "font",
    "footer",
    "foreignobject",
    "form",
    "frame",
    "frameset",
    "g",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "image",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "line",
    "lineargradient",
    "link",
    "main",
    "map",
    "mark",
    "marker",
    "marquee",
    "mask",
    "math",
    "menclose",
    "menu",
    "merror",
    "meta",
    "metadata",
    "meter",
    "mfrac",
    "mi",
    "mmultiscripts",
    "mn",
    "mo",
    "mover",
    "mpadded",
    "mphantom",
    "mprescripts",
    "mroot",
    "mrow",
    "ms",
    "mspace",
    "msqrt",
    "mstyle",
    "msub",
    "msubsup",
    "msup",
    "mtable",
    "mtd",
    "mtext",
    "mtr",
    "munder",
    "munderover",
    "nav",
    "nobr",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "path",
    "pattern",
    "picture",
    "plaintext",
    "polygon",
    "polyline",
    "pre",
    "progress",
    "q",
    "radialgradient",
    "rb",
    "rect",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "semantics",
    "set",
    "slot",
    "small",
    "source",
    "span",
    "stop",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "switch",
    "symbol",
    "table",
    "tbody",
    "td",
    "template",
    "text",
    "textarea",
    "textpath",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tspan",
    "tt",
    "u",
    "ul",
    "use",
    "var",
    "video",
    "view",
    "wbr",
    "xmp",
];

/// Whether `name` is an HTML, SVG or MathML element name (any case). `<cluster-id>` and
/// `<NODE>` are not: in runbooks they are placeholders a browser would swallow.
pub fn is_html_element(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    HTML_ELEMENTS.binary_search(&lower.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_between_counts_whole_days() {
        let date = |s: &str| s.parse::<jiff::civil::Date>().expect("date");
        assert_eq!(
            days_between(date("2025-12-01"), date("2026-11-21")),
            Some(355)
        );
        assert_eq!(
            days_between(date("2026-11-21"), date("2026-11-20")),
            Some(-1)
        );
    }

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(slugify("DB Failover"), "db-failover");
        assert_eq!(slugify("KubePodCrashLooping"), "kubepodcrashlooping");
        assert_eq!(slugify("  TLS: cert -- expiry!  "), "tls-cert-expiry");
        assert_eq!(slugify("disk_almost_full"), "disk-almost-full");
        assert_eq!(slugify("Überwachung"), "überwachung");
    }
}
