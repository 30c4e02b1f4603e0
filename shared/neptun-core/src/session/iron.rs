//! Iron `Fe26.2` seals, interoperable with `iron-webcrypto` 1.2.1 (what h3 1.15 uses).
//! See `docs/spec/session-cookie.md`, "Unseal, normative".

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[cfg(feature = "dev")]
use cbc::cipher::BlockModeEncrypt;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use super::SessionError;
use crate::mac::hmac_sha256_tag;

/// Literal first field of every token.
pub const PREFIX: &str = "Fe26.2";
/// Clock skew the libraries allow on the expiration (`timestampSkewSec: 60`).
pub const SKEW_MS: u64 = 60_000;
/// Both libraries refuse shorter secrets (`minPasswordlength: 32`).
pub const MIN_PASSWORD_LEN: usize = 32;
/// Number of `*`-separated fields.
const PARTS: usize = 8;

#[cfg(feature = "dev")]
type Aes256CbcEnc = cbc::Encryptor<Aes256>;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

/// Password length as JavaScript's `String.length` counts it (UTF-16 code units), which is
/// what iron-webcrypto checks against its 32-character minimum.
pub(crate) fn js_length(password: &str) -> usize {
    password.encode_utf16().count()
}

/// PBKDF2-HMAC-SHA1 with the salt *text* (the hex is not decoded) as salt bytes, 32 bytes out.
fn derive(password: &str, salt_text: &str, iterations: u32) -> [u8; 32] {
    // 0 iterations is not PBKDF2; WebCrypto refuses it, we treat it as 1.
    pbkdf2::pbkdf2_hmac_array::<Sha1, 32>(
        password.as_bytes(),
        salt_text.as_bytes(),
        iterations.max(1),
    )
}

/// Constant-time string equality. A length mismatch returns early: the expected MAC length
/// (43 characters) is public. Compared eight bytes at a time (`subtle`'s `u64` equality): a
/// whole cookie is ~450 bytes, compared on every request against the last one opened.
pub(crate) fn ct_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (a_words, b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let tails = a_words.remainder().ct_eq(b_words.remainder());
    let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().unwrap_or_default());
    a_words
        .zip(b_words)
        .fold(tails, |equal, (a, b)| equal & word(a).ct_eq(&word(b)))
        .into()
}

/// Iron's step 3: a token whose expiration (field 6, ms since the epoch) has passed, by more
/// than [`SKEW_MS`], is expired; an empty expiration never expires.
pub fn check_expiration(expiration: &str, now_ms: u64) -> Result<(), SessionError> {
    if expiration.is_empty() {
        return Ok(());
    }
    if !expiration.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SessionError::BadExpiration);
    }
    // All digits, so the only parse failure is overflow: a date far in the future.
    let exp = expiration.parse::<u64>().unwrap_or(u64::MAX);
    // i128: the library computes `now - 60000` in signed arithmetic.
    if i128::from(exp) <= i128::from(now_ms) - i128::from(SKEW_MS) {
        return Err(SessionError::Expired);
    }
    Ok(())
}

