//! The bodies and the path parameter of the share routes: a share's settings
//! (`POST .../chats/{chat_id}/shares`), its whitelist (`POST .../whitelist-entries`) and the
//! share uuid of the public read (`GET /api/shared/chats/{share_uuid}`).

use serde_json::{Map, Value};

use super::envelope::{BodyError, into_object};
use super::fields::{check_max_chars, is_blank};
use super::issues::{Issue, IssueCode, PathSegment};
use crate::shares::password::MAX_PASSWORD_CHARS;

/// Most emails on one share's whitelist.
pub const MAX_WHITELIST: usize = 100;
/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A valid `POST .../shares`: what the share becomes.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareSettings {
    pub is_shared: bool,
    pub is_protected: bool,
    /// The plain password (the contract's `hashed_password`), `None` for none.
    pub password: Option<String>,
}

impl std::fmt::Debug for ShareSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareSettings")
            .field("is_shared", &self.is_shared)
            .field("is_protected", &self.is_protected)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `{"is_shared"?: bool (true), "is_protected"?: bool (false), "hashed_password"?: string |
/// null}`; a blank or `null` password is none, a longer one than [`MAX_PASSWORD_CHARS`] an
/// issue.
pub fn parse_share_settings(body: Value) -> Result<ShareSettings, BodyError> {
    let mut obj = into_object(body)?;
    let mut issues = Vec::new();
    let is_shared = optional_bool(&obj, "is_shared", true, &mut issues);
    let is_protected = optional_bool(&obj, "is_protected", false, &mut issues);
    let password = match obj.get_mut("hashed_password") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            check_max_chars(
                text,
                MAX_PASSWORD_CHARS,
                || vec!["hashed_password".into()],
                &mut issues,
            );
            (!is_blank(text)).then(|| std::mem::take(text))
        }
        Some(other) => {
            issues.push(Issue::wrong_type(
                "string",
                other,
                vec!["hashed_password".into()],
            ));
            None
        }
    };
    if issues.is_empty() {
        Ok(ShareSettings {
            is_shared,
            is_protected,
            password,
        })
    } else {
        Err(BodyError::Invalid(issues))
    }
}

fn optional_bool(
    obj: &Map<String, Value>,
    key: &str,
    default: bool,
    issues: &mut Vec<Issue>,
) -> bool {
    match obj.get(key) {
        None => default,
        Some(Value::Bool(value)) => *value,
        Some(other) => {
            issues.push(Issue::wrong_type("boolean", other, vec![key.into()]));
            default
        }
    }
}

/// `[email, ...]`: 1 to [`MAX_WHITELIST`] emails, each trimmed and lowercased, repeats (after
/// that) listed once, in the order first given.
pub fn parse_whitelist(body: Value) -> Result<Vec<String>, BodyError> {
    let items = match body {
        Value::Array(items) => items,
        other => {
            return Err(BodyError::Invalid(vec![Issue::wrong_type(
                "array",
                &other,
                Vec::new(),
            )]));
        }
    };
    let mut issues = Vec::new();
    if items.is_empty() {
        issues.push(Issue::new(
            IssueCode::TooSmall,
            "Array must contain at least 1 element(s)",
            Vec::new(),
        ));
    }
    if items.len() > MAX_WHITELIST {
        issues.push(Issue::new(
            IssueCode::TooBig,
            format!("Array must contain at most {MAX_WHITELIST} element(s)"),
            Vec::new(),
        ));
    }
    let mut emails: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate().take(MAX_WHITELIST) {
        let path = vec![PathSegment::Index(index)];
        let Value::String(text) = item else {
            issues.push(Issue::wrong_type("string", item, path));
            continue;
        };
        match normalize_email(text) {
            Some(email) if !emails.contains(&email) => emails.push(email),
            Some(_) => {}
            None => issues.push(Issue::new(IssueCode::InvalidString, "Invalid email", path)),
        }
    }
    if issues.is_empty() {
        Ok(emails)
    } else {
        Err(BodyError::Invalid(issues))
    }
}

/// `text` trimmed and lowercased, if it is an email address: one `@` between a non-empty
/// local part and a domain of dot-separated labels, no white space or control characters,
/// at most [`MAX_EMAIL_CHARS`] characters.
pub fn normalize_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && c != '@')
    };
    let labels_ok = domain.split('.').count() >= 2 && domain.split('.').all(plain);
    (plain(local) && labels_ok && email.chars().count() <= MAX_EMAIL_CHARS).then_some(email)
}

