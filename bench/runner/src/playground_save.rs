//! The web app's playground save (`composables/useDashboard.ts`, "Persist chat history"): its
//! whole conversation in one request, here 1,000 AI SDK messages of 1.5 KB (about 1.6 MB), to
//! the release `create-chat-messages`. Measured: CPU, latency, peak memory and the DynamoDB
//! requests of one save (one `TransactWriteItems` of five rows).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::measure::{Bench, Binary, Setup, Steady};

pub const FUNCTION: &str = "create-chat-messages";
/// The sample event whose body is replaced by the playground's.
pub const EVENT: &str = "create-chat-messages/200-batch.json";
pub const MESSAGES: usize = 1_000;
/// Characters of each message's text.
pub const MESSAGE_CHARS: usize = 1_500;
/// Saves measured (each appends to the same chat), after [`WARM_UP`] more.
pub const REQUESTS: usize = 20;
pub const WARM_UP: usize = 2;

/// The sample batch with the playground's body: AI SDK messages (`id`, `createdAt`, `role`,
/// `content`), alternating user and assistant, code blocks included.
fn event() -> Result<Arc<str>, String> {
    let mut event = neptun_tests::event_json(EVENT);
    let filler = "let answer = compute(42);\n".repeat(MESSAGE_CHARS / 26 + 1);
    let messages: Vec<Value> = (0..MESSAGES)
        .map(|i| {
            json!({
                "id": format!("msg-{i:04}"),
                "createdAt": "2026-12-07T06:00:00.000Z",
                "role": if i % 2 == 0 { "user" } else { "assistant" },
                "content": format!("```rust\n{}\n```", &filler[..MESSAGE_CHARS - 12]),
            })
        })
        .collect();
    let body = json!({ "messages": messages }).to_string();
    if body.len() > neptun_core::validation::MAX_BODY_BYTES {
        return Err(format!("the playground's body has {} bytes", body.len()));
    }
    event["body"] = Value::String(body);
    Ok(Arc::from(event.to_string()))
}

/// [`REQUESTS`] saves in one process, on the whole core.
pub async fn measure(bench: &Bench, binary: &Binary) -> Result<Steady, String> {
    let event = event()?;
    let table = bench.seeded_table().await;
    let steady = bench
        .requests_cost(binary, &table, Setup::Deployed, event, WARM_UP, REQUESTS)
        .await;
    bench.drop_table(&table).await;
    steady
}
