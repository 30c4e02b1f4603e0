//! The sample API Gateway events under `events/`, as requests for tests: the handler tests of
//! this crate and the integration tests in `tests/` build requests from them, edited where a
//! test needs another body, path or query. The folders of the stream functions
//! ([`STREAM_FUNCTIONS`]) hold DynamoDB stream events instead.

use std::path::{Path, PathBuf};

use lambda_http::{Body, Request, Response};
use serde_json::Value;

use neptun_core::functions::{Function, STREAM_FUNCTIONS};

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// `events/<path>` as JSON.
pub fn event_json(path: &str) -> Value {
    let text = std::fs::read_to_string(events_dir().join(path))
        .unwrap_or_else(|error| panic!("events/{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("events/{path}: {error}"))
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

/// One sample HTTP event: its function, its file under `events/<function>/` and the status it
/// answers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SampleEvent {
    pub function: Function,
    pub file: String,
    pub status: u16,
}

impl SampleEvent {
    /// `<function>/<file>`, the path below `events/`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.function.name(), self.file)
    }

    pub fn request(&self) -> Request {
        event(&self.path())
    }
}

/// Every sample HTTP event, from `events/<function>/<status>-<case>.json`, sorted (the stream
/// functions' folders skipped). A folder that names no function fails the caller's test.
pub fn sample_events() -> Vec<SampleEvent> {
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
            let function = Function::from_name(&name)
                .unwrap_or_else(|| panic!("events/{name}/ names no function"));
            events.push(SampleEvent {
                function,
                file,
                status,
            });
        }
    }
    events.sort();
    events
}
