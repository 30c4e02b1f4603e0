//! The memory store's [`ChatDeleteStore`].

use super::{MemoryStore, Replay};
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::ChatList;
use neptun_core::store::{ChatDeleteStore, Idempotency, Replayable, StoreError};

impl ChatDeleteStore for MemoryStore {
    async fn delete_chat(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| {
            matches!(replay, Replay::Deleted).then_some(())
        })? {
            return Ok(earlier);
        }
        let listed = state
            .chats
            .get(&(user_id, chat_id))
            .is_some_and(|stored| from.holds(stored.chat.project_id));
        if !listed {
            return Err(StoreError::ChatNotFound);
        }
        state.chats.remove(&(user_id, chat_id));
        Ok(state.created(user_id, idempotency, (), |()| Replay::Deleted))
    }

    async fn delete_chats(
        &self,
        user_id: UserId,
        chat_ids: Vec<ChatId>,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| {
            matches!(replay, Replay::Deleted).then_some(())
        })? {
            return Ok(earlier);
        }
        for chat_id in chat_ids {
            let listed = state
                .chats
                .get(&(user_id, chat_id))
                .is_some_and(|stored| from.holds(stored.chat.project_id));
            if listed {
                state.chats.remove(&(user_id, chat_id));
            }
        }
        Ok(state.created(user_id, idempotency, (), |()| Replay::Deleted))
    }
}
