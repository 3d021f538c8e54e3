//! The highlighting rules a page needs, and no others.
//!
//! The theme's `static/highlight.css` holds every highlighting rule (a light theme, a dark one by
//! preference and by toggle, light again in print): 33 KB, of which one page's code uses a few
//! hundred bytes. It is read once per build ([`HighlightRules::parse`]); each page then gets,
//! inlined in its `<head>`, the rules whose `hl-` classes all occur in the page's highlighted
//! code ([`HighlightRules::for_html`]). A selector naming a class the page never writes cannot
//! match anything on it, so dropping it changes nothing the reader sees. Only `hl-` classes are
//! checked: the highlighter writes them at build time and no script adds them later. The file
//! itself is not written to the site.
//!
//! The stylesheet is the simple CSS the highlight stage generates (rules, and `@media` blocks of
//! rules, no nesting); a user's own `highlight.css` in that shape works the same way. Anything
//! this reader does not understand is kept for every page with code rather than dropped.

use std::collections::BTreeSet;

/// The theme file the rules come from, under `static/`.
pub(crate) const HIGHLIGHT_CSS: &str = "highlight.css";

/// Every highlighting rule, in stylesheet order.
#[derive(Debug, Default)]
pub(crate) struct HighlightRules {
    rules: Vec<Rule>,
    /// The rules already chosen, by the classes they were chosen for: most pages use one of a
    /// few sets of classes (choosing was 7 % of a build's CPU at 10,000 runbooks).
    chosen: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

#[derive(Debug)]
struct Rule {
    /// The `@media …` prelude of the block the rule sits in.
    media: Option<String>,
    /// Each selector of the rule's list, with the `hl-` classes it names.
    selectors: Vec<(String, Vec<String>)>,
    /// `{ … }` on one line, as every page that keeps the rule writes it.
    block: String,
}

impl HighlightRules {
    /// The rules of a stylesheet. Comments are dropped; a rule that cannot be read (an unclosed
    /// block) ends the list.
    pub(crate) fn parse(css: &str) -> HighlightRules {
        let css = strip_comments(css);
        let mut rules = Vec::new();
        let mut media: Option<String> = None;
        let mut rest = css.as_str();
        while let Some(at) = rest.find(['{', '}']) {
            let (head, tail) = rest.split_at(at);
            if let Some(after) = tail.strip_prefix('}') {
                // The end of an `@media` block.
                media = None;
                rest = after;
                continue;
            }
            let head = head.trim();
            if head.starts_with("@media") {
                media = Some(head.to_string());
                rest = &tail[1..];
                continue;
            }
            let Some(close) = tail.find('}') else {
                break;
            };
            let block = compact(&tail[..=close]);
            rest = &tail[close + 1..];
            if head.is_empty() || head.contains("</") || block.contains("</") {
                // Nothing to select, or text that would end the page's <style> element.
                continue;
            }
            let selectors = head
                .split(',')
                .map(|s| {
                    let s = s.trim().to_string();
                    let classes = hl_classes_of_selector(&s);
                    (s, classes)
                })
                .filter(|(s, _)| !s.is_empty())
                .collect();
            rules.push(Rule {
                media: media.clone(),
                selectors,
                block,
            });
        }
        HighlightRules {
            rules,
            chosen: Default::default(),
        }
    }

    /// The stylesheet for a page whose highlighted code is in `html` (all of its bodies, for a
    /// page showing several): empty when it has none.
    pub(crate) fn for_html<'h>(&self, html: impl IntoIterator<Item = &'h str>) -> String {
        let mut used = BTreeSet::new();
        for html in html {
            collect_hl_classes(html, &mut used);
        }
        self.for_classes(used)
    }

    /// [`HighlightRules::for_html`] for a page whose bodies' `hl-` classes are known
    /// ([`hl_classes`]).
    pub(crate) fn for_classes<'c>(&self, classes: impl IntoIterator<Item = &'c str>) -> String {
        let used: BTreeSet<&str> = classes.into_iter().collect();
        if used.is_empty() {
            return String::new();
        }
        let key = used.iter().copied().collect::<Vec<_>>().join(" ");
        self.chosen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_insert_with(|| self.choose(&used))
            .clone()
    }

    /// The rules whose every `hl-` class is in `used`, in stylesheet order.
    fn choose(&self, used: &BTreeSet<&str>) -> String {
        let mut css = String::new();
        let mut open: Option<&str> = None;
        for rule in &self.rules {
            let kept: Vec<&str> = rule
                .selectors
                .iter()
                .filter(|(_, classes)| classes.iter().all(|c| used.contains(c.as_str())))
                .map(|(s, _)| s.as_str())
                .collect();
            if kept.is_empty() {
                continue;
            }
            if open != rule.media.as_deref() {
                if open.is_some() {
                    css.push_str("}\n");
                }
                if let Some(media) = &rule.media {
                    css.push_str(media);
                    css.push_str("{\n");
                }
                open = rule.media.as_deref();
            }
            css.push_str(&kept.join(","));
            css.push_str(&rule.block);
            css.push('\n');
        }
        if open.is_some() {
            css.push_str("}\n");
        }
        css
    }
}

