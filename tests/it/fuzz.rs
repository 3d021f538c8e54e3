//! The fuzz targets' entry points (`rb_site::fuzzing`, run by cargo-fuzz in `fuzz/` on nightly)
//! over arbitrary bytes on stable, for a few seconds in every `cargo test`: none may panic.
//! Inputs are bytes and text shaped like each format, so cases reach past the first parse error.

use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text made of a format's own pieces, joined at random, plus arbitrary characters.
fn shaped(pieces: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => proptest::sample::select(pieces).prop_map(|p| p.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

const MARKDOWN: &[&str] = &[
    "---\n",
    "+++\n",
    "title: x\n",
    "alerts: [A]\n",
    "last_reviewed: 2026-01-01\n",
    "# T\n",
    "## Steps\n",
    "## a\n",
    "1. step\n",
    "- [ ] x\n",
    "```bash\n",
    "```mermaid\n",
    "```\n",
    "graph TD\nA-->B\n",
    "<div>",
    "</div>",
    "<zz",
    "<pod-name>",
    "[l](x.md#a)",
    "[l](#a)",
    "> [!NOTE]\n",
    "| a | b |\n|---|---|\n",
    "{#id}",
    "\n",
    " ",
    "&",
    "\"",
    "*",
    "`",
];

const YAML: &[&str] = &[
    "groups:\n",
    "- name: g\n",
    "  rules:\n",
    "  - alert: A\n",
    "    expr: up == 0\n",
    "    for: 5m\n",
    "    labels:\n",
    "      severity: critical\n",
    "    annotations:\n",
    "      runbook_url: https://x/a\n",
    "&a [*a, *a]\n",
    "{{ $labels.x }}",
    "!!binary",
    "'",
    "\"",
    ": ",
    "\n",
    "  ",
    "- ",
    "? ",
    "|\n",
    ">\n",
];

const TOML: &[&str] = &[
    "[book]\n",
    "title = \"x\"\n",
    "[mermaid]\n",
    "timeout = 5\n",
    "timeout = 0\n",
    "[validate.levels]\n",
    "broken-link = \"off\"\n",
    "[kinds.k]\n",
    "required-sections = []\n",
    "[search.boosts]\n",
    "title = 2\n",
    "base-url = \"https://x/\"\n",
    "[[a]]\n",
    "=",
    "\"",
    "\n",
    "1e400",
    "nan",
];

const URL: &[&str] = &[
    "/",
    "/db",
    "/db/",
    "failover",
    "index.html",
    "%2e%2e",
    "..",
    "%2f",
    "%5c",
    "%00",
    "%ff",
    "?q=1",
    "#x",
    "__rb",
    "/events",
    "//",
    "./",
    "%",
    "\\",
];

/// Pieces of Mermaid: diagram kinds, nodes, edges of every arrow, subgraphs, activations.
const MERMAID: &[&str] = &[
    "graph TD\n",
    "flowchart LR\n",
    "sequenceDiagram\n",
    "stateDiagram-v2\n",
    "classDiagram\n",
    "A-->B\n",
    "A --> B{Is it?}\n",
    "B -- yes --> C[(db)]\n",
    "C -.-> D((x))\n",
    "subgraph s\n",
    "end\n",
    "participant VM\n",
    "A->>+VM: call\n",
    "VM-->>-A: ok\n",
    "Note over A: n\n",
    "[*] --> S1\n",
    "%% comment\n",
    "classDef c fill:#f00\n",
    "click A \"javascript:x\"\n",
    "\"",
    "[",
    "]",
    "(",
    "{",
    "|",
    ";",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn front_matter_never_panics(bytes in shaped(MARKDOWN)) {
        rb_site::fuzzing::front_matter(&bytes);
    }

    #[test]
    fn page_never_panics(bytes in shaped(MARKDOWN)) {
        rb_site::fuzzing::page(&bytes);
    }

    #[test]
    fn mermaid_never_panics(bytes in shaped(MERMAID)) {
        rb_site::fuzzing::mermaid(&bytes);
    }

    #[test]
    fn rule_file_never_panics(bytes in shaped(YAML)) {
        rb_site::fuzzing::rule_file(&bytes);
    }

    #[test]
    fn book_toml_never_panics(bytes in shaped(TOML)) {
        rb_site::fuzzing::book_toml(&bytes);
    }

    #[test]
    fn request_path_never_panics(bytes in shaped(URL)) {
        rb_site::fuzzing::request_path(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        rb_site::fuzzing::front_matter(&bytes);
        rb_site::fuzzing::page(&bytes);
        rb_site::fuzzing::mermaid(&bytes);
        rb_site::fuzzing::rule_file(&bytes);
        rb_site::fuzzing::book_toml(&bytes);
        rb_site::fuzzing::request_path(&bytes);
    }
}
