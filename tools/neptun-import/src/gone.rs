//! The import never undoes the API: a chat deleted, or a user erased, through the API while a
//! run is under way is not brought back, by that run or any later one.
//!
//! * A chat's rows are written in one transaction with checks that the chat has no
//!   `DELETED#<chat>` row (the API's delete of an imported chat leaves one) and that its user
//!   was not erased (`ERASED`). A refused chat is skipped, and
//!   so are its messages and files.
//! * A message or file row cannot carry such checks (they go in `BatchWriteItem`s). So before
//!   its id enters the ledger, its chat is checked again, after the row was acknowledged: a
//!   chat deleted or erased meanwhile gets a pending purge (`PURGES#<shard>`), at every check
//!   that finds rows written into it, and the purge (its sweep) empties the chat's partition;
//!   a purge that ran meanwhile removes only the record it read before it began. A delete that comes after the check finds the
//!   row there and purges it itself. A row skipped because its chat is gone gives the chat a
//!   pending purge too, which removes what a run killed before its check had written.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use neptun_core::ids::{ChatId, UserId};
use neptun_dynamo::schema::{self, ChatScope, PendingPurgeRow};

use super::plan::Item;
use super::storage::{self, StorageError, backoff, retrying};
use super::transact::item_of;

/// A chat of the source: its user and its id.
pub type SourceChatKey = (u64, u64);

/// Keys per `BatchGetItem` (DynamoDB's limit).
const KEYS_PER_CALL: usize = 100;
/// Rounds with keys still unprocessed before the import gives up.
const MAX_ROUNDS: u32 = 20;

/// The rows whose presence means the API deleted the chat or erased its user: each must be
/// absent for the import to write the chat.
pub fn guard_keys((user, chat): SourceChatKey) -> [(String, String); 2] {
    let user_id = UserId(user);
    [
        (
            schema::user_pk(user_id),
            schema::deleted_chat_sk(ChatId(chat)),
        ),
        (schema::user_pk(user_id), schema::ERASED_SK.to_owned()),
    ]
}

/// The chats of `chats` that the API deleted, or whose user it erased.
pub async fn gone(
    client: &Client,
    table: &str,
    chats: &BTreeSet<SourceChatKey>,
) -> Result<BTreeSet<SourceChatKey>, StorageError> {
    let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
    for &chat in chats {
        wanted.extend(guard_keys(chat));
    }
    let wanted: Vec<(String, String)> = wanted.into_iter().collect();
    let mut present = BTreeSet::new();
    for keys in wanted.chunks(KEYS_PER_CALL) {
        present.extend(present_keys(client, table, keys).await?);
    }
    Ok(chats
        .iter()
        .copied()
        .filter(|&chat| guard_keys(chat).iter().any(|key| present.contains(key)))
        .collect())
}

/// Which of `keys` exist, read consistently.
async fn present_keys(
    client: &Client,
    table: &str,
    keys: &[(String, String)],
) -> Result<Vec<(String, String)>, StorageError> {
    let key_item = |(pk, sk): &(String, String)| -> Item {
        HashMap::from([
            (schema::PK.to_owned(), AttributeValue::S(pk.clone())),
            (schema::SK.to_owned(), AttributeValue::S(sk.clone())),
        ])
    };
    let mut pending: Vec<Item> = keys.iter().map(key_item).collect();
    let mut present = Vec::new();
    let mut rounds = 0;
    while !pending.is_empty() {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(pending.clone()))
            .consistent_read(true)
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#sk", schema::SK)
            .build()
            .map_err(storage::request_error("BatchGetItem (build)"))?;
        let output = retrying("BatchGetItem (deleted chats)", || {
            client
                .batch_get_item()
                .request_items(table, request.clone())
                .send()
        })
        .await?;
        for item in output
            .responses
            .and_then(|mut r| r.remove(table))
            .unwrap_or_default()
        {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            if let (Some(pk), Some(sk)) = (text(schema::PK), text(schema::SK)) {
                present.push((pk, sk));
            }
        }
        pending = output
            .unprocessed_keys
            .and_then(|mut unprocessed| unprocessed.remove(table))
            .map(|keys| keys.keys)
            .unwrap_or_default();
        if !pending.is_empty() {
            rounds += 1;
            if rounds > MAX_ROUNDS {
                return Err(StorageError::Unprocessed { rounds });
            }
            tokio::time::sleep(backoff(rounds)).await;
        }
    }
    Ok(present)
}

/// Gives each chat's partition to the purge, which empties it (the chat has no `META`).
pub async fn purge_later(
    client: &Client,
    table: &str,
    chats: impl IntoIterator<Item = SourceChatKey>,
    now_ms: u64,
) -> Result<(), StorageError> {
    for (user, chat) in chats {
        let scope = ChatScope {
            user_id: UserId(user),
            chat_id: ChatId(chat),
        };
        let row = item_of(&PendingPurgeRow::new(scope, now_ms))?;
        storage::put_record(client, table, row).await?;
    }
    Ok(())
}
