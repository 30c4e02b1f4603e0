//! The bodies of the chat lifecycle routes: update (`PATCH .../chats/{chat_id}`: rename,
//! move) and delete several or all (`DELETE .../chats`, `DELETE .../projects/{p}/chats`).

use crate::ids::{ChatId, ProjectId};
use serde_json::{Map, Value};

use super::MAX_BATCH;
use super::bodies::{check_model, check_name};
use super::envelope::{BodyError, into_object};
use super::fields::{optional_string, required_string};
use super::issues::{Issue, IssueCode, PathSegment, child};
use crate::ids::MAX_ID;

/// A valid `PATCH .../chats/{chat_id}`: what changes. At least the name, or the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatUpdate {
    /// `None`: the name stays as it is.
    pub name: Option<String>,
    /// `None`: the model stays as it is.
    pub model: Option<String>,
    /// `None`: the chat stays where it is; `Some(None)`: out of its project;
    /// `Some(Some(project))`: into that project.
    pub project: Option<Option<ProjectId>>,
}

impl ChatUpdate {
    /// A rename (and a new model, if given) that leaves the project as it is.
    pub fn rename(name: impl Into<String>, model: Option<String>) -> Self {
        Self {
            name: Some(name.into()),
            model,
            project: None,
        }
    }

    /// A move into a project, or out of any (`None`).
    pub fn moving_to(project: Option<ProjectId>) -> Self {
        Self {
            name: None,
            model: None,
            project: Some(project),
        }
    }
}

/// `PATCH .../chats/{chat_id}`: `{"name"?: string, "model"?: string, "project_id"?: id | null}`,
/// `name` and `model` with the rules of a create. `name` is required unless the body moves the
/// chat (`project_id`), so every valid body changes something.
pub fn parse_update_chat(body: Value) -> Result<ChatUpdate, BodyError> {
    let mut obj = into_object(body)?;
    let mut issues = Vec::new();
    let project = project_field(&obj, &mut issues);
    let name = if obj.contains_key("project_id") {
        optional_string(&mut obj, "name", &[], &mut issues)
    } else {
        required_string(&mut obj, "name", &[], &mut issues)
    };
    if let Some(name) = &name {
        check_name(name, &mut issues);
    }
    let model = optional_string(&mut obj, "model", &[], &mut issues);
    if let Some(model) = &model {
        check_model(model, &mut issues);
    }
    if issues.is_empty() {
        Ok(ChatUpdate {
            name,
            model,
            project,
        })
    } else {
        Err(BodyError::Invalid(issues))
    }
}

/// `project_id`: absent (stays), `null` (out of its project) or a project id.
fn project_field(obj: &Map<String, Value>, issues: &mut Vec<Issue>) -> Option<Option<ProjectId>> {
    let path = vec![PathSegment::from("project_id")];
    match obj.get("project_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(value) => positive_id(value, path, issues).map(|id| Some(ProjectId(id))),
    }
}

/// A positive integer below 2^53, or an issue at `path`.
fn positive_id(value: &Value, path: Vec<PathSegment>, issues: &mut Vec<Issue>) -> Option<u64> {
    let id = value.as_u64().filter(|id| (1..=MAX_ID).contains(id));
    if id.is_none() {
        issues.push(if value.is_number() {
            Issue::new(
                IssueCode::InvalidType,
                format!("Expected a positive integer below 2^53, received {value}"),
                path,
            )
        } else {
            Issue::wrong_type("number", value, path)
        });
    }
    id
}

/// What a `DELETE .../chats` deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatsToDelete {
    /// These of the user's chats (other ids are ignored).
    Listed(Vec<ChatId>),
    /// Every chat of the user: the account is being deleted.
    All,
}

/// `DELETE .../chats`: `{"chat_ids": [id, ...]}`, 1 to [`MAX_BATCH`] ids, each a positive
/// integer below 2^53 (repeated ids count once; the order is kept), or `{"all": true}` (the
/// user's chats are erased). Not both.
pub fn parse_delete_chats(body: Value) -> Result<ChatsToDelete, BodyError> {
    let obj = into_object(body)?;
    match (obj.get("all"), obj.contains_key("chat_ids")) {
        (Some(Value::Bool(true)), false) => Ok(ChatsToDelete::All),
        (Some(all), listed) => {
            let mut issues = Vec::new();
            if !matches!(all, Value::Bool(true)) {
                issues.push(Issue::new(
                    IssueCode::InvalidLiteral,
                    "Invalid literal value, expected true",
                    vec!["all".into()],
                ));
            }
            if listed {
                issues.push(Issue::new(
                    IssueCode::Custom,
                    "Either chat_ids or all, not both",
                    Vec::new(),
                ));
            }
            Err(BodyError::Invalid(issues))
        }
        (None, _) => parse_chat_ids(&obj).map(ChatsToDelete::Listed),
    }
}

