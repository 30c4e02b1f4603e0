//! Erasing a user on DynamoDB Local (`DELETE .../chats` with `{"all": true}`): a user with
//! hundreds of chats, in and out of projects, while messages keep arriving. Every message
//! that arrives after the answer is refused with `Erased` (a 410), for ever, and once the
//! stream's purge has run, no row of the user is left but the erasure's own.

use neptun_core::ids::{ChatId, ProjectId, UserId};
use std::sync::Arc;
use std::time::{Duration, Instant};

use neptun_core::clock::now_ms;
use neptun_core::functions::Function;
use neptun_core::model::Role;
use neptun_core::store::{ChatStore, Idempotency, MessageStore, ShareStore, StoreError};
use neptun_core::validation::{NewChat, NewMessage};
use neptun_dynamo::{DynamoStore, schema};
use neptun_tests::*;
use serde_json::{Value, json};

const USER: UserId = UserId(9);
const CHATS: u64 = 100;
const MESSAGES_PER_CHAT: usize = 10;
const PROJECTS: u64 = 5;
/// Writers racing the erasure: four appenders, two creators (one in a project), a sharer.
const WRITERS: usize = 7;

fn message(text: String) -> NewMessage {
    NewMessage {
        content: text,
        role: Role::User,
    }
}

/// The user's chats: every other one in one of the projects, each with its messages, and a
/// keyed create (its record in the user's partition).
async fn seed(store: &DynamoStore) -> Vec<ChatId> {
    let mut chats = Vec::new();
    for n in 0..CHATS {
        let chat = NewChat {
            name: format!("chat {n}"),
            model: String::new(),
            project_id: (n % 2 == 0).then_some(ProjectId(1 + n % PROJECTS)),
        };
        let key = Idempotency {
            key_hash: format!("key-{n}"),
            fingerprint: format!("create-{n}"),
        };
        let created = store
            .create_chat(USER, chat, now_ms(), (n == 0).then_some(&key))
            .await
            .expect("a chat");
        let messages = (0..MESSAGES_PER_CHAT)
            .map(|m| message(format!("message {m}")))
            .collect();
        store
            .append_messages(USER, created.value.id, messages, now_ms(), None)
            .await
            .expect("its messages");
        chats.push(created.value.id);
    }
    chats
}