/// A share uuid as the web app makes them (`gen_random_uuid()`): 8-4-4-4-12 hexadecimal
/// digits, lowercased; anything else is no share.
pub fn parse_share_uuid(raw: &str) -> Option<String> {
    let groups: Vec<&str> = raw.split('-').collect();
    let lengths_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
    let hex_ok = groups
        .iter()
        .all(|group| group.bytes().all(|b| b.is_ascii_hexdigit()));
    (lengths_ok && hex_ok).then(|| raw.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::envelope::from_json;

    // The tests give JSON bytes, as a route with a JSON body reads them.
    fn parse_share_settings(body: &[u8]) -> Result<ShareSettings, BodyError> {
        from_json(body, super::parse_share_settings)
    }

    fn parse_whitelist(body: &[u8]) -> Result<Vec<String>, BodyError> {
        from_json(body, super::parse_whitelist)
    }

    fn issues(result: Result<impl std::fmt::Debug, BodyError>) -> Vec<(String, String)> {
        match result {
            Err(BodyError::Invalid(issues)) => issues
                .into_iter()
                .map(|i| (super::super::display_path(&i.path), i.message))
                .collect(),
            other => panic!("expected issues, got {other:?}"),
        }
    }

    #[test]
    fn settings_default_to_a_public_share_without_password() {
        let settings = parse_share_settings(b"{}").expect("valid");
        assert!(settings.is_shared && !settings.is_protected);
        assert_eq!(settings.password, None);
        for blank in [
            r#"{"hashed_password": null}"#,
            r#"{"hashed_password": "  "}"#,
        ] {
            let settings = parse_share_settings(blank.as_bytes()).expect("valid");
            assert_eq!(settings.password, None, "{blank}");
        }
    }

    #[test]
    fn the_password_is_kept_as_typed_and_never_shown_in_debug() {
        let settings =
            parse_share_settings(br#"{"is_protected": true, "hashed_password": " s3cret "}"#)
                .expect("valid");
        assert_eq!(settings.password.as_deref(), Some(" s3cret "));
        assert!(!format!("{settings:?}").contains("s3cret"));
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        let body =
            format!(r#"{{"is_shared": 1, "is_protected": "yes", "hashed_password": "{long}"}}"#);
        assert_eq!(
            issues(parse_share_settings(body.as_bytes())),
            vec![
                (
                    "is_shared".to_owned(),
                    "Expected boolean, received number".to_owned()
                ),
                (
                    "is_protected".to_owned(),
                    "Expected boolean, received string".to_owned()
                ),
                (
                    "hashed_password".to_owned(),
                    format!("String must contain at most {MAX_PASSWORD_CHARS} character(s)")
                ),
            ]
        );
    }

    #[test]
    fn whitelists_are_trimmed_lowercased_and_listed_once() {
        let emails =
            parse_whitelist(br#"[" Ada@Example.COM", "ada@example.com ", "bob@example.org"]"#)
                .expect("valid");
        assert_eq!(emails, ["ada@example.com", "bob@example.org"]);
    }

    #[test]
    fn a_whitelist_must_hold_1_to_100_emails() {
        assert_eq!(
            issues(parse_whitelist(b"[]")),
            [(
                String::new(),
                "Array must contain at least 1 element(s)".to_owned()
            )]
        );
        let many: Vec<String> = (0..=MAX_WHITELIST)
            .map(|n| format!("u{n}@example.com"))
            .collect();
        let body = serde_json::to_vec(&many).expect("json");
        assert_eq!(
            issues(parse_whitelist(&body)),
            [(
                String::new(),
                "Array must contain at most 100 element(s)".to_owned()
            )]
        );
        assert_eq!(
            issues(parse_whitelist(br#"{"emails": []}"#)),
            [(String::new(), "Expected array, received object".to_owned())]
        );
    }

    #[test]
    fn what_is_no_email_is_named_by_its_index() {
        assert_eq!(
            issues(parse_whitelist(
                br#"["ok@example.com", "no-at", 7, "a@b", "a b@c.de", "@c.de"]"#
            )),
            vec![
                ("[1]".to_owned(), "Invalid email".to_owned()),
                (
                    "[2]".to_owned(),
                    "Expected string, received number".to_owned()
                ),
                ("[3]".to_owned(), "Invalid email".to_owned()),
                ("[4]".to_owned(), "Invalid email".to_owned()),
                ("[5]".to_owned(), "Invalid email".to_owned()),
            ]
        );
    }

    #[test]
    fn share_uuids_are_canonical_lowercase() {
        assert_eq!(
            parse_share_uuid("0B6F3A52-8F0E-4C5A-9D8E-2F1B7C3D4E5F").as_deref(),
            Some("0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f")
        );
        for bad in [
            "",
            "0b6f3a528f0e4c5a9d8e2f1b7c3d4e5f",
            "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5",
            "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5g",
            "{0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f}",
        ] {
            assert_eq!(parse_share_uuid(bad), None, "{bad:?}");
        }
    }
}
