//! The web app's shares (`chat_conversation_share`) and whitelists
//! (`chat_conversation_share_whitelist_entry`), read with their secrets decrypted in
//! PostgreSQL by pgcrypto under `CRYPTO_SECRET`, exactly as the web app reads them.
//!
//! All of a run's shares are read before it writes anything, so a missing or wrong secret
//! stops the run before the first write; so does a sample of users' emails that does not
//! decrypt to emails (pgcrypto's padding check alone lets about one wrong key in 256 pass).

use std::collections::BTreeMap;

use neptun_core::validation::normalize_email;
use sha2::{Digest, Sha256};
use tokio_postgres::Transaction as Snapshot;
use zeroize::Zeroizing;

use super::secret::CryptoSecret;
use super::source::{SourceError, ids_param, ms, positive};

/// Users whose emails must decrypt to emails before a run writes anything.
const SAMPLED_EMAILS: i64 = 100;

/// How the web app reads an encrypted column (`encode(decrypt(decode(..., 'hex'), secret,
/// 'aes'), 'escape')`), as UTF-8 text, the secret in parameter `secret` (`$n`).
fn decrypted(column: &str, secret: &str) -> String {
    format!(
        "CASE WHEN {column} IS NULL THEN NULL \
         ELSE convert_from(decrypt(decode({column}, 'hex'), {secret}::bytea, 'aes'), 'UTF8') END"
    )
}

/// One whitelist entry: the listed user's decrypted email (`None` without a usable one).
#[derive(Clone, PartialEq, Eq)]
pub struct SourceListed {
    pub id: u64,
    pub user_id: u64,
    pub email: Option<String>,
    pub created_at: u64,
}

/// A share with its password decrypted. Its `Debug` shows neither password nor email.
#[derive(Clone)]
pub struct SourceShare {
    pub id: u64,
    pub uuid: String,
    pub user_id: u64,
    pub chat_id: u64,
    pub is_shared: bool,
    pub is_protected: bool,
    /// The stored ciphertext, for the digest (it changes with the password).
    pub ciphertext: Option<String>,
    pub password: Option<Zeroizing<String>>,
    pub created_at: u64,
    pub updated_at: u64,
    pub whitelist: Vec<SourceListed>,
}

impl std::fmt::Debug for SourceShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceShare")
            .field("id", &self.id)
            .field("chat_id", &self.chat_id)
            .field("has_password", &self.password.is_some())
            .field("whitelist_len", &self.whitelist.len())
            .finish_non_exhaustive()
    }
}

