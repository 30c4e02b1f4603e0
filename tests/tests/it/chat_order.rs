//! `order_by` on the chat list against DynamoDB Local: every order, pagination under each,
//! cursors bound to their order, the round trips per page, and (ignored, run by hand) the
//! measurement behind the design (docs/design/ordering.md).

use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::ChatList;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, PutRequest, ScalarAttributeType, WriteRequest,
};
use neptun_core::context::AppContext;
use neptun_core::model::Chat;
use neptun_core::session::{LiveSession, SessionConfig};
use neptun_core::validation::{self, Cursor, CursorScope};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::StorageTimeouts;
use neptun_dynamo::schema::{self, ChatRow};
use neptun_tests::proxy::StorageProxy;
use neptun_tests::*;
use serde_json::{Value, json};

const USER: UserId = UserId(1);
const BASE_MS: u64 = 1_795_288_364_006;

fn chat_row(id: u64, name: &str, model: &str, created_ms: u64, updated_ms: u64) -> ChatRow {
    ChatRow {
        pk: schema::user_pk(USER),
        sk: schema::chat_sk(ChatId(id)),
        id: ChatId(id),
        user_id: USER,
        name: name.into(),
        model: model.into(),
        project_id: None,
        share_uuid: None,
        created_at: created_ms,
        updated_at: updated_ms,
        write_id: 0,
    }
}

type Item = std::collections::HashMap<String, AttributeValue>;

/// Writes the listed rows of chats straight into the table.
async fn put_chats(store: &DynamoStore, rows: &[ChatRow]) {
    let items = rows
        .iter()
        .map(|row| schema::to_attribute_map(row).expect("rows serialize"))
        .collect();
    batch_put(store.client(), store.table(), items).await;
}

/// Puts items, 25 per `BatchWriteItem`, until none is left unprocessed.
async fn batch_put(client: &aws_sdk_dynamodb::Client, table: &str, items: Vec<Item>) {
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut requests: Vec<WriteRequest> = items
            .by_ref()
            .take(25)
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item)).build();
                WriteRequest::builder()
                    .put_request(put.expect("a put"))
                    .build()
            })
            .collect();
        while !requests.is_empty() {
            let output = client
                .batch_write_item()
                .set_request_items(Some([(table.to_owned(), requests)].into()))
                .send()
                .await
                .expect("batch write");
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default();
        }
    }
}

/// Twelve chats with ties in every column but the id (the handler tests' set, on real storage),
/// and an idempotency record in the same partition that must never be listed.
async fn context_with_chats() -> AppContext<DynamoStore> {
    let context = context().await;
    let minute = |m: u64| BASE_MS + m * 60_000;
    let rows: Vec<ChatRow> = [
        (1, "b", "gpt-4o", 1, 5),
        (2, "a", "gpt-4o", 2, 5),
        (3, "b", "llama", 2, 5),
        (4, "B", "gpt-4o", 3, 7),
        (5, "é", "", 3, 7),
        (6, "a", "llama", 4, 6),
        (7, "z", "", 5, 5),
        (8, "b", "gpt-4o", 5, 6),
        (9, "Ä", "mistral", 6, 7),
        (10, "a", "gpt-4o", 6, 5),
        (11, "b", "llama", 7, 7),
        (12, "a b", "gpt-4o", 7, 6),
    ]
    .into_iter()
    .map(|(id, name, model, created, updated)| {
        chat_row(id, name, model, minute(created), minute(updated))
    })
    .collect();
    put_chats(&context.store, &rows).await;
    let keyed = event_with("create-chat/200-create.json", |e| {
        e["headers"]["idempotency-key"] = json!("k-1")
    });
    assert_eq!(
        json_of(invoke(&context, Function::CreateChat, keyed).await).0,
        200
    );
    context
}

async fn list(context: &AppContext<DynamoStore>, query: &str) -> (u16, Value) {
    let request = event_with("list-chats/200-list.json", |e| set_raw_query(e, query));
    json_of(invoke(context, Function::ListChats, request).await)
}

