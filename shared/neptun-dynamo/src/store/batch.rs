//! Batches of writes (`BatchWriteItem`, 25 at a time) for the purge of a deleted chat and the
//! erasure of a user's chats (deletes, and the erased chats' pending purges): unprocessed items and throttled calls retried with exponential
//! backoff and full jitter, a bounded number of batches in flight.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use neptun_core::store::StoreError;
use tokio::task::JoinSet;

use super::build_error;
use super::classify::classify;
use crate::backoff::Backoff;

/// DynamoDB's limit of requests in one `BatchWriteItem`.
pub const BATCH_SIZE: usize = 25;

/// Backoff of one call: the first pause's ceiling, doubling up to [`MAX_PAUSE`], and how many
/// retries before the work gives up (the next run goes on).
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(2);
const MAX_RETRIES: u32 = 8;

pub(crate) type Key = HashMap<String, AttributeValue>;

pub(crate) fn delete_request(key: Key) -> Result<WriteRequest, StoreError> {
    let delete = DeleteRequest::builder()
        .set_key(Some(key))
        .build()
        .map_err(build_error)?;
    Ok(WriteRequest::builder().delete_request(delete).build())
}

/// What one batch did, its retries included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchOutcome {
    pub deleted: usize,
    pub calls: usize,
    pub retried: usize,
}

/// DynamoDB kept leaving deletes unprocessed (the table is throttled).
#[derive(Debug, thiserror::Error)]
#[error("{0} deletes still unprocessed after {MAX_RETRIES} retries")]
struct StillUnprocessed(usize);

/// Sends one `BatchWriteItem` of up to 25 writes (deletes, or puts), then its unprocessed
/// items again, pausing before each retry, until none is left.
pub(crate) async fn delete_batch(
    client: Client,
    table: String,
    mut requests: Vec<WriteRequest>,
) -> Result<BatchOutcome, StoreError> {
    let mut outcome = BatchOutcome {
        deleted: requests.len(),
        calls: 0,
        retried: 0,
    };
    let mut backoff = backoff();
    loop {
        outcome.calls += 1;
        let output = with_backoff(|| {
            client
                .batch_write_item()
                .request_items(&table, requests.clone())
                .send()
        })
        .await?;
        let unprocessed = output
            .unprocessed_items
            .and_then(|mut tables| tables.remove(&table))
            .unwrap_or_default();
        if unprocessed.is_empty() {
            return Ok(outcome);
        }
        outcome.retried += unprocessed.len();
        if !backoff.pause_within(MAX_RETRIES).await {
            return Err(StoreError::Unavailable(Box::new(StillUnprocessed(
                unprocessed.len(),
            ))));
        }
        requests = unprocessed;
    }
}

/// Sends a call until it succeeds or fails for good: a throttled or unavailable storage
/// (after the SDK's own retries) is tried again after a pause, [`MAX_RETRIES`] times.
pub(crate) async fn with_backoff<T, E, F>(mut call: impl FnMut() -> F) -> Result<T, StoreError>
where
    F: std::future::Future<
            Output = Result<
                T,
                aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
            >,
        >,
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut backoff = backoff();
    loop {
        match super::boxed(&mut call).await.map_err(classify) {
            Ok(output) => return Ok(output),
            Err(StoreError::Unavailable(error)) if backoff.pause_within(MAX_RETRIES).await => {
                tracing::debug!(error = %neptun_core::error::ErrorChain(error.as_ref()), "storage busy, retrying the purge call");
            }
            Err(error) => return Err(error),
        }
    }
}

/// The purge's backoff, [`MAX_RETRIES`] pauses at most.
fn backoff() -> Backoff {
    Backoff::new(FIRST_PAUSE, MAX_PAUSE)
}

/// Deletes every key, [`BATCH_SIZE`] a call, `in_flight` calls at once. Returns how many calls
/// it took, retries included.
pub(crate) async fn delete_all(
    client: &Client,
    table: &str,
    keys: Vec<Key>,
    in_flight: usize,
) -> Result<usize, StoreError> {
    let requests = keys
        .into_iter()
        .map(delete_request)
        .collect::<Result<Vec<_>, _>>()?;
    write_all(client, table, requests, in_flight).await
}

/// Puts every item as [`delete_all`] deletes keys: 25 a call, `in_flight` calls at once, what
/// DynamoDB leaves unprocessed sent again. Returns how many calls it took.
pub async fn put_all(
    client: &Client,
    table: &str,
    items: Vec<Key>,
    in_flight: usize,
) -> Result<usize, StoreError> {
    let requests = items
        .into_iter()
        .map(|item| {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(build_error)?;
            Ok(WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    write_all(client, table, requests, in_flight).await
}

async fn write_all(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
    in_flight: usize,
) -> Result<usize, StoreError> {
    let mut running: JoinSet<Result<BatchOutcome, StoreError>> = JoinSet::new();
    let mut calls = 0;
    let mut requests = requests.into_iter().peekable();
    while requests.peek().is_some() {
        while running.len() >= in_flight.max(1) {
            if let Some(done) = running.join_next().await {
                calls += joined(done)?.calls;
            }
        }
        let batch: Vec<WriteRequest> = requests.by_ref().take(BATCH_SIZE).collect();
        running.spawn(delete_batch(client.clone(), table.to_owned(), batch));
    }
    while let Some(done) = running.join_next().await {
        calls += joined(done)?.calls;
    }
    Ok(calls)
}

/// What a batch task did; a task that did not finish (it panicked) is a failed batch.
pub(crate) fn joined(
    done: Result<Result<BatchOutcome, StoreError>, tokio::task::JoinError>,
) -> Result<BatchOutcome, StoreError> {
    done.map_err(|error| StoreError::Batch(Box::new(error)))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_50_ms_up_to_2_s() {
        let backoff = backoff();
        let ceilings: Vec<u128> = (0..8).map(|n| backoff.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [50, 100, 200, 400, 800, 1600, 2000, 2000]);
    }
}
