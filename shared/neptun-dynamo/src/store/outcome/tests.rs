//! Every way a create's transaction can be cancelled, without a server.

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::ids::UserId;

use super::*;
use crate::schema::{self, IdempotencyRecordRow};
use crate::store::to_item;

const OURS: &str = "our fingerprint";

fn row(write_id: u64) -> Item {
    Item::from([
        (
            schema::PK.to_owned(),
            AttributeValue::S("USER#1#CHAT#2".into()),
        ),
        (
            schema::SK.to_owned(),
            AttributeValue::S(schema::message_chunk_sk(4096)),
        ),
        (
            schema::WRITE_ID.to_owned(),
            AttributeValue::N(write_id.to_string()),
        ),
    ])
}

fn record(fingerprint: &str) -> Item {
    to_item(&IdempotencyRecordRow {
        pk: schema::user_pk(UserId(1)),
        sk: schema::idempotency_sk("hash"),
        fingerprint: fingerprint.to_owned(),
        result_id: Some(4096),
        created_at: Some(1_795_288_364_006),
        response: None,
        expires_at: 1_795_374_764,
    })
    .expect("a record encodes")
}

/// A reason: its code, and the item DynamoDB returned with it.
fn reason(code: &str, item: Option<Item>) -> CancellationReason {
    CancellationReason::builder()
        .code(code)
        .set_item(item)
        .build()
}

fn none() -> CancellationReason {
    reason("None", None)
}

fn failed(item: Option<Item>) -> CancellationReason {
    reason(CONDITION_FAILED, item)
}

/// Which transaction the reasons are for.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A chat: two puts, no checks.
    Chat,
    /// Messages: the chat check, two puts.
    Messages,
    /// Messages with a key: the chat check, two puts, the record at 3.
    MessagesWithKey,
    /// Files: chat and message checks, one put.
    Files,
}

