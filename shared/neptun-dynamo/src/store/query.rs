//! Reading one row, and a partition page by page, cutting the items into one API page.

use neptun_core::ids::{ChatId, UserId};
use std::time::Instant;

use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;

use super::retry::ConflictRetry;
use super::{DynamoStore, Item, decode};
use crate::schema::{self, Projection, SortRange};
use neptun_core::store::{Page, PageRequest, StoreError};

impl DynamoStore {
    /// One page of a chat's messages or files: `Query`s over the chat's partition from
    /// `range` (one, unless DynamoDB's 1 MB page ends first), skipping the chat's marker and
    /// items up to the cursor. `items_of` turns a row into its items, each with its id and size.
    ///
    /// The chat exists while its `META` does (a deleted chat's rows may remain until they are
    /// purged). A first page of messages starts at `META`; a page that may not reach it (after
    /// a cursor, or a limited page of files, whose range ends at `META`) reads it beside the
    /// query, so that the page still costs one round trip; any other page reads it only if
    /// the query ended before it. A chat vouched for ([`Existence::Vouched`]) reads no marker
    /// beside its query, nor the user's `ERASED` row; any other list reads that beside it: an
    /// erased user's chat is not found.
    pub(super) async fn list_chat_items<R: DeserializeOwned, T>(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        range: SortRange,
        page: PageRequest,
        existence: Existence,
        items_of: impl Fn(R) -> Vec<(u64, usize, T)>,
    ) -> Result<Page<T>, StoreError> {
        let read = self.read_chat_items(user_id, chat_id, range, page, existence, items_of);
        if existence == Existence::Vouched {
            return read.await;
        }
        let (erased, page) = tokio::join!(self.is_erased(user_id), read);
        if erased? {
            return Err(StoreError::ChatNotFound);
        }
        page
    }

    async fn read_chat_items<R: DeserializeOwned, T>(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        range: SortRange,
        page: PageRequest,
        existence: Existence,
        items_of: impl Fn(R) -> Vec<(u64, usize, T)>,
    ) -> Result<Page<T>, StoreError> {
        let starts_at_marker = range.from == schema::CHAT_META_SK;
        let mut collector = PageCollector::new(page);
        let rows_per_call = collector.rows_per_call();
        let mut saw_marker = false;
        let query = self.scan_range(
            schema::chat_pk(user_id, chat_id),
            range,
            true,
            rows_per_call,
            None,
            |item| {
                if sort_key(&item) == Some(schema::CHAT_META_SK) {
                    saw_marker = true;
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
        );
        let exists = if existence == Existence::Vouched {
            query.await?;
            saw_marker || !starts_at_marker
        } else if !starts_at_marker && (page.after.is_some() || page.limit.is_some()) {
            let (read, exists) = tokio::join!(query, self.chat_exists(user_id, chat_id));
            read?;
            exists?
        } else {
            query.await?;
            saw_marker || self.chat_exists(user_id, chat_id).await?
        };
        if !exists {
            return Err(StoreError::ChatNotFound);
        }
        Ok(collector.finish())
    }
}

/// What a chat's list knows of its chat before it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Existence {
    /// Nothing: the list checks `META`.
    Unknown,
    /// The chat's share was just read, and a share exists only while its chat does (and is
    /// found only while its user is not erased).
    Vouched,
}

impl DynamoStore {
    /// The row at `pk`/`sk`, read consistently (a write is seen at once), again over
    /// transaction conflicts within the retry budget.
    pub(crate) async fn consistent_row<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: String,
    ) -> Result<Option<T>, StoreError> {
        let read = GetItemInput::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true);
        let output = ConflictRetry::new(Instant::now(), self.retry_budget)
            .send("GetItem", || read.clone().send_with(&self.client))
            .await?;
        output.item.map(decode).transpose()
    }

    /// Whether the chat's `META` exists (read consistently: a delete is seen at once).
    pub(super) async fn chat_exists(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<bool, StoreError> {
        let read = GetItemInput::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::chat_pk(user_id, chat_id),
                schema::CHAT_META_SK.to_owned(),
            )))
            .projection_expression(schema::PK)
            .consistent_read(true);
        let output = ConflictRetry::new(Instant::now(), self.retry_budget)
            .send("GetItem", || read.clone().send_with(&self.client))
            .await?;
        Ok(output.item.is_some())
    }

    /// Reads rows of one partition in sort-key order, page by page, handing each to `visit`
    /// until it returns `false` or the range ends; with a `projection`, only its attributes of
    /// each row. Returns how many rows were read.
    pub(super) async fn scan_range(
        &self,
        pk: String,
        range: SortRange,
        forward: bool,
        rows_per_call: Option<usize>,
        projection: Option<Projection>,
        mut visit: impl FnMut(Item) -> Result<bool, StoreError>,
    ) -> Result<usize, StoreError> {
        let mut conflicts = ConflictRetry::new(Instant::now(), self.retry_budget);
        let mut start: Option<Item> = None;
        let mut rows = 0;
        loop {
            let query = QueryInput::builder()
                .table_name(&self.table)
                .key_condition_expression(schema::RANGE_CONDITION)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(":from", AttributeValue::S(range.from.clone()))
                .expression_attribute_values(":to", AttributeValue::S(range.to.clone()))
                .scan_index_forward(forward)
                // A write that was answered is seen: a deleted chat or share is gone at once.
                .consistent_read(true)
                .set_limit(rows_per_call.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(start.take());
            let query = match projection {
                Some(projection) => projection
                    .names
                    .iter()
                    .fold(query, |query, (placeholder, name)| {
                        query.expression_attribute_names(*placeholder, *name)
                    })
                    .projection_expression(projection.expression),
                None => query,
            };
            let output = conflicts
                .send("Query", || query.clone().send_with(&self.client))
                .await?;
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

fn sort_key(item: &Item) -> Option<&str> {
    item.get(schema::SK)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Collects items for one page: up to `limit`, up to the byte budget, and notices whether
/// anything follows (by seeing one item more than it keeps).
pub(super) struct PageCollector<T> {
    items: Vec<T>,
    bytes: usize,
    pub request: PageRequest,
    has_more: bool,
}

impl<T> PageCollector<T> {
    pub fn new(request: PageRequest) -> Self {
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
    pub fn offer(&mut self, item: T, bytes: usize) -> bool {
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

    pub fn finish(self) -> Page<T> {
        Page {
            items: self.items,
            has_more: self.has_more,
        }
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
