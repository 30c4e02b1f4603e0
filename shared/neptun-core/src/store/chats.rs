//! [`ChatStore`].

use crate::ids::UserId;
use std::future::Future;

use super::{ChatPageRequest, Idempotency, Page, Replayable, StoreError};
use crate::model::{Chat, ChatList};
use crate::validation::NewChat;

pub trait ChatStore: Send + Sync {
    /// Creates a chat with a fresh id (in `chat.project_id`, if set). Fails with
    /// [`StoreError::Erased`] once the user was erased.
    fn create_chat(
        &self,
        user_id: UserId,
        chat: NewChat,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Chat>, StoreError>> + Send;

    /// A page of one of a user's chat lists in `page.order`.
    fn list_chats(
        &self,
        user_id: UserId,
        list: ChatList,
        page: ChatPageRequest,
    ) -> impl Future<Output = Result<Page<Chat>, StoreError>> + Send;
}
