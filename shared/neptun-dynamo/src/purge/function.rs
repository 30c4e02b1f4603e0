//! What the purge function (functions/purge-chat) is invoked with: the table's stream, batches
//! of chat deletions to purge, and the sweep's schedule (an EventBridge `Scheduled Event`),
//! which purges what the stream left ([`super::SweepReport`]).

use std::time::Instant;

use aws_lambda_events::dynamodb::Event;
use neptun_core::clock;
use serde_json::Value;

use super::SWEEP_GRACE;
use super::stream::{StreamError, purge_deleted_chats};
use crate::DynamoStore;

#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    #[error("neither a stream batch nor the sweep's schedule")]
    Unknown(#[source] serde_json::Error),
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error("the sweep failed")]
    Sweep(#[source] neptun_core::store::StoreError),
    #[error("the answer did not serialize")]
    Answer(#[source] serde_json::Error),
}

/// Purges a stream batch, or sweeps: by what the event is.
pub async fn purge_or_sweep(
    store: &DynamoStore,
    event: Value,
    deadline: Instant,
) -> Result<Value, InvocationError> {
    if event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        let now_ms = clock::now_ms();
        let report = store
            .sweep_pending_purges(now_ms, SWEEP_GRACE, Some(deadline))
            .await
            .map_err(InvocationError::Sweep)?;
        tracing::info!(
            found = report.found,
            purged = report.purged,
            forgotten = report.forgotten,
            failed = report.failed,
            oldest_pending_ms = report.oldest_pending_ms,
            erasures_finished = report.erasures_finished,
            oldest_erasure_ms = report.oldest_erasure_ms,
            "swept pending purges"
        );
        report.emit(now_ms);
        return Ok(Value::Null);
    }
    let batch: Event = serde_json::from_value(event).map_err(InvocationError::Unknown)?;
    let answer = purge_deleted_chats(store, batch, Some(deadline)).await?;
    serde_json::to_value(answer).map_err(InvocationError::Answer)
}
