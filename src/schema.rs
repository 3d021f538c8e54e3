//! JSON Schemas (draft 2020-12) of the front matter and of `book.toml`, for editors and CI.
//!
//! Both are derived (`schemars`) from the types the parser fills: [`crate::model::FrontMatter`]
//! and the `book.toml` structs in [`crate::config`], so a field added there appears here. The
//! front matter is read field by field ([`crate::frontmatter`]), more loosely than its typed
//! value (a title may be a number, a list may be one string): the `schema_with` functions beside
//! the type describe what that reader accepts.

use schemars::{JsonSchema, Schema};

/// Which schema to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// The front matter of a runbook (YAML or TOML).
    FrontMatter,
    /// `book.toml`.
    Book,
}

/// The schema as pretty-printed JSON with a final newline.
pub fn render(kind: SchemaKind) -> String {
    let schema = match kind {
        SchemaKind::FrontMatter => schema_of::<crate::model::FrontMatter>(),
        SchemaKind::Book => schema_of::<crate::config::RawConfig>(),
    };
    let mut schema = schema;
    if let Some(map) = schema.as_object_mut() {
        map.values_mut().for_each(drop_null_defaults);
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// `"default": null` (an absent optional field) tells an editor nothing, and contradicts the
/// field's type where null is not accepted.
fn drop_null_defaults(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("default") == Some(&serde_json::Value::Null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null_defaults);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_null_defaults),
        _ => {}
    }
}

fn schema_of<T: JsonSchema>() -> Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(kind: SchemaKind) -> serde_json::Value {
        let schema: serde_json::Value = serde_json::from_str(&render(kind)).expect("json");
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        schema["properties"].clone()
    }

    /// The reader matches keys by name (`frontmatter::KNOWN_FIELDS`); the schema comes from the
    /// typed struct. Both must name the same fields.
    #[test]
    fn front_matter_schema_names_exactly_the_fields_the_reader_knows() {
        let properties = properties(SchemaKind::FrontMatter);
        let mut names: Vec<&str> = properties
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        let mut known = crate::frontmatter::KNOWN_FIELDS.to_vec();
        known.sort_unstable();
        assert_eq!(names, known);
    }

    #[test]
    fn book_schema_has_every_table_and_denies_unknown_keys() {
        let schema: serde_json::Value =
            serde_json::from_str(&render(SchemaKind::Book)).expect("json");
        assert_eq!(schema["additionalProperties"], false);
        let tables: Vec<&str> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tables,
            [
                "alerts", "book", "build", "kinds", "markdown", "mermaid", "paths", "search",
                "sections", "serve", "validate"
            ]
        );
    }
}
