//! The import's reads and bookkeeping in the table: the handled ids, project links and shares
//! it wrote, rejected rows, and whether a parent (a chat's `META`, a message) is still there.

use neptun_core::ids::{ChatId, UserId};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::store::BoxError;
use neptun_dynamo::backoff::Backoff;
use neptun_dynamo::schema;

use crate::ledger::IdSet;
use crate::rows::{self, ImportIdsRow, ImportLinkRow, ImportRejectedRow, ImportShareRow};

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
    #[error("the block {block} of imported ids is not what the import writes")]
    Ledger { block: String },
    #[error(
        "another import saved {block} during this run: run one import at a time, then run it again"
    )]
    ConcurrentRun { block: String },
    #[error("{what} kept changing while the import wrote it: run it again")]
    KeptChanging { what: String },
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

/// The handled ids of each source table, and the version of each stored block.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    sets: HashMap<SourceTable, IdSet>,
    versions: HashMap<(SourceTable, u64), u64>,
}

impl Ledger {
    pub async fn load(client: &Client, table: &str) -> Result<Self, StorageError> {
        let mut ledger = Self::default();
        for item in query_prefix(client, table, rows::IDS_PREFIX).await? {
            let row: ImportIdsRow = decode(item, "block of imported ids")?;
            let Some(source_table) = SourceTable::from_name(&row.source_table) else {
                continue;
            };
            ledger
                .sets
                .entry(source_table)
                .or_default()
                .decode_block(row.block, &row.ranges)
                .ok_or(StorageError::Ledger {
                    block: row.sk.clone(),
                })?;
            ledger
                .versions
                .insert((source_table, row.block), row.version);
        }
        Ok(ledger)
    }

    pub fn ids(&self, source_table: SourceTable) -> &IdSet {
        static EMPTY: IdSet = IdSet::new();
        self.sets.get(&source_table).unwrap_or(&EMPTY)
    }

    pub fn ids_mut(&mut self, source_table: SourceTable) -> &mut IdSet {
        self.sets.entry(source_table).or_default()
    }

    /// Stores `blocks` of `source_table` as they are now, each conditioned on the version
    /// it was read or last saved at.
    pub async fn save(
        &mut self,
        client: &Client,
        table: &str,
        source_table: SourceTable,
        blocks: &BTreeSet<u64>,
    ) -> Result<(), StorageError> {
        for &block in blocks {
            let key = (source_table, block);
            let read = self.versions.get(&key).copied();
            let row = ImportIdsRow {
                pk: rows::import_pk(),
                sk: rows::ids_sk(source_table.name(), block),
                source_table: source_table.name().to_owned(),
                block,
                ranges: self.ids(source_table).encode_block(block),
                version: read.map_or(1, |version| version + 1),
            };
            let item = schema::to_attribute_map(&row).map_err(|source| StorageError::Decode {
                what: "block of imported ids",
                source,
            })?;
            let condition = match read {
                None => "attribute_not_exists(#pk)",
                Some(_) => "#version = :version",
            };
            let result = retrying("PutItem (imported ids)", || {
                let put = client
                    .put_item()
                    .table_name(table)
                    .set_item(Some(item.clone()))
                    .condition_expression(condition);
                match read {
                    None => put.expression_attribute_names("#pk", schema::PK),
                    Some(version) => put
                        .expression_attribute_names("#version", "version")
                        .expression_attribute_values(
                            ":version",
                            AttributeValue::N(version.to_string()),
                        ),
                }
                .send()
            })
            .await;
            match result {
                Ok(_) => {
                    self.versions.insert(key, row.version);
                }
                Err(StorageError::Request { source, .. })
                    if source
                        .downcast_ref::<SdkError<PutItemError, HttpResponse>>()
                        .and_then(|error| error.code())
                        == Some("ConditionalCheckFailedException") =>
                {
                    return Err(StorageError::ConcurrentRun { block: row.sk });
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    item: Item,
    what: &'static str,
) -> Result<T, StorageError> {
    serde_dynamo::from_item(item).map_err(|source| StorageError::Decode { what, source })
}

/// The project each chat was imported into, by chat id.
pub async fn links(
    client: &Client,
    table: &str,
) -> Result<HashMap<u64, ImportLinkRow>, StorageError> {
    let mut links = HashMap::new();
    for item in query_prefix(client, table, rows::LINK_PREFIX).await? {
        let row: ImportLinkRow = decode(item, "imported project link")?;
        links.insert(row.chat_id, row);
    }
    Ok(links)
}

/// Each imported share as the import last wrote it, by the source's share id.
pub async fn shares(
    client: &Client,
    table: &str,
) -> Result<BTreeMap<u64, ImportShareRow>, StorageError> {
    let mut shares = BTreeMap::new();
    for item in query_prefix(client, table, rows::SHARE_PREFIX).await? {
        let row: ImportShareRow = decode(item, "imported share")?;
        shares.insert(row.share_id, row);
    }
    Ok(shares)
}

/// The chat's row in its user's list, read consistently.
pub async fn chat_row(
    client: &Client,
    table: &str,
    user_id: u64,
    chat_id: u64,
) -> Result<Option<schema::ChatRow>, StorageError> {
    get_row(
        client,
        table,
        schema::user_pk(UserId(user_id)),
        schema::chat_sk(ChatId(chat_id)),
        "chat",
    )
    .await
}

/// A row, read consistently.
pub async fn get_row<T: serde::de::DeserializeOwned>(
    client: &Client,
    table: &str,
    pk: String,
    sk: String,
    what: &'static str,
) -> Result<Option<T>, StorageError> {
    let output = retrying("GetItem", || {
        client
            .get_item()
            .table_name(table)
            .key(schema::PK, AttributeValue::S(pk.clone()))
            .key(schema::SK, AttributeValue::S(sk.clone()))
            .consistent_read(true)
            .send()
    })
    .await?;
    output.item.map(|item| decode(item, what)).transpose()
}

/// One of the import's own records, as it is.
pub async fn put_record(client: &Client, table: &str, item: Item) -> Result<(), StorageError> {
    retrying("PutItem (import record)", || {
        client
            .put_item()
            .table_name(table)
            .set_item(Some(item.clone()))
            .send()
    })
    .await
    .map(|_| ())
}

/// One of the import's own records, gone.
pub async fn delete_record(client: &Client, table: &str, sk: String) -> Result<(), StorageError> {
    retrying("DeleteItem (import record)", || {
        client
            .delete_item()
            .table_name(table)
            .key(schema::PK, AttributeValue::S(rows::import_pk()))
            .key(schema::SK, AttributeValue::S(sk.clone()))
            .send()
    })
    .await
    .map(|_| ())
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
        let row: schema::ErasureRow = decode(item, "erasure record")?;
        users.push(row.user_id.get());
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
    fn backoff_grows_and_stays_bounded() {
        for attempt in 0..40 {
            let wait = backoff(attempt);
            assert!(wait <= Duration::from_secs(5));
        }
    }
}
