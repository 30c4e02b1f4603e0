//! The erasure of a large user, at each of [`SIZES`] (5,000 chats with 100,000 messages, and
//! 50,000 chats), in 50 projects, erased by the release `delete-chats`
//! (`events/delete-chats/200-erase-all.json`, `{"all": true}`) while the stream purge follows
//! the table's stream, as the purge function's event source mapping does in production.
//! Measured: the time to the answer, its DynamoDB requests, and the time from the request
//! until none of the user's rows is left but its `ERASED` row.

use neptun_core::ids::{ChatId, FIRST_API_CHAT_ID, ProjectId, UserId};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::clock::now_ms;
use neptun_core::model::Role;
use neptun_core::store::MessageStore;
use neptun_core::validation::NewMessage;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema::{self, ChatRow};

use crate::measure::{Bench, Binary, Counts};

/// A user to erase.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub chats: u64,
    pub messages_per_chat: usize,
}

/// The users erased, each in a table of its own: the answer's time must not grow with them.
pub const SIZES: [Size; 2] = [
    Size {
        chats: 5_000,
        messages_per_chat: 20,
    },
    Size {
        chats: 50_000,
        messages_per_chat: 2,
    },
];
pub const PROJECTS: u64 = 50;
/// The user of the erase event's path and cookie.
const USER: UserId = UserId(2);
const ERASE_EVENT: &str = "delete-chats/200-erase-all.json";
/// Seeding requests in flight at once.
const SEED_IN_FLIGHT: usize = 16;
/// How often the user's rows are counted while the purge runs.
pub const POLL: Duration = Duration::from_millis(1000);
/// Longer than this, and the purge is reported as not finished.
const PURGE_LIMIT: Duration = Duration::from_secs(900);

pub struct ErasureFigures {
    /// The user's rows before the erasure (chat, list, message and idempotency rows).
    pub rows_before: usize,
    pub seed_seconds: f64,
    /// From the request to the answer (`true`).
    pub answer: Duration,
    /// DynamoDB requests of the answer, by operation.
    pub requests: Counts,
    /// The user's rows right after the answer (what the purge still had to delete).
    pub rows_at_answer: usize,
    /// From the request until a count of the user's rows is 0.
    pub purged: Duration,
}

pub async fn measure(bench: &Bench, binary: &Binary, size: Size) -> Result<ErasureFigures, String> {
    let store = neptun_tests::fresh_store_with_stream().await;
    let table = store.table().to_owned();
    // From the table's first record: the seeding is read (and filtered out) while it runs.
    let follower = neptun_tests::follow_the_stream(&store);
    let figures = erase_and_purge(bench, binary, &store, size).await;
    follower.abort();
    bench.drop_table(&table).await;
    figures
}

async fn erase_and_purge(
    bench: &Bench,
    binary: &Binary,
    store: &DynamoStore,
    size: Size,
) -> Result<ErasureFigures, String> {
    let seeding = Instant::now();
    seed(store, size).await?;
    let seed_seconds = seeding.elapsed().as_secs_f64();
    let rows_before = user_rows(store).await?;
    eprintln!(
        "\n   {rows_before} rows seeded in {seed_seconds:.1} s; erasing with {}",
        binary.name
    );

    let event = neptun_tests::event_json(ERASE_EVENT).to_string();
    let started = Instant::now();
    let (answer, requests) = bench
        .one_request(binary, store.table(), event.into())
        .await
        .map_err(|error| format!("the erasure request: {error}"))?;
    let rows_at_answer = user_rows(store).await?;
    eprintln!(
        "   answered in {:.2} s; {rows_at_answer} rows left to purge",
        answer.as_secs_f64()
    );
    let purged = loop {
        let left = user_rows(store).await?;
        if left == 0 {
            break started.elapsed();
        }
        if started.elapsed() > PURGE_LIMIT {
            return Err(format!("{left} rows left after {PURGE_LIMIT:?}"));
        }
        eprint!("\r   {left:>7} rows left");
        tokio::time::sleep(POLL).await;
    };
    eprintln!("\r   0 rows left after {:.1} s", purged.as_secs_f64());
    Ok(ErasureFigures {
        rows_before,
        seed_seconds,
        answer,
        requests,
        rows_at_answer,
        purged,
    })
}

