//! Messages and files in memory: append, list, regenerate.

use neptun_core::clock::rfc3339_ms;
use neptun_core::model::{ChatMessage, FileRecord, LastExchange};
use neptun_core::store::{
    FileStore, Idempotency, MessageStore, Page, PageRequest, RegenerateStore, Replayable,
    StoreError,
};
use neptun_core::validation::{NewFile, NewMessage};

use super::{MemoryStore, Replay, page_of};

impl MessageStore for MemoryStore {
    async fn append_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<ChatMessage>>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
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
                id: state.next_id(),
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
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let chat = state.chat_mut(user_id, chat_id)?;
        let after = page.after.map_or(0, |after| after.saturating_add(1));
        let items = chat
            .messages
            .range(after..)
            .map(|(_, message)| (message.clone(), message.message.len()));
        Ok(page_of(items, page))
    }
}

impl FileStore for MemoryStore {
    async fn attach_files(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<FileRecord>>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if !state
            .chat_mut(user_id, chat_id)?
            .messages
            .contains_key(&message_id)
        {
            return Err(StoreError::MessageNotFound);
        }
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Files(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let created: Vec<FileRecord> = files
            .into_iter()
            .map(|file| FileRecord {
                id: state.next_id(),
                chat_id,
                message_id,
                user_id,
                title: file.title,
                text: file.text,
                language: file.language,
                extension: file.extension,
                created_at_ms: now_ms,
            })
            .collect();
        let chat = state.chat_mut(user_id, chat_id)?;
        for file in &created {
            chat.files.insert(file.id, file.clone());
        }
        Ok(state.created(user_id, idempotency, created, Replay::Files))
    }

    async fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<FileRecord>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let chat = state.chat_mut(user_id, chat_id)?;
        let after = page.after.map_or(0, |after| after.saturating_add(1));
        let items = chat
            .files
            .range(after..)
            .map(|(_, file)| (file.clone(), file.text.len() + file.title.len()));
        Ok(page_of(items, page))
    }

    async fn get_file(
        &self,
        user_id: u64,
        chat_id: u64,
        file_id: u64,
    ) -> Result<FileRecord, StoreError> {
        let state = self.state();
        state.check_fault()?;
        state
            .chats
            .get(&(user_id, chat_id))
            .and_then(|chat| chat.files.get(&file_id))
            .cloned()
            .ok_or(StoreError::FileNotFound)
    }
}

impl RegenerateStore for MemoryStore {
    async fn delete_last_exchange(
        &self,
        user_id: u64,
        chat_id: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<LastExchange>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
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
