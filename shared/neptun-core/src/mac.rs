//! HMAC-SHA-256, the crate's one MAC: Iron's integrity check, keys derived from the session
//! secret, and file URL signatures.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA-256 keyed with `key`, before any message: cloned to sign many messages with one
/// key without hashing the key's pads again.
pub(crate) fn keyed(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

/// HMAC-SHA-256 of `message` under `key`, to finalize or to verify in constant time.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> HmacSha256 {
    let mut mac = keyed(key);
    mac.update(message);
    mac
}

/// The 32-byte tag of [`hmac_sha256`].
pub(crate) fn hmac_sha256_tag(key: &[u8], message: &[u8]) -> [u8; 32] {
    hmac_sha256(key, message).finalize().into_bytes().into()
}
