//! Path ids, the pagination query and opaque cursors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::issues::{Issue, IssueCode, PathSegment};
use crate::ids::MAX_ID;

/// Largest page size.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// Longest cursor accepted before decoding (real ones are far shorter).
const MAX_CURSOR_CHARS: usize = 200;
/// Version tag of the cursor payload.
const CURSOR_VERSION: &str = "c1";

/// A path id: canonical decimal digits (`^[1-9][0-9]*$`), value 1..=2^53-1.
///
/// - absent -> `invalid_type`;
/// - empty, anything but ASCII digits (sign, space, `1e3`, `0x1`), or a leading zero (`01`,
///   `00`: one resource has one URL) -> `invalid_string`;
/// - `0` -> `too_small`; above 2^53-1 -> `too_big`.
///
/// The issue path is `[name]` and the message names the parameter.
pub fn parse_path_id(name: &str, raw: Option<&str>) -> Result<u64, Issue> {
    let path = vec![PathSegment::Key(name.to_owned())];
    let Some(raw) = raw else {
        return Err(Issue::new(
            IssueCode::InvalidType,
            format!("{name} is required"),
            path,
        ));
    };
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) || raw.starts_with('0') {
        if raw == "0" {
            return Err(Issue::new(
                IssueCode::TooSmall,
                format!("{name} must be a positive integer below 2^53, got 0"),
                path,
            ));
        }
        return Err(Issue::new(
            IssueCode::InvalidString,
            format!(
                "{name} must be a positive integer below 2^53, written as decimal digits without sign, spaces or leading zeros"
            ),
            path,
        ));
    }
    match parse_id(raw) {
        Some(id) => Ok(id),
        _ => Err(Issue::new(
            IssueCode::TooBig,
            format!("{name} must be a positive integer below 2^53 (at most {MAX_ID})"),
            path,
        )),
    }
}

/// A decimal without sign or leading zeros (`0` itself aside) that fits `u64`: one spelling
/// per number, so one URL per resource or expiry.
pub fn parse_canonical_decimal(raw: &str) -> Option<u64> {
    let canonical = !raw.is_empty()
        && raw.bytes().all(|b| b.is_ascii_digit())
        && (raw == "0" || !raw.starts_with('0'));
    canonical.then(|| raw.parse().ok()).flatten()
}

/// A canonical decimal of at most [`MAX_ID`].
fn parse_id(raw: &str) -> Option<u64> {
    parse_canonical_decimal(raw).filter(|id| *id <= MAX_ID)
}

/// What a cursor is bound to: a cursor from one chat/list must not be accepted for another.
/// `chat_id` is 0 for the chats list. `list` is `"messages"`, `"files"` or `"chats"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorScope {
    pub user_id: u64,
    pub chat_id: u64,
    pub list: &'static str,
}

/// A position in a list: return the items with an id strictly after `after_id` in list order
/// (greater for the ascending message and file lists, smaller for the newest-first chats list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub after_id: u64,
}

/// A valid pagination query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<Cursor>,
}

/// The opaque cursor for `cursor` in `scope`: base64url (no padding) of
/// `c1.<list>.<user_id>.<chat_id>.<after_id>`. Not signed: it only selects a position within a
/// list the caller is already authorized for.
pub fn encode_cursor(scope: &CursorScope, cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}{}", cursor_prefix(scope), cursor.after_id))
}

fn cursor_prefix(scope: &CursorScope) -> String {
    format!(
        "{CURSOR_VERSION}.{}.{}.{}.",
        scope.list, scope.user_id, scope.chat_id
    )
}

/// The cursor if `raw` is exactly what [`encode_cursor`] makes for `scope`; `None` for anything
/// else (bad base64, padding, other version, other scope, non-canonical numbers).
pub fn decode_cursor(scope: &CursorScope, raw: &str) -> Option<Cursor> {
    if raw.len() > MAX_CURSOR_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let after = text.strip_prefix(cursor_prefix(scope).as_str())?;
    let after_id = parse_id(after)?;
    Some(Cursor { after_id })
}

