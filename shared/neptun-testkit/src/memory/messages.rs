//! The memory store's [`MessageStore`].

use super::{MemoryStore, Replay, page_of};
use neptun_core::clock::rfc3339_ms;
use neptun_core::ids::{ChatId, MessageId, UserId};
use neptun_core::model::ChatMessage;
use neptun_core::store::{Idempotency, MessageStore, Page, PageRequest, Replayable, StoreError};
use neptun_core::validation::NewMessage;

impl MessageStore for MemoryStore {
    async fn append_messages(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<ChatMessage>>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
        state.chat_mut(user_id, chat_id)?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Messages(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let created_at = rfc3339_ms(now_ms);
        let created: Vec<ChatMessage> = messages
            .into_iter()
            .map(|message| ChatMessage {
                id: MessageId(state.next_id()),
                chat_conversation_id: chat_id,
                neptun_user_id: user_id,
                message: message.content,
                actor: message.role,
                created_at: created_at.clone(),
                updated_at: created_at.clone(),
            })
            .collect();
        let chat = state.chat_mut(user_id, chat_id)?;
        for message in &created {
            chat.messages.insert(message.id, message.clone());
        }
        Ok(state.created(user_id, idempotency, created, Replay::Messages))
    }

    async fn list_messages(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let chat = state.chat_mut(user_id, chat_id)?;
        let after = page.after.map_or(0, |after| after.saturating_add(1));
        let items = chat
            .messages
            .range(MessageId(after)..)
            .map(|(_, message)| (message.clone(), message.message.len()));
        Ok(page_of(items, page))
    }
}
