//! [`DynamoStore`]: the store traits on one DynamoDB table (layout in [`super::schema`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::schema::{
    self, ChatRow, FileChunkRow, IdempotencyRow, MessageChunkRow, SortRange, StoredFile,
    StoredMessage,
};
use super::{
    ChatStore, Created, FileStore, IDEMPOTENCY_TTL_SECONDS, Idempotency, MessageStore, Page,
    PageRequest, StoreError,
};
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

/// A condition check that leads a create's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    ChatExists,
    MessageExists,
}

impl Check {
    fn failure(self) -> StoreError {
        match self {
            Self::ChatExists => StoreError::ChatNotFound,
            Self::MessageExists => StoreError::MessageNotFound,
        }
    }
}

/// One create's transaction for one draw of ids: condition checks first, then the puts.
struct Plan {
    checks: Vec<(Check, TransactWriteItem)>,
    puts: Vec<TransactWriteItem>,
    /// What the first put writes, to recognise it if an earlier try of this very attempt
    /// committed and only its response was lost (the SDK then retries into our own condition).
    first_row: Item,
}

/// How one attempt ended.
#[derive(Debug, PartialEq)]
enum Attempt {
    Committed,
    /// Another request holds these ids: draw again.
    Collision,
    /// The `Idempotency-Key` already produced this result.
    Replay {
        result_id: u64,
        created_at: u64,
    },
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

