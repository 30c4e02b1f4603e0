//! Chat files end to end: create, list, signed content URLs, against DynamoDB Local.

use lambda_http::Body;
use neptun_core::clock;
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, MessageId, UserId};
use neptun_core::links::{self, FileLinks, FileRef, LinkSigner};
use neptun_core::model::Role;
use neptun_core::store::{ChatStore, MessageStore};
use neptun_core::validation::{NewChat, NewMessage};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use neptun_tests::*;
use serde_json::{Value, json};

const DOMAIN: &str = "abc123def4.execute-api.us-east-1.amazonaws.com";
const FIELDS: [&str; 14] = [
    "id",
    "chat_conversation_id",
    "chat_conversation_message_id",
    "neptun_user_id",
    "title",
    "text",
    "language",
    "extension",
    "created_at",
    "updated_at",
    "name",
    "size",
    "type",
    "url",
];

fn create_path(chat_id: ChatId, message_id: MessageId) -> String {
    format!("/api/users/1/chats/{chat_id}/files/{message_id}")
}

/// `POST` of `body` to a chat's message.
async fn post_files(
    context: &AppContext<DynamoStore>,
    chat_id: ChatId,
    message_id: MessageId,
    body: Value,
) -> (u16, Value) {
    let request = event_with("create-chat-files/200-batch.json", |e| {
        set_path(e, &create_path(chat_id, message_id));
        set_body(e, body);
    });
    json_of(invoke(context, Function::CreateChatFiles, request).await)
}

async fn list(context: &AppContext<DynamoStore>, edit: impl FnOnce(&mut Value)) -> (u16, Value) {
    let request = event_with("get-chat-files/200-list.json", edit);
    json_of(invoke(context, Function::GetChatFiles, request).await)
}

/// A request for a URL, as a browser would send it: no cookie.
async fn open(context: &AppContext<DynamoStore>, url: &str) -> (u16, http::HeaderMap, String) {
    text_of(invoke(context, Function::GetChatFileContent, open_url(url)).await)
}

/// Rows stored in a chat's partition (marker, messages and files).
async fn stored_rows(context: &AppContext<DynamoStore>, user_id: UserId, chat_id: ChatId) -> usize {
    partition_rows(
        &context.store,
        schema::chat_pk(UserId(user_id.get()), ChatId(chat_id.get())),
    )
    .await
}

/// A chat with one message, created through the stores.
async fn chat_with_message(context: &AppContext<DynamoStore>, user_id: UserId) -> (u64, u64) {
    let now = clock::now_ms();
    let chat = context
        .store
        .create_chat(
            UserId(user_id.get()),
            NewChat {
                name: "Other chat".into(),
                model: String::new(),
                project_id: None,
            },
            now,
            None,
        )
        .await
        .expect("create a chat")
        .value;
    let messages = context
        .store
        .append_messages(
            UserId(user_id.get()),
            chat.id,
            vec![NewMessage {
                content: "hello".into(),
                role: Role::User,
            }],
            now,
            None,
        )
        .await
        .expect("add a message")
        .value;
    (chat.id.get(), messages[0].id.get())
}

fn signature_of(url: &str) -> &str {
    url.split_once("signature=").map_or("", |(_, s)| s)
}

fn id_of(file: &Value) -> u64 {
    file["id"].as_u64().expect("numeric id")
}

/// The file without its URL (two responses sign with different expiries).
fn without_url(file: &Value) -> Value {
    let mut file = file.clone();
    file.as_object_mut().map(|f| f.remove("url"));
    file
}

fn assert_file(file: &Value, text: &str, title: &str, language: &str, extension: &str, mime: &str) {
    let keys: Vec<&str> = file
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = FIELDS.to_vec();
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected, "{file}");
    assert_eq!(file["chat_conversation_id"], json!(SAMPLE_CHAT));
    assert_eq!(file["chat_conversation_message_id"], json!(SAMPLE_MESSAGE));
    assert_eq!(file["neptun_user_id"], json!(SAMPLE_USER));
    assert_eq!(file["text"], text);
    assert_eq!(file["title"], title);
    assert_eq!(file["name"], title);
    assert_eq!(file["language"], language);
    assert_eq!(file["extension"], extension);
    assert_eq!(file["size"], json!(text.len()), "{file}");
    assert_eq!(file["type"], mime);
    let created_at = file["created_at"].as_str().expect("a timestamp");
    assert_eq!(created_at.len(), "2024-03-20T10:00:00.000Z".len());
    assert!(created_at.ends_with('Z'));
    assert_eq!(file["updated_at"], file["created_at"]);
    let id = id_of(file);
    assert!(id > 0 && id < 1 << 53);
    let url = file["url"].as_str().expect("a url");
    let prefix =
        format!("https://{DOMAIN}/api/users/1/chats/{SAMPLE_CHAT}/files/{id}/content?expires=");
    assert!(url.starts_with(&prefix), "{url}");
    assert!(url.contains("&signature="), "{url}");
}

