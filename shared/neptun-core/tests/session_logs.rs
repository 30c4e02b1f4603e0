//! Log hygiene: `authenticate` logs why a session is rejected, never the token or the secret.
//! A test binary of its own: a test of another module logging from another thread could
//! register a log call site while no subscriber listens, and tracing caches that interest
//! process-wide, hiding the events these tests capture.

// A test binary: its helpers may unwrap what a test set up (workspace.lints, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use neptun_core::ids::UserId;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use http::HeaderMap;
use http::header::{COOKIE, HeaderValue};
use neptun_core::session::SessionConfig;
use tracing_subscriber::fmt::MakeWriter;

const PASSWORD: &str = "log-test-only-password-0123456789abcdef";
const NOW: u64 = 1_795_288_364_006;

/// An in-memory writer shared between the subscriber and the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Runs `f` with every event at TRACE level captured; returns the captured text.
fn capture_logs(f: impl FnOnce()) -> String {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // The other test of this binary may have registered a call site meanwhile.
        tracing::callsite::rebuild_interest_cache();
        f()
    });
    capture.text()
}

fn cookie(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("a=b; neptun-session={token}; c=d")) {
        headers.insert(COOKIE, value);
    }
    headers
}

fn assert_clean(logs: &str, token: &str) {
    assert!(!logs.trim().is_empty(), "nothing was logged");
    assert!(!logs.contains(token), "the token was logged:\n{logs}");
    assert!(!logs.contains(PASSWORD), "the password was logged:\n{logs}");
    for part in token.split('*').filter(|p| p.len() > 8) {
        assert!(!logs.contains(part), "a token field was logged:\n{logs}");
    }
}

#[test]
fn accepted_and_rejected_sessions_log_no_secrets() {
    let config = SessionConfig::new(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
    let token = config.seal_user(UserId(42), Some(3_600_000), NOW);

    let logs = capture_logs(|| {
        assert_eq!(config.authenticate(&cookie(&token), NOW), Ok(UserId(42)));
    });
    assert_clean(&logs, &token);

    // Tamper with the ciphertext: rejected for a bad MAC.
    let mut parts: Vec<String> = token.split('*').map(str::to_owned).collect();
    let first = if parts[4].starts_with('A') { "B" } else { "A" };
    parts[4] = format!("{first}{}", &parts[4][1..]);
    let tampered = parts.join("*");
    assert_ne!(tampered, token);
    let logs = capture_logs(|| {
        assert!(config.authenticate(&cookie(&tampered), NOW).is_err());
    });
    assert_clean(&logs, &tampered);
    assert_clean(&logs, &token);
    assert!(logs.contains("session rejected"), "{logs}");
    assert!(
        logs.contains("MAC mismatch"),
        "the reason is logged:\n{logs}"
    );
}

#[test]
fn config_debug_and_errors_log_no_secrets() {
    let config = SessionConfig::new(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
    let logs = capture_logs(|| {
        tracing::info!(?config, "configured");
        let _ = config.authenticate(&cookie("Fe26.2*x"), NOW);
        let _ = config.authenticate(&HeaderMap::new(), NOW);
    });
    assert!(!logs.contains(PASSWORD), "{logs}");
    assert!(logs.contains("no session cookie"), "{logs}");
    assert!(logs.contains("not exactly 8 fields"), "{logs}");
}
