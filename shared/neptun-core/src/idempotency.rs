//! `Idempotency-Key` on every write (create, rename, delete, regenerate): the same key, user and
//! request within 24 hours answers the first response again and stores nothing twice. The
//! record is written in the same transaction as the write (see `neptun-dynamo`), so a crash
//! cannot separate them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderName;
use lambda_http::Request;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::Idempotency;
use crate::validation::{Issue, IssueCode, PathSegment};

pub const HEADER: &str = "idempotency-key";
/// [`HEADER`], named once, not parsed from a string at each lookup.
static HEADER_NAME: HeaderName = HeaderName::from_static(HEADER);
pub const MAX_KEY_LENGTH: usize = 255;

/// Reads the request's `Idempotency-Key`: `None` without the header. `route` and `ids`
/// name what the request creates, so the same key on another route or chat is "another
/// request" too.
pub fn from_request(
    request: &Request,
    route: &str,
    ids: &[u64],
    body: &[u8],
) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = request.headers().get(&HEADER_NAME) else {
        return Ok(None);
    };
    let key = value.as_bytes();
    let problem = if key.is_empty() {
        Some((
            IssueCode::TooSmall,
            "Idempotency-Key must not be empty".to_owned(),
        ))
    } else if key.len() > MAX_KEY_LENGTH {
        Some((
            IssueCode::TooBig,
            format!("Idempotency-Key may be at most {MAX_KEY_LENGTH} characters"),
        ))
    } else if !key.iter().all(|byte| (0x20..0x7f).contains(byte)) {
        Some((
            IssueCode::InvalidString,
            "Idempotency-Key must be printable ASCII".to_owned(),
        ))
    } else {
        None
    };
    if let Some((code, message)) = problem {
        let path = vec![
            PathSegment::from("headers"),
            PathSegment::from("Idempotency-Key"),
        ];
        return Err(ApiError::InvalidHeader(vec![Issue::new(
            code, message, path,
        )]));
    }
    let mut fingerprint = Sha256::new();
    fingerprint.update(route.as_bytes());
    for id in ids {
        fingerprint.update(b"/");
        fingerprint.update(id.to_string().as_bytes());
    }
    fingerprint.update(b"\n");
    fingerprint.update(body);
    Ok(Some(Idempotency {
        key_hash: URL_SAFE_NO_PAD.encode(Sha256::digest(key)),
        fingerprint: URL_SAFE_NO_PAD.encode(fingerprint.finalize()),
    }))
}

/// Marks a response that repeats an earlier request's result.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
