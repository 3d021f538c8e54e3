//! Diagram rule: `mermaid-error` for a Mermaid block that does not parse. Only parsed here
//! (cheap); laying the diagram out is the render stage's work, which reports the failures
//! only layout finds. The messages are the render stage's, so `check` and `build` agree.

use crate::config::{Config, MermaidRender};
use crate::diag::Diagnostic;
use crate::model::Page;
use crate::render::mermaid::parse_failure;

/// Checks every Mermaid block of one page, when diagrams are drawn at all.
pub(super) fn check(config: &Config, page: &Page, out: &mut Vec<Diagnostic>) {
    if config.mermaid.render != MermaidRender::Build {
        return;
    }
    let doc = &page.doc;
    for block in &doc.outline.code_blocks {
        let Some(code) = &block.diagram else {
            continue;
        };
        if let Some(failure) = parse_failure(code) {
            // As the render stage words each kind of failure (`render::markdown`).
            let (message, help) = if failure.code == "mermaid-unsupported" {
                (
                    format!("Mermaid diagram not drawn: {}", failure.message),
                    "the page shows its source instead; Mermaid's own renderer (in a browser) draws it",
                )
            } else {
                (
                    format!("Mermaid diagram does not render: {}", failure.message),
                    "the page shows the diagram's source instead",
                )
            };
            out.push(
                doc.source_ref()
                    .diag(
                        failure.code,
                        failure.span_in(&doc.source.text, &block.span),
                        message,
                    )
                    .with_help(help),
            );
        }
    }
}
