//! The memory store's [`ShareStore`].

use super::MemoryStore;
use neptun_core::ids;
use neptun_core::ids::{ChatId, ShareId, UserId};
use neptun_core::model::WhitelistEntry;
use neptun_core::store::{ShareStore, ShareWrite, StoreError, StoredShare};
use neptun_core::validation::MAX_WHITELIST;

impl ShareStore for MemoryStore {
    async fn share_uuid(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<Option<String>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let stored = state.chat_mut(user_id, chat_id)?;
        Ok(stored.share.as_ref().map(|share| share.uuid.clone()))
    }

    async fn put_share(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        settings: ShareWrite,
        now_ms: u64,
    ) -> Result<StoredShare, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        let id = state.next_id();
        let stored = state.chat_mut(user_id, chat_id)?;
        let share = match stored.share.take() {
            Some(current) => StoredShare {
                updated_at: now_ms.max(current.updated_at),
                ..current
            },
            None => StoredShare {
                user_id,
                chat_id,
                id: ShareId(id),
                uuid: ids::random_uuid(),
                is_shared: false,
                is_protected: false,
                password_hash: None,
                whitelist: Vec::new(),
                created_at: now_ms,
                updated_at: now_ms,
            },
        };
        let share = StoredShare {
            is_shared: settings.is_shared,
            is_protected: settings.is_protected,
            password_hash: settings.password_hash,
            whitelist: Vec::new(),
            ..share
        };
        stored.share = Some(share.clone());
        Ok(share)
    }

    async fn add_to_whitelist(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        share_id: ShareId,
        emails: Vec<String>,
        now_ms: u64,
    ) -> Result<Vec<WhitelistEntry>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        let stored = state.chat_mut(user_id, chat_id)?;
        let current = stored
            .share
            .take_if(|share| share.id == share_id)
            .ok_or(StoreError::ShareNotFound)?;
        let share = current.clone().with_emails(emails, now_ms);
        if share.whitelist.len() > MAX_WHITELIST {
            stored.share = Some(current);
            return Err(StoreError::WhitelistFull);
        }
        stored.share = Some(share.clone());
        Ok(share.entries())
    }

    async fn delete_share(&self, user_id: UserId, chat_id: ChatId) -> Result<(), StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        state.chat_mut(user_id, chat_id)?.share = None;
        Ok(())
    }
}
