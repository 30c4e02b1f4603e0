//! The single-table layout. Every key prefix and attribute name lives here.
//!
//! | partition (`PK`)           | sort key (`SK`)        | row                                   |
//! |----------------------------|------------------------|---------------------------------------|
//! | `USER#<user>`              | `CHAT#<chat:016>`      | a chat, for listing a user's chats    |
//! | `USER#<user>#CHAT#<chat>`  | `FILE#<chunk:016>`     | up to 16 files of one create request  |
//! | `USER#<user>#CHAT#<chat>`  | `META`                 | the chat again: the existence marker  |
//! | `USER#<user>#CHAT#<chat>`  | `MSG#<chunk:016>`      | up to 16 messages of one request      |
//! | `IMPORT`                   | `CHECKPOINT#<table>…`  | how far the import of a table got     |
//! | `IMPORT`                   | `REJECTED#<table>#<id>`| a source row the import cannot store  |
//!
//! A chat's messages and files share its partition. `META` sorts between the file rows and the
//! message rows, so both list queries (`FILE#..META` and `META..MSG#~`) include the marker and
//! tell "no items" from "no chat" with the same single `Query`.
//!
//! Items are packed into chunk rows (see [`crate::ids`]): one create request writes one row per
//! 16 items (fewer when texts are large), so a batch of 100 stays far below the 100 actions
//! and 4 MB of one `TransactWriteItems`, and every item is still addressed by its id alone.
//! Items imported from the web app's database (ids below [`ids::FIRST_API_ID`]) are alone in
//! their rows ([`ImportedMessageRow`], [`ImportedFileRow`]), so they sort before the API's.

use serde::{Deserialize, Serialize};

use crate::clock::rfc3339_ms;
use crate::ids::{self, CHUNKS_PER_BATCH, SLOTS_PER_CHUNK};
use crate::model::{Chat, ChatMessage, FileRecord};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// Number of items in a chunk row; an item exists iff its slot is below it.
pub const ITEM_COUNT: &str = "n";
/// Epoch seconds after which DynamoDB's TTL may delete the row (idempotency records).
pub const EXPIRES_AT: &str = "expires_at";
/// Random id of the write attempt that stored a row: a retried attempt recognises its own rows.
pub const WRITE_ID: &str = "w";

/// Attributes that updates and filters name (the rows below serialize their fields so).
pub const NAME: &str = "name";
pub const MODEL: &str = "model";
pub const UPDATED_AT: &str = "updated_at";
pub const ITEMS: &str = "items";
pub const MESSAGE_ID: &str = "message_id";

pub const CHAT_META_SK: &str = "META";
/// `PK` and `SK` of the row the Init warm-up reads: it never exists.
pub const WARM_UP_KEY: &str = "#warm-up";
const CHAT_PREFIX: &str = "CHAT#";
const MESSAGE_PREFIX: &str = "MSG#";
const FILE_PREFIX: &str = "FILE#";
const IDEMPOTENCY_PREFIX: &str = "IDEMPOTENCY#";
const IMPORT_PK: &str = "IMPORT";
const CHECKPOINT_PREFIX: &str = "CHECKPOINT#";
const REJECTED_PREFIX: &str = "REJECTED#";
/// Sorts after every `MSG#<digits>` key.
const MESSAGE_RANGE_END: &str = "MSG#~";

/// Largest estimated size of a chunk row; DynamoDB's limit is 400 KB per item.
pub const CHUNK_BYTE_BUDGET: usize = 350_000;

pub fn user_pk(user_id: u64) -> String {
    format!("USER#{user_id}")
}

pub fn chat_pk(user_id: u64, chat_id: u64) -> String {
    format!("USER#{user_id}#CHAT#{chat_id}")
}

/// The chat whose partition `pk` is: exactly what [`chat_pk`] writes, so that a user's own
/// partition (`USER#<user>`) or a key spelled another way (`USER#01#CHAT#2`) is none.
pub fn parse_chat_pk(pk: &str) -> Option<ChatScope> {
    let (user, chat) = pk.strip_prefix("USER#")?.split_once("#CHAT#")?;
    let scope = ChatScope {
        user_id: user.parse().ok()?,
        chat_id: chat.parse().ok()?,
    };
    (chat_pk(scope.user_id, scope.chat_id) == pk).then_some(scope)
}

pub fn chat_sk(chat_id: u64) -> String {
    format!("{CHAT_PREFIX}{chat_id:016}")
}

