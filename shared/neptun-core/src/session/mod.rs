//! `neptun-session` cookie validation (Iron `Fe26.2` seals made by h3 / iron-webcrypto).
//!
//! The contract is `docs/spec/session-cookie.md`; `tests/vectors/` holds tokens made by the
//! real JavaScript libraries. Layout:
//! - [`iron`]: seal / unseal (the crypto),
//! - [`cookie`]: finding the token in request headers like h3 does,
//! - this file: configuration, `authenticate` and the user id.

pub mod cookie;
pub mod iron;

use std::fmt;

use http::HeaderName;

use crate::mac::hmac_sha256_tag;
use crate::validation::{is_token, normalize_email};

pub use cookie::TokenSource;
#[cfg(feature = "dev")]
pub use iron::seal;
pub use iron::{MIN_PASSWORD_LEN, SKEW_MS, unseal};

/// The web app's user id (`data.user.id`, a Postgres serial).
pub type UserId = u64;

/// Environment variable holding the session secret (shared with the Nuxt web app).
pub const PASSWORD_ENV: &str = "NUXT_SESSION_PASSWORD";
/// Environment variable overriding the cookie name.
pub const COOKIE_NAME_ENV: &str = "NEPTUN_SESSION_COOKIE";
/// Cookie name the web app uses.
pub const DEFAULT_COOKIE_NAME: &str = "neptun-session";
/// PBKDF2 iterations of h3 1.x (h3 2.x uses 8192).
pub const DEFAULT_ITERATIONS: u32 = 1;

/// Why a request is not authenticated. Every variant becomes a 401.
///
/// Variants carry no data on purpose: neither `Display` nor `Debug` can leak the token or the
/// secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("no session cookie")]
    Missing,
    #[error("malformed session token: not exactly 8 fields")]
    PartCount,
    #[error("malformed session token: wrong prefix")]
    BadPrefix,
    #[error("malformed session token: expiration is not a decimal number")]
    BadExpiration,
    #[error("session token expired")]
    Expired,
    #[error("session token MAC mismatch")]
    BadMac,
    #[error("session token has invalid base64url")]
    BadBase64,
    #[error("session token decryption failed (IV or padding)")]
    Decrypt,
    #[error("session payload is not UTF-8")]
    NotUtf8,
    #[error("session payload is not JSON")]
    NotJson,
    #[error("session has no integer data.user.id")]
    NoUser,
    #[error("session secret is shorter than 32 characters")]
    WeakSecret,
}

/// Invalid session configuration: the function must refuse to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionConfigError {
    #[error("NUXT_SESSION_PASSWORD is not set (the session secret shared with the web app)")]
    MissingPassword,
    #[error("NUXT_SESSION_PASSWORD is not valid Unicode")]
    PasswordNotUnicode,
    #[error(
        "the session secret (NUXT_SESSION_PASSWORD) must be at least {MIN_PASSWORD_LEN} characters long"
    )]
    PasswordTooShort,
    #[error(
        "NEPTUN_SESSION_COOKIE must be a cookie name (visible ASCII, no separators), got {0:?}"
    )]
    InvalidCookieName(String),
}

/// Configuration read once at start-up.
#[derive(Clone)]
pub struct SessionConfig {
    password: String,
    cookie_name: String,
    /// `x-<cookie-name>-session`, `None` if the name cannot form a header name.
    session_header: Option<HeaderName>,
    iterations: u32,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("password", &"<redacted>")
            .field("cookie_name", &self.cookie_name)
            .field("session_header", &self.session_header)
            .field("iterations", &self.iterations)
            .finish()
    }
}

impl SessionConfig {
    /// Reads `NUXT_SESSION_PASSWORD` (required, >= 32 characters) and `NEPTUN_SESSION_COOKIE`
    /// (optional cookie name, default `neptun-session`).
    pub fn from_env() -> Result<Self, SessionConfigError> {
        let password = match std::env::var(PASSWORD_ENV) {
            Ok(password) => password,
            Err(std::env::VarError::NotPresent) => {
                return Err(SessionConfigError::MissingPassword);
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(SessionConfigError::PasswordNotUnicode);
            }
        };
        let config = Self::new(password)?;
        match std::env::var(COOKIE_NAME_ENV) {
            Ok(name) if is_token(&name) => Ok(config.with_cookie_name(name)),
            Ok(name) => Err(SessionConfigError::InvalidCookieName(name)),
            Err(std::env::VarError::NotPresent) => Ok(config),
            Err(std::env::VarError::NotUnicode(name)) => Err(
                SessionConfigError::InvalidCookieName(name.to_string_lossy().into_owned()),
            ),
        }
    }

