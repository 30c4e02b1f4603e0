//! Every handler on the in-memory store: no storage server, requests built from the sample events
//! under `events/`. Storage behaviour itself is tested against DynamoDB Local in `tests/`.

use lambda_http::Request;
use neptun::context::AppContext;
use neptun::links::FileLinks;
use neptun::model::{Chat, ChatMessage, FileRecord, Role};
use neptun::sample_events::{
    body_text, event, event_with, invoke, sample_events, set_body, set_path, set_raw_query,
};
use neptun::session::SessionConfig;
use neptun::store::memory::{Fault, MemoryStore};
use serde_json::{Value, json};

/// The dev-only secret the sample events' cookies are sealed with.
const DEV_PASSWORD: &str = "neptun-local-development-password-not-secret";
/// What the sample events refer to (the same ids `make dev` seeds).
const USER: u64 = 1;
const CHAT: u64 = 1000;
const MESSAGE: u64 = 4096;
const FILE: u64 = 8192;
const CREATED_MS: u64 = 1_795_288_364_006;

/// The chats the delete and regenerate events change (as `make dev` seeds them).
const CHAT_TO_DELETE: u64 = 1001;
const CHATS_TO_DELETE: u64 = 1002;
const CHAT_TO_REGENERATE: u64 = 1003;

fn chat(id: u64, name: &str) -> Chat {
    let at = neptun::clock::rfc3339_ms(CREATED_MS);
    Chat {
        id,
        name: name.into(),
        model: "gpt-4o".into(),
        neptun_user_id: USER,
        created_at: at.clone(),
        updated_at: at,
    }
}

fn message(chat_id: u64, id: u64, actor: Role, text: &str) -> ChatMessage {
    let at = neptun::clock::rfc3339_ms(CREATED_MS);
    ChatMessage {
        id,
        chat_conversation_id: chat_id,
        neptun_user_id: USER,
        message: text.into(),
        actor,
        created_at: at.clone(),
        updated_at: at,
    }
}

fn file(chat_id: u64, id: u64, message_id: u64, title: &str, text: &str) -> FileRecord {
    FileRecord {
        id,
        chat_id,
        message_id,
        user_id: USER,
        title: title.into(),
        text: text.into(),
        language: "python".into(),
        extension: "py".into(),
        created_at_ms: CREATED_MS,
    }
}

/// The sample chat, its message and its file.
fn context() -> AppContext<MemoryStore> {
    let store = MemoryStore::new();
    store.insert_chat(chat(CHAT, "Sample chat"));
    store.insert_message(message(CHAT, MESSAGE, Role::User, "What is Python?"));
    store.insert_file(file(
        CHAT,
        FILE,
        MESSAGE,
        "example.py",
        "print('Hello, World!')",
    ));
    AppContext {
        store,
        session: SessionConfig::new(DEV_PASSWORD).expect("the dev password is long enough"),
        links: FileLinks::default(),
    }
}

/// All the sample data `make dev` seeds: also the chats the delete and regenerate events
/// change.
fn full_context() -> AppContext<MemoryStore> {
    let context = context();
    for (id, name) in [
        (CHAT_TO_DELETE, "Chat to delete"),
        (CHATS_TO_DELETE, "Another chat to delete"),
        (CHAT_TO_REGENERATE, "Chat to regenerate"),
    ] {
        context.store.insert_chat(chat(id, name));
    }
    let store = &context.store;
    store.insert_message(message(
        CHAT_TO_REGENERATE,
        4112,
        Role::User,
        "How do I print?",
    ));
    store.insert_message(message(
        CHAT_TO_REGENERATE,
        4113,
        Role::Assistant,
        "Use print.",
    ));
    store.insert_file(file(CHAT_TO_REGENERATE, 8208, 4113, "", "print(1)"));
    context
}

/// Status and JSON body (`Null` for a body that is not JSON).
async fn call(context: &AppContext<MemoryStore>, function: &str, request: Request) -> (u16, Value) {
    let response = invoke(context, function, request).await;
    let status = response.status().as_u16();
    let body = serde_json::from_str(&body_text(&response)).unwrap_or(Value::Null);
    (status, body)
}

/// Every sample event answers the status its name starts with.
#[tokio::test]
async fn every_sample_event_answers_its_status() {
    let events = sample_events();
    assert!(events.len() >= 59, "only {} events", events.len());
    for (function, file, expected) in events {
        let response = invoke(
            &full_context(),
            &function,
            event(&format!("{function}/{file}")),
        )
        .await;
        assert_eq!(
            response.status().as_u16(),
            expected,
            "events/{function}/{file}: {}",
            body_text(&response)
        );
        assert!(
            response.headers().contains_key(http::header::CONTENT_TYPE),
            "events/{function}/{file} has a content type"
        );
    }
}

