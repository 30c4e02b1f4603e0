//! Every handler on the in-memory store, and the store contract on it: no storage server,
//! requests built from the sample events under `events/`, sent to the handlers by
//! [`Function`]. Storage itself is tested against DynamoDB Local in `tests/`.

mod checks;
mod code_blocks;
mod contract;
mod events;
mod forms;
mod lifecycle;
mod order;
mod pages;
mod replays;
mod shapes;
mod shares;

use lambda_http::Request;
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, MessageId};
use neptun_core::model::{Chat, ChatMessage, Role};
use neptun_testkit::events::{
    body_text, event, event_with, sample_events, set_body, set_path, set_raw_query,
};
use neptun_testkit::invoke::invoke;
use neptun_testkit::memory::{Fault, MemoryStore};
use neptun_testkit::sample::{
    SAMPLE_CHAT as CHAT, SAMPLE_CHAT_TO_REGENERATE as CHAT_TO_REGENERATE, SAMPLE_CHATS,
    SAMPLE_CHATS_TO_DELETE as CHATS_TO_DELETE, SAMPLE_MESSAGE as MESSAGE,
    SAMPLE_TIME_MS as CREATED_MS, SAMPLE_USER as USER, dev_context, memory_store_with,
    seeded_memory_store,
};
use serde_json::{Value, json};

/// The sample data on the memory store, with the sample events' session settings.
fn context() -> AppContext<MemoryStore> {
    dev_context(seeded_memory_store())
}

/// Only the sample chat (its message and file), for tests that count the chats.
fn sample_chat_context() -> AppContext<MemoryStore> {
    dev_context(memory_store_with(&SAMPLE_CHATS[..1]))
}

/// Status and JSON body (`Null` for a body that is not JSON).
async fn call(
    context: &AppContext<MemoryStore>,
    function: Function,
    request: Request,
) -> (u16, Value) {
    let response = invoke(context, function, request).await;
    let status = response.status().as_u16();
    let body = serde_json::from_str(&body_text(&response)).unwrap_or(Value::Null);
    (status, body)
}

fn chat(id: ChatId, name: &str) -> Chat {
    let at = neptun_core::clock::rfc3339_ms(CREATED_MS);
    Chat {
        id,
        name: name.into(),
        model: "gpt-4o".into(),
        neptun_user_id: USER,
        project_id: None,
        created_at: at.clone(),
        updated_at: at,
    }
}

fn message(chat_id: ChatId, id: MessageId, actor: Role, text: &str) -> ChatMessage {
    let at = neptun_core::clock::rfc3339_ms(CREATED_MS);
    ChatMessage {
        id,
        chat_conversation_id: chat_id,
        neptun_user_id: USER,
        message: text.into(),
        actor,
        created_at: at.clone(),
        updated_at: at,
    }
}

pub(crate) const BAD_MESSAGE: &str = r#"{"messages": []}"#;

pub(crate) fn post_messages(edit: impl FnOnce(&mut Value)) -> Request {
    event_with("create-chat-messages/200-single.json", edit)
}

pub(crate) async fn add_messages(context: &AppContext<MemoryStore>, count: usize) {
    let messages: Vec<Value> = (0..count)
        .map(|i| json!({"content": format!("m{i}"), "role": "user"}))
        .collect();
    let request = post_messages(|e| set_body(e, json!({ "messages": messages })));
    assert_eq!(
        call(context, Function::CreateChatMessages, request).await.0,
        200
    );
}

pub(crate) async fn list_page(
    context: &AppContext<MemoryStore>,
    function: Function,
    event: &str,
    query: &str,
) -> (u16, Value) {
    let request = event_with(event, |e| set_raw_query(e, query));
    call(context, function, request).await
}
