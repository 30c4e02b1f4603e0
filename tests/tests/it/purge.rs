//! The purge of a deleted chat's partition, against DynamoDB Local: 10,000 rows purged to 0
//! (and the rate), an interrupted purge finished by the next run, purging twice, the guards
//! (a live chat, a user's own partition), the stream consumer of `make dev` end to end, and the
//! purge function's handler on the sample stream events of `events/purge-chat/`.
//!
//! A chat is deleted here as the DELETE route deletes it: one `TransactWriteItems` that
//! deletes its `META` row and its list row, conditioned on `META` existing.

use neptun_core::ids::{ChatId, FileId, MessageId, ProjectId, UserId};
use neptun_core::store::StoreError;
use neptun_core::validation::{NewChat, NewMessage};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Select, TransactWriteItem};
use neptun_core::model::Role;
use neptun_dynamo::client::StorageTimeouts;
use neptun_dynamo::purge::stream::purge_deleted_chats;

use neptun_dynamo::DynamoStore;
use neptun_dynamo::purge::purge_chat_partition;
use neptun_dynamo::purge::{ChatPurge, PurgeError, PurgeOptions, PurgeReport};
use neptun_dynamo::schema::{
    self, ChatRow, FileChunkRow, MessageChunkRow, StoredFile, StoredMessage,
};
use neptun_dynamo::store::BATCH_SIZE;
use neptun_tests::proxy::{Mode, StorageProxy};
use neptun_tests::*;

type Item = HashMap<String, AttributeValue>;

const USER: UserId = UserId(77);

/// Storage calls that give up at once (one attempt per call): the purge's own backoff is what
/// retries.
fn one_attempt() -> StorageTimeouts {
    StorageTimeouts {
        max_attempts: 1,
        ..StorageTimeouts::default()
    }
}

/// A store through `proxy` that gives up at once.
fn behind(proxy: &StorageProxy, table: &str) -> DynamoStore {
    DynamoStore::new(client_with_limits(&proxy.endpoint(), one_attempt()), table)
}

/// The purge of partition `pk` started in the background through a fresh proxy, its storage
/// calls within `limits`; the proxy and the store behind it.
fn purge_behind_a_proxy(
    store: &DynamoStore,
    pk: &str,
    limits: StorageTimeouts,
) -> (
    StorageProxy,
    DynamoStore,
    tokio::task::JoinHandle<Result<PurgeReport, PurgeError>>,
) {
    let proxy = StorageProxy::start(storage_endpoint());
    let through_proxy =
        DynamoStore::new(client_with_limits(&proxy.endpoint(), limits), store.table());
    let purge = {
        let (store, pk) = (through_proxy.clone(), pk.to_owned());
        tokio::spawn(async move {
            store
                .purge_chat_partition(&pk, PurgeOptions::default())
                .await
        })
    };
    (proxy, through_proxy, purge)
}

async fn store() -> DynamoStore {
    let client = client();
    let table = fresh_table(&client).await;
    DynamoStore::new(client, table)
}

/// The chat's list row and `META` row, as `create_chat` writes them.
fn chat_rows(user_id: UserId, chat_id: ChatId) -> Vec<Item> {
    let listed = ChatRow {
        pk: schema::user_pk(user_id),
        sk: schema::chat_sk(chat_id),
        id: chat_id,
        user_id,
        name: "to be deleted".into(),
        model: "gpt-4o".into(),
        project_id: None,
        share_uuid: None,
        created_at: 1_795_288_364_006,
        updated_at: 1_795_288_364_006,
        write_id: 1,
    };
    let marker = ChatRow {
        pk: schema::chat_pk(user_id, chat_id),
        sk: schema::CHAT_META_SK.into(),
        ..listed.clone()
    };
    vec![item(&listed), item(&marker)]
}

