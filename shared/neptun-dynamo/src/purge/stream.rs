//! The purge of deleted chats, fed by the table's stream (functions/purge-chat in AWS,
//! `neptun-devtools`' `stream-purge` under `make dev`).
//!
//! Deleting a chat removes its `META` row and its list row in one transaction; the stream
//! record of that `META` removal names the partition, and this handler deletes what is left in
//! it. The insert of a user's `ERASED` row starts the removal of the erased user's rows
//! ([`is_erasure`]). The event source mapping passes only those records (template.yaml's
//! `FilterCriteria`), and the handler checks again. A purge that fails for a reason that
//! can pass is reported as the record's failure (`ReportBatchItemFailures`): the stream sends
//! it again, with the records after it, and the purge goes on from what is left.

use std::time::{Duration, Instant};

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use serde_dynamo::AttributeValue;

use super::{ChatPurge, PurgeError, PurgeOptions, PurgeReport};
use crate::schema;
use neptun_core::error::ErrorChain;

/// Stop starting work this long before the invocation's deadline: the batches in flight end
/// (each storage call gives up after 4 s), and the failure is reported in time.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// Why an invocation fails as a whole (then the stream sends the whole batch again).
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// A failed record can only be reported by its sequence number.
    #[error("a stream record without a sequence number failed")]
    NoSequenceNumber(#[source] PurgeError),
}

/// A stream record of a chat's deletion: the removal of a `META` row.
pub fn is_chat_deletion(record: &EventRecord) -> bool {
    record.event_name == "REMOVE"
        && key_text(record, schema::SK) == Some(schema::CHAT_META_SK)
        && key_text(record, schema::PK).is_some()
}

/// A stream record of a user's erasure: the insert of its `ERASED` row.
pub fn is_erasure(record: &EventRecord) -> bool {
    record.event_name == "INSERT" && key_text(record, schema::SK) == Some(schema::ERASED_SK)
}

fn key_text<'a>(record: &'a EventRecord, name: &str) -> Option<&'a str> {
    match record.change.keys.get(name)? {
        AttributeValue::S(text) => Some(text),
        _ => None,
    }
}

/// The deadline of an invocation that must end at `deadline_ms` (Unix milliseconds), less
/// [`DEADLINE_MARGIN`], as an [`Instant`].
pub fn purge_deadline(deadline_ms: u64, now_ms: u64) -> Instant {
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    Instant::now() + left.saturating_sub(DEADLINE_MARGIN)
}

/// Partitions purged at once: an erasure deletes thousands of chats in a few seconds, and each
/// partition's purge mostly waits on DynamoDB.
pub const PARTITIONS_IN_FLIGHT: usize = 8;

/// Purges the partition of every chat deletion in `event`, [`PARTITIONS_IN_FLIGHT`] at a
/// time, judged in order. The first purge that can pass on a retry stops the batch and is
/// reported as the failure of its record (the stream sends it and the records after it again;
/// purging what is already purged reads one empty page); a record that must not be purged (a
/// chat that exists, a partition that is not a chat's) is logged and skipped, since sending it
/// again would not change that.
pub async fn purge_deleted_chats<P: ChatPurge>(
    purger: &P,
    event: Event,
    deadline: Option<Instant>,
) -> Result<DynamoDbEventResponse, StreamError> {
    let options = PurgeOptions {
        deadline,
        ..PurgeOptions::default()
    };
    let mut running = FuturesOrdered::new();
    for record in &event.records {
        let Some(pk) =
            key_text(record, schema::PK).filter(|_| is_chat_deletion(record) || is_erasure(record))
        else {
            continue;
        };
        if running.len() >= PARTITIONS_IN_FLIGHT
            && let Some(done) = running.next().await
            && let Some(failure) = judged(done)?
        {
            return Ok(failed(failure));
        }
        running.push_back(purge_one(purger, record, pk, options));
    }
    while let Some(done) = running.next().await {
        if let Some(failure) = judged(done)? {
            return Ok(failed(failure));
        }
    }
    Ok(DynamoDbEventResponse::default())
}

/// One record's purge: the record, and how its partition's purge went.
struct Purged<'a> {
    record: &'a EventRecord,
    pk: &'a str,
    started: Instant,
    result: Result<PurgeReport, PurgeError>,
}

async fn purge_one<'a, P: ChatPurge>(
    purger: &P,
    record: &'a EventRecord,
    pk: &'a str,
    options: PurgeOptions,
) -> Purged<'a> {
    let started = Instant::now();
    let result = if is_erasure(record) {
        match schema::parse_user_pk(pk) {
            Some(user_id) => purger.remove_erased_user(user_id, options).await,
            None => Err(PurgeError::NotAChatPartition(pk.to_owned())),
        }
    } else {
        purger.purge_chat_partition(pk, options).await
    };
    Purged {
        record,
        pk,
        started,
        result,
    }
}

/// Logs a purge; `Some(sequence number)` of a record to send again.
fn judged(done: Purged<'_>) -> Result<Option<String>, StreamError> {
    let pk = done.pk;
    match done.result {
        Ok(report) => {
            let seconds = done.started.elapsed().as_secs_f64();
            tracing::info!(
                pk,
                deleted = report.deleted,
                pages = report.pages,
                batch_calls = report.batch_calls,
                retried = report.retried,
                rows_per_second = rate(report.deleted, seconds),
                "purged a deleted chat"
            );
            Ok(None)
        }
        Err(error) if !error.is_retryable() => {
            tracing::warn!(pk, error = %ErrorChain(&error), "not purged");
            Ok(None)
        }
        Err(error) => {
            tracing::error!(pk, error = %ErrorChain(&error), "purge failed, to be retried");
            match done.record.change.sequence_number.clone() {
                Some(sequence) => Ok(Some(sequence)),
                None => Err(StreamError::NoSequenceNumber(error)),
            }
        }
    }
}

