//! [`FileStore`] on DynamoDB.

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsInput;
use aws_sdk_dynamodb::types::{Get, TransactGetItem};
use neptun_core::ids;
use neptun_core::ids::{ChatId, FileId, MessageId, UserId};
use neptun_core::model::FileRecord;
use neptun_core::store::{FileStore, Idempotency, Page, PageRequest, Replayable, StoreError};
use neptun_core::validation::NewFile;
use std::time::Instant;

use super::query::Existence;
use super::retry::ConflictRetry;
use super::{DynamoStore, build_error, decode};
use crate::schema::{self, ChatScope, FileChunkRow, StoredFile};

impl FileStore for DynamoStore {
    async fn attach_files(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        message_id: MessageId,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<FileRecord>>, StoreError> {
        let stored = |id: u64, file: &NewFile| StoredFile {
            id: FileId(id),
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
        user_id: UserId,
        chat_id: ChatId,
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
                    .map(|file| (file.id.get(), file.text.len() + file.title.len(), file))
                    .collect()
            },
        )
        .await
    }

    async fn get_file(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        file_id: FileId,
    ) -> Result<FileRecord, StoreError> {
        // The file's row, the chat's marker and the user's `ERASED` row in one consistent
        // read: a deleted chat's (or an erased user's) files are gone at once, before they are
        // purged.
        let chat_pk = schema::chat_pk(user_id, chat_id);
        let get = |pk: String, sk: String| {
            Get::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(pk, sk)))
                .build()
                .map(|get| TransactGetItem::builder().get(get).build())
                .map_err(build_error)
        };
        let request = TransactGetItemsInput::builder().set_transact_items(Some(vec![
            get(chat_pk.clone(), schema::CHAT_META_SK.to_owned())?,
            get(chat_pk, schema::file_chunk_sk(ids::chunk_of(file_id.get())))?,
            get(schema::user_pk(user_id), schema::ERASED_SK.to_owned())?,
        ]));
        let output = ConflictRetry::new(Instant::now(), self.retry_budget)
            .send("TransactGetItems", || {
                request.clone().send_with(&self.client)
            })
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
        // An erased user has no files.
        if found.next().flatten().is_some() {
            return Err(StoreError::FileNotFound);
        }
        let row: FileChunkRow = decode(item)?;
        row.into_files(ChatScope { user_id, chat_id })
            .find(|file| file.id == file_id)
            .ok_or(StoreError::FileNotFound)
    }
}
