//! The memory store's [`SharedChatStore`].

use super::MemoryStore;
use neptun_core::model::ChatMessage;
use neptun_core::shares::attempts;
use neptun_core::store::{
    FoundShare, MessageStore, Page, PageRequest, SharedChatStore, StoreError, StoredShare,
};

impl SharedChatStore for MemoryStore {
    async fn find_share(&self, uuid: &str, minute: u64) -> Result<Option<FoundShare>, StoreError> {
        let state = self.state();
        state.check_fault()?;
        let share = state
            .chats
            .values()
            .filter_map(|stored| stored.share.as_ref())
            .find(|share| share.uuid == uuid);
        Ok(share.map(|share| FoundShare {
            share: share.clone(),
            attempts: state
                .attempts
                .get(&(uuid.to_owned(), minute))
                .copied()
                .unwrap_or(0),
        }))
    }

    async fn shared_messages(
        &self,
        share: &StoredShare,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        self.list_messages(share.user_id, share.chat_id, page).await
    }

    async fn reserve_attempt(&self, uuid: &str, minute: u64) -> Result<bool, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let count = state.attempts.entry((uuid.to_owned(), minute)).or_default();
        if attempts::is_locked(*count) {
            return Ok(false);
        }
        *count += 1;
        Ok(true)
    }
}
