//! The actions of a create's `TransactWriteItems`: condition checks first, then the puts of
//! the rows, then the idempotency record.

use neptun_core::ids::{ChatId, MessageId, UserId};
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::Serialize;

use super::build_error;
use super::outcome::{Layout, RecordSlot};
use super::{DynamoStore, Item, to_item};
use crate::schema;
use neptun_core::ids;
use neptun_core::store::StoreError;

/// A condition check that leads a create's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    ChatExists,
    MessageExists,
    /// The user was not erased.
    NotErased,
}

/// One create's transaction for one draw of ids, without its idempotency record.
pub(super) struct Plan {
    pub checks: Vec<(Check, TransactWriteItem)>,
    pub puts: Vec<TransactWriteItem>,
    /// The first put's key and write id, to recognise its row if an earlier try of this very
    /// attempt committed and only its response was lost (the SDK then retries into our own
    /// condition): a write id is drawn afresh for each attempt.
    pub first_row: Item,
}

/// A plan with its record, in the order it is sent.
pub(super) struct Transaction {
    pub actions: Vec<TransactWriteItem>,
    checks: Vec<Check>,
    first_row: Item,
    record_index: Option<usize>,
}

impl Plan {
    pub fn with_record(self, record: Option<TransactWriteItem>) -> Transaction {
        let checks = self.checks.iter().map(|(check, _)| *check).collect();
        let mut actions: Vec<TransactWriteItem> =
            self.checks.into_iter().map(|(_, action)| action).collect();
        actions.extend(self.puts);
        let record_index = record.map(|record| {
            actions.push(record);
            actions.len() - 1
        });
        Transaction {
            actions,
            checks,
            first_row: self.first_row,
            record_index,
        }
    }
}

impl Transaction {
    /// Where what is, for reading the reasons of a cancellation; `fingerprint` is our
    /// request's, and only counts when the transaction writes a record.
    pub fn layout<'a>(&'a self, fingerprint: Option<&'a str>) -> Layout<'a> {
        Layout {
            checks: &self.checks,
            first_row: &self.first_row,
            record: self
                .record_index
                .zip(fingerprint)
                .map(|(index, fingerprint)| RecordSlot { index, fingerprint }),
        }
    }
}

impl DynamoStore {
    pub(crate) fn key(pk: String, sk: String) -> Item {
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
            .condition_expression(schema::ROW_ABSENT)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The puts of `rows`, and the first row's key and write id.
    pub(super) fn puts<T: Serialize>(
        &self,
        rows: &[T],
    ) -> Result<(Vec<TransactWriteItem>, Item), StoreError> {
        let items = rows.iter().map(to_item).collect::<Result<Vec<_>, _>>()?;
        self.puts_of(items)
    }

    /// The puts of `row` and of its copies under `keys` (`PK`, `SK`), and the row's key and
    /// write id: serialized once, each copy a clone with its own key.
    pub(super) fn puts_with_copies<T: Serialize>(
        &self,
        row: &T,
        keys: Vec<(String, String)>,
    ) -> Result<(Vec<TransactWriteItem>, Item), StoreError> {
        let item = to_item(row)?;
        let copies: Vec<Item> = keys
            .into_iter()
            .map(|(pk, sk)| {
                let mut copy = item.clone();
                copy.insert(schema::PK.to_owned(), AttributeValue::S(pk));
                copy.insert(schema::SK.to_owned(), AttributeValue::S(sk));
                copy
            })
            .collect();
        self.puts_of(std::iter::once(item).chain(copies).collect())
    }

    fn puts_of(&self, items: Vec<Item>) -> Result<(Vec<TransactWriteItem>, Item), StoreError> {
        // Not the whole row: a message chunk's can be hundreds of kilobytes.
        let first_row = items.first().map_or_else(Item::new, |item| {
            [schema::PK, schema::SK, schema::WRITE_ID]
                .into_iter()
                .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
                .collect()
        });
        let mut puts = Vec::with_capacity(items.len() + 1);
        for item in items {
            puts.push(self.put_new(item)?);
        }
        Ok((puts, first_row))
    }

    /// The user's [`schema::LastChatRow`] set to `chat_id`, on the condition that it holds a
    /// smaller id: a user's chat ids only grow. If it does not, the failed condition returns it
    /// (a create reads the id to draw above from the cancellation).
    pub(super) fn last_chat_put(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<TransactWriteItem, StoreError> {
        let row = schema::LastChatRow {
            pk: schema::last_chat_pk(user_id),
            sk: schema::LAST_CHAT_SK.to_owned(),
            last_chat_id: chat_id.get(),
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&row)?))
            .condition_expression("attribute_not_exists(#pk) OR #last < :id")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#last", schema::LAST_CHAT_ID)
            .expression_attribute_values(":id", AttributeValue::N(chat_id.get().to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub(super) fn not_erased(
        &self,
        user_id: UserId,
    ) -> Result<(Check, TransactWriteItem), StoreError> {
        Ok((Check::NotErased, self.not_erased_check(user_id)?))
    }

    pub(super) fn chat_exists_check(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<(Check, TransactWriteItem), StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::chat_pk(user_id, chat_id),
                schema::CHAT_META_SK.to_owned(),
            )))
            .condition_expression(schema::ROW_EXISTS)
            .build()
            .map_err(build_error)?;
        Ok((
            Check::ChatExists,
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }

    /// Message `message_id` exists in the chat: its chunk row exists and holds its slot.
    pub(super) fn message_exists_check(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        message_id: MessageId,
    ) -> Result<(Check, TransactWriteItem), StoreError> {
        let message_id = message_id.get();
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
            .map_err(build_error)?;
        Ok((
            Check::MessageExists,
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }
}