impl SourceShare {
    /// A SHA-256 of everything the import takes from the source (the password as its
    /// ciphertext): a share whose digest is the one recorded has not changed since.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        };
        field(&self.id.to_be_bytes());
        field(self.uuid.as_bytes());
        field(&self.user_id.to_be_bytes());
        field(&self.chat_id.to_be_bytes());
        field(&[u8::from(self.is_shared), u8::from(self.is_protected)]);
        field(self.ciphertext.as_deref().unwrap_or("").as_bytes());
        field(&[u8::from(self.ciphertext.is_some())]);
        field(&self.created_at.to_be_bytes());
        field(&self.updated_at.to_be_bytes());
        for listed in &self.whitelist {
            field(&listed.id.to_be_bytes());
            field(&listed.user_id.to_be_bytes());
            field(listed.email.as_deref().unwrap_or("").as_bytes());
            field(&listed.created_at.to_be_bytes());
        }
        hex(&hasher.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The failure of a query that decrypts: the secret's fault when pgcrypto or the UTF-8
/// conversion refused the result.
fn decrypt_failed(what: &'static str) -> impl Fn(tokio_postgres::Error) -> SourceError {
    move |source| {
        let code = source
            .as_db_error()
            .map(|error| error.code().code().to_owned());
        match code.as_deref() {
            // pgcrypto's "Wrong key or corrupt data", or bytes that are no UTF-8.
            Some("39000") | Some("22021") => SourceError::WrongSecret { what },
            _ => SourceError::Query { what, source },
        }
    }
}

/// Fails unless `CRYPTO_SECRET` decrypts a sample of users' emails to emails.
pub async fn check_secret(
    snapshot: &Snapshot<'_>,
    secret: &CryptoSecret,
) -> Result<(), SourceError> {
    let sql = format!(
        "SELECT {} FROM neptun_user WHERE primary_email IS NOT NULL \
         ORDER BY id LIMIT {SAMPLED_EMAILS}",
        decrypted("primary_email", "$1")
    );
    let rows = snapshot
        .query(&sql, &[secret.bytes()])
        .await
        .map_err(decrypt_failed("users' emails"))?;
    for row in rows {
        let email: Option<String> = row.try_get(0).map_err(|source| SourceError::Query {
            what: "users' emails",
            source,
        })?;
        if email.as_deref().and_then(normalize_email).is_none() {
            return Err(SourceError::WrongSecret {
                what: "users' emails",
            });
        }
    }
    Ok(())
}

/// Every share in scope, by id, with its whitelist.
pub async fn shares(
    snapshot: &Snapshot<'_>,
    secret: &CryptoSecret,
    users: &Option<Vec<u64>>,
    erased: &[u64],
) -> Result<BTreeMap<u64, SourceShare>, SourceError> {
    let scope = "($1::int8[] IS NULL OR c.neptun_user_id = ANY($1)) \
                 AND NOT (c.neptun_user_id = ANY($2::int8[]))";
    let params_users = ids_param(users);
    let params_erased = ids_param(&Some(erased.to_vec()));
    let chat_time = "COALESCE(s.created_at, s.updated_at, c.created_at, c.updated_at, 'epoch')";
    let sql = format!(
        "SELECT s.id::int8, s.share_id::text, c.neptun_user_id::int8, s.chat_conversation_id::int8, \
         s.is_shared, s.is_protected, s.hashed_password, {password}, {created}, {updated} \
         FROM chat_conversation_share s JOIN chat_conversation c ON c.id = s.chat_conversation_id \
         WHERE {scope} ORDER BY s.id",
        password = decrypted("s.hashed_password", "$3"),
        created = ms(chat_time),
        updated = ms(&format!("COALESCE(s.updated_at, {chat_time})")),
    );
    let rows = snapshot
        .query(&sql, &[&params_users, &params_erased, secret.bytes()])
        .await
        .map_err(decrypt_failed("share passwords"))?;
    let failed = |source| SourceError::Query {
        what: "chat_conversation_share",
        source,
    };
    let mut shares = BTreeMap::new();
    for row in rows {
        let id: i64 = row.try_get(0).map_err(failed)?;
        let share = SourceShare {
            id: positive(id),
            uuid: row.try_get(1).map_err(failed)?,
            user_id: positive(row.try_get(2).map_err(failed)?),
            chat_id: positive(row.try_get(3).map_err(failed)?),
            is_shared: row.try_get(4).map_err(failed)?,
            is_protected: row.try_get(5).map_err(failed)?,
            ciphertext: row.try_get(6).map_err(failed)?,
            password: row
                .try_get::<_, Option<String>>(7)
                .map_err(failed)?
                .map(Zeroizing::new),
            created_at: positive(row.try_get(8).map_err(failed)?),
            updated_at: positive(row.try_get(9).map_err(failed)?),
            whitelist: Vec::new(),
        };
        shares.insert(share.id, share);
    }
    let sql = format!(
        "SELECT w.chat_conversation_share_id::int8, w.id::int8, w.whitelisted_neptun_user_id::int8, \
         {email}, {created} \
         FROM chat_conversation_share_whitelist_entry w \
         JOIN chat_conversation_share s ON s.id = w.chat_conversation_share_id \
         JOIN chat_conversation c ON c.id = s.chat_conversation_id \
         LEFT JOIN neptun_user u ON u.id = w.whitelisted_neptun_user_id \
         WHERE {scope} ORDER BY 1, 2",
        email = decrypted("u.primary_email", "$3"),
        created = ms("COALESCE(w.created_at, w.updated_at, s.created_at, 'epoch')"),
    );
    let rows = snapshot
        .query(&sql, &[&params_users, &params_erased, secret.bytes()])
        .await
        .map_err(decrypt_failed("whitelisted users' emails"))?;
    let failed = |source| SourceError::Query {
        what: "chat_conversation_share_whitelist_entry",
        source,
    };
    for row in rows {
        let share_id = positive(row.try_get(0).map_err(failed)?);
        let listed = SourceListed {
            id: positive(row.try_get(1).map_err(failed)?),
            user_id: positive(row.try_get(2).map_err(failed)?),
            email: row
                .try_get::<_, Option<String>>(3)
                .map_err(failed)?
                .as_deref()
                .and_then(normalize_email),
            created_at: positive(row.try_get(4).map_err(failed)?),
        };
        if let Some(share) = shares.get_mut(&share_id) {
            share.whitelist.push(listed);
        }
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share() -> SourceShare {
        SourceShare {
            id: 3,
            uuid: "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f".into(),
            user_id: 1,
            chat_id: 2,
            is_shared: true,
            is_protected: true,
            ciphertext: Some("a1b2".into()),
            password: Some(Zeroizing::new("open sesame".into())),
            created_at: 5,
            updated_at: 6,
            whitelist: vec![SourceListed {
                id: 9,
                user_id: 4,
                email: Some("ada@example.com".into()),
                created_at: 7,
            }],
        }
    }

    #[test]
    fn the_digest_sees_every_setting_and_never_shows_the_password() {
        let base = share();
        let digest = base.digest();
        assert_eq!(digest.len(), 64);
        let mut changed = share();
        changed.ciphertext = Some("a1b3".into());
        assert_ne!(changed.digest(), digest);
        let mut changed = share();
        changed.whitelist[0].email = Some("grace@example.com".into());
        assert_ne!(changed.digest(), digest);
        let mut changed = share();
        changed.is_shared = false;
        assert_ne!(changed.digest(), digest);
        let shown = format!("{base:?}");
        assert!(
            !shown.contains("sesame") && !shown.contains("ada@"),
            "{shown}"
        );
    }
}
