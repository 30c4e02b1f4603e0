//! [`DynamoStore`]: the store traits on one DynamoDB table (layout in [`crate::schema`]).
//!
//! `transact` builds a create's actions, `create` sends them (fresh ids after a collision,
//! the same attempt again after a conflict, see `retry`), `outcome` reads a cancellation,
//! `idempotency` writes and reads an `Idempotency-Key`'s record, `guarded` sends the writes
//! that change or remove rows, `query` reads pages, `chat_list` the chat list in any order,
//! `classify` sorts SDK errors, `purge` deletes a deleted chat's partition.

mod batch;
mod chat_list;
mod classify;
mod create;
mod delete;
mod erase;
mod guarded;
mod idempotency;
mod outcome;
mod public_read;
mod purge;
mod query;
mod regenerate;
mod retry;
mod shares;
mod sweep;
mod transact;
mod update;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Get, TransactGetItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

use neptun_core::ids;
use neptun_core::model::{Chat, ChatList, ChatMessage, FileRecord};
use neptun_core::store::{
    ChatPageRequest, ChatStore, FileStore, Idempotency, MessageStore, Page, PageRequest,
    Replayable, StoreError,
};
use neptun_core::validation::{NewChat, NewFile, NewMessage};

use self::query::Existence;
use self::retry::ConflictRetry;
use crate::client::StorageTimeouts;
use crate::schema::{
    self, ChatRow, ChatScope, FileChunkRow, MessageChunkRow, StoredFile, StoredMessage,
};

pub use self::batch::BATCH_SIZE;
pub use self::classify::is_retryable;
pub use self::purge::purge_chat_partition;
pub use self::sweep::{SWEEP_GRACE, SweepReport};

type Item = HashMap<String, AttributeValue>;

/// The production store. Cheap to clone (the SDK client is reference counted).
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// How long one store operation may keep retrying transaction conflicts.
    retry_budget: Duration,
}

impl DynamoStore {
    /// A store that retries conflicts for the default operation timeout (see
    /// [`DynamoStore::with_retry_budget`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retry_budget: StorageTimeouts::default().operation,
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

fn to_item<T: Serialize>(row: &T) -> Result<Item, StoreError> {
    schema::to_attribute_map(row).map_err(|error| StoreError::Encode(Box::new(error)))
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|error| StoreError::Decode(Box::new(error)))
}

/// A request the SDK's builder refused (a required field left out).
fn build_error(error: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Build(Box::new(error))
}

impl ChatStore for DynamoStore {
    async fn create_chat(
        &self,
        user_id: u64,
        chat: NewChat,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        let row = |id: u64, created_at: u64, write_id: u64| ChatRow {
            pk: schema::user_pk(user_id),
            sk: schema::chat_sk(id),
            id,
            user_id,
            name: chat.name.clone(),
            model: chat.model.clone(),
            project_id: chat.project_id,
            share_uuid: None,
            created_at,
            updated_at: created_at,
            write_id,
        };
        let build = |id: u64, write_id: u64| {
            let (puts, first_row) = self.puts(&row(id, now_ms, write_id).rows())?;
            Ok(transact::Plan {
                checks: vec![self.not_erasing(user_id)?],
                puts,
                first_row,
            })
        };
        let created = self
            .create(user_id, ids::single_id, build, idempotency, now_ms)
            .await?;
        Ok(created.map(|(id, created_at)| row(id, created_at, 0).into()))
    }

    async fn list_chats(
        &self,
        user_id: u64,
        list: ChatList,
        page: ChatPageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        match page.order.by_id() {
            Some(direction) => {
                self.list_chats_by_id(user_id, list, direction, page.by_id())
                    .await
            }
            None => self.list_chats_sorted(user_id, list, &page).await,
        }
    }
}

impl DynamoStore {
    /// A page of the chat's messages.
    async fn list_messages_of(
        &self,
        scope: ChatScope,
        page: PageRequest,
        existence: Existence,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let range = schema::message_range(page.after);
        let (user_id, chat_id) = (scope.user_id, scope.chat_id);
        let items_of = |row: MessageChunkRow| {
            row.into_messages(scope)
                .map(|message| (message.id, message.message.len(), message))
                .collect()
        };
        self.list_chat_items(user_id, chat_id, range, page, existence, items_of)
            .await
    }
}