/// `chat_ids`: 1 to [`MAX_BATCH`] ids (the body of `DELETE .../projects/{project_id}/chats`).
pub fn parse_project_chat_ids(body: Value) -> Result<Vec<ChatId>, BodyError> {
    parse_chat_ids(&into_object(body)?)
}

fn parse_chat_ids(obj: &Map<String, Value>) -> Result<Vec<ChatId>, BodyError> {
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
        if let Some(id) = positive_id(value, child(&path, index), &mut issues).map(ChatId)
            && !ids.contains(&id)
        {
            ids.push(id);
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
    use crate::ids;
    use crate::validation::envelope::from_json;

    // The tests give JSON bytes, as a route with a JSON body reads them.
    fn parse_update_chat(body: &[u8]) -> Result<ChatUpdate, BodyError> {
        from_json(body, super::parse_update_chat)
    }

    fn parse_delete_chats(body: &[u8]) -> Result<ChatsToDelete, BodyError> {
        from_json(body, super::parse_delete_chats)
    }

    fn parse_project_chat_ids(body: &[u8]) -> Result<Vec<ChatId>, BodyError> {
        from_json(body, super::parse_project_chat_ids)
    }

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
            Some(ChatUpdate::rename("New", None))
        );
        assert_eq!(
            parse_update_chat(br#"{"name": "New", "model": "m", "extra": 1}"#).ok(),
            Some(ChatUpdate::rename("New", Some("m".into())))
        );
        let refused = issues(parse_update_chat(br#"{"name": "  "}"#));
        assert_eq!(refused.len(), 1);
        let refused = issues(parse_update_chat(br#"{"model": 3}"#));
        assert_eq!(refused.len(), 2, "{refused:?}");
    }

    #[test]
    fn a_move_needs_no_name_and_takes_an_id_or_null() {
        assert_eq!(
            parse_update_chat(br#"{"project_id": 7}"#).ok(),
            Some(ChatUpdate::moving_to(Some(ids::ProjectId(7))))
        );
        assert_eq!(
            parse_update_chat(br#"{"project_id": null}"#).ok(),
            Some(ChatUpdate::moving_to(None))
        );
        assert_eq!(
            parse_update_chat(br#"{"project_id": 7, "name": "Both"}"#).ok(),
            Some(ChatUpdate {
                name: Some("Both".into()),
                model: None,
                project: Some(Some(ids::ProjectId(7))),
            })
        );
        for bad in [
            r#"{"project_id": 0}"#,
            r#"{"project_id": "7"}"#,
            r#"{"project_id": 1.5}"#,
        ] {
            let refused = issues(parse_update_chat(bad.as_bytes()));
            assert_eq!(refused.len(), 1, "{bad}: {refused:?}");
            assert_eq!(refused[0].path, vec![PathSegment::from("project_id")]);
        }
        let refused = issues(parse_update_chat(br#"{"project_id": 7, "name": " "}"#));
        assert_eq!(refused.len(), 1, "a given name is still checked");
        assert_eq!(issues(parse_update_chat(b"{}"))[0].message, "Required");
    }

    #[test]
    fn all_erases_and_excludes_chat_ids() {
        assert_eq!(
            parse_delete_chats(br#"{"all": true}"#).ok(),
            Some(ChatsToDelete::All)
        );
        assert_eq!(
            issues(parse_delete_chats(br#"{"all": false}"#))[0].code,
            IssueCode::InvalidLiteral
        );
        assert_eq!(
            issues(parse_delete_chats(br#"{"all": true, "chat_ids": [1]}"#))[0].code,
            IssueCode::Custom
        );
        assert_eq!(
            parse_project_chat_ids(br#"{"chat_ids": [2]}"#).ok(),
            Some(vec![ChatId(2)])
        );
        assert!(parse_project_chat_ids(br#"{"all": true}"#).is_err());
    }

    #[test]
    fn chat_ids_are_1_to_100_positive_safe_integers() {
        assert_eq!(
            parse_delete_chats(br#"{"chat_ids": [3, 1, 3]}"#).ok(),
            Some(ChatsToDelete::Listed(vec![ids::ChatId(3), ChatId(1)]))
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
