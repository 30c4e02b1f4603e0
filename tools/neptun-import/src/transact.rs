//! The import's own transactions: a project link or a share, written with the chat's rows
//! and the import's record of it, all or nothing, each row conditioned on what was read.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use neptun_dynamo::schema::{self, ChatRow};

use super::plan::Item;
use super::storage::{StorageError, backoff, request_error, retrying};

/// What a row must be for the transaction to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Anything,
    Absent,
    Present,
    /// Still the row of this write (`w`).
    Written(u64),
}

/// Rounds a transaction meets another one's before the import gives up on it.
const CONFLICT_ROUNDS: u32 = 5;

pub struct Transaction {
    table: String,
    actions: Vec<TransactWriteItem>,
}

impl Transaction {
    pub fn new(table: &str) -> Self {
        Self {
            table: table.to_owned(),
            actions: Vec::new(),
        }
    }

    pub fn put(&mut self, item: Item, expect: Expect) -> Result<&mut Self, StorageError> {
        let (condition, names, values) = condition_of(expect);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(request_error("TransactWriteItems (build a put)"))?;
        self.actions
            .push(TransactWriteItem::builder().put(put).build());
        Ok(self)
    }

    /// The row must not exist (nothing is written to it).
    pub fn check_absent(&mut self, pk: String, sk: String) -> Result<&mut Self, StorageError> {
        let (condition, names, values) = condition_of(Expect::Absent);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(schema::PK, AttributeValue::S(pk))
            .key(schema::SK, AttributeValue::S(sk))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(request_error("TransactWriteItems (build a check)"))?;
        self.actions
            .push(TransactWriteItem::builder().condition_check(check).build());
        Ok(self)
    }

    pub fn delete(
        &mut self,
        pk: String,
        sk: String,
        expect: Expect,
    ) -> Result<&mut Self, StorageError> {
        let (condition, names, values) = condition_of(expect);
        let delete = Delete::builder()
            .table_name(&self.table)
            .key(schema::PK, AttributeValue::S(pk))
            .key(schema::SK, AttributeValue::S(sk))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(request_error("TransactWriteItems (build a delete)"))?;
        self.actions
            .push(TransactWriteItem::builder().delete(delete).build());
        Ok(self)
    }

    /// The chat's rows as `next`: its list row still `current`'s write, its marker present,
    /// its project's row (if any) as it is.
    pub fn rewrite_chat(
        &mut self,
        current: &ChatRow,
        next: &ChatRow,
    ) -> Result<&mut Self, StorageError> {
        self.put(item_of(next)?, Expect::Written(current.write_id))?;
        self.put(item_of(&next.marker())?, Expect::Present)?;
        if let Some(listed) = next.in_project() {
            self.put(item_of(&listed)?, Expect::Anything)?;
        }
        Ok(self)
    }

    /// Sends it: `true` when it applied, `false` when a row was not as expected.
    pub async fn send(self, client: &Client) -> Result<bool, StorageError> {
        let mut rounds = 0;
        loop {
            // One token for the call and its retries: a retry after a lost answer is the same
            // call to DynamoDB, which answers success instead of failing on its conditions.
            let token = neptun_core::ids::random_uuid();
            let sent = retrying("TransactWriteItems", || {
                client
                    .transact_write_items()
                    .set_transact_items(Some(self.actions.clone()))
                    .client_request_token(token.clone())
                    .send()
            })
            .await;
            let Err(StorageError::Request { operation, source }) = sent else {
                return sent.map(|_| true);
            };
            let reasons = source
                .downcast_ref::<aws_sdk_dynamodb::error::SdkError<
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
                    aws_sdk_dynamodb::config::http::HttpResponse,
                >>()
                .and_then(|error| error.as_service_error())
                .and_then(|error| match error {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                        Some(cancelled.cancellation_reasons().to_vec())
                    }
                    _ => None,
                });
            let Some(reasons) = reasons else {
                return Err(StorageError::Request { operation, source });
            };
            let code = |wanted: &str| reasons.iter().any(|reason| reason.code() == Some(wanted));
            if code("ConditionalCheckFailed") {
                return Ok(false);
            }
            rounds += 1;
            if !code("TransactionConflict") || rounds >= CONFLICT_ROUNDS {
                return Err(StorageError::Request { operation, source });
            }
            tokio::time::sleep(backoff(rounds)).await;
        }
    }
}

type Condition = (
    Option<String>,
    Option<std::collections::HashMap<String, String>>,
    Option<std::collections::HashMap<String, AttributeValue>>,
);

fn condition_of(expect: Expect) -> Condition {
    let names = |pairs: &[(&str, &str)]| {
        Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    };
    match expect {
        Expect::Anything => (None, None, None),
        Expect::Absent => (
            Some("attribute_not_exists(#pk)".into()),
            names(&[("#pk", schema::PK)]),
            None,
        ),
        Expect::Present => (
            Some("attribute_exists(#pk)".into()),
            names(&[("#pk", schema::PK)]),
            None,
        ),
        Expect::Written(write_id) => (
            Some("#w = :w".into()),
            names(&[("#w", schema::WRITE_ID)]),
            Some(
                [(":w".to_owned(), AttributeValue::N(write_id.to_string()))]
                    .into_iter()
                    .collect(),
            ),
        ),
    }
}

pub fn item_of<T: serde::Serialize>(row: &T) -> Result<Item, StorageError> {
    schema::to_attribute_map(row).map_err(|source| StorageError::Decode {
        what: "row to write",
        source,
    })
}
