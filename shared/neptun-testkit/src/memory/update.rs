//! The memory store's [`ChatUpdateStore`].

use super::{MemoryStore, Replay};
use neptun_core::clock::rfc3339_ms;
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::Chat;
use neptun_core::store::{ChatUpdateStore, Idempotency, Replayable, StoreError};
use neptun_core::validation::ChatUpdate;

impl ChatUpdateStore for MemoryStore {
    async fn update_chat(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Chat(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let stored = state.chat_mut(user_id, chat_id)?;
        if let Some(name) = update.name {
            stored.chat.name = name;
        }
        if let Some(model) = update.model {
            stored.chat.model = model;
        }
        if let Some(project) = update.project {
            stored.chat.project_id = project;
        }
        stored.chat.updated_at = rfc3339_ms(now_ms);
        let chat = stored.chat.clone();
        Ok(state.created(user_id, idempotency, chat, Replay::Chat))
    }
}