/// `rows` message and file rows (half each, one item per row) of a chat's partition.
fn item_rows(user_id: UserId, chat_id: ChatId, rows: usize) -> Vec<Item> {
    let pk = schema::chat_pk(user_id, chat_id);
    (0..rows as u64)
        .map(|n| {
            let id = 4096 + 16 * n;
            if n % 2 == 0 {
                item(&MessageChunkRow {
                    pk: pk.clone(),
                    sk: schema::message_chunk_sk(id),
                    n: 1,
                    created_at: 1_795_288_364_006,
                    write_id: 1,
                    items: vec![StoredMessage {
                        id: MessageId(id),
                        actor: Role::User,
                        message: format!("message {n} of a long conversation"),
                    }],
                })
            } else {
                item(&FileChunkRow {
                    pk: pk.clone(),
                    sk: schema::file_chunk_sk(id),
                    n: 1,
                    message_id: MessageId(4096),
                    created_at: 1_795_288_364_006,
                    write_id: 1,
                    items: vec![StoredFile {
                        id: FileId(id),
                        title: format!("file-{n}.py"),
                        text: "print('Hello, World!')\n".repeat(4),
                        language: "python".into(),
                        extension: "py".into(),
                    }],
                })
            }
        })
        .collect()
}

fn item<T: serde::Serialize>(row: &T) -> Item {
    schema::to_attribute_map(row).expect("rows serialize")
}

/// Writes the items with `BatchWriteItem`, a few batches at a time.
async fn put_all(store: &DynamoStore, items: Vec<Item>) {
    neptun_dynamo::store::put_all(store.client(), store.table(), items, 4)
        .await
        .expect("written");
}

/// A chat with `rows` message and file rows.
async fn seed_chat(store: &DynamoStore, user_id: UserId, chat_id: ChatId, rows: usize) {
    let mut items = chat_rows(user_id, chat_id);
    items.extend(item_rows(user_id, chat_id, rows));
    put_all(store, items).await;
}

/// Deletes a chat as the DELETE route does: its `META` and list rows in one transaction, if
/// `META` exists.
async fn delete_chat(store: &DynamoStore, user_id: UserId, chat_id: ChatId) {
    let delete = |pk: String, sk: String, condition: bool| {
        let mut delete = Delete::builder()
            .table_name(store.table())
            .key(schema::PK, AttributeValue::S(pk))
            .key(schema::SK, AttributeValue::S(sk));
        if condition {
            delete = delete
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", schema::PK);
        }
        TransactWriteItem::builder()
            .delete(delete.build().expect("a delete"))
            .build()
    };
    store
        .client()
        .transact_write_items()
        .transact_items(delete(
            schema::chat_pk(user_id, chat_id),
            schema::CHAT_META_SK.into(),
            true,
        ))
        .transact_items(delete(
            schema::user_pk(user_id),
            schema::chat_sk(chat_id),
            false,
        ))
        .send()
        .await
        .expect("delete the chat");
}

/// Rows in a partition, counted over every page (a strongly consistent `Query`).
async fn rows_in(client: &Client, table: &str, pk: &str) -> usize {
    let mut rows = 0;
    let mut start = None;
    loop {
        let output = client
            .query()
            .table_name(table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
            .select(Select::Count)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("count the partition");
        rows += output.count as usize;
        start = output.last_evaluated_key;
        if start.is_none() {
            return rows;
        }
    }
}

async fn rows_of(store: &DynamoStore, pk: &str) -> usize {
    rows_in(store.client(), store.table(), pk).await
}

#[tokio::test]
async fn a_deleted_chat_of_10000_rows_is_purged_to_0_rows_and_purging_again_is_harmless() {
    let store = store().await;
    let (chat, other_chat) = (1_000, 2_000);
    seed_chat(&store, USER, ChatId(chat), 10_000).await;
    seed_chat(&store, USER, ChatId(other_chat), 10).await;
    let pk = schema::chat_pk(USER, ChatId(chat));
    assert_eq!(rows_of(&store, &pk).await, 10_001, "10,000 rows and META");
    delete_chat(&store, USER, ChatId(chat)).await;

    let started = Instant::now();
    let report = store
        .purge_chat_partition(&pk, PurgeOptions::default())
        .await
        .expect("purged");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "purge rate: {} rows in {seconds:.2} s = {:.0} rows/s on DynamoDB Local \
         ({} pages, {} BatchWriteItem calls, {} unprocessed deletes retried)",
        report.deleted,
        report.deleted as f64 / seconds,
        report.pages,
        report.batch_calls,
        report.retried,
    );
    assert_eq!(report.deleted, 10_000);
    assert!(report.batch_calls >= 10_000 / BATCH_SIZE);
    assert_eq!(
        rows_of(&store, &pk).await,
        0,
        "a Query of the partition is empty"
    );

    let again = store
        .purge_chat_partition(&pk, PurgeOptions::default())
        .await
        .expect("purging twice is harmless");
    assert_eq!((again.deleted, again.pages, again.batch_calls), (0, 1, 0));

    // The user's partition keeps the other chat's list row; the other chat is whole.
    assert_eq!(rows_of(&store, &schema::user_pk(USER)).await, 1);
    assert_eq!(
        rows_of(&store, &schema::chat_pk(USER, ChatId(other_chat))).await,
        11
    );
}

