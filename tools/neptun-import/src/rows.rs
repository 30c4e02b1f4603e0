//! The import's own rows: imported messages and files (the API's rows plus the source's
//! `updated_at`) and its bookkeeping under the `IMPORT` partition (no user partition starts
//! with it).
//!
//! | `PK`     | `SK`                      | row                                   |
//! |----------|---------------------------|---------------------------------------|
//! | `IMPORT` | `CHECKPOINT#<table>…`     | how far the import of a table got     |
//! | `IMPORT` | `REJECTED#<table>#<id>`   | a source row the import cannot store  |

use neptun_dynamo::schema::{FileChunkRow, MessageChunkRow};
use serde::{Deserialize, Serialize};

const IMPORT_PK: &str = "IMPORT";
/// Every checkpoint's sort key starts with this.
pub const CHECKPOINT_PREFIX: &str = "CHECKPOINT#";
/// Every rejected row's sort key starts with this.
pub const REJECTED_PREFIX: &str = "REJECTED#";

/// The partition of the import's own bookkeeping.
pub fn import_pk() -> String {
    IMPORT_PK.to_owned()
}

/// How far the import of `source_table` got: for every user, or for one (`--user` runs).
pub fn checkpoint_sk(source_table: &str, user_id: Option<u64>) -> String {
    match user_id {
        None => format!("{CHECKPOINT_PREFIX}{source_table}"),
        Some(user) => format!("{CHECKPOINT_PREFIX}{source_table}#USER#{user}"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use neptun_core::model::Role;
    use neptun_dynamo::schema::{
        StoredFile, StoredMessage, chat_pk, file_chunk_sk, message_chunk_sk,
    };

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
    fn a_users_checkpoint_sorts_after_everyones() {
        assert!(checkpoint_sk("t", None) < checkpoint_sk("t", Some(1)));
    }
}
