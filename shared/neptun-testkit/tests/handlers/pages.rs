//! Pagination and the scope of cursors.

use super::*;

#[tokio::test]
async fn message_pages_cover_every_message_once_in_order() {
    let context = context();
    add_messages(&context, 7).await;
    let mut seen = Vec::new();
    let mut query = "limit=3".to_owned();
    for _ in 0..10 {
        let (status, page) = list_page(
            &context,
            Function::ListChatMessages,
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
    assert_eq!(seen[0], MESSAGE.get());
}

#[tokio::test]
async fn chat_pages_are_newest_first() {
    let context = sample_chat_context();
    for name in ["a", "b", "c"] {
        let request = event_with("create-chat/200-create.json", |e| {
            set_body(e, json!({"name": name}))
        });
        assert_eq!(call(&context, Function::CreateChat, request).await.0, 200);
    }
    let (status, first) = list_page(
        &context,
        Function::ListChats,
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
        Function::ListChats,
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
        Function::ListChatMessages,
        "list-chat-messages/200-list.json",
        "limit=1",
    )
    .await;
    let cursor = page["nextCursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty(), "{page}");

    // The messages cursor on the files list of the same chat.
    let (status, body) = list_page(
        &context,
        Function::GetChatFiles,
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
    let (status, body) = call(&context, Function::ListChatMessages, other_chat).await;
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
            Function::ListChatMessages,
            "list-chat-messages/404-unknown-chat.json",
        ),
        (
            Function::GetChatFiles,
            "get-chat-files/404-unknown-chat.json",
        ),
    ] {
        let (status, body) = call(&context, function, event_with(event, |_| {})).await;
        assert_eq!(status, 404, "{function}: {body}");
        assert_eq!(body["data"]["message"], "Chat not found");
    }
}