/// Rows of every partition the user had.
async fn rows_left(store: &DynamoStore, chats: &[ChatId]) -> usize {
    // The user's `ERASED` row stays: the user stays erased.
    let mut rows = partition_rows(store, schema::user_pk(USER))
        .await
        .saturating_sub(1);
    for project in 1..=PROJECTS {
        rows += partition_rows(store, schema::project_pk(USER, ProjectId(project))).await;
    }
    for &chat in chats {
        rows += partition_rows(store, schema::chat_pk(USER, chat)).await;
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn erasing_a_large_user_racing_appends_leaves_no_row() {
    let store = fresh_store_with_stream().await;
    let chats = seed(&store).await;
    assert!(rows_left(&store, &chats).await > 2 * CHATS as usize);
    let follower = follow_the_stream(&store);
    let context = Arc::new(dev_context(store.clone()));

    // Writes keep arriving (four appenders, two creators, a sharer), each noted with when it
    // was sent, how it ended and the chat it created.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut appenders = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (store, stop, chats) = (store.clone(), stop.clone(), chats.clone());
        let finished = finished.clone();
        appenders.spawn(async move {
            let mut sent = Vec::new();
            let mut n = writer;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let chat = chats[n % chats.len()];
                let started = Instant::now();
                let result = match writer {
                    0..4 => store
                        .append_messages(
                            USER,
                            chat,
                            vec![message(format!("late {n}"))],
                            now_ms(),
                            None,
                        )
                        .await
                        .map(|_| None),
                    4 | 5 => {
                        let new = NewChat {
                            name: format!("raced {n}"),
                            model: String::new(),
                            project_id: (writer == 5).then_some(ProjectId(1)),
                        };
                        store
                            .create_chat(USER, new, now_ms(), None)
                            .await
                            .map(|created| Some(created.value.id))
                    }
                    _ => {
                        let settings = neptun_core::store::ShareWrite {
                            is_shared: true,
                            is_protected: false,
                            password_hash: None,
                        };
                        store
                            .put_share(USER, chat, settings, now_ms())
                            .await
                            .map(|_| None)
                    }
                };
                sent.push((started, result.map_err(|e| e.name())));
                finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                n += WRITERS;
            }
            sent
        });
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    let cookie = dev_session().seal_user(USER, None, now_ms());
    let started = Instant::now();
    let (status, body) = send(
        &*context,
        Function::DeleteChats,
        "delete-chats/200-erase-all.json",
        |e| {
            set_path(e, &format!("/api/users/{USER}/chats"));
            e["cookies"] = json!([format!("neptun-session={cookie}")]);
        },
    )
    .await;
    let answered = Instant::now();
    assert_eq!((status, &body), (200, &Value::Bool(true)), "{body}");
    println!(
        "erased {CHATS} chats, {} messages: answered in {:.2} s",
        CHATS as usize * MESSAGES_PER_CHAT,
        (answered - started).as_secs_f64()
    );
    // Appends go on for a while after the answer: at least 300 ms, and until more writes
    // ended than were in flight at the answer (so that some started after it), even on a
    // loaded machine whose storage answers slowly.
    let ended_or_in_flight = finished.load(std::sync::atomic::Ordering::SeqCst) + WRITERS;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while finished.load(std::sync::atomic::Ordering::SeqCst) <= ended_or_in_flight
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut after = 0;
    let mut chats = chats;
    while let Some(sent) = appenders.join_next().await {
        for (at, result) in sent.expect("a writer") {
            if at > answered {
                after += 1;
                assert_eq!(result, Err("Erased"), "a write after the answer");
            }
            // A chat created before the answer goes with the rest.
            if let Ok(Some(created)) = result {
                chats.push(created);
            }
        }
    }
    assert!(after > 0, "appends raced the answer");

    // Nothing of the user is shown any more...
    let (_, listed) = send(
        &*context,
        Function::ListChats,
        "list-chats/200-list.json",
        |e| {
            set_path(e, &format!("/api/users/{USER}/chats"));
            e["cookies"] = json!([format!("neptun-session={cookie}")]);
        },
    )
    .await;
    assert_eq!(listed["chats"], json!([]));
    // ... and once the stream's purge has run, no row is left.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = rows_left(&store, &chats).await;
        if left == 0 {
            break;
        }
        assert!(!follower.is_finished(), "the stream's purge stopped");
        assert!(Instant::now() < deadline, "{left} rows left after 120 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "the user's partitions were empty {:.2} s after the answer",
        answered.elapsed().as_secs_f64()
    );
    let erasure = store
        .client()
        .get_item()
        .table_name(store.table())
        .key(
            schema::PK,
            aws_sdk_dynamodb::types::AttributeValue::S(schema::erasures_pk()),
        )
        .key(
            schema::SK,
            aws_sdk_dynamodb::types::AttributeValue::S(schema::erasure_sk(USER)),
        )
        .send()
        .await
        .expect("the erasure record");
    assert!(
        erasure.item.is_some(),
        "the erasure is recorded for the import"
    );

    // Final: no new chat for the id, ever, and no append.
    let new = store
        .create_chat(
            USER,
            NewChat {
                name: "after".into(),
                model: String::new(),
                project_id: None,
            },
            now_ms(),
            None,
        )
        .await;
    assert!(matches!(new, Err(StoreError::Erased)));
    follower.abort();
    let late = store
        .append_messages(USER, chats[0], vec![message("late".into())], now_ms(), None)
        .await;
    assert!(matches!(late, Err(StoreError::Erased)));
}
