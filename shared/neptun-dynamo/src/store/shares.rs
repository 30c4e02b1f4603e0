//! A chat's share, for its owner's routes.
//!
//! The share is one row of its own partition (`SHARE#<uuid>`, found by the public read), and
//! the chat's rows name its uuid. Creating a share and deleting it change both in one
//! transaction, conditioned on the chat's row being the one that was read; replacing its
//! settings or adding to its whitelist rewrites the share's row alone, conditioned on its
//! write id. A chat's delete deletes its share in the same transaction (`delete`), an erasure
//! deletes the shares first (`erase`), so a share exists only while its chat does.

use neptun_core::ids::{ChatId, ShareId, UserId};
use std::time::Instant;

use aws_sdk_dynamodb::types::TransactWriteItem;
use neptun_core::ids;
use neptun_core::model::WhitelistEntry;
use neptun_core::store::{ShareStore, ShareWrite, StoreError, StoredShare};
use neptun_core::validation::MAX_WHITELIST;

use super::DynamoStore;
use super::guarded::RowCondition;
use super::retry::ConflictRetry;
use crate::schema::{self, ChatRow, ShareRow};

/// What one attempt of a write did: `None` when the rows changed since they were read.
type Attempt<T> = Option<T>;

impl DynamoStore {
    /// The share's row, read consistently.
    pub(super) async fn share_row(&self, uuid: &str) -> Result<Option<ShareRow>, StoreError> {
        self.consistent_row(schema::share_pk(uuid), schema::SHARE_SK.to_owned())
            .await
    }

    /// The chat's row in the user's list, for a write: [`StoreError::ChatNotFound`], or
    /// [`StoreError::Erased`] for an erased user.
    async fn existing_chat(&self, user_id: UserId, chat_id: ChatId) -> Result<ChatRow, StoreError> {
        match self.chat_row(user_id, chat_id).await? {
            Some(chat) => Ok(chat),
            None => Err(self
                .missing_unless_erased(user_id, StoreError::ChatNotFound)
                .await),
        }
    }

    /// The puts of the chat's rows as `next`, the user's row conditioned on `current`'s
    /// write, the marker (index 1) on existing.
    fn chat_rewrite(
        &self,
        current: &ChatRow,
        next: &ChatRow,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let written = RowCondition::Written {
            write_id: current.write_id,
        };
        let mut actions = vec![
            self.put_row(next, Some(written))?,
            self.put_row(&next.marker(), Some(RowCondition::Exists))?,
        ];
        if let Some(listed) = next.in_project() {
            actions.push(self.put_row(&listed, None)?);
        }
        Ok(actions)
    }

    /// A new share of `chat`, with a fresh id and uuid.
    async fn create_share(
        &self,
        chat: &ChatRow,
        settings: &ShareWrite,
        now_ms: u64,
    ) -> Result<Attempt<StoredShare>, StoreError> {
        let share = StoredShare {
            user_id: chat.user_id,
            chat_id: chat.id,
            id: ShareId(ids::single_id(now_ms)),
            uuid: ids::random_uuid(),
            is_shared: settings.is_shared,
            is_protected: settings.is_protected,
            password_hash: settings.password_hash.clone(),
            whitelist: Vec::new(),
            created_at: now_ms,
            updated_at: now_ms,
        };
        let next = ChatRow {
            share_uuid: Some(share.uuid.clone()),
            write_id: rand::random(),
            ..chat.clone()
        };
        let mut actions = self.chat_rewrite(chat, &next)?;
        actions.push(self.put_row(
            &ShareRow::new(&share, rand::random()),
            Some(RowCondition::Absent),
        )?);
        match self.write_guarded(chat.user_id, actions).await? {
            None => Ok(Some(share)),
            Some(failed) if failed.at(1) => Err(StoreError::ChatNotFound),
            Some(_) => Ok(None),
        }
    }