    /// A put of a new row; a failed condition returns the row that is there.
    fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::Failed(e.into()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The puts of `rows`, and the first row as written.
    fn puts<T: Serialize>(&self, rows: &[T]) -> Result<(Vec<TransactWriteItem>, Item), StoreError> {
        let mut first_row = Item::new();
        let mut puts = Vec::with_capacity(rows.len() + 1);
        for row in rows {
            let item = to_item(row)?;
            if first_row.is_empty() {
                first_row = item.clone();
            }
            puts.push(self.put_new(item)?);
        }
        Ok((puts, first_row))
    }

    /// The idempotency record: new, or replacing one whose 24 hours are over (TTL deletes
    /// lazily). If a live one is there, the failed condition returns it.
    fn put_record(
        &self,
        row: &IdempotencyRow,
        now_s: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(row)?))
            .condition_expression("attribute_not_exists(#pk) OR #expires < :now")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#expires", schema::EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N(now_s.to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::Failed(e.into()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn chat_exists_check(
        &self,
        user_id: u64,
        chat_id: u64,
    ) -> Result<(Check, TransactWriteItem), StoreError> {
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
        Ok((
            Check::ChatExists,
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }

    /// Message `message_id` exists in the chat: its chunk row exists and holds its slot.
    fn message_exists_check(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
    ) -> Result<(Check, TransactWriteItem), StoreError> {
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
        Ok((
            Check::MessageExists,
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }

    /// Writes one create as a single `TransactWriteItems`, drawing fresh ids until they do
    /// not collide. `build(id, write_id)` plans the rows for one draw. Returns the id the
    /// rows were written under and their creation time (the first request's, on a replay).
    async fn create(
        &self,
        user_id: u64,
        draw: impl Fn(u64) -> u64,
        build: impl Fn(u64, u64) -> Result<Plan, StoreError>,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Created<(u64, u64)>, StoreError> {
        for attempt in 0..ID_ATTEMPTS {
            // Each retry draws from the next millisecond's id space: ids of one millisecond
            // differ in only a few random bits, and the rows keep the request's own time.
            let id = draw(now_ms + attempt as u64);
            let plan = build(id, rand::random())?;
            let record = idempotency.map(|key| IdempotencyRow {
                pk: schema::user_pk(user_id),
                sk: schema::idempotency_sk(&key.key_hash),
                fingerprint: key.fingerprint.clone(),
                result_id: id,
                created_at: now_ms,
                expires_at: now_ms / 1000 + IDEMPOTENCY_TTL_SECONDS,
            });
            match self.attempt(plan, record.as_ref(), now_ms / 1000).await? {
                Attempt::Committed => {
                    return Ok(Created {
                        value: (id, now_ms),
                        replayed: false,
                    });
                }
                Attempt::Replay {
                    result_id,
                    created_at,
                } => {
                    return Ok(Created {
                        value: (result_id, created_at),
                        replayed: true,
                    });
                }
                Attempt::Collision => tracing::info!(id, "id collision, drawing fresh ids"),
            }
        }
        Err(StoreError::Failed("ids kept colliding".into()))
    }

    /// Writes a batch of items (messages or files) as one create: packs them into chunk rows
    /// (`row(first_id, chunk, write_id)`), behind the given condition checks. Returns the ids
    /// of the items, in input order, and their creation time.
    #[expect(
        clippy::too_many_arguments,
        reason = "a private helper: the closures are the ways messages and files differ"
    )]
    async fn create_batch<I, R: Serialize>(
        &self,
        user_id: u64,
        items: &[I],
        estimated_bytes: impl Fn(&I) -> usize,
        row: impl Fn(u64, Vec<(u64, &I)>, u64) -> R,
        checks: impl Fn() -> Result<Vec<(Check, TransactWriteItem)>, StoreError>,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Created<(Vec<u64>, u64)>, StoreError> {
        let pack = |base: u64| {
            schema::pack(items.iter().collect(), base, |item| estimated_bytes(item))
                .map_err(|e| StoreError::Failed(e.into()))
        };
        let build = |base: u64, write_id: u64| {
            let rows: Vec<R> = pack(base)?
                .into_iter()
                .map(|chunk| {
                    let first = chunk.first().map_or(base, |(id, _)| *id);
                    row(first, chunk, write_id)
                })
                .collect();
            let (puts, first_row) = self.puts(&rows)?;
            Ok(Plan {
                checks: checks()?,
                puts,
                first_row,
            })
        };
        let created = self
            .create(user_id, ids::batch_base, build, idempotency, now_ms)
            .await?;
        let (base, created_at) = created.value;
        // The same items packed from the same base get the same ids (a replay's base, too).
        let ids = pack(base)?
            .into_iter()
            .flatten()
            .map(|(id, _)| id)
            .collect();
        Ok(Created {
            value: (ids, created_at),
            replayed: created.replayed,
        })
    }

    async fn attempt(
        &self,
        plan: Plan,
        record: Option<&IdempotencyRow>,
        now_s: u64,
    ) -> Result<Attempt, StoreError> {
        let checks: Vec<Check> = plan.checks.iter().map(|(check, _)| *check).collect();
        let first_put = checks.len();
        let mut actions: Vec<TransactWriteItem> =
            plan.checks.into_iter().map(|(_, action)| action).collect();
        actions.extend(plan.puts);
        let record_index = match record {
            Some(row) => {
                actions.push(self.put_record(row, now_s)?);
                Some(actions.len() - 1)
            }
            None => None,
        };
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await;
        let reasons = match result {
            Ok(_) => return Ok(Attempt::Committed),
            Err(SdkError::ServiceError(context)) => match context.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    cancelled.cancellation_reasons().to_vec()
                }
                _ => return Err(classify(SdkError::ServiceError(context))),
            },
            Err(other) => return Err(classify(other)),
        };
        let failed = |index: usize| {
            reasons.get(index).and_then(CancellationReason::code) == Some("ConditionalCheckFailed")
        };

        // The key was used: same request -> its result; another request -> refuse.
        if let (Some(index), Some(ours)) = (record_index, record)
            && failed(index)
        {
            let theirs: IdempotencyRow = match reasons.get(index).and_then(CancellationReason::item)
            {
                Some(item) => decode(item.clone())?,
                None => return Err(StoreError::Failed("no idempotency record returned".into())),
            };
            return if theirs.fingerprint == ours.fingerprint {
                Ok(Attempt::Replay {
                    result_id: theirs.result_id,
                    created_at: theirs.created_at,
                })
            } else {
                Err(StoreError::IdempotencyMismatch)
            };
        }
        if let Some(check) = checks
            .iter()
            .enumerate()
            .find_map(|(i, check)| failed(i).then_some(*check))
        {
            return Err(check.failure());
        }
        if failed(first_put)
            && reasons.get(first_put).and_then(CancellationReason::item) == Some(&plan.first_row)
        {
            tracing::info!("an earlier try of this write committed; its response was lost");
            return Ok(Attempt::Committed);
        }
        let record_failed = |i: usize| Some(i) == record_index;
        if (first_put..reasons.len()).any(|i| failed(i) && !record_failed(i)) {
            return Ok(Attempt::Collision);
        }
        let busy = reasons.iter().any(|reason| {
            matches!(
                reason.code(),
                Some("ThrottlingError" | "TransactionConflict" | "ProvisionedThroughputExceeded")
            )
        });
        if busy
            && record.is_some()
            && reasons
                .iter()
                .any(|r| r.code() == Some("TransactionConflict"))
        {
            return Err(StoreError::IdempotencyInFlight);
        }
        if busy {
            return Err(StoreError::Unavailable(
                "transaction throttled or in conflict".into(),
            ));
        }
        Err(StoreError::Failed(
            format!(
                "transaction cancelled: {:?}",
                reasons
                    .iter()
                    .map(CancellationReason::code)
                    .collect::<Vec<_>>()
            )
            .into(),
        ))
    }

    /// One page of a chat's messages or files: `Query`s over the chat's partition from
    /// `range` (one, unless DynamoDB's 1 MB page ends first), skipping the chat's marker and
    /// items up to the cursor. The first page's range includes the marker, so no row at all
    /// means no chat.
    async fn list_chat_items<R: DeserializeOwned, T>(
        &self,
        user_id: u64,
        chat_id: u64,
        range: SortRange,
        page: PageRequest,
        items_of: impl Fn(R) -> Vec<(u64, usize, T)>,
    ) -> Result<Page<T>, StoreError> {
        let mut collector = PageCollector::new(page);
        let rows_per_call = collector.rows_per_call();
        let rows = self
            .scan_range(
                schema::chat_pk(user_id, chat_id),
                range,
                true,
                rows_per_call,
                |item| {
                    if sort_key(&item) == Some(schema::CHAT_META_SK) {
                        return Ok(true);
                    }
                    for (id, bytes, value) in items_of(decode(item)?) {
                        if page.after.is_some_and(|after| id <= after) {
                            continue;
                        }
                        if !collector.offer(value, bytes) {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                },
            )
            .await?;
        if rows == 0 && page.after.is_none() {
            return Err(StoreError::ChatNotFound);
        }
        Ok(collector.finish())
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

fn classify<E>(error: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let retryable = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        // A 5xx is the service failing, whatever its body says.
        SdkError::ServiceError(context) => {
            context.raw().status().is_server_error()
                || context
                    .err()
                    .code()
                    .is_some_and(|code| RETRYABLE_CODES.contains(&code))
        }
        SdkError::ResponseError(_) => true,
        _ => false,
    };
    if retryable {
        StoreError::Unavailable(Box::new(error))
    } else {
        StoreError::Failed(Box::new(error))
    }
}

fn to_item<T: Serialize>(row: &T) -> Result<Item, StoreError> {
    schema::to_attribute_map(row).map_err(|e| StoreError::Failed(e.into()))
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
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Chat>, StoreError> {
        let row = |id: u64, created_at: u64, write_id: u64| ChatRow {
            pk: schema::user_pk(user_id),
            sk: schema::chat_sk(id),
            id,
            user_id,
            name: chat.name.clone(),
            model: chat.model.clone(),
            created_at,
            updated_at: created_at,
            write_id,
        };
        let build = |id: u64, write_id: u64| {
            let listed = row(id, now_ms, write_id);
            let marker = ChatRow {
                pk: schema::chat_pk(user_id, id),
                sk: schema::CHAT_META_SK.to_owned(),
                ..listed.clone()
            };
            let (puts, first_row) = self.puts(&[listed, marker])?;
            Ok(Plan {
                checks: Vec::new(),
                puts,
                first_row,
            })
        };
        let created = self
            .create(user_id, ids::single_id, build, idempotency, now_ms)
            .await?;
        let (id, created_at) = created.value;
        Ok(Created {
            value: chat_from_row(row(id, created_at, 0)),
            replayed: created.replayed,
        })
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
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Vec<ChatMessage>>, StoreError> {
        let row = |first_id: u64, chunk: Vec<(u64, &NewMessage)>, write_id: u64| MessageChunkRow {
            pk: schema::chat_pk(user_id, chat_id),
            sk: schema::message_chunk_sk(first_id),
            n: chunk.len() as u64,
            created_at: now_ms,
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
        let (ids, created_at) = created.value;
        let created_at = rfc3339_ms(created_at);
        let value = ids
            .into_iter()
            .zip(messages)
            .map(|(id, m)| ChatMessage {
                id,
                chat_conversation_id: chat_id,
                neptun_user_id: user_id,
                message: m.content,
                actor: m.role,
                created_at: created_at.clone(),
                updated_at: created_at.clone(),
            })
            .collect();
        Ok(Created {
            value,
            replayed: created.replayed,
        })
    }

    async fn list_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let range = schema::message_range(page.after);
        self.list_chat_items(user_id, chat_id, range, page, |row: MessageChunkRow| {
            let created_at = rfc3339_ms(row.created_at);
            row.items
                .into_iter()
                .map(|stored| {
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
                    (message.id, bytes, message)
                })
                .collect()
        })
        .await
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
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Vec<FileRecord>>, StoreError> {
        let stored = |id: u64, file: &NewFile| StoredFile {
            id,
            title: file.title.clone(),
            text: file.text.clone(),
            language: file.language.clone(),
            extension: file.extension.clone(),
        };
        let row = |first_id: u64, chunk: Vec<(u64, &NewFile)>, write_id: u64| FileChunkRow {
            pk: schema::chat_pk(user_id, chat_id),
            sk: schema::file_chunk_sk(first_id),
            n: chunk.len() as u64,
            message_id,
            created_at: now_ms,
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
        let (ids, created_at_ms) = created.value;
        let value = ids
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
                created_at_ms,
            })
            .collect();
        Ok(Created {
            value,
            replayed: created.replayed,
        })
    }

    async fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<FileRecord>, StoreError> {
        let range = schema::file_range(page.after);
        self.list_chat_items(user_id, chat_id, range, page, |row: FileChunkRow| {
            file_records(row, user_id, chat_id)
                .map(|file| (file.id, file.text.len() + file.title.len(), file))
                .collect()
        })
        .await
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
