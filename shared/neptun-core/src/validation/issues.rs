//! zod-style issues (`{code, message, path}`) and the small helpers that build them.

use serde::Serialize;
use serde_json::Value;

/// One problem found in a request, shaped like a zod issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub code: IssueCode,
    pub message: String,
    pub path: Vec<PathSegment>,
}

/// The zod issue codes this API uses (plus `invalid_json`, which zod does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    InvalidType,
    TooSmall,
    TooBig,
    InvalidEnumValue,
    InvalidLiteral,
    InvalidString,
    InvalidJson,
    Custom,
}

/// One step of an issue path: an object key or an array index.
/// Serializes untagged, so a path looks like `["messages", 2, "role"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl From<&str> for PathSegment {
    fn from(key: &str) -> Self {
        PathSegment::Key(key.to_owned())
    }
}

impl From<String> for PathSegment {
    fn from(key: String) -> Self {
        PathSegment::Key(key)
    }
}

impl From<usize> for PathSegment {
    fn from(index: usize) -> Self {
        PathSegment::Index(index)
    }
}

impl std::fmt::Display for PathSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathSegment::Key(key) => f.write_str(key),
            PathSegment::Index(index) => write!(f, "{index}"),
        }
    }
}

impl Issue {
    pub fn new(code: IssueCode, message: impl Into<String>, path: Vec<PathSegment>) -> Self {
        Issue {
            code,
            message: message.into(),
            path,
        }
    }

    /// `invalid_type` / `Required`: a required value is absent.
    pub fn required(path: Vec<PathSegment>) -> Self {
        Issue::new(IssueCode::InvalidType, "Required", path)
    }

    /// `invalid_type` with zod's wording, e.g. `Expected string, received number`.
    pub fn wrong_type(expected: &str, received: &Value, path: Vec<PathSegment>) -> Self {
        Self::wrong_type_named(expected, received_name(received), path)
    }

    /// [`Issue::wrong_type`] of a value known by its type's name only.
    pub fn wrong_type_named(expected: &str, received: &str, path: Vec<PathSegment>) -> Self {
        Issue::new(
            IssueCode::InvalidType,
            format!("Expected {expected}, received {received}"),
            path,
        )
    }
}

/// zod's name for the type of a parsed JSON value (`ctx.parsedType`).
pub fn received_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Renders a path the way a JavaScript developer would write it: `messages[2].content`.
pub fn display_path(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            PathSegment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            PathSegment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// `base` followed by `extra`.
pub(crate) fn child(base: &[PathSegment], extra: impl Into<PathSegment>) -> Vec<PathSegment> {
    let mut path = Vec::with_capacity(base.len() + 1);
    path.extend_from_slice(base);
    path.push(extra.into());
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issue_serializes_in_zod_shape() {
        let issue = Issue::new(
            IssueCode::InvalidEnumValue,
            "bad",
            vec!["messages".into(), 2usize.into(), "role".into()],
        );
        assert_eq!(
            serde_json::to_value(&issue).ok(),
            Some(
                json!({"code": "invalid_enum_value", "message": "bad", "path": ["messages", 2, "role"]})
            )
        );
    }

    #[test]
    fn codes_serialize_snake_case() {
        let codes = [
            (IssueCode::InvalidType, "invalid_type"),
            (IssueCode::TooSmall, "too_small"),
            (IssueCode::TooBig, "too_big"),
            (IssueCode::InvalidEnumValue, "invalid_enum_value"),
            (IssueCode::InvalidLiteral, "invalid_literal"),
            (IssueCode::InvalidString, "invalid_string"),
            (IssueCode::InvalidJson, "invalid_json"),
            (IssueCode::Custom, "custom"),
        ];
        for (code, name) in codes {
            assert_eq!(serde_json::to_value(code).ok(), Some(json!(name)));
        }
    }

    #[test]
    fn received_names_match_zod() {
        assert_eq!(received_name(&json!(null)), "null");
        assert_eq!(received_name(&json!(true)), "boolean");
        assert_eq!(received_name(&json!(1.5)), "number");
        assert_eq!(received_name(&json!("x")), "string");
        assert_eq!(received_name(&json!([])), "array");
        assert_eq!(received_name(&json!({})), "object");
    }

    #[test]
    fn display_path_reads_like_javascript() {
        let path: Vec<PathSegment> = vec!["messages".into(), 2usize.into(), "content".into()];
        assert_eq!(display_path(&path), "messages[2].content");
        assert_eq!(display_path(&["message".into()]), "message");
        assert_eq!(display_path(&[]), "");
    }
}
