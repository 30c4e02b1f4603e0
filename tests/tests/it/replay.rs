//! Every sample event under `events/`, replayed with `cargo lambda invoke --data-file`
//! against `cargo lambda watch` (the real runtime, event parsing and response encoding of each
//! function binary), answers the status in its file name.

use neptun_core::functions::Function;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use neptun_dynamo::DynamoStore;
use neptun_tests::*;
use serde_json::Value;

/// What a function answered, from `cargo lambda invoke --output-format json`.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

/// `cargo lambda invoke --data-file <file> <function>` against the watch.
fn replay(watch: &Watch, function: &str, file: &Path) -> Result<Answer, String> {
    let output = Command::new(tools_bin().join("cargo-lambda"))
        .args(["lambda", "invoke", "--invoke-address", "127.0.0.1"])
        .arg("--invoke-port")
        .arg(watch.port().to_string())
        .args(["--output-format", "json", "--data-file"])
        .arg(file)
        .arg(function)
        .current_dir(repo_root())
        .output()
        .map_err(|error| format!("cargo lambda invoke did not run: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "cargo lambda invoke failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let response: Value = serde_json::from_str(&stdout)
        .map_err(|error| format!("not a JSON response ({error}): {stdout}"))?;
    let status = response["statusCode"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .ok_or_else(|| format!("no statusCode: {stdout}"))?;
    // Payload 2.0 answers `headers`; a REST API (1.0) event gets `multiValueHeaders`.
    let content_type = response["headers"]["content-type"]
        .as_str()
        .or_else(|| response["multiValueHeaders"]["content-type"][0].as_str())
        .unwrap_or_default()
        .to_owned();
    if response["isBase64Encoded"] == true {
        return Err(format!("a text response came base64-encoded: {stdout}"));
    }
    let body = response["body"].as_str().unwrap_or_default().to_owned();
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

/// Why an answer is not what the event's name documents, if it is not.
fn check(function: Function, expected: u16, answer: &Answer) -> Option<String> {
    if answer.status != expected {
        return Some(format!(
            "{}, expected {expected}: {}",
            answer.status,
            clip(&answer.body, 300)
        ));
    }
    if function == Function::GetChatFileContent && expected == 200 {
        return (answer.body != SAMPLE_FILE_TEXT
            || answer.content_type != "text/x-python; charset=utf-8")
            .then(|| format!("{} {:?}", answer.content_type, clip(&answer.body, 300)));
    }
    if answer.content_type != "application/json" {
        return Some(format!("content-type {:?}", answer.content_type));
    }
    let body: Value = match serde_json::from_str(&answer.body) {
        Ok(body) => body,
        Err(error) => {
            return Some(format!(
                "body is not JSON ({error}): {}",
                clip(&answer.body, 300)
            ));
        }
    };
    let consistent = if expected >= 400 {
        body["statusCode"] == expected && body["data"].is_object()
    } else if matches!(
        function,
        Function::DeleteChat
            | Function::DeleteChats
            | Function::DeleteProjectChat
            | Function::DeleteProjectChats
            | Function::DeleteChatShare
    ) {
        // The deletes answer as the web app's: `true`.
        body == Value::Bool(true)
    } else if function == Function::GetChatShare {
        // A chat's share uuid, or `null`, as the web app's.
        body.is_string() || body.is_null()
    } else {
        body.is_object() && body.get("statusCode").is_none()
    };
    (!consistent).then(|| format!("body {}", clip(&body.to_string(), 300)))
}

/// Starts every function once: `cargo lambda watch` builds and starts a function on its
/// first invocation, which can take minutes when it was not built yet.
fn warm_up(watch: &Watch, events: &[SampleEvent]) {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut started: Vec<Function> = Vec::new();
    for SampleEvent { function, file, .. } in events {
        if started.contains(function) {
            continue;
        }
        let path = repo_root().join("events").join(function.name()).join(file);
        loop {
            match replay(watch, function.name(), &path) {
                Ok(_) => break,
                Err(error) if Instant::now() > deadline => {
                    panic!("{function} did not start: {error}")
                }
                Err(_) => std::thread::sleep(Duration::from_secs(1)),
            }
        }
        started.push(*function);
    }
}

/// At most `max` characters of a body, for failure messages.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sample_event_replays_through_cargo_lambda_invoke() {
    let client = client();
    let table = fresh_table(&client).await;
    seed_sample_data(&DynamoStore::new(client, table.clone())).await;
    let watch = Watch::start(&table);
    let events = sample_events();
    assert!(events.len() >= 50, "{} sample events", events.len());

    warm_up(&watch, &events);

    // Creates add items but never change another event's answer: replayed in name order,
    // then again in reverse, every event runs both before and after all the others.
    let started = Instant::now();
    let mut failures = Vec::new();
    for (pass, order) in [
        ("first", events.iter().collect::<Vec<_>>()),
        ("reversed", events.iter().rev().collect()),
    ] {
        for SampleEvent {
            function,
            file,
            status: expected,
        } in order
        {
            let path = repo_root().join("events").join(function.name()).join(file);
            let problem = match replay(&watch, function.name(), &path) {
                Ok(answer) => check(*function, *expected, &answer),
                Err(error) => Some(error),
            };
            if let Some(problem) = problem {
                failures.push(format!("events/{function}/{file} ({pass} pass): {problem}"));
            }
        }
    }
    eprintln!(
        "replayed {} events twice in {:.1?}",
        events.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