#[tokio::test]
async fn file_sample_events_answer_their_documented_status() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for SampleEvent {
        function,
        file,
        status: expected,
    } in sample_events()
    {
        if ![
            Function::CreateChatFiles,
            Function::GetChatFiles,
            Function::GetChatFileContent,
        ]
        .contains(&function)
        {
            continue;
        }
        let name = format!("events/{function}/{file}");
        let response = invoke(&context, function, event(&format!("{function}/{file}"))).await;
        let (status, headers, text) = text_of(response);
        assert_eq!(status, expected, "{name}: {text}");
        assert_eq!(headers["cache-control"], "no-store", "{name}");
        if function == Function::GetChatFileContent && status == 200 {
            assert_eq!(text, SAMPLE_FILE_TEXT, "{name}");
            assert_eq!(
                headers["content-type"], "text/x-python; charset=utf-8",
                "{name}"
            );
            assert_eq!(
                headers["content-disposition"], r#"inline; filename="example.py""#,
                "{name}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff", "{name}");
            continue;
        }
        assert_eq!(headers["content-type"], "application/json", "{name}");
        let body: Value = serde_json::from_str(&text).expect("a JSON body");
        if status >= 400 {
            assert_eq!(body["statusCode"], json!(status), "{name}");
            assert!(body["statusMessage"].is_string(), "{name}");
            assert!(body["data"].is_object(), "{name}");
        }
    }
}