#[tokio::test]
async fn a_purge_cut_off_by_a_storage_fault_finishes_when_run_again() {
    let store = store().await;
    let (chat, rows) = (1_001, 2_500);
    seed_chat(&store, USER, ChatId(chat), rows).await;
    delete_chat(&store, USER, ChatId(chat)).await;
    let pk = schema::chat_pk(USER, ChatId(chat));

    let (proxy, through_proxy, purge) = purge_behind_a_proxy(&store, &pk, one_attempt());
    proxy.wait_for_calls("BatchWriteItem", 8).await;
    proxy.set_mode(Mode::Refuse);
    let error = purge
        .await
        .expect("the purge task")
        .expect_err("storage went away mid-purge");
    assert!(
        matches!(error, PurgeError::Store(_)) && error.is_retryable(),
        "{error:?}"
    );
    proxy.wait_until_idle().await;
    let left = rows_of(&store, &pk).await;
    assert!(left > 0 && left < rows, "{left} of {rows} rows left");

    proxy.set_mode(Mode::Forward);
    // As the stream does, a run that fails again on a slow engine (a busy test machine) is
    // run again: what counts is that the runs finish the partition.
    let mut runs = 0;
    let report = loop {
        runs += 1;
        match through_proxy
            .purge_chat_partition(&pk, PurgeOptions::default())
            .await
        {
            Ok(report) => break report,
            Err(error) if error.is_retryable() && runs < 5 => {}
            Err(error) => panic!("run {runs} after the fault: {error:?}"),
        }
    };
    assert!(report.deleted <= left, "{report:?}");
    assert_eq!(rows_of(&store, &pk).await, 0);
}

#[tokio::test]
async fn a_purge_stopped_midway_finishes_when_run_again() {
    let store = store().await;
    let (chat, rows) = (1_002, 2_500);
    seed_chat(&store, USER, ChatId(chat), rows).await;
    delete_chat(&store, USER, ChatId(chat)).await;
    let pk = schema::chat_pk(USER, ChatId(chat));

    // The run is dropped after a few batches, as a function that timed out would be.
    let proxy = StorageProxy::start(storage_endpoint());
    let through_proxy = behind(&proxy, store.table());
    tokio::select! {
        result = through_proxy.purge_chat_partition(&pk, PurgeOptions::default()) => {
            panic!("the purge ended before it was stopped: {result:?}")
        }
        () = proxy.wait_for_calls("BatchWriteItem", 8) => {}
    }
    // Batches sent before the stop may still be reaching storage: let them land first.
    proxy.set_mode(Mode::Refuse);
    proxy.wait_until_idle().await;
    let left = rows_of(&store, &pk).await;
    assert!(left > 0 && left < rows, "{left} of {rows} rows left");

    // Past its deadline, a run starts nothing and says so; rows stay for the next run.
    let out_of_time = PurgeOptions {
        deadline: Some(Instant::now()),
        ..PurgeOptions::default()
    };
    let error = store
        .purge_chat_partition(&pk, out_of_time)
        .await
        .expect_err("no time left");
    assert!(matches!(error, PurgeError::OutOfTime), "{error:?}");
    assert_eq!(rows_of(&store, &pk).await, left);

    let report = store
        .purge_chat_partition(&pk, PurgeOptions::default())
        .await
        .expect("the next run finishes");
    assert_eq!(report.deleted, left);
    assert_eq!(rows_of(&store, &pk).await, 0);
}