    /// New settings for the existing share `row` (its whitelist cleared).
    async fn replace_share(
        &self,
        row: ShareRow,
        settings: &ShareWrite,
        now_ms: u64,
    ) -> Result<Attempt<StoredShare>, StoreError> {
        let written = RowCondition::Written {
            write_id: row.write_id,
        };
        let current = StoredShare::from(row);
        let share = StoredShare {
            is_shared: settings.is_shared,
            is_protected: settings.is_protected,
            password_hash: settings.password_hash.clone(),
            whitelist: Vec::new(),
            updated_at: now_ms.max(current.updated_at),
            ..current
        };
        let put = self.put_row(&ShareRow::new(&share, rand::random()), Some(written))?;
        Ok(self
            .write_guarded(share.user_id, vec![put])
            .await?
            .is_none()
            .then_some(share))
    }
}

impl ShareStore for DynamoStore {
    async fn share_uuid(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<Option<String>, StoreError> {
        // A read: an erased user has no chats.
        let (chat, erased) =
            tokio::try_join!(self.chat_row(user_id, chat_id), self.is_erased(user_id))?;
        match chat.filter(|_| !erased) {
            Some(chat) => Ok(chat.share_uuid),
            None => Err(StoreError::ChatNotFound),
        }
    }

    async fn put_share(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        settings: ShareWrite,
        now_ms: u64,
    ) -> Result<StoredShare, StoreError> {
        let mut rounds = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let chat = self.existing_chat(user_id, chat_id).await?;
            let current = match chat.share_uuid.as_deref() {
                Some(uuid) => self.share_row(uuid).await?,
                None => None,
            };
            // A share whose row is gone (an erasure that stopped midway) is shared anew.
            let attempt = match current {
                Some(row) => self.replace_share(row, &settings, now_ms).await?,
                None => self.create_share(&chat, &settings, now_ms).await?,
            };
            if let Some(share) = attempt {
                return Ok(share);
            }
            if !rounds.pause("share a chat").await {
                return Err(StoreError::Unavailable(
                    "the chat kept changing while it was shared".into(),
                ));
            }
        }
    }

    async fn add_to_whitelist(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        share_id: ShareId,
        emails: Vec<String>,
        now_ms: u64,
    ) -> Result<Vec<WhitelistEntry>, StoreError> {
        let mut rounds = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let chat = self.existing_chat(user_id, chat_id).await?;
            let row = match chat.share_uuid {
                Some(uuid) => self.share_row(&uuid).await?,
                None => None,
            };
            let Some(row) = row.filter(|row| row.id == share_id) else {
                return Err(self
                    .missing_unless_erased(user_id, StoreError::ShareNotFound)
                    .await);
            };
            let written = RowCondition::Written {
                write_id: row.write_id,
            };
            let listed = row.whitelist.len();
            let share = StoredShare::from(row).with_emails(emails.clone(), now_ms);
            if share.whitelist.len() > MAX_WHITELIST {
                return Err(StoreError::WhitelistFull);
            }
            if share.whitelist.len() == listed {
                // Nothing to write: an erased user is still told so.
                self.refuse_if_erased(user_id).await?;
                return Ok(share.entries());
            }
            let put = self.put_row(&ShareRow::new(&share, rand::random()), Some(written))?;
            if self.write_guarded(user_id, vec![put]).await?.is_none() {
                return Ok(share.entries());
            }
            if !rounds.pause("add to a whitelist").await {
                return Err(StoreError::Unavailable(
                    "the share kept changing while its whitelist grew".into(),
                ));
            }
        }
    }

    async fn delete_share(&self, user_id: UserId, chat_id: ChatId) -> Result<(), StoreError> {
        let mut rounds = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let chat = self.existing_chat(user_id, chat_id).await?;
            let Some(uuid) = chat.share_uuid.as_deref() else {
                return self.refuse_if_erased(user_id).await;
            };
            let next = ChatRow {
                share_uuid: None,
                write_id: rand::random(),
                ..chat.clone()
            };
            let mut actions = self.chat_rewrite(&chat, &next)?;
            actions.push(self.delete_row(
                schema::share_pk(uuid),
                schema::SHARE_SK.to_owned(),
                None,
            )?);
            match self.write_guarded(user_id, actions).await? {
                None => return Ok(()),
                Some(failed) if failed.at(1) => return Err(StoreError::ChatNotFound),
                Some(_) => {}
            }
            if !rounds.pause("delete a share").await {
                return Err(StoreError::Unavailable(
                    "the chat kept changing while its share was deleted".into(),
                ));
            }
        }
    }
}
