//! The hand-written floor of create-chat-messages: its `TransactWriteItems` (condition checks
//! on the chat's `META` and on the user's `ERASED` row, one put per chunk row of the batch, each
//! put asking for the row it met on a failed condition), built with the SDK's builders from
//! the request's path and body, and nothing else: no session, no validation (the body is only
//! decoded) and no response model.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use neptun_core::ids::{ChatId, MessageId, UserId};
use neptun_core::model::Role;
use neptun_dynamo::schema::{self, MessageChunkRow, StoredMessage};
use serde::Deserialize;

/// Fresh ids are drawn again after a collision, as ours does.
const ID_ATTEMPTS: usize = 8;

#[derive(Deserialize)]
struct Batch {
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    content: String,
    role: Role,
}

pub struct Floor {
    pub client: Client,
    pub table: String,
}

pub fn status(code: u16) -> Result<Response<Body>, Error> {
    Ok(Response::builder().status(code).body(Body::Empty)?)
}

pub async fn write(floor: &Floor, request: Request) -> Result<Response<Body>, Error> {
    let ids = ["user_id", "chat_id"].map(|name| {
        request
            .path_parameters_ref()
            .and_then(|params| params.first(name))
            .and_then(|id| id.parse::<u64>().ok())
    });
    let ([Some(user_id), Some(chat_id)], Ok(batch)) =
        (ids, serde_json::from_slice::<Batch>(request.body()))
    else {
        return status(400);
    };
    let now_ms = neptun_core::clock::now_ms();
    let chat_pk = schema::chat_pk(UserId(user_id), ChatId(chat_id));
    let check = ConditionCheck::builder()
        .table_name(&floor.table)
        .key(schema::PK, AttributeValue::S(chat_pk.clone()))
        .key(
            schema::SK,
            AttributeValue::S(schema::CHAT_META_SK.to_owned()),
        )
        .condition_expression(schema::ROW_EXISTS)
        .build()?;
    let not_erased = ConditionCheck::builder()
        .table_name(&floor.table)
        .key(
            schema::PK,
            AttributeValue::S(schema::user_pk(UserId(user_id))),
        )
        .key(schema::SK, AttributeValue::S(schema::ERASED_SK.to_owned()))
        .condition_expression(schema::ROW_ABSENT)
        .build()?;
    for attempt in 0..ID_ATTEMPTS as u64 {
        let base = neptun_core::ids::batch_base(now_ms + attempt);
        let write_id: u64 = rand::random();
        let chunks = schema::pack(batch.messages.iter().collect(), base, |m| {
            schema::message_bytes(&m.content)
        })?;
        let mut actions = vec![
            TransactWriteItem::builder()
                .condition_check(check.clone())
                .build(),
            TransactWriteItem::builder()
                .condition_check(not_erased.clone())
                .build(),
        ];
        for chunk in chunks {
            let row = MessageChunkRow {
                pk: chat_pk.clone(),
                sk: schema::message_chunk_sk(chunk.first().map_or(base, |(id, _)| *id)),
                n: chunk.len() as u64,
                created_at: now_ms,
                write_id,
                items: chunk
                    .into_iter()
                    .map(|(id, m)| StoredMessage {
                        id: MessageId(id),
                        actor: m.role,
                        message: m.content.clone(),
                    })
                    .collect(),
            };
            let put = Put::builder()
                .table_name(&floor.table)
                .set_item(Some(schema::to_attribute_map(&row)?))
                .condition_expression(schema::ROW_ABSENT)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build()?;
            actions.push(TransactWriteItem::builder().put(put).build());
        }
        match floor
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await
        {
            Ok(_) => return status(200),
            // A cancelled transaction: the chat is missing or the ids collide; draw again.
            Err(error) if error.as_service_error().is_some() => continue,
            Err(error) => return Err(error.into()),
        }
    }
    status(500)
}
