//! Erasing every chat of a user (the account is being deleted).
//!
//! 1. `ERASING` is put in the user's partition: from then on no new chat, move or share of the
//!    user can commit (each checks it in its transaction), and what committed before it is
//!    seen by the reads below (strongly consistent).
//! 2. Every chat row of the user's list is read, each chat's pending purge is recorded
//!    (`PURGES#<shard>`, what the sweep finishes if the stream's purge does not), and every row
//!    of each chat that makes it visible is deleted: its `META` (so no route finds it, and no write to it commits), its
//!    list rows, after the chats' shares. The purge that follows the table's stream then deletes the rest of each
//!    chat's partition (messages, files), as for any deleted chat.
//! 3. Whatever else the user's partition holds (`Idempotency-Key` records) is deleted.
//! 4. `ERASURES` / `USER#<user>` records the erasure (the import never brings the user's chats
//!    back), and `ERASING` goes: the user's new chats, if any, are a new start.
//!
//! Deletes are `BatchWriteItem`s with several in flight: thousands of chats take seconds, not
//! minutes. A run that stops midway leaves `ERASING` behind (nothing new is added meanwhile)
//! and the next run finishes the work.

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::ids::UserId;
use neptun_core::store::{ChatEraseStore, StoreError};

use super::batch::{Key, delete_all, put_all};
use super::retry::ConflictRetry;
use super::{DynamoStore, decode, to_item};
use crate::schema::{self, ChatRow, ErasingRow, ErasureRow, PendingPurgeRow};

/// `BatchWriteItem` calls in flight at once.
const BATCHES_IN_FLIGHT: usize = 8;

impl DynamoStore {
    async fn put(&self, row: &impl serde::Serialize) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(row)?));
        let mut conflicts = ConflictRetry::new(std::time::Instant::now(), self.retry_budget);
        conflicts.send("PutItem", || put.clone().send()).await?;
        Ok(())
    }

    /// The keys of every row of the user's partition, and its chat rows decoded.
    async fn user_partition(
        &self,
        user_id: UserId,
    ) -> Result<(Vec<Key>, Vec<ChatRow>), StoreError> {
        let (mut keys, mut chats) = (Vec::new(), Vec::new());
        self.scan_range(
            schema::user_pk(user_id),
            schema::whole_partition(),
            true,
            None,
            |item| {
                let sk = item
                    .get(schema::SK)
                    .and_then(|sk| sk.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                if schema::is_chat_sk(&sk) {
                    chats.push(decode(item.clone())?);
                }
                if sk != schema::ERASING_SK {
                    keys.push(Self::key(schema::user_pk(user_id), sk));
                }
                Ok(true)
            },
        )
        .await?;
        Ok((keys, chats))
    }
}

/// The key of a chat's share, if it has one.
fn share_row(chat: &ChatRow) -> Option<Key> {
    chat.share_uuid
        .as_deref()
        .map(|uuid| DynamoStore::key(schema::share_pk(uuid), schema::SHARE_SK.to_owned()))
}

/// The keys of a chat's rows outside the user's partition: its `META` and its project's row.
fn outside_rows(chat: &ChatRow) -> impl Iterator<Item = Key> {
    let marker = chat.marker();
    std::iter::once(DynamoStore::key(marker.pk, marker.sk)).chain(
        chat.in_project()
            .map(|row| DynamoStore::key(row.pk, row.sk)),
    )
}

impl ChatEraseStore for DynamoStore {
    async fn erase_chats(&self, user_id: UserId, now_ms: u64) -> Result<(), StoreError> {
        self.put(&ErasingRow {
            pk: schema::user_pk(user_id),
            sk: schema::ERASING_SK.to_owned(),
            since: now_ms,
        })
        .await?;
        let (mut user_rows, chats) = self.user_partition(user_id).await?;
        user_rows.push(Self::key(
            schema::last_chat_pk(user_id),
            schema::LAST_CHAT_SK.to_owned(),
        ));
        // Every chat's pending purge before its META goes: a deleted chat always has one.
        let pending = chats
            .iter()
            .map(|chat| to_item(&PendingPurgeRow::new(chat.scope(), now_ms)))
            .collect::<Result<Vec<_>, _>>()?;
        put_all(&self.client, &self.table, pending, BATCHES_IN_FLIGHT).await?;
        let shares: Vec<Key> = chats.iter().filter_map(share_row).collect();
        let outside: Vec<Key> = chats.iter().flat_map(outside_rows).collect();
        // The shares first, so that a share exists only while its chat does (the public read
        // takes the one for the other).
        delete_all(&self.client, &self.table, shares, BATCHES_IN_FLIGHT).await?;
        // Then the chats' markers: each chat is gone for every reader once its META is.
        delete_all(&self.client, &self.table, outside, BATCHES_IN_FLIGHT).await?;
        delete_all(&self.client, &self.table, user_rows, BATCHES_IN_FLIGHT).await?;
        self.put(&ErasureRow {
            pk: schema::erasures_pk(),
            sk: schema::erasure_sk(user_id),
            user_id,
            erased_at: now_ms,
        })
        .await?;
        let done = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(schema::PK, AttributeValue::S(schema::user_pk(user_id)))
            .key(schema::SK, AttributeValue::S(schema::ERASING_SK.to_owned()));
        let mut conflicts = ConflictRetry::new(std::time::Instant::now(), self.retry_budget);
        conflicts.send("DeleteItem", || done.clone().send()).await?;
        tracing::info!(chats = chats.len(), "erased a user's chats");
        Ok(())
    }
}
