//! Deleting chats, one or several: every row of each chat (its list rows and its `META`) in
//! one transaction, and from that moment the chat is gone: every create checks `META` in its
//! own transaction and every read checks it too. The partition's messages and files are
//! purged afterwards, by the purge that follows the table's stream (`META` removed).
//!
//! An imported chat (an id below `ids::FIRST_API_CHAT_ID`) leaves a `DELETED#<chat>` row in
//! the user's partition, in the same transaction: a run of the import that races the delete, or
//! any later one, never writes the chat again (`docs/import.md`).
//!
//! Its share goes in the same transaction: its link stops working with the chat. So does the
//! chat's pending purge record (`PURGES#<shard>`), which the purge removes once the partition
//! is empty: a purge that fails for good is finished by the sweep.
//!
//! A delete reads the chat's row in the user's list first (which project's list holds it) and
//! deletes on the condition that nobody wrote the chat since, so a move that races it cannot
//! leave a row in a project's list behind.

use neptun_core::ids::{ChatId, UserId};
use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem};
use neptun_core::model::ChatList;
use neptun_core::store::{ChatDeleteStore, Idempotency, Replayable, StoreError};

use super::guarded::{MAX_ACTIONS, RowCondition};
use super::idempotency::Committed;
use super::retry::ConflictRetry;
use super::{DynamoStore, Item, build_error, decode};
use crate::schema::{self, ChatRow, DeletedChatRow, PendingPurgeRow};
use neptun_core::ids;

/// Most actions of one chat's delete: its `META`, its list rows, its share, its pending purge,
/// and for an imported chat the row that keeps the import from writing it again.
const ACTIONS_PER_CHAT: usize = 6;

impl DynamoStore {
    /// The deletes of every row of `chat`, the user's row conditioned on the write that was
    /// read, `META` on existing when `exists` (a single delete's 404), and the put of its
    /// pending purge, last.
    fn chat_deletes(
        &self,
        chat: &ChatRow,
        exists: bool,
        now_ms: u64,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let (marker_pk, marker_sk) = chat.marker_key();
        let mut actions = vec![
            self.delete_row(
                chat.pk.clone(),
                chat.sk.clone(),
                Some(RowCondition::Written {
                    write_id: chat.write_id,
                }),
            )?,
            self.delete_row(marker_pk, marker_sk, exists.then_some(RowCondition::Exists))?,
        ];
        if let Some((pk, sk)) = chat.project_key() {
            actions.push(self.delete_row(pk, sk, None)?);
        }
        if let Some(uuid) = chat.share_uuid.as_deref() {
            actions.push(self.delete_row(
                schema::share_pk(uuid),
                schema::SHARE_SK.to_owned(),
                None,
            )?);
        }
        if ids::is_imported_chat(chat.id) {
            actions.push(self.put_row(&DeletedChatRow::new(chat.scope(), now_ms), None)?);
        }
        let pending = PendingPurgeRow::new(chat.scope(), now_ms);
        actions.push(self.put_row(&pending, None)?);
        Ok(actions)
    }

    /// The chats' rows in the user's list, read consistently (those that exist).
    async fn chat_rows(
        &self,
        user_id: UserId,
        chat_ids: &[ChatId],
    ) -> Result<Vec<ChatRow>, StoreError> {
        let mut rows = Vec::new();
        let mut keys: Vec<Item> = chat_ids
            .iter()
            .map(|&id| Self::key(schema::user_pk(user_id), schema::chat_sk(id)))
            .collect();
        let mut conflicts = ConflictRetry::new(Instant::now(), self.retry_budget);
        while !keys.is_empty() {
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .consistent_read(true)
                .build()
                .map_err(build_error)?;
            let request = BatchGetItemInput::builder().request_items(&self.table, wanted);
            let output = conflicts
                .send("BatchGetItem", || request.clone().send_with(&self.client))
                .await?;
            let mut found = output.responses.unwrap_or_default();
            for item in found.remove(&self.table).unwrap_or_default() {
                rows.push(decode(item)?);
            }
            keys = unprocessed_keys(output.unprocessed_keys, &self.table);
            if !keys.is_empty() && !conflicts.pause("BatchGetItem").await {
                return Err(StoreError::Unavailable(
                    "chat rows still unprocessed".into(),
                ));
            }
        }
        Ok(rows)
    }
}

