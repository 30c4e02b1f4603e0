//! [`DynamoStore`]: the store traits on one DynamoDB table (layout in [`super::schema`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::schema::{
    self, ChatRow, FileChunkRow, MessageChunkRow, SortRange, StoredFile, StoredMessage,
};
use super::{ChatStore, FileStore, MessageStore, Page, PageRequest, StoreError};
use crate::clock::rfc3339_ms;
use crate::ids;
use crate::model::{Chat, ChatMessage, FileRecord};
use crate::validation::{NewChat, NewFile, NewMessage};

type Item = HashMap<String, AttributeValue>;

/// Fresh ids are drawn again after a collision; more than a few in a row means a bug.
const ID_ATTEMPTS: usize = 8;

/// The production store. Cheap to clone (the SDK client is reference counted).
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// What a cancelled transaction tells us, from its cancellation reasons.
#[derive(Debug, PartialEq, Eq)]
enum Cancellation {
    /// The condition check at this action index failed.
    CheckFailed(usize),
    /// A put's `attribute_not_exists` failed: the ids collided with another request's.
    IdCollision,
    /// Throttled or in conflict with a concurrent transaction: retry later.
    Busy,
    Other,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: String, sk: String) -> Item {
        HashMap::from([
            (schema::PK.to_owned(), AttributeValue::S(pk)),
            (schema::SK.to_owned(), AttributeValue::S(sk)),
        ])
    }

    fn put_new<T: Serialize>(&self, row: &T) -> Result<TransactWriteItem, StoreError> {
        let item: serde_dynamo::Item =
            serde_dynamo::to_item(row).map_err(|e| StoreError::Failed(e.into()))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item.into()))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .build()
            .map_err(|e| StoreError::Failed(e.into()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn chat_exists_check(
        &self,
        user_id: u64,
        chat_id: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::chat_pk(user_id, chat_id),
                schema::CHAT_META_SK.to_owned(),
            )))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .build()
            .map_err(|e| StoreError::Failed(e.into()))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Message `message_id` exists in the chat: its chunk row exists and holds its slot.
    fn message_exists_check(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let slot = message_id - ids::chunk_of(message_id);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::chat_pk(user_id, chat_id),
                schema::message_chunk_sk(ids::chunk_of(message_id)),
            )))
            .condition_expression("attribute_exists(#pk) AND #n > :slot")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#n", schema::ITEM_COUNT)
            .expression_attribute_values(":slot", AttributeValue::N(slot.to_string()))
            .build()
            .map_err(|e| StoreError::Failed(e.into()))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Runs one `TransactWriteItems`; `checks` is how many leading actions are condition checks.
    async fn transact(
        &self,
        actions: Vec<TransactWriteItem>,
        checks: usize,
    ) -> Result<(), Result<Cancellation, StoreError>> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(context)) => {
                if let TransactWriteItemsError::TransactionCanceledException(cancelled) =
                    context.err()
                {
                    Err(Ok(read_cancellation(
                        cancelled.cancellation_reasons(),
                        checks,
                    )))
                } else {
                    Err(Err(classify(SdkError::ServiceError(context))))
                }
            }
            Err(other) => Err(Err(classify(other))),
        }
    }

    /// Runs a batch write with fresh ids until they do not collide.
    async fn write_batch(
        &self,
        build: impl Fn(u64) -> Result<Vec<TransactWriteItem>, StoreError>,
        checks: &[StoreError],
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        for _ in 0..ID_ATTEMPTS {
            let base = ids::batch_base(now_ms);
            match self.transact(build(base)?, checks.len()).await {
                Ok(()) => return Ok(base),
                Err(Ok(Cancellation::IdCollision)) => {
                    tracing::info!(base, "id collision, retrying with a fresh base");
                }
                Err(Ok(Cancellation::CheckFailed(index))) => {
                    return Err(match checks.get(index) {
                        Some(StoreError::ChatNotFound) => StoreError::ChatNotFound,
                        Some(StoreError::MessageNotFound) => StoreError::MessageNotFound,
                        _ => StoreError::Failed("unexpected failed condition check".into()),
                    });
                }
                Err(Ok(Cancellation::Busy)) => {
                    return Err(StoreError::Unavailable(
                        "transaction throttled or in conflict".into(),
                    ));
                }
                Err(Ok(Cancellation::Other)) => {
                    return Err(StoreError::Failed("transaction cancelled".into()));
                }
                Err(Err(error)) => return Err(error),
            }
        }
        Err(StoreError::Failed("ids kept colliding".into()))
    }

    /// Reads rows of one partition in sort-key order, page by page, handing each to `visit`
    /// until it returns `false` or the range ends. Returns how many rows were read.
    async fn scan_range(
        &self,
        pk: String,
        range: SortRange,
        forward: bool,
        rows_per_call: Option<usize>,
        mut visit: impl FnMut(Item) -> Result<bool, StoreError>,
    ) -> Result<usize, StoreError> {
        let mut start: Option<Item> = None;
        let mut rows = 0;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_names("#sk", schema::SK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(":from", AttributeValue::S(range.from.clone()))
                .expression_attribute_values(":to", AttributeValue::S(range.to.clone()))
                .scan_index_forward(forward)
                .set_limit(rows_per_call.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            let last_key = output.last_evaluated_key.clone();
            for item in output.items.unwrap_or_default() {
                rows += 1;
                if !visit(item)? {
                    return Ok(rows);
                }
            }
            match last_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(rows),
            }
        }
    }
}

