//! What wraps every body: its size (413), its media type (415), and its bytes turned into one
//! object for the body parsers.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::budget;
use super::issues::{Issue, IssueCode};
use super::{MAX_BODY_BYTES, MAX_TEXT_BYTES};

/// Why a create body was rejected.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// 400 with `data.issues`: every problem found in the body.
    #[error("invalid body")]
    Invalid(Vec<Issue>),
    /// 413: `limit` is a sentence naming the limit that was exceeded (and where).
    #[error("{limit}")]
    TooLarge { limit: String },
}

/// The whole request body may be at most `max` bytes (a route's limit, never above
/// [`MAX_BODY_BYTES`]); beyond that a 413.
pub fn check_body_size(len: usize, max: usize) -> Result<(), BodyError> {
    let max = max.min(MAX_BODY_BYTES);
    if len > max {
        let size = if max.is_multiple_of(1024 * 1024) {
            format!("{} MiB", max / (1024 * 1024))
        } else {
            format!("{} KiB", max / 1024)
        };
        return Err(BodyError::TooLarge {
            limit: format!(
                "A request body of this route may be at most {max} bytes ({size}); this one has {len}."
            ),
        });
    }
    Ok(())
}

/// 413 for a message or file text over [`MAX_TEXT_BYTES`]. `what` is "message" or "file",
/// `location` where the text is (`messages[2].content`).
pub(crate) fn text_too_large(what: &str, location: &str, len: usize) -> BodyError {
    BodyError::TooLarge {
        limit: format!(
            "A {what} text may be at most {MAX_TEXT_BYTES} bytes (256 KiB) of UTF-8; {location} has {len}."
        ),
    }
}

/// Longest rejected value echoed back in a message (a `Content-Type`, an enum value).
pub(crate) const MAX_ECHO_CHARS: usize = 64;

/// How a body is encoded, as its `Content-Type` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    /// `application/x-www-form-urlencoded`: what the Neptun CLI posts (httpx `data=`), and
    /// what h3's `readBody` turns into an object of strings.
    Form,
}

/// The body's format from its `Content-Type`: JSON (`application/json` or any
/// `type/subtype+json`) or a form, case-insensitive, parameters (`; charset=utf-8`) allowed.
/// Absent is JSON (h3 does not insist). `Err` carries the message for a 415.
pub fn body_format(value: Option<&http::HeaderValue>) -> Result<BodyFormat, String> {
    let Some(value) = value else {
        return Ok(BodyFormat::Json);
    };
    let Ok(text) = value.to_str() else {
        return Err(format!(
            "{ACCEPTED_TYPES}, got a value that is not plain ASCII"
        ));
    };
    let essence = text.split(';').next().unwrap_or_default().trim();
    if is_json_media_type(essence) {
        return Ok(BodyFormat::Json);
    }
    if essence.eq_ignore_ascii_case(FORM_MEDIA_TYPE) {
        return Ok(BodyFormat::Form);
    }
    let shown = if text.trim().is_empty() {
        "an empty value".to_owned()
    } else {
        truncate_chars(text.trim(), MAX_ECHO_CHARS)
    };
    Err(format!("{ACCEPTED_TYPES}, got {shown}"))
}

const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";
const ACCEPTED_TYPES: &str =
    "Content-Type must be application/json or application/x-www-form-urlencoded";

fn is_json_media_type(essence: &str) -> bool {
    if essence.eq_ignore_ascii_case("application/json") {
        return true;
    }
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let lower = subtype.to_ascii_lowercase();
    let Some(prefix) = lower.strip_suffix("+json") else {
        return false;
    };
    is_token(kind) && is_token(prefix)
}

/// RFC 9110 `token`, non-empty: visible ASCII without separators (also what RFC 6265 allows
/// as a cookie name).
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

/// Parses a JSON body into one value.
///
/// - over [`MAX_BODY_BYTES`] -> 413;
/// - empty (or only JSON white space) -> `invalid_type` / `Required` at `[]`;
/// - not UTF-8 or not JSON -> one `invalid_json` issue at `[]` naming the position.
///
/// A leading UTF-8 byte order mark is ignored (RFC 8259 allows that).
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, BodyError> {
    parse_json_as(body)
}

/// [`parse_json`] into `T`, after the same checks.
pub(crate) fn parse_json_as<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    check_body_size(body.len(), MAX_BODY_BYTES)?;
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|e| {
        invalid(Issue::new(
            IssueCode::InvalidJson,
            format!(
                "Invalid JSON: the body is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ),
            Vec::new(),
        ))
    })?;
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Err(invalid(Issue::required(Vec::new())));
    }
    budget::check_json_values(text, budget::MAX_JSON_VALUES)?;
    // serde_json's recursion limit (128) turns deep nesting into an error, not a stack overflow;
    // numbers beyond f64 are an error too ("number out of range").
    serde_json::from_str(text).map_err(|e| {
        invalid(Issue::new(
            IssueCode::InvalidJson,
            format!("Invalid JSON: {e}"),
            Vec::new(),
        ))
    })
}

