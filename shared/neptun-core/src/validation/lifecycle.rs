//! The bodies of the chat lifecycle routes: rename (`PATCH .../chats/{chat_id}`) and delete
//! several (`DELETE .../chats`).

use serde_json::Value;

use super::MAX_BATCH;
use super::bodies::parse_chat_fields;
use super::envelope::{BodyError, parse_object};
use super::issues::{Issue, IssueCode, child};
use crate::ids::MAX_ID;

/// A valid rename: the new name, and the new model when the body names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatUpdate {
    pub name: String,
    /// `None`: the model stays as it is.
    pub model: Option<String>,
}

/// `PATCH .../chats/{chat_id}`: `{"name": string, "model"?: string}`, the rules of a create.
pub fn parse_update_chat(body: &[u8]) -> Result<ChatUpdate, BodyError> {
    let (name, model) = parse_chat_fields(body)?;
    Ok(ChatUpdate { name, model })
}

/// `DELETE .../chats`: `{"chat_ids": [id, ...]}`, 1 to [`MAX_BATCH`] ids, each a positive
/// integer below 2^53. Repeated ids count once; the order is kept.
pub fn parse_delete_chats(body: &[u8]) -> Result<Vec<u64>, BodyError> {
    let obj = parse_object(body)?;
    let path = vec!["chat_ids".into()];
    let values = match obj.get("chat_ids") {
        None => return Err(BodyError::Invalid(vec![Issue::required(path)])),
        Some(Value::Array(values)) => values,
        Some(other) => {
            return Err(BodyError::Invalid(vec![Issue::wrong_type(
                "array", other, path,
            )]));
        }
    };
    let mut issues = Vec::new();
    if values.is_empty() {
        issues.push(Issue::new(
            IssueCode::TooSmall,
            "Array must contain at least 1 element(s)",
            path.clone(),
        ));
    } else if values.len() > MAX_BATCH {
        issues.push(Issue::new(
            IssueCode::TooBig,
            format!("Array must contain at most {MAX_BATCH} element(s)"),
            path.clone(),
        ));
    }
    let mut ids = Vec::with_capacity(values.len().min(MAX_BATCH));
    for (index, value) in values.iter().take(MAX_BATCH).enumerate() {
        match value.as_u64().filter(|id| (1..=MAX_ID).contains(id)) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None if value.is_number() => issues.push(Issue::new(
                IssueCode::InvalidType,
                format!("Expected a positive integer below 2^53, received {value}"),
                child(&path, index),
            )),
            None => issues.push(Issue::wrong_type("number", value, child(&path, index))),
        }
    }
    if issues.is_empty() {
        Ok(ids)
    } else {
        Err(BodyError::Invalid(issues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(result: Result<impl std::fmt::Debug, BodyError>) -> Vec<Issue> {
        match result {
            Err(BodyError::Invalid(issues)) => issues,
            other => panic!("expected issues, got {other:?}"),
        }
    }

    #[test]
    fn a_rename_takes_a_name_and_maybe_a_model() {
        assert_eq!(
            parse_update_chat(br#"{"name": "New"}"#).ok(),
            Some(ChatUpdate {
                name: "New".into(),
                model: None
            })
        );
        assert_eq!(
            parse_update_chat(br#"{"name": "New", "model": "m", "extra": 1}"#).ok(),
            Some(ChatUpdate {
                name: "New".into(),
                model: Some("m".into())
            })
        );
        let refused = issues(parse_update_chat(br#"{"name": "  "}"#));
        assert_eq!(refused.len(), 1);
        let refused = issues(parse_update_chat(br#"{"model": 3}"#));
        assert_eq!(refused.len(), 2, "{refused:?}");
    }

    #[test]
    fn chat_ids_are_1_to_100_positive_safe_integers() {
        assert_eq!(
            parse_delete_chats(br#"{"chat_ids": [3, 1, 3]}"#).ok(),
            Some(vec![3, 1])
        );
        assert_eq!(
            issues(parse_delete_chats(br#"{"chat_ids": []}"#))[0].code,
            IssueCode::TooSmall
        );
        assert_eq!(issues(parse_delete_chats(br#"{}"#))[0].message, "Required");
        let refused = issues(parse_delete_chats(
            br#"{"chat_ids": [0, -1, 1.5, "7", 9007199254740992]}"#,
        ));
        assert_eq!(refused.len(), 5, "{refused:?}");
        let many: Vec<u64> = (1..=101).collect();
        let body = serde_json::json!({ "chat_ids": many }).to_string();
        assert_eq!(
            issues(parse_delete_chats(body.as_bytes()))[0].code,
            IssueCode::TooBig
        );
    }
}
