//! [`DynamoStore`]: the store traits on one DynamoDB table (layout in [`crate::schema`]), one
//! file per trait, named as in `neptun_core::store` (`chats`, `messages`, `files`, `update`,
//! `delete`, `erase`, `regenerate`, `shares`, `public_read`); this file keeps the struct and
//! the helpers they share.
//!
//! `transact` builds a create's actions, `create` sends them (fresh ids after a collision,
//! the same attempt again after a conflict, see `retry`), `outcome` reads a cancellation,
//! `idempotency` writes and reads an `Idempotency-Key`'s record, `guarded` sends the writes
//! that change or remove rows, `query` reads pages, `chat_list` the chat list in any order,
//! `classify` sorts SDK errors, `batch` deletes in batches (the erasure, and
//! [`crate::purge`]).

pub(crate) mod batch;
mod chat_floors;
mod chat_list;
mod chats;
mod classify;
mod create;
mod delete;
mod erase;
mod files;
mod guarded;
mod idempotency;
mod messages;
mod outcome;
mod public_read;
mod query;
mod regenerate;
mod retry;
mod shares;
mod transact;
mod update;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use neptun_core::store::StoreError;

use crate::client::StorageTimeouts;
use crate::schema::{self};

pub use self::batch::{BATCH_SIZE, put_all};
pub use self::classify::is_retryable;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// The production store. Cheap to clone (the SDK client is reference counted).
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// How long one store operation may keep retrying transaction conflicts.
    retry_budget: Duration,
    /// The largest chat id created for each recent user, to draw the next one above it.
    chat_floors: Arc<chat_floors::ChatFloors>,
}

impl DynamoStore {
    /// A store that retries conflicts for the default operation timeout (see
    /// [`DynamoStore::with_retry_budget`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retry_budget: StorageTimeouts::default().operation,
            chat_floors: Arc::default(),
        }
    }

    /// Retries transaction conflicts for at most `budget` per operation (a request's
    /// storage time: [`StorageTimeouts::operation`]); then the operation is unavailable.
    pub fn with_retry_budget(self, budget: Duration) -> Self {
        Self {
            retry_budget: budget,
            ..self
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

pub(crate) fn to_item<T: Serialize>(row: &T) -> Result<Item, StoreError> {
    schema::to_attribute_map(row).map_err(|error| StoreError::Encode(Box::new(error)))
}

/// A row from its attribute map. Given as one map value: `serde_dynamo::from_item` builds the
/// map twice over (into its `Item`, then back), a tenth of a list's instructions.
pub(crate) fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_attribute_value(AttributeValue::M(item))
        .map_err(|error| StoreError::Decode(Box::new(error)))
}

/// An SDK call's future, boxed where it is made. It holds the SDK's orchestrator inline, kilobytes
/// that every future awaiting it would carry and copy at each move (into `join!`, a retry loop,
/// a caller's state): boxed, those stay small (get-chat-files: some 60,000 instructions per
/// request fewer, `make bench`).
pub(crate) fn boxed<F: std::future::Future>(call: impl FnOnce() -> F) -> std::pin::Pin<Box<F>> {
    // The box first: the SDK's future is written into it, not built on the stack and copied.
    Box::into_pin(Box::write(Box::new_uninit(), call()))
}

/// A request the SDK's builder refused (a required field left out).
fn build_error(error: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Build(Box::new(error))
}
