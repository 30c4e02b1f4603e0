//! [`MessageStore`].

use crate::ids::{ChatId, UserId};
use std::future::Future;

use super::{Idempotency, Page, PageRequest, Replayable, StoreError};
use crate::model::ChatMessage;
use crate::validation::NewMessage;

pub trait MessageStore: Send + Sync {
    /// Appends messages atomically, numbering them in input order.
    /// Fails with [`StoreError::ChatNotFound`] when the chat does not exist.
    fn append_messages(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Vec<ChatMessage>>, StoreError>> + Send;

    /// A chat's messages in ascending id order.
    fn list_messages(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<ChatMessage>, StoreError>> + Send;
}