#[tokio::test]
async fn the_purge_refuses_a_live_chat_and_any_partition_that_is_not_a_chat() {
    let store = store().await;
    let chat = 1_003;
    seed_chat(&store, USER, ChatId(chat), 40).await;
    let pk = schema::chat_pk(USER, ChatId(chat));

    // Not deleted (or re-created): META exists, nothing is touched.
    let error = purge_chat_partition(store.client(), store.table(), &pk, Default::default())
        .await
        .expect_err("a live chat");
    assert!(
        matches!(&error, PurgeError::ChatExists(p) if *p == pk) && !error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(rows_of(&store, &pk).await, 41);

    // Never a user's own partition (their chat list), nor anything spelled otherwise.
    let user_pk = schema::user_pk(USER);
    for not_a_chat in [
        user_pk.clone(),
        format!("{user_pk}#CHAT#"),
        format!("USER#0{USER}#CHAT#{chat}"),
        format!("{pk}#"),
    ] {
        let error = store
            .purge_chat_partition(&not_a_chat, Default::default())
            .await
            .expect_err("not a chat partition");
        assert!(
            matches!(error, PurgeError::NotAChatPartition(_)),
            "{not_a_chat}: {error:?}"
        );
    }
    assert_eq!(rows_of(&store, &user_pk).await, 1);
    assert_eq!(rows_of(&store, &pk).await, 41);
}

#[tokio::test]
async fn the_stream_consumer_purges_a_chat_deleted_by_the_delete_transaction() {
    let store = fresh_store_with_stream().await;
    let (deleted, kept) = (1_004, 1_005);
    seed_chat(&store, USER, ChatId(deleted), 300).await;
    seed_chat(&store, USER, ChatId(kept), 30).await;

    let follower = follow_the_stream(&store);
    delete_chat(&store, USER, ChatId(deleted)).await;

    let pk = schema::chat_pk(USER, ChatId(deleted));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = rows_of(&store, &pk).await;
        if left == 0 {
            break;
        }
        assert!(
            !follower.is_finished(),
            "the consumer stopped: {follower:?}"
        );
        assert!(Instant::now() < deadline, "{left} rows left after 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    follower.abort();

    // The inserts of every row went by on the stream too: nothing else was purged.
    assert_eq!(
        rows_of(&store, &schema::chat_pk(USER, ChatId(kept))).await,
        31
    );
    assert_eq!(rows_of(&store, &schema::user_pk(USER)).await, 1);
}

#[tokio::test]
async fn the_purge_handler_purges_the_sample_events_chat_and_skips_the_rest() {
    let store = store().await;
    seed_sample_data(&store).await;
    let pk = schema::chat_pk(SAMPLE_USER, SAMPLE_CHAT);

    // Before the chat is deleted, a (stray) event purges nothing and does not fail.
    let response = purge_deleted_chats(&store, stream_event("purge-chat/chat-deleted.json"), None)
        .await
        .expect("handled");
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        rows_of(&store, &pk).await,
        3,
        "META, the message and the file"
    );

    delete_chat(&store, SAMPLE_USER, SAMPLE_CHAT).await;
    let response = purge_deleted_chats(&store, stream_event("purge-chat/chat-deleted.json"), None)
        .await
        .expect("handled");
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(rows_of(&store, &pk).await, 0);

    // The whole stream, unfiltered: an insert, the list row's removal and a `META` removal in
    // the user's own partition are all left alone; the chat is purged (again, harmlessly).
    let response = purge_deleted_chats(
        &store,
        stream_event("purge-chat/unfiltered-stream.json"),
        None,
    )
    .await
    .expect("handled");
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(rows_of(&store, &pk).await, 0);
}

#[tokio::test]
async fn a_purge_failing_in_the_handler_is_reported_as_its_records_failure() {
    let store = store().await;
    seed_sample_data(&store).await;
    delete_chat(&store, SAMPLE_USER, SAMPLE_CHAT).await;
    let proxy = StorageProxy::start(storage_endpoint());
    let through_proxy = behind(&proxy, store.table());
    proxy.set_mode(Mode::Throttle);
    let response = purge_deleted_chats(
        &through_proxy,
        stream_event("purge-chat/chat-deleted.json"),
        None,
    )
    .await
    .expect("reported per record");
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .filter_map(|failure| failure.item_identifier.as_deref())
        .collect();
    assert_eq!(failed, ["4421584500000000017450439091"]);
    assert_eq!(
        rows_of(&store, &schema::chat_pk(SAMPLE_USER, SAMPLE_CHAT)).await,
        2,
        "the message and the file are left for the retry"
    );

    // The retry, once storage answers again, finishes.
    proxy.set_mode(Mode::Forward);
    let response = purge_deleted_chats(
        &through_proxy,
        stream_event("purge-chat/chat-deleted.json"),
        None,
    )
    .await
    .expect("handled");
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        rows_of(&store, &schema::chat_pk(SAMPLE_USER, SAMPLE_CHAT)).await,
        0
    );
}

