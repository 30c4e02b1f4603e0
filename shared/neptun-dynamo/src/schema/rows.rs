//! The rows of the table, as `serde_dynamo` encodes and decodes them, and the models they
//! become.

use neptun_core::clock::rfc3339_ms;
use neptun_core::ids::{ChatId, FileId, MessageId, ProjectId, UserId};
use neptun_core::model::{Chat, ChatMessage, FileRecord};
use serde::{Deserialize, Serialize};

/// A chat: stored twice, under the user (`CHAT#`) and as its partition's `META` marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: ChatId,
    pub user_id: UserId,
    pub name: String,
    pub model: String,
    /// Absent in the rows of a chat outside any project (and in rows from before projects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// The uuid of the chat's share (`SHARE#<uuid>`), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_uuid: Option<String>,
    pub created_at: u64,
    pub updated_at: u64,
    /// Every write of the chat draws a new one: a write conditioned on it meets no other.
    #[serde(rename = "w")]
    pub write_id: u64,
}

/// Up to 16 messages written by one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageChunkRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// Mirrors `items.len()` so that a condition expression can test a slot.
    pub n: u64,
    pub created_at: u64,
    #[serde(rename = "w")]
    pub write_id: u64,
    pub items: Vec<StoredMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub id: MessageId,
    pub actor: neptun_core::model::Role,
    pub message: String,
}

/// Up to 16 files written by one request, all attached to one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileChunkRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub n: u64,
    pub message_id: MessageId,
    pub created_at: u64,
    #[serde(rename = "w")]
    pub write_id: u64,
    pub items: Vec<StoredFile>,
}

impl ChatRow {
    /// The chat's user and id.
    pub fn scope(&self) -> ChatScope {
        ChatScope {
            user_id: self.user_id,
            chat_id: self.id,
        }
    }

    /// Its partition's `META` marker: a copy of the chat.
    pub fn marker(&self) -> Self {
        self.copy_at(self.marker_key())
    }

    /// Its row in its project's list, if it is in a project: a copy of the chat.
    pub fn in_project(&self) -> Option<Self> {
        self.project_key().map(|key| self.copy_at(key))
    }

    fn copy_at(&self, (pk, sk): (String, String)) -> Self {
        Self {
            pk,
            sk,
            ..self.clone()
        }
    }

    /// The key (`PK`, `SK`) of its partition's `META` marker.
    pub fn marker_key(&self) -> (String, String) {
        (
            super::chat_pk(self.user_id, self.id),
            super::CHAT_META_SK.to_owned(),
        )
    }

    /// The key of its row in its project's list, if it is in a project.
    pub fn project_key(&self) -> Option<(String, String)> {
        self.project_id
            .map(|project| (super::project_pk(self.user_id, project), self.sk.clone()))
    }

    /// Every row of the chat, this list row first: it, the marker, the project's row.
    pub fn rows(self) -> Vec<Self> {
        let marker = self.marker();
        let project = self.in_project();
        let mut rows = vec![self, marker];
        rows.extend(project);
        rows
    }

    /// The keys (`PK`, `SK`) of the chat's other rows, copies of this list row: the marker,
    /// then the project's row.
    pub fn copy_keys(&self) -> Vec<(String, String)> {
        std::iter::once(self.marker_key())
            .chain(self.project_key())
            .collect()
    }
}

/// `USER#<user>` / `ERASED`: the user was erased at `erased_at` (ms). It stays for ever: every
/// write for the user checks it in its own transaction, and every read alongside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub erased_at: u64,
}

impl ErasedRow {
    pub fn new(user_id: UserId, erased_at: u64) -> Self {
        Self {
            pk: super::user_pk(user_id),
            sk: super::ERASED_SK.to_owned(),
            erased_at,
        }
    }
}

/// `USER#<user>#LAST_CHAT` / `LAST_CHAT`: the largest chat id drawn for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastChatRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub last_chat_id: u64,
}

/// `ERASURES` / `USER#<user>`: the user's chats were erased (last at `erased_at`, ms). Holds no
/// data of the user but the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: UserId,
    pub erased_at: u64,
}

