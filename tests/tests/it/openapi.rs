//! `openapi.yaml` cannot drift: real responses of every route (successes and every documented
//! error) are collected from the handlers, written to `target/tmp/openapi-exchanges.json`,
//! and checked against the document by `tests/python/test_openapi.py` (pinned
//! `openapi-spec-validator` and `jsonschema`), which also validates the document itself and
//! compares its routes with the cargo-lambda router.

use neptun_core::functions::Function;
use std::collections::BTreeMap;
use std::time::Duration;

use lambda_http::Request;
use neptun_core::context::AppContext;
use neptun_core::links::FileLinks;
use neptun_core::session::{LiveSession, SessionConfig};
use neptun_core::store::ApiStore;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::StorageTimeouts;
use neptun_dynamo::schema::{self, ErasedRow};
use neptun_testkit::memory::{Fault, MemoryStore};
use neptun_tests::proxy::{Mode, StorageProxy};
use neptun_tests::*;
use serde_json::{Value, json};

/// Each function's successful sample event (HTTP API, `$default`).
const SUCCESS: [(Function, &str); 20] = [
    (Function::CreateChat, "200-create.json"),
    (Function::ListChats, "200-list.json"),
    (Function::CreateChatMessages, "200-single.json"),
    (Function::ListChatMessages, "200-list.json"),
    (Function::CreateChatFiles, "200-single.json"),
    (Function::GetChatFiles, "200-list.json"),
    (Function::GetChatFileContent, "200-with-cookie.json"),
    (Function::UpdateChat, "200-rename.json"),
    (Function::DeleteChat, "200-delete.json"),
    (Function::DeleteChats, "200-delete-several.json"),
    (Function::DeleteLastChatMessage, "200-regenerate.json"),
    (Function::CreateProjectChat, "200-create.json"),
    (Function::ListProjectChats, "200-list.json"),
    (Function::DeleteProjectChat, "200-delete.json"),
    (Function::DeleteProjectChats, "200-delete-several.json"),
    (Function::CreateChatShare, "200-public.json"),
    (Function::GetChatShare, "200-shared.json"),
    (Function::DeleteChatShare, "200-delete.json"),
    (Function::CreateShareWhitelistEntries, "200-add.json"),
    (Function::GetSharedChat, "200-public.json"),
];

const CREATES: [Function; 4] = [
    Function::CreateChat,
    Function::CreateChatMessages,
    Function::CreateChatFiles,
    Function::CreateProjectChat,
];
/// The routes that change a chat: they take an `Idempotency-Key` too.
const CHANGES: [Function; 6] = [
    Function::UpdateChat,
    Function::DeleteChat,
    Function::DeleteChats,
    Function::DeleteLastChatMessage,
    Function::DeleteProjectChat,
    Function::DeleteProjectChats,
];

/// Request/response pairs, as `test_openapi.py` reads them.
#[derive(Default)]
struct Exchanges(Vec<Value>);

impl Exchanges {
    /// Sends `request` to `function` and records the exchange; returns status and body.
    async fn send<S>(
        &mut self,
        context: &AppContext<S>,
        function: Function,
        request: Request,
    ) -> (u16, String)
    where
        S: ApiStore,
    {
        let full_path = request.uri().path().to_owned();
        // Paths in the document are below the server URL (stage or base path included).
        let path = full_path
            .find("/api/users/")
            .or_else(|| full_path.find("/api/shared/"))
            .map_or(full_path.as_str(), |at| &full_path[at..])
            .to_owned();
        let method = request.method().to_string();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let content_type = request
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let request_body =
            String::from_utf8_lossy(neptun_core::request::body_bytes(&request)).into_owned();
        let response = invoke(context, function, request).await;
        let (status, headers, body) = text_of(response);
        let headers: BTreeMap<String, String> = headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        // Request bodies are checked for successful requests only (keeps the file small).
        let request_body = (status < 300 && !request_body.is_empty()).then_some(request_body);
        self.0.push(json!({
            "function": function.name(),
            "method": method,
            "path": path,
            "query": query,
            "request": {"content_type": content_type, "body": request_body},
            "status": status,
            "headers": headers,
            "body": body,
        }));
        (status, body)
    }
}

fn success_event(function: Function) -> String {
    let (_, file) = SUCCESS
        .iter()
        .find(|(name, _)| *name == function)
        .expect("a function with a success event");
    format!("{function}/{file}")
}

/// A function's successful event with edits (HTTP API, `$default`).
fn edited(function: Function, edit: impl FnOnce(&mut Value)) -> Request {
    event_with(&success_event(function), edit)
}

fn with_key(key: &str, body: Option<Value>) -> impl FnOnce(&mut Value) {
    move |event| {
        event["headers"]["idempotency-key"] = json!(key);
        if let Some(body) = body {
            event["body"] = json!(body.to_string());
        }
    }
}

