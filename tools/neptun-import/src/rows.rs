//! The import's own rows: imported messages and files (the API's rows plus the source's
//! `updated_at`) and its bookkeeping under the `IMPORT` partition (no user partition starts
//! with it).
//!
//! | `PK`     | `SK`                      | row                                   |
//! |----------|---------------------------|---------------------------------------|
//! | `IMPORT` | `IDS#<table>#<block:08>`  | the source ids handled, in one block  |
//! | `IMPORT` | `LINK#<chat:016>`         | the project a chat was imported into  |
//! | `IMPORT` | `REJECTED#<table>#<id>`   | a source row the import cannot store  |
//! | `IMPORT` | `SHARE#<share:016>`       | a share as the import last wrote it   |

use neptun_dynamo::schema::{FileChunkRow, MessageChunkRow};
use serde::{Deserialize, Serialize};

const IMPORT_PK: &str = "IMPORT";
/// Every block of handled ids starts with this.
pub const IDS_PREFIX: &str = "IDS#";
pub const LINK_PREFIX: &str = "LINK#";
pub const SHARE_PREFIX: &str = "SHARE#";
/// Every rejected row's sort key starts with this.
pub const REJECTED_PREFIX: &str = "REJECTED#";

/// The partition of the import's own bookkeeping.
pub fn import_pk() -> String {
    IMPORT_PK.to_owned()
}

/// The handled ids of `source_table` in `block`.
pub fn ids_sk(source_table: &str, block: u64) -> String {
    format!("{IDS_PREFIX}{source_table}#{block:08}")
}

pub fn link_sk(chat_id: u64) -> String {
    format!("{LINK_PREFIX}{chat_id:016}")
}

pub fn share_sk(share_id: u64) -> String {
    format!("{SHARE_PREFIX}{share_id:016}")
}

pub fn rejected_sk(source_table: &str, source_id: u64) -> String {
    format!("{REJECTED_PREFIX}{source_table}#{source_id:016}")
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

/// The source ids of `source_table` in one block that the import handled (see
/// [`crate::ledger`]). `version` grows with every save: a save conditioned on the version it
/// read fails if another run saved in between, instead of undoing that run's ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIdsRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub source_table: String,
    pub block: u64,
    pub ranges: String,
    pub version: u64,
}

/// A chat imported into a project (`project_chat_conversation`): a link is applied once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLinkRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub chat_id: u64,
    pub user_id: u64,
    pub project_id: u64,
}

/// A share as the import last saw it in the source (`digest`) and wrote it (`w`, the write id
/// of its row; `0` when nothing was written because the chat or share is the API's now).
/// A share row whose `w` is still this one was not changed through the API since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportShareRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub share_id: u64,
    pub uuid: String,
    pub user_id: u64,
    pub chat_id: u64,
    pub digest: String,
    #[serde(rename = "w")]
    pub write_id: u64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use neptun_core::ids::{ChatId, FileId, MessageId, UserId};
    use neptun_core::model::Role;
    use neptun_dynamo::schema::{
        StoredFile, StoredMessage, chat_pk, file_chunk_sk, message_chunk_sk,
    };

    #[test]
    fn imported_rows_read_as_the_api_rows_they_extend() {
        let imported = ImportedMessageRow {
            row: MessageChunkRow {
                pk: chat_pk(UserId(3), ChatId(12)),
                sk: message_chunk_sk(77),
                n: 1,
                created_at: 1_710_928_800_123,
                write_id: 0,
                items: vec![StoredMessage {
                    id: MessageId(77),
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
                pk: chat_pk(UserId(3), ChatId(12)),
                sk: file_chunk_sk(5),
                n: 1,
                message_id: MessageId(77),
                created_at: 1,
                write_id: 0,
                items: vec![StoredFile {
                    id: FileId(5),
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
    fn id_blocks_sort_in_id_order() {
        assert!(ids_sk("t", 9) < ids_sk("t", 10));
    }
}