#[tokio::test]
async fn files_are_attached_listed_and_opened_through_signed_urls() {
    let context = context().await;
    seed_sample_data(&context.store).await;

    // One file.
    let (status, one) = json_of(
        invoke(
            &context,
            Function::CreateChatFiles,
            event("create-chat-files/200-single.json"),
        )
        .await,
    );
    assert_eq!(status, 200, "{one}");
    let single = one["chatFile"].clone();
    assert!(
        single.is_object(),
        "a single file answers one object: {one}"
    );
    assert_file(
        &single,
        "print('Hello, World!')",
        "example.py",
        "python",
        "py",
        "text/x-python",
    );

    // A batch of three: non-ASCII text, an unknown extension, the defaults.
    let unicode = "grüße, 世界 ✓\n";
    let (status, three) = post_files(
        &context,
        SAMPLE_CHAT,
        SAMPLE_MESSAGE,
        json!({"files": [
            {"text": unicode, "title": "grüße.md", "language": "markdown", "extension": "md"},
            {"text": "data", "title": "blob.qqq", "language": "binary", "extension": "qqq"},
            {"text": "", "title": "empty"},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{three}");
    let three = three["chatFiles"].as_array().expect("a list").clone();
    assert_eq!(three.len(), 3);
    assert_file(
        &three[0],
        unicode,
        "grüße.md",
        "markdown",
        "md",
        "text/markdown",
    );
    assert_eq!(three[0]["size"], json!(unicode.len()));
    assert_ne!(unicode.len(), unicode.chars().count());
    assert_file(&three[1], "data", "blob.qqq", "binary", "qqq", "text/plain");
    assert_file(&three[2], "", "empty", "text", "txt", "text/plain");
    let ids: Vec<u64> = three.iter().map(id_of).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(id_of(&single) < ids[0]);

    // The list: the seeded file, then the four, ascending.
    let (status, listed) = list(&context, |_| {}).await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.get("nextCursor").is_none());
    let all = listed["chatFiles"].as_array().expect("a list").clone();
    assert_eq!(all.len(), 5);
    assert_file(
        &all[0],
        SAMPLE_FILE_TEXT,
        "example.py",
        "python",
        "py",
        "text/x-python",
    );
    assert_eq!(id_of(&all[0]), SAMPLE_FILE.get());
    assert_eq!(all[0]["created_at"], "2026-11-21T19:12:44.006Z");
    let mut created = vec![single.clone()];
    created.extend(three.iter().cloned());
    assert_eq!(
        all[1..].iter().map(without_url).collect::<Vec<_>>(),
        created.iter().map(without_url).collect::<Vec<_>>()
    );

    // Every URL opens its exact text without a cookie.
    for file in &all {
        let url = file["url"].as_str().expect("a url");
        let (status, headers, text) = open(&context, url).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(text, file["text"].as_str().unwrap_or_default());
        assert_eq!(
            headers["content-type"],
            format!(
                "{}; charset=utf-8",
                file["type"].as_str().unwrap_or_default()
            )
            .as_str()
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-store");
    }
    let (_, headers, _) = open(&context, all[1]["url"].as_str().unwrap_or_default()).await;
    assert_eq!(
        headers["content-disposition"],
        r#"inline; filename="example.py""#
    );
    let (_, headers, _) = open(&context, all[2]["url"].as_str().unwrap_or_default()).await;
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"gr__e.md\"; filename*=UTF-8''gr%C3%BC%C3%9Fe.md"
    );

    // One character of the signature changed: 401.
    let url = all[1]["url"].as_str().unwrap_or_default();
    let at = url.len() - 10;
    let swapped = if &url[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &url[..at], &url[at + 1..]);
    assert_ne!(tampered, url);
    let (status, _, body) = open(&context, &tampered).await;
    assert_eq!(status, 401, "{body}");

    // File A's signature on file B's path: 401.
    let b = all[2]["url"].as_str().unwrap_or_default();
    let a_signature_on_b = format!(
        "{}signature={}",
        &b[..b.find("signature=").unwrap_or_default()],
        signature_of(url)
    );
    let (status, _, _) = open(&context, &a_signature_on_b).await;
    assert_eq!(status, 401);

    // Expired: signed with an expiry in the past.
    let key = context.session.current().derive_key(links::KEY_PURPOSE);
    let file = FileRef {
        user_id: SAMPLE_USER,
        chat_id: SAMPLE_CHAT,
        file_id: SAMPLE_FILE,
    };
    let past = clock::now_ms() / 1000 - 1;
    let expired = LinkSigner::new(format!("https://{DOMAIN}"), key, past).url(file);
    let (status, _, body) = open(&context, &expired).await;
    assert_eq!(status, 401, "{body}");
    // The same signer with a future expiry opens the file: only the expiry was wrong.
    let fresh = LinkSigner::new(format!("https://{DOMAIN}"), key, past + 120).url(file);
    assert_eq!(open(&context, &fresh).await.0, 200);
    // Signed under another purpose's key: 401.
    let other_key = context.session.current().derive_key("other-purpose");
    let foreign = LinkSigner::new(format!("https://{DOMAIN}"), other_key, past + 120).url(file);
    assert_eq!(open(&context, &foreign).await.0, 401);

    // A bad signature with a valid cookie: the cookie decides.
    let with_cookie = event_with("get-chat-file-content/200-with-cookie.json", |e| {
        set_raw_query(e, "expires=1&signature=nope");
    });
    let (status, _, text) =
        text_of(invoke(&context, Function::GetChatFileContent, with_cookie).await);
    assert_eq!((status, text.as_str()), (200, SAMPLE_FILE_TEXT));
    // Path parameters still parse: 400 with the cookie, 401 without.
    let bad_path = |cookie: bool| {
        event_with("get-chat-file-content/200-with-cookie.json", move |e| {
            set_path(e, "/api/users/1/chats/1000/files/08192/content");
            set_raw_query(
                e,
                &format!("expires=9999999999&signature={}", signature_of(url)),
            );
            if !cookie {
                e.as_object_mut().map(|o| o.remove("cookies"));
            }
        })
    };
    let (status, body) =
        json_of(invoke(&context, Function::GetChatFileContent, bad_path(true)).await);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["data"]["issues"][0]["path"], json!(["file_id"]));
    let (status, _) =
        json_of(invoke(&context, Function::GetChatFileContent, bad_path(false)).await);
    assert_eq!(status, 401);
}

#[tokio::test]
async fn files_need_their_chat_and_a_message_of_that_chat() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let file = json!({"text": "x", "title": "x.txt"});

    let (status, body) = post_files(&context, SAMPLE_CHAT, MessageId(999_999), file.clone()).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"statusCode": 404, "statusMessage": "Not Found", "data": {"message": "Message not found"}})
    );

    let (status, body) = post_files(&context, ChatId(999_999), SAMPLE_MESSAGE, file.clone()).await;
    assert_eq!(status, 404);
    assert_eq!(body["data"]["message"], "Chat not found");

    // A message of another chat of the same user, and of another user's chat.
    let (other_chat, other_message) = chat_with_message(&context, SAMPLE_USER).await;
    let (_, foreign_message) = chat_with_message(&context, UserId(2)).await;
    for message_id in [other_message, foreign_message] {
        let (status, body) =
            post_files(&context, SAMPLE_CHAT, MessageId(message_id), file.clone()).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["data"]["message"], "Message not found");
    }
    // ... which does take files in its own chat, and that chat lists only those.
    let (status, body) = post_files(
        &context,
        ChatId(other_chat),
        MessageId(other_message),
        file.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chatFile"]["chat_conversation_id"], json!(other_chat));

    // Nothing was stored by the refused requests: marker, message, seeded file.
    assert_eq!(stored_rows(&context, SAMPLE_USER, SAMPLE_CHAT).await, 3);
    assert_eq!(stored_rows(&context, SAMPLE_USER, ChatId(999_999)).await, 0);

    // A chat without files lists an empty array; an unknown chat is a 404.
    let (empty_chat, _) = chat_with_message(&context, SAMPLE_USER).await;
    let (status, body) = list(&context, |e| {
        set_path(e, &format!("/api/users/1/chats/{empty_chat}/files"))
    })
    .await;
    assert_eq!((status, body), (200, json!({"chatFiles": []})));
    let (status, body) = json_of(
        invoke(
            &context,
            Function::GetChatFiles,
            event("get-chat-files/404-unknown-chat.json"),
        )
        .await,
    );
    assert_eq!(status, 404);
    assert_eq!(body["data"]["message"], "Chat not found");

    // An unknown file.
    let (status, body) = json_of(
        invoke(
            &context,
            Function::GetChatFileContent,
            event("get-chat-file-content/404-unknown-file.json"),
        )
        .await,
    );
    assert_eq!(status, 404);
    assert_eq!(body["data"]["message"], "File not found");
}

