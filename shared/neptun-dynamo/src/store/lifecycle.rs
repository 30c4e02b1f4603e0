//! A chat's lifecycle after its creation: rename and delete.
//!
//! A chat is two rows: the user's list row (`USER#u` / `CHAT#id`) and its partition's `META`.
//! A rename changes both in one transaction. A delete removes both in one transaction, and
//! from that moment the chat is gone: every create checks `META` in its own transaction and
//! every read checks it too. The partition's messages and files are purged afterwards, by
//! the purge that follows the table's stream (`META` removed).

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::build_error;
use super::guarded::{MAX_ACTIONS, RowCondition};
use super::idempotency::Recorded;
use super::retry::ConflictRetry;
use super::{DynamoStore, decode};
use crate::schema::{self, ChatRow};
use neptun_core::model::Chat;
use neptun_core::store::{ChatDeleteStore, ChatRenameStore, Idempotency, Replayable, StoreError};
use neptun_core::validation::ChatUpdate;

/// A rename reads the chat, then writes it if nobody changed it meanwhile; that many rounds.
const RENAME_ROUNDS: usize = 4;

/// Actions per chat of a delete: its `META` and its list row.
const DELETE_ACTIONS_PER_CHAT: usize = 2;

impl DynamoStore {
    /// The chat's list row, read consistently.
    async fn chat_row(&self, user_id: u64, chat_id: u64) -> Result<Option<ChatRow>, StoreError> {
        let read = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::user_pk(user_id),
                schema::chat_sk(chat_id),
            )))
            .consistent_read(true);
        let mut conflicts = ConflictRetry::new(std::time::Instant::now(), self.retry_budget);
        let output = conflicts.send("GetItem", || read.clone().send()).await?;
        output.item.map(decode).transpose()
    }

    /// Sets name, model and `updated_at` of one of the chat's rows, if `condition` holds.
    fn update_chat_row(
        &self,
        pk: String,
        sk: String,
        renamed: &ChatRow,
        condition: &str,
        seen_updated_at: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .update_expression("SET #name = :name, #model = :model, #updated = :updated")
            .condition_expression(condition)
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#name", schema::NAME)
            .expression_attribute_names("#model", schema::MODEL)
            .expression_attribute_names("#updated", schema::UPDATED_AT)
            .expression_attribute_values(":name", AttributeValue::S(renamed.name.clone()))
            .expression_attribute_values(":model", AttributeValue::S(renamed.model.clone()))
            .expression_attribute_values(
                ":updated",
                AttributeValue::N(renamed.updated_at.to_string()),
            );
        if let Some(seen) = seen_updated_at {
            update =
                update.expression_attribute_values(":seen", AttributeValue::N(seen.to_string()));
        }
        Ok(TransactWriteItem::builder()
            .update(update.build().map_err(build_error)?)
            .build())
    }
}

impl ChatRenameStore for DynamoStore {
    async fn rename_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        for _ in 0..RENAME_ROUNDS {
            let Some(current) = self.chat_row(user_id, chat_id).await? else {
                return Err(StoreError::ChatNotFound);
            };
            let seen = current.updated_at;
            let renamed = ChatRow {
                name: update.name.clone(),
                model: update
                    .model
                    .clone()
                    .unwrap_or_else(|| current.model.clone()),
                // A clock that went back must not move the chat back in an updated_at order.
                updated_at: now_ms.max(seen),
                ..current
            };
            let chat = Chat::from(renamed.clone());
            let mut actions = vec![
                self.update_chat_row(
                    schema::user_pk(user_id),
                    schema::chat_sk(chat_id),
                    &renamed,
                    "attribute_exists(#pk) AND #updated = :seen",
                    Some(seen),
                )?,
                self.update_chat_row(
                    schema::chat_pk(user_id, chat_id),
                    schema::CHAT_META_SK.to_owned(),
                    &renamed,
                    "attribute_exists(#pk)",
                    None,
                )?,
            ];
            if let Some(key) = idempotency {
                actions.push(self.put_idempotency_record(
                    user_id,
                    key,
                    Recorded::response(&chat)?,
                    now_ms,
                )?);
            }
            let Some(failed) = self.write_guarded(actions).await? else {
                return Ok(Replayable {
                    value: chat,
                    replayed: false,
                });
            };
            if let Some(key) = idempotency
                && failed.at(2)
            {
                return self.replay_of(user_id, key, now_ms).await;
            }
            if failed.at(1) {
                return Err(StoreError::ChatNotFound);
            }
            // The list row changed since it was read (another rename): read it again.
        }
        Err(StoreError::Unavailable(
            "the chat kept changing while it was renamed".into(),
        ))
    }
}

impl ChatDeleteStore for DynamoStore {
    async fn delete_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let now_ms = neptun_core::clock::now_ms();
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        let mut actions = vec![
            self.delete_row(
                schema::chat_pk(user_id, chat_id),
                schema::CHAT_META_SK.to_owned(),
                Some(RowCondition::Exists),
            )?,
            self.delete_row(schema::user_pk(user_id), schema::chat_sk(chat_id), None)?,
        ];
        if let Some(key) = idempotency {
            actions.push(self.put_idempotency_record(
                user_id,
                key,
                Recorded::response(&())?,
                now_ms,
            )?);
        }
        match self.write_guarded(actions).await? {
            None => Ok(Replayable {
                value: (),
                replayed: false,
            }),
            Some(failed) => match idempotency {
                Some(key) if failed.at(2) => self.replay_of(user_id, key, now_ms).await,
                _ => Err(StoreError::ChatNotFound),
            },
        }
    }

    async fn delete_chats(
        &self,
        user_id: u64,
        chat_ids: Vec<u64>,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<()>, StoreError> {
        let now_ms = neptun_core::clock::now_ms();
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        // Without conditions: an id that names none of the user's chats deletes nothing, and
        // the keys hold the session's user, so no other user's chat can be named. Each chat's
        // two rows stay in one transaction; 100 chats take three.
        let per_transaction = (MAX_ACTIONS - 1) / DELETE_ACTIONS_PER_CHAT;
        let transactions: Vec<&[u64]> = chat_ids.chunks(per_transaction).collect();
        for (index, chats) in transactions.iter().enumerate() {
            let mut actions = Vec::with_capacity(chats.len() * DELETE_ACTIONS_PER_CHAT + 1);
            for &chat_id in *chats {
                actions.push(self.delete_row(
                    schema::chat_pk(user_id, chat_id),
                    schema::CHAT_META_SK.to_owned(),
                    None,
                )?);
                actions.push(self.delete_row(
                    schema::user_pk(user_id),
                    schema::chat_sk(chat_id),
                    None,
                )?);
            }
            let last = index + 1 == transactions.len();
            let record = idempotency.filter(|_| last);
            if let Some(key) = record {
                actions.push(self.put_idempotency_record(
                    user_id,
                    key,
                    Recorded::response(&())?,
                    now_ms,
                )?);
            }
            if self.write_guarded(actions).await?.is_some() {
                // Only the record has a condition.
                return match record {
                    Some(key) => self.replay_of(user_id, key, now_ms).await,
                    None => Err(StoreError::Invariant("an unconditioned delete was refused")),
                };
            }
        }
        Ok(Replayable {
            value: (),
            replayed: false,
        })
    }
}
