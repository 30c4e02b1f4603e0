//! `neptun-session` cookie validation (Iron `Fe26.2` seals made by h3 / iron-webcrypto).
//!
//! The contract is `docs/spec/session-cookie.md`; `tests/vectors/` holds tokens made by the
//! real JavaScript libraries. Layout:
//! - [`iron`]: seal / unseal (the crypto),
//! - [`cookie`]: finding the token in request headers like h3 does,
//! - this file: configuration, `authenticate` and the user id.

pub mod cookie;
pub mod iron;
mod last;
pub mod live;
pub mod secrets;

use std::fmt;

use http::HeaderName;

use crate::mac::{HmacSha256, hmac_sha256_tag, keyed};
use crate::validation::{is_token, normalize_email};

pub use cookie::TokenSource;
pub use iron::{MIN_PASSWORD_LEN, SKEW_MS, unseal};
#[cfg(feature = "dev")]
pub use iron::{seal, seal_with_id};
pub use live::{LiveSession, SecretSource};
pub use secrets::{SecretFormatError, SessionSecrets};

/// The web app's user id (`data.user.id`, a Postgres serial).
pub use crate::ids::UserId;

/// Environment variable holding the session secret (shared with the Nuxt web app).
pub const PASSWORD_ENV: &str = "NUXT_SESSION_PASSWORD";
/// The Iron password id of [`PASSWORD_ENV`] (optional; the web app's tokens carry none).
pub const PASSWORD_ID_ENV: &str = "NEPTUN_SESSION_PASSWORD_ID";
/// The secret before the last rotation, still accepted (optional).
pub const PREVIOUS_PASSWORD_ENV: &str = "NEPTUN_SESSION_PREVIOUS_PASSWORD";
/// The Iron password id of [`PREVIOUS_PASSWORD_ENV`] (optional).
pub const PREVIOUS_PASSWORD_ID_ENV: &str = "NEPTUN_SESSION_PREVIOUS_PASSWORD_ID";
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
    #[error("session token names a password id that no configured secret has")]
    UnknownPasswordId,
    #[error("session cookie too large")]
    TooLarge,
    #[error("session secret is shorter than 32 characters")]
    WeakSecret,
}

/// Invalid session configuration: the function must refuse to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionConfigError {
    #[error("NUXT_SESSION_PASSWORD is not set (the session secret shared with the web app)")]
    MissingPassword,
    #[error("{0} is not valid Unicode")]
    NotUnicode(&'static str),
    #[error(
        "the session secret (NUXT_SESSION_PASSWORD) must be at least {MIN_PASSWORD_LEN} characters long"
    )]
    PasswordTooShort,
    #[error(
        "the previous session secret (NEPTUN_SESSION_PREVIOUS_PASSWORD) must be at least {MIN_PASSWORD_LEN} characters long"
    )]
    PreviousPasswordTooShort,
    #[error("{0} must be an Iron password id: letters, digits and _ only")]
    InvalidPasswordId(&'static str),
    #[error(
        "NEPTUN_SESSION_COOKIE must be a cookie name (visible ASCII, no separators), got {0:?}"
    )]
    InvalidCookieName(String),
}

/// One secret of the keyring, with the Iron password id that tokens sealed with it carry
/// (`""` for none, as the web app's tokens; iron-webcrypto calls it `default`).
#[derive(Clone)]
struct SessionKey {
    id: String,
    password: String,
    /// The keys of [`DERIVED_AT_START`], in its order: derived once, not per request.
    purpose_keys: [[u8; 32]; DERIVED_AT_START.len()],
    /// The same keys, HMAC-keyed once: a signature clones one instead of hashing its pads.
    purpose_macs: [HmacSha256; DERIVED_AT_START.len()],
}

/// The purposes whose keys the routes use on every request (file URLs, share grants).
const DERIVED_AT_START: [&str; 2] = [
    crate::links::KEY_PURPOSE,
    crate::shares::access::KEY_PURPOSE,
];

/// Where `purpose` is in [`DERIVED_AT_START`], if it is.
fn derived_at_start(purpose: &str) -> Option<usize> {
    DERIVED_AT_START.iter().position(|known| *known == purpose)
}