#[tokio::test]
async fn a_refused_batch_stores_nothing() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let (status, body) = json_of(
        invoke(
            &context,
            Function::CreateChatFiles,
            event("create-chat-files/400-invalid-file.json"),
        )
        .await,
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid body(file | files)."
    );
    let issues = body["data"]["issues"].as_array().expect("issues");
    let paths: Vec<&Value> = issues.iter().map(|issue| &issue["path"]).collect();
    assert!(paths.contains(&&json!(["files", 1, "text"])), "{body}");
    assert!(paths.contains(&&json!(["files", 1, "title"])), "{body}");
    for file in [
        "413-oversize-text",
        "415-text-plain",
        "401-no-cookie",
        "404-unknown-message",
    ] {
        let response = invoke(
            &context,
            Function::CreateChatFiles,
            event(&format!("create-chat-files/{file}.json")),
        )
        .await;
        assert!(response.status().is_client_error(), "{file}");
    }
    assert_eq!(
        stored_rows(&context, SAMPLE_USER, SAMPLE_CHAT).await,
        3,
        "only the marker, the seeded message and the seeded file"
    );
    let (_, listed) = list(&context, |_| {}).await;
    assert_eq!(listed["chatFiles"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn file_pages_follow_their_cursors_to_the_end() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let files: Vec<Value> = (0..20)
        .map(|i| json!({"text": format!("f{i}"), "title": format!("f{i}.txt")}))
        .collect();
    let (status, body) = post_files(
        &context,
        SAMPLE_CHAT,
        SAMPLE_MESSAGE,
        json!({ "files": files }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("limit=6&cursor={cursor}"),
            None => "limit=6".to_owned(),
        };
        let (status, body) = list(&context, |e| set_raw_query(e, &query)).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        let items = body["chatFiles"].as_array().expect("a list");
        assert!(items.len() <= 6);
        seen.extend(
            items
                .iter()
                .map(|f| f["text"].as_str().unwrap_or_default().to_owned()),
        );
        match body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 4, "21 files in pages of 6");
    let mut expected = vec![SAMPLE_FILE_TEXT.to_owned()];
    expected.extend((0..20).map(|i| format!("f{i}")));
    assert_eq!(seen, expected);

    // A cursor is bound to its chat; a bad limit and a bad cursor are both reported.
    let (_, first) = list(&context, |e| set_raw_query(e, "limit=1")).await;
    let cursor = first["nextCursor"].as_str().expect("a cursor").to_owned();
    let (other_chat, _) = chat_with_message(&context, SAMPLE_USER).await;
    let (status, body) = list(&context, |e| {
        set_path(e, &format!("/api/users/1/chats/{other_chat}/files"));
        set_raw_query(e, &format!("cursor={cursor}"));
    })
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["data"]["issues"][0]["path"], json!(["cursor"]));
    let (status, body) = json_of(
        invoke(
            &context,
            Function::GetChatFiles,
            event("get-chat-files/400-bad-limit.json"),
        )
        .await,
    );
    assert_eq!(status, 400);
    let paths: Vec<&Value> = body["data"]["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|issue| &issue["path"])
        .collect();
    assert_eq!(paths, [&json!(["limit"]), &json!(["cursor"])]);
}

#[tokio::test]
async fn file_lists_stop_before_five_mebibytes() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    // 11 texts of 250 kB per request (2.75 MB < 3 MiB), 33 in all: over 8 MB of text.
    let big = "é".repeat(125_000);
    for _ in 0..3 {
        let files: Vec<Value> = (0..11)
            .map(|i| json!({"text": big, "title": format!("big{i}.txt")}))
            .collect();
        let (status, body) = post_files(
            &context,
            SAMPLE_CHAT,
            SAMPLE_MESSAGE,
            json!({ "files": files }),
        )
        .await;
        assert_eq!(status, 200, "{}", body["data"]);
    }
    let response = invoke(
        &context,
        Function::GetChatFiles,
        event("get-chat-files/200-list.json"),
    )
    .await;
    let size = match response.body() {
        Body::Text(text) => text.len(),
        Body::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    assert!(size <= 5 * 1024 * 1024, "response of {size} bytes");
    let (_, body) = json_of(response);
    let first = body["chatFiles"].as_array().map_or(0, Vec::len);
    assert!(first > 1 && first < 34, "{first} files on the first page");
    let cursor = body["nextCursor"].as_str().expect("more remain").to_owned();
    let (status, body) = list(&context, |e| set_raw_query(e, &format!("cursor={cursor}"))).await;
    assert_eq!(status, 200);
    assert_eq!(first + body["chatFiles"].as_array().map_or(0, Vec::len), 34);
    assert!(body.get("nextCursor").is_none());
}

#[tokio::test]
async fn urls_keep_a_stage_prefix_and_follow_the_request_scheme() {
    let context = context().await;
    seed_sample_data(&context.store).await;

    // A REST API stage in front of the routes.
    let (status, body) = list(&context, |e| {
        set_path(e, "/Prod/api/users/1/chats/1000/files");
        e["requestContext"]["stage"] = json!("Prod");
    })
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["chatFiles"][0]["url"].as_str().expect("a url");
    let prefix =
        format!("https://{DOMAIN}/Prod/api/users/1/chats/1000/files/{SAMPLE_FILE}/content?");
    assert!(url.starts_with(&prefix), "{url}");
    let (status, _, text) = open(&context, url).await;
    assert_eq!((status, text.as_str()), (200, SAMPLE_FILE_TEXT));

    // Plain HTTP said by the proxy.
    let (_, body) = list(&context, |e| {
        e["headers"]["x-forwarded-proto"] = json!("http");
    })
    .await;
    let url = body["chatFiles"][0]["url"].as_str().expect("a url");
    assert!(url.starts_with(&format!("http://{DOMAIN}/api/")), "{url}");

    // cargo lambda watch: a loopback host and no x-forwarded-proto.
    let (_, body) = list(&context, |e| {
        let headers = e["headers"].as_object_mut().expect("headers");
        headers.remove("x-forwarded-proto");
        headers.insert("host".into(), json!("127.0.0.1:9000"));
        e["requestContext"]
            .as_object_mut()
            .map(|c| c.remove("domainName"));
    })
    .await;
    let url = body["chatFiles"][0]["url"].as_str().expect("a url");
    assert!(
        url.starts_with("http://127.0.0.1:9000/api/users/1/"),
        "{url}"
    );
}

#[tokio::test]
async fn a_public_base_url_replaces_origin_and_base_path() {
    let mut context = context().await;
    seed_sample_data(&context.store).await;
    context.links =
        FileLinks::new(120, Some("https://neptun.example.com/chat-api/")).expect("valid settings");
    let before = clock::now_ms() / 1000;
    let (status, body) = list(&context, |e| {
        set_path(e, "/Prod/api/users/1/chats/1000/files");
    })
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["chatFiles"][0]["url"].as_str().expect("a url");
    let prefix = format!(
        "https://neptun.example.com/chat-api/api/users/1/chats/1000/files/{SAMPLE_FILE}/content?expires="
    );
    assert!(url.starts_with(&prefix), "{url}");
    let expires: u64 = url[prefix.len()..]
        .split('&')
        .next()
        .and_then(|e| e.parse().ok())
        .expect("an expiry");
    assert!(expires >= before + 120 && expires <= clock::now_ms() / 1000 + 120);
    let (status, _, text) = open(&context, url).await;
    assert_eq!((status, text.as_str()), (200, SAMPLE_FILE_TEXT));
}

#[tokio::test]
async fn the_list_validates_against_both_python_models() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let (status, body) = post_files(
        &context,
        SAMPLE_CHAT,
        SAMPLE_MESSAGE,
        json!({"files": [
            {"text": "grüße", "title": "grüße.py", "language": "python", "extension": "py"},
            {"text": "", "title": "empty"},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, listed) = list(&context, |_| {}).await;
    assert_eq!(status, 200);
    assert_eq!(listed["chatFiles"].as_array().map(Vec::len), Some(3));

    run_pytest_on(
        "test_file_models.py",
        "NEPTUN_FILES_RESPONSE",
        &listed,
        "pydantic, pytest",
    );
}

#[tokio::test]
async fn a_signed_url_made_before_a_rotation_opens_until_the_previous_secret_is_dropped() {
    let before = context().await;
    seed_sample_data(&before.store).await;
    let (status, body) = list(&before, |_| {}).await;
    assert_eq!(status, 200, "{body}");
    let url = body["chatFiles"][0]["url"]
        .as_str()
        .expect("a url")
        .to_owned();

    const NEW_SECRET: &str = "the-secret-after-the-rotation-0123456789";
    let rotated = |previous: Option<&str>| {
        let session = neptun_core::session::SessionConfig::new(NEW_SECRET).expect("a secret");
        let session = match previous {
            Some(previous) => session.with_previous(previous, "").expect("a secret"),
            None => session,
        };
        let store = DynamoStore::new(before.store.client().clone(), before.store.table());
        AppContext {
            store,
            session: neptun_core::session::LiveSession::fixed(session),
            links: before.links.clone(),
            origin: before.origin.clone(),
            cross_site: before.cross_site.clone(),
        }
    };
    let during = rotated(Some(DEV_PASSWORD));
    let (status, _, text) = open(&during, &url).await;
    assert_eq!((status, text.as_str()), (200, SAMPLE_FILE_TEXT));
    // New links are signed with the new secret, and open while the old one is still accepted.
    let (_, body) = list(&during, |e| {
        let cookie = during
            .session
            .current()
            .seal_user(UserId(1), None, clock::now_ms());
        e["cookies"] = json!([format!("neptun-session={cookie}")]);
    })
    .await;
    let new_url = body["chatFiles"][0]["url"]
        .as_str()
        .expect("a url")
        .to_owned();
    assert_ne!(signature_of(&new_url), signature_of(&url));

    let after = rotated(None);
    assert_eq!(
        open(&after, &url).await.0,
        401,
        "the old link after the rotation"
    );
    let (status, _, text) = open(&after, &new_url).await;
    assert_eq!((status, text.as_str()), (200, SAMPLE_FILE_TEXT));
}
