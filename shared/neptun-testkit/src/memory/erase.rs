//! The memory store's [`ChatEraseStore`].

use super::MemoryStore;
use neptun_core::ids::UserId;
use neptun_core::store::{ChatEraseStore, StoreError};

impl ChatEraseStore for MemoryStore {
    async fn erase_chats(&self, user_id: UserId, _now_ms: u64) -> Result<(), StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.erased.insert(user_id);
        state.chats.retain(|(user, _), _| *user != user_id);
        state.keys.retain(|(user, _), _| *user != user_id);
        Ok(())
    }
}