fn next_cursor(body: &str) -> String {
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    body["nextCursor"]
        .as_str()
        .unwrap_or_else(|| panic!("a nextCursor in {body}"))
        .to_owned()
}

/// Successes, pagination, replays and the client errors, on DynamoDB Local with the sample data.
async fn collect_on_engine(out: &mut Exchanges) {
    let context = context().await;
    seed_sample_data(&context.store).await;

    for SampleEvent {
        function,
        file,
        status: expected,
    } in sample_events()
    {
        let request = event(&format!("{function}/{file}"));
        let (status, body) = out.send(&context, function, request).await;
        assert_eq!(status, expected, "events/{function}/{file}: {body}");
    }

    // Exactly-once creates: first, replay (idempotent-replayed), same key, other body (422).
    let bodies = [
        (Function::CreateChat, json!({"name": "Keyed chat"})),
        (
            Function::CreateChatMessages,
            json!({"messages": [{"content": "Keyed", "role": "user"}]}),
        ),
        (
            Function::CreateChatFiles,
            json!({"files": [{"text": "x = 1", "title": "keyed.py", "extension": "py"}]}),
        ),
        (
            Function::CreateProjectChat,
            json!({"name": "Keyed project chat"}),
        ),
    ];
    for (function, body) in bodies {
        let key = format!("openapi-{function}");
        let (first, created) = out
            .send(
                &context,
                function,
                edited(function, with_key(&key, Some(body.clone()))),
            )
            .await;
        let (again, replayed) = out
            .send(
                &context,
                function,
                edited(function, with_key(&key, Some(body))),
            )
            .await;
        assert_eq!((first, again), (200, 200), "{function}: {created}");
        assert_eq!(unsigned(&created), unsigned(&replayed), "{function}");
        let other = json!({"name": "Other", "messages": [{"content": "Other", "role": "user"}],
            "files": [{"text": "", "title": "other"}]});
        let (status, body) = out
            .send(
                &context,
                function,
                edited(function, with_key(&key, Some(other))),
            )
            .await;
        assert_eq!(status, 422, "{function}: {body}");
        // An empty Idempotency-Key is a bad header.
        let (status, body) = out
            .send(&context, function, edited(function, with_key("", None)))
            .await;
        assert_eq!(status, 400, "{function}: {body}");
    }

    // A key of another request on the routes that change a chat: 422. (Their own events
    // carry keys; a first request takes this one.)
    for function in CHANGES {
        let key = format!("openapi-{function}");
        let (status, body) = out
            .send(
                &context,
                Function::CreateChat,
                edited(Function::CreateChat, with_key(&key, None)),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = out
            .send(&context, function, edited(function, with_key(&key, None)))
            .await;
        assert_eq!(status, 422, "{function}: {body}");
    }
    // A regenerate of a chat without messages: the web app's 400.
    let (status, body) = out
        .send(
            &context,
            Function::DeleteLastChatMessage,
            edited(Function::DeleteLastChatMessage, |e| {
                set_path(e, "/api/users/1/chats/1001/messages/last");
                e["headers"]
                    .as_object_mut()
                    .map(|h| h.remove("idempotency-key"));
            }),
        )
        .await;
    assert!(status == 400 || status == 404, "{body}");
    let (status, body) = out
        .send(
            &context,
            Function::DeleteLastChatMessage,
            edited(Function::DeleteLastChatMessage, |e| {
                set_path(e, "/api/users/1/chats/1003/messages/last");
                e["headers"]
                    .as_object_mut()
                    .map(|h| h.remove("idempotency-key"));
            }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // Bodies over 3 MiB on the routes that take one.
    for function in [
        Function::UpdateChat,
        Function::DeleteChats,
        Function::CreateProjectChat,
        Function::DeleteProjectChats,
        Function::CreateChatShare,
        Function::CreateShareWhitelistEntries,
    ] {
        let big = edited(function, |event| {
            event["body"] = json!(
                json!({"name": "big", "chat_ids": [1], "model": "x".repeat(3 << 20)}).to_string()
            );
        });
        let (status, body) = out.send(&context, function, big).await;
        assert_eq!(status, 413, "{function}: {body}");
    }
    // A body over 3 MiB.
    let big = edited(Function::CreateChat, |event| {
        event["body"] = json!(json!({"name": "big", "model": "x".repeat(3 << 20)}).to_string());
    });
    let (status, body) = out.send(&context, Function::CreateChat, big).await;
    assert_eq!(status, 413, "{body}");
    // Path ids that are not ids.
    let (status, body) = out
        .send(
            &context,
            Function::CreateChat,
            edited(Function::CreateChat, |e| set_path(e, "/api/users/0/chats")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = out
        .send(
            &context,
            Function::DeleteProjectChat,
            edited(Function::DeleteProjectChat, |e| {
                set_path(e, "/api/users/1/projects/0/chats/1005")
            }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // A body that is not JSON.
    for function in [
        Function::DeleteProjectChats,
        Function::CreateChatShare,
        Function::CreateShareWhitelistEntries,
    ] {
        let (status, body) = out
            .send(
                &context,
                function,
                edited(function, |e| {
                    e["headers"]["content-type"] = json!("text/plain");
                }),
            )
            .await;
        assert_eq!(status, 415, "{function}: {body}");
    }
    let content = |path: &str| {
        let path = path.to_owned();
        edited(Function::GetChatFileContent, move |e| set_path(e, &path))
    };
    let (status, body) = out
        .send(
            &context,
            Function::GetChatFileContent,
            content("/api/users/1/chats/1000/files/x/content"),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Pages: limit, nextCursor, the next page, a bad cursor; no cookie.
    for function in [
        Function::ListChats,
        Function::ListChatMessages,
        Function::GetChatFiles,
    ] {
        let (status, body) = out
            .send(
                &context,
                function,
                edited(function, |e| set_query(e, &[("limit", "1")])),
            )
            .await;
        assert_eq!(status, 200, "{function}: {body}");
        let cursor = next_cursor(&body);
        let (status, body) = out
            .send(
                &context,
                function,
                edited(function, |e| {
                    set_query(e, &[("limit", "1000"), ("cursor", &cursor)])
                }),
            )
            .await;
        assert_eq!(status, 200, "{function}: {body}");
        let (status, body) = out
            .send(
                &context,
                function,
                edited(function, |e| set_query(e, &[("cursor", "not-a-cursor")])),
            )
            .await;
        assert_eq!(status, 400, "{function}: {body}");
        let (status, body) = out
            .send(
                &context,
                function,
                edited(function, |e| {
                    e.as_object_mut().map(|e| e.remove("cookies"));
                }),
            )
            .await;
        assert_eq!(status, 401, "{function}: {body}");
    }

    // A shared chat's pages, and wrong passwords until the share takes no more this minute.
    let shared = |query: &[(&str, &str)]| edited(Function::GetSharedChat, |e| set_query(e, query));
    let (status, body) = out
        .send(&context, Function::GetSharedChat, shared(&[("limit", "1")]))
        .await;
    assert_eq!(status, 200, "{body}");
    let cursor = next_cursor(&body);
    let (status, body) = out
        .send(
            &context,
            Function::GetSharedChat,
            shared(&[("cursor", &cursor)]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let wrong = event_with("get-shared-chat/401-wrong-password.json", |_| {});
    // Attempts are counted per minute of the clock: tries that straddle two are sent again.
    let minute = || neptun_core::clock::now_ms() / 60_000;
    let locked = loop {
        let started = minute();
        let mut locked = None;
        for _ in 0..=neptun_core::shares::attempts::MAX_ATTEMPTS_PER_MINUTE {
            let (status, body) = out
                .send(&context, Function::GetSharedChat, wrong.clone())
                .await;
            locked = Some((status, body));
        }
        if minute() == started {
            break locked;
        }
    };
    let (status, body) = locked.unwrap_or_default();
    assert_eq!(status, 429, "{body}");

    // Ordered chat pages: the dashboard's order with its keyset cursor, the next page, that
    // cursor under another order (400).
    let order = ("order_by", "updated_at:desc,name:desc,model:desc");
    let (status, body) = out
        .send(
            &context,
            Function::ListChats,
            edited(Function::ListChats, |e| {
                set_query(e, &[order, ("limit", "1")])
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let cursor = next_cursor(&body);
    let (status, body) = out
        .send(
            &context,
            Function::ListChats,
            edited(Function::ListChats, |e| {
                set_query(e, &[order, ("cursor", &cursor)])
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = out
        .send(
            &context,
            Function::ListChats,
            edited(Function::ListChats, |e| {
                set_query(e, &[("order_by", "name:asc"), ("cursor", &cursor)])
            }),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // The content route through a file's signed URL, without a cookie.
    let (_, listed) = out
        .send(
            &context,
            Function::GetChatFiles,
            event(&success_event(Function::GetChatFiles)),
        )
        .await;
    let listed: Value = serde_json::from_str(&listed).expect("a JSON body");
    for file in listed["chatFiles"]
        .as_array()
        .expect("files")
        .iter()
        .take(3)
    {
        let url = file["url"].as_str().expect("a url");
        let (status, body) = out
            .send(&context, Function::GetChatFileContent, open_url(url))
            .await;
        assert_eq!(status, 200, "{url}: {body}");
    }

    // The share routes' bad path ids and keys, and a share while the user is being erased.
    for (function, path) in [
        (Function::CreateChatShare, "/api/users/1/chats/0/shares"),
        (Function::GetChatShare, "/api/users/1/chats/0/shares"),
        (Function::DeleteChatShare, "/api/users/1/chats/x/shares"),
        (
            Function::CreateShareWhitelistEntries,
            "/api/users/1/chats/1003/shares/0/whitelist-entries",
        ),
    ] {
        let (status, body) = out
            .send(&context, function, edited(function, |e| set_path(e, path)))
            .await;
        assert_eq!(status, 400, "{function}: {body}");
    }
    for function in [Function::CreateChatShare, Function::DeleteChatShare] {
        let (status, body) = out
            .send(&context, function, edited(function, with_key("", None)))
            .await;
        assert_eq!(status, 400, "{function}: {body}");
    }
    // Every write sent from another site is refused before its body is read.
    for function in Function::ALL {
        if function.method() == lambda_http::http::Method::GET {
            continue;
        }
        let cross_site = edited(function, |e| {
            e["headers"]["sec-fetch-site"] = json!("cross-site");
        });
        let (status, body) = out.send(&context, function, cross_site).await;
        assert_eq!(status, 403, "{function}: {body}");
    }
    let erased = ErasedRow::new(SAMPLE_USER, neptun_core::clock::now_ms());
    context
        .store
        .client()
        .put_item()
        .table_name(context.store.table())
        .set_item(Some(
            schema::to_attribute_map(&erased).expect("an ERASED row"),
        ))
        .send()
        .await
        .expect("put ERASED");
    // The user is erased: every write is a 410, for ever.
    for function in Function::ALL {
        if function.method() == lambda_http::http::Method::GET {
            continue;
        }
        let (status, body) = out.send(&context, function, edited(function, |_| {})).await;
        assert_eq!(status, 410, "{function}: {body}");
    }
}

/// 503 from every route: storage refuses every connection.
async fn collect_unavailable(out: &mut Exchanges) {
    let base = context().await;
    let proxy = StorageProxy::start(storage_endpoint());
    proxy.set_mode(Mode::Refuse);
    let limits = StorageTimeouts {
        connect: Duration::from_millis(300),
        attempt: Duration::from_millis(500),
        operation: Duration::from_millis(1000),
        max_attempts: 1,
    };
    let store = DynamoStore::new(
        client_with_limits(&proxy.endpoint(), limits),
        base.store.table(),
    );
    let context = AppContext { store, ..base };
    for (function, _) in SUCCESS {
        let (status, body) = out
            .send(&context, function, event(&success_event(function)))
            .await;
        assert_eq!(status, 503, "{function}: {body}");
    }
}

/// 409 (a create whose key's first request is still committing) and 500 from every route.
async fn collect_store_failures(out: &mut Exchanges) {
    // The statuses the engine cannot be made to answer on purpose: a 409 needs two requests
    // racing on one key, a 500 a broken store.
    let context = |fault: Fault| {
        let store = MemoryStore::new();
        store.set_fault(Some(fault));
        AppContext {
            store,
            session: LiveSession::fixed(
                SessionConfig::new(DEV_PASSWORD).expect("the dev password is long enough"),
            ),
            links: FileLinks::default(),
            origin: Default::default(),
            cross_site: Default::default(),
        }
    };
    let in_flight = context(Fault::IdempotencyInFlight);
    for function in CREATES.into_iter().chain(CHANGES) {
        let request = edited(function, with_key("racing", None));
        let (status, body) = out.send(&in_flight, function, request).await;
        assert_eq!(status, 409, "{function}: {body}");
    }
    let broken = context(Fault::Broken);
    for (function, _) in SUCCESS {
        let (status, body) = out
            .send(&broken, function, event(&success_event(function)))
            .await;
        assert_eq!(status, 500, "{function}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_as_openapi_yaml_describes() {
    let mut out = Exchanges::default();
    collect_on_engine(&mut out).await;
    collect_unavailable(&mut out).await;
    collect_store_failures(&mut out).await;

    run_pytest_on(
        "test_openapi.py",
        "NEPTUN_OPENAPI_RESPONSES",
        &Value::Array(out.0),
        "jsonschema, openapi_spec_validator, pytest, yaml",
    );
}

/// A response body with each signed file URL's query left out: a replay answers the first
/// response's files with URLs signed anew, whose expiry may be a second later.
fn unsigned(body: &str) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    match member {
                        Value::String(url) if name == "url" => {
                            url.truncate(url.find('?').unwrap_or(url.len()));
                        }
                        other => strip(other),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    strip(&mut value);
    value
}