#[derive(Debug)]
enum Expected {
    Cancellation(Cancellation),
    /// The name of the [`StoreError`] variant.
    Error(&'static str),
}

#[test]
fn cancellation_reasons_are_read_by_the_layout() {
    use Cancellation::{Conflict, Ended, Throttled};
    use Expected::{Cancellation as Is, Error};
    use Outcome::{Collision, OwnWriteFound, Replay};
    use Shape::*;
    let ours = || Some(row(7));
    let theirs = || Some(row(8));
    let conflict = || reason(CONFLICT, None);
    let cases: Vec<(&str, Shape, Vec<CancellationReason>, Expected)> = vec![
        (
            "chat missing",
            Messages,
            vec![failed(None), none(), none()],
            Error("ChatNotFound"),
        ),
        (
            "message missing",
            Files,
            vec![none(), failed(None), none()],
            Error("MessageNotFound"),
        ),
        (
            "chat and message missing: the chat is named",
            Files,
            vec![failed(None), failed(None), none()],
            Error("ChatNotFound"),
        ),
        (
            "collision on the first put",
            Messages,
            vec![none(), failed(theirs()), none()],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "collision on a later put",
            Messages,
            vec![none(), none(), failed(theirs())],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "collision without the row returned",
            Chat,
            vec![failed(None), none()],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "collision of a chat id on its listing row",
            Chat,
            vec![failed(Some(row(9))), failed(None)],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "lost response: the first put found our own row",
            Messages,
            vec![none(), failed(ours()), failed(None)],
            Is(Ended(OwnWriteFound)),
        ),
        (
            "lost response of a chat",
            Chat,
            vec![failed(ours()), failed(None)],
            Is(Ended(OwnWriteFound)),
        ),
        (
            "our row on a later put is not the first put's row: collision",
            Messages,
            vec![none(), none(), failed(ours())],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "idempotent replay",
            MessagesWithKey,
            vec![none(), none(), none(), failed(Some(record(OURS)))],
            Is(Ended(Replay {
                result_id: 4096,
                created_at: 1_795_288_364_006,
            })),
        ),
        (
            "lost response with a key: our record answers",
            MessagesWithKey,
            vec![
                none(),
                failed(ours()),
                failed(None),
                failed(Some(record(OURS))),
            ],
            Is(Ended(Replay {
                result_id: 4096,
                created_at: 1_795_288_364_006,
            })),
        ),
        (
            "the key's result wins over a chat deleted since",
            MessagesWithKey,
            vec![failed(None), none(), none(), failed(Some(record(OURS)))],
            Is(Ended(Replay {
                result_id: 4096,
                created_at: 1_795_288_364_006,
            })),
        ),
        (
            "idempotency mismatch",
            MessagesWithKey,
            vec![none(), none(), none(), failed(Some(record("another")))],
            Error("IdempotencyMismatch"),
        ),
        (
            "record refused without the record returned",
            MessagesWithKey,
            vec![none(), none(), none(), failed(None)],
            Error("Invariant"),
        ),
        (
            "record refused with an undecodable record",
            MessagesWithKey,
            vec![none(), none(), none(), failed(ours())],
            Error("Decode"),
        ),
        (
            "collision with a key",
            MessagesWithKey,
            vec![none(), failed(theirs()), none(), none()],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "conflict without a record",
            Messages,
            vec![conflict(), none(), none()],
            Is(Conflict { on_record: false }),
        ),
        (
            "conflict on the chat check of a request with a key",
            MessagesWithKey,
            vec![conflict(), none(), none(), none()],
            Is(Conflict { on_record: false }),
        ),
        (
            "conflict on the key's record",
            MessagesWithKey,
            vec![none(), none(), none(), conflict()],
            Is(Conflict { on_record: true }),
        ),
        (
            "conflict on the record and the check",
            MessagesWithKey,
            vec![conflict(), none(), none(), conflict()],
            Is(Conflict { on_record: true }),
        ),
        (
            "a collision needs fresh ids, whatever else conflicts",
            Messages,
            vec![conflict(), failed(theirs()), none()],
            Is(Ended(Collision { floor: None })),
        ),
        (
            "a missing chat wins over a conflict",
            Messages,
            vec![failed(None), conflict(), none()],
            Error("ChatNotFound"),
        ),
        (
            "throttling",
            Messages,
            vec![reason("ThrottlingError", None), none(), none()],
            Is(Throttled),
        ),
        (
            "provisioned throughput exceeded",
            Files,
            vec![
                none(),
                none(),
                reason("ProvisionedThroughputExceeded", None),
            ],
            Is(Throttled),
        ),
        (
            "a conflict is retried before throttling is reported",
            Messages,
            vec![reason("ThrottlingError", None), conflict(), none()],
            Is(Conflict { on_record: false }),
        ),
        (
            "unknown code",
            Messages,
            vec![reason("ValidationError", None), none(), none()],
            Error("Invariant"),
        ),
        (
            "no reason at all",
            Messages,
            vec![none(), none(), none()],
            Error("Invariant"),
        ),
        ("no reasons returned", Chat, vec![], Error("Invariant")),
    ];
    let own_write_id = AttributeValue::N("7".into());
    for (name, shape, reasons, expected) in cases {
        let (checks, record): (&[Check], _) = match shape {
            Chat => (&[], None),
            Messages => (&[Check::ChatExists], None),
            MessagesWithKey => (
                &[Check::ChatExists],
                Some(RecordSlot {
                    index: 3,
                    fingerprint: OURS,
                }),
            ),
            Files => (&[Check::ChatExists, Check::MessageExists], None),
        };
        let layout = Layout {
            checks,
            first_write_id: Some(&own_write_id),
            record,
        };
        let actual = interpret(&reasons, &layout);
        match (&expected, &actual) {
            (Expected::Cancellation(want), Ok(got)) if want == got => {}
            (Expected::Error(want), Err(got)) if *want == got.name() => {}
            _ => panic!("{name}: expected {expected:?}, got {actual:?}"),
        }
    }
}
