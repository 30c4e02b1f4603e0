//! Writes items in `BatchWriteItem`s of 25 (DynamoDB's largest), a bounded number in flight,
//! retrying `UnprocessedItems` and throttling with backoff, and tells how far the source rows
//! are acknowledged: every row up to [`BatchWriter::acknowledged_through`] is stored.
//!
//! Batches are acknowledged out of order; the acknowledged id only moves over a gap-free
//! prefix of batches, and a source row's items (a chat has two) never straddle batches.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use tokio::task::JoinSet;

use super::plan::{Item, item_bytes};
use super::storage::{MAX_FAILURES, StorageError, backoff, is_retryable, request_error};

/// DynamoDB's limit for one `BatchWriteItem`.
pub const BATCH_ITEMS: usize = 25;
/// Rounds in a row without any item processed before the import gives up.
const MAX_IDLE_ROUNDS: u32 = 20;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub items: u64,
    pub bytes: u64,
    pub batches: u64,
    /// Items DynamoDB returned as unprocessed and that were sent again.
    pub unprocessed_retried: u64,
    /// Calls retried after throttling or a transient failure.
    pub calls_retried: u64,
}

impl WriteStats {
    pub fn add(&mut self, other: WriteStats) {
        self.items += other.items;
        self.bytes += other.bytes;
        self.batches += other.batches;
        self.unprocessed_retried += other.unprocessed_retried;
        self.calls_retried += other.calls_retried;
    }
}

pub struct BatchWriter {
    client: Client,
    table: String,
    parallelism: usize,
    /// Counts what it would write, writes nothing.
    dry_run: bool,
    batch: Vec<Item>,
    in_flight: JoinSet<Result<(u64, WriteStats), StorageError>>,
    next_sequence: u64,
    /// Sealed batches not yet acknowledged in order: sequence -> (acknowledged, rows through).
    pending: BTreeMap<u64, (bool, Option<u64>)>,
    last_row: Option<u64>,
    acknowledged_through: Option<u64>,
    pub stats: WriteStats,
}

impl BatchWriter {
    pub fn new(client: Client, table: String, parallelism: usize, dry_run: bool) -> Self {
        Self {
            client,
            table,
            parallelism: parallelism.max(1),
            dry_run,
            batch: Vec::with_capacity(BATCH_ITEMS),
            in_flight: JoinSet::new(),
            next_sequence: 0,
            pending: BTreeMap::new(),
            last_row: None,
            acknowledged_through: None,
            stats: WriteStats::default(),
        }
    }

    /// Every source row up to this id (in the order they were given) is stored.
    pub fn acknowledged_through(&self) -> Option<u64> {
        self.acknowledged_through
    }

    /// Queues the items of source row `row_id` (rows come in ascending id order).
    pub async fn push(&mut self, row_id: u64, items: Vec<Item>) -> Result<(), StorageError> {
        if self.batch.len() + items.len() > BATCH_ITEMS {
            self.seal().await?;
        }
        self.batch.extend(items);
        self.last_row = Some(row_id);
        if self.batch.len() >= BATCH_ITEMS {
            self.seal().await?;
        }
        self.reap_finished()
    }

    /// A source row that writes nothing: done once the rows before it are.
    pub fn skip(&mut self, row_id: u64) {
        self.last_row = Some(row_id);
        if self.batch.is_empty() && self.pending.is_empty() {
            self.acknowledged_through = Some(row_id);
        }
    }

    /// Writes what is queued and waits for every batch; then all rows given are stored.
    pub async fn finish(&mut self) -> Result<(), StorageError> {
        self.seal().await?;
        while let Some(done) = self.in_flight.join_next().await {
            self.acknowledge(done)?;
        }
        if let Some(row) = self.last_row {
            self.acknowledged_through = Some(row);
        }
        Ok(())
    }

