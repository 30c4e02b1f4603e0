//! The import's reads and bookkeeping in the table: checkpoints, rejected rows, and whether a
//! parent (a chat's `META`, a message) is still there.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::store::BoxError;
use neptun_dynamo::backoff::Backoff;
use neptun_dynamo::schema;

use crate::rows::{self, ImportCheckpointRow, ImportRejectedRow};

use super::plan::{Item, Rejection};
use super::source::SourceTable;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("DynamoDB {operation} failed")]
    Request {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
    #[error("DynamoDB still returned unprocessed items after {rounds} rounds")]
    Unprocessed { rounds: u32 },
    #[error("unreadable {what} row in the table")]
    Decode {
        what: &'static str,
        #[source]
        source: serde_dynamo::Error,
    },
}

pub use neptun_dynamo::store::is_retryable;

pub fn request_error<E>(operation: &'static str) -> impl FnOnce(E) -> StorageError
where
    E: std::error::Error + Send + Sync + 'static,
{
    move |error| StorageError::Request {
        operation,
        source: Box::new(error),
    }
}

/// Calls `call` until it succeeds, retrying throttling and transient failures with backoff
/// (on top of the SDK's own few retries): a long import rides out a busy table.
pub async fn retrying<T, E, F, Fut>(operation: &'static str, mut call: F) -> Result<T, StorageError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut failures = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) if is_retryable(&error) && failures < MAX_FAILURES => {
                failures += 1;
                tokio::time::sleep(backoff(failures)).await;
            }
            Err(error) => return Err(request_error(operation)(error)),
        }
    }
}

/// Failed calls in a row before the import gives up.
pub const MAX_FAILURES: u32 = 8;

/// The import's backoff: full jitter, up to 100 ms, 200 ms, ... at most 5 s.
const BACKOFF: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));

/// The pause before retry number `attempt`.
pub fn backoff(attempt: u32) -> Duration {
    BACKOFF.pause_before(attempt)
}

/// How far earlier runs got, per source table: for everyone, and per `--user` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoints {
    everyone: HashMap<SourceTable, u64>,
    per_user: HashMap<(SourceTable, u64), u64>,
}

impl Checkpoints {
    pub async fn load(client: &Client, table: &str) -> Result<Self, StorageError> {
        let mut checkpoints = Self::default();
        for item in query_prefix(client, table, rows::CHECKPOINT_PREFIX).await? {
            let row: ImportCheckpointRow =
                serde_dynamo::from_item(item).map_err(|source| StorageError::Decode {
                    what: "checkpoint",
                    source,
                })?;
            let Some(source_table) = SourceTable::from_name(&row.source_table) else {
                continue;
            };
            match row.user_id {
                None => checkpoints.everyone.insert(source_table, row.last_id),
                Some(user) => checkpoints
                    .per_user
                    .insert((source_table, user), row.last_id),
            };
        }
        Ok(checkpoints)
    }

    /// Rows of `user` in `source_table` up to this id are in the table already.
    pub fn done_through(&self, source_table: SourceTable, user: u64) -> u64 {
        let everyone = self.everyone.get(&source_table).copied().unwrap_or(0);
        let own = self
            .per_user
            .get(&(source_table, user))
            .copied()
            .unwrap_or(0);
        everyone.max(own)
    }

    /// Where a scan of `source_table` for `users` (`None`: everyone) must start.
    pub fn scan_after(&self, source_table: SourceTable, users: &Option<Vec<u64>>) -> u64 {
        match users {
            None => self.everyone.get(&source_table).copied().unwrap_or(0),
            Some(users) => users
                .iter()
                .map(|&user| self.done_through(source_table, user))
                .min()
                .unwrap_or(0),
        }
    }
}

/// Moves a checkpoint forward (never back: a slower run cannot undo a faster one's).
pub async fn save_checkpoint(
    client: &Client,
    table: &str,
    source_table: SourceTable,
    user_id: Option<u64>,
    last_id: u64,
) -> Result<(), StorageError> {
    let row = ImportCheckpointRow {
        pk: rows::import_pk(),
        sk: rows::checkpoint_sk(source_table.name(), user_id),
        source_table: source_table.name().to_owned(),
        user_id,
        last_id,
        updated_at: neptun_core::clock::now_ms(),
    };
    let item = schema::to_attribute_map(&row).map_err(|source| StorageError::Decode {
        what: "checkpoint",
        source,
    })?;
    let result = retrying("PutItem (checkpoint)", || {
        client
            .put_item()
            .table_name(table)
            .set_item(Some(item.clone()))
            .condition_expression("attribute_not_exists(#pk) OR #last < :last")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#last", "last_id")
            .expression_attribute_values(":last", AttributeValue::N(last_id.to_string()))
            .send()
    })
    .await;
    match result {
        // Already further: another run got there first.
        Err(StorageError::Request { source, .. })
            if source
                .downcast_ref::<SdkError<PutItemError, HttpResponse>>()
                .and_then(|error| error.code())
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(())
        }
        other => other.map(|_| ()),
    }
}