fn unprocessed_keys(
    unprocessed: Option<HashMap<String, KeysAndAttributes>>,
    table: &str,
) -> Vec<HashMap<String, AttributeValue>> {
    unprocessed
        .and_then(|mut tables| tables.remove(table))
        .map(|keys| keys.keys)
        .unwrap_or_default()
}

impl ChatDeleteStore for DynamoStore {
    async fn delete_chat(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let now_ms = neptun_core::clock::now_ms();
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        // Read, then write if nobody wrote the chat meanwhile; again after a pause while the
        // budget lasts.
        let mut rounds = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let Some(chat) = self
                .chat_row(user_id, chat_id)
                .await?
                .filter(|row| from.holds(row.project_id))
            else {
                return Err(self
                    .missing_unless_erased(user_id, StoreError::ChatNotFound)
                    .await);
            };
            let actions = self.chat_deletes(&chat, true, now_ms)?;
            let failed = match self
                .commit_recorded(user_id, idempotency, actions, (), now_ms)
                .await?
            {
                Committed::Answered(answer) => return Ok(answer),
                Committed::Refused(failed) => failed,
            };
            if failed.at(1) {
                return Err(StoreError::ChatNotFound);
            }
            // Written since it was read (moved, renamed): read it again.
            if !rounds.pause("delete a chat").await {
                return Err(StoreError::Unavailable(
                    "the chat kept changing while it was deleted".into(),
                ));
            }
        }
    }

    async fn delete_chats(
        &self,
        user_id: UserId,
        chat_ids: Vec<ChatId>,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let now_ms = neptun_core::clock::now_ms();
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        // The rows of the chats that are in the list; the ids of no chat of the user (never
        // another user's: the keys hold the session's user) are ignored. Each chat's rows stay
        // in one transaction; 100 chats take four or five.
        let per_transaction = (MAX_ACTIONS - 1) / ACTIONS_PER_CHAT;
        let mut pending: Vec<ChatId> = chat_ids;
        // Read, then write if nobody wrote the chat meanwhile; again after a pause while the
        // budget lasts.
        let mut rounds = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let chats: Vec<ChatRow> = self
                .chat_rows(user_id, &pending)
                .await?
                .into_iter()
                .filter(|row| from.holds(row.project_id))
                .collect();
            pending = Vec::new();
            for group in chats.chunks(per_transaction) {
                let mut actions = Vec::with_capacity(group.len() * ACTIONS_PER_CHAT);
                for chat in group {
                    actions.extend(self.chat_deletes(chat, false, now_ms)?);
                }
                if self.write_guarded(user_id, actions).await?.is_some() {
                    // One of them was written since it was read: all of them again.
                    pending.extend(group.iter().map(|chat| chat.id));
                }
            }
            if pending.is_empty() {
                return self.recorded_done(user_id, idempotency, now_ms).await;
            }
            if !rounds.pause("delete chats").await {
                return Err(StoreError::Unavailable(
                    "the chats kept changing while they were deleted".into(),
                ));
            }
        }
    }
}

impl DynamoStore {
    /// A delete's record, once its chats are gone: written alone, so that a replay answers
    /// what the first did. Another request's record under the key is its answer.
    async fn recorded_done(
        &self,
        user_id: UserId,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Replayable<()>, StoreError> {
        let Some(key) = idempotency else {
            return Ok(Replayable {
                value: (),
                replayed: false,
            });
        };
        match self
            .commit_recorded(user_id, Some(key), Vec::new(), (), now_ms)
            .await?
        {
            Committed::Answered(answer) => Ok(answer),
            // The record was the transaction's one action.
            Committed::Refused(_) => self.replay_of(user_id, key, now_ms).await,
        }
    }
}