fn ids_of(page: &Value) -> Vec<u64> {
    page["chats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_u64())
        .collect()
}

/// The ids sorted by `pairs` then id descending, computed here: texts by bytes.
fn expected_ids(chats: &[Value], pairs: &[(&str, &str)]) -> Vec<u64> {
    let mut chats = chats.to_vec();
    chats.sort_by(|a, b| {
        for (column, direction) in pairs.iter().chain(&[("id", "desc")]) {
            let ordering = match *column {
                "id" => a["id"].as_u64().cmp(&b["id"].as_u64()),
                _ => a[column]
                    .as_str()
                    .map(str::as_bytes)
                    .cmp(&b[column].as_str().map(str::as_bytes)),
            };
            let ordering = if *direction == "desc" {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        std::cmp::Ordering::Equal
    });
    chats.iter().filter_map(|c| c["id"].as_u64()).collect()
}

async fn all_pages(context: &AppContext<DynamoStore>, order: &str, limit: usize) -> Vec<u64> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut query = format!("limit={limit}&order_by={order}");
        if let Some(cursor) = &cursor {
            query.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = list(context, &query).await;
        assert_eq!(status, 200, "{query}: {page}");
        seen.extend(ids_of(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("{order}: no last page");
}

#[tokio::test]
async fn every_order_and_its_pages_on_real_storage() {
    let context = context_with_chats().await;
    let (status, all) = list(&context, "").await;
    assert_eq!(status, 200, "{all}");
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        chats.len(),
        13,
        "twelve and the keyed create, no idempotency record"
    );

    let (status, dashboard) = json_of(
        invoke(
            &context,
            Function::ListChats,
            event("list-chats/200-order-by-dashboard.json"),
        )
        .await,
    );
    assert_eq!(status, 200, "{dashboard}");
    let dashboard_pairs = [("updated_at", "desc"), ("name", "desc"), ("model", "desc")];
    assert_eq!(ids_of(&dashboard), expected_ids(&chats, &dashboard_pairs));

    let mut orders = vec!["updated_at:desc,name:desc,model:desc".to_owned()];
    for column in ["id", "created_at", "updated_at", "name", "model"] {
        for direction in ["asc", "desc"] {
            let order = format!("{column}:{direction}");
            let (status, page) = list(&context, &format!("order_by={order}")).await;
            assert_eq!(status, 200, "{order}: {page}");
            assert_eq!(
                ids_of(&page),
                expected_ids(&chats, &[(column, direction)]),
                "{order}"
            );
            orders.push(order);
        }
    }
    for order in orders {
        let pairs: Vec<(&str, &str)> = order
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .collect();
        for limit in [1, 3] {
            assert_eq!(
                all_pages(&context, &order, limit).await,
                expected_ids(&chats, &pairs),
                "{order}, limit {limit}"
            );
        }
    }
}

#[tokio::test]
async fn bad_orders_and_foreign_cursors_are_400() {
    let context = context_with_chats().await;
    let (status, body) = json_of(
        invoke(
            &context,
            Function::ListChats,
            event("list-chats/400-bad-order-by.json"),
        )
        .await,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["data"]["issues"][0]["path"], json!(["order_by"]));

    let (_, page) = list(&context, "order_by=name:asc&limit=2").await;
    let cursor = page["nextCursor"].as_str().unwrap_or_default().to_owned();
    for query in [
        format!("order_by=name:desc&cursor={cursor}"),
        format!("cursor={cursor}"),
    ] {
        let (status, body) = list(&context, &query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["data"]["issues"][0]["path"], json!(["cursor"]));
    }
}

/// A context on a fresh table whose storage traffic is counted by a proxy.
async fn counted(context: &AppContext<DynamoStore>) -> (AppContext<DynamoStore>, StorageProxy) {
    let proxy = StorageProxy::start(storage_endpoint());
    let client = client_with_limits(&proxy.endpoint(), StorageTimeouts::default());
    let store = DynamoStore::new(client, context.store.table());
    let session = LiveSession::fixed(SessionConfig::clone(&context.session.current()));
    let links = context.links.clone();
    (
        AppContext {
            store,
            session,
            links,
            origin: context.origin.clone(),
            cross_site: context.cross_site.clone(),
        },
        proxy,
    )
}

#[tokio::test]
async fn one_round_trip_per_page_for_a_user_with_few_chats() {
    let base = context_with_chats().await;
    let (context, proxy) = counted(&base).await;
    for query in [
        "limit=2",
        "",
        "order_by=id:asc&limit=2",
        "order_by=updated_at:desc,name:desc,model:desc&limit=2",
        "order_by=name:asc",
    ] {
        proxy.take_counts();
        let (status, page) = list(&context, query).await;
        assert_eq!(status, 200, "{query}: {page}");
        let counts = proxy.take_counts();
        assert_eq!(counts.get("Query"), Some(&1), "{query}: {counts:?}");
        // Beside it, at the same time: the user's erasure check.
        assert_eq!(counts.get("GetItem"), Some(&1), "{query}: {counts:?}");
        assert_eq!(counts.values().sum::<usize>(), 2, "{query}: {counts:?}");
    }
}

// --- The measurement (run by hand) ----------------------------------------------------------

/// Chats as a busy user has them: names with many ties, a handful of models, updates in bursts.
fn generated_chats(count: u64, name_chars: usize) -> Vec<ChatRow> {
    let models = ["gpt-4o", "llama-3.1-8b", "mistral-7b", "qwen2.5-coder"];
    (1..=count)
        .map(|id| {
            let mut name = format!("Chat about topic {}", id % 97);
            while name.chars().count() < name_chars {
                name.push('x');
            }
            chat_row(
                id,
                &name,
                models[(id % 4) as usize],
                BASE_MS + id * 1000,
                BASE_MS + (id % (count / 3 + 1)) * 60_000,
            )
        })
        .collect()
}

struct Measured {
    round_trips: usize,
    median: Duration,
    items: usize,
}

/// Runs `request` 5 times (after one warm-up): the Query count of one run and the median time.
async fn measure<F, Fut>(proxy: &StorageProxy, mut request: F) -> Measured
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    request().await;
    proxy.take_counts();
    let mut times = Vec::new();
    let mut items = 0;
    for _ in 0..5 {
        let started = Instant::now();
        items = request().await;
        times.push(started.elapsed());
    }
    let round_trips = proxy
        .take_counts()
        .get("Query")
        .copied()
        .unwrap_or_default()
        / 5;
    times.sort();
    Measured {
        round_trips,
        median: times[2],
        items,
    }
}

/// The same chats in a table with an index on `updated_at` (sort key `<updated_ms>#<id>`): the
/// alternative design, for `updated_at:desc` with the id as the only tie-break.
async fn gsi_table(client: &aws_sdk_dynamodb::Client, rows: &[ChatRow]) -> DynamoStore {
    let table = format!("neptun-gsi-{:016x}", rand::random::<u64>());
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .expect("key")
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute")
    };
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("PK"))
        .attribute_definitions(attribute("SK"))
        .attribute_definitions(attribute("updated_sk"))
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_updated")
                .key_schema(key("PK", KeyType::Hash))
                .key_schema(key("updated_sk", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("index"),
        )
        .send()
        .await
        .expect("create the index table");
    let items = rows
        .iter()
        .map(|row| {
            let mut item = schema::to_attribute_map(row).expect("rows serialize");
            item.insert("updated_sk".into(), AttributeValue::S(updated_sk(row)));
            item
        })
        .collect();
    batch_put(client, &table, items).await;
    DynamoStore::new(client.clone(), table)
}

fn updated_sk(row: &ChatRow) -> String {
    format!("{:013}#{:016}", row.updated_at, row.id)
}

/// One page of the index table, newest update first, after `after` (its last row).
async fn gsi_page(store: &DynamoStore, limit: i32, after: Option<&ChatRow>) -> usize {
    let start = after.map(|row| {
        [
            ("PK".to_owned(), AttributeValue::S(row.pk.clone())),
            ("SK".to_owned(), AttributeValue::S(row.sk.clone())),
            ("updated_sk".to_owned(), AttributeValue::S(updated_sk(row))),
        ]
        .into()
    });
    let output = store
        .client()
        .query()
        .table_name(store.table())
        .index_name("by_updated")
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(schema::user_pk(USER)))
        .scan_index_forward(false)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .expect("index query");
    output.items().len()
}

/// Round trips and time per page for 10, 1,000 and 10,000 chats (and 10,000 with 256-character
/// names): the default order, the dashboard's order (first and middle page, limit 50 and no
/// limit), and an index on `updated_at`. Prints a table; asserts nothing about time.
///
///   cargo test -p neptun-tests --test chat_order -- --ignored --nocapture
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: run by hand with --ignored --nocapture"]
async fn measure_order_costs() {
    println!(
        "| chats | name chars | request | page | Queries | median ms | chats in page |\n|---|---|---|---|---|---|---|"
    );
    for (count, name_chars) in [(10, 20), (1_000, 20), (10_000, 20), (10_000, 256)] {
        let base = context().await;
        let rows = generated_chats(count, name_chars);
        put_chats(&base.store, &rows).await;
        let (context, proxy) = counted(&base).await;
        let chats: Vec<Chat> = rows.iter().cloned().map(Chat::from).collect();
        let dashboard = validation::parse_order_by("updated_at:desc,name:desc,model:desc")
            .expect("the dashboard's order");
        let mut sorted = chats.clone();
        sorted.sort_by(|a, b| dashboard.compare(a, b));
        let middle = &sorted[sorted.len() / 2];
        let ordered_cursor =
            validation::encode_chat_cursor(USER, ChatList::All, &dashboard, middle);
        let id_cursor = validation::encode_cursor(
            &CursorScope {
                user_id: USER.get(),
                chat_id: 0,
                list: "chats",
            },
            &Cursor {
                after_id: count / 2,
            },
        );
        let order = "order_by=updated_at:desc,name:desc,model:desc";
        let cases = [
            (
                "default (id desc), limit 50",
                "first",
                "limit=50".to_owned(),
            ),
            (
                "default (id desc), limit 50",
                "middle",
                format!("limit=50&cursor={id_cursor}"),
            ),
            (
                "dashboard order, limit 50",
                "first",
                format!("{order}&limit=50"),
            ),
            (
                "dashboard order, limit 50",
                "middle",
                format!("{order}&limit=50&cursor={ordered_cursor}"),
            ),
            ("dashboard order, no limit", "first", order.to_owned()),
        ];
        for (request, page, query) in cases {
            let measured = measure(&proxy, || {
                let query = query.clone();
                let context = &context;
                async move {
                    let (status, body) = list(context, &query).await;
                    assert_eq!(status, 200, "{query}");
                    ids_of(&body).len()
                }
            })
            .await;
            println!(
                "| {count} | {name_chars} | {request} | {page} | {} | {:.1} | {} |",
                measured.round_trips,
                measured.median.as_secs_f64() * 1000.0,
                measured.items
            );
        }
        let proxied = client_with_limits(&proxy.endpoint(), StorageTimeouts::default());
        let index = gsi_table(&proxied, &rows).await;
        let mut by_update = rows.clone();
        by_update.sort_by_key(|row| std::cmp::Reverse(updated_sk(row)));
        let middle_row = by_update[by_update.len() / 2].clone();
        for (page, after) in [("first", None), ("middle", Some(&middle_row))] {
            let measured = measure(&proxy, || gsi_page(&index, 50, after)).await;
            println!(
                "| {count} | {name_chars} | index on updated_at (id tie-break only), limit 50 | {page} | {} | {:.1} | {} |",
                measured.round_trips,
                measured.median.as_secs_f64() * 1000.0,
                measured.items
            );
        }
    }
}
