//! Exactly-once creates, concurrency, and storage faults, through the real store on DynamoDB Local.

use neptun_core::functions::Function;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_http::Request;
use neptun_core::context::AppContext;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::StorageTimeouts;
use neptun_tests::proxy::{Mode, StorageProxy};
use neptun_tests::*;
use serde_json::{Value, json};

fn post_messages(messages: &[&str], key: Option<&str>) -> Request {
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| json!({"content": m, "role": "user"}))
        .collect();
    event_with("create-chat-messages/200-batch.json", |event| {
        event["body"] = json!(json!({ "messages": messages }).to_string());
        if let Some(key) = key {
            event["headers"]["idempotency-key"] = json!(key);
        }
    })
}

fn list_all() -> Request {
    event("list-chat-messages/200-list.json")
}

async fn stored_messages(context: &AppContext<DynamoStore>) -> Vec<Value> {
    let (status, body) = json_of(invoke(context, Function::ListChatMessages, list_all()).await);
    assert_eq!(status, 200, "{body}");
    body["chatMessages"].as_array().cloned().unwrap_or_default()
}

/// A context whose storage traffic goes through a proxy, with the production limits.
async fn context_behind_proxy() -> (AppContext<DynamoStore>, StorageProxy) {
    let base = context().await;
    seed_sample_data(&base.store).await;
    let proxy = StorageProxy::start(storage_endpoint());
    let client = client_with_limits(&proxy.endpoint(), StorageTimeouts::default());
    let store = DynamoStore::new(client, base.store.table());
    (AppContext { store, ..base }, proxy)
}

#[tokio::test]
async fn the_same_key_and_body_answer_the_first_response_and_store_once() {
    let context = context().await;
    seed_sample_data(&context.store).await;

    let first = invoke(
        &context,
        Function::CreateChatMessages,
        post_messages(&["a", "b"], Some("key-1")),
    )
    .await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let (status, first) = json_of(first);
    assert_eq!(status, 200, "{first}");

    let again = invoke(
        &context,
        Function::CreateChatMessages,
        post_messages(&["a", "b"], Some("key-1")),
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let (status, again) = json_of(again);
    assert_eq!(status, 200);
    assert_eq!(again, first, "the same ids, texts and timestamps");
    assert_eq!(
        stored_messages(&context).await.len(),
        3,
        "the seeded message and the batch, once"
    );

    let (status, body) = json_of(
        invoke(
            &context,
            Function::CreateChatMessages,
            post_messages(&["c"], Some("key-1")),
        )
        .await,
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(stored_messages(&context).await.len(), 3);

    // Without a key, behaviour is unchanged: every request creates.
    for _ in 0..2 {
        assert_eq!(
            invoke(
                &context,
                Function::CreateChatMessages,
                post_messages(&["a", "b"], None)
            )
            .await
            .status(),
            200
        );
    }
    assert_eq!(stored_messages(&context).await.len(), 7);

    // A key belongs to its user: on another route it is another request (422) ...
    let chat = |key: &str| {
        event_with("create-chat/200-create.json", |e| {
            e["headers"]["idempotency-key"] = json!(key)
        })
    };
    assert_eq!(
        invoke(&context, Function::CreateChat, chat("key-1"))
            .await
            .status(),
        422
    );
    // ... and a fresh key creates a chat once.
    let (_, one) = json_of(invoke(&context, Function::CreateChat, chat("chat-key")).await);
    let (_, two) = json_of(invoke(&context, Function::CreateChat, chat("chat-key")).await);
    assert!(one["chat"]["id"].is_u64());
    assert_eq!(one, two);
    let (_, chats) = json_of(
        invoke(
            &context,
            Function::ListChats,
            event("list-chats/200-list.json"),
        )
        .await,
    );
    assert_eq!(
        chats["chats"].as_array().map(Vec::len),
        Some(SEEDED_CHATS + 1),
        "the seeded chats and one new one"
    );
}

#[tokio::test]
async fn malformed_keys_are_refused_before_anything_is_stored() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let long = "k".repeat(256);
    let (status, body) = json_of(
        invoke(
            &context,
            Function::CreateChatMessages,
            post_messages(&["a"], Some(&long)),
        )
        .await,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["data"]["issues"][0]["path"],
        json!(["headers", "Idempotency-Key"])
    );
    let longest = "k".repeat(255);
    let response = invoke(
        &context,
        Function::CreateChatMessages,
        post_messages(&["a"], Some(&longest)),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(stored_messages(&context).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_clients_store_1600_messages_exactly_once() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::ERROR)
        .with_test_writer()
        .try_init();
    let context = Arc::new(context().await);
    seed_sample_data(&context.store).await;
    let mut clients = Vec::new();
    for client in 0..16 {
        let context = context.clone();
        clients.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for batch in 0..10 {
                let texts: Vec<String> = (0..10)
                    .map(|i| format!("c{client}-b{batch}-m{i}"))
                    .collect();
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                let (status, body) = json_of(
                    invoke(
                        &context,
                        Function::CreateChatMessages,
                        post_messages(&texts, None),
                    )
                    .await,
                );
                assert_eq!(status, 200, "{body}");
                let batch_ids: Vec<u64> = body["chatMessages"]
                    .as_array()
                    .map(|list| list.iter().filter_map(|m| m["id"].as_u64()).collect())
                    .unwrap_or_default();
                assert_eq!(batch_ids.len(), 10);
                assert!(
                    batch_ids.windows(2).all(|pair| pair[0] < pair[1]),
                    "a batch's ids increase in input order"
                );
                ids.extend(batch_ids);
            }
            ids
        }));
    }
    let mut all_ids = Vec::new();
    for client in clients {
        all_ids.extend(client.await.expect("client task"));
    }
    assert_eq!(all_ids.len(), 1600);
    assert_eq!(
        all_ids.iter().collect::<HashSet<_>>().len(),
        1600,
        "ids are unique"
    );

    let stored = stored_messages(&context).await;
    let texts: Vec<&str> = stored
        .iter()
        .filter_map(|m| m["message"].as_str())
        .collect();
    let unique: HashSet<&str> = texts.iter().copied().collect();
    assert_eq!(texts.len(), 1601, "every message once, plus the seeded one");
    assert_eq!(unique.len(), 1601, "no message twice");
    for client in 0..16 {
        for batch in 0..10 {
            for i in 0..10 {
                assert!(unique.contains(format!("c{client}-b{batch}-m{i}").as_str()));
            }
        }
    }
}