/// An imported chat (an id of the web app's) deleted through the API: written with the delete,
/// so that no run of the import, now or later, writes the chat again. The user's erasure
/// removes it with the rest of the user's partition (`ERASURES` keeps the user out then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletedChatRow {
    /// `USER#<user>`.
    #[serde(rename = "PK")]
    pub pk: String,
    /// `DELETED#<chat>`.
    #[serde(rename = "SK")]
    pub sk: String,
    pub deleted_at: u64,
}

impl DeletedChatRow {
    pub fn new(scope: ChatScope, deleted_at: u64) -> Self {
        Self {
            pk: super::user_pk(scope.user_id),
            sk: super::deleted_chat_sk(scope.chat_id),
            deleted_at,
        }
    }
}

/// A deleted chat whose partition may still hold rows: written with the delete, removed by
/// the purge that empties the partition. The sweep purges what the stream left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingPurgeRow {
    /// `PURGES#<shard>`.
    #[serde(rename = "PK")]
    pub pk: String,
    /// The chat's partition, `USER#<user>#CHAT#<chat>`.
    #[serde(rename = "SK")]
    pub sk: String,
    pub deleted_at: u64,
}

impl PendingPurgeRow {
    pub fn new(scope: ChatScope, deleted_at: u64) -> Self {
        Self {
            pk: super::pending_purge_pk(scope),
            sk: super::chat_pk(scope.user_id, scope.chat_id),
            deleted_at,
        }
    }

    /// An erased user's removal still to do: the user's partition instead of a chat's.
    pub fn erasure(user_id: UserId, erased_at: u64) -> Self {
        Self {
            pk: super::pending_erasure_pk(user_id),
            sk: super::user_pk(user_id),
            deleted_at: erased_at,
        }
    }
}

impl From<ChatRow> for Chat {
    fn from(row: ChatRow) -> Self {
        ChatListRow {
            id: row.id,
            name: row.name,
            model: row.model,
            project_id: row.project_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
        .into_chat(row.user_id)
    }
}

/// What a chat list reads of a [`ChatRow`] ([`super::CHAT_LIST_PROJECTION`]): neither its keys
/// nor its write id nor its share, which a list never shows. Fewer attributes to send, to
/// parse and to decode (list-chats with 9 chats: 2,575,247 → 2,336,140 instructions per
/// request, `make bench`).
#[derive(Debug, Deserialize)]
pub struct ChatListRow {
    pub id: ChatId,
    pub name: String,
    pub model: String,
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    pub created_at: u64,
    pub updated_at: u64,
}

impl ChatListRow {
    /// The chat, of `user_id`: the user whose list was read.
    pub fn into_chat(self, user_id: UserId) -> Chat {
        Chat {
            id: self.id,
            name: self.name,
            model: self.model,
            neptun_user_id: user_id,
            project_id: self.project_id,
            created_at: rfc3339_ms(self.created_at),
            updated_at: rfc3339_ms(self.updated_at),
        }
    }
}

/// The chat a chunk row belongs to. Its partition key names it too, but as text: the models
/// take the ids the request already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatScope {
    pub user_id: UserId,
    pub chat_id: ChatId,
}

impl MessageChunkRow {
    /// The row's messages, in id order.
    pub fn into_messages(self, scope: ChatScope) -> impl Iterator<Item = ChatMessage> {
        let created_at = rfc3339_ms(self.created_at);
        self.items.into_iter().map(move |stored| ChatMessage {
            id: stored.id,
            chat_conversation_id: scope.chat_id,
            neptun_user_id: scope.user_id,
            message: stored.message,
            actor: stored.actor,
            created_at: created_at.clone(),
            updated_at: created_at.clone(),
        })
    }
}

