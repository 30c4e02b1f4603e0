//! Isolation between users, response headers, and log hygiene across a full scenario.

use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, UserId};
use std::io::Write;
use std::sync::{Arc, Mutex};

use neptun_core::context::AppContext;
use neptun_core::model::Role;
use neptun_core::store::{ChatStore, FileStore, MessageStore, SharedChatStore};
use neptun_core::validation::{NewChat, NewFile, NewMessage};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use neptun_tests::*;
use serde_json::{Value, json};

const OTHER_USER: u64 = 2;

/// Points an event at another path (raw path, context path and path parameters).
fn retarget(event: &mut Value, from: &str, to: &str) {
    for pointer in ["/rawPath", "/requestContext/http/path"] {
        if let Some(Value::String(path)) = event.pointer_mut(pointer) {
            *path = path.replace(from, to);
        }
    }
}

fn success_events() -> Vec<(Function, String)> {
    sample_events()
        .into_iter()
        .filter(|sample| {
            // The public read of a share has no user in its path: it is its own test's.
            sample.status == 200
                && !sample.function.is_public()
                && !sample.file.contains("stage")
                && !sample.file.contains("function-url")
        })
        .map(|sample| (sample.function, sample.file))
        .collect()
}

/// A chat of user 2 with one message and one file.
async fn other_users_chat(context: &AppContext<DynamoStore>) -> (u64, u64, u64) {
    let now = neptun_core::clock::now_ms();
    let store = &context.store;
    let chat = store
        .create_chat(
            UserId(OTHER_USER),
            NewChat {
                name: "B's secrets".into(),
                model: String::new(),
                project_id: None,
            },
            now,
            None,
        )
        .await
        .expect("B's chat")
        .value;
    let message = NewMessage {
        content: "B's message".into(),
        role: Role::User,
    };
    let message = store
        .append_messages(UserId(OTHER_USER), chat.id, vec![message], now, None)
        .await
        .expect("B's message")
        .value;
    let file = NewFile {
        text: "B's file".into(),
        title: "b.txt".into(),
        language: "text".into(),
        extension: "txt".into(),
    };
    let file = store
        .attach_files(
            UserId(OTHER_USER),
            chat.id,
            message[0].id,
            vec![file],
            now,
            None,
        )
        .await
        .expect("B's file")
        .value;
    (chat.id.get(), message[0].id.get(), file[0].id.get())
}

#[tokio::test]
async fn a_cookie_of_user_a_opens_nothing_of_user_b() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let (b_chat, _, _) = other_users_chat(&context).await;
    let b_rows = partition_rows(
        &context.store,
        schema::chat_pk(UserId(OTHER_USER), ChatId(b_chat)),
    )
    .await;
    let a_cookie = format!(
        "neptun-session={}",
        dev_session().seal_user(UserId(1), None, neptun_core::clock::now_ms())
    );
    for (function, file) in success_events() {
        // Every route of B's chat (and B's sample ids), with A's cookie.
        let request = event_with(&format!("{function}/{file}"), |e| {
            retarget(
                e,
                "/api/users/1/chats/1000",
                &format!("/api/users/2/chats/{b_chat}"),
            );
            retarget(e, "/api/users/1/", "/api/users/2/");
            if e.get("cookies").is_some() {
                e["cookies"] = json!([a_cookie]);
            }
        });
        let response = invoke(&context, function, request).await;
        let (status, body) = json_of(response);
        assert_eq!(status, 401, "{function}/{file}: {body}");
        assert_eq!(
            body["data"]["message"],
            "You do not have access to this resource."
        );
    }
    assert_eq!(
        partition_rows(
            &context.store,
            schema::chat_pk(UserId(OTHER_USER), ChatId(b_chat))
        )
        .await,
        b_rows,
        "nothing written for B"
    );
    assert_eq!(
        partition_rows(&context.store, schema::user_pk(UserId(OTHER_USER))).await,
        2,
        "B still has its chat and its sample chat"
    );
}

#[tokio::test]
async fn ids_in_a_path_never_reach_another_users_partition() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let (b_chat, b_message, b_file) = other_users_chat(&context).await;
    let b_rows = partition_rows(
        &context.store,
        schema::chat_pk(UserId(OTHER_USER), ChatId(b_chat)),
    )
    .await;
    // A's own path with B's ids: A's partition has no such chat, message or file.
    let cases = [
        (
            Function::ListChatMessages,
            "200-list.json",
            "Chat not found",
        ),
        (
            Function::CreateChatMessages,
            "200-single.json",
            "Chat not found",
        ),
        (Function::GetChatFiles, "200-list.json", "Chat not found"),
        (
            Function::CreateChatFiles,
            "200-single.json",
            "Chat not found",
        ),
        (
            Function::GetChatFileContent,
            "200-with-cookie.json",
            "File not found",
        ),
    ];
    for (function, file, expected) in cases {
        let request = event_with(&format!("{function}/{file}"), |e| {
            retarget(e, "/chats/1000", &format!("/chats/{b_chat}"));
            retarget(
                e,
                &format!("/files/{SAMPLE_MESSAGE}"),
                &format!("/files/{b_message}"),
            );
            retarget(
                e,
                &format!("/files/{SAMPLE_FILE}/"),
                &format!("/files/{b_file}/"),
            );
        });
        let (status, body) = json_of(invoke(&context, function, request).await);
        assert_eq!(status, 404, "{function}: {body}");
        assert_eq!(body["data"]["message"], expected, "{function}");
    }
    // B's message id in A's own chat is not a message of A's chat.
    let request = event_with("create-chat-files/200-single.json", |e| {
        retarget(
            e,
            &format!("/files/{SAMPLE_MESSAGE}"),
            &format!("/files/{b_message}"),
        );
    });
    let (status, body) = json_of(invoke(&context, Function::CreateChatFiles, request).await);
    assert_eq!(
        (status, &body["data"]["message"]),
        (404, &json!("Message not found"))
    );
    assert_eq!(
        partition_rows(
            &context.store,
            schema::chat_pk(UserId(OTHER_USER), ChatId(b_chat))
        )
        .await,
        b_rows
    );
    assert_eq!(
        partition_rows(&context.store, schema::chat_pk(SAMPLE_USER, ChatId(b_chat))).await,
        0
    );
}

