//! `neptun-session` cookie validation (Iron `Fe26.2` seals made by h3 / iron-webcrypto).
//! Owned by the session work (issue 2). Interface used by the rest of the crate:

/// The web app's user id (`data.user.id`, a Postgres serial).
pub type UserId = u64;

/// Why a request is not authenticated. Every variant becomes a 401.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no session cookie")]
    Missing,
}

/// Configuration read once at start-up.
#[derive(Clone)]
pub struct SessionConfig {}

#[derive(Debug, thiserror::Error)]
pub enum SessionConfigError {
    #[error("NUXT_SESSION_PASSWORD is not set")]
    MissingPassword,
}

impl SessionConfig {
    /// Reads `NUXT_SESSION_PASSWORD` (required, >= 32 characters) and `NEPTUN_SESSION_COOKIE`
    /// (optional cookie name, default `neptun-session`).
    pub fn from_env() -> Result<Self, SessionConfigError> {
        todo!()
    }

    /// Authenticates a request from its headers; `now_ms` is milliseconds since the Unix epoch.
    pub fn authenticate(
        &self,
        _headers: &http::HeaderMap,
        _now_ms: u64,
    ) -> Result<UserId, SessionError> {
        todo!()
    }

    /// A 32-byte key derived from the secret for one purpose (e.g. signing file URLs).
    pub fn derive_key(&self, _purpose: &str) -> [u8; 32] {
        todo!()
    }
}
