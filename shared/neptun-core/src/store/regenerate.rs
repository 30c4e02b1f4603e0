//! [`RegenerateStore`].

use crate::ids::{ChatId, UserId};
use std::future::Future;

use super::{Idempotency, Replayable, StoreError};
use crate::model::LastExchange;

pub trait RegenerateStore: Send + Sync {
    /// Deletes the chat's last exchange (see [`LastExchange`]) and the files of its messages,
    /// atomically; never a message that arrived after the ones it read.
    /// [`StoreError::NoMessages`] when the chat has none.
    fn delete_last_exchange(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<LastExchange>, StoreError>> + Send;
}