/// The import writes a deleted chat's pending purge record again for rows it wrote into the
/// chat after the delete; a purge running meanwhile deletes only the record it read before it
/// began, so the new one stays, and the sweep removes the late rows.
#[tokio::test]
async fn a_pending_purge_written_again_during_a_purge_stays_for_the_sweep() {
    use neptun_dynamo::purge::SWEEP_GRACE;

    let store = store().await;
    let (chat, rows) = (1_003, 1_000);
    let scope = schema::ChatScope {
        user_id: USER,
        chat_id: ChatId(chat),
    };
    seed_chat(&store, USER, ChatId(chat), rows).await;
    delete_chat(&store, USER, ChatId(chat)).await;
    put_all(
        &store,
        vec![item(&schema::PendingPurgeRow::new(scope, 1_000))],
    )
    .await;
    let pk = schema::chat_pk(USER, ChatId(chat));

    // Patient storage calls: the purge must finish in one run for what this test checks (a
    // run after it would read the new record first, and rightly forget it).
    let patient = StorageTimeouts {
        attempt: Duration::from_secs(20),
        operation: Duration::from_secs(60),
        ..StorageTimeouts::default()
    };
    let (proxy, _, purge) = purge_behind_a_proxy(&store, &pk, patient);
    proxy.wait_for_calls("BatchWriteItem", 2).await;
    // As the import does: a row acknowledged, then the record written again.
    let late_row = HashMap::from([
        (schema::PK.to_owned(), AttributeValue::S(pk.clone())),
        (schema::SK.to_owned(), AttributeValue::S("~late".to_owned())),
    ]);
    put_all(
        &store,
        vec![late_row, item(&schema::PendingPurgeRow::new(scope, 2_000))],
    )
    .await;
    purge
        .await
        .expect("the purge task")
        .expect("the purge finishes");
    assert_eq!(
        pending_of(&store, ChatId(chat)).await,
        1,
        "the record written during the purge stays"
    );

    let report = store
        .sweep_pending_purges(neptun_core::clock::now_ms(), SWEEP_GRACE, None)
        .await
        .expect("a sweep");
    assert_eq!((report.purged, report.failed), (1, 0), "{report:?}");
    assert_eq!(rows_of(&store, &pk).await, 0);
    assert_eq!(pending_of(&store, ChatId(chat)).await, 0);
}

/// The pending purge records of a chat's shard.
async fn pending_of(store: &DynamoStore, chat_id: ChatId) -> usize {
    let shard = chat_id.get() % schema::PENDING_PURGE_SHARDS;
    rows_of(store, &schema::pending_purge_shard_pk(shard)).await
}