/// The `hl-` classes a selector names (`.hl-source.hl-js .hl-keyword` → source, js, keyword).
fn hl_classes_of_selector(selector: &str) -> Vec<String> {
    selector
        .split('.')
        .skip(1)
        .filter_map(|part| {
            let end = part
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(part.len());
            let class = &part[..end];
            class.starts_with("hl-").then(|| class.to_string())
        })
        .collect()
}

/// Adds the `hl-` classes of every `class="…"` attribute in `html` to `used`.
/// The `hl-` classes a body's HTML uses, sorted: kept with the body, so that the pages and print
/// binders showing it need not scan it again.
pub(crate) fn hl_classes(html: &str) -> Vec<String> {
    let mut used = BTreeSet::new();
    collect_hl_classes(html, &mut used);
    used.into_iter().map(str::to_string).collect()
}

fn collect_hl_classes<'h>(html: &'h str, used: &mut BTreeSet<&'h str>) {
    const ATTR: &str = "class=\"";
    let finder = memchr::memmem::Finder::new(ATTR);
    // A highlighted block is hundreds of spans with a few dozen distinct `class` values (and a
    // diagram as many elements with a handful): each value is split once.
    let mut values = rustc_hash::FxHashSet::default();
    let mut rest = html;
    while let Some(at) = finder.find(rest.as_bytes()) {
        let value = &rest[at + ATTR.len()..];
        let end = memchr::memchr(b'"', value.as_bytes()).unwrap_or(value.len());
        if values.insert(&value[..end]) {
            used.extend(
                value[..end]
                    .split_ascii_whitespace()
                    .filter(|c| c.starts_with("hl-")),
            );
        }
        rest = &value[end..];
    }
}

/// A rule's block on one line: the generated sheet puts each declaration on its own line.
fn compact(block: &str) -> String {
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("")
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHEET: &str = "/* generated */\n\
        .hl-code {\n color: #323232;\n}\n\
        .hl-keyword {\n color: #a71d5d;\n}\n\
        .hl-source.hl-js .hl-keyword, .hl-string {\n color: #b65234;\n}\n\
        @media (prefers-color-scheme: dark) {\n\
        :root:not([data-theme=light]) .hl-keyword {\n color: #c678dd;\n}\n\
        :root:not([data-theme=light]) .hl-comment {\n color: #7f848e;\n}\n\
        }\n\
        :root[data-theme=dark] .hl-keyword {\n color: #c678dd;\n}\n";

    #[test]
    fn a_page_gets_the_rules_of_the_classes_its_code_uses() {
        let rules = HighlightRules::parse(SHEET);
        let html = r#"<pre><code class="hl-code"><span class="hl-source hl-shell"><span class="hl-keyword">if</span></span></code></pre>"#;
        assert_eq!(
            rules.for_html([html]),
            ".hl-code{color: #323232;}\n\
             .hl-keyword{color: #a71d5d;}\n\
             @media (prefers-color-scheme: dark){\n\
             :root:not([data-theme=light]) .hl-keyword{color: #c678dd;}\n\
             }\n\
             :root[data-theme=dark] .hl-keyword{color: #c678dd;}\n"
        );
    }

    #[test]
    fn a_selector_list_keeps_only_the_selectors_that_can_match() {
        let rules = HighlightRules::parse(SHEET);
        let css = rules.for_html([r#"<span class="hl-string">"x"</span>"#]);
        assert_eq!(css, ".hl-string{color: #b65234;}\n");
        let css = rules.for_html([
            r#"<span class="hl-source hl-js"><span class="hl-keyword">x</span></span>"#,
        ]);
        assert!(css.contains(".hl-source.hl-js .hl-keyword{"), "{css}");
    }

    #[test]
    fn a_page_without_highlighted_code_gets_nothing() {
        let rules = HighlightRules::parse(SHEET);
        assert_eq!(rules.for_html([r#"<p class="note">no code</p>"#]), "");
        let html = r#"<span class="hl-string x">"x"</span><span class="hl-keyword hl-string">"#;
        assert_eq!(hl_classes(html), ["hl-keyword", "hl-string"]);
        assert_eq!(
            rules.for_classes(hl_classes(html).iter().map(String::as_str)),
            rules.for_html([html])
        );
    }

    #[test]
    fn text_that_would_close_the_style_element_is_never_copied() {
        let rules = HighlightRules::parse(".hl-code { content: \"</style><script>\"; }\n");
        assert_eq!(rules.for_html([r#"<code class="hl-code">"#]), "");
    }
}