impl SessionKey {
    fn new(id: String, password: String) -> Self {
        let purpose_keys = DERIVED_AT_START.map(|purpose| derive_purpose_key(&password, purpose));
        let purpose_macs = purpose_keys.map(|key| keyed(&key));
        Self {
            id,
            password,
            purpose_keys,
            purpose_macs,
        }
    }

    fn purpose_key(&self, purpose: &str) -> [u8; 32] {
        match derived_at_start(purpose) {
            Some(index) => self.purpose_keys[index],
            None => derive_purpose_key(&self.password, purpose),
        }
    }

    fn purpose_mac(&self, purpose: &str) -> HmacSha256 {
        match derived_at_start(purpose) {
            Some(index) => self.purpose_macs[index].clone(),
            None => keyed(&self.purpose_key(purpose)),
        }
    }

    /// Whether a token with this password id is checked against this key, as iron-webcrypto
    /// looks a password up: an empty id is `default`.
    fn answers(&self, token_id: &str) -> bool {
        let normalize = |id: &str| if id.is_empty() { "default" } else { id }.to_owned();
        normalize(&self.id) == normalize(token_id)
    }
}

/// The session configuration of a set of secrets (fixed for the process, or swapped by
/// [`LiveSession`] when the secret store's value changes).
#[derive(Clone)]
pub struct SessionConfig {
    /// The current secret first, then the previous one (a rotation in progress).
    keys: Vec<SessionKey>,
    cookie_name: String,
    /// `x-<cookie-name>-session`, `None` if the name cannot form a header name.
    session_header: Option<HeaderName>,
    iterations: u32,
    last: last::LastSession,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field(
                "password_ids",
                &self.keys.iter().map(|key| &key.id).collect::<Vec<_>>(),
            )
            .field("passwords", &"<redacted>")
            .field("cookie_name", &self.cookie_name)
            .field("session_header", &self.session_header)
            .field("iterations", &self.iterations)
            .finish()
    }
}

impl SessionConfig {
    /// Reads `NUXT_SESSION_PASSWORD` (required, >= 32 characters), its optional Iron password
    /// id `NEPTUN_SESSION_PASSWORD_ID`, the previous secret still accepted during a rotation
    /// (`NEPTUN_SESSION_PREVIOUS_PASSWORD`, optional, with `..._ID`), and
    /// `NEPTUN_SESSION_COOKIE` (optional cookie name, default `neptun-session`).
    pub fn from_env() -> Result<Self, SessionConfigError> {
        Self::from_env_with(None)
    }

