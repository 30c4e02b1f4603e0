//! DynamoDB Local never deletes expired items (TTL), and real DynamoDB deletes them up to days
//! late: an expired `Idempotency-Key` record is still in the table. These tests leave it there,
//! as both engines may, and show that our own `expires_at` check treats it as absent.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::Request;
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use neptun_tests::*;
use serde_json::{Value, json};

fn post_messages(messages: &[&str], key: &str) -> Request {
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| json!({"content": m, "role": "user"}))
        .collect();
    event_with("create-chat-messages/200-batch.json", |event| {
        event["body"] = json!(json!({ "messages": messages }).to_string());
        event["headers"]["idempotency-key"] = json!(key);
    })
}

/// Moves every idempotency record of the sample user a second into the past, as if its 24 hours
/// were over, without deleting it (which is all that TTL would add). Returns how many it moved.
async fn expire_idempotency_records(store: &DynamoStore) -> usize {
    let pk = schema::user_pk(SAMPLE_USER);
    let records = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
        .expression_attribute_names("#pk", schema::PK)
        .expression_attribute_names("#sk", schema::SK)
        .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
        .expression_attribute_values(":prefix", AttributeValue::S(schema::idempotency_sk("")))
        .send()
        .await
        .expect("query the idempotency records");
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        - 1;
    for record in records.items() {
        store
            .client()
            .update_item()
            .table_name(store.table())
            .key(schema::PK, record[schema::PK].clone())
            .key(schema::SK, record[schema::SK].clone())
            .update_expression("SET #expires = :past")
            .expression_attribute_names("#expires", schema::EXPIRES_AT)
            .expression_attribute_values(":past", AttributeValue::N(past.to_string()))
            .send()
            .await
            .expect("expire the record");
    }
    records.items().len()
}

async fn post(context: &AppContext<DynamoStore>, request: Request) -> (u16, Value, bool) {
    let response = invoke(context, Function::CreateChatMessages, request).await;
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let (status, body) = json_of(response);
    (status, body, replayed)
}

fn ids(body: &Value) -> Vec<u64> {
    body["chatMessages"]
        .as_array()
        .map(|list| list.iter().filter_map(|m| m["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_expired_key_record_still_in_the_table_is_treated_as_absent() {
    let context = context().await;
    seed_sample_data(&context.store).await;

    let (status, first, _) = post(&context, post_messages(&["a", "b"], "key-ttl")).await;
    assert_eq!(status, 200, "{first}");
    let (status, replay, replayed) = post(&context, post_messages(&["a", "b"], "key-ttl")).await;
    assert_eq!((status, replayed), (200, true), "a live key replays");
    assert_eq!(ids(&replay), ids(&first));

    assert_eq!(expire_idempotency_records(&context.store).await, 1);

    // The same request again: a new create, not the old answer.
    let (status, again, replayed) = post(&context, post_messages(&["a", "b"], "key-ttl")).await;
    assert_eq!((status, replayed), (200, false), "{again}");
    assert_ne!(ids(&again), ids(&first), "new messages, new ids");

    // That create wrote a live record again: now it replays.
    let (status, replay, replayed) = post(&context, post_messages(&["a", "b"], "key-ttl")).await;
    assert_eq!((status, replayed), (200, true), "{replay}");
    assert_eq!(ids(&replay), ids(&again));
}

#[tokio::test]
async fn an_expired_key_may_be_reused_for_another_request() {
    let context = context().await;
    seed_sample_data(&context.store).await;

    let (status, body, _) = post(&context, post_messages(&["first"], "key-reuse")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = post(&context, post_messages(&["other"], "key-reuse")).await;
    assert_eq!(status, 422, "a live key refuses another request: {body}");

    assert_eq!(expire_idempotency_records(&context.store).await, 1);
    let (status, body, replayed) = post(&context, post_messages(&["other"], "key-reuse")).await;
    assert_eq!((status, replayed), (200, false), "{body}");
    assert_eq!(body["chatMessages"][0]["message"], "other");
}