pub fn message_chunk_sk(chunk_id: u64) -> String {
    format!("{MESSAGE_PREFIX}{chunk_id:016}")
}

pub fn file_chunk_sk(chunk_id: u64) -> String {
    format!("{FILE_PREFIX}{chunk_id:016}")
}

/// An idempotency record, under the user's partition; `key_hash` is the SHA-256 of the key.
pub fn idempotency_sk(key_hash: &str) -> String {
    format!("{IDEMPOTENCY_PREFIX}{key_hash}")
}

/// The partition of the import's own bookkeeping (no user partition starts with it).
pub fn import_pk() -> String {
    IMPORT_PK.to_owned()
}

/// How far the import of `source_table` got: for every user, or for one (`--user` runs).
pub fn import_checkpoint_sk(source_table: &str, user_id: Option<u64>) -> String {
    match user_id {
        None => format!("{CHECKPOINT_PREFIX}{source_table}"),
        Some(user) => format!("{CHECKPOINT_PREFIX}{source_table}#USER#{user}"),
    }
}

/// Every checkpoint's sort key starts with this.
pub fn import_checkpoint_prefix() -> &'static str {
    CHECKPOINT_PREFIX
}

pub fn import_rejected_sk(source_table: &str, source_id: u64) -> String {
    format!("{REJECTED_PREFIX}{source_table}#{source_id:016}")
}

/// Every rejected row's sort key starts with this.
pub fn import_rejected_prefix() -> &'static str {
    REJECTED_PREFIX
}

/// Sort-key range (inclusive) of one list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortRange {
    pub from: String,
    pub to: String,
}

/// Messages after `after` (or all, with the marker, when `None`).
pub fn message_range(after: Option<u64>) -> SortRange {
    SortRange {
        from: after.map_or_else(
            || CHAT_META_SK.to_owned(),
            |id| message_chunk_sk(ids::chunk_of(id)),
        ),
        to: MESSAGE_RANGE_END.to_owned(),
    }
}

/// Files after `after` (or all, with the marker, when `None`).
pub fn file_range(after: Option<u64>) -> SortRange {
    SortRange {
        from: after.map_or_else(
            || FILE_PREFIX.to_owned(),
            |id| file_chunk_sk(ids::chunk_of(id)),
        ),
        to: CHAT_META_SK.to_owned(),
    }
}

/// Chats older than `before` (or all), for a descending query.
pub fn chat_range(before: Option<u64>) -> SortRange {
    SortRange {
        from: CHAT_PREFIX.to_owned(),
        to: match before {
            Some(id) => chat_sk(id.saturating_sub(1)),
            None => format!("{CHAT_PREFIX}~"),
        },
    }
}

/// Chats newer than `after` (or all), for an ascending query.
pub fn chat_range_after(after: Option<u64>) -> SortRange {
    SortRange {
        from: after.map_or_else(
            || CHAT_PREFIX.to_owned(),
            |id| chat_sk(id.saturating_add(1)),
        ),
        to: format!("{CHAT_PREFIX}~"),
    }
}

/// A chat: stored twice, under the user (`CHAT#`) and as its partition's `META` marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: u64,
    pub user_id: u64,
    pub name: String,
    pub model: String,
    pub created_at: u64,
    pub updated_at: u64,
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
    pub id: u64,
    pub actor: crate::model::Role,
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
    pub message_id: u64,
    pub created_at: u64,
    #[serde(rename = "w")]
    pub write_id: u64,
    pub items: Vec<StoredFile>,
}

impl From<ChatRow> for Chat {
    fn from(row: ChatRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            model: row.model,
            neptun_user_id: row.user_id,
            created_at: rfc3339_ms(row.created_at),
            updated_at: rfc3339_ms(row.updated_at),
        }
    }
}

/// The chat a chunk row belongs to. Its partition key names it too, but as text: the models
/// take the ids the request already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatScope {
    pub user_id: u64,
    pub chat_id: u64,
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

/// A message imported from the web app: a row of one message (`n = 1`) that also keeps the
/// source's `updated_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedMessageRow {
    #[serde(flatten)]
    pub row: MessageChunkRow,
    pub updated_at: u64,
}

/// A chat file imported from the web app: a row of one file that also keeps the source's
/// `updated_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedFileRow {
    #[serde(flatten)]
    pub row: FileChunkRow,
    pub updated_at: u64,
}

/// The highest source id of `source_table` below which every row is in the table (written,
/// rejected, or skipped on purpose), for everyone or for `user_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCheckpointRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub source_table: String,
    pub user_id: Option<u64>,
    pub last_id: u64,
    pub updated_at: u64,
}