/// The batch's answer when the record with this sequence number is to be sent again.
fn failed(sequence: String) -> DynamoDbEventResponse {
    let mut failure = DynamoDbBatchItemFailure::default();
    failure.item_identifier = Some(sequence);
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures.push(failure);
    response
}

/// Rows per second, 0 for no time at all.
fn rate(rows: usize, seconds: f64) -> u64 {
    if seconds > 0.0 {
        (rows as f64 / seconds) as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use neptun_core::store::StoreError;

    /// Records the partitions asked for; fails those named in `fail`.
    #[derive(Default)]
    struct FakePurge {
        asked: Mutex<Vec<String>>,
        unavailable: Vec<&'static str>,
        exists: Vec<&'static str>,
    }

    impl ChatPurge for FakePurge {
        async fn purge_chat_partition(
            &self,
            pk: &str,
            _options: PurgeOptions,
        ) -> Result<PurgeReport, PurgeError> {
            self.asked.lock().expect("lock").push(pk.to_owned());
            if self.unavailable.contains(&pk) {
                return Err(PurgeError::Store(StoreError::Invariant("down")));
            }
            if self.exists.contains(&pk) {
                return Err(PurgeError::ChatExists(pk.to_owned()));
            }
            Ok(PurgeReport::default())
        }

        async fn remove_erased_user(
            &self,
            user_id: neptun_core::ids::UserId,
            _options: PurgeOptions,
        ) -> Result<PurgeReport, PurgeError> {
            self.asked
                .lock()
                .expect("lock")
                .push(schema::user_pk(user_id));
            Ok(PurgeReport::default())
        }
    }

    fn record(event_name: &str, pk: &str, sk: &str, sequence: Option<&str>) -> EventRecord {
        let mut record = EventRecord::default();
        record.event_name = event_name.to_owned();
        record.change.keys = serde_dynamo::Item::from(std::collections::HashMap::from([
            (schema::PK.to_owned(), AttributeValue::S(pk.to_owned())),
            (schema::SK.to_owned(), AttributeValue::S(sk.to_owned())),
        ]));
        record.change.sequence_number = sequence.map(str::to_owned);
        record
    }

    fn event(records: Vec<EventRecord>) -> Event {
        let mut event = Event::default();
        event.records = records;
        event
    }

    fn failures(response: &DynamoDbEventResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.as_deref())
            .collect()
    }

    #[tokio::test]
    async fn only_meta_removals_are_purged() {
        let purger = FakePurge::default();
        let records = vec![
            record("REMOVE", "USER#1#CHAT#2", "META", Some("1")),
            record("REMOVE", "USER#1", "CHAT#0000000000000002", Some("2")),
            record("REMOVE", "USER#1#CHAT#3", "MSG#0000000000004096", Some("3")),
            record("INSERT", "USER#1#CHAT#4", "META", Some("4")),
            record("MODIFY", "USER#1#CHAT#5", "META", Some("5")),
            record("REMOVE", "USER#1#CHAT#6", "META", Some("6")),
        ];
        let response = purge_deleted_chats(&purger, event(records), None)
            .await
            .expect("no failure");
        assert!(failures(&response).is_empty());
        assert_eq!(
            *purger.asked.lock().expect("lock"),
            ["USER#1#CHAT#2", "USER#1#CHAT#6"]
        );
    }

    #[tokio::test]
    async fn the_first_retryable_failure_is_reported_and_stops_the_batch() {
        let purger = FakePurge {
            unavailable: vec!["USER#1#CHAT#3"],
            exists: vec!["USER#1#CHAT#2"],
            ..FakePurge::default()
        };
        let records = vec![
            record("REMOVE", "USER#1#CHAT#2", "META", Some("10")),
            record("REMOVE", "USER#1#CHAT#3", "META", Some("11")),
            record("REMOVE", "USER#1#CHAT#4", "META", Some("12")),
        ];
        let response = purge_deleted_chats(&purger, event(records), None)
            .await
            .expect("reported per record");
        // A chat that exists is skipped for good; the unavailable one is sent again, and the
        // stream sends the records after it again too (a purge of them that ran already will
        // find less to do).
        assert_eq!(failures(&response), ["11"]);
        let asked = purger.asked.lock().expect("lock").clone();
        assert_eq!(asked[..2], ["USER#1#CHAT#2", "USER#1#CHAT#3"]);
    }

    #[tokio::test]
    async fn a_failure_without_a_sequence_number_fails_the_invocation() {
        let purger = FakePurge {
            unavailable: vec!["USER#1#CHAT#3"],
            ..FakePurge::default()
        };
        let records = vec![record("REMOVE", "USER#1#CHAT#3", "META", None)];
        let result = purge_deleted_chats(&purger, event(records), None).await;
        assert!(matches!(result, Err(StreamError::NoSequenceNumber(_))));
    }

    #[test]
    fn the_deadline_keeps_the_margin() {
        let now = Instant::now();
        let deadline = purge_deadline(1_000_000 + 300_000, 1_000_000);
        let left = deadline.saturating_duration_since(now);
        assert!(left >= Duration::from_secs(290) && left < Duration::from_secs(291));
        // Already past: now.
        assert!(purge_deadline(5, 10) <= Instant::now());
    }
}
