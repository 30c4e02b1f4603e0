//! Counting cases that need the sample data as seeded before each request, because the request
//! changes what the next one finds: the first share of a chat, the delete of a share, a
//! whitelist that grows, a wrong password (the table reset before each, outside the count).

use neptun_core::ids::ChatId;
use std::sync::Arc;

use neptun_testkit::sample::{SAMPLE_CHAT, SAMPLE_CHAT_TO_SHARE};
use serde_json::Value;

use crate::measure::{COUNT_REQUESTS, CountCase};

/// `events/<sample>` with its path pointed at `path`, if given.
fn event(sample: &str, path: Option<String>) -> Arc<str> {
    let mut json = neptun_tests::event_json(sample);
    if let Some(path) = path {
        json["rawPath"] = Value::from(path.clone());
        json["requestContext"]["http"]["path"] = Value::from(path);
    }
    Arc::from(json.to_string())
}

fn case(label: &str, sample: &str, path: Option<String>, status: u64) -> CountCase {
    CountCase {
        label: label.to_owned(),
        events: (0..COUNT_REQUESTS)
            .map(|_| event(sample, path.clone()))
            .collect(),
        status,
        fresh_table: true,
    }
}

/// `function`'s cases on fresh sample data (none for most functions).
pub fn fresh_cases(function: &str) -> Vec<CountCase> {
    let shares = |chat: ChatId| Some(format!("/api/users/1/chats/{chat}/shares"));
    match function {
        "create-chat-share" => vec![
            case(
                "a chat's first share (200-public.json)",
                "create-chat-share/200-public.json",
                shares(SAMPLE_CHAT_TO_SHARE),
                200,
            ),
            case(
                "a share's new settings (200-public.json on a shared chat)",
                "create-chat-share/200-public.json",
                shares(SAMPLE_CHAT),
                200,
            ),
        ],
        "delete-chat-share" => vec![case(
            "a share deleted (200-delete.json on a shared chat)",
            "delete-chat-share/200-delete.json",
            shares(SAMPLE_CHAT),
            200,
        )],
        "create-share-whitelist-entries" => vec![case(
            "a new email listed (200-add.json)",
            "create-share-whitelist-entries/200-add.json",
            None,
            200,
        )],
        "get-shared-chat" => vec![case(
            "a wrong password (401-wrong-password.json)",
            "get-shared-chat/401-wrong-password.json",
            None,
            401,
        )],
        _ => Vec::new(),
    }
}
