//! Stage prefixes: the same functions behind an HTTP API on `$default`, an HTTP API on a
//! named stage, a REST API stage and a Lambda function URL. Every route answers (the sample
//! events of each kind, see `every_sample_event_answers_its_documented_status`), and the
//! signed file URLs point back at the origin and base path the client used.

use lambda_http::RequestExt;
use neptun_core::functions::Function;
use neptun_tests::*;
use serde_json::{Value, json};

/// An API Gateway (HTTP or REST API) execute-api domain, as in the sample events.
const API: &str = "https://abc123def4.execute-api.us-east-1.amazonaws.com";
const FUNCTION_URL: &str = "https://p7w3k5xqz2mhd4ve6ybgcn1ras0tulfo.lambda-url.us-east-1.on.aws";
const IGNORE_STAGE_ENV: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

/// One front door: its sample events and what a file URL must start with.
struct Kind {
    name: &'static str,
    /// `create-chat-files/<create>`, `get-chat-files/<list>`, `get-chat-file-content/<content>`.
    create: &'static str,
    list: &'static str,
    content: &'static str,
    /// Origin and base path of the URLs.
    base: String,
    /// REST API (payload 1.0) event with this stage; `None`: payload 2.0.
    rest_stage: Option<&'static str>,
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "HTTP API, $default stage",
            create: "200-single.json",
            list: "200-list.json",
            content: "200-with-cookie.json",
            base: API.to_owned(),
            rest_stage: None,
        },
        Kind {
            name: "HTTP API, named stage v1",
            create: "200-http-named-stage.json",
            list: "200-http-named-stage.json",
            content: "200-http-named-stage.json",
            base: format!("{API}/v1"),
            rest_stage: None,
        },
        Kind {
            name: "REST API, stage Prod",
            create: "200-rest-prod-stage.json",
            list: "200-rest-prod-stage.json",
            content: "200-rest-prod-stage.json",
            base: format!("{API}/Prod"),
            rest_stage: Some("Prod"),
        },
        Kind {
            name: "Lambda function URL",
            create: "200-function-url.json",
            list: "200-function-url.json",
            content: "200-function-url.json",
            base: FUNCTION_URL.to_owned(),
            rest_stage: None,
        },
    ]
}

/// The kind's content event pointed at `url` (path and query), without its cookie: the
/// request a browser sends when it opens the link through the same front door.
fn open_through(kind: &Kind, url: &str) -> lambda_http::Request {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_and_query = &rest[rest.find('/').expect("a path")..];
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let single: serde_json::Map<String, Value> =
        pairs.iter().map(|(k, v)| ((*k).into(), json!(v))).collect();
    event_with(
        &format!("get-chat-file-content/{}", kind.content),
        |event| match kind.rest_stage {
            Some(stage) => {
                // API Gateway strips the stage from `path` and keeps it in
                // `requestContext.path`.
                let resource_path = path
                    .strip_prefix(&format!("/{stage}"))
                    .expect("the URL carries the stage");
                event["path"] = json!(resource_path);
                event["requestContext"]["path"] = json!(path);
                event["queryStringParameters"] = Value::Object(single.clone());
                event["multiValueQueryStringParameters"] = Value::Object(
                    pairs
                        .iter()
                        .map(|(k, v)| ((*k).into(), json!([v])))
                        .collect(),
                );
                for headers in ["headers", "multiValueHeaders"] {
                    event[headers]
                        .as_object_mut()
                        .map(|headers| headers.remove("Cookie"));
                }
            }
            None => {
                event["rawPath"] = json!(path);
                event["requestContext"]["http"]["path"] = json!(path);
                event["rawQueryString"] = json!(query);
                event["queryStringParameters"] = Value::Object(single.clone());
                event.as_object_mut().map(|event| event.remove("cookies"));
            }
        },
    )
}

fn assert_url(kind: &Kind, file: &Value) {
    let id = file["id"].as_u64().expect("a file id");
    let url = file["url"].as_str().expect("a url");
    let expected = format!(
        "{}/api/users/{SAMPLE_USER}/chats/{SAMPLE_CHAT}/files/{id}/content?expires=",
        kind.base
    );
    assert!(url.starts_with(&expected), "{}: {url}", kind.name);
    assert!(url.contains("&signature="), "{}: {url}", kind.name);
}

