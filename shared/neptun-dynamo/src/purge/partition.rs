//! Deleting a deleted chat's partition: its keys read page by page (`Query`, keys only),
//! deleted 25 at a time (`BatchWriteItem`) with a few batches in flight, unprocessed items
//! and throttled calls retried with exponential backoff and full jitter.
//!
//! Nothing is remembered between runs: a run reads what is left, so an interrupted purge
//! finishes when run again, and purging twice reads one empty page. Once the partition is
//! empty the chat's pending purge record goes (written by the delete; the sweep finishes what
//! the stream's purge did not). Reads are strongly
//! consistent: a row written just before the chat was deleted is not missed, and `META`,
//! deleted just before, is not seen again.

use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use tokio::task::JoinSet;

use super::{ChatPurge, PurgeError, PurgeOptions, PurgeReport, partition_query, row_query};
use crate::schema::{self, PendingPurgeRow};
use crate::store::DynamoStore;
use crate::store::batch::{
    BATCH_SIZE, BatchOutcome, Key, delete_batch, delete_request, joined, with_backoff,
};
use crate::store::decode;
use neptun_core::ids::UserId;
use neptun_core::store::StoreError;

impl ChatPurge for DynamoStore {
    async fn purge_chat_partition(
        &self,
        pk: &str,
        options: PurgeOptions,
    ) -> Result<PurgeReport, PurgeError> {
        purge_chat_partition(self.client(), self.table(), pk, options).await
    }

    async fn remove_erased_user(
        &self,
        user_id: UserId,
        options: PurgeOptions,
    ) -> Result<PurgeReport, PurgeError> {
        DynamoStore::remove_erased_user(self, user_id, options).await
    }
}

/// Deletes every row of the chat partition `pk` of `table`, after checking that it is a chat
/// partition and that its `META` row is gone.
pub async fn purge_chat_partition(
    client: &Client,
    table: &str,
    pk: &str,
    options: PurgeOptions,
) -> Result<PurgeReport, PurgeError> {
    let Some(scope) = schema::parse_chat_pk(pk) else {
        return Err(PurgeError::NotAChatPartition(pk.to_owned()));
    };
    let purge = Purge {
        client,
        table,
        pk,
        options,
    };
    if purge.marker_exists().await.map_err(PurgeError::Store)? {
        return Err(PurgeError::ChatExists(pk.to_owned()));
    }
    // The pending purge as it is before the partition is read: one written while this purge
    // runs (by the import, for a row it wrote into the deleted chat meanwhile) is newer, and
    // stays for the sweep.
    let pending = pending_purge(client, table, scope)
        .await
        .map_err(PurgeError::Store)?;
    let report = purge.run().await?;
    if let Some(pending) = pending {
        forget_pending_purge(client, table, &pending)
            .await
            .map_err(PurgeError::Store)?;
    }
    Ok(report)
}

/// The chat's pending purge record, read consistently, if it has one.
async fn pending_purge(
    client: &Client,
    table: &str,
    scope: schema::ChatScope,
) -> Result<Option<PendingPurgeRow>, StoreError> {
    let query = row_query(
        client,
        table,
        schema::pending_purge_pk(scope),
        schema::chat_pk(scope.user_id, scope.chat_id),
    );
    let output = with_backoff(|| query.clone().send()).await?;
    output
        .items
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(decode)
        .transpose()
}

/// Deletes a chat's pending purge record `pending`, unless it was written again since: its
/// partition is empty (or its chat exists after all, when the sweep finds it).
pub async fn forget_pending_purge(
    client: &Client,
    table: &str,
    pending: &PendingPurgeRow,
) -> Result<(), StoreError> {
    let delete = client
        .delete_item()
        .table_name(table)
        .key(schema::PK, AttributeValue::S(pending.pk.clone()))
        .key(schema::SK, AttributeValue::S(pending.sk.clone()))
        .condition_expression("#at = :at")
        .expression_attribute_names("#at", schema::DELETED_AT)
        .expression_attribute_values(":at", AttributeValue::N(pending.deleted_at.to_string()));
    with_backoff(|| async {
        match delete.clone().send().await {
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(DeleteItemError::is_conditional_check_failed_exception) =>
            {
                Ok(())
            }
            outcome => outcome.map(|_| ()),
        }
    })
    .await
}