/// Every rejection recorded by this and earlier runs.
pub async fn rejections(client: &Client, table: &str) -> Result<Vec<Rejection>, StorageError> {
    let mut rejections = Vec::new();
    for item in query_prefix(client, table, rows::REJECTED_PREFIX).await? {
        let record: ImportRejectedRow =
            serde_dynamo::from_item(item).map_err(|source| StorageError::Decode {
                what: "rejected row",
                source,
            })?;
        rejections.extend(Rejection::from_record(&record));
    }
    Ok(rejections)
}

/// The import's own rows whose sort key starts with `prefix` (a few per table and user).
/// The users whose chats the API erased (`ERASURES`): the import never brings them back.
pub async fn erased_users(client: &Client, table: &str) -> Result<Vec<u64>, StorageError> {
    let records = query_prefix_of(client, table, &schema::erasures_pk(), "USER#").await?;
    let mut users = Vec::with_capacity(records.len());
    for item in records {
        let row: schema::ErasureRow =
            serde_dynamo::from_item(item).map_err(|source| StorageError::Decode {
                what: "erasure record",
                source,
            })?;
        users.push(row.user_id);
    }
    Ok(users)
}

async fn query_prefix(
    client: &Client,
    table: &str,
    prefix: &str,
) -> Result<Vec<Item>, StorageError> {
    query_prefix_of(client, table, &rows::import_pk(), prefix).await
}

/// Every row of partition `pk` whose sort key starts with `prefix`.
async fn query_prefix_of(
    client: &Client,
    table: &str,
    pk: &str,
    prefix: &str,
) -> Result<Vec<Item>, StorageError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = retrying("Query (import records)", || {
            client
                .query()
                .table_name(table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_names("#sk", schema::SK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start.clone())
                .send()
        })
        .await?;
        items.extend(output.items.unwrap_or_default());
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

/// Answers "is this row still in the table?" for parents written by earlier runs, once each.
pub struct Parents {
    known: HashMap<(String, String), bool>,
}

/// Parents remembered before the cache starts over (memory stays bounded).
const PARENTS_REMEMBERED: usize = 100_000;

impl Parents {
    pub fn new() -> Self {
        Self {
            known: HashMap::new(),
        }
    }

    pub async fn exists(
        &mut self,
        client: &Client,
        table: &str,
        pk: String,
        sk: String,
    ) -> Result<bool, StorageError> {
        let key = (pk, sk);
        if let Some(&exists) = self.known.get(&key) {
            return Ok(exists);
        }
        let exists = retrying("GetItem", || {
            client
                .get_item()
                .table_name(table)
                .key(schema::PK, AttributeValue::S(key.0.clone()))
                .key(schema::SK, AttributeValue::S(key.1.clone()))
                .projection_expression("#pk")
                .expression_attribute_names("#pk", schema::PK)
                .consistent_read(true)
                .send()
        })
        .await?
        .item
        .is_some();
        if self.known.len() >= PARENTS_REMEMBERED {
            self.known.clear();
        }
        self.known.insert(key, exists);
        Ok(exists)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_run_resumes_from_the_furthest_of_both_checkpoints() {
        let mut checkpoints = Checkpoints::default();
        checkpoints.everyone.insert(SourceTable::Messages, 100);
        checkpoints.per_user.insert((SourceTable::Messages, 7), 250);
        assert_eq!(checkpoints.done_through(SourceTable::Messages, 7), 250);
        assert_eq!(checkpoints.done_through(SourceTable::Messages, 8), 100);
        assert_eq!(checkpoints.done_through(SourceTable::Chats, 7), 0);
        assert_eq!(checkpoints.scan_after(SourceTable::Messages, &None), 100);
        assert_eq!(
            checkpoints.scan_after(SourceTable::Messages, &Some(vec![7])),
            250
        );
        assert_eq!(
            checkpoints.scan_after(SourceTable::Messages, &Some(vec![7, 8])),
            100
        );
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 0..40 {
            let wait = backoff(attempt);
            assert!(wait <= Duration::from_secs(5));
        }
    }
}