/// The query of a list route. `limit`: integer 1..=1000 (issues at `["limit"]`); `cursor`:
/// from a previous response of the same list (else `custom` / `Invalid cursor` at `["cursor"]`).
/// An empty value counts as absent (`?limit=&cursor=`). Both are checked; all issues returned.
pub fn parse_page_query(
    limit: Option<&str>,
    cursor: Option<&str>,
    scope: &CursorScope,
) -> Result<PageQuery, Vec<Issue>> {
    let mut issues = Vec::new();
    let limit = limit
        .filter(|s| !s.is_empty())
        .and_then(|raw| match parse_limit(raw) {
            Ok(limit) => Some(limit),
            Err(issue) => {
                issues.push(issue);
                None
            }
        });
    let cursor = cursor
        .filter(|s| !s.is_empty())
        .and_then(|raw| match decode_cursor(scope, raw) {
            Some(cursor) => Some(cursor),
            None => {
                issues.push(Issue::new(
                    IssueCode::Custom,
                    "Invalid cursor",
                    vec!["cursor".into()],
                ));
                None
            }
        });
    if issues.is_empty() {
        Ok(PageQuery { limit, cursor })
    } else {
        Err(issues)
    }
}

/// ASCII digits (leading zeros allowed: `010` is 10), value 1..=[`MAX_PAGE_LIMIT`].
fn parse_limit(raw: &str) -> Result<u32, Issue> {
    let path = vec![PathSegment::from("limit")];
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Issue::new(
            IssueCode::InvalidType,
            format!("limit must be an integer from 1 to {MAX_PAGE_LIMIT}"),
            path,
        ));
    }
    let digits = raw.trim_start_matches('0');
    if digits.is_empty() {
        return Err(Issue::new(
            IssueCode::TooSmall,
            "Number must be greater than or equal to 1",
            path,
        ));
    }
    match digits.parse::<u32>() {
        Ok(n) if n <= MAX_PAGE_LIMIT => Ok(n),
        _ => Err(Issue::new(
            IssueCode::TooBig,
            format!("Number must be less than or equal to {MAX_PAGE_LIMIT}"),
            path,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue_json(issue: Issue) -> serde_json::Value {
        serde_json::to_value(issue).unwrap_or_default()
    }

    const MESSAGES: CursorScope = CursorScope {
        user_id: 7,
        chat_id: 42,
        list: "messages",
    };

    #[test]
    fn path_id_accepts_canonical_range() {
        assert_eq!(parse_path_id("chat_id", Some("1")), Ok(1));
        assert_eq!(parse_path_id("chat_id", Some("42")), Ok(42));
        assert_eq!(
            parse_path_id("chat_id", Some("9007199254740991")),
            Ok(MAX_ID)
        );
    }

    #[test]
    fn path_id_range_errors() {
        let zero = parse_path_id("chat_id", Some("0")).err();
        assert_eq!(
            zero.map(issue_json),
            Some(json!({
                "code": "too_small",
                "message": "chat_id must be a positive integer below 2^53, got 0",
                "path": ["chat_id"]
            }))
        );
        for big in [
            "9007199254740992",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999999",
        ] {
            let issue = parse_path_id("message_id", Some(big)).err();
            assert_eq!(
                issue.map(issue_json),
                Some(json!({
                    "code": "too_big",
                    "message": "message_id must be a positive integer below 2^53 (at most 9007199254740991)",
                    "path": ["message_id"]
                })),
                "{big}"
            );
        }
    }

    #[test]
    fn path_id_format_errors() {
        for bad in [
            "", " 1", "1 ", "01", "00", "-1", "+1", "1e3", "1.0", "0x1", "abc", "١",
        ] {
            let issue = parse_path_id("user_id", Some(bad));
            match issue {
                Err(issue) => {
                    assert_eq!(issue.code, IssueCode::InvalidString, "{bad:?}");
                    assert_eq!(issue.path, vec![PathSegment::from("user_id")]);
                    assert!(issue.message.starts_with("user_id must be"), "{bad:?}");
                }
                Ok(id) => panic!("{bad:?} accepted as {id}"),
            }
        }
        let missing = parse_path_id("chat_id", None).err();
        assert_eq!(
            missing.map(issue_json),
            Some(
                json!({"code": "invalid_type", "message": "chat_id is required", "path": ["chat_id"]})
            )
        );
    }

    #[test]
    fn cursor_round_trip() {
        for after_id in [0, 1, 12345, MAX_ID] {
            let cursor = Cursor { after_id };
            let raw = encode_cursor(&MESSAGES, &cursor);
            assert!(
                raw.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{raw}"
            );
            assert_eq!(decode_cursor(&MESSAGES, &raw), Some(cursor.clone()));
            assert_eq!(
                parse_page_query(None, Some(&raw), &MESSAGES),
                Ok(PageQuery {
                    limit: None,
                    cursor: Some(cursor)
                })
            );
        }
    }

    #[test]
    fn cursor_is_bound_to_its_scope() {
        let raw = encode_cursor(&MESSAGES, &Cursor { after_id: 5 });
        let others = [
            CursorScope {
                list: "files",
                ..MESSAGES
            },
            CursorScope {
                chat_id: 43,
                ..MESSAGES
            },
            CursorScope {
                chat_id: 4,
                ..MESSAGES
            },
            CursorScope {
                user_id: 8,
                ..MESSAGES
            },
            CursorScope {
                user_id: 0,
                chat_id: 0,
                list: "chats",
            },
        ];
        for scope in others {
            assert_eq!(decode_cursor(&scope, &raw), None, "{scope:?}");
            assert_eq!(
                parse_page_query(None, Some(&raw), &scope),
                Err(vec![Issue::new(
                    IssueCode::Custom,
                    "Invalid cursor",
                    vec!["cursor".into()]
                )])
            );
        }
    }

    #[test]
    fn malformed_cursors_are_rejected() {
        let good = encode_cursor(&MESSAGES, &Cursor { after_id: 5 });
        let forged = |payload: &str| URL_SAFE_NO_PAD.encode(payload);
        let bad = [
            format!("{good}="),
            format!("{good}A"),
            format!("{}+", &good[..good.len() - 1]),
            format!("{}/", &good[..good.len() - 1]),
            "!!!".to_owned(),
            "a".repeat(MAX_CURSOR_CHARS + 4),
            forged("c2.messages.7.42.5"),
            forged("c1.messages.7.42.05"),
            forged("c1.messages.7.42.-5"),
            forged("c1.messages.7.42."),
            forged("c1.messages.7.42.5.6"),
            forged("c1.messages.7.42.9007199254740992"),
            forged("c1.messages.07.42.5"),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ];
        for raw in bad {
            assert_eq!(decode_cursor(&MESSAGES, &raw), None, "{raw}");
        }
        assert_eq!(
            decode_cursor(&MESSAGES, &forged("c1.messages.7.42.9")),
            Some(Cursor { after_id: 9 })
        );
    }

    #[test]
    fn limit_rules() {
        let ok = |raw: &str| parse_page_query(Some(raw), None, &MESSAGES).map(|q| q.limit);
        assert_eq!(ok("1"), Ok(Some(1)));
        assert_eq!(ok("1000"), Ok(Some(1000)));
        assert_eq!(ok("010"), Ok(Some(10)));
        assert_eq!(ok(""), Ok(None));
        assert_eq!(
            parse_page_query(None, None, &MESSAGES),
            Ok(PageQuery::default())
        );
        assert_eq!(
            parse_page_query(Some(""), Some(""), &MESSAGES),
            Ok(PageQuery::default())
        );

        let code = |raw: &str| {
            parse_page_query(Some(raw), None, &MESSAGES)
                .err()
                .map(|issues| issues.into_iter().map(|i| i.code).collect::<Vec<_>>())
        };
        assert_eq!(code("0"), Some(vec![IssueCode::TooSmall]));
        assert_eq!(code("000"), Some(vec![IssueCode::TooSmall]));
        assert_eq!(code("1001"), Some(vec![IssueCode::TooBig]));
        assert_eq!(code("99999999999999999999"), Some(vec![IssueCode::TooBig]));
        for bad in ["-1", "+5", "1.5", "1e2", "ten", " 5"] {
            assert_eq!(code(bad), Some(vec![IssueCode::InvalidType]), "{bad}");
        }
    }

    #[test]
    fn page_query_reports_both_problems() {
        let issues = parse_page_query(Some("0"), Some("nope"), &MESSAGES).err();
        assert_eq!(
            issues.map(|i| serde_json::to_value(i).unwrap_or_default()),
            Some(json!([
                {"code": "too_small", "message": "Number must be greater than or equal to 1", "path": ["limit"]},
                {"code": "custom", "message": "Invalid cursor", "path": ["cursor"]}
            ]))
        );
        let issues = parse_page_query(Some("x"), None, &MESSAGES).err();
        assert_eq!(
            issues.map(|i| serde_json::to_value(i).unwrap_or_default()),
            Some(json!([
                {"code": "invalid_type", "message": "limit must be an integer from 1 to 1000", "path": ["limit"]}
            ]))
        );
    }
}
