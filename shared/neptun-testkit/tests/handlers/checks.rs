//! The check order: 403 origin -> 401 -> 400 path -> 401 owner -> 415/413/400 body -> 404 ->
//! 503.

use super::*;
use neptun_core::origin::{ORIGIN_HEADER, OriginCheck};

const ORIGIN_SECRET: &str = "origin-secret-of-the-handler-tests-0123456789";

#[tokio::test]
async fn with_an_origin_secret_only_requests_through_the_origin_are_answered() {
    let mut context = context();
    context.origin = OriginCheck::requiring(ORIGIN_SECRET).unwrap_or_default();
    for sample in sample_events() {
        let direct = sample.request();
        let (status, body) = call(&context, sample.function, direct).await;
        assert_eq!(status, 403, "events/{}: {body}", sample.path());
        assert_eq!(
            body["data"]["message"],
            "This API answers through the web app's origin."
        );
    }
    let through_the_origin = event_with("create-chat/200-create.json", |e| {
        e["headers"][ORIGIN_HEADER] = json!(ORIGIN_SECRET);
    });
    let (status, body) = call(&context, Function::CreateChat, through_the_origin).await;
    assert_eq!(status, 200, "{body}");
    let wrong = event_with("create-chat/200-create.json", |e| {
        e["headers"][ORIGIN_HEADER] = json!("origin-secret-of-the-handler-tests-012345678X");
    });
    assert_eq!(call(&context, Function::CreateChat, wrong).await.0, 403);
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
    assert_eq!(
        call(&context, Function::CreateChatMessages, request)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn a_bad_path_id_is_400_before_the_owner_check() {
    let context = context();
    let request = post_messages(|e| {
        set_path(e, "/api/users/2/chats/not-a-number/messages");
        e["body"] = json!(BAD_MESSAGE);
    });
    let (status, body) = call(&context, Function::CreateChatMessages, request).await;
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
    assert_eq!(
        call(&context, Function::CreateChatMessages, request)
            .await
            .0,
        401
    );
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
        call(&context, Function::CreateChatMessages, text_plain)
            .await
            .0,
        415
    );

    let too_large = post_messages(|e| {
        set_path(e, unknown_chat);
        e["body"] = json!("x".repeat(4 * 1024 * 1024));
    });
    assert_eq!(
        call(&context, Function::CreateChatMessages, too_large)
            .await
            .0,
        413
    );

    let invalid = post_messages(|e| {
        set_path(e, unknown_chat);
        e["body"] = json!(BAD_MESSAGE);
    });
    let (status, body) = call(&context, Function::CreateChatMessages, invalid).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid body(message | messages)."
    );

    // A valid body reaches storage: unavailable is 503 with Retry-After ...
    let valid = || post_messages(|e| set_path(e, unknown_chat));
    let response = invoke(&context, Function::CreateChatMessages, valid()).await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()[http::header::RETRY_AFTER], "1");
    // ... and with storage back, the unknown chat is 404.
    context.store.set_fault(None);
    let (status, body) = call(&context, Function::CreateChatMessages, valid()).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["data"]["message"], "Chat not found");
}

#[tokio::test]
async fn storage_unavailable_is_503_on_every_route() {
    for (function, event) in [
        (Function::CreateChat, "create-chat/200-create.json"),
        (Function::ListChats, "list-chats/200-list.json"),
        (
            Function::CreateChatMessages,
            "create-chat-messages/200-batch.json",
        ),
        (
            Function::ListChatMessages,
            "list-chat-messages/200-list.json",
        ),
        (
            Function::CreateChatFiles,
            "create-chat-files/200-batch.json",
        ),
        (Function::GetChatFiles, "get-chat-files/200-list.json"),
        (
            Function::GetChatFileContent,
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
    let response = invoke(&context, Function::CreateChatMessages, request).await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(response.headers().contains_key(http::header::RETRY_AFTER));
}
