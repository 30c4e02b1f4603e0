//! [`ChatEraseStore`].

use crate::ids::UserId;
use std::future::Future;

use super::StoreError;

pub trait ChatEraseStore: Send + Sync {
    /// Erases the user (the account is being deleted), for good: when it returns, every read
    /// answers as for a user with no chats, and every write for the user id fails with
    /// [`StoreError::Erased`], for ever (a replayed `Idempotency-Key` too). It takes the same
    /// few storage requests whatever the user holds: the removal of the user's rows goes on
    /// afterwards, until nothing of the user is left. Erasing again succeeds.
    fn erase_chats(
        &self,
        user_id: UserId,
        now_ms: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