/// The user's chats, one project each: their rows as a create writes them (put in batches: a
/// user's creates at once would go one after another, behind the guard of its chat ids), then
/// their messages through the store as the API writes them.
async fn seed(store: &DynamoStore, size: Size) -> Result<(), String> {
    let now = now_ms();
    let chat_ids: Vec<ChatId> = (0..size.chats)
        .map(|n| ChatId(FIRST_API_CHAT_ID + n))
        .collect();
    let rows: Vec<_> = chat_ids
        .iter()
        .flat_map(|&id| {
            ChatRow {
                pk: schema::user_pk(USER),
                sk: schema::chat_sk(id),
                id,
                user_id: USER,
                name: format!("chat {id}"),
                model: "gpt-4o".to_owned(),
                project_id: Some(ProjectId(1 + id.get() % PROJECTS)),
                share_uuid: None,
                created_at: now,
                updated_at: now,
                write_id: 1,
            }
            .rows()
        })
        .map(|row| schema::to_attribute_map(&row))
        .collect::<Result<_, _>>()
        .map_err(|error| format!("a chat row: {error}"))?;
    neptun_dynamo::store::put_all(store.client(), store.table(), rows, SEED_IN_FLIGHT)
        .await
        .map_err(|error| format!("seed the chats: {error}"))?;
    eprint!("\r   {} chats seeded", size.chats);
    let mut running = tokio::task::JoinSet::new();
    for (n, &chat) in chat_ids.iter().enumerate() {
        if running.len() >= SEED_IN_FLIGHT {
            joined(running.join_next().await)?;
        }
        let store = store.clone();
        running.spawn(async move {
            let messages = (0..size.messages_per_chat)
                .map(|m| NewMessage {
                    content: format!("message {m} of chat {chat}: {}", "text ".repeat(20)),
                    role: if m % 2 == 0 {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                })
                .collect();
            store
                .append_messages(USER, chat, messages, now_ms(), None)
                .await
                .map_err(|error| format!("messages of chat {chat}: {error}"))?;
            Ok(())
        });
        if n % 1000 == 0 {
            eprint!("\r   seeding chat {n}/{}", size.chats);
        }
    }
    while let Some(done) = running.join_next().await {
        joined(Some(done))?;
    }
    Ok(())
}

fn joined(done: Option<Result<Result<(), String>, tokio::task::JoinError>>) -> Result<(), String> {
    match done {
        Some(Ok(result)) => result,
        Some(Err(error)) => Err(format!("a seeding task: {error}")),
        None => Ok(()),
    }
}

/// The table's rows but the two of the erasure that stay (`ERASED`, `ERASURES`), once there:
/// the table holds this user alone. DynamoDB Local keeps `ItemCount` exact, so a count costs
/// one `DescribeTable`, where a Scan of 200,000 rows would slow the purge it watches.
async fn user_rows(store: &DynamoStore) -> Result<usize, String> {
    let table = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .map_err(|error| format!("count the table's rows: {error}"))?;
    let count = table
        .table
        .and_then(|table| table.item_count)
        .and_then(|count| usize::try_from(count).ok())
        .unwrap_or_default();
    let erased = store
        .client()
        .get_item()
        .table_name(store.table())
        .key(schema::PK, AttributeValue::S(schema::user_pk(USER)))
        .key(schema::SK, AttributeValue::S(schema::ERASED_SK.to_owned()))
        .send()
        .await
        .map_err(|error| format!("read the ERASED row: {error}"))?;
    let staying = if erased.item.is_some() { 2 } else { 0 };
    Ok(count.saturating_sub(staying))
}