/// The body as one value: JSON as [`parse_json`] reads it, a form as h3's `readBody` does
/// (`URLSearchParams`: `+` is a space, percent escapes are UTF-8 with invalid sequences
/// replaced, one leading `?` dropped): an object of strings, where a repeated key becomes the
/// array of its values in order.
pub fn decode_body(format: BodyFormat, body: &[u8]) -> Result<Value, BodyError> {
    match format {
        BodyFormat::Json => parse_json(body),
        BodyFormat::Form => {
            check_body_size(body.len(), MAX_BODY_BYTES)?;
            budget::check_form_pairs(body, budget::MAX_FORM_PAIRS)?;
            Ok(Value::Object(parse_form(body)))
        }
    }
}

fn parse_form(body: &[u8]) -> Map<String, Value> {
    let body = body.strip_prefix(b"?").unwrap_or(body);
    let mut form = Map::new();
    for (key, value) in form_urlencoded::parse(body) {
        let value = Value::String(value.into_owned());
        match form.get_mut(key.as_ref()) {
            None => {
                form.insert(key.into_owned(), value);
            }
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
        }
    }
    form
}

/// A decoded body that must be one object (`invalid_type` / `Expected object, received ...`).
pub(crate) fn into_object(body: Value) -> Result<Map<String, Value>, BodyError> {
    match body {
        Value::Object(map) => Ok(map),
        other => Err(invalid(Issue::wrong_type("object", &other, Vec::new()))),
    }
}

/// A JSON body through a parser, as a route with a JSON body reads it (for the parsers' tests).
#[cfg(test)]
pub(crate) fn from_json<T>(
    body: &[u8],
    parse: fn(Value) -> Result<T, BodyError>,
) -> Result<T, BodyError> {
    parse(parse_json(body)?)
}

