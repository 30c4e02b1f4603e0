//! What one source row becomes in the table: the same rows the API writes (see
//! `neptun_dynamo::schema`), or a rejection that says why it cannot be stored.

use neptun_core::ids::{ChatId, FileId, MessageId, ProjectId, UserId};
use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::ids;
use neptun_core::model::Role;
use neptun_dynamo::schema::{
    self, ChatRow, FileChunkRow, MessageChunkRow, StoredFile, StoredMessage,
};

use crate::rows::{ImportRejectedRow, ImportedFileRow, ImportedMessageRow};
use neptun_core::validation::{MAX_TEXT_BYTES, parse_share_uuid};

use super::source::{SourceChat, SourceFile, SourceMessage, SourceTable, SourceTimes};

pub type Item = HashMap<String, AttributeValue>;

/// DynamoDB's largest item: 400 KB, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// Imported rows are not written by an API request; `w` is the same on every run.
const IMPORT_WRITE_ID: u64 = 0;

/// A source row that cannot be stored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub table: SourceTable,
    pub id: u64,
    pub user_id: u64,
    pub chat_id: u64,
    pub bytes: u64,
    pub reason: String,
}

impl Rejection {
    pub fn from_record(record: &ImportRejectedRow) -> Option<Self> {
        Some(Self {
            table: SourceTable::from_name(&record.source_table)?,
            id: record.source_id,
            user_id: record.user_id,
            chat_id: record.chat_id,
            bytes: record.bytes,
            reason: record.reason.clone(),
        })
    }

    /// The record that keeps the rejection in the table, so every later run reports it.
    pub fn record(&self) -> ImportRejectedRow {
        ImportRejectedRow {
            pk: crate::rows::import_pk(),
            sk: crate::rows::rejected_sk(self.table.name(), self.id),
            source_table: self.table.name().to_owned(),
            source_id: self.id,
            user_id: self.user_id,
            chat_id: self.chat_id,
            bytes: self.bytes,
            reason: self.reason.clone(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} (user {}, chat {}): {} bytes, {}",
            self.table.name(),
            self.id,
            self.user_id,
            self.chat_id,
            self.bytes,
            self.reason
        )
    }
}

/// Something the import changed or accepted on the way, which it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A NULL timestamp, stored as the nearest known time of its chat (`None`: nothing in
    /// the chat has a time, stored as the Unix epoch).
    NullTime {
        table: SourceTable,
        id: u64,
        column: &'static str,
        stored_ms: u64,
        known: bool,
    },
    /// A text over the API's 256 KiB limit that still fits an item: stored as it is.
    OverApiLimit {
        table: SourceTable,
        id: u64,
        bytes: u64,
    },
    /// A chat linked to several projects: it keeps the lowest.
    OtherProjects {
        chat_id: u64,
        kept: u64,
        others: Vec<u64>,
    },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NullTime {
                table,
                id,
                column,
                stored_ms,
                known,
            } => {
                let time = neptun_core::clock::rfc3339_ms(*stored_ms);
                if *known {
                    write!(
                        f,
                        "{} {id}: {column} is NULL, stored as {time} (the nearest known time of its chat)",
                        table.name()
                    )
                } else {
                    write!(
                        f,
                        "{} {id}: {column} is NULL and its chat has no known time, stored as {time}",
                        table.name()
                    )
                }
            }
            Self::OverApiLimit { table, id, bytes } => write!(
                f,
                "{} {id}: text of {bytes} bytes is over the API's {MAX_TEXT_BYTES}-byte limit; stored as it is",
                table.name()
            ),
            Self::OtherProjects {
                chat_id,
                kept,
                others,
            } => {
                let others: Vec<String> = others.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "chat_conversation {chat_id}: linked to projects {kept} and {}; it is in project {kept} (the lowest) only",
                    others.join(", ")
                )
            }
        }
    }
}

/// What a source row becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Write { items: Vec<Item>, notes: Vec<Note> },
    Reject(Rejection),
}

