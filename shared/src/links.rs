//! Signed, expiring URLs of a file's raw content, so a browser can open a file without the
//! session cookie (`<img src>`, a new tab, a download).
//!
//! ```text
//! <base>/api/users/{user}/chats/{chat}/files/{file}/content?expires=<unix s>&signature=<sig>
//! sig = base64url-no-pad(HMAC-SHA-256(key, "v1:{user}:{chat}:{file}:{expires}"))
//! key = SessionConfig::derive_key("file-url")
//! ```
//!
//! The signed message binds all three ids and the expiry, so a signature opens exactly one
//! file until it expires; `v1` lets the format change later without accepting old forms.
//! `<base>` is `PUBLIC_BASE_URL` if set, else the request's own origin and base path (a REST
//! API stage such as `/Prod`), `https` unless the request came over plain HTTP.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::mac::{HmacSha256, hmac_sha256};
use crate::request;
use crate::validation::parse_canonical_decimal;

/// Purpose label of the signing key: a key of its own, never the session's.
pub const KEY_PURPOSE: &str = "file-url";
pub const TTL_ENV: &str = "FILE_URL_TTL_SECONDS";
pub const PUBLIC_BASE_URL_ENV: &str = "PUBLIC_BASE_URL";
pub const DEFAULT_TTL_SECONDS: u64 = 60 * 60;
/// Longest accepted TTL: a signed URL is a bearer token, it must not live for long.
pub const MAX_TTL_SECONDS: u64 = 7 * 24 * 60 * 60;
pub const EXPIRES_PARAM: &str = "expires";
pub const SIGNATURE_PARAM: &str = "signature";

