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

use std::time::Instant;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use neptun_core::ids::UserId;
use neptun_core::store::{ChatEraseStore, StoreError};

use super::classify::{cancellation_reasons, classify, is_conflict};
use super::retry::ConflictRetry;
use super::{DynamoStore, build_error, decode, to_item};
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
        let read = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::user_pk(user_id),
                schema::ERASED_SK.to_owned(),
            )))
            .consistent_read(true);
        let output = ConflictRetry::new(Instant::now(), self.retry_budget)
            .send("GetItem", || read.clone().send())
            .await?;
        output.item.map(decode).transpose()
    }

    /// `missing`, or [`StoreError::Erased`] if the user was erased: a write that found nothing
    /// to change tells an erased user so (one read, on that path only).
    pub(super) async fn missing_unless_erased(
        &self,
        user_id: UserId,
        missing: StoreError,
    ) -> StoreError {
        match self.is_erased(user_id).await {
            Ok(true) => StoreError::Erased,
            Ok(false) => missing,
            Err(error) => error,
        }
    }

    /// A put of `row`, only if it is new when `new_only`.
    fn put_action(
        &self,
        row: &impl serde::Serialize,
        new_only: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(row)?));
        if new_only {
            put = put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", schema::PK);
        }
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(build_error)?)
            .build())
    }
}

impl ChatEraseStore for DynamoStore {
    async fn erase_chats(&self, user_id: UserId, now_ms: u64) -> Result<(), StoreError> {
        let actions = vec![
            self.put_action(&ErasedRow::new(user_id, now_ms), true)?,
            self.put_action(
                &ErasureRow {
                    pk: schema::erasures_pk(),
                    sk: schema::erasure_sk(user_id),
                    user_id,
                    erased_at: now_ms,
                },
                false,
            )?,
            self.put_action(&PendingPurgeRow::erasure(user_id, now_ms), false)?,
        ];
        let mut conflicts = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(actions.clone()))
                .send()
                .await;
            let error = match sent {
                Ok(_) => {
                    tracing::info!("erased a user; the removal of the user's rows follows");
                    return Ok(());
                }
                Err(error) => error,
            };
            // Erased before: the answer stands, and the removal goes on where it was.
            if cancellation_reasons(&error).is_some_and(|reasons| {
                reasons
                    .iter()
                    .any(|reason| reason.code() == Some("ConditionalCheckFailed"))
            }) {
                return Ok(());
            }
            if !is_conflict(&error) || !conflicts.pause("TransactWriteItems").await {
                return Err(classify(error));
            }
        }
    }
}
