//! Writes that change or remove rows (update, delete, regenerate): one `TransactWriteItems`
//! guarded by conditions, sent again while it conflicts, and the actions of such writes.

use neptun_core::ids::UserId;
use std::time::Instant;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Delete, Put, TransactWriteItem,
};

use super::build_error;
use super::classify::{cancellation_reasons, classify, is_conflict};
use super::retry::ConflictRetry;
use super::{DynamoStore, to_item};
use crate::schema;
use neptun_core::store::StoreError;

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
    /// Sends `actions` for `user_id` as one transaction, with the check that the user was not
    /// erased last, again (unchanged) while it conflicts and the budget lasts. `Ok(None)`:
    /// committed; `Ok(Some(failed))`: cancelled by the conditions of `actions`;
    /// [`StoreError::Erased`] before any other answer.
    pub(super) async fn write_guarded(
        &self,
        user_id: UserId,
        mut actions: Vec<TransactWriteItem>,
    ) -> Result<Option<FailedConditions>, StoreError> {
        let erased = actions.len();
        let not_erased = self.not_erased_check(user_id)?;
        actions.push(
            TransactWriteItem::builder()
                .condition_check(not_erased)
                .build(),
        );
        let failed = self.write_transaction(actions).await?;
        if failed.as_ref().is_some_and(|failed| failed.at(erased)) {
            return Err(StoreError::Erased);
        }
        Ok(failed)
    }

    /// Sends `actions` as one transaction, again (unchanged) while it conflicts and the
    /// budget lasts. `Ok(None)`: committed; `Ok(Some(failed))`: cancelled by conditions.
    pub(super) async fn write_transaction(
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
            let sent = super::boxed(|| {
                TransactWriteItemsInput::builder()
                    .set_transact_items(Some(actions.clone()))
                    .send_with(&self.client)
            })
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

    /// A put of a whole row, conditioned on `condition` when given.
    pub(super) fn put_row(
        &self,
        row: &impl serde::Serialize,
        condition: Option<RowCondition>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(row)?));
        if let Some(condition) = condition {
            put = put.condition_expression(condition.expression());
            for (placeholder, name) in condition.names() {
                put = put.expression_attribute_names(placeholder, name);
            }
            for (placeholder, value) in condition.values() {
                put = put.expression_attribute_values(placeholder, value);
            }
        }
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(build_error)?)
            .build())
    }

    /// A check that the user was not erased (no `ERASED` row): every write for a user takes
    /// it in its own transaction, so it costs no request.
    pub(super) fn not_erased_check(&self, user_id: UserId) -> Result<ConditionCheck, StoreError> {
        ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::user_pk(user_id),
                schema::ERASED_SK.to_owned(),
            )))
            .condition_expression(schema::ROW_ABSENT)
            .build()
            .map_err(build_error)
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
            .delete(delete.build().map_err(build_error)?)
            .build())
    }
}

/// What a changed row must still be like when the write commits.
pub(super) enum RowCondition {
    /// The row exists.
    Exists,
    /// No row has the key yet.
    Absent,
    /// The row is as it was read: its item count and write id.
    Unchanged { items: u64, write_id: u64 },
    /// The row exists and was last written by the write that was read (a chat's row).
    Written { write_id: u64 },
}

impl RowCondition {
    pub fn expression(&self) -> &'static str {
        match self {
            Self::Exists => schema::ROW_EXISTS,
            Self::Absent => schema::ROW_ABSENT,
            Self::Unchanged { .. } => "#n = :n AND #w = :w",
            Self::Written { .. } => "attribute_exists(PK) AND #w = :w",
        }
    }

    pub fn names(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Self::Exists | Self::Absent => Vec::new(),
            Self::Unchanged { .. } => vec![("#n", schema::ITEM_COUNT), ("#w", schema::WRITE_ID)],
            Self::Written { .. } => vec![("#w", schema::WRITE_ID)],
        }
    }

    pub fn values(&self) -> Vec<(&'static str, AttributeValue)> {
        match self {
            Self::Exists | Self::Absent => Vec::new(),
            Self::Unchanged { items, write_id } => vec![
                (":n", AttributeValue::N(items.to_string())),
                (":w", AttributeValue::N(write_id.to_string())),
            ],
            Self::Written { write_id } => vec![(":w", AttributeValue::N(write_id.to_string()))],
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
