//! The rows of a share's partition (`SHARE#<uuid>`): the share itself, and one count of failed
//! password attempts per minute that TTL removes.

use neptun_core::ids::{ChatId, ShareId, UserId, WhitelistEntryId};
use neptun_core::store::{ListedEmail, StoredShare};
use serde::{Deserialize, Serialize};

/// `SHARE#<uuid>` / `SHARE`: a chat's share, found by its uuid alone (the public read). Its
/// chat's rows name it too (`ChatRow::share_uuid`), for the owner's routes and the deletes.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRow {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: ShareId,
    pub uuid: String,
    pub user_id: UserId,
    pub chat_id: ChatId,
    pub is_shared: bool,
    pub is_protected: bool,
    /// Argon2id PHC string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub whitelist: Vec<ListedEmailRow>,
    pub created_at: u64,
    pub updated_at: u64,
    /// Every write of the share draws a new one: a write conditioned on it meets no other.
    #[serde(rename = "w")]
    pub write_id: u64,
}

impl std::fmt::Debug for ShareRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareRow")
            .field("pk", &self.pk)
            .field("id", &self.id)
            .field("write_id", &self.write_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEmailRow {
    pub id: WhitelistEntryId,
    pub email: String,
    pub created_at: u64,
}

/// `SHARE#<uuid>` / `ATTEMPTS#<minute>`: failed password attempts in one minute. Written only
/// by `ADD` (so never encoded from this type), read with the share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AttemptsRow {
    /// The minute's count.
    pub n: u64,
}

impl ShareRow {
    /// The row of `share`, written by the write `write_id`.
    pub fn new(share: &StoredShare, write_id: u64) -> Self {
        Self {
            pk: super::share_pk(&share.uuid),
            sk: super::SHARE_SK.to_owned(),
            id: share.id,
            uuid: share.uuid.clone(),
            user_id: share.user_id,
            chat_id: share.chat_id,
            is_shared: share.is_shared,
            is_protected: share.is_protected,
            password_hash: share.password_hash.clone(),
            whitelist: share
                .whitelist
                .iter()
                .map(|listed| ListedEmailRow {
                    id: listed.id,
                    email: listed.email.clone(),
                    created_at: listed.created_at,
                })
                .collect(),
            created_at: share.created_at,
            updated_at: share.updated_at,
            write_id,
        }
    }
}

impl From<ShareRow> for StoredShare {
    fn from(row: ShareRow) -> Self {
        Self {
            user_id: row.user_id,
            chat_id: row.chat_id,
            id: row.id,
            uuid: row.uuid,
            is_shared: row.is_shared,
            is_protected: row.is_protected,
            password_hash: row.password_hash,
            whitelist: row
                .whitelist
                .into_iter()
                .map(|listed| ListedEmail {
                    id: listed.id,
                    email: listed.email,
                    created_at: listed.created_at,
                })
                .collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_round_trips_and_its_debug_holds_no_secret() {
        let share = StoredShare {
            user_id: UserId(1),
            chat_id: ChatId(2),
            id: ShareId(3),
            uuid: "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f".into(),
            is_shared: true,
            is_protected: true,
            password_hash: Some("$argon2id$v=19$secret".into()),
            whitelist: vec![ListedEmail {
                id: WhitelistEntryId(4),
                email: "ada@example.com".into(),
                created_at: 5,
            }],
            created_at: 6,
            updated_at: 7,
        };
        let row = ShareRow::new(&share, 8);
        assert_eq!(row.pk, "SHARE#0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f");
        let item = super::super::to_attribute_map(&row).expect("encoded");
        let decoded: ShareRow = serde_dynamo::from_item(item).expect("decoded");
        assert_eq!(StoredShare::from(decoded), share);
        let shown = format!("{row:?} {share:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("ada@"),
            "{shown}"
        );
    }
}
