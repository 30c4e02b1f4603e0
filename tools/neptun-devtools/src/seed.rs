//! The sample data of `neptun-testkit` ([`SAMPLE_CHATS`], their shares), written straight into a table:
//! `make dev`'s and the tests'. Rows that are there already are left as they are, so a kept dev
//! table (`NEPTUN_DEV_DATA`) is seeded once and keeps what was changed through the API since.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema::{
    self, ChatRow, FileChunkRow, MessageChunkRow, ShareRow, StoredFile, StoredMessage,
};
use neptun_testkit::sample::{SAMPLE_CHATS, SAMPLE_MODEL, SAMPLE_TIME_MS, SampleChat, SampleShare};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("a sample row does not encode")]
    Encode(#[from] serde_dynamo::Error),
    #[error("the table refused a sample row")]
    Put(#[source] Box<SdkError<PutItemError>>),
}

/// Writes every sample chat, message and file that is not in the table yet.
pub async fn seed_sample_data(store: &DynamoStore) -> Result<(), SeedError> {
    for sample in SAMPLE_CHATS {
        for item in rows(&sample)? {
            put_if_absent(store, item).await?;
        }
    }
    Ok(())
}

/// The sample chat's rows: the chat's own (its list rows and marker), each message and each
/// file alone in its row, as imported items are (their ids are below the API's).
fn rows(sample: &SampleChat) -> Result<Vec<HashMap<String, AttributeValue>>, serde_dynamo::Error> {
    let share = SampleShare::of_chat(sample.id);
    let chat = ChatRow {
        pk: schema::user_pk(sample.user),
        sk: schema::chat_sk(sample.id),
        id: sample.id,
        user_id: sample.user,
        name: sample.name.to_owned(),
        model: SAMPLE_MODEL.to_owned(),
        project_id: sample.project,
        share_uuid: share.map(|share| share.uuid.to_owned()),
        created_at: SAMPLE_TIME_MS,
        updated_at: SAMPLE_TIME_MS,
        write_id: 0,
    };
    let mut items = Vec::new();
    for row in chat.rows() {
        items.push(schema::to_attribute_map(&row)?);
    }
    if let Some(share) = share {
        items.push(schema::to_attribute_map(&ShareRow::new(
            &share.stored(),
            0,
        ))?);
    }
    for message in sample.messages() {
        items.push(schema::to_attribute_map(&MessageChunkRow {
            pk: schema::chat_pk(sample.user, sample.id),
            sk: schema::message_chunk_sk(message.id.get()),
            n: 1,
            created_at: SAMPLE_TIME_MS,
            write_id: 0,
            items: vec![StoredMessage {
                id: message.id,
                actor: message.actor,
                message: message.message,
            }],
        })?);
    }
    for file in sample.files() {
        items.push(schema::to_attribute_map(&FileChunkRow {
            pk: schema::chat_pk(sample.user, sample.id),
            sk: schema::file_chunk_sk(file.id.get()),
            n: 1,
            message_id: file.message_id,
            created_at: SAMPLE_TIME_MS,
            write_id: 0,
            items: vec![StoredFile {
                id: file.id,
                title: file.title,
                text: file.text,
                language: file.language,
                extension: file.extension,
            }],
        })?);
    }
    Ok(items)
}

async fn put_if_absent(
    store: &DynamoStore,
    item: HashMap<String, AttributeValue>,
) -> Result<(), SeedError> {
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
            Err(SeedError::Put(Box::new(error)))
        }
        _ => Ok(()),
    }
}