/// Where a row goes, from its source ids.
#[derive(Debug, Clone, Copy)]
struct Place {
    table: SourceTable,
    id: u64,
    user_id: u64,
    chat_id: u64,
}

impl Place {
    fn new(table: SourceTable, id: i64, user_id: i64, chat_id: i64) -> Result<Self, Rejection> {
        let place = Self {
            table,
            id: u64::try_from(id).unwrap_or(0),
            user_id: u64::try_from(user_id).unwrap_or(0),
            chat_id: u64::try_from(chat_id).unwrap_or(0),
        };
        let imported = |id: u64| id > 0 && ids::is_imported(id);
        if !(imported(place.id) && imported(place.chat_id) && place.user_id > 0) {
            Err(place.reject(0, "an id is not a positive integer below 2^31".into()))
        } else if place.chat_id >= ids::FIRST_API_CHAT_ID {
            // The API draws chat ids from there up: such a chat would collide with them.
            Err(place.reject(
                0,
                "a chat id at or above 2^28, where the API's chat ids start".into(),
            ))
        } else {
            Ok(place)
        }
    }

    fn reject(&self, bytes: u64, reason: String) -> Rejection {
        Rejection {
            table: self.table,
            id: self.id,
            user_id: self.user_id,
            chat_id: self.chat_id,
            bytes,
            reason,
        }
    }

    fn too_large(&self, bytes: i64, what: &str) -> Rejection {
        let bytes = u64::try_from(bytes).unwrap_or(0);
        self.reject(
            bytes,
            format!("{what} of {bytes} bytes cannot fit DynamoDB's {MAX_ITEM_BYTES}-byte item"),
        )
    }

    /// Checks each item's size; the row is rejected whole if one does not fit.
    fn items(&self, items: Vec<Item>, notes: Vec<Note>) -> Plan {
        match items.iter().map(item_bytes).max() {
            Some(largest) if largest > MAX_ITEM_BYTES => Plan::Reject(self.reject(
                largest as u64,
                format!("needs an item of {largest} bytes; DynamoDB's limit is {MAX_ITEM_BYTES}"),
            )),
            _ => Plan::Write { items, notes },
        }
    }

    fn over_api_limit(&self, bytes: i64, notes: &mut Vec<Note>) {
        let bytes = u64::try_from(bytes).unwrap_or(0);
        if bytes > MAX_TEXT_BYTES as u64 {
            notes.push(Note::OverApiLimit {
                table: self.table,
                id: self.id,
                bytes,
            });
        }
    }

    /// Created and updated time in ms; a NULL one becomes the nearest known time of the chat.
    fn times(&self, times: SourceTimes, notes: &mut Vec<Note>) -> Result<(u64, u64), Rejection> {
        let non_negative = |ms: i64| {
            u64::try_from(ms).map_err(|_| self.reject(0, "a timestamp is before 1970".into()))
        };
        let created = match times.created_at {
            Some(ms) => non_negative(ms)?,
            None => {
                let stored = times.nearest.map(non_negative).transpose()?.unwrap_or(0);
                notes.push(self.null_time("created_at", stored, times.nearest.is_some()));
                stored
            }
        };
        let updated = match times.updated_at {
            Some(ms) => non_negative(ms)?,
            None => {
                notes.push(self.null_time("updated_at", created, true));
                created
            }
        };
        Ok((created, updated))
    }

    fn null_time(&self, column: &'static str, stored_ms: u64, known: bool) -> Note {
        Note::NullTime {
            table: self.table,
            id: self.id,
            column,
            stored_ms,
            known,
        }
    }
}

fn attributes<T: serde::Serialize>(row: &T) -> Item {
    // Our own row types always serialize: only maps with non-string keys could fail.
    schema::to_attribute_map(row).unwrap_or_default()
}

fn plan_with(build: impl FnOnce() -> Result<Plan, Rejection>) -> Plan {
    build().unwrap_or_else(Plan::Reject)
}

