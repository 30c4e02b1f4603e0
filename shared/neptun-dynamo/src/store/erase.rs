//! Erasing a user (the account is being deleted), final and answered at once: one
//! `TransactWriteItems` records it, whatever the user holds.
//!
//! - `USER#<user>` / `ERASED`: from this commit on, every write for the user fails its own
//!   transaction's check (`StoreError::Erased`, a 410), a replayed `Idempotency-Key` too, and
//!   every read answers as for a user with no chats (it checks the row alongside, or in the
//!   same request where it can). The row stays for ever.
//! - `ERASURES` / `USER#<user>`: the import's list of erased users (it never imports them).
//! - `PURGES#<shard>` / `USER#<user>`: the removal still to do. The stream (the `ERASED`
//!   insert) starts it, the sweep resumes it after any crash or timeout, and it deletes the
//!   record once nothing of the user is left (`shared/neptun-dynamo/src/purge/erasure.rs`).
//!
//! Erasing again finds `ERASED` and answers the same; the removal goes on where it was.

use neptun_core::ids::UserId;
use neptun_core::store::{ChatEraseStore, StoreError};

use super::DynamoStore;
use super::guarded::RowCondition;
use crate::schema::{self, ErasedRow, ErasureRow, PendingPurgeRow};

impl DynamoStore {
    /// Whether the user was erased (its `ERASED` row, read consistently).
    pub(crate) async fn is_erased(&self, user_id: UserId) -> Result<bool, StoreError> {
        Ok(self.erased_row(user_id).await?.is_some())
    }

    /// The user's `ERASED` row, read consistently.
    pub(crate) async fn erased_row(
        &self,
        user_id: UserId,
    ) -> Result<Option<ErasedRow>, StoreError> {
        self.consistent_row(schema::user_pk(user_id), schema::ERASED_SK.to_owned())
            .await
    }

    /// [`StoreError::Erased`] if the user was erased: a write that finds nothing to write (or
    /// an earlier answer to replay) tells an erased user so (one read, on that path only).
    pub(super) async fn refuse_if_erased(&self, user_id: UserId) -> Result<(), StoreError> {
        match self.is_erased(user_id).await? {
            true => Err(StoreError::Erased),
            false => Ok(()),
        }
    }

    /// `missing`, or [`StoreError::Erased`] if the user was erased: a write that found nothing
    /// to change tells an erased user so (one read, on that path only).
    pub(super) async fn missing_unless_erased(
        &self,
        user_id: UserId,
        missing: StoreError,
    ) -> StoreError {
        self.refuse_if_erased(user_id)
            .await
            .err()
            .unwrap_or(missing)
    }
}

impl ChatEraseStore for DynamoStore {
    async fn erase_chats(&self, user_id: UserId, now_ms: u64) -> Result<(), StoreError> {
        let actions = vec![
            self.put_row(&ErasedRow::new(user_id, now_ms), Some(RowCondition::Absent))?,
            self.put_row(
                &ErasureRow {
                    pk: schema::erasures_pk(),
                    sk: schema::erasure_sk(user_id),
                    user_id,
                    erased_at: now_ms,
                },
                None,
            )?,
            self.put_row(&PendingPurgeRow::erasure(user_id, now_ms), None)?,
        ];
        // A failed condition: erased before. The answer stands, and the removal goes on
        // where it was.
        if self.write_transaction(actions).await?.is_none() {
            tracing::info!("erased a user; the removal of the user's rows follows");
        }
        Ok(())
    }
}