/// Unseals an Iron token and returns the sealed JSON value. `now_ms` is milliseconds since the
/// Unix epoch; `iterations` is the PBKDF2 count (1 for h3 1.x).
///
/// Follows the normative steps exactly: 8 parts, `Fe26.2`, expiration with 60 s skew, MAC
/// (compared as base64url text, in constant time) before any decoding, then AES-256-CBC.
pub fn unseal(
    token: &str,
    password: &str,
    iterations: u32,
    now_ms: u64,
) -> Result<serde_json::Value, SessionError> {
    if js_length(password) < MIN_PASSWORD_LEN {
        return Err(SessionError::WeakSecret);
    }

    // Step 2: exactly 8 fields (a 9th field must not be ignored).
    let mut fields = token.split('*');
    let mut parts: [&str; PARTS] = [""; PARTS];
    for slot in &mut parts {
        *slot = fields.next().ok_or(SessionError::PartCount)?;
    }
    if fields.next().is_some() {
        return Err(SessionError::PartCount);
    }
    let [
        prefix,
        password_id,
        enc_salt,
        iv_b64,
        cipher_b64,
        expiration,
        mac_salt,
        mac_b64,
    ] = parts;
    if prefix != PREFIX {
        return Err(SessionError::BadPrefix);
    }

    check_expiration(expiration, now_ms)?;

    // Steps 4-5: MAC over fields 0..=5, checked before decoding or decrypting anything.
    let (_, expected) = mac_over(
        [
            prefix,
            password_id,
            enc_salt,
            iv_b64,
            cipher_b64,
            expiration,
        ],
        password,
        mac_salt,
        iterations,
    );
    // Compared as text: a different spelling of the same bytes is rejected.
    if !ct_str_eq(&expected, mac_b64) {
        return Err(SessionError::BadMac);
    }

    // Steps 6-7.
    let iv = URL_SAFE_NO_PAD
        .decode(iv_b64)
        .map_err(|_| SessionError::BadBase64)?;
    let ciphertext = URL_SAFE_NO_PAD
        .decode(cipher_b64)
        .map_err(|_| SessionError::BadBase64)?;
    let encryption_key = derive(password, enc_salt, iterations);
    let plaintext = Aes256CbcDec::new_from_slices(&encryption_key, &iv)
        .map_err(|_| SessionError::Decrypt)?
        .decrypt_padded_vec::<Pkcs7>(&ciphertext)
        .map_err(|_| SessionError::Decrypt)?;
    let text = std::str::from_utf8(&plaintext).map_err(|_| SessionError::NotUtf8)?;
    serde_json::from_str(text).map_err(|_| SessionError::NotJson)
}

/// Fields 0..=5 joined with `*`, and their MAC: HMAC-SHA-256 under the integrity key of
/// `password` and `mac_salt`, base64url without padding.
fn mac_over(
    fields: [&str; 6],
    password: &str,
    mac_salt: &str,
    iterations: u32,
) -> (String, String) {
    let base = fields.join("*");
    let integrity_key = derive(password, mac_salt, iterations);
    let mac = URL_SAFE_NO_PAD.encode(hmac_sha256_tag(&integrity_key, base.as_bytes()));
    (base, mac)
}

/// Seals `value` the way iron-webcrypto does: random 32-byte salts as 64 lowercase hex chars,
/// random 16-byte IV, empty password id, expiration empty or `now_ms + ttl_ms`.
///
/// For tests and local development (feature `dev`). The password length is not checked here;
/// [`super::SessionConfig`] enforces it, and [`unseal`] refuses short secrets.
#[cfg(feature = "dev")]
pub fn seal(
    value: &serde_json::Value,
    password: &str,
    iterations: u32,
    ttl_ms: Option<u64>,
    now_ms: u64,
) -> String {
    seal_with_id(value, "", password, iterations, ttl_ms, now_ms)
}

/// [`seal`] with an Iron password id in field 1 (iron-webcrypto's `{id, secret}` password).
#[cfg(feature = "dev")]
pub fn seal_with_id(
    value: &serde_json::Value,
    password_id: &str,
    password: &str,
    iterations: u32,
    ttl_ms: Option<u64>,
    now_ms: u64,
) -> String {
    let enc_salt = random_hex_salt();
    let mac_salt = random_hex_salt();
    let mut iv = [0u8; 16];
    rand::fill(&mut iv[..]);

    let encryption_key = derive(password, &enc_salt, iterations);
    let ciphertext = Aes256CbcEnc::new(&encryption_key.into(), &iv.into())
        .encrypt_padded_vec::<Pkcs7>(value.to_string().as_bytes());
    // iron-webcrypto treats a ttl of 0 as "no expiration".
    let expiration = match ttl_ms {
        Some(ttl) if ttl > 0 => now_ms.saturating_add(ttl).to_string(),
        _ => String::new(),
    };
    seal_parts(
        (password_id, password),
        iterations,
        &enc_salt,
        &URL_SAFE_NO_PAD.encode(iv),
        &URL_SAFE_NO_PAD.encode(ciphertext),
        &expiration,
        &mac_salt,
    )
}

