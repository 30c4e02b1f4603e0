//! The memory store's [`ChatStore`].

use super::{MemoryStore, Replay, StoredChat, page_of};
use neptun_core::clock::rfc3339_ms;
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::{Chat, ChatList};
use neptun_core::store::{
    ChatPageRequest, ChatStore, Idempotency, Page, PageRequest, Replayable, StoreError,
};
use neptun_core::validation::NewChat;

impl ChatStore for MemoryStore {
    async fn create_chat(
        &self,
        user_id: UserId,
        chat: NewChat,
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
        let created_at = rfc3339_ms(now_ms);
        let chat = Chat {
            id: state.next_chat_id(),
            name: chat.name,
            model: chat.model,
            neptun_user_id: user_id,
            project_id: chat.project_id,
            updated_at: created_at.clone(),
            created_at,
        };
        state
            .chats
            .insert((user_id, chat.id), StoredChat::new(chat.clone()));
        Ok(state.created(user_id, idempotency, chat, Replay::Chat))
    }

    async fn list_chats(
        &self,
        user_id: UserId,
        list: ChatList,
        page: ChatPageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        let state = self.state();
        state.check_fault()?;
        let mut chats: Vec<Chat> = state
            .chats
            .range((user_id, ChatId(0))..=(user_id, ChatId(u64::MAX)))
            .map(|(_, stored)| stored.chat.clone())
            .filter(|chat| list.holds(chat.project_id))
            .filter(|chat| {
                page.after
                    .as_ref()
                    .is_none_or(|last| page.order.is_after(chat, last))
            })
            .collect();
        chats.sort_by(|a, b| page.order.compare(a, b));
        let sized = chats.into_iter().map(|chat| {
            let bytes = chat.name.len() + chat.model.len();
            (chat, bytes)
        });
        let request = PageRequest {
            limit: page.limit,
            after: None,
            byte_budget: page.byte_budget,
        };
        Ok(page_of(sized, request))
    }
}
