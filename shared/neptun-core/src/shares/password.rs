//! Share passwords: stored only as Argon2id PHC strings (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`).
//!
//! [`MEMORY_KIB`], [`PASSES`] and [`LANES`] are the one place the cost is set. A verification reads the parameters from the
//! stored string, so a hash made with older parameters still verifies after they change.

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::{self as phc_hash};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The cost of a new hash: one of the configurations OWASP's Password Storage Cheat Sheet lists
/// as its minimum for Argon2id, all of equal strength (19 MiB and 2 passes, 12 MiB and 3, 9 MiB
/// and 4, ...), with 1 lane: a third less memory per verification than 19 MiB. `make bench`
/// measures one verification at Lambda's CPU shares (BENCHMARKS.md, "Share passwords").
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
    Hash(#[source] phc_hash::Error),
}

thread_local! {
    /// The Argon2 memory of this thread, reused by every hash and verification on it: a new
    /// block of 12 MiB each time is not always reused by the allocator once freed, so a
    /// process that hashes many passwords (the import) grew by a block per password.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn params() -> Params {
    Params::new(MEMORY_KIB, PASSES, LANES, None)
        .unwrap_or_else(|_| unreachable!("the constant parameters are within Argon2's bounds"))
}

/// The raw Argon2 output of `password` and `salt` under `argon2`, `len` bytes long, computed
/// in this thread's memory.
fn output(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    len: usize,
) -> Result<Output, PasswordError> {
    let mut out = vec![0u8; len];
    let blocks = argon2.params().block_count();
    MEMORY
        .with_borrow_mut(|memory| {
            if memory.len() < blocks {
                memory.resize(blocks, Block::default());
            }
            argon2.hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                &mut memory[..blocks],
            )
        })
        .map_err(|error| PasswordError::Hash(error.into()))?;
    Output::new(&out).map_err(|error| PasswordError::Hash(error.into()))
}

/// A new PHC string for `password`, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let params = params();
    let salt =
        phc_hash::try_generate_salt().map_err(|_| PasswordError::Hash(phc_hash::Error::Crypto))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let stored = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(PasswordError::Hash)?,
        salt: Some(Salt::new(&salt).map_err(|error| PasswordError::Hash(error.into()))?),
        hash: Some(output(&argon2, password, &salt, len)?),
    };
    Ok(stored.to_string())
}

/// Whether `password` matches the stored PHC string, under the parameters it was made with
/// (compared in constant time).
pub fn verify(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(stored).map_err(|_| PasswordError::NotPhc)?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(PasswordError::NotPhc);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(PasswordError::Hash)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|error| PasswordError::Hash(error.into()))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(PasswordError::Hash)?;
    let argon2 = Argon2::new(algorithm, version, params);
    Ok(output(&argon2, password, salt, expected.len())? == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;

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
    fn a_hash_is_one_the_argon2_crate_itself_verifies() {
        use argon2::password_hash::PasswordVerifier;
        let stored = hash("interoperable").expect("a hash");
        let parsed = PasswordHash::new(&stored).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"interoperable", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"other", &parsed)
                .is_err()
        );
    }

    #[test]
    fn a_stored_string_that_is_no_phc_string_is_an_error_not_a_match() {
        assert!(matches!(verify("x", "plain"), Err(PasswordError::NotPhc)));
    }
}
