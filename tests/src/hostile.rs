//! Hostile bodies: the shapes that once took a function past 128 MB of memory, and others of
//! their kind (deep nesting, many keys, long strings, the most values a body may hold), each
//! just under the largest body any route accepts. The tests send each to every function and
//! expect a 4xx with the API's error shape; `make bench` reports each function's peak memory
//! for them next to its ordinary peak.

use neptun_core::functions::Function;
use neptun_core::validation::MAX_BODY_BYTES;
use serde_json::Value;

/// Bytes of every hostile body: as large as any route accepts, so that only its shape can
/// refuse it.
pub const BODY_BYTES: usize = MAX_BODY_BYTES - 64;

/// One body of the corpus.
pub struct HostileBody {
    pub label: &'static str,
    /// `application/x-www-form-urlencoded` (else JSON).
    pub form: bool,
    pub body: String,
}

/// `prefix`, then `item` repeated, then `suffix`, [`BODY_BYTES`] long at most.
fn filled(prefix: &str, item: &str, separator: &str, suffix: &str) -> String {
    let room = BODY_BYTES - prefix.len() - suffix.len();
    let count = (room + separator.len()) / (item.len() + separator.len());
    let mut body = String::with_capacity(BODY_BYTES);
    body.push_str(prefix);
    for at in 0..count {
        if at > 0 {
            body.push_str(separator);
        }
        body.push_str(item);
    }
    body.push_str(suffix);
    body
}

/// `{"k0":0,"k1":0,...}`.
fn many_keys() -> String {
    let mut body = String::from("{");
    let mut key = 0;
    while body.len() + 24 < BODY_BYTES {
        if key > 0 {
            body.push(',');
        }
        body.push_str(&format!("\"k{key}\":0"));
        key += 1;
    }
    body.push('}');
    body
}

/// Every body of the corpus.
pub fn corpus() -> Vec<HostileBody> {
    let json = |label, body| HostileBody {
        label,
        form: false,
        body,
    };
    let zeros_in = |key: &str| filled(&format!("{{\"{key}\":["), "0", ",", "]}");
    vec![
        HostileBody {
            label: "form of empty pairs (a&a&...)",
            form: true,
            body: filled("", "a", "&", ""),
        },
        json("messages: [0,0,...]", zeros_in("messages")),
        json("files: [0,0,...]", zeros_in("files")),
        json("chat_ids: [0,0,...]", zeros_in("chat_ids")),
        json("hashed_password: [0,0,...]", zeros_in("hashed_password")),
        json("name: [0,0,...]", zeros_in("name")),
        json("top-level [0,0,...]", filled("[", "0", ",", "]")),
        json("nesting [[[[...]]]]", {
            let depth = BODY_BYTES / 2;
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        }),
        json("many keys {\"k0\":0,...}", many_keys()),
        json(
            "a 3 MiB name",
            filled("{\"name\":\"", "a", "", "\",\"model\":\"m\"}"),
        ),
        json(
            "a 3 MiB message",
            filled("{\"message\":\"", "a", "", "\",\"actor\":\"user\"}"),
        ),
        // The texts as short as keeps the values within the budget of a body: the most
        // objects a body may hold.
        json(
            "65,000 messages of 19 letters",
            filled(
                "{\"messages\":[",
                "{\"content\":\"xxxxxxxxxxxxxxxxxxx\",\"role\":\"user\"}",
                ",",
                "]}",
            ),
        ),
        json(
            "92,000 files of 22 letters",
            filled(
                "{\"files\":[",
                "{\"text\":\"xxxxxxxxxxxxxxxxxxxxxx\"}",
                ",",
                "]}",
            ),
        ),
    ]
}

/// Whether `function` reads a request body (the others answer as if it were not there).
pub fn reads_a_body(function: Function) -> bool {
    matches!(
        function,
        Function::CreateChat
            | Function::CreateChatMessages
            | Function::CreateChatFiles
            | Function::UpdateChat
            | Function::DeleteChats
            | Function::CreateProjectChat
            | Function::DeleteProjectChats
            | Function::CreateChatShare
            | Function::CreateShareWhitelistEntries
    )
}

/// The sample event `event` (its JSON) carrying `body` instead of its own.
pub fn with_body(event: &Value, body: &HostileBody) -> Value {
    let mut event = event.clone();
    let content_type = if body.form {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    event["headers"]["content-type"] = Value::from(content_type);
    event["body"] = Value::from(body.body.as_str());
    event["isBase64Encoded"] = Value::Bool(false);
    event
}
