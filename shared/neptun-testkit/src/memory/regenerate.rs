//! The memory store's [`RegenerateStore`].

use super::{MemoryStore, Replay};
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::{ChatMessage, LastExchange};
use neptun_core::store::{Idempotency, RegenerateStore, Replayable, StoreError};

impl RegenerateStore for MemoryStore {
    async fn delete_last_exchange(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<LastExchange>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Regenerated(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let chat = state.chat_mut(user_id, chat_id)?;
        let newest_first: Vec<ChatMessage> = chat.messages.values().rev().cloned().collect();
        let exchange =
            LastExchange::from_newest_first(&newest_first).ok_or(StoreError::NoMessages)?;
        let deleted = exchange.message_ids();
        chat.messages.retain(|id, _| !deleted.contains(id));
        chat.files
            .retain(|_, file| !deleted.contains(&file.message_id));
        Ok(state.created(user_id, idempotency, exchange, Replay::Regenerated))
    }
}