impl MessageStore for DynamoStore {
    async fn append_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<ChatMessage>>, StoreError> {
        let row =
            |first_id: u64, chunk: Vec<(u64, &NewMessage)>, write_id, created_at| MessageChunkRow {
                pk: schema::chat_pk(user_id, chat_id),
                sk: schema::message_chunk_sk(first_id),
                n: chunk.len() as u64,
                created_at,
                write_id,
                items: chunk
                    .into_iter()
                    .map(|(id, m)| StoredMessage {
                        id,
                        actor: m.role,
                        message: m.content.clone(),
                    })
                    .collect(),
            };
        let checks = || Ok(vec![self.chat_exists_check(user_id, chat_id)?]);
        let bytes = |m: &NewMessage| schema::message_bytes(&m.content);
        let created = self
            .create_batch(user_id, &messages, bytes, row, checks, idempotency, now_ms)
            .await?;
        let scope = ChatScope { user_id, chat_id };
        Ok(created.map(|rows| {
            rows.into_iter()
                .flat_map(|row| row.into_messages(scope))
                .collect()
        }))
    }

    async fn list_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let scope = ChatScope { user_id, chat_id };
        self.list_messages_of(scope, page, Existence::Unknown).await
    }
}

impl FileStore for DynamoStore {
    async fn attach_files(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<FileRecord>>, StoreError> {
        let stored = |id: u64, file: &NewFile| StoredFile {
            id,
            title: file.title.clone(),
            text: file.text.clone(),
            language: file.language.clone(),
            extension: file.extension.clone(),
        };
        let row = |first_id: u64, chunk: Vec<(u64, &NewFile)>, write_id, created_at| FileChunkRow {
            pk: schema::chat_pk(user_id, chat_id),
            sk: schema::file_chunk_sk(first_id),
            n: chunk.len() as u64,
            message_id,
            created_at,
            write_id,
            items: chunk
                .into_iter()
                .map(|(id, file)| stored(id, file))
                .collect(),
        };
        let checks = || {
            Ok(vec![
                self.chat_exists_check(user_id, chat_id)?,
                self.message_exists_check(user_id, chat_id, message_id)?,
            ])
        };
        let bytes = |file: &NewFile| schema::file_bytes(&stored(0, file));
        let created = self
            .create_batch(user_id, &files, bytes, row, checks, idempotency, now_ms)
            .await?;
        let scope = ChatScope { user_id, chat_id };
        Ok(created.map(|rows| {
            rows.into_iter()
                .flat_map(|row| row.into_files(scope))
                .collect()
        }))
    }

    async fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<FileRecord>, StoreError> {
        let range = schema::file_range(page.after);
        let scope = ChatScope { user_id, chat_id };
        let existence = Existence::Unknown;
        self.list_chat_items(
            user_id,
            chat_id,
            range,
            page,
            existence,
            |row: FileChunkRow| {
                row.into_files(scope)
                    .map(|file| (file.id, file.text.len() + file.title.len(), file))
                    .collect()
            },
        )
        .await
    }

    async fn get_file(
        &self,
        user_id: u64,
        chat_id: u64,
        file_id: u64,
    ) -> Result<FileRecord, StoreError> {
        // The file's row and the chat's marker in one consistent read: a deleted chat's
        // files are gone at once, before they are purged.
        let get = |sk: String| {
            Get::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(schema::chat_pk(user_id, chat_id), sk)))
                .build()
                .map(|get| TransactGetItem::builder().get(get).build())
                .map_err(build_error)
        };
        let request = self
            .client
            .transact_get_items()
            .set_transact_items(Some(vec![
                get(schema::CHAT_META_SK.to_owned())?,
                get(schema::file_chunk_sk(ids::chunk_of(file_id)))?,
            ]));
        let output = ConflictRetry::new(Instant::now(), self.retry_budget)
            .send("TransactGetItems", || request.clone().send())
            .await?;
        let mut found = output
            .responses
            .unwrap_or_default()
            .into_iter()
            .map(|response| response.item.filter(|item| !item.is_empty()));
        // Without the chat, its files are not found either (the route's one 404).
        if found.next().flatten().is_none() {
            return Err(StoreError::FileNotFound);
        }
        let Some(item) = found.next().flatten() else {
            return Err(StoreError::FileNotFound);
        };
        let row: FileChunkRow = decode(item)?;
        row.into_files(ChatScope { user_id, chat_id })
            .find(|file| file.id == file_id)
            .ok_or(StoreError::FileNotFound)
    }
}
