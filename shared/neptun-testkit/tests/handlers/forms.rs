//! Form-encoded bodies, as the Neptun CLI posts them: read as h3 reads them, then validated
//! exactly like JSON.

use super::*;

/// A sample event with this form body, base64-encoded as HTTP API hands it over.
fn form_event(path: &str, content_type: &str, form: &str) -> Request {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(form);
    event_with(path, |e| {
        e["headers"]["content-type"] = json!(content_type);
        e["body"] = json!(encoded);
        e["isBase64Encoded"] = json!(true);
    })
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn a_form_creates_the_chat_that_the_same_json_creates() {
    let context = context();
    let form = form_event(
        "create-chat/200-create.json",
        "application/x-www-form-urlencoded; charset=utf-8",
        "name=Python+questions&model=gpt-4o",
    );
    let (status, from_form) = call(&context, Function::CreateChat, form).await;
    assert_eq!(status, 200, "{from_form}");
    let json = event("create-chat/200-create.json");
    let (_, from_json) = call(&context, Function::CreateChat, json).await;
    assert_eq!(from_form["chat"]["name"], from_json["chat"]["name"]);
    assert_eq!(from_form["chat"]["model"], "gpt-4o");
}

#[tokio::test]
async fn a_form_posts_one_message_and_renames() {
    let context = context();
    let message = form_event(
        "create-chat-messages/200-single.json",
        FORM,
        "message=Sort+it%3F&actor=assistant",
    );
    let (status, body) = call(&context, Function::CreateChatMessages, message).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chatMessage"]["message"], "Sort it?");
    assert_eq!(body["chatMessage"]["actor"], "assistant");

    let rename = form_event("update-chat/200-rename.json", FORM, "name=Renamed");
    let (status, body) = call(&context, Function::UpdateChat, rename).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chat"]["name"], "Renamed");
}

#[tokio::test]
async fn form_fields_that_are_not_strings_are_zod_issues() {
    let context = context();
    let cases = [
        (
            Function::DeleteChats,
            "delete-chats/200-delete-several.json",
            "chat_ids=1000",
            json!([{"code": "invalid_type", "message": "Expected array, received string", "path": ["chat_ids"]}]),
        ),
        (
            Function::CreateChatShare,
            "create-chat-share/200-public.json",
            "is_shared=true",
            json!([{"code": "invalid_type", "message": "Expected boolean, received string", "path": ["is_shared"]}]),
        ),
        (
            Function::UpdateChat,
            "update-chat/200-rename.json",
            "project_id=5",
            json!([{"code": "invalid_type", "message": "Expected number, received string", "path": ["project_id"]}]),
        ),
    ];
    for (function, path, form, issues) in cases {
        let (status, body) = call(&context, function, form_event(path, FORM, form)).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["data"]["name"], "ZodError", "{path}");
        assert_eq!(body["data"]["issues"], issues, "{path}");
    }
}

#[tokio::test]
async fn a_repeated_form_key_is_a_list_of_strings() {
    let (status, body) = call(
        &context(),
        Function::DeleteChats,
        form_event(
            "delete-chats/200-delete-several.json",
            FORM,
            "chat_ids=1000&chat_ids=1001",
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let paths: Vec<&Value> = body["data"]["issues"]
        .as_array()
        .map(|issues| issues.iter().map(|issue| &issue["path"]).collect())
        .unwrap_or_default();
    assert_eq!(paths, [&json!(["chat_ids", 0]), &json!(["chat_ids", 1])]);
}

#[tokio::test]
async fn an_empty_form_names_what_is_required() {
    let (status, body) = call(
        &context(),
        Function::CreateChat,
        form_event("create-chat/200-create.json", FORM, ""),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["data"],
        json!({"issues": [{"code": "invalid_type", "message": "Required", "path": ["name"]}], "name": "ZodError"})
    );
}

#[tokio::test]
async fn other_media_types_stay_a_415_that_names_both() {
    let (status, body) = call(
        &context(),
        Function::CreateChat,
        form_event(
            "create-chat/200-create.json",
            "multipart/form-data; boundary=x",
            "name=a",
        ),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(
        body["data"]["message"],
        "Content-Type must be application/json or application/x-www-form-urlencoded, got multipart/form-data; boundary=x"
    );
}

#[tokio::test]
async fn an_idempotency_key_replays_a_form_and_refuses_the_same_key_as_json() {
    let context = context();
    let with_key = |request: Request| {
        let mut request = request;
        request
            .headers_mut()
            .insert("idempotency-key", http::HeaderValue::from_static("form-1"));
        request
    };
    let form = || form_event("create-chat/200-create.json", FORM, "name=Once");
    let (first_status, first) = call(&context, Function::CreateChat, with_key(form())).await;
    let (again_status, again) = call(&context, Function::CreateChat, with_key(form())).await;
    assert_eq!((first_status, again_status), (200, 200), "{first} {again}");
    assert_eq!(first, again);
    // The fingerprint covers the raw bytes: the same chat as JSON is another request.
    let json = event_with("create-chat/200-create.json", |e| {
        set_body(e, json!({"name": "Once"}));
    });
    let (status, body) = call(&context, Function::CreateChat, with_key(json)).await;
    assert_eq!(status, 422, "{body}");
}
