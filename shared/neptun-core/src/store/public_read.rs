//! [`SharedChatStore`]: the public read of a share.

use std::future::Future;

use super::{FoundShare, Page, PageRequest, StoreError, StoredShare};
use crate::model::ChatMessage;

/// The public read: a share by its uuid, its chat's messages, and the count of failed
/// password attempts.
pub trait SharedChatStore: Send + Sync {
    /// The share with this uuid (read strongly consistent: a deleted share is gone at once),
    /// with its failed password attempts in `minute` (Unix seconds / 60).
    fn find_share(
        &self,
        uuid: &str,
        minute: u64,
    ) -> impl Future<Output = Result<Option<FoundShare>, StoreError>> + Send;

    /// A page of the shared chat's messages, [`StoreError::ChatNotFound`] once the chat is
    /// gone. `share` was just found, and a share exists only while its chat does, so the
    /// store need not check the chat beside the page.
    fn shared_messages(
        &self,
        share: &StoredShare,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<ChatMessage>, StoreError>> + Send;

    /// Takes one of the share's [`crate::shares::attempts::MAX_ATTEMPTS_PER_MINUTE`] password
    /// attempts of `minute`, in one conditional write, before any password is verified:
    /// `false` when none is left. Requests at once take them one by one, never more.
    fn reserve_attempt(
        &self,
        uuid: &str,
        minute: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