#[tokio::test]
async fn private_responses_are_never_cached_and_content_is_never_sniffed() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for SampleEvent { function, file, .. } in sample_events() {
        let response = invoke(&context, function, event(&format!("{function}/{file}"))).await;
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store", "{function}/{file}");
        if function == Function::GetChatFileContent && response.status() == 200 {
            assert_eq!(
                headers["x-content-type-options"], "nosniff",
                "{function}/{file}"
            );
        }
    }
}

/// A writer that keeps everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn session_token(function_file: &str) -> String {
    let text =
        std::fs::read_to_string(repo_root().join("events").join(function_file)).expect("event");
    let event: Value = serde_json::from_str(&text).expect("JSON event");
    event["cookies"]
        .as_array()
        .and_then(|cookies| {
            cookies
                .iter()
                .filter_map(Value::as_str)
                .find_map(|c| c.strip_prefix("neptun-session="))
        })
        .expect("a session cookie")
        .to_owned()
}

#[test]
fn a_full_scenario_logs_json_and_no_cookie_signature_or_secret() {
    let log = Captured::default();
    let subscriber = neptun_core::telemetry::subscriber(
        "trace,aws_smithy_runtime=debug,hyper=info"
            .parse()
            .expect("a RUST_LOG list"),
        log.clone(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut signed_urls = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let context = context().await;
            seed_sample_data(&context.store).await;
            for SampleEvent { function, file, .. } in sample_events() {
                invoke(&context, function, event(&format!("{function}/{file}"))).await;
            }
            let (_, files) = json_of(
                invoke(
                    &context,
                    Function::GetChatFiles,
                    event("get-chat-files/200-list.json"),
                )
                .await,
            );
            for file in files["chatFiles"].as_array().into_iter().flatten() {
                let url = file["url"].as_str().expect("a url").to_owned();
                let (status, _, _) =
                    text_of(invoke(&context, Function::GetChatFileContent, open_url(&url)).await);
                assert_eq!(status, 200);
                let tampered = format!("{}A", url);
                let (status, _, _) = text_of(
                    invoke(&context, Function::GetChatFileContent, open_url(&tampered)).await,
                );
                assert_eq!(status, 401);
                signed_urls.push(url);
            }
            // A tampered cookie is refused, and its reason logged.
            let tampered = event_with("list-chats/200-list.json", |e| {
                e["cookies"][1] = json!(format!(
                    "neptun-session={}x",
                    session_token("list-chats/200-list.json")
                ));
            });
            assert_eq!(
                invoke(&context, Function::ListChats, tampered)
                    .await
                    .status(),
                401
            );
        });
    });
    let text = String::from_utf8(log.0.lock().expect("log buffer").clone()).expect("UTF-8 logs");
    assert!(text.lines().count() > 20, "the scenario logs what happens");
    for line in text.lines() {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
    }
    let token = session_token("create-chat/200-create.json");
    let mut secrets: Vec<String> = vec![DEV_PASSWORD.to_owned(), token.clone()];
    secrets.extend(
        token
            .split('*')
            .filter(|part| part.len() > 8)
            .map(str::to_owned),
    );
    assert!(!signed_urls.is_empty());
    for url in &signed_urls {
        let signature = url
            .split("signature=")
            .nth(1)
            .expect("a signature")
            .split('&')
            .next()
            .unwrap_or_default();
        secrets.push(signature.to_owned());
    }
    for secret in secrets {
        assert!(
            !text.contains(&secret),
            "a log line carries a secret ({} chars)",
            secret.len()
        );
    }
}

/// An empty form posted from another site to a protected share's route (no preflight needed)
/// once made it public; now every write is refused cross-site, before its body is read, and
/// the share keeps its password. The same request from the web app's own pages passes.
#[tokio::test]
async fn a_cross_site_form_changes_nothing() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let (status, body) = json_of(
        invoke(
            &context,
            Function::CreateChatShare,
            event("create-chat-share/200-password.json"),
        )
        .await,
    );
    assert_eq!(status, 200, "{body}");
    let uuid = body["share"]["share_uuid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, refused) = json_of(
        invoke(
            &context,
            Function::CreateChatShare,
            event("create-chat-share/403-cross-site-form.json"),
        )
        .await,
    );
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["statusMessage"], "Forbidden");
    let found = context
        .store
        .find_share(&uuid, neptun_core::clock::now_ms() / 60_000)
        .await
        .expect("a read")
        .expect("the share");
    assert!(found.share.is_protected, "the share keeps its password");
    // Every unsafe method of every function is refused so; the reads are not.
    for sample in sample_events().into_iter().filter(|s| s.status == 200) {
        let cross_site = event_with(&sample.path(), |e| {
            e["headers"]["sec-fetch-site"] = json!("cross-site");
            e["headers"]["origin"] = json!("https://evil.example");
        });
        let status = invoke(&context, sample.function, cross_site)
            .await
            .status()
            .as_u16();
        let safe = sample.function.method() == lambda_http::http::Method::GET;
        assert_eq!(status == 403, !safe, "{}", sample.path());
    }
}