/// A chat: its row in the user's list and its partition's `META` marker, alike.
pub fn chat(source: &SourceChat) -> Plan {
    plan_with(|| {
        let place = Place::new(SourceTable::Chats, source.id, source.user_id, source.id)?;
        let Some(name) = &source.name else {
            return Err(place.too_large(source.name_bytes, "name"));
        };
        let mut notes = Vec::new();
        let (created_at, updated_at) = place.times(source.times, &mut notes)?;
        let project_id = project_of(source, &place, &mut notes)?;
        let share_uuid =
            match &source.share_uuid {
                Some(raw) => Some(parse_share_uuid(raw).ok_or_else(|| {
                    place.reject(0, format!("its share uuid {raw} is not a uuid"))
                })?),
                None => None,
            };
        let rows = ChatRow {
            pk: schema::user_pk(UserId(place.user_id)),
            sk: schema::chat_sk(ChatId(place.id)),
            id: ChatId(place.id),
            user_id: UserId(place.user_id),
            name: name.clone(),
            model: source.model.clone(),
            project_id: project_id.map(ProjectId),
            share_uuid,
            created_at,
            updated_at,
            write_id: IMPORT_WRITE_ID,
        }
        .rows();
        Ok(place.items(rows.iter().map(attributes).collect(), notes))
    })
}

/// The project a chat is in: the lowest it is linked to (the others are noted).
fn project_of(
    source: &SourceChat,
    place: &Place,
    notes: &mut Vec<Note>,
) -> Result<Option<u64>, Rejection> {
    let projects = source
        .projects
        .iter()
        .map(|&id| u64::try_from(id).ok().filter(|&id| id > 0))
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(|| place.reject(0, "a project id is not a positive integer".into()))?;
    let Some((&kept, others)) = projects.split_first() else {
        return Ok(None);
    };
    if !others.is_empty() {
        notes.push(Note::OtherProjects {
            chat_id: place.id,
            kept,
            others: others.to_vec(),
        });
    }
    Ok(Some(kept))
}

/// A message, alone in its row (`n = 1`) under its own id.
pub fn message(source: &SourceMessage) -> Plan {
    plan_with(|| {
        let place = Place::new(
            SourceTable::Messages,
            source.id,
            source.user_id,
            source.chat_id,
        )?;
        let Some(text) = &source.message else {
            return Err(place.too_large(source.message_bytes, "message"));
        };
        let actor = source.actor.as_deref().unwrap_or("NULL");
        let Some(actor) = Role::from_name(actor) else {
            return Err(place.reject(0, format!("actor {actor} is not user or assistant")));
        };
        let mut notes = Vec::new();
        place.over_api_limit(source.message_bytes, &mut notes);
        let (created_at, updated_at) = place.times(source.times, &mut notes)?;
        let row = ImportedMessageRow {
            row: MessageChunkRow {
                pk: schema::chat_pk(UserId(place.user_id), ChatId(place.chat_id)),
                sk: schema::message_chunk_sk(place.id),
                n: 1,
                created_at,
                write_id: IMPORT_WRITE_ID,
                items: vec![StoredMessage {
                    id: MessageId(place.id),
                    actor,
                    message: text.clone(),
                }],
            },
            updated_at,
        };
        Ok(place.items(vec![attributes(&row)], notes))
    })
}

/// A chat file (the `chat_conversation_file` row with its `neptun_user_file`), alone in its
/// row under its own id, attached to its message.
pub fn file(source: &SourceFile) -> Plan {
    plan_with(|| {
        let place = Place::new(
            SourceTable::Files,
            source.id,
            source.user_id,
            source.chat_id,
        )?;
        let message_id = u64::try_from(source.message_id)
            .ok()
            .filter(|&id| id > 0 && ids::is_imported(id))
            .ok_or_else(|| place.reject(0, "its message id is out of range".into()))?;
        if source.message_chat_id != source.chat_id {
            return Err(place.reject(
                0,
                format!(
                    "its message {message_id} belongs to chat {}",
                    source.message_chat_id
                ),
            ));
        }
        if source.text_bytes > MAX_ITEM_BYTES as i64 {
            return Err(place.too_large(source.text_bytes, "title and text"));
        }
        let Some(text) = &source.text else {
            return Err(place.too_large(source.text_bytes, "text"));
        };
        let mut notes = Vec::new();
        place.over_api_limit(source.text_bytes, &mut notes);
        let (created_at, updated_at) = place.times(source.times, &mut notes)?;
        let row = ImportedFileRow {
            row: FileChunkRow {
                pk: schema::chat_pk(UserId(place.user_id), ChatId(place.chat_id)),
                sk: schema::file_chunk_sk(place.id),
                n: 1,
                message_id: MessageId(message_id),
                created_at,
                write_id: IMPORT_WRITE_ID,
                items: vec![StoredFile {
                    id: FileId(place.id),
                    title: source.title.clone().unwrap_or_default(),
                    text: text.clone(),
                    language: source.language.clone(),
                    extension: source.extension.clone(),
                }],
            },
            updated_at,
        };
        Ok(place.items(vec![attributes(&row)], notes))
    })
}

