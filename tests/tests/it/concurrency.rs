//! Writers of one chat at the same instant, through the real store. DynamoDB cancels one of
//! two transactions that meet on an item (`TransactionConflict`), and the store must send the
//! loser's attempt again until it commits, exactly once.
//!
//! DynamoDB Local serializes transactions (table locks), so it lets writers race but never
//! answers a conflict; the storage proxy injects the conflicts real DynamoDB would answer.
//! The store logs each retry; a layer counts those logs, and each test prints its counts.

use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, MessageId, UserId};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use neptun_core::context::AppContext;
use neptun_core::model::{ChatMessage, Role};
use neptun_core::store::{
    ChatStore, FileStore, Idempotency, MessageStore, PageRequest, Replayable, StoreError,
};
use neptun_core::validation::{NewChat, NewMessage};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::StorageTimeouts;
use neptun_tests::proxy::{ConflictAt, StorageProxy};
use neptun_tests::*;
use serde_json::json;
use tokio::sync::{Barrier, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

const ROUNDS: usize = 50;
const MESSAGES_PER_WRITER: usize = 5;
const USER: UserId = SAMPLE_USER;

/// The store's log lines of a conflict retry and of a spent budget.
const RETRYING: &str = "transaction conflict, retrying";
const GIVING_UP: &str = "still in conflict, giving up";

static RETRIES: AtomicU64 = AtomicU64::new(0);
static GAVE_UP: AtomicU64 = AtomicU64::new(0);
/// The counters are global: one test at a time.
static SERIAL: Mutex<()> = Mutex::const_new(());

struct CountConflicts;

impl<S: tracing::Subscriber> Layer<S> for CountConflicts {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        match message.0.as_str() {
            RETRYING => RETRIES.fetch_add(1, Ordering::Relaxed),
            GIVING_UP => GAVE_UP.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// Starts counting (once per process) and resets the counters.
fn count_conflicts() {
    let _ = tracing_subscriber::registry()
        .with(
            CountConflicts
                .with_filter(Targets::new().with_target("neptun_dynamo", tracing::Level::DEBUG)),
        )
        .try_init();
    RETRIES.store(0, Ordering::Relaxed);
    GAVE_UP.store(0, Ordering::Relaxed);
}

fn counted() -> (u64, u64) {
    (
        RETRIES.load(Ordering::Relaxed),
        GAVE_UP.load(Ordering::Relaxed),
    )
}

async fn new_chat(store: &DynamoStore) -> u64 {
    let chat = NewChat {
        name: "racing".into(),
        model: "gpt-4o".into(),
        project_id: None,
    };
    (store
        .create_chat(USER, chat, now_ms(), None)
        .await
        .expect("a chat")
        .value
        .id)
        .get()
}

fn now_ms() -> u64 {
    neptun_core::clock::now_ms()
}

fn messages(texts: &[String]) -> Vec<NewMessage> {
    texts
        .iter()
        .map(|text| NewMessage {
            content: text.clone(),
            role: Role::User,
        })
        .collect()
}

fn key(name: &str, body: &str) -> Idempotency {
    Idempotency {
        key_hash: format!("key-{name}"),
        fingerprint: format!("body-{body}"),
    }
}

/// Two appends to `chat_id`, released at once; their results in writer order.
async fn race(
    store: &Arc<DynamoStore>,
    chat_id: ChatId,
    writers: [(Vec<String>, Option<Idempotency>); 2],
) -> Vec<Result<Replayable<Vec<ChatMessage>>, StoreError>> {
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = writers
        .into_iter()
        .map(|(texts, idempotency)| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .append_messages(
                        USER,
                        chat_id,
                        messages(&texts),
                        now_ms(),
                        idempotency.as_ref(),
                    )
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("writer task"));
    }
    results
}

async fn stored(store: &DynamoStore, chat_id: ChatId) -> Vec<ChatMessage> {
    let all = PageRequest {
        limit: None,
        after: None,
        byte_budget: usize::MAX,
    };
    let page = store
        .list_messages(USER, chat_id, all)
        .await
        .expect("the chat's messages");
    assert!(!page.has_more);
    page.items
}

fn ids(messages: &[ChatMessage]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}

/// A context on a fresh table with the sample data, its storage traffic through a proxy.
async fn behind_proxy(retry_budget: Duration) -> (AppContext<DynamoStore>, StorageProxy) {
    let base = context().await;
    seed_sample_data(&base.store).await;
    let proxy = StorageProxy::start(storage_endpoint());
    let client = client_with_limits(&proxy.endpoint(), StorageTimeouts::default());
    let store = DynamoStore::new(client, base.store.table()).with_retry_budget(retry_budget);
    (AppContext { store, ..base }, proxy)
}

/// [`ROUNDS`] races of two writers (every other round with keys, whose records must not turn
/// a conflict elsewhere into a 409); `before(round)` runs before each. Checks each answer and
/// returns all answered messages.
async fn run_rounds(
    store: &Arc<DynamoStore>,
    chat_id: ChatId,
    before: impl Fn(usize),
) -> Vec<ChatMessage> {
    let mut answered = Vec::new();
    let mut rounds_with_retries = 0;
    let mut slowest = Duration::ZERO;
    for round in 0..ROUNDS {
        let texts = |writer: usize| -> Vec<String> {
            (0..MESSAGES_PER_WRITER)
                .map(|i| format!("r{round}-w{writer}-m{i}"))
                .collect()
        };
        let keyed = |writer: usize| {
            (round % 2 == 1).then(|| key(&format!("{round}-{writer}"), &format!("{writer}")))
        };
        before(round);
        let (retries_before, _) = counted();
        let started = Instant::now();
        let results = race(store, chat_id, [(texts(0), keyed(0)), (texts(1), keyed(1))]).await;
        slowest = slowest.max(started.elapsed());
        if counted().0 > retries_before {
            rounds_with_retries += 1;
        }
        for (writer, result) in results.into_iter().enumerate() {
            let created =
                result.unwrap_or_else(|e| panic!("round {round}, writer {writer}: {e:?}"));
            assert!(!created.replayed);
            let batch = created.value;
            let texts_back: Vec<&str> = batch.iter().map(|m| m.message.as_str()).collect();
            assert_eq!(texts_back, texts(writer), "round {round}: in input order");
            assert!(
                ids(&batch).windows(2).all(|pair| pair[0] < pair[1]),
                "round {round}: a batch's ids increase"
            );
            answered.extend(batch);
        }
    }
    let (retries, gave_up) = counted();
    println!(
        "{ROUNDS} rounds of 2 writers: {retries} conflict retries, in {rounds_with_retries} \
         rounds; {gave_up} budgets spent; slowest round {slowest:?}"
    );
    assert_eq!(gave_up, 0);
    answered
}

/// Every answered message is stored once, and nothing else but `others` is.
async fn assert_stored_exactly_once(
    store: &DynamoStore,
    chat_id: ChatId,
    answered: &[ChatMessage],
    others: usize,
) {
    let expected = 2 * ROUNDS * MESSAGES_PER_WRITER;
    assert_eq!(answered.len(), expected);
    let answered_ids: HashSet<MessageId> = ids(answered).into_iter().collect();
    assert_eq!(answered_ids.len(), expected, "ids are unique");
    let stored = stored(store, chat_id).await;
    assert_eq!(
        stored.len(),
        expected + others,
        "nothing lost, nothing twice"
    );
    let stored_ids: HashSet<MessageId> = ids(&stored).into_iter().collect();
    assert!(
        answered_ids.is_subset(&stored_ids),
        "the answers name the stored messages"
    );
    let stored_texts: HashSet<&str> = stored.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(stored_texts.len(), expected + others, "no text twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_of_one_chat_both_commit_exactly_once() {
    let _serial = SERIAL.lock().await;
    count_conflicts();
    let store = Arc::new(context().await.store);
    let chat_id = new_chat(&store).await;
    let answered = run_rounds(&store, ChatId(chat_id), |_| {}).await;
    assert_stored_exactly_once(&store, ChatId(chat_id), &answered, 0).await;
}

/// As real DynamoDB answers racing writers: the first two transactions of every round are
/// cancelled by a conflict (on the chat check, or on the key's record), and retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_in_conflict_are_retried_until_both_commit_exactly_once() {
    let _serial = SERIAL.lock().await;
    count_conflicts();
    let (context, proxy) = behind_proxy(StorageTimeouts::default().operation).await;
    let store = Arc::new(context.store);
    let answered = run_rounds(&store, SAMPLE_CHAT, |round| {
        let at = if round % 4 == 3 {
            ConflictAt::Last
        } else {
            ConflictAt::First
        };
        proxy.conflict_next(2, at);
    })
    .await;
    assert_eq!(
        counted(),
        (2 * ROUNDS as u64, 0),
        "every conflict retried once"
    );
    assert_stored_exactly_once(&store, SAMPLE_CHAT, &answered, 1).await;
}

/// The write commits, its response is lost, and the SDK's retry meets a conflict: the store's
/// retry must send the very same attempt, which then recognises its own rows.
#[tokio::test]
async fn a_conflict_after_a_lost_response_does_not_duplicate_the_write() {
    let _serial = SERIAL.lock().await;
    count_conflicts();
    let (context, proxy) = behind_proxy(StorageTimeouts::default().operation).await;
    for key_name in [None, Some("lost-then-conflict")] {
        proxy.lose_responses(1);
        proxy.conflict_next(1, ConflictAt::First);
        let text = format!("lost, then in conflict ({key_name:?})");
        let created = context
            .store
            .append_messages(
                USER,
                SAMPLE_CHAT,
                messages(std::slice::from_ref(&text)),
                now_ms(),
                key_name.map(|name| key(name, "once")).as_ref(),
            )
            .await
            .expect("committed once");
        let copies: Vec<ChatMessage> = stored(&context.store, SAMPLE_CHAT)
            .await
            .into_iter()
            .filter(|m| m.message == text)
            .collect();
        assert_eq!(copies.len(), 1, "stored exactly once ({key_name:?})");
        assert_eq!(ids(&copies), ids(&created.value), "the answer names it");
    }
    assert_eq!(counted(), (2, 0));
}

fn post_messages(text: &str, key: Option<&str>) -> lambda_http::Request {
    event_with("create-chat-messages/200-batch.json", |event| {
        event["body"] =
            json!(json!({ "messages": [{"content": text, "role": "user"}] }).to_string());
        if let Some(key) = key {
            event["headers"]["idempotency-key"] = json!(key);
        }
    })
}

/// A conflict that outlasts the retry budget: 503 (409 when it is on the key's record), with
/// `Retry-After`, in time, and nothing stored; once it is over, the request commits once.
#[tokio::test]
async fn conflicts_past_the_budget_answer_503_or_409_and_store_nothing() {
    let _serial = SERIAL.lock().await;
    count_conflicts();
    // The first five pauses take at most 310 ms; the budget leaves room for six round trips
    // to DynamoDB Local besides, on a loaded machine (a budget of 300 ms did not).
    let budget = Duration::from_millis(800);
    let (context, proxy) = behind_proxy(budget).await;
    for (key, at, status) in [
        (None, ConflictAt::First, 503),
        (Some("held"), ConflictAt::First, 503),
        (Some("held"), ConflictAt::Last, 409),
    ] {
        proxy.conflict_next(usize::MAX, at);
        let started = Instant::now();
        let response = invoke(
            &context,
            Function::CreateChatMessages,
            post_messages("in conflict", key),
        )
        .await;
        let elapsed = started.elapsed();
        assert_eq!(response.status(), status, "{key:?}, {at:?}");
        assert_eq!(response.headers()["retry-after"], "1");
        assert!(
            elapsed < budget + Duration::from_millis(500),
            "{key:?}, {at:?}: {elapsed:?}"
        );
    }
    let (retries, gave_up) = counted();
    println!("3 conflicts past a {budget:?} budget: {retries} retries before giving up");
    assert_eq!(gave_up, 3);
    assert!(
        retries >= 3 * 5,
        "the first five pauses always fit the budget"
    );

    proxy.conflict_next(0, ConflictAt::First);
    for _ in 0..2 {
        let (status, body) = json_of(
            invoke(
                &context,
                Function::CreateChatMessages,
                post_messages("in conflict", Some("held")),
            )
            .await,
        );
        assert_eq!(status, 200, "{body}");
    }
    let copies = stored(&context.store, SAMPLE_CHAT)
        .await
        .into_iter()
        .filter(|m| m.message == "in conflict")
        .count();
    assert_eq!(
        copies, 1,
        "nothing from the refused tries, the keyed one once"
    );
}

/// Single-item calls that meet a transaction (`TransactionConflictException`) are retried.
#[tokio::test]
async fn reads_in_conflict_are_retried() {
    let _serial = SERIAL.lock().await;
    count_conflicts();
    let (context, proxy) = behind_proxy(StorageTimeouts::default().operation).await;
    proxy.conflict_next(3, ConflictAt::First);
    assert_eq!(stored(&context.store, SAMPLE_CHAT).await.len(), 1);
    proxy.conflict_next(2, ConflictAt::First);
    let file = context
        .store
        .get_file(SAMPLE_USER, SAMPLE_CHAT, SAMPLE_FILE)
        .await
        .expect("the sample file");
    assert_eq!(file.id, SAMPLE_FILE);
    assert_eq!(counted(), (5, 0));
}

/// The same request twice at once, with one `Idempotency-Key`. Every other round the first
/// transaction to arrive meets a conflict on the key's record (as while the other commits):
/// it is retried, so it answers the other's result instead of a 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_raced_twice_stores_once_and_answers_the_same_ids() {
    let _serial = SERIAL.lock().await;
    count_conflicts();
    let (context, proxy) = behind_proxy(StorageTimeouts::default().operation).await;
    let store = Arc::new(context.store);
    let chat_id = new_chat(&store).await;
    const KEYED_ROUNDS: usize = 20;
    let mut in_flight = 0;
    for round in 0..KEYED_ROUNDS {
        if round % 2 == 1 {
            proxy.conflict_next(1, ConflictAt::Last);
        }
        let texts: Vec<String> = (0..MESSAGES_PER_WRITER)
            .map(|i| format!("k{round}-m{i}"))
            .collect();
        let same = || (texts.clone(), Some(key(&round.to_string(), "same")));
        let results = race(&store, ChatId(chat_id), [same(), same()]).await;
        let mut answers = Vec::new();
        for result in results {
            match result {
                Ok(created) => answers.push(created),
                // Allowed by the contract (a 409), but not expected while the budget lasts.
                Err(StoreError::IdempotencyInFlight) => in_flight += 1,
                Err(error) => panic!("round {round}: {error:?}"),
            }
        }
        let replays = answers.iter().filter(|a| a.replayed).count();
        assert_eq!(
            answers.len() - replays,
            1,
            "round {round}: one request wrote"
        );
        assert!(
            answers
                .windows(2)
                .all(|pair| pair[0].value == pair[1].value),
            "round {round}: both answer the same messages"
        );
    }
    let (retries, gave_up) = counted();
    println!(
        "{KEYED_ROUNDS} rounds of one key twice: {retries} conflict retries; \
         {in_flight} answered in flight; {gave_up} budgets spent"
    );
    assert_eq!(in_flight, 0);
    assert_eq!(retries, KEYED_ROUNDS as u64 / 2);
    assert_eq!(
        stored(&store, ChatId(chat_id)).await.len(),
        KEYED_ROUNDS * MESSAGES_PER_WRITER,
        "each keyed batch once"
    );
}

/// Creates of one user at the same instant: each must be above the user's largest chat id
/// (`USER#<user>#LAST_CHAT`), so all but one of a round meet a refused draw. They spread above
/// it and all commit, with distinct ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_of_one_user_at_once_all_commit_with_distinct_ids() {
    const CREATES: usize = 16;
    // Its waits are logged as retries, which the other tests here count.
    let _serial = SERIAL.lock().await;
    let store = fresh_store().await;
    let barrier = Arc::new(Barrier::new(CREATES));
    let mut creates = tokio::task::JoinSet::new();
    for _ in 0..CREATES {
        let (store, barrier) = (store.clone(), barrier.clone());
        creates.spawn(async move {
            barrier.wait().await;
            new_chat(&store).await
        });
    }
    let mut ids = HashSet::new();
    while let Some(id) = creates.join_next().await {
        ids.insert(id.expect("a create"));
    }
    assert_eq!(ids.len(), CREATES);
}
