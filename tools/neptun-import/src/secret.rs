//! The web app's `CRYPTO_SECRET`: the pgcrypto key under which it stores share passwords and
//! users' emails. Its bytes go to PostgreSQL as a query parameter and nowhere else: never
//! printed, never in a `Debug`, wiped from memory when dropped.

use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq)]
pub struct CryptoSecret(Zeroizing<Vec<u8>>);

impl CryptoSecret {
    /// `None` when empty: the web app never runs without one.
    pub fn new(secret: String) -> Option<Self> {
        let secret = Zeroizing::new(secret.into_bytes());
        (!secret.is_empty()).then_some(Self(secret))
    }

    /// The key as pgcrypto takes it (`bytea`).
    pub fn bytes(&self) -> &Vec<u8> {
        &self.0
    }
}

impl std::fmt::Debug for CryptoSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CryptoSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_never_shown_and_never_empty() {
        let secret = CryptoSecret::new("s3cr3t-key".into()).expect("a secret");
        assert_eq!(format!("{secret:?}"), "CryptoSecret(..)");
        assert_eq!(secret.bytes().as_slice(), b"s3cr3t-key");
        assert!(CryptoSecret::new(String::new()).is_none());
    }
}
