//! [`ChatUpdateStore`].

use crate::ids::{ChatId, UserId};
use std::future::Future;

use super::{Idempotency, Replayable, StoreError};
use crate::model::Chat;
use crate::validation::ChatUpdate;

pub trait ChatUpdateStore: Send + Sync {
    /// Renames a chat, changes its model or moves it into a project or out of one, in all of
    /// its rows at once, moving its `updated_at`; a chat is never in two lists of projects, nor
    /// out of the user's. Fails with [`StoreError::ChatNotFound`] when the chat does not exist,
    /// [`StoreError::Erased`] once the user was erased.
    fn update_chat(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Chat>, StoreError>> + Send;
}