fn invalid(issue: Issue) -> BodyError {
    BodyError::Invalid(vec![issue])
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use serde_json::json;

    fn parse_object(body: &[u8]) -> Result<Map<String, Value>, BodyError> {
        into_object(parse_json(body)?)
    }

    fn issues_of(result: Result<Map<String, Value>, BodyError>) -> Value {
        match result {
            Err(BodyError::Invalid(issues)) => serde_json::to_value(issues).unwrap_or_default(),
            Err(other) => panic!("expected invalid, got {other:?}"),
            Ok(map) => panic!("expected invalid, got {map:?}"),
        }
    }

    #[test]
    fn object_body_parses() {
        let map = parse_object(br#"{"a": 1}"#).ok();
        assert_eq!(map.and_then(|m| m.get("a").cloned()), Some(json!(1)));
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        assert!(parse_object(b"\xEF\xBB\xBF{}").is_ok());
    }

    #[test]
    fn empty_body_is_required() {
        for body in [&b""[..], b"  \n\t "] {
            assert_eq!(
                issues_of(parse_object(body)),
                json!([{"code": "invalid_type", "message": "Required", "path": []}])
            );
        }
    }

    #[test]
    fn non_object_json_is_invalid_type() {
        let cases = [
            ("[]", "array"),
            ("\"x\"", "string"),
            ("null", "null"),
            ("42", "number"),
            ("true", "boolean"),
        ];
        for (body, received) in cases {
            assert_eq!(
                issues_of(parse_object(body.as_bytes())),
                json!([{
                    "code": "invalid_type",
                    "message": format!("Expected object, received {received}"),
                    "path": []
                }]),
                "{body}"
            );
        }
    }

    #[test]
    fn invalid_json_names_the_position() {
        assert_eq!(
            issues_of(parse_object(b"{\"a\": }")),
            json!([{
                "code": "invalid_json",
                "message": "Invalid JSON: expected value at line 1 column 7",
                "path": []
            }])
        );
        let trailing = issues_of(parse_object(b"{} x"));
        assert_eq!(trailing[0]["code"], "invalid_json");
        assert!(
            trailing[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("line 1 column 4"))
        );
    }

    #[test]
    fn non_utf8_is_invalid_json() {
        assert_eq!(
            issues_of(parse_object(b"{\"a\": \"\xff\"}")),
            json!([{
                "code": "invalid_json",
                "message": "Invalid JSON: the body is not valid UTF-8 (at byte 7)",
                "path": []
            }])
        );
    }

    #[test]
    fn deep_nesting_is_invalid_json_not_a_panic() {
        let depth = 100_000;
        let mut body = String::from("{\"a\":");
        body.push_str(&"[".repeat(depth));
        body.push_str(&"]".repeat(depth));
        body.push('}');
        let issues = issues_of(parse_object(body.as_bytes()));
        assert_eq!(issues[0]["code"], "invalid_json");
        assert!(
            issues[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("recursion limit"))
        );
    }

    #[test]
    fn huge_numbers_do_not_panic() {
        // Beyond u64 but within f64: a number.
        assert!(parse_object(b"{\"a\": 123456789012345678901234567890}").is_ok());
        // Beyond f64: serde_json reports it as a JSON error.
        let issues = issues_of(parse_object(b"{\"a\": 1e400}"));
        assert_eq!(issues[0]["code"], "invalid_json");
    }

    #[test]
    fn body_size_limit() {
        assert!(check_body_size(MAX_BODY_BYTES, MAX_BODY_BYTES).is_ok());
        match check_body_size(MAX_BODY_BYTES + 1, MAX_BODY_BYTES) {
            Err(BodyError::TooLarge { limit }) => {
                assert_eq!(
                    limit,
                    "A request body of this route may be at most 3145728 bytes (3 MiB); this one has 3145729."
                );
            }
            other => panic!("expected too large, got {other:?}"),
        }
        // A route's own limit, never above the largest.
        assert!(check_body_size(16 * 1024, 16 * 1024).is_ok());
        match check_body_size(16 * 1024 + 1, 16 * 1024) {
            Err(BodyError::TooLarge { limit }) => assert!(limit.contains("(16 KiB)"), "{limit}"),
            other => panic!("expected too large, got {other:?}"),
        }
        assert!(check_body_size(MAX_BODY_BYTES + 1, usize::MAX).is_err());
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(matches!(
            parse_object(&big),
            Err(BodyError::TooLarge { .. })
        ));
    }

    #[test]
    fn content_type_names_the_format() {
        assert_eq!(body_format(None), Ok(BodyFormat::Json));
        for json in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            " application/json ",
            "application/vnd.api+json",
            "application/merge-patch+JSON; charset=utf-8",
            "text/x.custom+json",
        ] {
            let value = HeaderValue::from_static(json);
            assert_eq!(body_format(Some(&value)), Ok(BodyFormat::Json), "{json}");
        }
        for form in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-URLEncoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "application/x-www-form-urlencoded;charset=ISO-8859-1",
        ] {
            let value = HeaderValue::from_static(form);
            assert_eq!(body_format(Some(&value)), Ok(BodyFormat::Form), "{form}");
        }
    }

    #[test]
    fn content_type_rejects_others() {
        let value = HeaderValue::from_static("text/plain");
        assert_eq!(
            body_format(Some(&value)),
            Err(format!("{ACCEPTED_TYPES}, got text/plain"))
        );
        for bad in [
            "",
            "application/jsonx",
            "application/x-www-form-urlencodedx",
            "multipart/form-data; boundary=x",
            "+json",
            "/+json",
            "application/+json",
            "text/json",
            "application",
        ] {
            let value = HeaderValue::from_static(bad);
            assert!(body_format(Some(&value)).is_err(), "{bad:?}");
        }
        let value = HeaderValue::from_static("");
        assert_eq!(
            body_format(Some(&value)),
            Err(format!("{ACCEPTED_TYPES}, got an empty value"))
        );
        let opaque = HeaderValue::from_bytes(b"application/\xffjson");
        if let Ok(opaque) = opaque {
            assert!(body_format(Some(&opaque)).is_err());
        }
        let long = format!("text/{}", "a".repeat(500));
        if let Ok(long) = HeaderValue::from_str(&long) {
            let message = body_format(Some(&long)).err().unwrap_or_default();
            assert!(message.chars().count() < 200, "{message}");
            assert!(message.ends_with('…'));
        }
    }

    fn form(body: &str) -> Value {
        decode_body(BodyFormat::Form, body.as_bytes()).unwrap_or_default()
    }

    #[test]
    fn form_decodes_as_url_search_params() {
        assert_eq!(
            form("model=gpt-4o&name=My+chat%21"),
            json!({"model": "gpt-4o", "name": "My chat!"})
        );
        // A leading `?` is dropped, empty pairs are skipped, a key without `=` is "".
        assert_eq!(form("?a=1&&b"), json!({"a": "1", "b": ""}));
        assert_eq!(form(""), json!({}));
        // Escapes are UTF-8; a broken sequence becomes U+FFFD, as in the web app.
        assert_eq!(form("t=%C3%A9%FF"), json!({"t": "é\u{FFFD}"}));
        // Everything is a string: numbers and booleans stay text for the validation to judge.
        assert_eq!(
            form("chat_ids=1&is_shared=true"),
            json!({"chat_ids": "1", "is_shared": "true"})
        );
    }

    #[test]
    fn repeated_form_keys_become_arrays_as_in_h3() {
        assert_eq!(
            form("chat_ids=1&x=y&chat_ids=2&chat_ids=3"),
            json!({"chat_ids": ["1", "2", "3"], "x": "y"})
        );
    }

    #[test]
    fn form_body_size_limit() {
        let big = vec![b'a'; MAX_BODY_BYTES + 1];
        assert!(matches!(
            decode_body(BodyFormat::Form, &big),
            Err(BodyError::TooLarge { .. })
        ));
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "abc…");
        assert_eq!(truncate_chars("ééé", 2), "éé…");
    }
}
