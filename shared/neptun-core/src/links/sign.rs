//! One signed URL: its `signature` over the ids and the expiry, and the check of a URL that
//! comes back.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::ids::{ChatId, FileId, UserId};
use crate::mac::{HmacSha256, keyed};
use crate::routes::{CONTENT_ROUTE, FilePath};
use crate::validation::parse_canonical_decimal;

pub const EXPIRES_PARAM: &str = "expires";
pub const SIGNATURE_PARAM: &str = "signature";

const VERSION: &str = "v1";

/// The ids a URL is signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRef {
    pub user_id: UserId,
    pub chat_id: ChatId,
    pub file_id: FileId,
}

/// Signs the URLs of one response: one base, one key, one expiry.
pub struct LinkSigner {
    base: String,
    /// Keyed once: each URL clones it instead of hashing the key's pads again.
    keyed: HmacSha256,
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
        Self::keyed(base, keyed(&key), expires)
    }

    /// [`Self::new`] with the key already HMAC-keyed (`SessionConfig::signing_mac`).
    pub(crate) fn keyed(base: impl Into<String>, keyed: HmacSha256, expires: u64) -> Self {
        Self {
            base: base.into(),
            keyed,
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
            signature(self.keyed.clone(), file, self.expires),
        )
    }
}

/// The content route's path below the base path.
pub fn content_path(file: FileRef) -> String {
    CONTENT_ROUTE.path(FilePath {
        user: file.user_id,
        chat: file.chat_id,
        file: file.file_id,
    })
}

/// `keyed` over what a signature covers: the version, the ids as decimal text and the expiry.
fn mac(
    mut keyed: HmacSha256,
    ids: [&dyn std::fmt::Display; 3],
    expires: &dyn std::fmt::Display,
) -> HmacSha256 {
    let [user, chat, file] = ids;
    keyed.update(format!("{VERSION}:{user}:{chat}:{file}:{expires}").as_bytes());
    keyed
}

fn signature(keyed: HmacSha256, file: FileRef, expires: u64) -> String {
    let ids: [&dyn std::fmt::Display; 3] = [&file.user_id, &file.chat_id, &file.file_id];
    URL_SAFE_NO_PAD.encode(mac(keyed, ids, &expires).finalize().into_bytes())
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

/// Checks a URL's query against the path's raw ids (`[user, chat, file]`, as in the path),
/// with any of `keys` (the current secret's and the previous one's, during a rotation).
/// Signatures are made over canonical decimal ids only, so a valid one also proves the ids
/// parse. The MAC is compared in constant time.
pub fn verify(
    keys: &[[u8; 32]],
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
    let genuine = keys.iter().any(|key| {
        let [user, chat, file] = ids;
        mac(keyed(key), [&user, &chat, &file], &expires)
            .verify_slice(&signature)
            .is_ok()
    });
    if !genuine {
        return Err(LinkError::BadSignature);
    }
    // Checked after the MAC, so an expiry is only reported for a genuine URL.
    if now_s >= expires_at {
        return Err(LinkError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const NOW: u64 = 1_795_288_364;
    const FILE: FileRef = FileRef {
        user_id: UserId(1),
        chat_id: ChatId(1000),
        file_id: FileId(8192),
    };
    const IDS: [&str; 3] = ["1", "1000", "8192"];

    /// The `signature` query value for a file and expiry.
    fn sign(key: &[u8; 32], file: FileRef, expires: u64) -> String {
        signature(keyed(key), file, expires)
    }

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
        verify(&[KEY], ids, Some(expires), Some(signature), now)
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
            verify(&[KEY], IDS, None, Some(&signature), NOW),
            Err(LinkError::Missing)
        );
        assert_eq!(
            verify(&[KEY], IDS, Some(&expires), None, NOW),
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
    fn debug_redacts_the_key() {
        let signer = LinkSigner::new("https://x", [0xAB; 32], 1);
        let text = format!("{signer:?}");
        assert!(text.contains("redacted"));
        assert!(!text.contains("171"));
    }
}
