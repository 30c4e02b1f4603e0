//! Development helpers shared by the dev tools (`make dev`) and the tests: the sample data
//! that the events under `events/` refer to, and the import of the web app's chats.

pub mod import;

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

/// The chat, message and file that the sample events use, written straight into the table.
pub async fn seed_sample_data(store: &DynamoStore) {
    let chat = ChatRow {
        pk: schema::user_pk(SAMPLE_USER),
        sk: schema::chat_sk(SAMPLE_CHAT),
        id: SAMPLE_CHAT,
        user_id: SAMPLE_USER,
        name: "Sample chat".into(),
        model: "gpt-4o".into(),
        created_at: 1_795_288_364_006,
        updated_at: 1_795_288_364_006,
        write_id: 0,
    };
    let marker = ChatRow {
        pk: schema::chat_pk(SAMPLE_USER, SAMPLE_CHAT),
        sk: schema::CHAT_META_SK.into(),
        ..chat.clone()
    };
    let message = MessageChunkRow {
        pk: schema::chat_pk(SAMPLE_USER, SAMPLE_CHAT),
        sk: schema::message_chunk_sk(SAMPLE_MESSAGE),
        n: 1,
        created_at: 1_795_288_364_006,
        write_id: 0,
        items: vec![StoredMessage {
            id: SAMPLE_MESSAGE,
            actor: neptun::model::Role::User,
            message: "What is Python?".into(),
        }],
    };
    let file = FileChunkRow {
        pk: schema::chat_pk(SAMPLE_USER, SAMPLE_CHAT),
        sk: schema::file_chunk_sk(SAMPLE_FILE),
        n: 1,
        message_id: SAMPLE_MESSAGE,
        created_at: 1_795_288_364_006,
        write_id: 0,
        items: vec![StoredFile {
            id: SAMPLE_FILE,
            title: "example.py".into(),
            text: SAMPLE_FILE_TEXT.into(),
            language: "python".into(),
            extension: "py".into(),
        }],
    };
    for item in [
        serde_dynamo_item(&chat),
        serde_dynamo_item(&marker),
        serde_dynamo_item(&message),
        serde_dynamo_item(&file),
    ] {
        store
            .client()
            .put_item()
            .table_name(store.table())
            .set_item(Some(item))
            .send()
            .await
            .expect("seed the sample data");
    }
}

fn serde_dynamo_item<T: serde::Serialize>(
    row: &T,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    neptun::store::schema::to_attribute_map(row).expect("rows serialize")
}
