//! Single items and batches answer in their own shapes.

use super::*;

#[tokio::test]
async fn a_single_message_answers_chat_message_and_a_batch_chat_messages() {
    let context = context();
    let (status, single) = call(
        &context,
        Function::CreateChatMessages,
        event("create-chat-messages/200-single.json"),
    )
    .await;
    assert_eq!(status, 200, "{single}");
    assert!(single["chatMessage"].is_object(), "{single}");
    assert_eq!(single.as_object().map(|o| o.len()), Some(1));

    let (status, batch) = call(
        &context,
        Function::CreateChatMessages,
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
    assert!(
        created
            .iter()
            .all(|m| m["chat_conversation_id"] == CHAT.get())
    );
}

#[tokio::test]
async fn a_single_file_answers_chat_file_and_a_batch_chat_files() {
    let context = context();
    let (status, single) = call(
        &context,
        Function::CreateChatFiles,
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
        Function::CreateChatFiles,
        event("create-chat-files/200-batch.json"),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    let created = batch["chatFiles"].as_array().cloned().unwrap_or_default();
    assert!(created.len() >= 2, "{batch}");
    assert!(
        created
            .iter()
            .all(|f| f["chat_conversation_message_id"] == MESSAGE.get())
    );
}

#[tokio::test]
async fn files_need_an_existing_message() {
    let context = context();
    let (status, body) = call(
        &context,
        Function::CreateChatFiles,
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
        Function::GetChatFileContent,
        event("get-chat-file-content/200-with-cookie.json"),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(body_text(&response), "print('Hello, World!')");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

/// A turn as the web app's AI route saves it (`server/utils/chat.ts`, through `event.$fetch`):
/// the question, the answer, then the answer's code blocks as `getCodeBlocksFromMarkdown`
/// makes them, on the answer's id.
#[tokio::test]
async fn the_ai_routes_turn_is_saved_as_the_web_app_sends_it() {
    let context = context();
    let mut saved = Vec::new();
    for (file, actor) in [
        ("create-chat-messages/200-ai-route-user-turn.json", "user"),
        (
            "create-chat-messages/200-ai-route-assistant-turn.json",
            "assistant",
        ),
    ] {
        let (status, body) = call(&context, Function::CreateChatMessages, event(file)).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert_eq!(body["chatMessage"]["actor"], actor, "{body}");
        saved.push(body["chatMessage"]["id"].as_u64().unwrap_or_default());
    }
    assert!(saved[0] < saved[1], "the answer after the question");

    let answer = saved[1];
    let files = event_with("create-chat-files/200-ai-route-code-blocks.json", |e| {
        set_path(e, &format!("/api/users/1/chats/{CHAT}/files/{answer}"));
    });
    let (status, body) = call(&context, Function::CreateChatFiles, files).await;
    assert_eq!(status, 200, "{body}");
    let stored: Vec<(&str, &str, &str)> = body["chatFiles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            assert_eq!(f["chat_conversation_message_id"], answer);
            (
                f["title"].as_str().unwrap_or("?"),
                f["language"].as_str().unwrap_or("?"),
                f["extension"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(stored, [("main.rs", "rust", "rs"), ("", "bash", "sh")]);
}
