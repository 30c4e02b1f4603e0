//! The memory store's [`FileStore`].

use super::{MemoryStore, Replay, page_of};
use neptun_core::ids::{ChatId, FileId, MessageId, UserId};
use neptun_core::model::FileRecord;
use neptun_core::store::{FileStore, Idempotency, Page, PageRequest, Replayable, StoreError};
use neptun_core::validation::NewFile;

impl FileStore for MemoryStore {
    async fn attach_files(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        message_id: MessageId,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<FileRecord>>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.check_writable(user_id)?;
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
                id: FileId(state.next_id()),
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
        user_id: UserId,
        chat_id: ChatId,
        page: PageRequest,
    ) -> Result<Page<FileRecord>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let chat = state.chat_mut(user_id, chat_id)?;
        let after = page.after.map_or(0, |after| after.saturating_add(1));
        let items = chat
            .files
            .range(FileId(after)..)
            .map(|(_, file)| (file.clone(), file.text.len() + file.title.len()));
        Ok(page_of(items, page))
    }

    async fn get_file(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        file_id: FileId,
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
