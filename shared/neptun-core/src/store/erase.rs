//! [`ChatEraseStore`].

use crate::ids::UserId;
use std::future::Future;

use super::StoreError;

pub trait ChatEraseStore: Send + Sync {
    /// Deletes every chat of the user (the account is being deleted): when it returns, no
    /// route shows any of them, their messages, files or shares, and no write to them can
    /// succeed; what is left of them is purged after, and nothing of the user stays. Safe to
    /// run again (a run that stopped midway is finished by the next). Chats created after it
    /// returned are the user's new chats, untouched by it.
    fn erase_chats(
        &self,
        user_id: UserId,
        now_ms: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
