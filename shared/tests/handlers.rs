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

fn context() -> AppContext<MemoryStore> {
    let store = MemoryStore::new();
    let created_at = neptun::clock::rfc3339_ms(CREATED_MS);
    store.insert_chat(Chat {
        id: CHAT,
        name: "Sample chat".into(),
        model: "gpt-4o".into(),
        neptun_user_id: USER,
        created_at: created_at.clone(),
        updated_at: created_at.clone(),
    });
    store.insert_message(ChatMessage {
        id: MESSAGE,
        chat_conversation_id: CHAT,
        neptun_user_id: USER,
        message: "What is Python?".into(),
        actor: Role::User,
        created_at: created_at.clone(),
        updated_at: created_at,
    });
    store.insert_file(FileRecord {
        id: FILE,
        chat_id: CHAT,
        message_id: MESSAGE,
        user_id: USER,
        title: "example.py".into(),
        text: "print('Hello, World!')".into(),
        language: "python".into(),
        extension: "py".into(),
        created_at_ms: CREATED_MS,
    });
    AppContext {
        store,
        session: SessionConfig::new(DEV_PASSWORD).expect("the dev password is long enough"),
        links: FileLinks::default(),
    }
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
        let response = invoke(&context(), &function, event(&format!("{function}/{file}"))).await;
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