impl FileChunkRow {
    /// The row's files, in id order.
    pub fn into_files(self, scope: ChatScope) -> impl Iterator<Item = FileRecord> {
        let (message_id, created_at_ms) = (self.message_id, self.created_at);
        self.items.into_iter().map(move |file| FileRecord {
            id: file.id,
            chat_id: scope.chat_id,
            message_id,
            user_id: scope.user_id,
            title: file.title,
            text: file.text,
            language: file.language,
            extension: file.extension,
            created_at_ms,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFile {
    pub id: FileId,
    pub title: String,
    pub text: String,
    pub language: String,
    pub extension: String,
}

/// An `Idempotency-Key`'s record, under the user's partition: the fingerprint of the request
/// that used the key and what it did, until it expires through the table's TTL. A create keeps
/// the ids it drew (the response is rebuilt from them and the identical request: file URLs are
/// signed afresh); a route that answers what it did (rename, delete, regenerate) keeps its
/// response. Records of both kinds written before this type existed decode as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecordRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// SHA-256 of the route, path ids and body of the request that used the key.
    pub fingerprint: String,
    /// A create's: the chat id, or the batch base of the created items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_id: Option<u64>,
    /// A create's: when its items were created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// Another write's: its response, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    pub expires_at: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{
        CHAT_LIST_PROJECTION, ITEM_COUNT, ITEMS, MESSAGE_ID, MODEL, NAME, PK, UPDATED_AT, chat_pk,
        chat_sk, file_chunk_sk, message_chunk_sk, to_attribute_map, user_pk,
    };
    use aws_sdk_dynamodb::types::AttributeValue;
    use neptun_core::model::Role;
    use std::collections::HashMap;

    /// Chat `chat` of user `user` in their list, outside any project.
    fn chat_row(user: u64, chat: u64) -> ChatRow {
        ChatRow {
            pk: user_pk(UserId(user)),
            sk: chat_sk(ChatId(chat)),
            id: ChatId(chat),
            user_id: UserId(user),
            name: "n".into(),
            model: "m".into(),
            project_id: None,
            share_uuid: None,
            created_at: 1,
            updated_at: 2,
            write_id: 3,
        }
    }

    #[test]
    fn updates_and_filters_name_the_attributes_rows_are_written_with() {
        let chat = to_attribute_map(&ChatRow {
            pk: user_pk(UserId(1)),
            sk: chat_sk(ChatId(2)),
            id: ChatId(2),
            user_id: UserId(1),
            name: "n".into(),
            model: "m".into(),
            project_id: None,
            share_uuid: None,
            created_at: 3,
            updated_at: 4,
            write_id: 5,
        })
        .unwrap_or_default();
        for attribute in [NAME, MODEL, UPDATED_AT] {
            assert!(chat.contains_key(attribute), "{attribute}");
        }
        let files = to_attribute_map(&FileChunkRow {
            pk: chat_pk(UserId(1), ChatId(2)),
            sk: file_chunk_sk(16),
            n: 0,
            message_id: MessageId(7),
            created_at: 3,
            write_id: 5,
            items: Vec::new(),
        })
        .unwrap_or_default();
        assert!(files.contains_key(MESSAGE_ID) && files.contains_key(ITEMS));
    }

    #[test]
    fn rows_round_trip_through_dynamodb_attribute_maps() {
        let row = MessageChunkRow {
            pk: chat_pk(UserId(42), ChatId(7)),
            sk: message_chunk_sk(4096),
            n: 2,
            created_at: 1_795_288_364_006,
            write_id: 7,
            items: vec![
                StoredMessage {
                    id: MessageId(4096),
                    actor: Role::User,
                    message: "hi ✓".into(),
                },
                StoredMessage {
                    id: MessageId(4097),
                    actor: Role::System,
                    message: " x ".into(),
                },
            ],
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(&row).expect("serializes");
        let map: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
            item.clone().into();
        assert_eq!(
            map.get(PK).and_then(|v| v.as_s().ok()).map(String::as_str),
            Some("USER#42#CHAT#7")
        );
        assert_eq!(
            map.get(ITEM_COUNT)
                .and_then(|v| v.as_n().ok())
                .map(String::as_str),
            Some("2")
        );
        let back: MessageChunkRow = serde_dynamo::from_item(item).expect("deserializes");
        assert_eq!(back, row);

        let chat = ChatRow {
            model: String::new(),
            ..chat_row(42, 9)
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(&chat).expect("serializes");
        assert_eq!(
            serde_dynamo::from_item::<_, ChatRow>(item).expect("deserializes"),
            chat
        );

        let files = FileChunkRow {
            pk: chat_pk(UserId(42), ChatId(7)),
            sk: file_chunk_sk(8192),
            n: 1,
            message_id: MessageId(4097),
            created_at: 3,
            write_id: 4,
            items: vec![StoredFile {
                id: FileId(8192),
                title: "a.py".into(),
                text: String::new(),
                language: "python".into(),
                extension: "py".into(),
            }],
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(&files).expect("serializes");
        assert_eq!(
            serde_dynamo::from_item::<_, FileChunkRow>(item).expect("deserializes"),
            files
        );
    }

    #[test]
    fn a_chats_copies_are_its_marker_and_project_rows() {
        let chat = ChatRow {
            project_id: Some(ProjectId(9)),
            ..chat_row(42, 7)
        };
        let key = |row: ChatRow| (row.pk, row.sk);
        let expected: Vec<_> = std::iter::once(chat.marker())
            .chain(chat.in_project())
            .map(key)
            .collect();
        assert_eq!(chat.copy_keys(), expected);
        let rows: Vec<_> = chat.clone().rows().into_iter().skip(1).map(key).collect();
        assert_eq!(rows, expected);
        let outside = ChatRow {
            project_id: None,
            ..chat
        };
        assert_eq!(outside.copy_keys(), vec![key(outside.marker())]);
    }

    #[test]
    fn a_chat_list_reads_all_that_a_listed_chat_shows() {
        let row = ChatRow {
            project_id: Some(ProjectId(3)),
            share_uuid: Some("a share".to_owned()),
            ..chat_row(42, 7)
        };
        let item = to_attribute_map(&row).unwrap_or_default();
        let projection = CHAT_LIST_PROJECTION;
        let projected: HashMap<String, AttributeValue> = projection
            .expression
            .split(", ")
            .map(|attribute| {
                let placeholder = projection.names.iter().find(|(p, _)| *p == attribute);
                placeholder.map_or(attribute, |(_, name)| name)
            })
            .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
            .collect();
        assert_eq!(projected.len(), 6, "{projected:?}");
        let listed: ChatListRow = serde_dynamo::from_attribute_value(AttributeValue::M(projected))
            .unwrap_or_else(|error| panic!("the projected attributes decode: {error}"));
        assert_eq!(listed.into_chat(row.user_id), Chat::from(row));
    }

    #[test]
    fn rows_become_the_models_of_their_chat() {
        let scope = ChatScope {
            user_id: UserId(42),
            chat_id: ChatId(7),
        };
        let chat = Chat::from(ChatRow {
            created_at: 1_795_288_364_006,
            updated_at: 1_795_288_364_007,
            ..chat_row(42, 7)
        });
        assert_eq!(
            (chat.id, chat.neptun_user_id, chat.name.as_str()),
            (ChatId(7), UserId(42), "n")
        );
        assert_eq!(chat.created_at, "2026-11-21T19:12:44.006Z");
        assert_eq!(chat.updated_at, "2026-11-21T19:12:44.007Z");

        let messages: Vec<ChatMessage> = MessageChunkRow {
            pk: chat_pk(UserId(42), ChatId(7)),
            sk: message_chunk_sk(4096),
            n: 2,
            created_at: 1_795_288_364_006,
            write_id: 7,
            items: vec![
                StoredMessage {
                    id: MessageId(4096),
                    actor: Role::User,
                    message: "a".into(),
                },
                StoredMessage {
                    id: MessageId(4097),
                    actor: Role::Assistant,
                    message: "b".into(),
                },
            ],
        }
        .into_messages(scope)
        .collect();
        assert_eq!(messages.len(), 2);
        assert_eq!(
            (
                messages[1].id,
                messages[1].actor,
                messages[1].message.as_str()
            ),
            (MessageId(4097), Role::Assistant, "b")
        );
        assert!(
            messages
                .iter()
                .all(|m| m.chat_conversation_id == ChatId(7) && m.neptun_user_id == UserId(42))
        );
        assert!(
            messages
                .iter()
                .all(|m| m.created_at == "2026-11-21T19:12:44.006Z" && m.updated_at == m.created_at)
        );

        let files: Vec<FileRecord> = FileChunkRow {
            pk: chat_pk(UserId(42), ChatId(7)),
            sk: file_chunk_sk(8192),
            n: 1,
            message_id: MessageId(4097),
            created_at: 3,
            write_id: 4,
            items: vec![StoredFile {
                id: FileId(8192),
                title: "a.py".into(),
                text: "print()".into(),
                language: "python".into(),
                extension: "py".into(),
            }],
        }
        .into_files(scope)
        .collect();
        assert_eq!(
            files,
            vec![FileRecord {
                id: FileId(8192),
                chat_id: ChatId(7),
                message_id: MessageId(4097),
                user_id: UserId(42),
                title: "a.py".into(),
                text: "print()".into(),
                language: "python".into(),
                extension: "py".into(),
                created_at_ms: 3,
            }]
        );
    }
}