// --- The check order: 401 -> 400 path -> 401 owner -> 415/413/400 body -> 404 -> 503 -----

const BAD_MESSAGE: &str = r#"{"messages": []}"#;

fn post_messages(edit: impl FnOnce(&mut Value)) -> Request {
    event_with("create-chat-messages/200-single.json", edit)
}

#[tokio::test]
async fn no_session_is_401_before_anything_else() {
    let context = context();
    context.store.set_fault(Some(Fault::Unavailable));
    let request = event_with("create-chat-messages/401-no-cookie.json", |e| {
        set_path(e, "/api/users/01/chats/x/messages");
        e["headers"]["content-type"] = json!("text/plain");
        e["body"] = json!(BAD_MESSAGE);
    });
    assert_eq!(call(&context, "create-chat-messages", request).await.0, 401);
}

#[tokio::test]
async fn a_bad_path_id_is_400_before_the_owner_check() {
    let context = context();
    let request = post_messages(|e| {
        set_path(e, "/api/users/2/chats/not-a-number/messages");
        e["body"] = json!(BAD_MESSAGE);
    });
    let (status, body) = call(&context, "create-chat-messages", request).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid path parameters."
    );
}

#[tokio::test]
async fn another_users_path_is_401_before_the_body() {
    let context = context();
    let request = post_messages(|e| {
        set_path(e, "/api/users/2/chats/1000/messages");
        e["headers"]["content-type"] = json!("text/plain");
    });
    assert_eq!(call(&context, "create-chat-messages", request).await.0, 401);
}

#[tokio::test]
async fn media_type_then_size_then_body_then_storage() {
    let context = context();
    context.store.set_fault(Some(Fault::Unavailable));
    let unknown_chat = "/api/users/1/chats/77/messages";

    let text_plain = post_messages(|e| {
        set_path(e, unknown_chat);
        e["headers"]["content-type"] = json!("text/plain");
        e["body"] = json!("x".repeat(4 * 1024 * 1024));
    });
    assert_eq!(
        call(&context, "create-chat-messages", text_plain).await.0,
        415
    );

    let too_large = post_messages(|e| {
        set_path(e, unknown_chat);
        e["body"] = json!("x".repeat(4 * 1024 * 1024));
    });
    assert_eq!(
        call(&context, "create-chat-messages", too_large).await.0,
        413
    );

    let invalid = post_messages(|e| {
        set_path(e, unknown_chat);
        e["body"] = json!(BAD_MESSAGE);
    });
    let (status, body) = call(&context, "create-chat-messages", invalid).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid body(message | messages)."
    );

    // A valid body reaches storage: unavailable is 503 with Retry-After ...
    let valid = || post_messages(|e| set_path(e, unknown_chat));
    let response = invoke(&context, "create-chat-messages", valid()).await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()[http::header::RETRY_AFTER], "1");
    // ... and with storage back, the unknown chat is 404.
    context.store.set_fault(None);
    let (status, body) = call(&context, "create-chat-messages", valid()).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["data"]["message"], "Chat not found");
}

#[tokio::test]
async fn storage_unavailable_is_503_on_every_route() {
    for (function, event) in [
        ("create-chat", "create-chat/200-create.json"),
        ("list-chats", "list-chats/200-list.json"),
        (
            "create-chat-messages",
            "create-chat-messages/200-batch.json",
        ),
        ("list-chat-messages", "list-chat-messages/200-list.json"),
        ("create-chat-files", "create-chat-files/200-batch.json"),
        ("get-chat-files", "get-chat-files/200-list.json"),
        (
            "get-chat-file-content",
            "get-chat-file-content/200-with-cookie.json",
        ),
    ] {
        let context = context();
        context.store.set_fault(Some(Fault::Unavailable));
        let response = invoke(&context, function, event_with(event, |_| {})).await;
        assert_eq!(response.status().as_u16(), 503, "{function}");
        assert!(
            response.headers().contains_key(http::header::RETRY_AFTER),
            "{function}"
        );
        let body: Value = serde_json::from_str(&body_text(&response)).unwrap_or(Value::Null);
        assert_eq!(body["statusCode"], 503, "{function}");
    }
}

#[tokio::test]
async fn a_key_still_in_flight_is_409_with_retry_after() {
    let context = context();
    context.store.set_fault(Some(Fault::IdempotencyInFlight));
    let request = post_messages(|e| e["headers"]["idempotency-key"] = json!("k-1"));
    let response = invoke(&context, "create-chat-messages", request).await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(response.headers().contains_key(http::header::RETRY_AFTER));
}