/// Joins fields 0..=6 and appends their MAC.
#[cfg(feature = "dev")]
fn seal_parts(
    (password_id, password): (&str, &str),
    iterations: u32,
    enc_salt: &str,
    iv_b64: &str,
    cipher_b64: &str,
    expiration: &str,
    mac_salt: &str,
) -> String {
    let (mac_base, mac) = mac_over(
        [
            PREFIX,
            password_id,
            enc_salt,
            iv_b64,
            cipher_b64,
            expiration,
        ],
        password,
        mac_salt,
        iterations,
    );
    format!("{mac_base}*{mac_salt}*{mac}")
}

/// 32 random bytes as 64 lowercase hex characters.
#[cfg(feature = "dev")]
fn random_hex_salt() -> String {
    let mut salt = [0u8; 32];
    rand::fill(&mut salt[..]);
    hex(&salt)
}

#[cfg(feature = "dev")]
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PW: &str = "unit-test-only-password-0123456789abcdef";
    const NOW: u64 = 1_795_288_364_006;

    /// A validly MACed token around arbitrary IV/ciphertext text, to reach the post-MAC checks.
    fn with_valid_mac(iv_b64: &str, cipher_b64: &str) -> String {
        seal_parts(
            ("", PW),
            1,
            &random_hex_salt(),
            iv_b64,
            cipher_b64,
            "",
            &random_hex_salt(),
        )
    }

    /// Encrypts raw bytes (already padded when `pad` is false).
    fn encrypt_raw(plaintext: &[u8], enc_salt: &str, iv: [u8; 16], pad: bool) -> Vec<u8> {
        let key = derive(PW, enc_salt, 1);
        let enc = Aes256CbcEnc::new(&key.into(), &iv.into());
        if pad {
            enc.encrypt_padded_vec::<Pkcs7>(plaintext)
        } else {
            enc.encrypt_padded_vec::<cbc::cipher::block_padding::NoPadding>(plaintext)
        }
    }

    fn token_for_plaintext(plaintext: &[u8], pad: bool) -> String {
        let enc_salt = random_hex_salt();
        let iv = [7u8; 16];
        let ct = encrypt_raw(plaintext, &enc_salt, iv, pad);
        seal_parts(
            ("", PW),
            1,
            &enc_salt,
            &URL_SAFE_NO_PAD.encode(iv),
            &URL_SAFE_NO_PAD.encode(ct),
            "",
            &random_hex_salt(),
        )
    }

    fn replace_part(token: &str, index: usize, value: &str) -> String {
        let mut parts: Vec<&str> = token.split('*').collect();
        parts[index] = value;
        parts.join("*")
    }

    #[test]
    fn round_trip() {
        let value = json!({"a": [1, 2, 3], "s": "Ä ☃ 😀"});
        let token = seal(&value, PW, 1, None, NOW);
        assert_eq!(unseal(&token, PW, 1, NOW).ok(), Some(value));
    }

    #[test]
    fn token_layout() {
        let token = seal(&json!({}), PW, 1, Some(1000), NOW);
        let parts: Vec<&str> = token.split('*').collect();
        assert_eq!(parts.len(), 8);
        assert_eq!(parts[0], "Fe26.2");
        assert_eq!(parts[1], "");
        for salt in [parts[2], parts[6]] {
            assert_eq!(salt.len(), 64);
            assert!(
                salt.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
        }
        assert_eq!(parts[3].len(), 22); // 16 bytes
        assert_eq!(parts[5], (NOW + 1000).to_string());
        assert_eq!(parts[7].len(), 43); // 32 bytes
        assert_ne!(parts[2], parts[6]);
    }

    #[test]
    fn round_trip_with_iterations() {
        let token = seal(&json!(1), PW, 8192, None, NOW);
        assert_eq!(unseal(&token, PW, 8192, NOW).ok(), Some(json!(1)));
        assert!(matches!(
            unseal(&token, PW, 1, NOW),
            Err(SessionError::BadMac)
        ));
    }

    #[test]
    fn ttl_zero_means_no_expiration() {
        let token = seal(&json!(1), PW, 1, Some(0), NOW);
        assert_eq!(token.split('*').nth(5), Some(""));
        assert!(unseal(&token, PW, 1, u64::MAX).is_ok());
    }

    #[test]
    fn expiration_and_skew() {
        let token = seal(&json!(1), PW, 1, Some(1000), NOW);
        let exp = NOW + 1000;
        assert!(unseal(&token, PW, 1, exp).is_ok());
        assert!(unseal(&token, PW, 1, exp + SKEW_MS - 1).is_ok());
        assert!(matches!(
            unseal(&token, PW, 1, exp + SKEW_MS),
            Err(SessionError::Expired)
        ));
        // Near the epoch `now - 60000` is negative: nothing is expired.
        let early = seal(&json!(1), PW, 1, Some(1), 0);
        assert!(unseal(&early, PW, 1, 0).is_ok());
    }

    #[test]
    fn expiration_overflow_is_far_future() {
        // A digit string beyond u64 is MACed by the sealer, so it is a far-future date.
        let token = seal_parts(("", PW), 1, "s", "iv", "ct", "99999999999999999999999", "t");
        assert!(matches!(
            unseal(&token, PW, 1, NOW),
            Err(SessionError::BadBase64)
        ));
    }

    #[test]
    fn rejects_wrong_part_count() {
        let token = seal(&json!(1), PW, 1, None, NOW);
        let seven = token.split_once('*').map(|x| x.1).unwrap_or_default();
        assert!(matches!(
            unseal(seven, PW, 1, NOW),
            Err(SessionError::PartCount)
        ));
        for nine in [format!("{token}*"), format!("{token}*x")] {
            assert!(matches!(
                unseal(&nine, PW, 1, NOW),
                Err(SessionError::PartCount)
            ));
        }
        for short in ["", "Fe26.2", "*******"] {
            assert!(unseal(short, PW, 1, NOW).is_err());
        }
    }

    #[test]
    fn rejects_bad_prefix() {
        let token = seal(&json!(1), PW, 1, None, NOW);
        for prefix in ["Fe26.1", "fe26.2", " Fe26.2", ""] {
            assert!(matches!(
                unseal(&replace_part(&token, 0, prefix), PW, 1, NOW),
                Err(SessionError::BadPrefix)
            ));
        }
    }

    #[test]
    fn rejects_non_digit_expiration() {
        let token = seal(&json!(1), PW, 1, None, NOW);
        for exp in ["-1", "+1", "1e15", " 1", "1.5", "١٢"] {
            assert!(matches!(
                unseal(&replace_part(&token, 5, exp), PW, 1, NOW),
                Err(SessionError::BadExpiration)
            ));
        }
    }

    #[test]
    fn rejects_edited_expiration_and_fields() {
        let token = seal(&json!(1), PW, 1, Some(1), NOW);
        let extended = replace_part(&token, 5, &(NOW + 10_000_000).to_string());
        assert!(matches!(
            unseal(&extended, PW, 1, NOW),
            Err(SessionError::BadMac)
        ));
        for index in [1, 2, 3, 4, 6, 7] {
            let edited = replace_part(&token, index, "AAAA");
            assert!(matches!(
                unseal(&edited, PW, 1, NOW),
                Err(SessionError::BadMac)
            ));
        }
    }

    #[test]
    fn rejects_other_password_and_short_secret() {
        let token = seal(&json!(1), PW, 1, None, NOW);
        assert!(matches!(
            unseal(&token, "another-unit-test-password-0123456789", 1, NOW),
            Err(SessionError::BadMac)
        ));
        assert!(matches!(
            unseal(&token, "short", 1, NOW),
            Err(SessionError::WeakSecret)
        ));
    }

    #[test]
    fn rejects_non_canonical_mac_spelling() {
        let token = seal(&json!(1), PW, 1, None, NOW);
        let mac = token.rsplit('*').next().unwrap_or_default();
        let last = mac.chars().last().unwrap_or('A');
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = ALPHABET.find(last).unwrap_or(0);
        let respelled_last = ALPHABET.as_bytes()[index ^ 1] as char;
        let respelled = format!("{}{respelled_last}", &mac[..mac.len() - 1]);
        // Same bytes for a lenient decoder...
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            base64::engine::general_purpose::NO_PAD.with_decode_allow_trailing_bits(true),
        );
        assert_eq!(lenient.decode(mac).ok(), lenient.decode(&respelled).ok());
        // ...but a different text, so rejected.
        assert!(matches!(
            unseal(&replace_part(&token, 7, &respelled), PW, 1, NOW),
            Err(SessionError::BadMac)
        ));
        // Padding is another spelling.
        assert!(matches!(
            unseal(&replace_part(&token, 7, &format!("{mac}=")), PW, 1, NOW),
            Err(SessionError::BadMac)
        ));
    }

    #[test]
    fn rejects_bad_base64_after_valid_mac() {
        for (iv, ct) in [
            ("!!", "AAAA"),
            ("AAAAAAAAAAAAAAAAAAAAAA", "A"),
            ("", "AA=="),
        ] {
            assert!(matches!(
                unseal(&with_valid_mac(iv, ct), PW, 1, NOW),
                Err(SessionError::BadBase64)
            ));
        }
    }

    #[test]
    fn rejects_decrypt_failures_after_valid_mac() {
        // Wrong IV length, empty ciphertext, ciphertext not a multiple of 16 bytes.
        let block = URL_SAFE_NO_PAD.encode([0u8; 16]);
        let iv = URL_SAFE_NO_PAD.encode([0u8; 16]);
        for (iv, ct) in [
            (URL_SAFE_NO_PAD.encode([0u8; 8]), block.clone()),
            (iv.clone(), String::new()),
            (iv, URL_SAFE_NO_PAD.encode([0u8; 17])),
        ] {
            assert!(matches!(
                unseal(&with_valid_mac(&iv, &ct), PW, 1, NOW),
                Err(SessionError::Decrypt)
            ));
        }
        // Bad PKCS#7 padding (last byte 0).
        let token = token_for_plaintext(&[b'x'; 16], false);
        assert!(matches!(
            unseal(&token, PW, 1, NOW),
            Err(SessionError::Decrypt)
        ));
    }

    #[test]
    fn rejects_non_utf8_and_non_json() {
        assert!(matches!(
            unseal(&token_for_plaintext(b"\xff\xfe{}", true), PW, 1, NOW),
            Err(SessionError::NotUtf8)
        ));
        for text in [&b""[..], b"{", b"{\"a\":1} x", b"undefined"] {
            assert!(matches!(
                unseal(&token_for_plaintext(text, true), PW, 1, NOW),
                Err(SessionError::NotJson)
            ));
        }
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_str_eq("abc", "abc"));
        assert!(ct_str_eq("", ""));
        assert!(!ct_str_eq("abc", "abd"));
        assert!(!ct_str_eq("abc", "ab"));
        assert!(!ct_str_eq("ab", "abc"));
        assert!(!ct_str_eq("abc", ""));
    }

    #[test]
    fn pbkdf2_uses_salt_text_not_hex_bytes() {
        // RFC 6070 vector 1 for PBKDF2-HMAC-SHA1 ("password", "salt", 1 iteration).
        let key = derive("password", "salt", 1);
        assert_eq!(hex(&key[..20]), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
        // The hex salt is used as text: "00" is two 0x30 bytes, not one 0x00.
        assert_ne!(derive(PW, "00", 1), derive(PW, "\0", 1));
    }

    #[test]
    fn never_panics_on_odd_input() {
        let token = seal(&json!(1), PW, 1, None, NOW);
        let mut inputs = vec![
            "*".repeat(7),
            "\u{0}".repeat(100),
            "Fe26.2*\u{1F600}*é*ü*ö**ä*ß".to_owned(),
        ];
        for cut in 0..token.len() {
            inputs.push(token[..cut].to_owned());
        }
        for input in inputs {
            assert!(unseal(&input, PW, 1, NOW).is_err());
        }
    }
}
