//! Development helpers shared by the dev tools (`make dev`) and the tests: the sample data
//! that the events under `events/` refer to, and the local consumer of the table's stream
//! ([`stream_purge`]).

pub mod stream_purge;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
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

/// [`try_seed_sample_data`] for tests, where a failure is the test's failure.
pub async fn seed_sample_data(store: &DynamoStore) {
    if let Err(error) = try_seed_sample_data(store).await {
        panic!(
            "seed the sample data: {}",
            neptun::error::ErrorChain(&error)
        );
    }
}

/// The chat, message and file that the sample events use, written straight into the table.
pub async fn try_seed_sample_data(store: &DynamoStore) -> Result<(), SdkError<PutItemError>> {
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
    // Only where the row is missing: a kept dev table (NEPTUN_DEV_DATA) is seeded once, and what
    // was changed through the API since stays as it is.
    for item in [
        serde_dynamo_item(&chat),
        serde_dynamo_item(&marker),
        serde_dynamo_item(&message),
        serde_dynamo_item(&file),
    ] {
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
