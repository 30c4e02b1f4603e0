//! The secret origin header: with `ORIGIN_VERIFY_SECRET` set, a request is answered only if
//! it carries `x-origin-verify` with that value, which the web app's proxy (or CloudFront)
//! adds. So the direct `execute-api` endpoint serves nobody who does not know the secret.

use std::fmt;

use http::{HeaderMap, HeaderName};
use subtle::ConstantTimeEq;

/// Environment variable holding the secret (unset or empty: no check, as in `make dev`).
pub const ORIGIN_SECRET_ENV: &str = "ORIGIN_VERIFY_SECRET";
/// The header the proxy adds.
pub const ORIGIN_HEADER: &str = "x-origin-verify";
/// [`ORIGIN_HEADER`], named once, not parsed from a string at each lookup.
static ORIGIN_HEADER_NAME: HeaderName = HeaderName::from_static(ORIGIN_HEADER);
/// Shortest secret accepted: guessing it must be hopeless.
pub const MIN_ORIGIN_SECRET_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginConfigError {
    #[error(
        "ORIGIN_VERIFY_SECRET must be at least {MIN_ORIGIN_SECRET_CHARS} characters of visible ASCII"
    )]
    WeakSecret,
}

/// Which requests the functions answer.
#[derive(Clone, Default)]
pub struct OriginCheck {
    secret: Option<Vec<u8>>,
}

impl fmt::Debug for OriginCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.secret.is_some() {
            "<secret>"
        } else {
            "off"
        };
        f.debug_tuple("OriginCheck").field(&state).finish()
    }
}

impl OriginCheck {
    /// Reads [`ORIGIN_SECRET_ENV`]: unset or empty means every request is answered.
    pub fn from_env() -> Result<Self, OriginConfigError> {
        match std::env::var(ORIGIN_SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => Self::requiring(&secret),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(Self::default()),
            Err(std::env::VarError::NotUnicode(_)) => Err(OriginConfigError::WeakSecret),
        }
    }

    /// Answers only requests whose `x-origin-verify` is `secret`.
    pub fn requiring(secret: &str) -> Result<Self, OriginConfigError> {
        let usable =
            secret.len() >= MIN_ORIGIN_SECRET_CHARS && secret.bytes().all(|b| b.is_ascii_graphic());
        if !usable {
            return Err(OriginConfigError::WeakSecret);
        }
        Ok(Self {
            secret: Some(secret.as_bytes().to_vec()),
        })
    }

    /// Whether these headers may be answered: no secret configured, or exactly one
    /// `x-origin-verify` equal to it (compared in constant time).
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(secret) = &self.secret else {
            return true;
        };
        let mut values = headers.get_all(&ORIGIN_HEADER_NAME).iter();
        match (values.next(), values.next()) {
            (Some(value), None) => bool::from(value.as_bytes().ct_eq(secret)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const SECRET: &str = "origin-secret-for-unit-tests-0123456789";

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(ORIGIN_HEADER, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn without_a_secret_everything_is_admitted() {
        assert!(OriginCheck::default().admits(&headers(&[])));
    }

    #[test]
    fn with_a_secret_only_that_value_is_admitted() {
        let check = OriginCheck::requiring(SECRET).unwrap_or_default();
        assert!(check.admits(&headers(&[SECRET])));
        assert!(!check.admits(&headers(&[])));
        assert!(!check.admits(&headers(&["origin-secret-for-unit-tests-012345678"])));
        assert!(
            !check.admits(&headers(&[SECRET, SECRET])),
            "one header only"
        );
    }

    #[test]
    fn short_or_odd_secrets_are_refused() {
        assert_eq!(
            OriginCheck::requiring("short").err(),
            Some(OriginConfigError::WeakSecret)
        );
        let spaced = format!("{SECRET} x");
        assert!(OriginCheck::requiring(&spaced).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let check = OriginCheck::requiring(SECRET).unwrap_or_default();
        assert!(!format!("{check:?}").contains("origin-secret"));
    }
}