fn read_cancellation(
    reasons: &[aws_sdk_dynamodb::types::CancellationReason],
    checks: usize,
) -> Cancellation {
    let mut outcome = Cancellation::Other;
    for (index, reason) in reasons.iter().enumerate() {
        match reason.code() {
            Some("ConditionalCheckFailed") if index < checks => {
                return Cancellation::CheckFailed(index);
            }
            Some("ConditionalCheckFailed") => outcome = Cancellation::IdCollision,
            Some("ThrottlingError" | "TransactionConflict" | "ProvisionedThroughputExceeded")
                if outcome == Cancellation::Other =>
            {
                outcome = Cancellation::Busy;
            }
            _ => {}
        }
    }
    outcome
}

/// Error codes that mean "try again later" rather than "this request is wrong".
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
    "TransactionConflictException",
];

fn classify<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let retryable = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(context) => context
            .err()
            .code()
            .is_some_and(|code| RETRYABLE_CODES.contains(&code)),
        SdkError::ResponseError(_) => true,
        _ => false,
    };
    if retryable {
        StoreError::Unavailable(Box::new(error))
    } else {
        StoreError::Failed(Box::new(error))
    }
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Failed(e.into()))
}

fn sort_key(item: &Item) -> Option<&str> {
    item.get(schema::SK)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Collects items for one page: up to `limit`, up to the byte budget, and notices whether
/// anything follows (by seeing one item more than it keeps).
struct PageCollector<T> {
    items: Vec<T>,
    bytes: usize,
    request: PageRequest,
    has_more: bool,
}

impl<T> PageCollector<T> {
    fn new(request: PageRequest) -> Self {
        Self {
            items: Vec::new(),
            bytes: 0,
            request,
            has_more: false,
        }
    }

    fn is_full(&self) -> bool {
        self.request
            .limit
            .is_some_and(|limit| self.items.len() >= limit)
            || self.bytes >= self.request.byte_budget
    }

    /// Offers the next item; returns `false` once the page is complete.
    fn offer(&mut self, item: T, bytes: usize) -> bool {
        if self.is_full() {
            self.has_more = true;
            return false;
        }
        self.items.push(item);
        self.bytes += bytes;
        true
    }

    /// DynamoDB `Limit` for a page: the marker, the items, and one more to detect `has_more`.
    fn rows_per_call(&self) -> Option<usize> {
        self.request.limit.map(|limit| limit + 2)
    }

    fn finish(self) -> Page<T> {
        Page {
            items: self.items,
            has_more: self.has_more,
        }
    }
}

fn chat_from_row(row: ChatRow) -> Chat {
    Chat {
        id: row.id,
        name: row.name,
        model: row.model,
        neptun_user_id: row.user_id,
        created_at: rfc3339_ms(row.created_at),
        updated_at: rfc3339_ms(row.updated_at),
    }
}

impl ChatStore for DynamoStore {
    async fn create_chat(
        &self,
        user_id: u64,
        chat: NewChat,
        now_ms: u64,
    ) -> Result<Chat, StoreError> {
        for _ in 0..ID_ATTEMPTS {
            let id = ids::single_id(now_ms);
            let listed = ChatRow {
                pk: schema::user_pk(user_id),
                sk: schema::chat_sk(id),
                id,
                user_id,
                name: chat.name.clone(),
                model: chat.model.clone(),
                created_at: now_ms,
                updated_at: now_ms,
            };
            let marker = ChatRow {
                pk: schema::chat_pk(user_id, id),
                sk: schema::CHAT_META_SK.to_owned(),
                ..listed.clone()
            };
            match self
                .transact(vec![self.put_new(&listed)?, self.put_new(&marker)?], 0)
                .await
            {
                Ok(()) => return Ok(chat_from_row(listed)),
                Err(Ok(Cancellation::IdCollision)) => continue,
                Err(Ok(Cancellation::Busy)) => {
                    return Err(StoreError::Unavailable(
                        "transaction throttled or in conflict".into(),
                    ));
                }
                Err(Ok(_)) => return Err(StoreError::Failed("transaction cancelled".into())),
                Err(Err(error)) => return Err(error),
            }
        }
        Err(StoreError::Failed("ids kept colliding".into()))
    }

    async fn list_chats(&self, user_id: u64, page: PageRequest) -> Result<Page<Chat>, StoreError> {
        let mut collector = PageCollector::new(page);
        let rows_per_call = collector.request.limit.map(|limit| limit + 1);
        self.scan_range(
            schema::user_pk(user_id),
            schema::chat_range(page.after),
            false,
            rows_per_call,
            |item| {
                let row: ChatRow = decode(item)?;
                let bytes = row.name.len() + row.model.len();
                Ok(collector.offer(chat_from_row(row), bytes))
            },
        )
        .await?;
        Ok(collector.finish())
    }
}

impl MessageStore for DynamoStore {
    async fn append_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        messages: Vec<NewMessage>,
        now_ms: u64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let build = |base: u64| -> Result<Vec<TransactWriteItem>, StoreError> {
            let chunks = schema::pack(messages.iter().collect(), base, |m| {
                schema::message_bytes(&m.content)
            })
            .map_err(|e| StoreError::Failed(e.into()))?;
            let mut actions = Vec::with_capacity(chunks.len() + 1);
            actions.push(self.chat_exists_check(user_id, chat_id)?);
            for chunk in chunks {
                let first = chunk.first().map_or(base, |(id, _)| *id);
                let row = MessageChunkRow {
                    pk: schema::chat_pk(user_id, chat_id),
                    sk: schema::message_chunk_sk(first),
                    n: chunk.len() as u64,
                    created_at: now_ms,
                    items: chunk
                        .into_iter()
                        .map(|(id, m)| StoredMessage {
                            id,
                            actor: m.role,
                            message: m.content.clone(),
                        })
                        .collect(),
                };
                actions.push(self.put_new(&row)?);
            }
            Ok(actions)
        };
        let base = self
            .write_batch(build, &[StoreError::ChatNotFound], now_ms)
            .await?;
        let created_at = rfc3339_ms(now_ms);
        let chunks = schema::pack(messages, base, |m| schema::message_bytes(&m.content))
            .map_err(|e| StoreError::Failed(e.into()))?;
        Ok(chunks
            .into_iter()
            .flatten()
            .map(|(id, m)| ChatMessage {
                id,
                chat_conversation_id: chat_id,
                neptun_user_id: user_id,
                message: m.content,
                actor: m.role,
                created_at: created_at.clone(),
                updated_at: created_at.clone(),
            })
            .collect())
    }

    async fn list_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let mut collector = PageCollector::new(page);
        let rows_per_call = collector.rows_per_call();
        let rows = self
            .scan_range(
                schema::chat_pk(user_id, chat_id),
                schema::message_range(page.after),
                true,
                rows_per_call,
                |item| {
                    if sort_key(&item) == Some(schema::CHAT_META_SK) {
                        return Ok(true);
                    }
                    let row: MessageChunkRow = decode(item)?;
                    let created_at = rfc3339_ms(row.created_at);
                    for stored in row.items {
                        if page.after.is_some_and(|after| stored.id <= after) {
                            continue;
                        }
                        let bytes = stored.message.len();
                        let message = ChatMessage {
                            id: stored.id,
                            chat_conversation_id: chat_id,
                            neptun_user_id: user_id,
                            message: stored.message,
                            actor: stored.actor,
                            created_at: created_at.clone(),
                            updated_at: created_at.clone(),
                        };
                        if !collector.offer(message, bytes) {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                },
            )
            .await?;
        // The first page's range starts at the chat's marker: no row at all means no chat.
        if rows == 0 && page.after.is_none() {
            return Err(StoreError::ChatNotFound);
        }
        Ok(collector.finish())
    }
}

fn file_records(row: FileChunkRow, user_id: u64, chat_id: u64) -> impl Iterator<Item = FileRecord> {
    let (message_id, created_at_ms) = (row.message_id, row.created_at);
    row.items.into_iter().map(move |file| FileRecord {
        id: file.id,
        chat_id,
        message_id,
        user_id,
        title: file.title,
        text: file.text,
        language: file.language,
        extension: file.extension,
        created_at_ms,
    })
}

impl FileStore for DynamoStore {
    async fn attach_files(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
        files: Vec<NewFile>,
        now_ms: u64,
    ) -> Result<Vec<FileRecord>, StoreError> {
        let stored = |id: u64, file: &NewFile| StoredFile {
            id,
            title: file.title.clone(),
            text: file.text.clone(),
            language: file.language.clone(),
            extension: file.extension.clone(),
        };
        let bytes = |file: &&NewFile| schema::file_bytes(&stored(0, file));
        let build = |base: u64| -> Result<Vec<TransactWriteItem>, StoreError> {
            let chunks = schema::pack(files.iter().collect(), base, bytes)
                .map_err(|e| StoreError::Failed(e.into()))?;
            let mut actions = Vec::with_capacity(chunks.len() + 2);
            actions.push(self.chat_exists_check(user_id, chat_id)?);
            actions.push(self.message_exists_check(user_id, chat_id, message_id)?);
            for chunk in chunks {
                let first = chunk.first().map_or(base, |(id, _)| *id);
                let row = FileChunkRow {
                    pk: schema::chat_pk(user_id, chat_id),
                    sk: schema::file_chunk_sk(first),
                    n: chunk.len() as u64,
                    message_id,
                    created_at: now_ms,
                    items: chunk
                        .into_iter()
                        .map(|(id, file)| stored(id, file))
                        .collect(),
                };
                actions.push(self.put_new(&row)?);
            }
            Ok(actions)
        };
        let checks = [StoreError::ChatNotFound, StoreError::MessageNotFound];
        let base = self.write_batch(build, &checks, now_ms).await?;
        let chunks = schema::pack(files.iter().collect(), base, bytes)
            .map_err(|e| StoreError::Failed(e.into()))?;
        let ids: Vec<u64> = chunks.into_iter().flatten().map(|(id, _)| id).collect();
        Ok(ids
            .into_iter()
            .zip(files)
            .map(|(id, file)| FileRecord {
                id,
                chat_id,
                message_id,
                user_id,
                title: file.title,
                text: file.text,
                language: file.language,
                extension: file.extension,
                created_at_ms: now_ms,
            })
            .collect())
    }

    async fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<FileRecord>, StoreError> {
        let mut collector = PageCollector::new(page);
        let rows_per_call = collector.rows_per_call();
        let rows = self
            .scan_range(
                schema::chat_pk(user_id, chat_id),
                schema::file_range(page.after),
                true,
                rows_per_call,
                |item| {
                    if sort_key(&item) == Some(schema::CHAT_META_SK) {
                        return Ok(true);
                    }
                    let row: FileChunkRow = decode(item)?;
                    for file in file_records(row, user_id, chat_id) {
                        if page.after.is_some_and(|after| file.id <= after) {
                            continue;
                        }
                        let bytes = file.text.len() + file.title.len();
                        if !collector.offer(file, bytes) {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                },
            )
            .await?;
        // The first page's range ends at the chat's marker: no row at all means no chat.
        if rows == 0 && page.after.is_none() {
            return Err(StoreError::ChatNotFound);
        }
        Ok(collector.finish())
    }

    async fn get_file(
        &self,
        user_id: u64,
        chat_id: u64,
        file_id: u64,
    ) -> Result<FileRecord, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::chat_pk(user_id, chat_id),
                schema::file_chunk_sk(ids::chunk_of(file_id)),
            )))
            .send()
            .await
            .map_err(classify)?;
        let Some(item) = output.item else {
            return Err(StoreError::FileNotFound);
        };
        let row: FileChunkRow = decode(item)?;
        file_records(row, user_id, chat_id)
            .find(|file| file.id == file_id)
            .ok_or(StoreError::FileNotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::CancellationReason;

    fn reasons(codes: &[&str]) -> Vec<CancellationReason> {
        codes
            .iter()
            .map(|code| CancellationReason::builder().code(*code).build())
            .collect()
    }

    #[test]
    fn cancellation_reasons_tell_which_check_failed() {
        let r = reasons(&["ConditionalCheckFailed", "None", "None"]);
        assert_eq!(read_cancellation(&r, 1), Cancellation::CheckFailed(0));
        let r = reasons(&["None", "ConditionalCheckFailed", "None", "None"]);
        assert_eq!(read_cancellation(&r, 2), Cancellation::CheckFailed(1));
        let r = reasons(&["None", "None", "ConditionalCheckFailed"]);
        assert_eq!(read_cancellation(&r, 2), Cancellation::IdCollision);
        let r = reasons(&["None", "ThrottlingError"]);
        assert_eq!(read_cancellation(&r, 1), Cancellation::Busy);
        let r = reasons(&["None", "ValidationError"]);
        assert_eq!(read_cancellation(&r, 1), Cancellation::Other);
    }

    #[test]
    fn a_page_sees_one_item_more_than_it_keeps() {
        let request = PageRequest {
            limit: Some(2),
            after: None,
            byte_budget: usize::MAX,
        };
        let mut page = PageCollector::new(request);
        assert!(page.offer(1, 1));
        assert!(page.offer(2, 1));
        assert!(!page.offer(3, 1));
        let page = page.finish();
        assert_eq!(page.items, vec![1, 2]);
        assert!(page.has_more);

        let mut page = PageCollector::new(PageRequest {
            limit: None,
            after: None,
            byte_budget: 10,
        });
        assert!(page.offer(1, 6));
        assert!(page.offer(2, 6));
        assert!(!page.offer(3, 6));
        assert_eq!(page.finish().items, vec![1, 2]);
    }
}
