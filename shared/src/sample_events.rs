//! The sample API Gateway events under `events/`, as requests for tests (feature `test-util`):
//! the handler tests of this crate and the integration tests in `tests/` build requests from
//! them, edited where a test needs another body, path or query. The folders of the stream
//! functions ([`STREAM_FUNCTIONS`]) hold DynamoDB stream events instead ([`stream_event`]).

use std::path::{Path, PathBuf};

use lambda_http::{Body, Request, Response};
use serde_json::Value;

use crate::context::AppContext;
use crate::handlers::{chats, files, lifecycle, messages, regenerate};
use crate::store::{
    ChatDeleteStore, ChatRenameStore, ChatStore, FileStore, MessageStore, RegenerateStore,
};

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// `events/<path>` as JSON.
pub fn event_json(path: &str) -> Value {
    let text = std::fs::read_to_string(events_dir().join(path))
        .unwrap_or_else(|error| panic!("events/{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("events/{path}: {error}"))
}

/// The functions fed by the table's stream: their folders under `events/` hold DynamoDB
/// stream events, named by case only, and are no HTTP function's.
pub const STREAM_FUNCTIONS: &[&str] = &["purge-chat"];

/// `events/<path>` as a DynamoDB stream event.
pub fn stream_event(path: &str) -> aws_lambda_events::dynamodb::Event {
    serde_json::from_value(event_json(path))
        .unwrap_or_else(|error| panic!("events/{path} is no DynamoDB stream event: {error}"))
}

/// `events/<path>` as a request.
pub fn event(path: &str) -> Request {
    event_with(path, |_| {})
}

/// A sample event with its JSON edited first (to point it at another chat, say).
pub fn event_with(path: &str, edit: impl FnOnce(&mut Value)) -> Request {
    let mut json = event_json(path);
    edit(&mut json);
    lambda_http::request::from_str(&json.to_string())
        .unwrap_or_else(|error| panic!("events/{path} (edited): {error}"))
}

/// Replaces an event's body with this JSON.
pub fn set_body(event: &mut Value, body: Value) {
    event["body"] = Value::String(body.to_string());
}

/// Points an (API Gateway v2) event at another path.
pub fn set_path(event: &mut Value, path: &str) {
    event["rawPath"] = Value::String(path.to_owned());
    event["requestContext"]["http"]["path"] = Value::String(path.to_owned());
}

/// Replaces an (API Gateway v2) event's query string with these pairs.
pub fn set_query(event: &mut Value, query: &[(&str, &str)]) {
    let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    set_raw_query(event, &raw.join("&"));
}

/// Replaces an (API Gateway v2) event's query string with `k=v&...` as written.
pub fn set_raw_query(event: &mut Value, query: &str) {
    event["rawQueryString"] = Value::String(query.to_owned());
    event["queryStringParameters"] = Value::Object(
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
            .collect(),
    );
}

/// A response's body as text.
pub fn body_text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}

/// A response's status and JSON body (`Null` when empty); panics on a body that is not JSON.
pub fn json_of(response: Response<Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = body_text(&response);
    if text.is_empty() {
        return (status, Value::Null);
    }
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("not a JSON body ({error}): {text}"));
    (status, value)
}

/// Sends a request to the handler of the named function (the folder names under `events/`).
pub async fn invoke<S>(context: &AppContext<S>, function: &str, request: Request) -> Response<Body>
where
    S: ChatStore + MessageStore + FileStore + ChatRenameStore + ChatDeleteStore + RegenerateStore,
{
    match function {
        "create-chat" => chats::create_chat(context, request).await,
        "list-chats" => chats::list_chats(context, request).await,
        "create-chat-messages" => messages::create_messages(context, request).await,
        "list-chat-messages" => messages::list_messages(context, request).await,
        "create-chat-files" => files::create_files(context, request).await,
        "get-chat-files" => files::list_files(context, request).await,
        "get-chat-file-content" => files::get_file_content(context, request).await,
        "update-chat" => lifecycle::update_chat(context, request).await,
        "delete-chat" => lifecycle::delete_chat(context, request).await,
        "delete-chats" => lifecycle::delete_chats(context, request).await,
        "delete-last-chat-message" => regenerate::delete_last_exchange(context, request).await,
        other => panic!("no handler for function {other}"),
    }
}

/// Every sample HTTP event as (function, file name, expected status), from
/// `events/<function>/<status>-<case>.json`, sorted (the stream functions' folders skipped).
pub fn sample_events() -> Vec<(String, String, u16)> {
    let mut events = Vec::new();
    let root = events_dir();
    for function in std::fs::read_dir(&root).expect("events/ exists") {
        let function = function.expect("readable events/");
        if !function.path().is_dir() {
            continue;
        }
        let name = function.file_name().to_string_lossy().into_owned();
        if STREAM_FUNCTIONS.contains(&name.as_str()) {
            continue;
        }
        for file in std::fs::read_dir(function.path()).expect("readable events/<function>") {
            let file = file
                .expect("readable event")
                .file_name()
                .to_string_lossy()
                .into_owned();
            let Some(status) = file.split('-').next().and_then(|s| s.parse().ok()) else {
                panic!("events/{name}/{file} does not start with its expected status");
            };
            events.push((name.clone(), file, status));
        }
    }
    events.sort();
    events
}