/// A source row the import could not store, and why; kept so that every later run reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRejectedRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub source_table: String,
    pub source_id: u64,
    pub user_id: u64,
    pub chat_id: u64,
    /// Size of the row's text or of the item it would need, in bytes.
    pub bytes: u64,
    pub reason: String,
}

/// What an `Idempotency-Key` produced: enough to answer a retry with the same response,
/// rebuilt from the (identical) request and these ids. Expires through the table's TTL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// SHA-256 of the route, path ids and body of the request that used the key.
    pub fingerprint: String,
    /// The chat id, or the batch base of the created items. (Absent in the record of a
    /// route that answers with its response, [`ResponseRecordRow`]: its fingerprint differs.)
    #[serde(default)]
    pub result_id: u64,
    #[serde(default)]
    pub created_at: u64,
    pub expires_at: u64,
}

/// An `Idempotency-Key`'s record of a route that answers what it did rather than what it
/// created (rename, delete, regenerate): the response itself, as JSON. Same key as
/// [`IdempotencyRow`]; a key used on another route has another fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecordRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub fingerprint: String,
    /// Absent in a create's record ([`IdempotencyRow`]).
    #[serde(default)]
    pub response: Option<String>,
    pub expires_at: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFile {
    pub id: u64,
    pub title: String,
    pub text: String,
    pub language: String,
    pub extension: String,
}

/// A row as a DynamoDB attribute map.
pub fn to_attribute_map<T: Serialize>(
    row: &T,
) -> Result<
    std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    serde_dynamo::Error,
> {
    let item: serde_dynamo::Item = serde_dynamo::to_item(row)?;
    Ok(item.into())
}

/// Why a batch cannot be packed into one request's rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a batch needs more than {CHUNKS_PER_BATCH} rows of {CHUNK_BYTE_BUDGET} bytes")]
pub struct BatchTooLarge;

/// Splits a batch, in order, into chunks of at most 16 items and about
/// [`CHUNK_BYTE_BUDGET`] bytes, and numbers the items from `base`.
pub fn pack<T>(
    items: Vec<T>,
    base: u64,
    estimated_bytes: impl Fn(&T) -> usize,
) -> Result<Vec<Vec<(u64, T)>>, BatchTooLarge> {
    let mut chunks: Vec<Vec<(u64, T)>> = Vec::new();
    let mut current_bytes = 0;
    for item in items {
        let bytes = estimated_bytes(&item);
        let starts_chunk = match chunks.last() {
            None => true,
            Some(chunk) => {
                chunk.len() == SLOTS_PER_CHUNK || current_bytes + bytes > CHUNK_BYTE_BUDGET
            }
        };
        if starts_chunk {
            if chunks.len() == CHUNKS_PER_BATCH {
                return Err(BatchTooLarge);
            }
            chunks.push(Vec::with_capacity(SLOTS_PER_CHUNK));
            current_bytes = 0;
        }
        let chunk_index = chunks.len() - 1;
        if let Some(chunk) = chunks.last_mut() {
            chunk.push((ids::item_id(base, chunk_index, chunk.len()), item));
        }
        current_bytes += bytes;
    }
    Ok(chunks)
}

/// Estimated stored size of a message (attribute names and numbers included, generously).
pub fn message_bytes(message: &str) -> usize {
    message.len() + 64
}

