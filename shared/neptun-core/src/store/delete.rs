//! [`ChatDeleteStore`].

use crate::ids::{ChatId, UserId};
use std::future::Future;

use super::{Idempotency, Replayable, StoreError};
use crate::model::ChatList;

pub trait ChatDeleteStore: Send + Sync {
    /// Deletes a chat of the list `from` for every reader and writer at once; its items are
    /// purged after. Fails with [`StoreError::ChatNotFound`] when the list holds no such chat.
    fn delete_chat(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<()>, StoreError>> + Send;

    /// Deletes those of the chats that are in the user's list `from`, each at once; other ids
    /// are ignored.
    fn delete_chats(
        &self,
        user_id: UserId,
        chat_ids: Vec<ChatId>,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<()>, StoreError>> + Send;
}
