//! The removal of an erased user's rows, after the erasure's answer (which only recorded it:
//! `store/erase.rs`). Started by the stream (the `ERASED` row's insert) and resumed by the
//! sweep (the erasure's record in `PURGES#<shard>`), it reads the user's partition a page at
//! a time and, for the chats of each page: records each chat's pending purge, deletes the
//! chats' shares, then their `META` and project rows (the stream's purge then empties each
//! chat's partition, as for any deleted chat), then the page's own rows (list rows,
//! `Idempotency-Key` records, the import's `DELETED#` rows). Each step is safe to repeat, and
//! what a page deleted is not read again, so a run cut off anywhere goes on from what is left;
//! it never holds more than a page. Last, the user's largest chat id and the erasure's record
//! go. `ERASED` and `ERASURES` / `USER#<user>` stay: the user stays erased.

use std::time::Instant;

use neptun_core::ids::UserId;
use neptun_core::store::StoreError;

use super::{PurgeError, PurgeOptions, PurgeReport, partition_query};
use crate::schema::{self, ChatRow, PendingPurgeRow};
use crate::store::batch::{Key, delete_all, put_all, with_backoff};
use crate::store::{DynamoStore, decode, to_item};

/// Rows of the user's partition read and removed at a time.
pub const PAGE_ROWS: i32 = 200;

impl DynamoStore {
    /// Removes what is left of erased user `user_id`; refuses a user who was not erased.
    pub async fn remove_erased_user(
        &self,
        user_id: UserId,
        options: PurgeOptions,
    ) -> Result<PurgeReport, PurgeError> {
        let Some(erased) = self.erased_row(user_id).await.map_err(PurgeError::Store)? else {
            return Err(PurgeError::NotErased(user_id));
        };
        let mut report = PurgeReport::default();
        loop {
            if options
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
            {
                return Err(PurgeError::OutOfTime);
            }
            let (rows, chats) = self.user_page(user_id).await.map_err(PurgeError::Store)?;
            report.pages += 1;
            if rows.is_empty() {
                break;
            }
            report.deleted += rows.len();
            report.batch_calls += self
                .remove_page(rows, &chats, erased.erased_at, options)
                .await
                .map_err(PurgeError::Store)?;
        }
        let done = [
            Self::key(
                schema::last_chat_pk(user_id),
                schema::LAST_CHAT_SK.to_owned(),
            ),
            Self::key(
                schema::pending_erasure_pk(user_id),
                schema::user_pk(user_id),
            ),
        ];
        report.batch_calls += delete_all(self.client(), self.table(), done.to_vec(), 1)
            .await
            .map_err(PurgeError::Store)?;
        Ok(report)
    }

    /// The first rows of the user's partition but `ERASED` (read consistently), and its chats.
    async fn user_page(&self, user_id: UserId) -> Result<(Vec<Key>, Vec<ChatRow>), StoreError> {
        let query =
            partition_query(self.client(), self.table(), schema::user_pk(user_id)).limit(PAGE_ROWS);
        let output = with_backoff(|| query.clone().send()).await?;
        let (mut rows, mut chats) = (Vec::new(), Vec::new());
        for item in output.items.unwrap_or_default() {
            let sk = item
                .get(schema::SK)
                .and_then(|sk| sk.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if sk == schema::ERASED_SK {
                continue;
            }
            if schema::is_chat_sk(&sk) {
                chats.push(decode(item)?);
            }
            rows.push(Self::key(schema::user_pk(user_id), sk));
        }
        Ok((rows, chats))
    }

    /// One page's removal, in the order that keeps every state in between safe: a chat's
    /// pending purge before its `META` goes, its share before its `META`, the list rows last
    /// (they lead the next run to what is left).
    /// The chats' pending purges carry the erasure's time: the sweep takes them at once.
    async fn remove_page(
        &self,
        rows: Vec<Key>,
        chats: &[ChatRow],
        erased_at: u64,
        options: PurgeOptions,
    ) -> Result<usize, StoreError> {
        let (client, table, in_flight) = (self.client(), self.table(), options.batches_in_flight);
        let pending = chats
            .iter()
            .map(|chat| to_item(&PendingPurgeRow::new(chat.scope(), erased_at)))
            .collect::<Result<Vec<_>, _>>()?;
        let shares: Vec<Key> = chats
            .iter()
            .filter_map(|chat| chat.share_uuid.as_deref())
            .map(|uuid| Self::key(schema::share_pk(uuid), schema::SHARE_SK.to_owned()))
            .collect();
        let outside: Vec<Key> = chats
            .iter()
            .flat_map(ChatRow::copy_keys)
            .map(|(pk, sk)| Self::key(pk, sk))
            .collect();
        let mut calls = put_all(client, table, pending, in_flight).await?;
        calls += delete_all(client, table, shares, in_flight).await?;
        calls += delete_all(client, table, outside, in_flight).await?;
        calls += delete_all(client, table, rows, in_flight).await?;
        Ok(calls)
    }
}
