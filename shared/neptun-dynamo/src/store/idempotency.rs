//! An `Idempotency-Key`'s record ([`IdempotencyRecordRow`]): written in the same transaction
//! as the change it describes, so a crash cannot separate them, and read back when the key
//! comes again.

use neptun_core::ids::UserId;

use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use neptun_core::store::{IDEMPOTENCY_TTL_SECONDS, Idempotency, Replayable, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::guarded::FailedConditions;
use super::{DynamoStore, build_error, to_item};
use crate::schema::{self, IdempotencyRecordRow};

/// What a write records under its key: the ids a create drew, or the response of any other
/// write (as JSON).
pub(super) enum Recorded {
    Created { result_id: u64 },
    Response(String),
}

impl Recorded {
    pub fn response(response: &impl Serialize) -> Result<Self, StoreError> {
        serde_json::to_string(response)
            .map(Self::Response)
            .map_err(|_| StoreError::Invariant("a response that does not encode"))
    }
}

/// How a [`DynamoStore::commit_recorded`] ended.
pub(super) enum Committed<T> {
    /// Committed now, or an earlier request with the same key had: its answer.
    Answered(Replayable<T>),
    /// Cancelled by a condition of the write's own actions.
    Refused(FailedConditions),
}

impl DynamoStore {
    /// A write that answers `value`: `actions` and, with an `Idempotency-Key`, its record, in
    /// one guarded transaction. If the record's condition failed, another request with the key
    /// committed first and its answer is replayed; any other failed condition is the caller's
    /// to read.
    pub(super) async fn commit_recorded<T: Serialize + DeserializeOwned>(
        &self,
        user_id: UserId,
        idempotency: Option<&Idempotency>,
        mut actions: Vec<TransactWriteItem>,
        value: T,
        now_ms: u64,
    ) -> Result<Committed<T>, StoreError> {
        let record = actions.len();
        if let Some(key) = idempotency {
            let recorded = Recorded::response(&value)?;
            actions.push(self.put_idempotency_record(user_id, key, recorded, now_ms)?);
        }
        match (self.write_guarded(user_id, actions).await?, idempotency) {
            (None, _) => Ok(Committed::Answered(Replayable {
                value,
                replayed: false,
            })),
            (Some(failed), Some(key)) if failed.at(record) => self
                .replay_of(user_id, key, now_ms)
                .await
                .map(Committed::Answered),
            (Some(failed), _) => Ok(Committed::Refused(failed)),
        }
    }

    /// The record's put: new, or replacing one whose 24 hours are over (TTL deletes lazily).
    /// If a live one is there, the failed condition returns it (a create reads it from the
    /// cancellation).
    pub(super) fn put_idempotency_record(
        &self,
        user_id: UserId,
        key: &Idempotency,
        recorded: Recorded,
        now_ms: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let (result_id, created_at, response) = match recorded {
            Recorded::Created { result_id } => (Some(result_id), Some(now_ms), None),
            Recorded::Response(json) => (None, None, Some(json)),
        };
        let row = IdempotencyRecordRow {
            pk: schema::user_pk(user_id),
            sk: schema::idempotency_sk(&key.key_hash),
            fingerprint: key.fingerprint.clone(),
            result_id,
            created_at,
            response,
            expires_at: now_ms / 1000 + IDEMPOTENCY_TTL_SECONDS,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&row)?))
            .condition_expression("attribute_not_exists(#pk) OR #expires < :now")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#expires", schema::EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N((now_ms / 1000).to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The response this `Idempotency-Key` already answered with, if its record is live;
    /// [`StoreError::IdempotencyMismatch`] if it answered another request.
    async fn recorded_response<T: DeserializeOwned>(
        &self,
        user_id: UserId,
        key: &Idempotency,
        now_ms: u64,
    ) -> Result<Option<T>, StoreError> {
        let record: Option<IdempotencyRecordRow> = self
            .consistent_row(
                schema::user_pk(user_id),
                schema::idempotency_sk(&key.key_hash),
            )
            .await?;
        let Some(record) = record else {
            return Ok(None);
        };
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
        user_id: UserId,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Option<Replayable<T>>, StoreError> {
        let Some(key) = idempotency else {
            return Ok(None);
        };
        let Some(value) = self.recorded_response(user_id, key, now_ms).await? else {
            return Ok(None);
        };
        // An erased user's keys replay nothing (the record goes with the user's rows).
        self.refuse_if_erased(user_id).await?;
        Ok(Some(Replayable {
            value,
            replayed: true,
        }))
    }

    /// After a cancellation in which the record's condition failed: another request with the
    /// same key committed first. Its response, a 422 for another request, or (if its record is
    /// gone again) a 409.
    pub(super) async fn replay_of<T: DeserializeOwned>(
        &self,
        user_id: UserId,
        key: &Idempotency,
        now_ms: u64,
    ) -> Result<Replayable<T>, StoreError> {
        match self.recorded_response(user_id, key, now_ms).await? {
            Some(value) => Ok(Replayable {
                value,
                replayed: true,
            }),
            None => Err(StoreError::IdempotencyInFlight),
        }
    }
}
