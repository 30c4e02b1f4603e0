//! Chats and messages end to end: handlers on requests from `events/`, against DynamoDB Local.

use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::ids::ChatId;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use neptun_tests::*;
use serde_json::{Value, json};

fn set_chat(event: &mut Value, chat_id: ChatId) {
    set_path(event, &format!("/api/users/1/chats/{chat_id}/messages"));
    event["pathParameters"]["chat_id"] = json!(chat_id.to_string());
}

/// Rows stored in a chat's partition, the marker included.
async fn stored_rows(context: &AppContext<DynamoStore>, chat_id: ChatId) -> usize {
    partition_rows(
        &context.store,
        schema::chat_pk(SAMPLE_USER, ChatId(chat_id.get())),
    )
    .await
}

#[tokio::test]
async fn every_sample_event_answers_its_documented_status() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for SampleEvent {
        function,
        file,
        status: expected,
    } in sample_events()
    {
        let response = invoke(&context, function, event(&format!("{function}/{file}"))).await;
        let headers = response.headers().clone();
        // The raw file content route answers with the file's own type (checked in files.rs).
        if function == Function::GetChatFileContent && response.status().is_success() {
            assert_eq!(
                response.status().as_u16(),
                expected,
                "events/{function}/{file}"
            );
            assert_eq!(
                headers["content-type"], "text/x-python; charset=utf-8",
                "events/{function}/{file}"
            );
            continue;
        }
        let (status, body) = json_of(response);
        assert_eq!(status, expected, "events/{function}/{file}: {body}");
        assert_eq!(
            headers["content-type"], "application/json",
            "events/{function}/{file}"
        );
        if status >= 400 {
            assert_eq!(
                body["statusCode"],
                json!(status),
                "events/{function}/{file}"
            );
            assert!(
                body["statusMessage"].is_string(),
                "events/{function}/{file}"
            );
            assert!(body["data"].is_object(), "events/{function}/{file}");
        }
    }
}

#[tokio::test]
async fn a_user_creates_a_chat_posts_one_and_three_messages_and_reads_all_four_back() {
    let context = context().await;
    let (status, created) = json_of(
        invoke(
            &context,
            Function::CreateChat,
            event("create-chat/200-create.json"),
        )
        .await,
    );
    assert_eq!(status, 200, "{created}");
    let chat = &created["chat"];
    assert_eq!(chat["name"], "Python questions");
    assert_eq!(chat["model"], "gpt-4o");
    assert_eq!(chat["neptun_user_id"], 1);
    let chat_id = chat["id"].as_u64().expect("numeric chat id");
    assert!(chat_id > 0 && chat_id < 1 << 53);

    let (status, listed) = json_of(
        invoke(
            &context,
            Function::ListChats,
            event("list-chats/200-list.json"),
        )
        .await,
    );
    assert_eq!(status, 200);
    assert_eq!(listed["chats"], json!([chat]));
    assert!(listed.get("nextCursor").is_none());

    let single = event_with("create-chat-messages/200-single.json", |e| {
        set_chat(e, ChatId(chat_id))
    });
    let (status, one) = json_of(invoke(&context, Function::CreateChatMessages, single).await);
    assert_eq!(status, 200, "{one}");
    let message = &one["chatMessage"];
    assert!(
        message.is_object(),
        "a single message answers one object: {one}"
    );
    assert_eq!(message["message"], "What is Python?");
    assert_eq!(message["actor"], "user");
    assert_eq!(message["chat_conversation_id"], json!(chat_id));
    assert_eq!(message["neptun_user_id"], 1);
    let created_at = message["created_at"].as_str().expect("timestamp");
    assert_eq!(created_at.len(), "2024-03-20T10:00:00.000Z".len());
    assert!(created_at.ends_with('Z'));
    assert_eq!(message["updated_at"], message["created_at"]);

    let batch = event_with("create-chat-messages/200-batch.json", |e| {
        set_chat(e, ChatId(chat_id))
    });
    let (status, three) = json_of(invoke(&context, Function::CreateChatMessages, batch).await);
    assert_eq!(status, 200, "{three}");
    let three = three["chatMessages"].as_array().expect("a list").clone();
    assert_eq!(three.len(), 3);
    let actors: Vec<&str> = three
        .iter()
        .map(|m| m["actor"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actors, ["user", "assistant", "system"]);

    let list = event_with("list-chat-messages/200-list.json", |e| {
        set_chat(e, ChatId(chat_id))
    });
    let (status, all) = json_of(invoke(&context, Function::ListChatMessages, list).await);
    assert_eq!(status, 200);
    let all = all["chatMessages"].as_array().expect("a list").clone();
    let mut expected = vec![message.clone()];
    expected.extend(three);
    assert_eq!(all, expected);
    let ids: Vec<u64> = all
        .iter()
        .map(|m| m["id"].as_u64().unwrap_or_default())
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ascending ids: {ids:?}"
    );
}

