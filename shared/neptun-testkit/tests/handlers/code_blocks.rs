//! The dashboard's code blocks, with and without a title, and its AI SDK messages.

use super::*;

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
    invoke(context, Function::GetChatFileContent, request).await
}

#[tokio::test]
async fn the_dashboards_untitled_code_block_gets_a_generated_name() {
    let context = context();
    let (status, body) = call(
        &context,
        Function::CreateChatFiles,
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
    assert_eq!(file["chat_conversation_message_id"], MESSAGE.get());

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
        Function::CreateChatFiles,
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
        Function::GetChatFiles,
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
    let (status, body) = call(&context, Function::CreateChatFiles, request).await;
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
        Function::CreateChatMessages,
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