#[tokio::test]
async fn a_purge_that_never_ran_is_finished_by_the_sweep_and_a_recent_one_is_left_to_the_stream() {
    use neptun_core::model::ChatList;
    use neptun_core::store::ChatDeleteStore;
    use neptun_dynamo::purge::SWEEP_GRACE;

    let store = store().await;
    let (failed, recent) = (2_001, 2_018);
    seed_chat(&store, USER, ChatId(failed), 120).await;
    seed_chat(&store, USER, ChatId(recent), 10).await;
    // Deleted through the store, as the routes delete: no stream consumer runs, as when every
    // purge of the stream's records failed.
    for chat in [failed, recent] {
        store
            .delete_chat(USER, ChatId(chat), ChatList::All, None)
            .await
            .expect("delete the chat");
    }
    assert_eq!(
        pending_of(&store, ChatId(failed)).await,
        1,
        "its delete records its purge"
    );
    let deleted_at = neptun_core::clock::now_ms();

    // An hour later, only the failed one is swept (the recent one is made to look young).
    let later = deleted_at + 60 * 60 * 1000;
    let young = schema::PendingPurgeRow::new(
        schema::ChatScope {
            user_id: USER,
            chat_id: ChatId(recent),
        },
        later,
    );
    put_all(&store, vec![item(&young)]).await;
    let report = store
        .sweep_pending_purges(later, SWEEP_GRACE, None)
        .await
        .expect("a sweep");
    assert_eq!(
        (report.found, report.purged, report.failed),
        (2, 1, 0),
        "{report:?}"
    );
    assert_eq!(report.oldest_pending_ms, 0);
    assert_eq!(
        rows_of(&store, &schema::chat_pk(USER, ChatId(failed))).await,
        0
    );
    assert_eq!(
        pending_of(&store, ChatId(failed)).await,
        0,
        "purged, its record gone"
    );
    assert_eq!(
        rows_of(&store, &schema::chat_pk(USER, ChatId(recent))).await,
        10
    );

    // The stream's purge forgets the record when it empties the partition.
    purge_chat_partition(
        store.client(),
        store.table(),
        &schema::chat_pk(USER, ChatId(recent)),
        PurgeOptions::default(),
    )
    .await
    .expect("a purge");
    assert_eq!(pending_of(&store, ChatId(recent)).await, 0);

    // The schedule's event reaches the sweep through the purge function's entry point.
    let scheduled = serde_json::json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": "2026-12-03T19:00:00Z",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/neptun-sweep"],
        "detail": {},
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let answer = neptun_dynamo::purge::function::purge_or_sweep(&store, scheduled, deadline)
        .await
        .expect("a sweep");
    assert_eq!(answer, serde_json::Value::Null);
}

#[tokio::test]
async fn an_erasure_is_removed_by_the_sweep_to_its_last_row() {
    use neptun_core::store::ChatEraseStore;
    use neptun_dynamo::purge::SWEEP_GRACE;

    let store = store().await;
    let chats = [3_001, 3_002, 3_003];
    for chat in chats {
        seed_chat(&store, USER, ChatId(chat), 30).await;
    }
    let now = neptun_core::clock::now_ms();
    store.erase_chats(USER, now).await.expect("an erasure");
    // Nothing followed the stream: the sweep resumes the removal, then purges the chats whose
    // purges it recorded (a second sweep for those in shards the first had passed).
    let later = now + SWEEP_GRACE.as_millis() as u64;
    let first = store
        .sweep_pending_purges(later, SWEEP_GRACE, None)
        .await
        .expect("a sweep");
    assert_eq!(first.erasures_finished, 1, "{first:?}");
    let second = store
        .sweep_pending_purges(later + 1_000, SWEEP_GRACE, None)
        .await
        .expect("a sweep");
    assert_eq!(first.purged + second.purged, 3, "{first:?} {second:?}");
    for chat in chats {
        assert_eq!(
            rows_of(&store, &schema::chat_pk(USER, ChatId(chat))).await,
            0
        );
        assert_eq!(pending_of(&store, ChatId(chat)).await, 0);
    }
    assert_eq!(
        rows_of(&store, &schema::user_pk(USER)).await,
        1,
        "ERASED stays"
    );
}