struct Purge<'a> {
    client: &'a Client,
    table: &'a str,
    pk: &'a str,
    options: PurgeOptions,
}

impl Purge<'_> {
    fn check_deadline(&self) -> Result<(), PurgeError> {
        match self.options.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(PurgeError::OutOfTime),
            _ => Ok(()),
        }
    }

    /// Whether the partition's `META` row exists.
    async fn marker_exists(&self) -> Result<bool, StoreError> {
        let query = row_query(
            self.client,
            self.table,
            self.pk.to_owned(),
            schema::CHAT_META_SK.to_owned(),
        )
        .select(Select::Count);
        let output = with_backoff(|| query.clone().send()).await?;
        Ok(output.count > 0)
    }

    /// One page of the partition's keys, from `start`: as many as DynamoDB's 1 MB page holds.
    async fn keys_page(&self, start: Option<Key>) -> Result<(Vec<Key>, Option<Key>), StoreError> {
        let query = partition_query(self.client, self.table, self.pk.to_owned())
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#sk", schema::SK)
            .set_exclusive_start_key(start);
        let output = with_backoff(|| query.clone().send()).await?;
        Ok((output.items.unwrap_or_default(), output.last_evaluated_key))
    }

    async fn run(&self) -> Result<PurgeReport, PurgeError> {
        let mut report = PurgeReport::default();
        // Dropped on an early return, which aborts the batches still in flight: deletes are
        // idempotent, and the next run deletes what they did not.
        let mut in_flight: JoinSet<Result<BatchOutcome, StoreError>> = JoinSet::new();
        let mut start = None;
        loop {
            self.check_deadline()?;
            // The next page is read while the previous page's batches are still deleting:
            // its start key is past them.
            let (keys, next) = self.keys_page(start).await.map_err(PurgeError::Store)?;
            report.pages += 1;
            if keys.iter().any(is_marker) {
                // Re-created since the check: a stray event must not delete a live chat.
                return Err(PurgeError::ChatExists(self.pk.to_owned()));
            }
            for batch in keys.chunks(BATCH_SIZE) {
                while in_flight.len() >= self.options.batches_in_flight.max(1) {
                    if let Some(done) = in_flight.join_next().await {
                        report.add(done)?;
                    }
                }
                self.check_deadline()?;
                let requests = batch
                    .iter()
                    .cloned()
                    .map(delete_request)
                    .collect::<Result<_, _>>()
                    .map_err(PurgeError::Store)?;
                in_flight.spawn(delete_batch(
                    self.client.clone(),
                    self.table.to_owned(),
                    requests,
                ));
            }
            start = next;
            if start.is_none() {
                break;
            }
        }
        while let Some(done) = in_flight.join_next().await {
            report.add(done)?;
        }
        Ok(report)
    }
}

fn is_marker(key: &Key) -> bool {
    key.get(schema::SK)
        .and_then(|sk| sk.as_s().ok())
        .map(String::as_str)
        == Some(schema::CHAT_META_SK)
}

impl PurgeReport {
    fn add(
        &mut self,
        done: Result<Result<BatchOutcome, StoreError>, tokio::task::JoinError>,
    ) -> Result<(), PurgeError> {
        let outcome = joined(done).map_err(PurgeError::Store)?;
        self.deleted += outcome.deleted;
        self.batch_calls += outcome.calls;
        self.retried += outcome.retried;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use neptun_core::ids::{ChatId, UserId};

    #[test]
    fn only_the_marker_is_the_marker() {
        let key = |sk: &str| {
            Key::from([
                (
                    schema::PK.to_owned(),
                    AttributeValue::S(schema::chat_pk(UserId(1), ChatId(2))),
                ),
                (schema::SK.to_owned(), AttributeValue::S(sk.to_owned())),
            ])
        };
        assert!(is_marker(&key(schema::CHAT_META_SK)));
        assert!(!is_marker(&key(&schema::message_chunk_sk(4096))));
        assert!(!is_marker(&key(&schema::file_chunk_sk(4096))));
        assert!(delete_request(key("MSG#1")).is_ok());
    }
}
