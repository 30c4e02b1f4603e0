//! Log hygiene of the share routes: no password, hash, whitelist email, session or access
//! cookie in any log line, whatever the request. A test binary of its own: the subscriber
//! that captures the logs must see every event, and another test's thread registering a log
//! call site first could hide it (tracing caches call-site interest process-wide).

use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lambda_http::{Body, Response};
use neptun_core::functions::Function;
use neptun_core::shares::attempts::MAX_ATTEMPTS_PER_MINUTE;
use neptun_testkit::events::{event_with, sample_events, set_path};
use neptun_testkit::invoke::invoke;
use neptun_testkit::sample::{
    DEV_PASSWORD, SAMPLE_LISTED_EMAIL, SAMPLE_PASSWORD_SHARE, SAMPLE_SHARE_PASSWORD, dev_context,
    seeded_memory_store,
};
use serde_json::json;

/// What the subscriber writes, kept for the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_password_hash_whitelist_email_or_cookie_is_logged() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let context = dev_context(seeded_memory_store());
    let mut responses: Vec<Response<Body>> = Vec::new();
    for sample in sample_events().iter().filter(|s| {
        matches!(
            s.function,
            Function::CreateChatShare
                | Function::CreateShareWhitelistEntries
                | Function::GetSharedChat
        )
    }) {
        responses.push(invoke(&context, sample.function, sample.request()).await);
    }
    let wrong = format!("Basic {}", STANDARD.encode(":guess-that-is-logged?"));
    for _ in 0..=MAX_ATTEMPTS_PER_MINUTE {
        let request = event_with("get-shared-chat/200-password.json", |e| {
            set_path(e, &format!("/api/shared/chats/{SAMPLE_PASSWORD_SHARE}"));
            e["headers"]["authorization"] = json!(wrong);
        });
        responses.push(invoke(&context, Function::GetSharedChat, request).await);
    }
    drop(guard);
    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    assert!(logs.contains("request"), "something was logged: {logs}");
    for secret in [
        SAMPLE_SHARE_PASSWORD,
        "guess-that-is-logged?",
        "correct horse",
        "$argon2id",
        SAMPLE_LISTED_EMAIL,
        "bob@example.org",
        "Fe26.2",
        "neptun-share=",
        DEV_PASSWORD,
    ] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
    }
    assert!(responses.iter().all(|r| r.status().as_u16() < 500));
}