/// Everything of `USER` the removal must leave: rows of its partitions and of its shares, its
/// largest chat id and its pending records (the `ERASED` row excepted).
async fn user_rows_left(store: &DynamoStore, chats: &[ChatId], shares: &[String]) -> usize {
    let mut rows = rows_of(store, &schema::user_pk(USER))
        .await
        .saturating_sub(1);
    rows += rows_of(store, &schema::project_pk(USER, ProjectId(5))).await;
    rows += rows_of(store, &schema::last_chat_pk(USER)).await;
    rows += rows_of(store, &schema::pending_erasure_pk(USER)).await;
    for &chat in chats {
        rows += rows_of(store, &schema::chat_pk(USER, chat)).await;
        rows += pending_of(store, chat).await;
    }
    for uuid in shares {
        rows += rows_of(store, &schema::share_pk(uuid)).await;
    }
    rows
}

/// The removal of an erased user killed after each of its storage requests in turn (storage
/// refuses the next one and the run is dropped, as a crash would): each time the sweep then
/// finishes it, nothing of the user is left but `ERASED`, and the user stays erased.
#[tokio::test]
async fn an_erasure_killed_at_any_step_is_finished_by_the_sweep() {
    use neptun_core::store::{ChatEraseStore, ChatStore, MessageStore, ShareStore};
    use neptun_dynamo::purge::SWEEP_GRACE;

    let mut cut = 0;
    loop {
        let store = store().await;
        let mut chats = Vec::new();
        let mut shares = Vec::new();
        for (name, project) in [
            ("plain", None),
            ("in a project", Some(ProjectId(5))),
            ("shared", None),
        ] {
            let chat = store
                .create_chat(
                    USER,
                    NewChat {
                        name: name.into(),
                        model: String::new(),
                        project_id: project,
                    },
                    neptun_core::clock::now_ms(),
                    None,
                )
                .await
                .expect("a chat")
                .value;
            let message = NewMessage {
                content: "hello".into(),
                role: Role::User,
            };
            store
                .append_messages(
                    USER,
                    chat.id,
                    vec![message],
                    neptun_core::clock::now_ms(),
                    None,
                )
                .await
                .expect("a message");
            if name == "shared" {
                let settings = neptun_core::store::ShareWrite {
                    is_shared: true,
                    is_protected: false,
                    password_hash: None,
                };
                let share = store
                    .put_share(USER, chat.id, settings, neptun_core::clock::now_ms())
                    .await
                    .expect("a share");
                shares.push(share.uuid);
            }
            chats.push(chat.id);
        }
        store
            .erase_chats(USER, neptun_core::clock::now_ms())
            .await
            .expect("an erasure");

        let proxy = StorageProxy::start(storage_endpoint());
        proxy.refuse_after(cut);
        let through = behind(&proxy, store.table());
        let removal = tokio::spawn(async move {
            through
                .remove_erased_user(USER, PurgeOptions::default())
                .await
        });
        while !removal.is_finished() && !proxy.refuses() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        removal.abort();
        let finished = matches!(removal.await, Ok(Ok(_)));

        let later = neptun_core::clock::now_ms() + SWEEP_GRACE.as_millis() as u64;
        for sweep in 0..2 {
            store
                .sweep_pending_purges(later + sweep, SWEEP_GRACE, None)
                .await
                .expect("a sweep");
        }
        assert_eq!(
            user_rows_left(&store, &chats, &shares).await,
            0,
            "killed after {cut} requests"
        );
        let again = store
            .create_chat(
                USER,
                NewChat {
                    name: "again".into(),
                    model: String::new(),
                    project_id: None,
                },
                neptun_core::clock::now_ms(),
                None,
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::Erased)),
            "still erased after a cut at {cut}"
        );
        if finished {
            assert!(cut > 3, "a removal takes a few requests");
            return;
        }
        cut += 1;
    }
}
