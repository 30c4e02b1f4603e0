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

/// One create's transaction for one draw of ids, without its idempotency record. Its actions
/// are kept as checks and puts, a quarter of a `TransactWriteItem`'s size each: a move copies
/// them whole, and each becomes an action once, in its place in the transaction.
pub(super) struct Plan {
    pub checks: Vec<(Check, ConditionCheck)>,
    pub puts: Vec<Put>,
    /// The first put's write id, to recognise its row if an earlier try of this very attempt
    /// committed and only its response was lost (the SDK then retries into our own
    /// condition): a write id is drawn afresh for each attempt.
    pub first_write_id: Option<AttributeValue>,
}

/// A plan with its last check and its record, in the order it is sent.
pub(super) struct Transaction {
    pub actions: Vec<TransactWriteItem>,
    checks: Vec<Check>,
    first_write_id: Option<AttributeValue>,
    record_index: Option<usize>,
}

impl Plan {
    /// The transaction: the plan's checks and `last_check`, its puts, then `record`. Each
    /// action is moved once, into a list of its final size.
    pub fn with_record(
        self,
        last_check: (Check, ConditionCheck),
        record: Option<TransactWriteItem>,
    ) -> Transaction {
        let check_count = self.checks.len() + 1;
        let mut checks = Vec::with_capacity(check_count);
        checks.extend(self.checks.iter().map(|(check, _)| *check));
        checks.push(last_check.0);
        let mut actions =
            Vec::with_capacity(check_count + self.puts.len() + usize::from(record.is_some()));
        actions.extend(
            self.checks
                .into_iter()
                .chain([last_check])
                .map(|(_, check)| TransactWriteItem::builder().condition_check(check).build()),
        );
        actions.extend(
            self.puts
                .into_iter()
                .map(|put| TransactWriteItem::builder().put(put).build()),
        );
        let record_index = record.map(|record| {
            actions.push(record);
            actions.len() - 1
        });
        Transaction {
            actions,
            checks,
            first_write_id: self.first_write_id,
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
            first_write_id: self.first_write_id.as_ref(),
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
    fn put_new(&self, item: Item) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(schema::ROW_ABSENT)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)
    }

    /// The puts of `rows`, and the first row's write id.
    pub(super) fn puts<T: Serialize>(
        &self,
        rows: &[T],
    ) -> Result<(Vec<Put>, Option<AttributeValue>), StoreError> {
        let items = rows.iter().map(to_item).collect::<Result<Vec<_>, _>>()?;
        self.puts_of(items)
    }

    /// The puts of `row` and of its copies under `keys` (`PK`, `SK`), and the row's write
    /// id: serialized once, each copy a clone with its own key.
    pub(super) fn puts_with_copies<T: Serialize>(
        &self,
        row: &T,
        keys: Vec<(String, String)>,
    ) -> Result<(Vec<Put>, Option<AttributeValue>), StoreError> {
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

    fn puts_of(&self, items: Vec<Item>) -> Result<(Vec<Put>, Option<AttributeValue>), StoreError> {
        let first_write_id = items
            .first()
            .and_then(|item| item.get(schema::WRITE_ID))
            .cloned();
        let mut puts = Vec::with_capacity(items.len() + 1);
        for item in items {
            puts.push(self.put_new(item)?);
        }
        Ok((puts, first_write_id))
    }

    /// The user's [`schema::LastChatRow`] set to `chat_id`, on the condition that it holds a
    /// smaller id: a user's chat ids only grow. If it does not, the failed condition returns it
    /// (a create reads the id to draw above from the cancellation).
    pub(super) fn last_chat_put(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<Put, StoreError> {
        let row = schema::LastChatRow {
            pk: schema::last_chat_pk(user_id),
            sk: schema::LAST_CHAT_SK.to_owned(),
            last_chat_id: chat_id.get(),
        };
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&row)?))
            .condition_expression("attribute_not_exists(#pk) OR #last < :id")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#last", schema::LAST_CHAT_ID)
            .expression_attribute_values(":id", AttributeValue::N(chat_id.get().to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)
    }

    pub(super) fn chat_exists_check(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<(Check, ConditionCheck), StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::chat_pk(user_id, chat_id),
                schema::CHAT_META_SK.to_owned(),
            )))
            .condition_expression(schema::ROW_EXISTS)
            .build()
            .map_err(build_error)?;
        Ok((Check::ChatExists, check))
    }

    /// Message `message_id` exists in the chat: its chunk row exists and holds its slot.
    pub(super) fn message_exists_check(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        message_id: MessageId,
    ) -> Result<(Check, ConditionCheck), StoreError> {
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
        Ok((Check::MessageExists, check))
    }
}
