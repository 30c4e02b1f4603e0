//! The store side of shares: a share as stored, and its owner's routes ([`ShareStore`]); the
//! public read is [`super::SharedChatStore`].

use std::fmt;
use std::future::Future;

use super::StoreError;
use crate::clock::rfc3339_ms;
use crate::ids::{ChatId, ShareId, UserId, WhitelistEntryId};
use crate::model::{Share, ShareInfo, WhitelistEntry};

/// One email of a share's whitelist, as stored (trimmed and lowercased).
#[derive(Clone, PartialEq, Eq)]
pub struct ListedEmail {
    pub id: WhitelistEntryId,
    pub email: String,
    pub created_at: u64,
}

/// A share as stored: what its owner set and what the public read checks. Its `Debug`
/// never shows the password hash or an email.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredShare {
    pub user_id: UserId,
    pub chat_id: ChatId,
    /// The web app's `chat_conversation_share.id`: the `{share_id}` of the whitelist route.
    pub id: ShareId,
    pub uuid: String,
    pub is_shared: bool,
    pub is_protected: bool,
    /// Argon2id PHC string, `None` without a password.
    pub password_hash: Option<String>,
    pub whitelist: Vec<ListedEmail>,
    pub created_at: u64,
    pub updated_at: u64,
}

impl fmt::Debug for StoredShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredShare")
            .field("user_id", &self.user_id)
            .field("chat_id", &self.chat_id)
            .field("id", &self.id)
            .field("is_shared", &self.is_shared)
            .field("is_protected", &self.is_protected)
            .field("has_password", &self.password_hash.is_some())
            .field("whitelist_len", &self.whitelist.len())
            .finish_non_exhaustive()
    }
}

impl StoredShare {
    /// What its owner sees of it.
    pub fn to_share(&self) -> Share {
        Share {
            id: self.id,
            share_uuid: self.uuid.clone(),
            chat_conversation_id: self.chat_id,
            is_shared: self.is_shared,
            is_protected: self.is_protected,
            has_password: self.password_hash.is_some(),
            has_whitelist: !self.whitelist.is_empty(),
            created_at: rfc3339_ms(self.created_at),
            updated_at: rfc3339_ms(self.updated_at),
        }
    }

    /// What the public page is told of it.
    pub fn info(&self) -> ShareInfo {
        ShareInfo {
            share_exists: true,
            share_is_active: self.is_shared,
            share_is_private: self.is_protected,
            share_has_password: self.password_hash.is_some(),
            share_has_whitelist: !self.whitelist.is_empty(),
        }
    }

    /// Its whitelist, in the routes' shape.
    pub fn entries(&self) -> Vec<WhitelistEntry> {
        self.whitelist
            .iter()
            .map(|listed| WhitelistEntry {
                id: listed.id,
                email: listed.email.clone(),
                chat_conversation_share_id: self.id,
                created_at: rfc3339_ms(listed.created_at),
                updated_at: rfc3339_ms(listed.created_at),
            })
            .collect()
    }

    /// The share with the `emails` it does not list yet, at `now_ms`; their ids follow the
    /// largest listed (a first one draws a time-based id), and `updated_at` moves if any was
    /// added.
    pub fn with_emails(mut self, emails: Vec<String>, now_ms: u64) -> Self {
        let mut next_id = self
            .whitelist
            .iter()
            .map(|listed| listed.id.get() + 1)
            .max()
            .unwrap_or_else(|| crate::ids::single_id(now_ms));
        for email in emails {
            if !self.lists(&email) {
                self.whitelist.push(ListedEmail {
                    id: WhitelistEntryId(next_id),
                    email,
                    created_at: now_ms,
                });
                next_id += 1;
                self.updated_at = now_ms.max(self.updated_at);
            }
        }
        self
    }

    /// Whether `email` (trimmed and lowercased, as whitelists hold them) is listed.
    pub fn lists(&self, email: &str) -> bool {
        self.whitelist.iter().any(|listed| listed.email == email)
    }
}

/// What a create or replace sets: the settings, the password already hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareWrite {
    pub is_shared: bool,
    pub is_protected: bool,
    pub password_hash: Option<String>,
}

impl fmt::Debug for ShareWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareWrite")
            .field("is_shared", &self.is_shared)
            .field("is_protected", &self.is_protected)
            .field("has_password", &self.password_hash.is_some())
            .finish()
    }
}

/// A share found by its uuid, with the password attempts taken in the current minute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundShare {
    pub share: StoredShare,
    pub attempts: u64,
}

/// A chat owner's share routes. Every call fails with [`StoreError::ChatNotFound`] when the
/// user has no such chat.
pub trait ShareStore: Send + Sync {
    /// The chat's share uuid, `None` when it has no share.
    fn share_uuid(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Creates the chat's share, or replaces its settings keeping its id and uuid (a link
    /// handed out keeps working) and clearing its whitelist. A new share fails with
    /// [`StoreError::Erased`] once the user was erased.
    fn put_share(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        settings: ShareWrite,
        now_ms: u64,
    ) -> impl Future<Output = Result<StoredShare, StoreError>> + Send;

    /// Adds the emails that are not listed yet to the whitelist of the chat's share `share_id`
    /// and returns the whole list; [`StoreError::ShareNotFound`] when the chat's share is
    /// not that one.
    fn add_to_whitelist(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        share_id: ShareId,
        emails: Vec<String>,
        now_ms: u64,
    ) -> impl Future<Output = Result<Vec<WhitelistEntry>, StoreError>> + Send;

    /// Deletes the chat's share, if it has one: its link stops working at once.
    fn delete_share(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;

    fn share(listed: &[(u64, &str)]) -> StoredShare {
        StoredShare {
            user_id: ids::UserId(1),
            chat_id: ids::ChatId(2),
            id: ids::ShareId(3),
            uuid: "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f".into(),
            is_shared: true,
            is_protected: true,
            password_hash: None,
            whitelist: listed
                .iter()
                .map(|&(id, email)| ListedEmail {
                    id: ids::WhitelistEntryId(id),
                    email: email.into(),
                    created_at: 0,
                })
                .collect(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn new_emails_follow_the_listed_ones_and_are_listed_once() {
        let grown = share(&[(41, "a@x.io"), (7, "b@x.io")])
            .with_emails(vec!["b@x.io".into(), "c@x.io".into(), "d@x.io".into()], 5);
        let listed: Vec<(u64, &str)> = grown
            .whitelist
            .iter()
            .map(|l| (l.id.get(), l.email.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (41, "a@x.io"),
                (7, "b@x.io"),
                (42, "c@x.io"),
                (43, "d@x.io")
            ]
        );
    }

    #[test]
    fn a_first_email_draws_a_time_based_id() {
        let now = 1_795_288_364_006;
        let grown = share(&[]).with_emails(vec!["a@x.io".into()], now);
        assert!(grown.whitelist[0].id >= ids::WhitelistEntryId(crate::ids::FIRST_API_ID));
    }
}