    async fn seal(&mut self) -> Result<(), StorageError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ITEMS));
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.pending.insert(sequence, (false, self.last_row));
        if self.dry_run {
            let stats = WriteStats {
                items: items.len() as u64,
                bytes: items.iter().map(item_bytes).sum::<usize>() as u64,
                batches: 1,
                ..WriteStats::default()
            };
            return self.acknowledge(Ok(Ok((sequence, stats))));
        }
        while self.in_flight.len() >= self.parallelism {
            if let Some(done) = self.in_flight.join_next().await {
                self.acknowledge(done)?;
            }
        }
        let client = self.client.clone();
        let table = self.table.clone();
        self.in_flight.spawn(async move {
            let stats = write_batch(&client, &table, items).await?;
            Ok((sequence, stats))
        });
        Ok(())
    }

    fn reap_finished(&mut self) -> Result<(), StorageError> {
        while let Some(done) = self.in_flight.try_join_next() {
            self.acknowledge(done)?;
        }
        Ok(())
    }

    fn acknowledge(
        &mut self,
        done: Result<Result<(u64, WriteStats), StorageError>, tokio::task::JoinError>,
    ) -> Result<(), StorageError> {
        let (sequence, stats) = done.map_err(request_error("BatchWriteItem (task)"))??;
        self.stats.add(stats);
        if let Some(entry) = self.pending.get_mut(&sequence) {
            entry.0 = true;
        }
        while let Some(entry) = self.pending.first_entry() {
            if !entry.get().0 {
                break;
            }
            let (_, through) = entry.remove();
            if through.is_some() {
                self.acknowledged_through = through;
            }
        }
        Ok(())
    }
}

/// One batch, until DynamoDB has processed every item of it.
async fn write_batch(
    client: &Client,
    table: &str,
    items: Vec<Item>,
) -> Result<WriteStats, StorageError> {
    let mut stats = WriteStats {
        items: items.len() as u64,
        bytes: items.iter().map(item_bytes).sum::<usize>() as u64,
        batches: 1,
        ..WriteStats::default()
    };
    let mut requests = items
        .into_iter()
        .map(|item| {
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map(|put| WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(request_error("BatchWriteItem (build)"))?;
    let (mut failures, mut idle_rounds) = (0, 0);
    loop {
        let result = client
            .batch_write_item()
            .set_request_items(Some(HashMap::from([(table.to_owned(), requests.clone())])))
            .send()
            .await;
        match result {
            Ok(output) => {
                failures = 0;
                let left = output
                    .unprocessed_items
                    .and_then(|mut tables| tables.remove(table))
                    .unwrap_or_default();
                if left.is_empty() {
                    return Ok(stats);
                }
                idle_rounds = if left.len() < requests.len() {
                    0
                } else {
                    idle_rounds + 1
                };
                if idle_rounds > MAX_IDLE_ROUNDS {
                    return Err(StorageError::Unprocessed {
                        rounds: idle_rounds,
                    });
                }
                stats.unprocessed_retried += left.len() as u64;
                requests = left;
                tokio::time::sleep(backoff(idle_rounds)).await;
            }
            Err(error) if is_retryable(&error) && failures < MAX_FAILURES => {
                failures += 1;
                stats.calls_retried += 1;
                tokio::time::sleep(backoff(failures)).await;
            }
            Err(error) => return Err(request_error("BatchWriteItem")(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Region};

    use super::*;

    fn offline_writer() -> BatchWriter {
        let client = Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .build(),
        );
        BatchWriter::new(client, "t".into(), 4, true)
    }

    fn item() -> Item {
        Item::new()
    }

    #[tokio::test]
    async fn rows_never_straddle_batches_and_acknowledgements_follow_the_rows() {
        let mut writer = offline_writer();
        for row in 1..=12 {
            writer
                .push(row, vec![item(), item()])
                .await
                .expect("queued");
        }
        // 12 rows of two items: 24 items, below one batch; nothing is sealed yet.
        assert_eq!(writer.stats.batches, 0);
        writer.push(13, vec![item(), item()]).await.expect("queued");
        assert_eq!(writer.stats.batches, 1);
        assert_eq!(writer.stats.items, 24);
        assert_eq!(writer.acknowledged_through(), Some(12));
        writer.skip(14);
        assert_eq!(writer.acknowledged_through(), Some(12));
        writer.finish().await.expect("finished");
        assert_eq!(writer.acknowledged_through(), Some(14));
        assert_eq!(writer.stats.items, 26);
    }

    #[tokio::test]
    async fn an_acknowledged_batch_waits_for_the_batches_before_it() {
        let mut writer = offline_writer();
        writer.pending.insert(0, (false, Some(10)));
        writer.pending.insert(1, (false, Some(20)));
        writer
            .acknowledge(Ok(Ok((1, WriteStats::default()))))
            .expect("acknowledged");
        assert_eq!(writer.acknowledged_through(), None);
        writer
            .acknowledge(Ok(Ok((0, WriteStats::default()))))
            .expect("acknowledged");
        assert_eq!(writer.acknowledged_through(), Some(20));
    }
}