/// A batch is bounded by bytes, not by a count: the web app's playground posts its whole
/// conversation (AI SDK messages) in one request, and every accepted batch is one transaction.
#[tokio::test]
async fn batches_of_any_length_within_the_limits_are_stored_whole_and_in_order() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let batch = |messages: Vec<Value>| {
        event_with("create-chat-messages/200-batch.json", |e| {
            set_body(e, json!({ "messages": messages }))
        })
    };
    let playground: Vec<Value> = (0..1000)
        .map(|i| {
            json!({
                "id": format!("msg-{i:04}"),
                "createdAt": "2026-12-07T06:00:00.000Z",
                "role": if i % 2 == 0 { "user" } else { "assistant" },
                "content": format!("{i:04} {}", "ab\"c\n".repeat(300)),
            })
        })
        .collect();
    let tiny: Vec<Value> = (0..20_000)
        .map(|i| json!({"content": format!("{i}"), "role": "user"}))
        .collect();
    let largest: Vec<Value> = (0..11)
        .map(
            |i| json!({"content": format!("{i:02}{}", "z".repeat(256 * 1024 - 2)), "role": "user"}),
        )
        .collect();
    let mut expected = 1;
    for messages in [playground, tiny, largest] {
        let sent: Vec<Value> = messages.iter().map(|m| m["content"].clone()).collect();
        let (status, body) =
            json_of(invoke(&context, Function::CreateChatMessages, batch(messages)).await);
        assert_eq!(
            status,
            200,
            "{}",
            &body.to_string()[..300.min(body.to_string().len())]
        );
        let created = body["chatMessages"].as_array().expect("a list");
        let contents: Vec<Value> = created.iter().map(|m| m["message"].clone()).collect();
        assert!(
            contents == sent,
            "the answer holds every message, in input order"
        );
        expected += sent.len();
    }
    // Read back without a limit: pages of up to 5 MiB.
    let mut listed: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = event_with("list-chat-messages/200-list.json", |e| {
            if let Some(cursor) = &cursor {
                set_query(e, &[("cursor", cursor)]);
            }
        });
        let (status, body) = json_of(invoke(&context, Function::ListChatMessages, page).await);
        assert_eq!(status, 200);
        listed.extend(body["chatMessages"].as_array().cloned().unwrap_or_default());
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed.len(), expected, "read back complete");
    let ids: Vec<u64> = listed
        .iter()
        .map(|m| m["id"].as_u64().unwrap_or_default())
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ascending ids"
    );
    assert_eq!(
        listed[1]["message"],
        json!(format!("0000 {}", "ab\"c\n".repeat(300)))
    );
}

#[tokio::test]
async fn a_batch_whose_answer_would_pass_lambdas_limit_is_refused_whole() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let messages: Vec<Value> = (0..30_000)
        .map(|_| json!({"content": "x", "role": "user"}))
        .collect();
    let event = event_with("create-chat-messages/200-batch.json", |e| {
        set_body(e, json!({ "messages": messages }))
    });
    let (status, body) = json_of(invoke(&context, Function::CreateChatMessages, event).await);
    assert_eq!(status, 413, "{body}");
    assert!(
        body["data"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("6 MB")),
        "{body}"
    );
    assert_eq!(
        stored_rows(&context, SAMPLE_CHAT).await,
        3,
        "only the marker, the seeded message and the seeded file"
    );
}

#[tokio::test]
async fn a_failed_request_stores_nothing() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for file in [
        "400-bad-role",
        "400-empty-batch",
        "400-not-json",
        "413-oversize-text",
        "415-text-plain",
        "404-unknown-chat",
    ] {
        let response = invoke(
            &context,
            Function::CreateChatMessages,
            event(&format!("create-chat-messages/{file}.json")),
        )
        .await;
        assert!(response.status().is_client_error(), "{file}");
    }
    assert_eq!(
        stored_rows(&context, SAMPLE_CHAT).await,
        3,
        "the marker, the seeded message and the seeded file"
    );
    assert_eq!(
        stored_rows(&context, ChatId(999_999)).await,
        0,
        "nothing under an unknown chat"
    );
}

