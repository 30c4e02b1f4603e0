//! `Idempotency-Key` replays through the routes.

use super::*;

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
    let first = invoke(
        &context,
        Function::CreateChatMessages,
        with_key(body.clone()),
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let again = invoke(&context, Function::CreateChatMessages, with_key(body)).await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(body_text(&first), body_text(&again));
    assert_eq!(context.store.item_count(USER, CHAT), Some(3), "stored once");

    let (status, body) = call(
        &context,
        Function::CreateChatMessages,
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
    let (_, first) = call(&context, Function::CreateChat, chat()).await;
    let (_, again) = call(&context, Function::CreateChat, chat()).await;
    assert_eq!(first["chat"]["id"], again["chat"]["id"]);

    let file = || {
        event_with("create-chat-files/200-single.json", |e| {
            e["headers"]["idempotency-key"] = json!("f-1")
        })
    };
    let (_, first) = call(&context, Function::CreateChatFiles, file()).await;
    let (_, again) = call(&context, Function::CreateChatFiles, file()).await;
    assert_eq!(first["chatFile"]["id"], again["chatFile"]["id"]);
    assert_eq!(
        context.store.item_count(USER, CHAT),
        Some(3),
        "one new file"
    );
}