/// The size DynamoDB counts for an item: attribute names plus values (numbers rounded up).
pub fn item_bytes(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}

fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number.len().div_ceil(2) + 1,
        AttributeValue::B(blob) => blob.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(name, v)| 1 + name.len() + value_bytes(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        // A type newer than this code: count it as large, never as free.
        _ => MAX_ITEM_BYTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(created: Option<i64>, updated: Option<i64>, nearest: Option<i64>) -> SourceTimes {
        SourceTimes {
            created_at: created,
            updated_at: updated,
            nearest,
        }
    }

    fn a_message(text: &str) -> SourceMessage {
        SourceMessage {
            id: 17,
            user_id: 3,
            chat_id: 12,
            message: Some(text.to_owned()),
            message_bytes: text.len() as i64,
            actor: Some("assistant".into()),
            times: times(Some(1_710_928_800_123), Some(1_710_928_800_456), None),
        }
    }

    fn written(plan: Plan) -> (Vec<Item>, Vec<Note>) {
        match plan {
            Plan::Write { items, notes } => (items, notes),
            Plan::Reject(rejection) => panic!("rejected: {rejection}"),
        }
    }

    #[test]
    fn a_message_keeps_its_id_text_actor_and_times_in_a_row_of_its_own() {
        let (items, notes) = written(message(&a_message("grüße ✓")));
        assert!(notes.is_empty());
        let [item] = items.as_slice() else {
            panic!("one item")
        };
        let row: ImportedMessageRow = serde_dynamo::from_item(item.clone()).expect("a row");
        assert_eq!(row.row.sk, schema::message_chunk_sk(17));
        assert_eq!(ids::chunk_of(17), 17);
        assert_eq!(row.row.n, 1);
        assert_eq!(row.row.items[0].message, "grüße ✓");
        assert_eq!(row.row.items[0].actor, Role::Assistant);
        assert_eq!(row.row.created_at, 1_710_928_800_123);
        assert_eq!(row.updated_at, 1_710_928_800_456);
    }

    #[test]
    fn null_times_become_the_nearest_known_time_and_are_reported() {
        let mut source = a_message("x");
        source.times = times(None, None, Some(1_700_000_000_000));
        let (items, notes) = written(message(&source));
        let row: ImportedMessageRow = serde_dynamo::from_item(items[0].clone()).expect("a row");
        assert_eq!(
            (row.row.created_at, row.updated_at),
            (1_700_000_000_000, 1_700_000_000_000)
        );
        assert_eq!(notes.len(), 2);
        assert!(
            notes[0].to_string().contains("created_at is NULL"),
            "{}",
            notes[0]
        );

        source.times = times(None, None, None);
        let (_, notes) = written(message(&source));
        assert!(notes[0].to_string().contains("no known time"));
    }

    #[test]
    fn texts_over_the_api_limit_are_stored_when_they_fit_and_rejected_when_not() {
        let big = "a".repeat(300 * 1024);
        let (items, notes) = written(message(&a_message(&big)));
        assert_eq!(items.len(), 1);
        assert!(matches!(notes[..], [Note::OverApiLimit { bytes, .. }] if bytes == 300 * 1024));

        let huge = "a".repeat(MAX_ITEM_BYTES);
        let Plan::Reject(rejection) = message(&a_message(&huge)) else {
            panic!("a message that fills an item on its own cannot fit")
        };
        assert!(rejection.bytes > MAX_ITEM_BYTES as u64);

        let mut unfetched = a_message("");
        unfetched.message = None;
        unfetched.message_bytes = 5_000_000;
        let Plan::Reject(rejection) = message(&unfetched) else {
            panic!("too large to fetch")
        };
        assert_eq!(rejection.bytes, 5_000_000);
        assert_eq!(rejection.record().source_id, 17);
    }

    #[test]
    fn a_chat_is_listed_and_marked_alike_and_a_file_keeps_its_fields() {
        let source = SourceChat {
            id: 12,
            user_id: 3,
            name: Some("Fragen zu Python 🐍".into()),
            name_bytes: 22,
            model: "google/gemma-2-27b-it".into(),
            times: times(Some(5), None, Some(5)),
            projects: Vec::new(),
            share_uuid: None,
        };
        let (items, notes) = written(chat(&source));
        let rows: Vec<ChatRow> = items
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).expect("a chat row"))
            .collect();
        assert_eq!(rows[0].sk, schema::chat_sk(ChatId(12)));
        assert_eq!(rows[1].sk, schema::CHAT_META_SK);
        assert_eq!(rows[0].name, rows[1].name);
        assert_eq!((rows[0].created_at, rows[0].updated_at), (5, 5));
        assert_eq!(notes.len(), 1);

        let file_source = SourceFile {
            id: 40,
            user_id: 3,
            chat_id: 12,
            message_id: 17,
            message_chat_id: 12,
            title: None,
            text: Some("print(1)".into()),
            text_bytes: 8,
            language: "python".into(),
            extension: "py".into(),
            times: times(Some(1), Some(2), Some(1)),
        };
        let (items, _) = written(file(&file_source));
        let row: ImportedFileRow = serde_dynamo::from_item(items[0].clone()).expect("a row");
        assert_eq!(row.row.message_id, MessageId(17));
        assert_eq!(row.row.items[0].title, "");
        assert_eq!(row.row.items[0].extension, "py");
        let elsewhere = SourceFile {
            message_chat_id: 99,
            ..file_source
        };
        assert!(matches!(file(&elsewhere), Plan::Reject(_)));
    }

    #[test]
    fn a_chat_in_several_projects_keeps_the_lowest_and_names_its_share() {
        let source = SourceChat {
            id: 12,
            user_id: 3,
            name: Some("in projects".into()),
            name_bytes: 11,
            model: "google/gemma-2-27b-it".into(),
            times: times(Some(5), Some(6), Some(5)),
            projects: vec![4, 9, 30],
            share_uuid: Some("0B6F3A52-8F0E-4C5A-9D8E-2F1B7C3D4E5F".into()),
        };
        let (items, notes) = written(chat(&source));
        let rows: Vec<ChatRow> = items
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).expect("a chat row"))
            .collect();
        assert_eq!(rows.len(), 3, "listed, marked, and in its project's list");
        assert_eq!(rows[2].pk, schema::project_pk(UserId(3), ProjectId(4)));
        assert!(rows.iter().all(|row| row.project_id == Some(ProjectId(4))
            && row.share_uuid.as_deref() == Some("0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f")));
        assert_eq!(
            notes,
            vec![Note::OtherProjects {
                chat_id: 12,
                kept: 4,
                others: vec![9, 30]
            }]
        );
        let broken = SourceChat {
            share_uuid: Some("not-a-uuid".into()),
            ..source
        };
        assert!(matches!(chat(&broken), Plan::Reject(_)));
    }

    #[test]
    fn item_sizes_count_names_and_values() {
        let item = Item::from([
            ("PK".to_owned(), AttributeValue::S("ab".into())),
            ("n".to_owned(), AttributeValue::N("1".into())),
        ]);
        assert_eq!(item_bytes(&item), 2 + 2 + 1 + 2);
    }
}
