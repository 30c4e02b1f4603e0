//! Writes that change or remove rows (rename, delete, regenerate): one `TransactWriteItems`
//! guarded by conditions, sent again while it conflicts, and the `Idempotency-Key` record
//! that holds the response such a route gave.

use std::time::Instant;

use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Delete, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::classify::{cancellation_reasons, classify, is_conflict};
use super::retry::ConflictRetry;
use super::{DynamoStore, decode, to_item};
use crate::store::schema::{self, ResponseRecordRow};
use crate::store::{Created, IDEMPOTENCY_TTL_SECONDS, Idempotency, StoreError};

fn code(reason: &CancellationReason) -> &str {
    reason.code().unwrap_or("None")
}

/// DynamoDB's limit of actions in one transaction.
pub(super) const MAX_ACTIONS: usize = 100;

/// How a guarded write ended when it did not commit: which actions failed their condition.
pub(super) struct FailedConditions(Vec<bool>);

impl FailedConditions {
    pub fn at(&self, index: usize) -> bool {
        self.0.get(index).copied().unwrap_or(false)
    }
}

impl DynamoStore {
    /// Sends `actions` as one transaction, again (unchanged) while it conflicts and the
    /// budget lasts. `Ok(None)`: committed; `Ok(Some(failed))`: cancelled by conditions.
    pub(super) async fn write_guarded(
        &self,
        actions: Vec<TransactWriteItem>,
    ) -> Result<Option<FailedConditions>, StoreError> {
        if actions.len() > MAX_ACTIONS {
            return Err(StoreError::Invariant(
                "more rows to change than one transaction holds",
            ));
        }
        let mut conflicts = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(actions.clone()))
                .send()
                .await;
            let error = match sent {
                Ok(_) => return Ok(None),
                Err(error) => error,
            };
            let conflict = match cancellation_reasons(&error) {
                Some(reasons) => {
                    if reasons.iter().any(|r| code(r) == "ConditionalCheckFailed") {
                        let failed = reasons
                            .iter()
                            .map(|r| code(r) == "ConditionalCheckFailed")
                            .collect();
                        return Ok(Some(FailedConditions(failed)));
                    }
                    if !reasons.iter().any(|r| code(r) == "TransactionConflict") {
                        return Err(StoreError::Unavailable(Box::new(error)));
                    }
                    true
                }
                None => is_conflict(&error),
            };
            if !conflict {
                return Err(classify(error));
            }
            if !conflicts.pause("TransactWriteItems").await {
                return Err(StoreError::Unavailable(Box::new(error)));
            }
        }
    }

    /// The response this `Idempotency-Key` already answered with, if its record is live;
    /// [`StoreError::IdempotencyMismatch`] if it answered another request.
    pub(super) async fn recorded_response<T: DeserializeOwned>(
        &self,
        user_id: u64,
        key: &Idempotency,
        now_ms: u64,
    ) -> Result<Option<T>, StoreError> {
        let read = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::user_pk(user_id),
                schema::idempotency_sk(&key.key_hash),
            )))
            .consistent_read(true);
        let mut conflicts = ConflictRetry::new(Instant::now(), self.retry_budget);
        let output = conflicts.send("GetItem", || read.clone().send()).await?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let record: ResponseRecordRow = decode(item)?;
        // TTL deletes late or never (DynamoDB Local): our own clock decides.
        if record.expires_at < now_ms / 1000 {
            return Ok(None);
        }
        if record.fingerprint != key.fingerprint {
            return Err(StoreError::IdempotencyMismatch);
        }
        let response = record.response.ok_or(StoreError::Invariant(
            "a response record without its response",
        ))?;
        serde_json::from_str(&response)
            .map(Some)
            .map_err(|_| StoreError::Invariant("a response record that does not decode"))
    }

    /// The earlier answer to this request's `Idempotency-Key`, as a replay, if it has one.
    pub(super) async fn earlier_response<T: DeserializeOwned>(
        &self,
        user_id: u64,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Option<Created<T>>, StoreError> {
        let Some(key) = idempotency else {
            return Ok(None);
        };
        Ok(self
            .recorded_response(user_id, key, now_ms)
            .await?
            .map(|value| Created {
                value,
                replayed: true,
            }))
    }

    /// The record of this request's response, written in the same transaction as its change:
    /// only where no live record is (one whose 24 hours are over may be replaced).
    pub(super) fn put_response_record(
        &self,
        user_id: u64,
        key: &Idempotency,
        response: &impl Serialize,
        now_ms: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let response = serde_json::to_string(response)
            .map_err(|_| StoreError::Invariant("a response that does not encode"))?;
        let row = ResponseRecordRow {
            pk: schema::user_pk(user_id),
            sk: schema::idempotency_sk(&key.key_hash),
            fingerprint: key.fingerprint.clone(),
            response: Some(response),
            expires_at: now_ms / 1000 + IDEMPOTENCY_TTL_SECONDS,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&row)?))
            .condition_expression("attribute_not_exists(#pk) OR #expires < :now")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#expires", schema::EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N((now_ms / 1000).to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None)
            .build()
            .map_err(StoreError::Build)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// After a cancellation in which the record's condition failed: another request with the
    /// same key committed first. Its response, a 422 for another request, or (if its record is
    /// gone again) a 409.
    pub(super) async fn replay_of<T: DeserializeOwned>(
        &self,
        user_id: u64,
        key: &Idempotency,
        now_ms: u64,
    ) -> Result<Created<T>, StoreError> {
        match self.recorded_response(user_id, key, now_ms).await? {
            Some(value) => Ok(Created {
                value,
                replayed: true,
            }),
            None => Err(StoreError::IdempotencyInFlight),
        }
    }

    /// A delete of one row, conditioned on `condition` when given.
    pub(super) fn delete_row(
        &self,
        pk: String,
        sk: String,
        condition: Option<RowCondition>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)));
        if let Some(condition) = condition {
            delete = condition.apply_to_delete(delete);
        }
        Ok(TransactWriteItem::builder()
            .delete(delete.build().map_err(StoreError::Build)?)
            .build())
    }
}

/// What a changed row must still be like when the write commits.
pub(super) enum RowCondition {
    /// The row exists.
    Exists,
    /// The row is as it was read: its item count and write id.
    Unchanged { items: u64, write_id: u64 },
}

impl RowCondition {
    pub fn expression(&self) -> &'static str {
        match self {
            Self::Exists => "attribute_exists(#pk)",
            Self::Unchanged { .. } => "#n = :n AND #w = :w",
        }
    }

    pub fn names(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Self::Exists => vec![("#pk", schema::PK)],
            Self::Unchanged { .. } => vec![("#n", schema::ITEM_COUNT), ("#w", schema::WRITE_ID)],
        }
    }

    pub fn values(&self) -> Vec<(&'static str, AttributeValue)> {
        match self {
            Self::Exists => Vec::new(),
            Self::Unchanged { items, write_id } => vec![
                (":n", AttributeValue::N(items.to_string())),
                (":w", AttributeValue::N(write_id.to_string())),
            ],
        }
    }

    fn apply_to_delete(
        &self,
        delete: aws_sdk_dynamodb::types::builders::DeleteBuilder,
    ) -> aws_sdk_dynamodb::types::builders::DeleteBuilder {
        let mut delete = delete.condition_expression(self.expression());
        for (placeholder, name) in self.names() {
            delete = delete.expression_attribute_names(placeholder, name);
        }
        for (placeholder, value) in self.values() {
            delete = delete.expression_attribute_values(placeholder, value);
        }
        delete
    }
}
