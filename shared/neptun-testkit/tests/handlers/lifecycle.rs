//! Rename, delete, regenerate.

use super::*;
use neptun_core::ids::{MessageId, UserId};

#[tokio::test]
async fn a_rename_changes_name_and_updated_at_and_keeps_the_rest() {
    let context = context();
    let (status, body) = call(
        &context,
        Function::UpdateChat,
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
    assert_eq!(
        renamed["created_at"],
        neptun_core::clock::rfc3339_ms(CREATED_MS)
    );
    assert_ne!(
        renamed["updated_at"], renamed["created_at"],
        "updated_at moves"
    );

    let with_model = event_with("update-chat/200-rename.json", |e| {
        set_body(e, json!({"name": "N", "model": "m", "id": 5}))
    });
    let (_, body) = call(&context, Function::UpdateChat, with_model).await;
    assert_eq!(
        (
            body["chat"]["name"].as_str(),
            body["chat"]["model"].as_str()
        ),
        (Some("N"), Some("m"))
    );

    let (status, body) = call(
        &context,
        Function::UpdateChat,
        event("update-chat/400-blank-name.json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["statusMessage"], "Bad Request. Invalid body(name).");
    let (status, body) = call(
        &context,
        Function::UpdateChat,
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
    let context = context();
    let delete = || {
        event_with("delete-chat/200-delete.json", |e| {
            set_path(e, "/api/users/1/chats/1000");
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        })
    };
    let response = invoke(&context, Function::DeleteChat, delete()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(body_text(&response), "true");

    for (function, sample) in [
        (
            Function::ListChatMessages,
            "list-chat-messages/200-list.json",
        ),
        (Function::GetChatFiles, "get-chat-files/200-list.json"),
        (
            Function::CreateChatMessages,
            "create-chat-messages/200-single.json",
        ),
        (
            Function::CreateChatFiles,
            "create-chat-files/200-single.json",
        ),
        (
            Function::GetChatFileContent,
            "get-chat-file-content/200-with-cookie.json",
        ),
        (Function::UpdateChat, "update-chat/200-rename.json"),
    ] {
        assert_eq!(
            call(&context, function, event(sample)).await.0,
            404,
            "{function}"
        );
    }
    let (status, _) = call(&context, Function::DeleteChat, delete()).await;
    assert_eq!(status, 404, "deleting it again, without a key");
    let (_, chats) = call(
        &context,
        Function::ListChats,
        event("list-chats/200-list.json"),
    )
    .await;
    assert!(
        chats["chats"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["id"] != CHAT.get())
    );
}

#[tokio::test]
async fn a_replayed_delete_answers_as_the_first_did() {
    let context = context();
    let first = invoke(
        &context,
        Function::DeleteChat,
        event("delete-chat/200-delete.json"),
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    let again = invoke(
        &context,
        Function::DeleteChat,
        event("delete-chat/200-delete.json"),
    )
    .await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(body_text(&again), "true");
}

#[tokio::test]
async fn deleting_several_touches_only_the_session_users_chats() {
    let context = context();
    let others = Chat {
        neptun_user_id: UserId(2),
        project_id: None,
        ..chat(CHATS_TO_DELETE, "Another user's chat")
    };
    context.store.insert_chat(others);
    let (status, body) = call(
        &context,
        Function::DeleteChats,
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
        context.store.item_count(UserId(2), CHATS_TO_DELETE),
        Some(0),
        "user 2's chat stays"
    );
    assert!(
        context.store.item_count(USER, CHAT).is_some(),
        "chats not named stay"
    );

    let (status, body) = call(
        &context,
        Function::DeleteChats,
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
    let context = context();
    let (status, body) = call(
        &context,
        Function::DeleteLastChatMessage,
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
        Function::DeleteLastChatMessage,
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
    let (status, body) = call(&context, Function::DeleteLastChatMessage, request).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["data"], "No messages found, for chat.");
}

#[tokio::test]
async fn regenerate_after_a_failed_answer_deletes_the_trailing_questions() {
    let context = context();
    context.store.insert_message(message(
        CHAT,
        MessageId(MESSAGE.get() + 1),
        Role::User,
        "Are you there?",
    ));
    let request = event_with("delete-last-chat-message/200-regenerate.json", |e| {
        set_path(e, "/api/users/1/chats/1000/messages/last");
        e["headers"]["idempotency-key"] = json!("another-key");
    });
    let (status, body) = call(&context, Function::DeleteLastChatMessage, request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"deletedSuccessfully": [MESSAGE.get(), MESSAGE.get() + 1], "failedToDelete": []})
    );
    assert_eq!(
        context.store.item_count(USER, CHAT),
        Some(0),
        "the file of the question too"
    );
}
