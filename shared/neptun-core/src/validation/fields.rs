//! Reading the fields of a body's object: the readers the body parsers share, each recording
//! zod-style issues.

use serde_json::{Map, Value};

use super::issues::{Issue, IssueCode, PathSegment, child};

/// Takes a required string field out of `obj` (no copy). Records `Required` when absent and
/// `Expected string, received ...` when it is another type; `None` then.
pub(crate) fn required_string(
    obj: &mut Map<String, Value>,
    key: &str,
    base: &[PathSegment],
    issues: &mut Vec<Issue>,
) -> Option<String> {
    match obj.get_mut(key) {
        None => {
            issues.push(Issue::required(child(base, key)));
            None
        }
        Some(Value::String(s)) => Some(std::mem::take(s)),
        Some(other) => {
            issues.push(Issue::wrong_type("string", other, child(base, key)));
            None
        }
    }
}

/// Takes an optional string field out of `obj`. Absent -> `None`; present but not a string
/// (including `null`, as zod's `.optional()`) -> an issue and `None`.
pub(crate) fn optional_string(
    obj: &mut Map<String, Value>,
    key: &str,
    base: &[PathSegment],
    issues: &mut Vec<Issue>,
) -> Option<String> {
    match obj.get_mut(key) {
        None => None,
        Some(Value::String(s)) => Some(std::mem::take(s)),
        Some(other) => {
            issues.push(Issue::wrong_type("string", other, child(base, key)));
            None
        }
    }
}

/// Empty or only white space (Unicode `White_Space` plus U+FEFF, like JavaScript's `trim`).
pub(crate) fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || c == '\u{FEFF}')
}

/// Records `too_big` when `s` has more than `max` characters (Unicode scalar values).
pub(crate) fn check_max_chars(
    s: &str,
    max: usize,
    path: impl Fn() -> Vec<PathSegment>,
    issues: &mut Vec<Issue>,
) {
    // A string of at most `max` bytes has at most `max` characters: skip counting.
    if s.len() > max && s.chars().count() > max {
        issues.push(Issue::new(
            IssueCode::TooBig,
            format!("String must contain at most {max} character(s)"),
            path(),
        ));
    }
}

/// Records `too_small` with `message` when `s` is blank.
pub(crate) fn check_not_blank(
    s: &str,
    message: &str,
    path: impl Fn() -> Vec<PathSegment>,
    issues: &mut Vec<Issue>,
) {
    if is_blank(s) {
        issues.push(Issue::new(IssueCode::TooSmall, message, path()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_detection() {
        assert!(is_blank(""));
        assert!(is_blank(" \t\r\n\u{a0}\u{3000}\u{feff}\u{2028}"));
        assert!(!is_blank(" a "));
        assert!(!is_blank("\u{200b}")); // zero-width space is not white space
    }
}
