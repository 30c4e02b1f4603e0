//! Share passwords: stored only as Argon2id PHC strings (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`).
//!
//! [`PARAMS`] is the one place the cost is set. A verification reads the parameters from the
//! stored string, so a hash made with older parameters still verifies after they change.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// The cost of a new hash: one of the configurations OWASP's Password Storage Cheat Sheet lists
/// as its minimum for Argon2id, all of equal strength (19 MiB and 2 passes, 12 MiB and 3, 9 MiB
/// and 4, ...), with 1 lane: a third less memory per verification than 19 MiB (a process of
/// the public read that verifies peaks at 19.6 MB). `make bench` measures one verification at
/// Lambda's CPU shares (BENCHMARKS.md, "Share passwords").
pub const MEMORY_KIB: u32 = 12 * 1024;
pub const PASSES: u32 = 3;
pub const LANES: u32 = 1;

/// The longest password a share accepts (the contract's limit), in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// A stored string that is not an Argon2 PHC string: the share's row is corrupt.
    #[error("the stored password hash is not a PHC string")]
    NotPhc,
    #[error("hashing the password failed")]
    Hash(#[source] argon2::password_hash::Error),
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .unwrap_or_else(|_| unreachable!("the constant parameters are within Argon2's bounds"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A new PHC string for `password`, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(PasswordError::Hash)
}

/// Whether `password` matches the stored PHC string, under the parameters it was made with.
pub fn verify(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(stored).map_err(|_| PasswordError::NotPhc)?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(error) => Err(PasswordError::Hash(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_an_argon2id_phc_string_with_the_parameters() {
        let stored = hash("correct horse").expect("a hash");
        assert!(
            stored.starts_with(&format!(
                "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$"
            )),
            "{stored}"
        );
        assert!(!stored.contains("correct horse"));
        assert_ne!(
            stored,
            hash("correct horse").expect("a hash"),
            "a fresh salt each time"
        );
    }

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let stored = hash("correct horse").expect("a hash");
        assert!(verify("correct horse", &stored).expect("verified"));
        assert!(!verify("correct horsE", &stored).expect("verified"));
        assert!(!verify("", &stored).expect("verified"));
    }

    #[test]
    fn a_hash_with_older_parameters_still_verifies() {
        let older = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).expect("params"),
        )
        .hash_password(b"kept")
        .expect("a hash")
        .to_string();
        assert!(verify("kept", &older).expect("verified"));
        assert!(!verify("other", &older).expect("verified"));
    }

    #[test]
    fn a_stored_string_that_is_no_phc_string_is_an_error_not_a_match() {
        assert!(matches!(verify("x", "plain"), Err(PasswordError::NotPhc)));
    }
}