// --- Single vs batch shapes -----------------------------------------------------------

#[tokio::test]
async fn a_single_message_answers_chat_message_and_a_batch_chat_messages() {
    let context = context();
    let (status, single) = call(
        &context,
        "create-chat-messages",
        event("create-chat-messages/200-single.json"),
    )
    .await;
    assert_eq!(status, 200, "{single}");
    assert!(single["chatMessage"].is_object(), "{single}");
    assert_eq!(single.as_object().map(|o| o.len()), Some(1));

    let (status, batch) = call(
        &context,
        "create-chat-messages",
        event("create-chat-messages/200-batch.json"),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    let created = batch["chatMessages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(created.len() >= 2, "{batch}");
    let ids: Vec<u64> = created.iter().filter_map(|m| m["id"].as_u64()).collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ids in input order"
    );
    assert!(created.iter().all(|m| m["chat_conversation_id"] == CHAT));
}

#[tokio::test]
async fn a_single_file_answers_chat_file_and_a_batch_chat_files() {
    let context = context();
    let (status, single) = call(
        &context,
        "create-chat-files",
        event("create-chat-files/200-single.json"),
    )
    .await;
    assert_eq!(status, 200, "{single}");
    assert!(single["chatFile"].is_object(), "{single}");
    assert!(
        single["chatFile"]["url"]
            .as_str()
            .is_some_and(|url| url.contains("/content"))
    );

    let (status, batch) = call(
        &context,
        "create-chat-files",
        event("create-chat-files/200-batch.json"),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    let created = batch["chatFiles"].as_array().cloned().unwrap_or_default();
    assert!(created.len() >= 2, "{batch}");
    assert!(
        created
            .iter()
            .all(|f| f["chat_conversation_message_id"] == MESSAGE)
    );
}

#[tokio::test]
async fn files_need_an_existing_message() {
    let context = context();
    let (status, body) = call(
        &context,
        "create-chat-files",
        event("create-chat-files/404-unknown-message.json"),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["data"]["message"], "Message not found");
    assert_eq!(
        context.store.item_count(USER, CHAT),
        Some(2),
        "nothing written"
    );
}

#[tokio::test]
async fn the_content_route_answers_the_text() {
    let context = context();
    let response = invoke(
        &context,
        "get-chat-file-content",
        event("get-chat-file-content/200-with-cookie.json"),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(body_text(&response), "print('Hello, World!')");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

// --- Pagination and cursor scope --------------------------------------------------------

async fn add_messages(context: &AppContext<MemoryStore>, count: usize) {
    let messages: Vec<Value> = (0..count)
        .map(|i| json!({"content": format!("m{i}"), "role": "user"}))
        .collect();
    let request = post_messages(|e| set_body(e, json!({ "messages": messages })));
    assert_eq!(call(context, "create-chat-messages", request).await.0, 200);
}

async fn list_page(
    context: &AppContext<MemoryStore>,
    function: &str,
    event: &str,
    query: &str,
) -> (u16, Value) {
    let request = event_with(event, |e| set_raw_query(e, query));
    call(context, function, request).await
}

#[tokio::test]
async fn message_pages_cover_every_message_once_in_order() {
    let context = context();
    add_messages(&context, 7).await;
    let mut seen = Vec::new();
    let mut query = "limit=3".to_owned();
    for _ in 0..10 {
        let (status, page) = list_page(
            &context,
            "list-chat-messages",
            "list-chat-messages/200-list.json",
            &query,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let items = page["chatMessages"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 3);
        seen.extend(items.iter().filter_map(|m| m["id"].as_u64()));
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8, "7 new and the sample message");
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(seen[0], MESSAGE);
}

#[tokio::test]
async fn chat_pages_are_newest_first() {
    let context = context();
    for name in ["a", "b", "c"] {
        let request = event_with("create-chat/200-create.json", |e| {
            set_body(e, json!({"name": name}))
        });
        assert_eq!(call(&context, "create-chat", request).await.0, 200);
    }
    let (status, first) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        "limit=2",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let names: Vec<&str> = first["chats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["c", "b"]);
    let cursor = first["nextCursor"].as_str().unwrap_or_default().to_owned();
    let (status, second) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        &format!("limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let names: Vec<&str> = second["chats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["a", "Sample chat"]);
    assert!(second.get("nextCursor").is_none(), "{second}");
}

#[tokio::test]
async fn a_cursor_only_opens_the_list_it_was_made_for() {
    let context = context();
    add_messages(&context, 3).await;
    let (_, page) = list_page(
        &context,
        "list-chat-messages",
        "list-chat-messages/200-list.json",
        "limit=1",
    )
    .await;
    let cursor = page["nextCursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty(), "{page}");

    // The messages cursor on the files list of the same chat.
    let (status, body) = list_page(
        &context,
        "get-chat-files",
        "get-chat-files/200-list.json",
        &format!("cursor={cursor}"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // On another chat's messages.
    let other_chat = event_with("list-chat-messages/200-list.json", |e| {
        set_path(e, "/api/users/1/chats/1001/messages");
        set_raw_query(e, &format!("cursor={cursor}"));
    });
    let (status, body) = call(&context, "list-chat-messages", other_chat).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid query parameters."
    );
}

#[tokio::test]
async fn an_unknown_chat_is_404_on_its_lists() {
    let context = context();
    for (function, event) in [
        (
            "list-chat-messages",
            "list-chat-messages/404-unknown-chat.json",
        ),
        ("get-chat-files", "get-chat-files/404-unknown-chat.json"),
    ] {
        let (status, body) = call(&context, function, event_with(event, |_| {})).await;
        assert_eq!(status, 404, "{function}: {body}");
        assert_eq!(body["data"]["message"], "Chat not found");
    }
}

// --- Idempotent replay -------------------------------------------------------------------

#[tokio::test]
async fn the_same_key_and_body_replay_and_another_body_is_422() {
    let context = context();
    let with_key = |body: Value| {
        post_messages(move |e| {
            set_body(e, body);
            e["headers"]["idempotency-key"] = json!("key-1");
        })
    };
    let body = json!({"message": "Hi", "actor": "user"});
    let first = invoke(&context, "create-chat-messages", with_key(body.clone())).await;
    assert_eq!(first.status().as_u16(), 200);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let again = invoke(&context, "create-chat-messages", with_key(body)).await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(body_text(&first), body_text(&again));
    assert_eq!(context.store.item_count(USER, CHAT), Some(3), "stored once");

    let (status, body) = call(
        &context,
        "create-chat-messages",
        with_key(json!({"message": "Other", "actor": "user"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(context.store.item_count(USER, CHAT), Some(3));
}

#[tokio::test]
async fn chats_and_files_replay_too() {
    let context = context();
    let chat = || {
        event_with("create-chat/200-create.json", |e| {
            e["headers"]["idempotency-key"] = json!("c-1")
        })
    };
    let (_, first) = call(&context, "create-chat", chat()).await;
    let (_, again) = call(&context, "create-chat", chat()).await;
    assert_eq!(first["chat"]["id"], again["chat"]["id"]);

    let file = || {
        event_with("create-chat-files/200-single.json", |e| {
            e["headers"]["idempotency-key"] = json!("f-1")
        })
    };
    let (_, first) = call(&context, "create-chat-files", file()).await;
    let (_, again) = call(&context, "create-chat-files", file()).await;
    assert_eq!(first["chatFile"]["id"], again["chatFile"]["id"]);
    assert_eq!(
        context.store.item_count(USER, CHAT),
        Some(3),
        "one new file"
    );
}

// --- Code blocks without a title -----------------------------------------------------------

/// The content route's response for one of the sample chat's files.
async fn file_content(
    context: &AppContext<MemoryStore>,
    file_id: u64,
) -> lambda_http::Response<lambda_http::Body> {
    let request = event_with("get-chat-file-content/200-with-cookie.json", |e| {
        set_path(
            e,
            &format!("/api/users/1/chats/1000/files/{file_id}/content"),
        );
        e["pathParameters"]["file_id"] = json!(file_id.to_string());
    });
    invoke(context, "get-chat-file-content", request).await
}

#[tokio::test]
async fn the_dashboards_untitled_code_block_gets_a_generated_name() {
    let context = context();
    let (status, body) = call(
        &context,
        "create-chat-files",
        event("create-chat-files/200-dashboard-untitled-block.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let file = &body["chatFile"];
    let id = file["id"].as_u64().unwrap_or_default();
    assert_eq!(file["title"], "");
    assert_eq!(file["name"], format!("untitled-{id}.py"));
    assert_eq!(file["type"], "text/x-python");
    // The ids the dashboard repeats in the body are ignored: the path decides.
    assert_eq!(file["chat_conversation_message_id"], MESSAGE);

    let response = file_content(&context, id).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()[http::header::CONTENT_DISPOSITION],
        format!("inline; filename=\"untitled-{id}.py\"").as_str()
    );
    assert_eq!(body_text(&response), "print('Hello, World!')");
}

#[tokio::test]
async fn a_batch_mixing_titled_and_untitled_blocks() {
    let context = context();
    let (status, body) = call(
        &context,
        "create-chat-files",
        event("create-chat-files/200-dashboard-mixed-titles.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let files = body["chatFiles"].as_array().cloned().unwrap_or_default();
    let named: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let id = f["id"].as_u64().unwrap_or_default();
            let name = f["name"].as_str().unwrap_or_default();
            (
                f["title"].as_str().unwrap_or_default().to_owned(),
                name.replace(&id.to_string(), "<id>"),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("main.rs".to_owned(), "main.rs".to_owned()),
            (String::new(), "untitled-<id>.sh".to_owned()),
            (String::new(), "untitled-<id>.txt".to_owned()),
        ]
    );
    // Listed the same way, and the titled file keeps its name in the download.
    let (status, listed) = call(
        &context,
        "get-chat-files",
        event("get-chat-files/200-list.json"),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let id_and_name = |f: &Value| (f["id"].clone(), f["name"].clone());
    let listed: Vec<_> = listed["chatFiles"]
        .as_array()
        .into_iter()
        .flatten()
        .skip(1)
        .map(id_and_name)
        .collect();
    assert_eq!(listed, files.iter().map(id_and_name).collect::<Vec<_>>());
    let titled = files[0]["id"].as_u64().unwrap_or_default();
    let response = file_content(&context, titled).await;
    assert_eq!(
        response.headers()[http::header::CONTENT_DISPOSITION],
        "inline; filename=\"main.rs\""
    );
}

#[tokio::test]
async fn blank_null_and_absent_titles_are_stored_as_given_or_empty() {
    let context = context();
    let request = event_with("create-chat-files/200-batch.json", |e| {
        set_body(
            e,
            json!({"files": [
                {"text": "a", "title": null, "extension": "md"},
                {"text": "b"},
                {"text": "c", "title": "   ", "extension": ".json"}
            ]}),
        )
    });
    let (status, body) = call(&context, "create-chat-files", request).await;
    assert_eq!(status, 200, "{body}");
    let files = body["chatFiles"].as_array().cloned().unwrap_or_default();
    let titles: Vec<&str> = files.iter().filter_map(|f| f["title"].as_str()).collect();
    assert_eq!(titles, ["", "", "   "]);
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            let id = f["id"].as_u64().unwrap_or_default().to_string();
            f["name"].as_str().unwrap_or_default().replace(&id, "<id>")
        })
        .collect();
    assert_eq!(
        names,
        [
            "untitled-<id>.md",
            "untitled-<id>.txt",
            "untitled-<id>.json"
        ]
    );
}

#[tokio::test]
async fn the_dashboards_ai_sdk_messages_are_stored() {
    let context = context();
    let (status, body) = call(
        &context,
        "create-chat-messages",
        event("create-chat-messages/200-ai-sdk-messages.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let messages = body["chatMessages"].as_array().cloned().unwrap_or_default();
    let stored: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| {
            (
                m["actor"].as_str().unwrap_or_default(),
                m["message"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        stored,
        [
            ("user", "Write hello world in Python"),
            ("assistant", "```python\nprint('Hello, World!')\n```")
        ]
    );
    // Only the API's own fields come back (the AI SDK's `id`, `parts`, ... are not stored).
    assert_eq!(messages[0].as_object().map(|m| m.len()), Some(7), "{body}");
}

// --- order_by on the chat list --------------------------------------------------------------

const COLUMNS: [&str; 5] = ["id", "created_at", "updated_at", "name", "model"];

/// The sample chat and twelve more of user 1, with ties in every column but the id, and one
/// chat of user 2 that must never show.
fn context_with_chats() -> AppContext<MemoryStore> {
    let context = context();
    let at = |minute: u64| neptun::clock::rfc3339_ms(CREATED_MS + minute * 60_000);
    let rows: [(u64, &str, &str, u64, u64); 12] = [
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
    ];
    for (id, name, model, created, updated) in rows {
        context.store.insert_chat(Chat {
            id,
            name: name.into(),
            model: model.into(),
            neptun_user_id: USER,
            created_at: at(created),
            updated_at: at(updated),
        });
    }
    context.store.insert_chat(Chat {
        id: 13,
        name: "other user".into(),
        model: String::new(),
        neptun_user_id: 2,
        created_at: at(1),
        updated_at: at(1),
    });
    context
}

/// The ids of user 1's chats sorted by `pairs` and then id descending, computed here on the
/// listed chats (independently of the store): texts by bytes, timestamps as text.
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

fn ids_of(page: &Value) -> Vec<u64> {
    page["chats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_u64())
        .collect()
}

/// Every page of the chat list under `query` (`order_by=...` or empty), `limit` a page.
async fn all_pages(context: &AppContext<MemoryStore>, query: &str, limit: usize) -> Vec<Vec<u64>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut params = vec![format!("limit={limit}")];
        params.extend((!query.is_empty()).then(|| query.to_owned()));
        params.extend(cursor.iter().map(|c| format!("cursor={c}")));
        let (status, page) = list_page(
            context,
            "list-chats",
            "list-chats/200-list.json",
            &params.join("&"),
        )
        .await;
        assert_eq!(status, 200, "{query}: {page}");
        let ids = ids_of(&page);
        assert!(ids.len() <= limit, "{query}: {page}");
        pages.push(ids);
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
    }
    panic!("{query}: no last page");
}

#[tokio::test]
async fn the_dashboards_order() {
    let context = context_with_chats();
    let (status, all) = call(&context, "list-chats", event("list-chats/200-list.json")).await;
    assert_eq!(status, 200, "{all}");
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    assert_eq!(chats.len(), 13, "user 1's chats only");

    let (status, page) = call(
        &context,
        "list-chats",
        event("list-chats/200-order-by-dashboard.json"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let expected = expected_ids(
        &chats,
        &[("updated_at", "desc"), ("name", "desc"), ("model", "desc")],
    );
    assert_eq!(ids_of(&page), expected);
    // Ties on the newest updated_at by name, in UTF-8 bytes: "é" > "Ä" > "b" > "B".
    assert_eq!(&expected[..4], &[5, 9, 11, 4]);
    assert!(page.get("nextCursor").is_none(), "{page}");
}

#[tokio::test]
async fn every_column_in_both_directions() {
    let context = context_with_chats();
    let (_, all) = call(&context, "list-chats", event("list-chats/200-list.json")).await;
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    for column in COLUMNS {
        for direction in ["asc", "desc"] {
            let query = format!("order_by={column}:{direction}");
            let (status, page) =
                list_page(&context, "list-chats", "list-chats/200-list.json", &query).await;
            assert_eq!(status, 200, "{query}: {page}");
            assert_eq!(
                ids_of(&page),
                expected_ids(&chats, &[(column, direction)]),
                "{query}"
            );
        }
    }
    // Without order_by: newest first, as before.
    assert_eq!(ids_of(&all), expected_ids(&chats, &[("id", "desc")]));
}

#[tokio::test]
async fn pages_under_every_order_hold_each_chat_once() {
    let context = context_with_chats();
    let (_, all) = call(&context, "list-chats", event("list-chats/200-list.json")).await;
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    let mut orders: Vec<Vec<(&str, &str)>> = vec![
        vec![("updated_at", "desc"), ("name", "desc"), ("model", "desc")],
        vec![("model", "asc"), ("name", "asc")],
        vec![("created_at", "asc"), ("updated_at", "desc")],
    ];
    for column in COLUMNS {
        orders.push(vec![(column, "asc")]);
        orders.push(vec![(column, "desc")]);
    }
    for pairs in orders {
        let spec: Vec<String> = pairs.iter().map(|(c, d)| format!("{c}:{d}")).collect();
        let query = format!("order_by={}", spec.join(","));
        let expected = expected_ids(&chats, &pairs);
        for limit in [1, 2, 5] {
            let pages = all_pages(&context, &query, limit).await;
            let seen: Vec<u64> = pages.concat();
            assert_eq!(seen, expected, "{query}, limit {limit}: {pages:?}");
        }
    }
}

#[tokio::test]
async fn a_page_stays_correct_when_chats_change_between_pages() {
    let context = context_with_chats();
    let query = "order_by=name:asc";
    let (_, first) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        &format!("{query}&limit=4"),
    )
    .await;
    let cursor = first["nextCursor"].as_str().unwrap_or_default().to_owned();
    // Bytes: "B" < "Sample chat" < "a" (ids 10, 6, 2: ties newest first) < "a b" < "b" ...
    assert_eq!(ids_of(&first), [4, CHAT, 10, 6]);
    // Between the pages a chat appears before the cursor and one after it is renamed: the next
    // page starts right after the cursor's values all the same.
    let at = neptun::clock::rfc3339_ms(CREATED_MS);
    let chat = |id: u64, name: &str| Chat {
        id,
        name: name.into(),
        model: String::new(),
        neptun_user_id: USER,
        created_at: at.clone(),
        updated_at: at.clone(),
    };
    context.store.insert_chat(chat(99, "A"));
    context.store.insert_chat(chat(2, "a c"));
    let (status, second) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        &format!("{query}&limit=4&cursor={cursor}"),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(ids_of(&second), [12, 2, 11, 8]);
}

#[tokio::test]
async fn a_bad_order_by_is_400_naming_it() {
    let context = context_with_chats();
    let (status, body) = call(
        &context,
        "list-chats",
        event("list-chats/400-bad-order-by.json"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid query parameters."
    );
    assert_eq!(body["data"]["issues"][0]["path"], json!(["order_by"]));
    assert_eq!(body["data"]["issues"][0]["code"], "custom");
    for bad in [
        "order_by=name",
        "order_by=name:asc,",
        "order_by=title:asc",
        "order_by=NAME:ASC",
        "order_by=name:asc%20",
    ] {
        let (status, body) =
            list_page(&context, "list-chats", "list-chats/200-list.json", bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        let paths: Vec<&Value> = body["data"]["issues"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| &i["path"])
            .collect();
        assert_eq!(paths, [&json!(["order_by"])], "{bad}");
    }
    // With a bad limit too: both are named.
    let (status, body) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        "order_by=x:y&limit=0",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let paths: Vec<&Value> = body["data"]["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| &i["path"])
        .collect();
    assert_eq!(paths, [&json!(["limit"]), &json!(["order_by"])]);
}

#[tokio::test]
async fn a_cursor_only_continues_the_order_it_was_made_in() {
    let context = context_with_chats();
    let cursor_of = |page: &Value| page["nextCursor"].as_str().unwrap_or_default().to_owned();
    let (_, by_name) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        "order_by=name:asc&limit=2",
    )
    .await;
    let (_, newest) = list_page(
        &context,
        "list-chats",
        "list-chats/200-list.json",
        "limit=2",
    )
    .await;
    let (name_cursor, id_cursor) = (cursor_of(&by_name), cursor_of(&newest));
    assert!(!name_cursor.is_empty() && !id_cursor.is_empty());
    for (query, accepted) in [
        (format!("order_by=name:asc&cursor={name_cursor}"), true),
        // The same order spelled with its implied tie-break.
        (
            format!("order_by=name:asc,id:desc&cursor={name_cursor}"),
            true,
        ),
        (format!("order_by=name:desc&cursor={name_cursor}"), false),
        (
            format!("order_by=name:asc,model:asc&cursor={name_cursor}"),
            false,
        ),
        (format!("cursor={name_cursor}"), false),
        (format!("order_by=id:desc&cursor={id_cursor}"), false),
        (format!("cursor={id_cursor}"), true),
    ] {
        let (status, body) =
            list_page(&context, "list-chats", "list-chats/200-list.json", &query).await;
        if accepted {
            assert_eq!(status, 200, "{query}: {body}");
        } else {
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(
                body["data"]["issues"][0]["path"],
                json!(["cursor"]),
                "{query}"
            );
        }
    }
    // Another user's cursor under the same order.
    let other = event_with("list-chats/200-list.json", |e| {
        set_path(e, "/api/users/2/chats");
        set_raw_query(e, &format!("order_by=name:asc&cursor={name_cursor}"));
    });
    assert_eq!(
        call(&context, "list-chats", other).await.0,
        401,
        "not the session's user"
    );
}

// --- Rename, delete, regenerate ------------------------------------------------------------

#[tokio::test]
async fn a_rename_changes_name_and_updated_at_and_keeps_the_rest() {
    let context = full_context();
    let (status, body) = call(
        &context,
        "update-chat",
        event("update-chat/200-rename.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let renamed = &body["chat"];
    assert_eq!(renamed["name"], "Python questions, renamed");
    assert_eq!(
        renamed["model"], "gpt-4o",
        "the model stays without one in the body"
    );
    assert_eq!(renamed["created_at"], neptun::clock::rfc3339_ms(CREATED_MS));
    assert_ne!(
        renamed["updated_at"], renamed["created_at"],
        "updated_at moves"
    );

    let with_model = event_with("update-chat/200-rename.json", |e| {
        set_body(e, json!({"name": "N", "model": "m", "id": 5}))
    });
    let (_, body) = call(&context, "update-chat", with_model).await;
    assert_eq!(
        (
            body["chat"]["name"].as_str(),
            body["chat"]["model"].as_str()
        ),
        (Some("N"), Some("m"))
    );

    let (status, body) = call(
        &context,
        "update-chat",
        event("update-chat/400-blank-name.json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["statusMessage"], "Bad Request. Invalid body(name).");
    let (status, body) = call(
        &context,
        "update-chat",
        event("update-chat/404-unknown-chat.json"),
    )
    .await;
    assert_eq!(
        (status, body["data"]["message"].as_str()),
        (404, Some("Chat not found"))
    );
}

#[tokio::test]
async fn a_deleted_chat_is_gone_for_every_route() {
    let context = full_context();
    let delete = || {
        event_with("delete-chat/200-delete.json", |e| {
            set_path(e, "/api/users/1/chats/1000");
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        })
    };
    let response = invoke(&context, "delete-chat", delete()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(body_text(&response), "true");

    for (function, sample) in [
        ("list-chat-messages", "list-chat-messages/200-list.json"),
        ("get-chat-files", "get-chat-files/200-list.json"),
        (
            "create-chat-messages",
            "create-chat-messages/200-single.json",
        ),
        ("create-chat-files", "create-chat-files/200-single.json"),
        (
            "get-chat-file-content",
            "get-chat-file-content/200-with-cookie.json",
        ),
        ("update-chat", "update-chat/200-rename.json"),
    ] {
        assert_eq!(
            call(&context, function, event(sample)).await.0,
            404,
            "{function}"
        );
    }
    let (status, _) = call(&context, "delete-chat", delete()).await;
    assert_eq!(status, 404, "deleting it again, without a key");
    let (_, chats) = call(&context, "list-chats", event("list-chats/200-list.json")).await;
    assert!(
        chats["chats"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["id"] != CHAT)
    );
}

#[tokio::test]
async fn a_replayed_delete_answers_as_the_first_did() {
    let context = full_context();
    let first = invoke(
        &context,
        "delete-chat",
        event("delete-chat/200-delete.json"),
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    let again = invoke(
        &context,
        "delete-chat",
        event("delete-chat/200-delete.json"),
    )
    .await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(body_text(&again), "true");
}

#[tokio::test]
async fn deleting_several_touches_only_the_session_users_chats() {
    let context = full_context();
    let others = Chat {
        neptun_user_id: 2,
        ..chat(CHATS_TO_DELETE, "Another user's chat")
    };
    context.store.insert_chat(others);
    let (status, body) = call(
        &context,
        "delete-chats",
        event("delete-chats/200-delete-several.json"),
    )
    .await;
    assert_eq!((status, body), (200, json!(true)));
    assert_eq!(
        context.store.item_count(USER, CHATS_TO_DELETE),
        None,
        "user 1's chat is gone"
    );
    assert_eq!(
        context.store.item_count(2, CHATS_TO_DELETE),
        Some(0),
        "user 2's chat stays"
    );
    assert!(
        context.store.item_count(USER, CHAT).is_some(),
        "chats not named stay"
    );

    let (status, body) = call(
        &context,
        "delete-chats",
        event("delete-chats/400-no-ids.json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid body(chat_ids)."
    );
}

#[tokio::test]
async fn regenerate_deletes_the_last_answer_its_question_and_their_files() {
    let context = full_context();
    let (status, body) = call(
        &context,
        "delete-last-chat-message",
        event("delete-last-chat-message/200-regenerate.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["maybeAssistantMessageToDelete"]["id"], 4113);
    assert_eq!(body["maybeUserMessageToDelete"]["id"], 4112);
    assert_eq!(
        context.store.item_count(USER, CHAT_TO_REGENERATE),
        Some(0),
        "messages and file gone"
    );

    // Replayed with the event's key: the same answer, nothing more deleted.
    let again = invoke(
        &context,
        "delete-last-chat-message",
        event("delete-last-chat-message/200-regenerate.json"),
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // Without a key, the chat has nothing left to delete.
    let request = event_with("delete-last-chat-message/200-regenerate.json", |e| {
        e["headers"]
            .as_object_mut()
            .map(|h| h.remove("idempotency-key"));
    });
    let (status, body) = call(&context, "delete-last-chat-message", request).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["data"], "No messages found, for chat.");
}

#[tokio::test]
async fn regenerate_after_a_failed_answer_deletes_the_trailing_questions() {
    let context = full_context();
    context
        .store
        .insert_message(message(CHAT, MESSAGE + 1, Role::User, "Are you there?"));
    let request = event_with("delete-last-chat-message/200-regenerate.json", |e| {
        set_path(e, "/api/users/1/chats/1000/messages/last");
        e["headers"]["idempotency-key"] = json!("another-key");
    });
    let (status, body) = call(&context, "delete-last-chat-message", request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"deletedSuccessfully": [MESSAGE, MESSAGE + 1], "failedToDelete": []})
    );
    assert_eq!(
        context.store.item_count(USER, CHAT),
        Some(0),
        "the file of the question too"
    );
}