const VERSION: &str = "v1";
/// Characters of a base path that cannot appear in a URL as they are.
const PATH_UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

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

    /// The signer for one request's URLs; `None` when the request names no usable host and no
    /// `PUBLIC_BASE_URL` is set (no absolute URL can be built).
    pub fn signer(&self, request: &Request, key: [u8; 32], now_s: u64) -> Option<LinkSigner> {
        let base = match &self.public_base_url {
            Some(base) => base.clone(),
            None => request_base(request)?,
        };
        Some(LinkSigner::new(
            base,
            key,
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

/// The ids a URL is signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRef {
    pub user_id: u64,
    pub chat_id: u64,
    pub file_id: u64,
}

/// Signs the URLs of one response: one base, one key, one expiry.
pub struct LinkSigner {
    base: String,
    key: [u8; 32],
    expires: u64,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkSigner")
            .field("base", &self.base)
            .field("key", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

impl LinkSigner {
    /// `base` is origin plus base path without a trailing `/`; `expires` in Unix seconds.
    pub fn new(base: impl Into<String>, key: [u8; 32], expires: u64) -> Self {
        Self {
            base: base.into(),
            key,
            expires,
        }
    }

    /// The absolute, signed URL of a file's content.
    pub fn url(&self, file: FileRef) -> String {
        format!(
            "{}{}?{EXPIRES_PARAM}={}&{SIGNATURE_PARAM}={}",
            self.base,
            content_path(file),
            self.expires,
            sign(&self.key, file, self.expires),
        )
    }
}

/// The content route's path below the base path.
pub fn content_path(file: FileRef) -> String {
    format!(
        "/api/users/{}/chats/{}/files/{}/content",
        file.user_id, file.chat_id, file.file_id
    )
}

fn mac(key: &[u8; 32], ids: [&str; 3], expires: &str) -> HmacSha256 {
    let [user, chat, file] = ids;
    hmac_sha256(
        key,
        format!("{VERSION}:{user}:{chat}:{file}:{expires}").as_bytes(),
    )
}

/// The `signature` query value for a file and expiry.
pub fn sign(key: &[u8; 32], file: FileRef, expires: u64) -> String {
    let ids = [
        file.user_id.to_string(),
        file.chat_id.to_string(),
        file.file_id.to_string(),
    ];
    let mac = mac(key, [&ids[0], &ids[1], &ids[2]], &expires.to_string());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Why a signed URL was refused. No data: nothing of the URL reaches a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("no signature in the query")]
    Missing,
    #[error("malformed expiry or signature")]
    Malformed,
    #[error("signed URL expired")]
    Expired,
    #[error("signature does not match")]
    BadSignature,
}

/// Checks a URL's query against the path's raw ids (`[user, chat, file]`, as in the path).
/// Signatures are made over canonical decimal ids only, so a valid one also proves the ids
/// parse. The MAC is compared in constant time.
pub fn verify(
    key: &[u8; 32],
    ids: [&str; 3],
    expires: Option<&str>,
    signature: Option<&str>,
    now_s: u64,
) -> Result<(), LinkError> {
    let (Some(expires), Some(signature)) = (expires, signature) else {
        return Err(LinkError::Missing);
    };
    let expires_at = parse_canonical_decimal(expires).ok_or(LinkError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .ok_or(LinkError::Malformed)?;
    mac(key, ids, expires)
        .verify_slice(&signature)
        .map_err(|_| LinkError::BadSignature)?;
    // Checked after the MAC, so an expiry is only reported for a genuine URL.
    if now_s >= expires_at {
        return Err(LinkError::Expired);
    }
    Ok(())
}

/// The request's origin and base path, e.g. `https://abc.execute-api.us-east-1.amazonaws.com`
/// or `https://host/Prod`.
pub fn request_base(request: &Request) -> Option<String> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let domain_name = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.domain_name.as_deref(),
        Some(RequestContext::ApiGatewayV1(context)) => context.domain_name.as_deref(),
        _ => None,
    };
    let origin = origin(
        header("x-forwarded-proto"),
        domain_name,
        header(http::header::HOST.as_str()),
    )?;
    let base_path = request::base_path(request);
    Some(format!(
        "{origin}{}",
        utf8_percent_encode(base_path.trim_end_matches('/'), PATH_UNSAFE)
    ))
}

/// `scheme://authority` of a request. `https` unless `x-forwarded-proto` says `http`, or the
/// request has no `x-forwarded-proto` and a loopback `host` (`cargo lambda watch`). The
/// authority is the gateway's `domainName`, else the `host` header; a loopback request uses
/// its `host` (it carries the port).
pub fn origin(
    forwarded_proto: Option<&str>,
    domain_name: Option<&str>,
    host: Option<&str>,
) -> Option<String> {
    let host = host.map(str::trim).filter(|host| is_authority(host));
    let domain_name = domain_name.map(str::trim).filter(|name| is_authority(name));
    // A proxy chain may append: the first entry is what the client used.
    let proto = forwarded_proto.and_then(|value| value.split(',').next().map(str::trim));
    let local = proto.is_none() && host.is_some_and(is_loopback);
    let plain = local || proto.is_some_and(|proto| proto.eq_ignore_ascii_case("http"));
    let authority = if local { host } else { domain_name.or(host) }?;
    let scheme = if plain { "http" } else { "https" };
    Some(format!("{scheme}://{authority}"))
}

/// Host names, IPv4 and bracketed IPv6 literals with an optional port; nothing that could end
/// the authority early (`/`, `@`, `?`, `#`).
fn is_authority(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 300
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost") || name == "[::1]"
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const NOW: u64 = 1_795_288_364;
    const FILE: FileRef = FileRef {
        user_id: 1,
        chat_id: 1000,
        file_id: 8192,
    };
    const IDS: [&str; 3] = ["1", "1000", "8192"];

    fn query(url: &str) -> (String, String) {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let mut expires = String::new();
        let mut signature = String::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", value)) => expires = value.to_owned(),
                Some(("signature", value)) => signature = value.to_owned(),
                _ => {}
            }
        }
        (expires, signature)
    }

    fn check(ids: [&str; 3], expires: &str, signature: &str, now: u64) -> Result<(), LinkError> {
        verify(&KEY, ids, Some(expires), Some(signature), now)
    }

    #[test]
    fn round_trip() {
        let signer = LinkSigner::new("https://api.example.com", KEY, NOW + 3600);
        let url = signer.url(FILE);
        assert!(url.starts_with(
            "https://api.example.com/api/users/1/chats/1000/files/8192/content?expires="
        ));
        let (expires, signature) = query(&url);
        assert_eq!(expires, (NOW + 3600).to_string());
        assert_eq!(signature.len(), 43);
        assert_eq!(check(IDS, &expires, &signature, NOW), Ok(()));
        assert_eq!(check(IDS, &expires, &signature, NOW + 3599), Ok(()));
    }

    #[test]
    fn tampered_signature() {
        let expires = (NOW + 60).to_string();
        let signature = sign(&KEY, FILE, NOW + 60);
        let mut bytes = signature.into_bytes();
        bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(
            check(IDS, &expires, &tampered, NOW),
            Err(LinkError::BadSignature)
        );
        // Another key (another purpose or secret) does not verify either.
        let other = sign(&[8; 32], FILE, NOW + 60);
        assert_eq!(
            check(IDS, &expires, &other, NOW),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn changed_ids_or_expiry() {
        let expires = (NOW + 60).to_string();
        let signature = sign(&KEY, FILE, NOW + 60);
        for ids in [
            ["1", "1000", "8193"],
            ["2", "1000", "8192"],
            ["1", "1001", "8192"],
            // Same digits, other split: the separators are part of the message.
            ["11", "000", "8192"],
        ] {
            assert_eq!(
                check(ids, &expires, &signature, NOW),
                Err(LinkError::BadSignature),
                "{ids:?}"
            );
        }
        // A later expiry under the old signature.
        let later = (NOW + 6000).to_string();
        assert_eq!(
            check(IDS, &later, &signature, NOW),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn expired() {
        let signature = sign(&KEY, FILE, NOW);
        let expires = NOW.to_string();
        assert_eq!(check(IDS, &expires, &signature, NOW - 1), Ok(()));
        assert_eq!(
            check(IDS, &expires, &signature, NOW),
            Err(LinkError::Expired)
        );
        assert_eq!(
            check(IDS, &expires, &signature, NOW + 1),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn malformed() {
        let signature = sign(&KEY, FILE, NOW + 60);
        let expires = (NOW + 60).to_string();
        assert_eq!(
            verify(&KEY, IDS, None, Some(&signature), NOW),
            Err(LinkError::Missing)
        );
        assert_eq!(
            verify(&KEY, IDS, Some(&expires), None, NOW),
            Err(LinkError::Missing)
        );
        for bad_expiry in ["", "-1", "+1795288424", "01795288424", "1e9", "x", " 1"] {
            assert_eq!(
                check(IDS, bad_expiry, &signature, NOW),
                Err(LinkError::Malformed),
                "{bad_expiry:?}"
            );
        }
        assert_eq!(
            check(IDS, "99999999999999999999999", &signature, NOW),
            Err(LinkError::Malformed)
        );
        let padded = format!("{signature}=");
        let short = &signature[..42];
        for bad_signature in ["", "not base64!", short, &padded, "AAAA"] {
            assert_eq!(
                check(IDS, &expires, bad_signature, NOW),
                Err(LinkError::Malformed),
                "{bad_signature:?}"
            );
        }
        // Non-canonical path ids never verify (signatures are over canonical ids).
        assert_eq!(
            check(["01", "1000", "8192"], &expires, &signature, NOW),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn origins() {
        let aws = "abc.execute-api.us-east-1.amazonaws.com";
        assert_eq!(
            origin(Some("https"), Some(aws), Some(aws)).as_deref(),
            Some("https://abc.execute-api.us-east-1.amazonaws.com")
        );
        // domainName wins over the host header; https without any header.
        assert_eq!(
            origin(None, Some(aws), Some("other.example")).as_deref(),
            Some("https://abc.execute-api.us-east-1.amazonaws.com")
        );
        assert_eq!(
            origin(None, None, Some("api.example.com")).as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(
            origin(Some("http"), None, Some("api.example.com")).as_deref(),
            Some("http://api.example.com")
        );
        assert_eq!(
            origin(Some("HTTP, https"), Some(aws), None).as_deref(),
            Some("http://abc.execute-api.us-east-1.amazonaws.com")
        );
        // cargo lambda watch: loopback host, no x-forwarded-proto.
        for host in [
            "127.0.0.1:9000",
            "localhost:9000",
            "localhost",
            "[::1]:9000",
        ] {
            assert_eq!(
                origin(None, Some("localhost"), Some(host)),
                Some(format!("http://{host}")),
                "{host}"
            );
        }
        // A loopback host behind a proxy that says https is not local.
        assert_eq!(
            origin(Some("https"), None, Some("localhost:9000")).as_deref(),
            Some("https://localhost:9000")
        );
        // Nothing that could redirect the URL elsewhere.
        assert_eq!(origin(None, None, Some("evil.example/x?")), None);
        assert_eq!(origin(None, None, Some("user@evil.example")), None);
        assert_eq!(origin(None, Some(""), None), None);
        assert_eq!(origin(None, None, None), None);
    }

    #[test]
    fn settings() {
        let links = FileLinks::default();
        assert_eq!(links.ttl_seconds(), 3600);
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

    #[test]
    fn debug_redacts_the_key() {
        let signer = LinkSigner::new("https://x", [0xAB; 32], 1);
        let text = format!("{signer:?}");
        assert!(text.contains("redacted"));
        assert!(!text.contains("171"));
    }
}
