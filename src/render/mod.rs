//! Stage 5: rendering. Temporary module file on the `render` branch; the lead's real one replaces it.
pub(crate) mod highlight;
pub(crate) mod markdown;
pub(crate) mod mermaid;
