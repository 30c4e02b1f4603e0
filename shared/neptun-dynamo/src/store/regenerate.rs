//! Regenerate: deleting a chat's last exchange, and the files of its messages, in one
//! transaction.
//!
//! The last messages are read newest first. Each row they live in is then deleted, or
//! rewritten without them (they are the row's last slots, so the rest keeps its slots), on
//! the condition that the row is as it was read. A message that arrives meanwhile is in a
//! row of its own (every create writes new rows), so it is never deleted; a concurrent
//! regenerate that changed a row first makes this one read again.

use neptun_core::ids::{ChatId, MessageId, UserId};
use std::collections::HashSet;

use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::build_error;
use super::guarded::RowCondition;
use super::idempotency::Committed;
use super::retry::ConflictRetry;
use super::{DynamoStore, Item, decode};
use crate::schema::{self, ChatScope, MessageChunkRow, SortRange};
use neptun_core::model::{ChatMessage, LastExchange};
use neptun_core::store::{Idempotency, RegenerateStore, Replayable, StoreError};

/// Read, then write if the rows did not change meanwhile; that many rounds.
const ROUNDS: usize = 4;
/// Message rows per `Query` call: an exchange is a message or two, and a row holds up to 512.
const ROWS_PER_CALL: usize = 2;

/// The end of a chat as read: its last messages newest first, and the rows they are in.
struct ChatEnd {
    newest_first: Vec<ChatMessage>,
    rows: Vec<MessageChunkRow>,
    /// The read reached the chat's `META`: no older message exists.
    reached_start: bool,
}

impl DynamoStore {
    /// Reads the chat's messages from the newest until the last exchange is known.
    async fn read_chat_end(&self, scope: ChatScope) -> Result<ChatEnd, StoreError> {
        let mut end = ChatEnd {
            newest_first: Vec::new(),
            rows: Vec::new(),
            reached_start: false,
        };
        let rows = self
            .scan_range(
                schema::chat_pk(scope.user_id, scope.chat_id),
                schema::message_range(None),
                false,
                Some(ROWS_PER_CALL),
                None,
                |item| {
                    if is_meta(&item) {
                        end.reached_start = true;
                        return Ok(false);
                    }
                    let row: MessageChunkRow = decode(item)?;
                    end.newest_first.extend(
                        row.clone()
                            .into_messages(scope)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev(),
                    );
                    end.rows.push(row);
                    Ok(!LastExchange::is_complete(&end.newest_first, false))
                },
            )
            .await?;
        if rows == 0 {
            return Err(self
                .missing_unless_erased(scope.user_id, StoreError::ChatNotFound)
                .await);
        }
        Ok(end)
    }

    /// The keys of the chat's file rows attached to any of `messages`.
    async fn file_rows_of(
        &self,
        scope: ChatScope,
        messages: &HashSet<MessageId>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let range: SortRange = schema::file_range(None);
        let mut keys = Vec::new();
        let mut start: Option<Item> = None;
        let mut conflicts = ConflictRetry::new(std::time::Instant::now(), self.retry_budget);
        loop {
            let mut query = QueryInput::builder()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .projection_expression("#pk, #sk, #mid")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_names("#sk", schema::SK)
                .expression_attribute_names("#mid", schema::MESSAGE_ID)
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(schema::chat_pk(scope.user_id, scope.chat_id)),
                )
                .expression_attribute_values(":from", AttributeValue::S(range.from.clone()))
                .expression_attribute_values(":to", AttributeValue::S(range.to.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take());
            let mut placeholders = Vec::new();
            for (index, id) in messages.iter().enumerate() {
                let placeholder = format!(":m{index}");
                query = query
                    .expression_attribute_values(&placeholder, AttributeValue::N(id.to_string()));
                placeholders.push(placeholder);
            }
            let query = query.filter_expression(format!("#mid IN ({})", placeholders.join(", ")));
            let output = conflicts
                .send("Query", || query.clone().send_with(&self.client))
                .await?;
            for item in output.items() {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
                if let (Some(pk), Some(sk)) = (text(schema::PK), text(schema::SK)) {
                    keys.push((pk, sk));
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(keys),
            }
        }
    }

    /// The row's change: deleted when nothing of it remains, else rewritten without the
    /// deleted messages; either only if it is as it was read.
    fn shrink_row(
        &self,
        row: &MessageChunkRow,
        deleted: &HashSet<MessageId>,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let remaining: Vec<_> = row
            .items
            .iter()
            .filter(|item| !deleted.contains(&item.id))
            .cloned()
            .collect();
        if remaining.len() == row.items.len() {
            return Ok(None);
        }
        let unchanged = RowCondition::Unchanged {
            items: row.n,
            write_id: row.write_id,
        };
        if remaining.is_empty() {
            return self
                .delete_row(row.pk.clone(), row.sk.clone(), Some(unchanged))
                .map(Some);
        }
        let items = serde_dynamo::to_attribute_value(&remaining)
            .map_err(|error| StoreError::Encode(Box::new(error)))?;
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(row.pk.clone(), row.sk.clone())))
            .update_expression("SET #items = :items, #n = :remaining")
            .condition_expression(unchanged.expression())
            .expression_attribute_names("#items", schema::ITEMS)
            .expression_attribute_values(":items", items)
            .expression_attribute_values(
                ":remaining",
                AttributeValue::N(remaining.len().to_string()),
            );
        for (placeholder, name) in unchanged.names() {
            update = update.expression_attribute_names(placeholder, name);
        }
        for (placeholder, value) in unchanged.values() {
            update = update.expression_attribute_values(placeholder, value);
        }
        Ok(Some(
            TransactWriteItem::builder()
                .update(update.build().map_err(build_error)?)
                .build(),
        ))
    }
}

fn is_meta(item: &Item) -> bool {
    item.get(schema::SK)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some(schema::CHAT_META_SK)
}

impl RegenerateStore for DynamoStore {
    async fn delete_last_exchange(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<LastExchange>, StoreError> {
        let now_ms = neptun_core::clock::now_ms();
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        let scope = ChatScope { user_id, chat_id };
        for _ in 0..ROUNDS {
            let end = self.read_chat_end(scope).await?;
            let Some(exchange) = LastExchange::from_newest_first(&end.newest_first) else {
                // Only the marker: a chat without messages. (No marker was read either when
                // the read found rows but stopped early, which cannot happen without messages.)
                let missing = if end.reached_start {
                    StoreError::NoMessages
                } else {
                    StoreError::ChatNotFound
                };
                return Err(self.missing_unless_erased(user_id, missing).await);
            };
            let deleted: HashSet<MessageId> = exchange.message_ids().into_iter().collect();
            let (_, chat_check) = self.chat_exists_check(user_id, chat_id)?;
            let mut actions = vec![
                TransactWriteItem::builder()
                    .condition_check(chat_check)
                    .build(),
            ];
            for row in &end.rows {
                actions.extend(self.shrink_row(row, &deleted)?);
            }
            for (pk, sk) in self.file_rows_of(scope, &deleted).await? {
                actions.push(self.delete_row(pk, sk, None)?);
            }
            let failed = match self
                .commit_recorded(user_id, idempotency, actions, exchange, now_ms)
                .await?
            {
                Committed::Answered(answer) => return Ok(answer),
                Committed::Refused(failed) => failed,
            };
            if failed.at(0) {
                return Err(StoreError::ChatNotFound);
            }
            // A row changed since it was read (another regenerate): read again.
        }
        Err(StoreError::Unavailable(
            "the chat's last messages kept changing".into(),
        ))
    }
}