    /// [`SessionConfig::from_env`], with the secrets read from a secret store instead of
    /// `NUXT_SESSION_PASSWORD` and `NEPTUN_SESSION_PREVIOUS_PASSWORD` when given.
    pub fn from_env_with(secrets: Option<SessionSecrets>) -> Result<Self, SessionConfigError> {
        let secrets = match secrets {
            Some(secrets) => secrets,
            None => SessionSecrets {
                password: env_text(PASSWORD_ENV)?.ok_or(SessionConfigError::MissingPassword)?,
                previous_password: env_text(PREVIOUS_PASSWORD_ENV)?.filter(|p| !p.is_empty()),
            },
        };
        let id = env_text(PASSWORD_ID_ENV)?.unwrap_or_default();
        let mut config = Self::new(secrets.password)?.with_password_id(id, PASSWORD_ID_ENV)?;
        if let Some(previous) = secrets.previous_password {
            let id = env_text(PREVIOUS_PASSWORD_ID_ENV)?.unwrap_or_default();
            config = config.with_previous(previous, id)?;
        }
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
            keys: vec![SessionKey::new(String::new(), password)],
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            session_header: cookie::session_header_name(DEFAULT_COOKIE_NAME),
            iterations: DEFAULT_ITERATIONS,
            last: last::LastSession::default(),
        })
    }

    /// Gives the current secret an Iron password id (`""`: none). `source` names the setting
    /// in the error.
    pub fn with_password_id(
        mut self,
        id: impl Into<String>,
        source: &'static str,
    ) -> Result<Self, SessionConfigError> {
        let id = id.into();
        check_password_id(&id, source)?;
        if let Some(current) = self.keys.first_mut() {
            current.id = id;
        }
        self.last = last::LastSession::default();
        Ok(self)
    }

    /// Also accepts tokens sealed with `password` (the secret before a rotation), under the
    /// Iron password id `id` (`""`: none), tried after the secrets before it. When any secret
    /// has an id, a token's id picks its secret (iron-webcrypto's map of ids, an empty id
    /// being `default`); else every secret is tried, as iron-webcrypto ignores the id of a
    /// token it unseals with a plain password.
    pub fn with_previous(
        mut self,
        password: impl Into<String>,
        id: impl Into<String>,
    ) -> Result<Self, SessionConfigError> {
        let password = password.into();
        if iron::js_length(&password) < MIN_PASSWORD_LEN {
            return Err(SessionConfigError::PreviousPasswordTooShort);
        }
        let id = id.into();
        check_password_id(&id, PREVIOUS_PASSWORD_ID_ENV)?;
        self.keys.push(SessionKey::new(id, password));
        self.last = last::LastSession::default();
        Ok(self)
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
        self.last = last::LastSession::default();
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
        if cookie::too_large(headers, self.session_header.as_ref()) {
            tracing::info!(reason = %SessionError::TooLarge, "session rejected");
            return Err(SessionError::TooLarge);
        }
        let Some((token, source)) =
            cookie::find_token(headers, &self.cookie_name, self.session_header.as_ref())
        else {
            tracing::debug!(reason = %SessionError::Missing, "session rejected");
            return Err(SessionError::Missing);
        };
        let result = match self.last.reopen(&token, now_ms) {
            Some(reopened) => reopened,
            None => {
                let opened = self.unseal(&token, now_ms).and_then(|v| session_user(&v));
                if let Ok(user) = &opened {
                    self.last.keep(&token, user);
                }
                opened
            }
        };
        match &result {
            Ok(user) => {
                tracing::debug!(
                    user_id = user.id.get(),
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

    /// Unseals a token with the current secret, else the previous one, among those its
    /// password id allows ([`SessionConfig::with_previous`]). A token longer than a browser
    /// keeps a cookie is refused before any parsing.
    pub fn unseal(&self, token: &str, now_ms: u64) -> Result<serde_json::Value, SessionError> {
        if token.len() > cookie::MAX_TOKEN_BYTES {
            return Err(SessionError::TooLarge);
        }
        let token_id = token.split('*').nth(1).unwrap_or_default();
        // Secrets without ids are iron-webcrypto's plain string passwords, which ignore the
        // token's id (the web app's case); with ids, the id picks the secret, as in a map.
        let by_id = self.keys.iter().any(|key| !key.id.is_empty());
        let mut keys = self
            .keys
            .iter()
            .filter(|key| !by_id || key.answers(token_id))
            .peekable();
        if keys.peek().is_none() {
            // Iron checks a token's form and expiry before it looks its password up.
            let current = self.keys.first().map_or("", |key| key.password.as_str());
            return match unseal(token, current, self.iterations, now_ms) {
                Err(
                    error @ (SessionError::WeakSecret
                    | SessionError::PartCount
                    | SessionError::BadPrefix
                    | SessionError::BadExpiration
                    | SessionError::Expired),
                ) => Err(error),
                _ => Err(SessionError::UnknownPasswordId),
            };
        }
        let mut result = Err(SessionError::UnknownPasswordId);
        for key in keys {
            result = unseal(token, &key.password, self.iterations, now_ms);
            if result.is_ok() {
                break;
            }
        }
        result
    }

    /// A 32-byte key derived from the current secret for one purpose (e.g. signing file URLs):
    /// HMAC-SHA-256(secret, "neptun/" + purpose). Distinct purposes give independent keys, and
    /// none of them is an Iron key (those are PBKDF2-HMAC-SHA1 with hex salts).
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        match self.keys.first() {
            Some(current) => current.purpose_key(purpose),
            None => derive_purpose_key("", purpose),
        }
    }

    /// [`Self::derive_key`], HMAC-keyed to sign with.
    pub(crate) fn signing_mac(&self, purpose: &str) -> HmacSha256 {
        match self.keys.first() {
            Some(current) => current.purpose_mac(purpose),
            None => keyed(&self.derive_key(purpose)),
        }
    }

    /// The keys a signature for `purpose` is checked against: the current secret's, then the
    /// previous one's, so that links and grants made before a rotation stay valid until they
    /// expire.
    pub fn verification_keys(&self, purpose: &str) -> Vec<[u8; 32]> {
        self.keys
            .iter()
            .map(|key| key.purpose_key(purpose))
            .collect()
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
        let (id, password) = self
            .keys
            .first()
            .map_or(("", ""), |key| (key.id.as_str(), key.password.as_str()));
        iron::seal_with_id(&session, id, password, self.iterations, ttl_ms, now_ms)
    }
}

fn derive_purpose_key(password: &str, purpose: &str) -> [u8; 32] {
    hmac_sha256_tag(password.as_bytes(), format!("neptun/{purpose}").as_bytes())
}

/// An environment variable's text; `None` when unset.
fn env_text(name: &'static str) -> Result<Option<String>, SessionConfigError> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(SessionConfigError::NotUnicode(name)),
    }
}

/// An Iron password id is empty or `^\w+$` in ASCII, as iron-webcrypto's `seal` requires.
fn check_password_id(id: &str, source: &'static str) -> Result<(), SessionConfigError> {
    if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(())
    } else {
        Err(SessionConfigError::InvalidPasswordId(source))
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
        .map(UserId)
        .ok_or(SessionError::NoUser)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;
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
    fn oversized_cookies_are_refused_before_parsing() {
        let config = config();
        let token = config.seal_user(ids::UserId(42), None, NOW);
        let padding = "x".repeat(cookie::MAX_COOKIE_HEADERS_BYTES);
        let crowded = cookie_headers(&format!("neptun-session={token}; big={padding}"));
        assert_eq!(
            config.authenticate(&crowded, NOW),
            Err(SessionError::TooLarge)
        );
        let long_token = format!("{token}{}", "A".repeat(cookie::MAX_TOKEN_BYTES));
        let long = cookie_headers(&format!("neptun-session={long_token}"));
        assert_eq!(config.authenticate(&long, NOW), Err(SessionError::TooLarge));
        assert_eq!(
            config.authenticate(&cookie_headers(&format!("neptun-session={token}")), NOW),
            Ok(UserId(42))
        );
    }

    #[test]
    fn a_previous_secret_is_accepted_after_the_current_one() {
        let old = config();
        let old_token = old.seal_user(ids::UserId(7), None, NOW);
        let rotated = SessionConfig::new("the-next-unit-test-only-password-0123456789")
            .and_then(|config| config.with_previous(PW, ""))
            .unwrap_or_else(|e| panic!("{e}"));
        let new_token = rotated.seal_user(ids::UserId(8), None, NOW);
        let headers = |token: &str| cookie_headers(&format!("neptun-session={token}"));
        assert_eq!(
            rotated.authenticate(&headers(&old_token), NOW),
            Ok(UserId(7))
        );
        assert_eq!(
            rotated.authenticate(&headers(&new_token), NOW),
            Ok(UserId(8))
        );
        assert_eq!(
            old.authenticate(&headers(&new_token), NOW),
            Err(SessionError::BadMac)
        );
        // With ids, a token's id picks its secret; our own seals carry the current id.
        let by_id = SessionConfig::new("the-next-unit-test-only-password-0123456789")
            .and_then(|config| config.with_password_id("v2", PASSWORD_ID_ENV))
            .and_then(|config| config.with_previous(PW, "v1"))
            .unwrap_or_else(|e| panic!("{e}"));
        let token = by_id.seal_user(ids::UserId(9), None, NOW);
        assert_eq!(token.split('*').nth(1), Some("v2"));
        assert_eq!(by_id.authenticate(&headers(&token), NOW), Ok(UserId(9)));
        assert_eq!(
            by_id.authenticate(&headers(&old_token), NOW),
            Err(SessionError::UnknownPasswordId)
        );
    }

    #[test]
    fn rotation_settings_are_checked() {
        assert_eq!(
            config().with_previous("short", "").err(),
            Some(SessionConfigError::PreviousPasswordTooShort)
        );
        assert_eq!(
            config().with_previous(PW, "a-b").err(),
            Some(SessionConfigError::InvalidPasswordId(
                PREVIOUS_PASSWORD_ID_ENV
            ))
        );
        assert_eq!(
            config().with_password_id("é", PASSWORD_ID_ENV).err(),
            Some(SessionConfigError::InvalidPasswordId(PASSWORD_ID_ENV))
        );
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
            SessionConfigError::NotUnicode(PASSWORD_ENV),
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
        let token = config.seal_user(ids::UserId(42), None, NOW);
        let headers = cookie_headers(&format!("a=b; neptun-session={token}"));
        assert_eq!(config.authenticate(&headers, NOW), Ok(UserId(42)));
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
        let token = config.seal_user_with_email(ids::UserId(7), "Ada@Example.com", None, NOW);
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
        let token = config.seal_user(ids::UserId(7), Some(1000), NOW);
        let headers = cookie_headers(&format!("neptun-session={token}"));
        assert_eq!(
            config.authenticate(&headers, NOW + 1000 + SKEW_MS - 1),
            Ok(UserId(7))
        );
        assert_eq!(
            config.authenticate(&headers, NOW + 1000 + SKEW_MS),
            Err(SessionError::Expired)
        );
    }

    #[test]
    fn the_last_session_is_found_again_for_its_very_token_only() {
        let config = config();
        let seven = config.seal_user(ids::UserId(7), None, NOW);
        let eight = config.seal_user(ids::UserId(8), None, NOW);
        let auth = |token: &str| {
            let headers = cookie_headers(&format!("neptun-session={token}"));
            config.authenticate(&headers, NOW)
        };
        assert_eq!(auth(&seven), Ok(UserId(7)));
        assert_eq!(auth(&seven), Ok(UserId(7)), "found again");
        // One character changed, at the end (the MAC) and in the sealed data: never found.
        for at in [seven.len() - 1, seven.len() / 2] {
            let mut tampered = seven.clone().into_bytes();
            tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(tampered).unwrap_or_default();
            assert!(auth(&tampered).is_err(), "tampered at {at}");
        }
        assert_eq!(auth(&eight), Ok(UserId(8)));
        assert_eq!(auth(&seven), Ok(UserId(7)));
        let other = SessionConfig::new("another-secret-of-at-least-32-characters")
            .unwrap_or_else(|e| panic!("{e}"));
        let headers = cookie_headers(&format!("neptun-session={seven}"));
        assert!(other.authenticate(&headers, NOW).is_err(), "another secret");
    }

    #[test]
    fn seal_user_with_iterations_and_cookie_name() {
        let config = config()
            .with_iterations(8192)
            .with_cookie_name("other-session");
        let token = config.seal_user(ids::UserId(9), None, NOW);
        let headers = cookie_headers(&format!("neptun-session=x; other-session={token}"));
        assert_eq!(config.authenticate(&headers, NOW), Ok(UserId(9)));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-other-session-session",
            HeaderValue::from_str(&token).unwrap_or(HeaderValue::from_static("")),
        );
        assert_eq!(config.authenticate(&headers, NOW), Ok(UserId(9)));
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
            .map(|c| c.seal_user(ids::UserId(42), None, NOW))
            .unwrap_or_default();
        assert_eq!(
            config.authenticate(&cookie_headers(&format!("neptun-session={other}")), NOW),
            Err(SessionError::BadMac)
        );
    }

    #[test]
    fn user_id_must_be_a_positive_u64() {
        let with_id = |id: serde_json::Value| json!({"data": {"user": {"id": id}}});
        assert_eq!(user_id(&with_id(json!(42))), Ok(UserId(42)));
        assert_eq!(user_id(&with_id(json!(u64::MAX))), Ok(UserId(u64::MAX)));
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
        assert_eq!(user.id, ids::UserId(7));
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
