//! What a cancelled create transaction means, read from its cancellation reasons alone.

use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason};

use super::transact::Check;
use super::{Item, decode};
use crate::schema::{IdempotencyRecordRow, LAST_CHAT_ID, WRITE_ID};
use neptun_core::store::StoreError;

/// The codes DynamoDB puts in a cancellation reason.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";
const CONFLICT: &str = "TransactionConflict";
const THROTTLED: &[&str] = &["ThrottlingError", "ProvisionedThroughputExceeded"];

/// Where the actions of a create's transaction are: the condition checks at `0..checks.len()`,
/// the first put right after them, the idempotency record (if any) wherever it says.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout<'a> {
    pub checks: &'a [Check],
    /// The write id of the first put's row as this attempt writes it (drawn afresh for each
    /// attempt). Its cancellation returns the row at that put's key, so the key is the same.
    pub first_write_id: Option<&'a AttributeValue>,
    pub record: Option<RecordSlot<'a>>,
}

/// The idempotency record's action, and the fingerprint of our request.
#[derive(Debug, Clone, Copy)]
pub(super) struct RecordSlot<'a> {
    pub index: usize,
    pub fingerprint: &'a str,
}

impl Layout<'_> {
    fn first_put(&self) -> usize {
        self.checks.len()
    }

    fn is_record(&self, index: usize) -> bool {
        self.record.is_some_and(|record| record.index == index)
    }
}

/// How an attempt ended, when it did not fail the request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Committed,
    /// An earlier try of this very attempt committed; only its response was lost.
    OwnWriteFound,
    /// Another request holds these ids: draw again, above `floor` (the user's largest chat id,
    /// when the chat id guard refused this one).
    Collision {
        floor: Option<u64>,
    },
    /// The `Idempotency-Key` already produced this result.
    Replay {
        result_id: u64,
        created_at: u64,
    },
}

/// What a cancelled transaction means, when it did not fail the request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Cancellation {
    Ended(Outcome),
    /// Another transaction held one of the items: the same attempt may be sent again.
    /// `on_record`: the held item is our idempotency record, so most likely a request with
    /// the same key is committing right now.
    Conflict {
        on_record: bool,
    },
    /// DynamoDB throttled the transaction.
    Throttled,
}

impl Check {
    fn failure(self) -> StoreError {
        match self {
            Self::ChatExists => StoreError::ChatNotFound,
            Self::MessageExists => StoreError::MessageNotFound,
            Self::NotErased => StoreError::Erased,
        }
    }
}

/// Reads the cancellation `reasons` (one per action, in the order of `layout`). The most
/// telling reason wins: the key's record, then the checks, then our own or another's rows,
/// then conflicts and throttling.
pub(super) fn interpret(
    reasons: &[CancellationReason],
    layout: &Layout,
) -> Result<Cancellation, StoreError> {
    let code = |index: usize| reasons.get(index).and_then(CancellationReason::code);
    let returned = |index: usize| reasons.get(index).and_then(CancellationReason::item);
    let failed = |index: usize| code(index) == Some(CONDITION_FAILED);

    // An erased user's write is refused, whatever else failed (a recorded key included).
    let erased = layout
        .checks
        .iter()
        .position(|check| *check == Check::NotErased);
    if erased.is_some_and(failed) {
        return Err(StoreError::Erased);
    }
    // The key was used: same request -> its result; another request -> refuse.
    if let Some(record) = layout.record
        && failed(record.index)
    {
        let theirs: IdempotencyRecordRow = decode(
            returned(record.index)
                .ok_or(StoreError::Invariant("no idempotency record returned"))?
                .clone(),
        )?;
        return if theirs.fingerprint == record.fingerprint {
            Ok(Cancellation::Ended(Outcome::Replay {
                result_id: theirs
                    .result_id
                    .ok_or(StoreError::Invariant("a create's record without its ids"))?,
                created_at: theirs.created_at.unwrap_or_default(),
            }))
        } else {
            Err(StoreError::IdempotencyMismatch)
        };
    }
    if let Some(check) = layout
        .checks
        .iter()
        .enumerate()
        .find_map(|(index, check)| failed(index).then_some(*check))
    {
        return Err(check.failure());
    }
    let first_put = layout.first_put();
    let own_row = |row: &Item| {
        layout
            .first_write_id
            .is_some_and(|id| row.get(WRITE_ID) == Some(id))
    };
    if failed(first_put) && returned(first_put).is_some_and(own_row) {
        return Ok(Cancellation::Ended(Outcome::OwnWriteFound));
    }
    if (first_put..reasons.len()).any(|index| failed(index) && !layout.is_record(index)) {
        let floor = (first_put..reasons.len())
            .filter(|&index| failed(index))
            .filter_map(returned)
            .filter_map(|item| item.get(LAST_CHAT_ID))
            .filter_map(|id| id.as_n().ok()?.parse::<u64>().ok())
            .max();
        return Ok(Cancellation::Ended(Outcome::Collision { floor }));
    }
    if reasons.iter().any(|reason| reason.code() == Some(CONFLICT)) {
        return Ok(Cancellation::Conflict {
            on_record: layout
                .record
                .is_some_and(|record| code(record.index) == Some(CONFLICT)),
        });
    }
    if reasons
        .iter()
        .any(|reason| reason.code().is_some_and(|code| THROTTLED.contains(&code)))
    {
        return Ok(Cancellation::Throttled);
    }
    Err(StoreError::Invariant(
        "transaction cancelled for an unexpected reason",
    ))
}

#[cfg(test)]
mod tests;
