//! The real local stack: `cargo lambda watch` with the workspace router, over HTTP, on DynamoDB Local.

use std::time::Duration;

use neptun_tests::*;
use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // The first request to each function waits for it to compile.
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

fn cookie() -> String {
    let session = neptun_core::session::SessionConfig::new(DEV_PASSWORD).expect("dev password");
    format!(
        "neptun-session={}",
        session.seal_user(SAMPLE_USER, None, neptun_core::clock::now_ms())
    )
}

fn read_json(response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn cargo_lambda_watch_serves_the_routes_at_their_real_paths() {
    let client = client();
    let table = fresh_table(&client).await;
    let watch = Watch::start(&table);
    let agent = agent();
    let cookie = cookie();

    let response = agent
        .post(watch.url("/api/users/1/chats"))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .send(json!({"name": "Over HTTP"}).to_string())
        .expect("create a chat");
    let (status, created) = read_json(response);
    assert_eq!(status, 200, "{created}");
    let chat_id = created["chat"]["id"].as_u64().expect("chat id");

    let messages = watch.url(&format!("/api/users/1/chats/{chat_id}/messages"));
    let body = json!({"messages": [{"content": "Hi", "role": "user"}, {"content": "Hello!", "role": "assistant"}]});
    let response = agent
        .post(&messages)
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .send(body.to_string())
        .expect("post messages");
    let (status, posted) = read_json(response);
    assert_eq!(status, 200, "{posted}");

    let response = agent
        .get(&messages)
        .header("cookie", &cookie)
        .call()
        .expect("list messages");
    let (status, listed) = read_json(response);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["chatMessages"], posted["chatMessages"]);

    let response = agent.get(&messages).call().expect("list without a cookie");
    let (status, refused) = read_json(response);
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["statusCode"], 401);

    // The functions log JSON lines that carry the Lambda request id, and never the cookie.
    let log = watch.log();
    let handled: Vec<Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request handled")
        .collect();
    assert!(handled.len() >= 3, "one line per handled request:\n{log}");
    for line in &handled {
        assert!(
            line["span"]["requestId"].is_string(),
            "no request id: {line}"
        );
    }
    // One metrics line (CloudWatch EMF) per request: function, status class, DynamoDB
    // requests and duration, and nothing of the request.
    let metrics: Vec<Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect();
    let by_function = |function: &str, class: &str| {
        metrics
            .iter()
            .filter(|line| line["Function"] == function && line["StatusClass"] == class)
            .count()
    };
    assert_eq!(by_function("create-chat", "2xx"), 1, "{metrics:?}");
    assert_eq!(by_function("create-chat-messages", "2xx"), 1, "{metrics:?}");
    assert_eq!(by_function("list-chat-messages", "2xx"), 1, "{metrics:?}");
    assert_eq!(by_function("list-chat-messages", "4xx"), 1, "{metrics:?}");
    for line in &metrics {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Neptun", "{line}");
        assert!(line["_aws"]["Timestamp"].is_u64(), "{line}");
        assert!(
            line["Duration"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{line}"
        );
        let mut members: Vec<&str> = line
            .as_object()
            .map(|members| members.keys().map(String::as_str).collect())
            .unwrap_or_default();
        members.sort_unstable();
        assert_eq!(
            members,
            [
                "Duration",
                "DynamoDBRequests",
                "Function",
                "Status",
                "StatusClass",
                "_aws"
            ],
            "{line}"
        );
    }
    // A create is one transaction; a refused read sends nothing to DynamoDB.
    let requests = |function: &str, class: &str| {
        metrics
            .iter()
            .find(|line| line["Function"] == function && line["StatusClass"] == class)
            .and_then(|line| line["DynamoDBRequests"].as_u64())
    };
    assert_eq!(requests("list-chat-messages", "4xx"), Some(0));
    assert!(requests("create-chat", "2xx").is_some_and(|n| n >= 1));
    let token = cookie.trim_start_matches("neptun-session=");
    assert!(
        !log.contains(token) && !log.contains(DEV_PASSWORD),
        "a secret in the log"
    );
}