#[tokio::test]
async fn documented_errors_have_the_documented_shape() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let context = &context;
    let call = |function: Function, file: &'static str| async move {
        json_of(invoke(context, function, event(&format!("{function}/{file}.json"))).await)
    };

    let (_, body) = call(Function::CreateChatMessages, "400-bad-role").await;
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid body(message | messages)."
    );
    let issues = body["data"]["issues"].as_array().expect("issues");
    let issue_at = |path: Value| issues.iter().find(|issue| issue["path"] == path);
    assert_eq!(
        issue_at(json!(["messages", 1, "role"])).map(|i| &i["code"]),
        Some(&json!("invalid_enum_value"))
    );
    assert_eq!(
        issue_at(json!(["messages", 1, "content"])).map(|i| &i["code"]),
        Some(&json!("too_small"))
    );
    let missing = issue_at(json!(["messages", 2, "content"])).expect("missing content is reported");
    assert_eq!(missing["code"], "invalid_type");
    assert_eq!(missing["message"], "Required");

    let (_, body) = call(Function::CreateChatMessages, "400-not-json").await;
    assert_eq!(body["data"]["issues"][0]["code"], "invalid_json");

    let (_, body) = call(Function::CreateChatMessages, "400-empty-batch").await;
    assert_eq!(body["data"]["issues"][0]["code"], "too_small");

    let (_, body) = call(Function::CreateChatMessages, "401-no-cookie").await;
    assert_eq!(body["statusCode"], 401);
    let (_, body) = call(Function::CreateChatMessages, "401-other-user").await;
    assert_eq!(
        body["data"]["message"],
        "You do not have access to this resource."
    );

    let (_, body) = call(Function::CreateChatMessages, "404-unknown-chat").await;
    assert_eq!(
        body,
        json!({"statusCode": 404, "statusMessage": "Not Found", "data": {"message": "Chat not found"}})
    );
    let (_, body) = call(Function::ListChatMessages, "404-unknown-chat").await;
    assert_eq!(body["data"]["message"], "Chat not found");

    let (_, body) = call(Function::CreateChatMessages, "413-oversize-text").await;
    assert!(
        body["data"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("256 KiB")),
        "{body}"
    );

    let (_, body) = call(Function::ListChats, "400-bad-user-id").await;
    assert_eq!(body["data"]["issues"][0]["path"], json!(["user_id"]));
}

#[tokio::test]
async fn pages_follow_their_cursors_to_the_end_and_stay_in_their_chat() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let messages: Vec<Value> = (0..40)
        .map(|i| json!({"content": format!("m{i}"), "role": "assistant"}))
        .collect();
    let post = event_with("create-chat-messages/200-batch.json", |e| {
        set_body(e, json!({ "messages": messages }))
    });
    assert_eq!(
        invoke(&context, Function::CreateChatMessages, post)
            .await
            .status(),
        200
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = event_with("list-chat-messages/200-list.json", |e| match &cursor {
            Some(cursor) => set_query(e, &[("limit", "7"), ("cursor", cursor)]),
            None => set_query(e, &[("limit", "7")]),
        });
        let (status, body) = json_of(invoke(&context, Function::ListChatMessages, page).await);
        assert_eq!(status, 200, "{body}");
        pages += 1;
        let items = body["chatMessages"].as_array().expect("a list");
        assert!(items.len() <= 7);
        seen.extend(
            items
                .iter()
                .map(|m| m["message"].as_str().unwrap_or_default().to_owned()),
        );
        match body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 6, "41 messages in pages of 7");
    let mut expected = vec!["What is Python?".to_owned()];
    expected.extend((0..40).map(|i| format!("m{i}")));
    assert_eq!(seen, expected);

    // A cursor of this chat is refused on another chat.
    let first = event_with("list-chat-messages/200-list.json", |e| {
        set_query(e, &[("limit", "1")])
    });
    let (_, body) = json_of(invoke(&context, Function::ListChatMessages, first).await);
    let cursor = body["nextCursor"].as_str().expect("a cursor").to_owned();
    let elsewhere = event_with("list-chat-messages/200-list.json", |e| {
        set_chat(e, ChatId(2000));
        set_query(e, &[("cursor", &cursor)]);
    });
    let (status, body) = json_of(invoke(&context, Function::ListChatMessages, elsewhere).await);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["data"]["issues"][0]["path"], json!(["cursor"]));
}

#[tokio::test]
async fn large_batches_are_split_across_rows_and_lists_stop_before_five_mebibytes() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    // 11 texts of 250 kB each need a row each, all in one transaction (2.75 MB < 3 MiB).
    let big = "é".repeat(125_000);
    for _ in 0..3 {
        let messages: Vec<Value> = (0..11)
            .map(|_| json!({"content": big, "role": "user"}))
            .collect();
        let post = event_with("create-chat-messages/200-batch.json", |e| {
            set_body(e, json!({ "messages": messages }))
        });
        let (status, body) = json_of(invoke(&context, Function::CreateChatMessages, post).await);
        assert_eq!(status, 200, "{}", body["data"]);
    }
    let response = invoke(
        &context,
        Function::ListChatMessages,
        event("list-chat-messages/200-list.json"),
    )
    .await;
    let size = match response.body() {
        lambda_http::Body::Text(text) => text.len(),
        lambda_http::Body::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    assert!(size <= 5 * 1024 * 1024, "response of {size} bytes");
    let (_, body) = json_of(response);
    let first = body["chatMessages"].as_array().map_or(0, Vec::len);
    assert!(
        first > 1 && first < 34,
        "{first} messages on the first page"
    );
    let cursor = body["nextCursor"].as_str().expect("more remain").to_owned();
    let rest = event_with("list-chat-messages/200-list.json", |e| {
        set_query(e, &[("cursor", &cursor)])
    });
    let (status, body) = json_of(invoke(&context, Function::ListChatMessages, rest).await);
    assert_eq!(status, 200);
    assert_eq!(
        first + body["chatMessages"].as_array().map_or(0, Vec::len),
        34
    );
    assert!(body.get("nextCursor").is_none());
}