/// Storage down, hung or throttling: 503 with Retry-After within the limits, never 500.
#[tokio::test]
async fn storage_faults_answer_503_in_time_and_retries_complete_exactly_once() {
    let (context, proxy) = context_behind_proxy().await;
    let limits = StorageTimeouts::default();
    for mode in [Mode::Refuse, Mode::Hang, Mode::Throttle] {
        proxy.set_mode(mode);
        for request in [
            post_messages(&["during the fault"], Some("retry-me")),
            list_all(),
        ] {
            let started = Instant::now();
            let response = invoke(
                &context,
                if request.method() == "POST" {
                    Function::CreateChatMessages
                } else {
                    Function::ListChatMessages
                },
                request,
            )
            .await;
            let elapsed = started.elapsed();
            assert_eq!(response.status(), 503, "{mode:?}");
            assert_eq!(response.headers()["retry-after"], "1", "{mode:?}");
            assert!(
                elapsed <= limits.operation + Duration::from_millis(500),
                "{mode:?} took {elapsed:?}"
            );
        }
    }
    proxy.set_mode(Mode::Forward);
    for _ in 0..2 {
        let (status, body) = json_of(
            invoke(
                &context,
                Function::CreateChatMessages,
                post_messages(&["during the fault"], Some("retry-me")),
            )
            .await,
        );
        assert_eq!(status, 200, "{body}");
    }
    let stored = stored_messages(&context).await;
    let copies = stored
        .iter()
        .filter(|m| m["message"] == "during the fault")
        .count();
    assert_eq!(copies, 1, "stored exactly once");
}

/// The write commits but its response is lost: the SDK's retry must not write it again.
#[tokio::test]
async fn a_lost_response_does_not_duplicate_a_write() {
    let (context, proxy) = context_behind_proxy().await;
    for key in [None, Some("lost-once")] {
        proxy.lose_responses(1);
        let text = format!("lost response, key {key:?}");
        let (status, body) = json_of(
            invoke(
                &context,
                Function::CreateChatMessages,
                post_messages(&[&text], key),
            )
            .await,
        );
        assert_eq!(status, 200, "{body}");
        let stored = stored_messages(&context).await;
        let copies: Vec<&Value> = stored
            .iter()
            .filter(|m| m["message"] == json!(text))
            .collect();
        assert_eq!(copies.len(), 1, "stored exactly once ({key:?})");
        assert_eq!(
            copies[0]["id"], body["chatMessages"][0]["id"],
            "the answer names the stored message"
        );
    }
}

#[tokio::test]
async fn attaching_files_with_a_key_twice_stores_them_once() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let post = || {
        event_with("create-chat-files/200-batch.json", |e| {
            e["headers"]["idempotency-key"] = json!("files-1")
        })
    };
    let (status, first) = json_of(invoke(&context, Function::CreateChatFiles, post()).await);
    assert_eq!(status, 200, "{first}");
    let again = invoke(&context, Function::CreateChatFiles, post()).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let (_, again) = json_of(again);
    let ids = |body: &Value| -> Vec<Value> {
        body["chatFiles"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["id"].clone())
            .collect()
    };
    assert_eq!(ids(&again), ids(&first));
    let (_, listed) = json_of(
        invoke(
            &context,
            Function::GetChatFiles,
            event("get-chat-files/200-list.json"),
        )
        .await,
    );
    let stored = listed["chatFiles"].as_array().map_or(0, Vec::len);
    assert_eq!(
        stored,
        1 + ids(&first).len(),
        "the seeded file and the batch, once"
    );
}

/// The answer to a committed delete is lost: the SDK sends the same call again with the same
/// `ClientRequestToken` (it gives every `TransactWriteItems` one of its own), and DynamoDB
/// answers it as the success it was, not as a chat not found.
#[tokio::test]
async fn a_lost_answer_to_a_committed_delete_is_still_a_200() {
    let (context, proxy) = context_behind_proxy().await;
    proxy.lose_response_of("TransactWriteItems");
    // Without an Idempotency-Key, whose record would answer the retry too.
    let delete = event_with("delete-chat/200-delete.json", |e| {
        if let Some(headers) = e["headers"].as_object_mut() {
            headers.remove("idempotency-key");
        }
    });
    let (status, body) = json_of(invoke(&context, Function::DeleteChat, delete).await);
    assert_eq!(
        proxy.take_counts().get("TransactWriteItems"),
        Some(&2),
        "sent again"
    );
    assert_eq!(status, 200, "{body}");
}
