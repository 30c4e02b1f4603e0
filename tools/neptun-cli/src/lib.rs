//! Development helpers shared by the dev tools (`make dev`) and the tests: the sample data
//! that the events under `events/` refer to, the import of the web app's chats, and the local
//! consumer of the table's stream ([`stream_purge`]).

pub mod import;
pub mod stream_purge;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use neptun::model::Role;
use neptun::store::dynamo::DynamoStore;
use neptun::store::schema::{
    self, ChatRow, FileChunkRow, MessageChunkRow, StoredFile, StoredMessage,
};

/// The user, chat, message and file the sample events use.
pub const SAMPLE_USER: u64 = 1;
pub const SAMPLE_CHAT: u64 = 1000;
pub const SAMPLE_MESSAGE: u64 = 4096;
pub const SAMPLE_FILE: u64 = 8192;
pub const SAMPLE_FILE_TEXT: &str = "print('Hello, World!')";
/// The chats the delete events remove (`delete-chat`, `delete-chats`), so that every other
/// event still finds the sample chat.
pub const SAMPLE_CHAT_TO_DELETE: u64 = 1001;
pub const SAMPLE_CHATS_TO_DELETE: u64 = 1002;
/// The chat the regenerate event shortens: a question, its answer, and a file of the answer.
pub const SAMPLE_CHAT_TO_REGENERATE: u64 = 1003;
pub const SAMPLE_QUESTION: u64 = 4112;
pub const SAMPLE_ANSWER: u64 = 4113;
pub const SAMPLE_ANSWER_FILE: u64 = 8208;
/// The sample chats, with their names.
const SAMPLE_CHATS: [(u64, &str); 4] = [
    (SAMPLE_CHAT, "Sample chat"),
    (SAMPLE_CHAT_TO_DELETE, "Chat to delete"),
    (SAMPLE_CHATS_TO_DELETE, "Another chat to delete"),
    (SAMPLE_CHAT_TO_REGENERATE, "Chat to regenerate"),
];
/// How many chats the sample data holds.
pub const SEEDED_CHATS: usize = SAMPLE_CHATS.len();
/// When the sample data was written.
const SAMPLE_TIME_MS: u64 = 1_795_288_364_006;

/// [`try_seed_sample_data`] for tests, where a failure is the test's failure.
pub async fn seed_sample_data(store: &DynamoStore) {
    if let Err(error) = try_seed_sample_data(store).await {
        panic!(
            "seed the sample data: {}",
            neptun::error::ErrorChain(&error)
        );
    }
}

/// A chat's two rows: the user's list row and the partition's marker.
fn chat_rows(chat_id: u64, name: &str) -> [ChatRow; 2] {
    let listed = ChatRow {
        pk: schema::user_pk(SAMPLE_USER),
        sk: schema::chat_sk(chat_id),
        id: chat_id,
        user_id: SAMPLE_USER,
        name: name.into(),
        model: "gpt-4o".into(),
        created_at: SAMPLE_TIME_MS,
        updated_at: SAMPLE_TIME_MS,
        write_id: 0,
    };
    let marker = ChatRow {
        pk: schema::chat_pk(SAMPLE_USER, chat_id),
        sk: schema::CHAT_META_SK.into(),
        ..listed.clone()
    };
    [listed, marker]
}

/// One row of messages, from `first_id` on, in slot order.
fn message_row(chat_id: u64, first_id: u64, messages: &[(Role, &str)]) -> MessageChunkRow {
    MessageChunkRow {
        pk: schema::chat_pk(SAMPLE_USER, chat_id),
        sk: schema::message_chunk_sk(first_id),
        n: messages.len() as u64,
        created_at: SAMPLE_TIME_MS,
        write_id: 0,
        items: (first_id..)
            .zip(messages)
            .map(|(id, (actor, message))| StoredMessage {
                id,
                actor: *actor,
                message: (*message).into(),
            })
            .collect(),
    }
}

/// A row of one file, attached to `message_id`.
fn file_row(chat_id: u64, file_id: u64, message_id: u64, title: &str, text: &str) -> FileChunkRow {
    FileChunkRow {
        pk: schema::chat_pk(SAMPLE_USER, chat_id),
        sk: schema::file_chunk_sk(file_id),
        n: 1,
        message_id,
        created_at: SAMPLE_TIME_MS,
        write_id: 0,
        items: vec![StoredFile {
            id: file_id,
            title: title.into(),
            text: text.into(),
            language: "python".into(),
            extension: "py".into(),
        }],
    }
}

/// The chats, messages and files that the sample events use, written straight into the table.
pub async fn try_seed_sample_data(store: &DynamoStore) -> Result<(), SdkError<PutItemError>> {
    let mut items = Vec::new();
    for (chat_id, name) in SAMPLE_CHATS {
        items.extend(chat_rows(chat_id, name).iter().map(serde_dynamo_item));
    }
    items.push(serde_dynamo_item(&message_row(
        SAMPLE_CHAT,
        SAMPLE_MESSAGE,
        &[(Role::User, "What is Python?")],
    )));
    items.push(serde_dynamo_item(&file_row(
        SAMPLE_CHAT,
        SAMPLE_FILE,
        SAMPLE_MESSAGE,
        "example.py",
        SAMPLE_FILE_TEXT,
    )));
    items.push(serde_dynamo_item(&message_row(
        SAMPLE_CHAT_TO_REGENERATE,
        SAMPLE_QUESTION,
        &[
            (Role::User, "How do I print in Python?"),
            (Role::Assistant, "Use print: ```python\nprint(1)\n```"),
        ],
    )));
    items.push(serde_dynamo_item(&file_row(
        SAMPLE_CHAT_TO_REGENERATE,
        SAMPLE_ANSWER_FILE,
        SAMPLE_ANSWER,
        "",
        "print(1)",
    )));
    // Only where the row is missing: a kept dev table (NEPTUN_DEV_DATA) is seeded once, and what
    // was changed through the API since stays as it is.
    for item in items {
        let written = store
            .client()
            .put_item()
            .table_name(store.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .send()
            .await;
        match written {
            Err(error)
                if !error
                    .as_service_error()
                    .is_some_and(PutItemError::is_conditional_check_failed_exception) =>
            {
                return Err(error);
            }
            _ => {}
        }
    }
    Ok(())
}

fn serde_dynamo_item<T: serde::Serialize>(
    row: &T,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    neptun::store::schema::to_attribute_map(row).expect("rows serialize")
}
