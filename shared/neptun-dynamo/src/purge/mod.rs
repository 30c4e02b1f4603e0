//! Purging a deleted chat's partition: what remains after the delete removed its `META` marker
//! and its list row (messages, files). The narrow trait the stream handler ([`stream`])
//! depends on, which [`crate::store::DynamoStore`] implements (`partition`); the hourly sweep
//! of what the stream left (`sweep`); and the purge function's handler of both ([`function`]).

mod erasure;
pub mod function;
mod partition;
pub mod stream;
mod sweep;

pub use partition::purge_chat_partition;
pub use sweep::{SWEEP_GRACE, SweepReport};

use std::future::Future;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use neptun_core::ids::UserId;
use neptun_core::store::StoreError;

use crate::schema;

/// A `Query` of the whole partition `pk`, read consistently: a purge sees every row written.
fn partition_query(client: &Client, table: &str, pk: String) -> QueryFluentBuilder {
    client
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", schema::PK)
        .expression_attribute_values(":pk", AttributeValue::S(pk))
        .consistent_read(true)
}

/// A `Query` of the one row `pk`/`sk`, read consistently: the purge function may `Query` but
/// not `GetItem`.
fn row_query(client: &Client, table: &str, pk: String, sk: String) -> QueryFluentBuilder {
    client
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk AND #sk = :sk")
        .expression_attribute_names("#pk", schema::PK)
        .expression_attribute_names("#sk", schema::SK)
        .expression_attribute_values(":pk", AttributeValue::S(pk))
        .expression_attribute_values(":sk", AttributeValue::S(sk))
        .consistent_read(true)
}

/// How a purge runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeOptions {
    /// `BatchWriteItem` calls of up to 25 deletes in flight at once.
    pub batches_in_flight: usize,
    /// Start no batch or page after this (the invocation's end, less a margin): the purge then
    /// stops with [`PurgeError::OutOfTime`] and the next run goes on from what is left.
    pub deadline: Option<Instant>,
}

impl Default for PurgeOptions {
    fn default() -> Self {
        Self {
            batches_in_flight: 4,
            deadline: None,
        }
    }
}

/// What a finished purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Rows deleted (0 when an earlier run had deleted everything).
    pub deleted: usize,
    /// `Query` pages read.
    pub pages: usize,
    /// `BatchWriteItem` calls, retries of unprocessed items included.
    pub batch_calls: usize,
    /// Deletes that DynamoDB left unprocessed once and that were sent again.
    pub retried: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    /// Only `USER#<user>#CHAT#<chat>` partitions are purged, never a user's own.
    #[error("{0:?} is not a chat partition")]
    NotAChatPartition(String),
    /// The chat's `META` marker exists: the chat was not deleted (or exists again).
    #[error("chat partition {0:?} still has its META row")]
    ChatExists(String),
    /// A user's rows are removed only once the user was erased (its `ERASED` row).
    #[error("user {0} was not erased")]
    NotErased(UserId),
    /// The deadline came before the partition was empty; rows remain.
    #[error("out of time before the partition was empty")]
    OutOfTime,
    #[error("storage failed during the purge")]
    Store(#[source] StoreError),
}

impl PurgeError {
    /// Running the same purge again may succeed (storage or time ran out), as opposed to a
    /// purge that must not run at all.
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            Self::NotAChatPartition(_) | Self::ChatExists(_) | Self::NotErased(_)
        )
    }
}

pub trait ChatPurge: Send + Sync {
    /// Deletes every row of the chat partition `pk`, whose `META` marker must be gone. Safe to
    /// run again, after a finished or an interrupted run: it reads what is left.
    fn purge_chat_partition(
        &self,
        pk: &str,
        options: PurgeOptions,
    ) -> impl Future<Output = Result<PurgeReport, PurgeError>> + Send;

    /// Removes what is left of an erased user (`purge/erasure.rs`); refuses a user who was
    /// not erased. Safe to run again, after a finished or an interrupted run.
    fn remove_erased_user(
        &self,
        user_id: UserId,
        options: PurgeOptions,
    ) -> impl Future<Output = Result<PurgeReport, PurgeError>> + Send;
}
