//! The local stand-in for the purge function's event source mapping (`make dev`): follows the
//! table's stream on DynamoDB Local from its oldest record (`TRIM_HORIZON`, as template.yaml),
//! keeps the chat deletions and erasures (the template's `FilterCriteria`: `is_chat_deletion`,
//! `is_erasure`) and hands them to the purge function's handler, `neptun_dynamo::purge::stream::purge_deleted_chats`.
//!
//! A record whose purge failed is read again on the next round (its shard's iterator stays
//! where it was), as Lambda retries a reported batch item failure.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use neptun_core::error::ErrorChain;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::purge::stream::{is_chat_deletion, is_erasure, purge_deleted_chats};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("cannot describe the table {0}")]
    DescribeTable(String, #[source] BoxError),
    /// A table created before the table definition had a stream (a kept `NEPTUN_DEV_DATA`).
    #[error("the table {0} has no stream: delete the table (or NEPTUN_DEV_DATA) to re-create it")]
    NoStream(String),
}

/// Follows the stream of `store`'s table until the task is dropped, polling every `poll`.
pub async fn follow(
    store: &DynamoStore,
    streams: &aws_sdk_dynamodbstreams::Client,
    poll: Duration,
) -> Result<(), FollowError> {
    let table = store.table().to_owned();
    let description = store
        .client()
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .map_err(|error| FollowError::DescribeTable(table.clone(), Box::new(error)))?;
    let Some(stream_arn) = description.table.and_then(|table| table.latest_stream_arn) else {
        return Err(FollowError::NoStream(table));
    };
    let mut follower = Follower {
        store,
        streams,
        stream_arn,
        iterators: HashMap::new(),
        closed: Vec::new(),
    };
    loop {
        if let Err(error) = follower.round().await {
            tracing::warn!(error = %ErrorChain(error.as_ref()), "reading the stream failed, retrying");
        }
        tokio::time::sleep(poll).await;
    }
}

struct Follower<'a> {
    store: &'a DynamoStore,
    streams: &'a aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    /// The next read of each open shard.
    iterators: HashMap<String, String>,
    /// Shards read to their end.
    closed: Vec<String>,
}

impl Follower<'_> {
    /// Picks up new shards, then reads each shard once and purges what it holds.
    async fn round(&mut self) -> Result<(), BoxError> {
        self.discover_shards().await?;
        let shards: Vec<(String, String)> = self.iterators.clone().into_iter().collect();
        for (shard, iterator) in shards {
            let output = self
                .streams
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await?;
            let event = lambda_event(output.records());
            let response = purge_deleted_chats(self.store, event, None).await?;
            if !response.batch_item_failures.is_empty() {
                // Read the same records again next round, like a retried batch.
                continue;
            }
            match output.next_shard_iterator {
                Some(next) => {
                    self.iterators.insert(shard, next);
                }
                None => {
                    self.iterators.remove(&shard);
                    self.closed.push(shard);
                }
            }
        }
        Ok(())
    }

    async fn discover_shards(&mut self) -> Result<(), BoxError> {
        let mut start = None;
        loop {
            let output = self
                .streams
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start)
                .send()
                .await?;
            let Some(description) = output.stream_description else {
                return Ok(());
            };
            for shard in description.shards() {
                let Some(id) = shard.shard_id() else {
                    continue;
                };
                if self.iterators.contains_key(id) || self.closed.iter().any(|c| c == id) {
                    continue;
                }
                let iterator = self
                    .streams
                    .get_shard_iterator()
                    .stream_arn(&self.stream_arn)
                    .shard_id(id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await?
                    .shard_iterator;
                if let Some(iterator) = iterator {
                    self.iterators.insert(id.to_owned(), iterator);
                }
            }
            start = description.last_evaluated_shard_id;
            if start.is_none() {
                return Ok(());
            }
        }
    }
}

/// The stream records as the event Lambda would pass the purge function, filtered as the
/// template's `FilterCriteria` filters them.
pub fn lambda_event(records: &[Record]) -> Event {
    let mut event = Event::default();
    event.records = records
        .iter()
        .map(lambda_record)
        .filter(|record| is_chat_deletion(record) || is_erasure(record))
        .collect();
    event
}

fn lambda_record(record: &Record) -> EventRecord {
    let mut converted = EventRecord::default();
    converted.event_id = record.event_id().unwrap_or_default().to_owned();
    converted.event_name = record
        .event_name()
        .map(|name| name.as_str().to_owned())
        .unwrap_or_default();
    converted.aws_region = record.aws_region().unwrap_or_default().to_owned();
    if let Some(change) = record.dynamodb() {
        converted.change.keys =
            serde_dynamo::Item::from(change.keys().cloned().unwrap_or_default());
        converted.change.sequence_number = change.sequence_number().map(str::to_owned);
    }
    converted
}