    /// A configuration with the default cookie name and iteration count.
    /// The secret must have at least 32 characters (counted like JavaScript's `length`, as
    /// iron-webcrypto does).
    pub fn new(password: impl Into<String>) -> Result<Self, SessionConfigError> {
        let password = password.into();
        if iron::js_length(&password) < MIN_PASSWORD_LEN {
            return Err(SessionConfigError::PasswordTooShort);
        }
        Ok(Self {
            password,
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            session_header: cookie::session_header_name(DEFAULT_COOKIE_NAME),
            iterations: DEFAULT_ITERATIONS,
        })
    }

    /// Uses another cookie name; the session header becomes `x-<name>-session`.
    /// The name should be a valid cookie name ([`SessionConfig::from_env`] checks it).
    #[must_use]
    pub fn with_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self.session_header = cookie::session_header_name(&self.cookie_name);
        self
    }

    /// PBKDF2 iteration count (1 for h3 1.x; 8192 for h3 2.x). 0 is treated as 1.
    #[must_use]
    pub fn with_iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations.max(1);
        self
    }

    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The session header name, if the cookie name allows one.
    pub fn session_header(&self) -> Option<&HeaderName> {
        self.session_header.as_ref()
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Authenticates a request from its headers; `now_ms` is milliseconds since the Unix epoch.
    /// Logs the rejection reason (never the token).
    pub fn authenticate(
        &self,
        headers: &http::HeaderMap,
        now_ms: u64,
    ) -> Result<UserId, SessionError> {
        self.authenticate_user(headers, now_ms).map(|user| user.id)
    }

    /// [`SessionConfig::authenticate`], with the user's email (for a share's whitelist).
    pub fn authenticate_user(
        &self,
        headers: &http::HeaderMap,
        now_ms: u64,
    ) -> Result<SessionUser, SessionError> {
        let Some((token, source)) =
            cookie::find_token(headers, &self.cookie_name, self.session_header.as_ref())
        else {
            tracing::debug!(reason = %SessionError::Missing, "session rejected");
            return Err(SessionError::Missing);
        };
        let result = unseal(&token, &self.password, self.iterations, now_ms)
            .and_then(|value| session_user(&value));
        match &result {
            Ok(user) => {
                tracing::debug!(
                    user_id = user.id,
                    source = source.as_str(),
                    "session accepted"
                );
            }
            Err(error) => {
                tracing::info!(reason = %error, source = source.as_str(), "session rejected");
            }
        }
        result
    }

    /// A 32-byte key derived from the secret for one purpose (e.g. signing file URLs):
    /// HMAC-SHA-256(secret, "neptun/" + purpose). Distinct purposes give independent keys, and
    /// none of them is an Iron key (those are PBKDF2-HMAC-SHA1 with hex salts).
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        hmac_sha256_tag(
            self.password.as_bytes(),
            format!("neptun/{purpose}").as_bytes(),
        )
    }

    /// Seals a logged-in session for `user_id` like the web app does (h3 session shape).
    /// For tests and local development (feature `dev`).
    #[cfg(feature = "dev")]
    pub fn seal_user(&self, user_id: UserId, ttl_ms: Option<u64>, now_ms: u64) -> String {
        self.seal_user_json(serde_json::json!({ "id": user_id }), ttl_ms, now_ms)
    }

    /// [`SessionConfig::seal_user`] for a user with this `primary_email` (as the web app's
    /// session holds it), for shares' whitelists.
    #[cfg(feature = "dev")]
    pub fn seal_user_with_email(
        &self,
        user_id: UserId,
        primary_email: &str,
        ttl_ms: Option<u64>,
        now_ms: u64,
    ) -> String {
        let user = serde_json::json!({ "id": user_id, "primary_email": primary_email });
        self.seal_user_json(user, ttl_ms, now_ms)
    }

    #[cfg(feature = "dev")]
    fn seal_user_json(&self, user: serde_json::Value, ttl_ms: Option<u64>, now_ms: u64) -> String {
        let session = serde_json::json!({
            "id": crate::ids::random_uuid(),
            "createdAt": now_ms,
            "data": {
                "user": user,
                "loggedInAt": crate::clock::rfc3339_ms(now_ms),
            },
        });
        seal(&session, &self.password, self.iterations, ttl_ms, now_ms)
    }
}

/// Who a session is logged in as.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub id: UserId,
    /// `data.user.primary_email`, trimmed and lowercased as whitelists hold emails; `None`
    /// when the session has none that is an email.
    pub primary_email: Option<String>,
}

