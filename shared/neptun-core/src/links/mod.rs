//! Signed, expiring URLs of a file's raw content, so a browser can open a file without the
//! session cookie (`<img src>`, a new tab, a download).
//!
//! ```text
//! <base>/api/users/{user}/chats/{chat}/files/{file}/content?expires=<unix s>&signature=<sig>
//! sig = base64url-no-pad(HMAC-SHA-256(key, "v1:{user}:{chat}:{file}:{expires}"))
//! key = SessionConfig::derive_key("file-url")
//! ```
//!
//! - this file: the settings (`FILE_URL_TTL_SECONDS`, `PUBLIC_BASE_URL`), read at start-up;
//! - [`sign`]: signing and verifying one URL;
//! - [`origin`]: the request's own origin and base path, when `PUBLIC_BASE_URL` is not set.
//!
//! The signed message binds all three ids and the expiry, so a signature opens exactly one
//! file until it expires; `v1` lets the format change later without accepting old forms.

mod base_url;
mod sign;

use lambda_http::Request;

use crate::mac::HmacSha256;

pub use base_url::{origin, request_base};
pub use sign::{EXPIRES_PARAM, FileRef, LinkError, LinkSigner, SIGNATURE_PARAM, verify};

/// Purpose label of the signing key: a key of its own, never the session's.
pub const KEY_PURPOSE: &str = "file-url";
pub const TTL_ENV: &str = "FILE_URL_TTL_SECONDS";
pub const PUBLIC_BASE_URL_ENV: &str = "PUBLIC_BASE_URL";
pub const DEFAULT_TTL_SECONDS: u64 = 15 * 60;
/// Longest accepted TTL: a signed URL is a bearer token, it must not live for long.
pub const MAX_TTL_SECONDS: u64 = 7 * 24 * 60 * 60;

/// File URL settings, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLinks {
    ttl_seconds: u64,
    /// Origin plus base path, without a trailing `/`.
    public_base_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkConfigError {
    #[error(
        "FILE_URL_TTL_SECONDS must be a whole number of seconds from 1 to {MAX_TTL_SECONDS}, got {0:?}"
    )]
    Ttl(String),
    #[error(
        "PUBLIC_BASE_URL must be an absolute http(s) URL without query or fragment, such as https://neptun.example.com, got {0:?}"
    )]
    BaseUrl(String),
}

impl Default for FileLinks {
    fn default() -> Self {
        Self {
            ttl_seconds: DEFAULT_TTL_SECONDS,
            public_base_url: None,
        }
    }
}

impl FileLinks {
    /// Settings with a TTL (1 s to [`MAX_TTL_SECONDS`]) and an optional public base URL that
    /// replaces the request's origin and base path (`https://neptun.example.com/prefix`).
    pub fn new(ttl_seconds: u64, public_base_url: Option<&str>) -> Result<Self, LinkConfigError> {
        if !(1..=MAX_TTL_SECONDS).contains(&ttl_seconds) {
            return Err(LinkConfigError::Ttl(ttl_seconds.to_string()));
        }
        let public_base_url = public_base_url
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(parse_base_url)
            .transpose()?;
        Ok(Self {
            ttl_seconds,
            public_base_url,
        })
    }

    /// Reads `FILE_URL_TTL_SECONDS` (default one hour) and `PUBLIC_BASE_URL` (optional).
    pub fn from_env() -> Result<Self, LinkConfigError> {
        let ttl_seconds = match std::env::var(TTL_ENV) {
            Ok(raw) => raw
                .trim()
                .parse()
                .map_err(|_| LinkConfigError::Ttl(raw.clone()))?,
            Err(std::env::VarError::NotPresent) => DEFAULT_TTL_SECONDS,
            Err(std::env::VarError::NotUnicode(raw)) => {
                return Err(LinkConfigError::Ttl(raw.to_string_lossy().into_owned()));
            }
        };
        let base = match std::env::var(PUBLIC_BASE_URL_ENV) {
            Ok(raw) => Some(raw),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(raw)) => {
                return Err(LinkConfigError::BaseUrl(raw.to_string_lossy().into_owned()));
            }
        };
        Self::new(ttl_seconds, base.as_deref())
    }

    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    pub fn public_base_url(&self) -> Option<&str> {
        self.public_base_url.as_deref()
    }

    /// The `scheme://authority` of [`Self::public_base_url`]: the web app's origin.
    pub fn public_origin(&self) -> Option<String> {
        let uri: http::Uri = self.public_base_url.as_deref()?.parse().ok()?;
        Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
    }

    /// The signer for one request's URLs; `None` when the request names no usable host and no
    /// `PUBLIC_BASE_URL` is set (no absolute URL can be built).
    pub(crate) fn signer(
        &self,
        request: &Request,
        keyed: HmacSha256,
        now_s: u64,
    ) -> Option<LinkSigner> {
        let base = match &self.public_base_url {
            Some(base) => base.clone(),
            None => request_base(request)?,
        };
        Some(LinkSigner::keyed(
            base,
            keyed,
            now_s.saturating_add(self.ttl_seconds),
        ))
    }
}

fn parse_base_url(raw: &str) -> Result<String, LinkConfigError> {
    let invalid = || LinkConfigError::BaseUrl(raw.to_owned());
    if raw.contains(['?', '#']) || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let uri: http::Uri = raw.parse().map_err(|_| invalid())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let host_ok = uri.host().is_some_and(|host| !host.is_empty());
    if !scheme_ok || !host_ok {
        return Err(invalid());
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        let links = FileLinks::default();
        assert_eq!(links.ttl_seconds(), 900);
        assert_eq!(links.public_base_url(), None);
        let links = FileLinks::new(60, Some(" https://neptun.example.com/base/ "));
        assert_eq!(
            links.as_ref().ok().and_then(FileLinks::public_base_url),
            Some("https://neptun.example.com/base")
        );
        assert_eq!(
            FileLinks::new(60, Some("")).ok(),
            FileLinks::new(60, None).ok()
        );
        assert!(FileLinks::new(0, None).is_err());
        assert!(FileLinks::new(MAX_TTL_SECONDS + 1, None).is_err());
        for bad in [
            "neptun.example.com",
            "ftp://neptun.example.com",
            "https://",
            "https://neptun.example.com/?a=b",
            "https://neptun.example.com/#x",
            "https://neptun example.com",
        ] {
            assert_eq!(
                FileLinks::new(60, Some(bad)),
                Err(LinkConfigError::BaseUrl(bad.to_owned())),
                "{bad}"
            );
        }
    }
}
