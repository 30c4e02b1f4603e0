//! The session secrets of a running function. Read at Init; when a secret store holds them, read
//! again once `ttl` has passed, on the first request after it, so that a rotation reaches warm
//! functions within minutes: a cached read, never one call per request. A failed read keeps the
//! secrets the function has and is tried again after [`RETRY_AFTER_MS`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;

use super::{SessionConfig, SessionSecrets};
use crate::error::ErrorChain;

/// How long a failed read waits before the next try (a store that is down is not asked on
/// every request).
pub const RETRY_AFTER_MS: u64 = 30_000;

/// The default time between two reads of the secret store: the AWS Parameters and Secrets
/// Lambda Extension's default TTL.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// Where the session secrets are read from again (Secrets Manager in production).
pub trait SecretSource: Send + Sync {
    /// The current secrets, or why they could not be read (never the secret's text).
    fn read(&self) -> Pin<Box<dyn Future<Output = Result<SessionSecrets, String>> + Send + '_>>;
}

/// The session configuration every request uses: fixed, or read again from a [`SecretSource`].
pub struct LiveSession {
    config: ArcSwap<SessionConfig>,
    refresh: Option<Refresh>,
}

struct Refresh {
    source: Box<dyn SecretSource>,
    ttl_ms: u64,
    /// When the next read is due (ms since the epoch); moved forward before the read, so
    /// that requests side by side read once.
    due_ms: AtomicU64,
}

impl LiveSession {
    /// A configuration that never changes (secrets from the environment, tests).
    pub fn fixed(config: SessionConfig) -> Self {
        Self {
            config: ArcSwap::from_pointee(config),
            refresh: None,
        }
    }

    /// Reads `source` again on the first request `ttl` after `now_ms` (when the secrets were
    /// read), and every `ttl` after that.
    #[must_use]
    pub fn refreshed_from(
        mut self,
        source: Box<dyn SecretSource>,
        ttl: Duration,
        now_ms: u64,
    ) -> Self {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        self.refresh = Some(Refresh {
            source,
            ttl_ms,
            due_ms: AtomicU64::new(now_ms.saturating_add(ttl_ms)),
        });
        self
    }

    /// The configuration of a request (one atomic load).
    pub fn current(&self) -> Arc<SessionConfig> {
        self.config.load_full()
    }

    /// Reads the secrets again if their time has come (at most one caller at a time reads):
    /// new secrets replace the configuration's, with its cookie name and password ids from the
    /// environment as at Init. A failed read or unusable secrets keep the configuration.
    pub async fn refresh_if_due(&self, now_ms: u64) {
        let Some(refresh) = &self.refresh else {
            return;
        };
        let due_ms = refresh.due_ms.load(Ordering::Acquire);
        if now_ms < due_ms {
            return;
        }
        let retry_ms = now_ms.saturating_add(RETRY_AFTER_MS);
        if refresh
            .due_ms
            .compare_exchange(due_ms, retry_ms, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let read = refresh.source.read().await.and_then(|secrets| {
            SessionConfig::from_env_with(Some(secrets)).map_err(|e| ErrorChain(&e).to_string())
        });
        match read {
            Ok(config) => {
                self.config.store(Arc::new(config));
                let next_ms = now_ms.saturating_add(refresh.ttl_ms);
                refresh.due_ms.store(next_ms, Ordering::Release);
            }
            Err(reason) => tracing::warn!(
                reason,
                retry_in_ms = RETRY_AFTER_MS,
                "reading the session secret again failed; keeping the secrets read before"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    const FIRST: &str = "the-first-session-secret-0123456789abcdef";
    const SECOND: &str = "the-second-session-secret-0123456789abcdef";

    /// A store whose secret the test sets; counts its reads.
    #[derive(Clone, Default)]
    struct Store(Arc<Mutex<(Option<String>, usize)>>);

    impl Store {
        fn set(&self, secret: Option<&str>) {
            if let Ok(mut state) = self.0.lock() {
                state.0 = secret.map(str::to_owned);
            }
        }

        fn reads(&self) -> usize {
            self.0.lock().map_or(0, |state| state.1)
        }
    }

    impl SecretSource for Store {
        fn read(
            &self,
        ) -> Pin<Box<dyn Future<Output = Result<SessionSecrets, String>> + Send + '_>> {
            let answer = self.0.lock().map_err(|e| e.to_string()).and_then(|mut s| {
                s.1 += 1;
                let text = s.0.clone().ok_or_else(|| "no such secret".to_owned())?;
                SessionSecrets::parse(&text).map_err(|e| e.to_string())
            });
            Box::pin(async move {
                // Answers on a later poll, as a network call does.
                tokio::task::yield_now().await;
                answer
            })
        }
    }

    fn live(store: &Store) -> LiveSession {
        let config = SessionConfig::new(FIRST).unwrap_or_else(|e| panic!("{e}"));
        LiveSession::fixed(config).refreshed_from(Box::new(store.clone()), DEFAULT_TTL, 0)
    }

    fn opens(session: &LiveSession, secret: &str) -> bool {
        let sealer = SessionConfig::new(secret).unwrap_or_else(|e| panic!("{e}"));
        let token = sealer.seal_user(crate::ids::UserId(7), None, 1_000);
        session.current().unseal(&token, 1_000).is_ok()
    }

    #[tokio::test]
    async fn a_rotation_is_read_once_the_ttl_has_passed_and_not_before() {
        let store = Store::default();
        let session = live(&store);
        let rotated = format!(r#"{{"password": "{SECOND}", "previous_password": "{FIRST}"}}"#);
        store.set(Some(&rotated));
        for now_ms in (0..300_000).step_by(1_000) {
            session.refresh_if_due(now_ms).await;
        }
        assert_eq!(store.reads(), 0, "no read within the TTL");
        assert!(!opens(&session, SECOND));

        session.refresh_if_due(300_000).await;
        assert_eq!(store.reads(), 1);
        assert!(opens(&session, SECOND) && opens(&session, FIRST));
        for now_ms in 300_001..300_500 {
            session.refresh_if_due(now_ms).await;
        }
        assert_eq!(store.reads(), 1, "one read per TTL, not per request");
    }

    #[tokio::test]
    async fn a_failed_read_keeps_the_secrets_and_is_tried_again_later() {
        let store = Store::default();
        let session = live(&store);
        store.set(None);
        session.refresh_if_due(300_000).await;
        assert_eq!(store.reads(), 1);
        assert!(opens(&session, FIRST), "the secrets read before stay");
        session.refresh_if_due(300_000 + RETRY_AFTER_MS - 1).await;
        assert_eq!(store.reads(), 1, "not again before the retry pause");

        store.set(Some("too short"));
        session.refresh_if_due(300_000 + RETRY_AFTER_MS).await;
        assert_eq!(store.reads(), 2);
        assert!(opens(&session, FIRST), "an unusable secret is not taken");

        store.set(Some(SECOND));
        session.refresh_if_due(300_000 + 2 * RETRY_AFTER_MS).await;
        assert!(opens(&session, SECOND) && !opens(&session, FIRST));
    }

    #[tokio::test]
    async fn requests_side_by_side_read_once() {
        let store = Store::default();
        store.set(Some(SECOND));
        let session = live(&store);
        let due = (0..50).map(|_| session.refresh_if_due(400_000));
        futures_util::future::join_all(due).await;
        assert_eq!(store.reads(), 1);
        assert!(opens(&session, SECOND));
    }
}
