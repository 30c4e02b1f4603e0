//! The share access cookie: proof that this browser gave a share's password a moment ago, so
//! that the next pages of the same chat do not pay for an Argon2id verification each.
//!
//! `neptun-share=v1.<expires>.<tag>`, set `HttpOnly; Secure; SameSite=Strict` on the path of
//! the one share it is for, for [`TTL_SECONDS`]. The tag is HMAC-SHA-256, under a key derived
//! from the session secret, of the share's uuid, the expiry and the stored password hash: a
//! new password (a new salt, so a new hash) or a deleted share makes every cookie given
//! before it worthless.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::mac::hmac_sha256;
use crate::routes::shared_chat_path;
use crate::validation::parse_canonical_decimal;

pub const COOKIE_NAME: &str = "neptun-share";
/// How long a cookie stands in for the password.
pub const TTL_SECONDS: u64 = 15 * 60;
/// The purpose its key is derived for ([`crate::session::SessionConfig::derive_key`]).
pub const KEY_PURPOSE: &str = "share-access";
const VERSION: &str = "v1";

/// What a cookie is bound to: one share, under its current password.
#[derive(Debug, Clone, Copy)]
pub struct ShareGrant<'a> {
    pub share_uuid: &'a str,
    pub password_hash: &'a str,
}

fn tag(key: &[u8; 32], grant: ShareGrant<'_>, expires: u64) -> hmac::Hmac<sha2::Sha256> {
    let message = format!(
        "{VERSION}\n{}\n{expires}\n{}",
        grant.share_uuid, grant.password_hash
    );
    hmac_sha256(key, message.as_bytes())
}

/// The cookie's value for `grant`, valid until `now_s + TTL_SECONDS`.
pub fn cookie_value(key: &[u8; 32], grant: ShareGrant<'_>, now_s: u64) -> String {
    let expires = now_s + TTL_SECONDS;
    let tag = tag(key, grant, expires).finalize().into_bytes();
    format!("{VERSION}.{expires}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// The whole `Set-Cookie` header value for `grant`, on the path of its share's public read
/// behind `base_path` (the deployment's stage, or nothing).
pub fn set_cookie(key: &[u8; 32], grant: ShareGrant<'_>, now_s: u64, base_path: &str) -> String {
    format!(
        "{COOKIE_NAME}={}; Max-Age={TTL_SECONDS}; Path={base_path}{}; HttpOnly; Secure; SameSite=Strict",
        cookie_value(key, grant, now_s),
        shared_chat_path(grant.share_uuid),
    )
}

/// Whether `value` is a cookie for `grant` that has not expired, made with any of `keys` (the
/// current secret's and the previous one's; checked in constant time).
pub fn admits(keys: &[[u8; 32]], grant: ShareGrant<'_>, value: &str, now_s: u64) -> bool {
    let mut parts = value.split('.');
    let (Some(VERSION), Some(expires), Some(encoded), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(expires) = parse_canonical_decimal(expires) else {
        return false;
    };
    if expires <= now_s || expires > now_s + TTL_SECONDS {
        return false;
    }
    let Ok(given) = URL_SAFE_NO_PAD.decode(encoded) else {
        return false;
    };
    keys.iter()
        .any(|key| tag(key, grant, expires).verify_slice(&given).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const NOW: u64 = 1_800_000_000;

    fn grant(password_hash: &str) -> ShareGrant<'_> {
        ShareGrant {
            share_uuid: "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f",
            password_hash,
        }
    }

    #[test]
    fn a_fresh_cookie_admits_its_share_until_it_expires() {
        let value = cookie_value(&KEY, grant("$argon2id$one"), NOW);
        assert!(admits(&[KEY], grant("$argon2id$one"), &value, NOW));
        assert!(admits(
            &[KEY],
            grant("$argon2id$one"),
            &value,
            NOW + TTL_SECONDS - 1
        ));
        assert!(!admits(
            &[KEY],
            grant("$argon2id$one"),
            &value,
            NOW + TTL_SECONDS
        ));
    }

    #[test]
    fn a_new_password_another_share_or_another_key_refuses_it() {
        let value = cookie_value(&KEY, grant("$argon2id$one"), NOW);
        assert!(!admits(&[KEY], grant("$argon2id$two"), &value, NOW));
        let other = ShareGrant {
            share_uuid: "1b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f",
            password_hash: "$argon2id$one",
        };
        assert!(!admits(&[KEY], other, &value, NOW));
        assert!(!admits(&[[8; 32]], grant("$argon2id$one"), &value, NOW));
    }

    #[test]
    fn an_edited_expiry_or_a_malformed_value_is_refused() {
        let value = cookie_value(&KEY, grant("h"), NOW);
        let (_, rest) = value.split_once('.').expect("v1.");
        let (_, tag) = rest.split_once('.').expect("expires.");
        let later = format!("v1.{}.{tag}", NOW + TTL_SECONDS + 60);
        assert!(!admits(&[KEY], grant("h"), &later, NOW + TTL_SECONDS));
        for bad in [
            "", "v1", "v1..", "v2.1.AA", "v1.01.AA", "v1.x.AA", "v1.1.A.A",
        ] {
            assert!(!admits(&[KEY], grant("h"), bad, NOW), "{bad:?}");
        }
    }

    #[test]
    fn the_header_scopes_it_to_the_share_and_keeps_it_from_scripts() {
        let header = set_cookie(&KEY, grant("h"), NOW, "");
        assert!(header.starts_with("neptun-share=v1."), "{header}");
        assert!(header.contains(
            "; Max-Age=900; Path=/api/shared/chats/0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f; HttpOnly; Secure; SameSite=Strict"
        ), "{header}");
        let staged = set_cookie(&KEY, grant("h"), NOW, "/Prod");
        assert!(
            staged.contains("; Path=/Prod/api/shared/chats/0b6f"),
            "{staged}"
        );
    }
}
