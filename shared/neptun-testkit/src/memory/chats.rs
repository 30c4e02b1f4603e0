//! Chats in memory: create, list, update (rename, move), delete, erase.

use neptun_core::clock::rfc3339_ms;
use neptun_core::model::{Chat, ChatList};
use neptun_core::store::{
    ChatDeleteStore, ChatEraseStore, ChatPageRequest, ChatStore, ChatUpdateStore, Idempotency,
    Page, PageRequest, Replayable, StoreError,
};
use neptun_core::validation::{ChatUpdate, NewChat};

use super::{MemoryStore, Replay, StoredChat, page_of};

impl ChatStore for MemoryStore {
    async fn create_chat(
        &self,
        user_id: u64,
        chat: NewChat,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Chat(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let created_at = rfc3339_ms(now_ms);
        let chat = Chat {
            id: state.next_id(),
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
        user_id: u64,
        list: ChatList,
        page: ChatPageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        let state = self.state();
        state.check_fault()?;
        let mut chats: Vec<Chat> = state
            .chats
            .range((user_id, 0)..=(user_id, u64::MAX))
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

impl ChatUpdateStore for MemoryStore {
    async fn update_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
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

impl ChatDeleteStore for MemoryStore {
    async fn delete_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
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
        user_id: u64,
        chat_ids: Vec<u64>,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
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

impl ChatEraseStore for MemoryStore {
    async fn erase_chats(&self, user_id: u64, _now_ms: u64) -> Result<(), StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.chats.retain(|(user, _), _| *user != user_id);
        state.keys.retain(|(user, _), _| *user != user_id);
        Ok(())
    }
}