impl fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionUser")
            .field("id", &self.id)
            .field(
                "primary_email",
                &self.primary_email.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

fn session_user(session: &serde_json::Value) -> Result<SessionUser, SessionError> {
    let primary_email = session
        .pointer("/data/user/primary_email")
        .and_then(serde_json::Value::as_str)
        .and_then(normalize_email);
    Ok(SessionUser {
        id: user_id(session)?,
        primary_email,
    })
}

/// `data.user.id` as a positive integer that fits `u64`; anything else is anonymous.
pub fn user_id(session: &serde_json::Value) -> Result<UserId, SessionError> {
    session
        .get("data")
        .and_then(|data| data.get("user"))
        .and_then(|user| user.get("id"))
        .and_then(serde_json::Value::as_u64)
        .filter(|&id| id > 0)
        .ok_or(SessionError::NoUser)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, header::COOKIE};
    use serde_json::json;

    const PW: &str = "unit-test-only-password-0123456789abcdef";
    const NOW: u64 = 1_795_288_364_006;

    fn config() -> SessionConfig {
        SessionConfig::new(PW).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cookie_headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(COOKIE, value);
        }
        headers
    }

    #[test]
    fn config_requires_32_characters() {
        assert_eq!(
            SessionConfig::new("x".repeat(31)).err(),
            Some(SessionConfigError::PasswordTooShort)
        );
        assert!(SessionConfig::new("x".repeat(32)).is_ok());
        // Counted in UTF-16 code units, like iron-webcrypto: 16 emoji are 32 units.
        assert!(SessionConfig::new("😀".repeat(16)).is_ok());
        assert!(SessionConfig::new("é".repeat(31)).is_err());
    }

    #[test]
    fn config_defaults_and_builders() {
        let config = config();
        assert_eq!(config.cookie_name(), "neptun-session");
        assert_eq!(
            config.session_header().map(|h| h.as_str()),
            Some("x-neptun-session-session")
        );
        assert_eq!(config.iterations(), 1);
        let config = config.with_cookie_name("nuxt-session").with_iterations(0);
        assert_eq!(
            config.session_header().map(|h| h.as_str()),
            Some("x-nuxt-session-session")
        );
        assert_eq!(config.iterations(), 1);
        assert_eq!(config.with_iterations(8192).iterations(), 8192);
    }

    #[test]
    fn debug_redacts_password() {
        let text = format!("{:?}", config());
        assert!(!text.contains(PW));
        assert!(text.contains("redacted"));
    }

    #[test]
    fn config_errors_name_the_variable() {
        for error in [
            SessionConfigError::MissingPassword,
            SessionConfigError::PasswordNotUnicode,
            SessionConfigError::PasswordTooShort,
        ] {
            assert!(error.to_string().contains("NUXT_SESSION_PASSWORD"));
        }
        assert!(
            SessionConfigError::InvalidCookieName("a b".into())
                .to_string()
                .contains("NEPTUN_SESSION_COOKIE")
        );
    }

    #[test]
    fn cookie_name_validation() {
        assert!(is_token("neptun-session"));
        assert!(is_token("__Host-neptun.session_1"));
        for bad in ["", "a b", "a;b", "a=b", "a\"b", "é", "a,b"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn seal_user_round_trip() {
        let config = config();
        let token = config.seal_user(42, None, NOW);
        let headers = cookie_headers(&format!("a=b; neptun-session={token}"));
        assert_eq!(config.authenticate(&headers, NOW), Ok(42));
        let value = unseal(&token, PW, 1, NOW).unwrap_or_default();
        assert_eq!(value["createdAt"], json!(NOW));
        assert_eq!(
            value["data"]["loggedInAt"],
            json!("2026-11-21T19:12:44.006Z")
        );
        let id = value["id"].as_str().unwrap_or_default();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
    }

    #[test]
    fn a_sealed_email_is_the_sessions_primary_email() {
        let config = config();
        let token = config.seal_user_with_email(7, "Ada@Example.com", None, NOW);
        let headers = cookie_headers(&format!("neptun-session={token}"));
        let user = config.authenticate_user(&headers, NOW);
        assert_eq!(
            user.map(|user| user.primary_email),
            Ok(Some("ada@example.com".to_owned()))
        );
    }

    #[test]
    fn seal_user_ttl() {
        let config = config();
        let token = config.seal_user(7, Some(1000), NOW);
        let headers = cookie_headers(&format!("neptun-session={token}"));
        assert_eq!(
            config.authenticate(&headers, NOW + 1000 + SKEW_MS - 1),
            Ok(7)
        );
        assert_eq!(
            config.authenticate(&headers, NOW + 1000 + SKEW_MS),
            Err(SessionError::Expired)
        );
    }

    #[test]
    fn seal_user_with_iterations_and_cookie_name() {
        let config = config()
            .with_iterations(8192)
            .with_cookie_name("other-session");
        let token = config.seal_user(9, None, NOW);
        let headers = cookie_headers(&format!("neptun-session=x; other-session={token}"));
        assert_eq!(config.authenticate(&headers, NOW), Ok(9));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-other-session-session",
            HeaderValue::from_str(&token).unwrap_or(HeaderValue::from_static("")),
        );
        assert_eq!(config.authenticate(&headers, NOW), Ok(9));
    }

    #[test]
    fn authenticate_reasons() {
        let config = config();
        assert_eq!(
            config.authenticate(&HeaderMap::new(), NOW),
            Err(SessionError::Missing)
        );
        assert_eq!(
            config.authenticate(&cookie_headers("neptun-session="), NOW),
            Err(SessionError::Missing)
        );
        assert_eq!(
            config.authenticate(&cookie_headers("neptun-session=a*b"), NOW),
            Err(SessionError::PartCount)
        );
        let anonymous = seal(&json!({"id": "x", "data": {}}), PW, 1, None, NOW);
        assert_eq!(
            config.authenticate(&cookie_headers(&format!("neptun-session={anonymous}")), NOW),
            Err(SessionError::NoUser)
        );
        let other = SessionConfig::new("another-unit-test-password-0123456789")
            .map(|c| c.seal_user(42, None, NOW))
            .unwrap_or_default();
        assert_eq!(
            config.authenticate(&cookie_headers(&format!("neptun-session={other}")), NOW),
            Err(SessionError::BadMac)
        );
    }

    #[test]
    fn user_id_must_be_a_positive_u64() {
        let with_id = |id: serde_json::Value| json!({"data": {"user": {"id": id}}});
        assert_eq!(user_id(&with_id(json!(42))), Ok(42));
        assert_eq!(user_id(&with_id(json!(u64::MAX))), Ok(u64::MAX));
        for bad in [
            json!(0),
            json!(-1),
            json!(42.5),
            json!(42.0),
            json!("42"),
            json!(null),
            json!(true),
            json!([42]),
            json!({"id": 42}),
        ] {
            assert_eq!(user_id(&with_id(bad)), Err(SessionError::NoUser));
        }
        let too_large: serde_json::Value =
            serde_json::from_str(r#"{"data":{"user":{"id":18446744073709551616}}}"#)
                .unwrap_or_default();
        assert_eq!(user_id(&too_large), Err(SessionError::NoUser));
        for bad in [
            json!({}),
            json!({"data": {}}),
            json!({"data": {"user": null}}),
            json!({"user": {"id": 42}}),
            json!(null),
            json!([1]),
        ] {
            assert_eq!(user_id(&bad), Err(SessionError::NoUser));
        }
    }

    #[test]
    fn the_session_user_has_its_email_normalized_and_never_in_debug() {
        let config = config();
        let user_with = |email: serde_json::Value| {
            let session = json!({"data": {"user": {"id": 7, "primary_email": email}}});
            let token = seal(&session, PW, 1, None, NOW);
            config
                .authenticate_user(&cookie_headers(&format!("neptun-session={token}")), NOW)
                .expect("a user")
        };
        let user = user_with(json!(" Ada@Example.com "));
        assert_eq!(user.id, 7);
        assert_eq!(user.primary_email.as_deref(), Some("ada@example.com"));
        assert!(!format!("{user:?}").contains("ada"));
        for email in [json!(null), json!(42), json!("not an email")] {
            assert_eq!(user_with(email.clone()).primary_email, None, "{email}");
        }
    }

    #[test]
    fn derive_key_is_per_purpose() {
        let config = config();
        let a = config.derive_key("file-url");
        assert_eq!(a, config.derive_key("file-url"));
        assert_ne!(a, config.derive_key("other"));
        let other = SessionConfig::new("another-unit-test-password-0123456789")
            .map(|c| c.derive_key("file-url"))
            .unwrap_or_default();
        assert_ne!(a, other);
        assert_eq!(
            a,
            hmac_sha256_tag(PW.as_bytes(), b"neptun/file-url"),
            "HMAC-SHA-256(secret, \"neptun/\" + purpose)"
        );
    }

    #[test]
    fn errors_do_not_carry_data() {
        // Display and Debug are fixed strings per variant.
        let text = format!("{} {:?}", SessionError::BadMac, SessionError::BadMac);
        assert_eq!(text, "session token MAC mismatch BadMac");
    }
}