/// Estimated stored size of a file.
pub fn file_bytes(file: &StoredFile) -> usize {
    file.text.len() + file.title.len() + file.language.len() + file.extension.len() + 96
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn list_ranges_include_the_marker_only_on_the_first_page() {
        let first = message_range(None);
        assert!(first.from.as_str() <= CHAT_META_SK && CHAT_META_SK <= first.to.as_str());
        let files = file_range(None);
        assert!(files.from.as_str() <= CHAT_META_SK && CHAT_META_SK <= files.to.as_str());
        // files and messages never fall into each other's range
        let a_file = file_chunk_sk(1 << 20);
        let a_message = message_chunk_sk(1 << 20);
        assert!(a_file < files.to && a_file > files.from);
        assert!(a_message > first.from && a_message < first.to);
        assert!(!(a_file >= first.from && a_file <= first.to));
        assert!(!(a_message >= files.from && a_message <= files.to));
        let later = message_range(Some(0x0012_3456_789a));
        assert!(later.from.as_str() > CHAT_META_SK);
    }

    #[test]
    fn updates_and_filters_name_the_attributes_rows_are_written_with() {
        let chat = to_attribute_map(&ChatRow {
            pk: user_pk(1),
            sk: chat_sk(2),
            id: 2,
            user_id: 1,
            name: "n".into(),
            model: "m".into(),
            created_at: 3,
            updated_at: 4,
            write_id: 5,
        })
        .unwrap_or_default();
        for attribute in [NAME, MODEL, UPDATED_AT] {
            assert!(chat.contains_key(attribute), "{attribute}");
        }
        let files = to_attribute_map(&FileChunkRow {
            pk: chat_pk(1, 2),
            sk: file_chunk_sk(16),
            n: 0,
            message_id: 7,
            created_at: 3,
            write_id: 5,
            items: Vec::new(),
        })
        .unwrap_or_default();
        assert!(files.contains_key(MESSAGE_ID) && files.contains_key(ITEMS));
    }

    #[test]
    fn only_chat_partitions_parse_as_chats() {
        assert_eq!(
            parse_chat_pk(&chat_pk(42, 7)),
            Some(ChatScope {
                user_id: 42,
                chat_id: 7
            })
        );
        let max = chat_pk(u64::MAX, u64::MAX);
        assert!(parse_chat_pk(&max).is_some());
        for not_a_chat in [
            user_pk(42).as_str(),
            "USER#42#CHAT#",
            "USER##CHAT#7",
            "USER#42#CHAT#7#",
            "USER#42#CHAT#07",
            "USER#+42#CHAT#7",
            "USER#42#CHAT#7#CHAT#8",
            "user#42#chat#7",
            "USER#42#CHAT#18446744073709551616",
            "",
        ] {
            assert_eq!(parse_chat_pk(not_a_chat), None, "{not_a_chat:?}");
        }
    }

    #[test]
    fn zero_padded_sort_keys_sort_numerically() {
        assert!(message_chunk_sk(99) < message_chunk_sk(100));
        assert!(message_chunk_sk(ids::MAX_ID).as_str() < MESSAGE_RANGE_END);
        assert!(chat_sk(9) < chat_sk(10));
    }

    #[test]
    fn chat_range_is_exclusive_of_the_cursor() {
        let range = chat_range(Some(100));
        assert!(chat_sk(100) > range.to && chat_sk(99) <= range.to);
        assert!(chat_sk(1) >= range.from);
    }

    #[test]
    fn packing_fills_sixteen_per_row_and_keeps_order() {
        let base = ids::batch_base(1_795_288_364_006);
        let chunks = pack((0..100).collect(), base, |_| 10).expect("fits");
        assert_eq!(chunks.len(), 7);
        let ids: Vec<u64> = chunks.iter().flatten().map(|(id, _)| *id).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        let values: Vec<i32> = chunks.into_iter().flatten().map(|(_, v)| v).collect();
        assert_eq!(values, (0..100).collect::<Vec<_>>());
        for id in ids {
            assert_eq!(ids::chunk_of(id) >> ids::SLOT_BITS, id >> ids::SLOT_BITS);
        }
    }

    #[test]
    fn packing_splits_large_texts_and_rejects_what_cannot_fit() {
        let base = ids::batch_base(1_795_288_364_006);
        let chunks = pack(vec![200_000; 12], base, |b| *b).expect("fits");
        assert_eq!(chunks.len(), 12);
        let chunks = pack(vec![100_000; 7], base, |b| *b).expect("fits");
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        assert_eq!(pack(vec![300_000; 33], base, |b| *b), Err(BatchTooLarge));
    }

    #[test]
    fn rows_round_trip_through_dynamodb_attribute_maps() {
        let row = MessageChunkRow {
            pk: chat_pk(42, 7),
            sk: message_chunk_sk(4096),
            n: 2,
            created_at: 1_795_288_364_006,
            write_id: 7,
            items: vec![
                StoredMessage {
                    id: 4096,
                    actor: Role::User,
                    message: "hi ✓".into(),
                },
                StoredMessage {
                    id: 4097,
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
            pk: user_pk(42),
            sk: chat_sk(9),
            id: 9,
            user_id: 42,
            name: "n".into(),
            model: String::new(),
            created_at: 1,
            updated_at: 2,
            write_id: 3,
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(&chat).expect("serializes");
        assert_eq!(
            serde_dynamo::from_item::<_, ChatRow>(item).expect("deserializes"),
            chat
        );

        let files = FileChunkRow {
            pk: chat_pk(42, 7),
            sk: file_chunk_sk(8192),
            n: 1,
            message_id: 4097,
            created_at: 3,
            write_id: 4,
            items: vec![StoredFile {
                id: 8192,
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
    fn rows_become_the_models_of_their_chat() {
        let scope = ChatScope {
            user_id: 42,
            chat_id: 7,
        };
        let chat = Chat::from(ChatRow {
            pk: user_pk(42),
            sk: chat_sk(7),
            id: 7,
            user_id: 42,
            name: "n".into(),
            model: "m".into(),
            created_at: 1_795_288_364_006,
            updated_at: 1_795_288_364_007,
            write_id: 3,
        });
        assert_eq!(
            (chat.id, chat.neptun_user_id, chat.name.as_str()),
            (7, 42, "n")
        );
        assert_eq!(chat.created_at, "2026-11-21T19:12:44.006Z");
        assert_eq!(chat.updated_at, "2026-11-21T19:12:44.007Z");

        let messages: Vec<ChatMessage> = MessageChunkRow {
            pk: chat_pk(42, 7),
            sk: message_chunk_sk(4096),
            n: 2,
            created_at: 1_795_288_364_006,
            write_id: 7,
            items: vec![
                StoredMessage {
                    id: 4096,
                    actor: Role::User,
                    message: "a".into(),
                },
                StoredMessage {
                    id: 4097,
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
            (4097, Role::Assistant, "b")
        );
        assert!(
            messages
                .iter()
                .all(|m| m.chat_conversation_id == 7 && m.neptun_user_id == 42)
        );
        assert!(
            messages
                .iter()
                .all(|m| m.created_at == "2026-11-21T19:12:44.006Z" && m.updated_at == m.created_at)
        );

        let files: Vec<FileRecord> = FileChunkRow {
            pk: chat_pk(42, 7),
            sk: file_chunk_sk(8192),
            n: 1,
            message_id: 4097,
            created_at: 3,
            write_id: 4,
            items: vec![StoredFile {
                id: 8192,
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
                id: 8192,
                chat_id: 7,
                message_id: 4097,
                user_id: 42,
                title: "a.py".into(),
                text: "print()".into(),
                language: "python".into(),
                extension: "py".into(),
                created_at_ms: 3,
            }]
        );
    }

    #[test]
    fn imported_rows_read_as_the_api_rows_they_extend() {
        let imported = ImportedMessageRow {
            row: MessageChunkRow {
                pk: chat_pk(3, 12),
                sk: message_chunk_sk(77),
                n: 1,
                created_at: 1_710_928_800_123,
                write_id: 0,
                items: vec![StoredMessage {
                    id: 77,
                    actor: Role::Assistant,
                    message: "grüße".into(),
                }],
            },
            updated_at: 1_710_928_800_456,
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(&imported).expect("serializes");
        let as_api: MessageChunkRow = serde_dynamo::from_item(item.clone()).expect("an API row");
        assert_eq!(as_api, imported.row);
        let back: ImportedMessageRow = serde_dynamo::from_item(item).expect("deserializes");
        assert_eq!(back, imported);

        let file = ImportedFileRow {
            row: FileChunkRow {
                pk: chat_pk(3, 12),
                sk: file_chunk_sk(5),
                n: 1,
                message_id: 77,
                created_at: 1,
                write_id: 0,
                items: vec![StoredFile {
                    id: 5,
                    title: String::new(),
                    text: "x".into(),
                    language: "text".into(),
                    extension: "txt".into(),
                }],
            },
            updated_at: 2,
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(&file).expect("serializes");
        let as_api: FileChunkRow = serde_dynamo::from_item(item.clone()).expect("an API row");
        assert_eq!(as_api, file.row);
        assert_eq!(
            serde_dynamo::from_item::<_, ImportedFileRow>(item).expect("deserializes"),
            file
        );
    }

    #[test]
    fn imported_items_sort_before_the_api_items_of_their_chat() {
        let imported = ids::FIRST_API_ID - 1;
        let api = ids::batch_base(1_795_288_364_006);
        assert!(message_chunk_sk(imported) < message_chunk_sk(ids::chunk_of(api)));
        assert!(file_chunk_sk(imported) < file_chunk_sk(ids::chunk_of(api)));
        assert!(chat_sk(imported) < chat_sk(api));
        // A page that ends on an imported item goes on from its own row.
        assert_eq!(message_range(Some(4097)).from, message_chunk_sk(4097));
        assert!(import_checkpoint_sk("t", None) < import_checkpoint_sk("t", Some(1)));
    }
}