#[tokio::test]
async fn file_urls_carry_the_origin_and_base_path_of_each_front_door() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for kind in kinds() {
        let request = event(&format!("create-chat-files/{}", kind.create));
        let (status, created) = json_of(invoke(&context, Function::CreateChatFiles, request).await);
        assert_eq!(status, 200, "{}: {created}", kind.name);
        let file = &created["chatFile"];
        assert_url(&kind, file);

        let request = event(&format!("get-chat-files/{}", kind.list));
        let (status, listed) = json_of(invoke(&context, Function::GetChatFiles, request).await);
        assert_eq!(status, 200, "{}: {listed}", kind.name);
        let files = listed["chatFiles"].as_array().expect("a list");
        assert!(files.len() >= 2, "{}: {listed}", kind.name);
        for file in files {
            assert_url(&kind, file);
        }

        // Each URL opens without a cookie through the same front door.
        for file in [file, &files[0]] {
            let url = file["url"].as_str().expect("a url");
            let (status, headers, text) = text_of(
                invoke(
                    &context,
                    Function::GetChatFileContent,
                    open_through(&kind, url),
                )
                .await,
            );
            assert_eq!(status, 200, "{}: {url}: {text}", kind.name);
            assert_eq!(
                text,
                file["text"].as_str().expect("a text"),
                "{}",
                kind.name
            );
            assert_eq!(
                headers["content-type"],
                format!("{}; charset=utf-8", file["type"].as_str().expect("a type")),
                "{}",
                kind.name
            );
        }
        // A URL signed for one file does not open another.
        let url = files[0]["url"].as_str().expect("a url");
        let other = url.replace(
            &format!("/files/{}/content", files[0]["id"]),
            &format!("/files/{}/content", files[1]["id"]),
        );
        let response = invoke(
            &context,
            Function::GetChatFileContent,
            open_through(&kind, &other),
        )
        .await;
        assert_eq!(response.status(), 401, "{}: {other}", kind.name);
    }
}

/// What `lambda_http` itself makes of each kind of event: the reason `neptun_core::request`
/// reads `requestContext.path` for a REST API instead of `uri()` or `raw_http_path()`.
#[test]
fn lambda_http_paths_per_front_door() {
    let ignore_stage = std::env::var_os(IGNORE_STAGE_ENV).is_some();
    let path = format!("/api/users/{SAMPLE_USER}/chats/{SAMPLE_CHAT}/files/{SAMPLE_FILE}/content");
    for kind in kinds() {
        let request = event(&format!("get-chat-file-content/{}", kind.content));
        let (raw, uri) = match (kind.name, kind.rest_stage) {
            (_, Some(_)) if ignore_stage => (path.clone(), path.clone()),
            // `path` lacks the stage; lambda_http puts it back in front for `uri()`.
            (_, Some(stage)) => (path.clone(), format!("/{stage}{path}")),
            ("HTTP API, named stage v1", None) => (format!("/v1{path}"), format!("/v1{path}")),
            _ => (path.clone(), path.clone()),
        };
        assert_eq!(request.raw_http_path(), raw, "{}", kind.name);
        assert_eq!(request.uri().path(), uri, "{}", kind.name);
        let host = kind
            .base
            .strip_prefix("https://")
            .and_then(|rest| rest.split('/').next());
        assert_eq!(request.uri().host(), host, "{}", kind.name);
    }
}

/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` changes `uri()` for REST APIs; the routes and file
/// URLs must not change with it. Runs the two tests above again in a child process with it
/// set (the variable is read while a request is built, and a test must not change its own
/// process's environment).
#[test]
fn ignoring_the_stage_in_lambda_http_changes_nothing() {
    if std::env::var_os(IGNORE_STAGE_ENV).is_some() {
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "stages::file_urls_carry_the_origin_and_base_path_of_each_front_door",
            "stages::lambda_http_paths_per_front_door",
        ])
        .env(IGNORE_STAGE_ENV, "true")
        .env("NEPTUN_TEST_DYNAMODB_ENDPOINT", storage_endpoint())
        .output()
        .expect("run the test binary again");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("2 passed"), "{report}");
}
