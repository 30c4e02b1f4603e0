//! The single-table layout. Every key prefix and attribute name lives here.
//!
//! | partition (`PK`)           | sort key (`SK`)        | row                                   |
//! |----------------------------|------------------------|---------------------------------------|
//! | `USER#<user>`              | `CHAT#<chat:016>`      | a chat, for listing a user's chats    |
//! | `USER#<user>`              | `ERASED`               | the user was erased: for ever         |
//! | `USER#<user>`              | `IDEMPOTENCY#<key>`    | an `Idempotency-Key`'s record         |
//! | `USER#<user>#PROJECT#<p>`  | `CHAT#<chat:016>`      | a chat again, for listing a project's |
//! | `USER#<user>#CHAT#<chat>`  | `FILE#<chunk:016>`     | up to 512 files of one create request |
//! | `USER#<user>#CHAT#<chat>`  | `META`                 | the chat again: the existence marker  |
//! | `USER#<user>#CHAT#<chat>`  | `MSG#<chunk:016>`      | up to 512 messages of one request     |
//! | `SHARE#<uuid>`             | `ATTEMPTS#<min:012>`   | failed passwords of a minute (TTL)    |
//! | `SHARE#<uuid>`             | `SHARE`                | a chat's share, found by its uuid     |
//! | `USER#<user>`              | `DELETED#<chat:016>`   | an imported chat deleted: no import   |
//! |                            |                        | brings it back                        |
//! | `ERASURES`                 | `USER#<user>`          | when the user's chats were erased     |
//!
//! A chat is one row per list it is in (the user's, and its project's if it has one) plus its
//! `META`, all written in one transaction with every change, so each list shows it exactly when
//! it is in it.
//! A chat's messages and files share its partition. `META` sorts between the file rows and the
//! message rows, so both list queries (`FILE#..META` and `META..MSG#~`) include the marker and
//! tell "no items" from "no chat" with the same single `Query`.
//!
//! Items are packed into chunk rows (see [`crate::ids`]): one create request writes one row per
//! 512 items (fewer when texts are large), so any batch within the 3 MiB body limit fits the 100
//! actions and 4 MB of one `TransactWriteItems`, and every item is still addressed by its id
//! alone.
//! Items imported from the web app's database (ids below [`ids::FIRST_API_ID`]) are alone in
//! their rows (`neptun-import` writes them), so they sort before the API's.
//!
//! A share's partition sorts its counts of failed attempts (`ATTEMPTS#<minute>`) before the
//! share (`SHARE`), so the public read gets the share and the current minute's count with one
//! `Query` from `ATTEMPTS#<now>` to `SHARE`, however many older counts TTL has not removed yet.
//!
//! - this file: key prefixes, attribute names and sort-key ranges;
//! - [`rows`]: the rows, decoded and encoded with `serde_dynamo`, and the models they become;
//! - [`packing`]: a batch's items packed into chunk rows;
//! - [`shares`]: the rows of a share's partition.

mod packing;
mod rows;
mod shares;

pub use packing::{BatchTooLarge, CHUNK_BYTE_BUDGET, file_bytes, message_bytes, pack};
pub use rows::{
    ChatListRow, ChatRow, ChatScope, DeletedChatRow, ErasedRow, ErasureRow, FileChunkRow,
    IdempotencyRecordRow, LastChatRow, MessageChunkRow, PendingPurgeRow, StoredFile, StoredMessage,
};
pub use shares::{AttemptsRow, ListedEmailRow, ShareRow};

use neptun_core::ids::{ChatId, ProjectId, UserId};
use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::ids;
use neptun_core::model::ChatList;
use serde::Serialize;

pub const PK: &str = "PK";
/// Whether a row exists. `PK` is no DynamoDB reserved word, so the conditions name it
/// directly, without an expression attribute name (a map built and sent with every request).
pub const ROW_EXISTS: &str = "attribute_exists(PK)";
pub const ROW_ABSENT: &str = "attribute_not_exists(PK)";
/// A query's key condition: the partition `:pk`, sort keys from `:from` to `:to`. `SK` is no
/// reserved word either.
pub const RANGE_CONDITION: &str = "PK = :pk AND SK BETWEEN :from AND :to";
pub const SK: &str = "SK";
/// When a pending purge was recorded ([`PendingPurgeRow::deleted_at`]).
pub const DELETED_AT: &str = "deleted_at";
/// Number of items in a chunk row; an item exists iff its slot is below it.
pub const ITEM_COUNT: &str = "n";
/// Epoch seconds after which DynamoDB's TTL may delete the row (idempotency records).
pub const EXPIRES_AT: &str = "expires_at";
/// Random id of the write attempt that stored a row: a retried attempt recognises its own rows.
pub const WRITE_ID: &str = "w";

/// Attributes that updates and filters name (the rows below serialize their fields so).
pub const NAME: &str = "name";
pub const MODEL: &str = "model";
pub const UPDATED_AT: &str = "updated_at";
pub const ITEMS: &str = "items";
pub const MESSAGE_ID: &str = "message_id";

/// The attributes of a chat row that a chat list reads ([`ChatListRow`]); `name` is a DynamoDB
/// reserved word, named through a placeholder.
pub const CHAT_LIST_PROJECTION: Projection = Projection {
    expression: "id, #name, model, project_id, created_at, updated_at",
    names: &[("#name", NAME)],
};

/// A `ProjectionExpression` and its expression attribute names.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    pub expression: &'static str,
    pub names: &'static [(&'static str, &'static str)],
}

pub const CHAT_META_SK: &str = "META";
/// The user's row that says the user was erased: every later write for the user is refused.
pub const ERASED_SK: &str = "ERASED";
/// `USER#<user>#LAST_CHAT` / `LAST_CHAT`: the largest chat id the API drew for the user, so that
/// the next one is larger (`shared/neptun-core/src/ids.rs`, `chat_id`). A partition of its own:
/// the user's partition holds the user's chat list and nothing a create must touch.
pub const LAST_CHAT_SK: &str = "LAST_CHAT";
/// The attribute of [`LAST_CHAT_SK`] that holds the id.
pub const LAST_CHAT_ID: &str = "last_chat_id";
/// `PK` and `SK` of the row the Init warm-up reads: it never exists.
pub const WARM_UP_KEY: &str = "#warm-up";
const CHAT_PREFIX: &str = "CHAT#";
const MESSAGE_PREFIX: &str = "MSG#";
const FILE_PREFIX: &str = "FILE#";
const IDEMPOTENCY_PREFIX: &str = "IDEMPOTENCY#";
const DELETED_CHAT_PREFIX: &str = "DELETED#";
const ERASURES_PK: &str = "ERASURES";
const PENDING_PURGES_PREFIX: &str = "PURGES#";
/// Partitions the pending purges are spread over, so that an erasure's thousands of records
/// never crowd one partition.
pub const PENDING_PURGE_SHARDS: u64 = 16;
/// The share's row in its partition.
pub const SHARE_SK: &str = "SHARE";
const SHARE_PREFIX: &str = "SHARE#";
const ATTEMPTS_PREFIX: &str = "ATTEMPTS#";
/// Sorts after every `MSG#<digits>` key.
const MESSAGE_RANGE_END: &str = "MSG#~";

/// A key of words and ids, written piece by piece rather than formatted: every request
/// builds a few.
struct Key(String);

impl Key {
    fn new(word: &str) -> Self {
        let mut key = String::with_capacity(64);
        key.push_str(word);
        Self(key)
    }

    fn word(mut self, word: &str) -> Self {
        self.0.push_str(word);
        self
    }

    fn id(mut self, id: u64) -> Self {
        self.0.push_str(itoa::Buffer::new().format(id));
        self
    }

    /// `id` with leading zeros to `width` digits, so that keys sort as their ids do.
    fn padded(mut self, id: u64, width: usize) -> Self {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(id);
        self.0
            .extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
        self.0.push_str(digits);
        self
    }
}

pub fn user_pk(user_id: UserId) -> String {
    Key::new("USER#").id(user_id.get()).0
}

/// The partition of the user's largest chat id.
pub fn last_chat_pk(user_id: UserId) -> String {
    Key::new("USER#").id(user_id.get()).word("#LAST_CHAT").0
}

/// The partition of a project's chat list.
pub fn project_pk(user_id: UserId, project_id: ProjectId) -> String {
    Key::new("USER#")
        .id(user_id.get())
        .word("#PROJECT#")
        .id(project_id.get())
        .0
}

/// `USER#<user>` / `DELETED#<chat>`: an imported chat deleted through the API, which no import
/// brings back ([`DeletedChatRow`]).
pub fn deleted_chat_sk(chat_id: ChatId) -> String {
    Key::new(DELETED_CHAT_PREFIX).padded(chat_id.get(), 16).0
}

/// The partition of the erasure records (the import never brings an erased user's chats back).
pub fn erasures_pk() -> String {
    ERASURES_PK.to_owned()
}

pub fn erasure_sk(user_id: UserId) -> String {
    user_pk(user_id)
}

/// The partition of the pending purge of the chat whose partition is `chat_pk`: one of
/// [`PENDING_PURGE_SHARDS`], by the chat id.
pub fn pending_purge_pk(scope: ChatScope) -> String {
    pending_purge_shard_pk(scope.chat_id.get() % PENDING_PURGE_SHARDS)
}

/// The partition of an erased user's pending removal: one of [`PENDING_PURGE_SHARDS`], by the
/// user id.
pub fn pending_erasure_pk(user_id: UserId) -> String {
    pending_purge_shard_pk(user_id.get() % PENDING_PURGE_SHARDS)
}

/// The user of partition key `USER#<user>` (and of nothing longer).
pub fn parse_user_pk(pk: &str) -> Option<UserId> {
    let user = UserId(pk.strip_prefix("USER#")?.parse().ok()?);
    (user_pk(user) == pk).then_some(user)
}

/// The partition of pending purge shard `shard`.
pub fn pending_purge_shard_pk(shard: u64) -> String {
    Key::new(PENDING_PURGES_PREFIX).padded(shard, 2).0
}

/// The partition of a list of the user's chats.
pub fn chat_list_pk(user_id: UserId, list: ChatList) -> String {
    match list {
        ChatList::All => user_pk(user_id),
        ChatList::Project(project) => project_pk(user_id, project),
    }
}

pub fn chat_pk(user_id: UserId, chat_id: ChatId) -> String {
    Key::new("USER#")
        .id(user_id.get())
        .word("#CHAT#")
        .id(chat_id.get())
        .0
}

/// The chat whose partition `pk` is: exactly what [`chat_pk`] writes, so that a user's own
/// partition (`USER#<user>`) or a key spelled another way (`USER#01#CHAT#2`) is none.
pub fn parse_chat_pk(pk: &str) -> Option<ChatScope> {
    let (user, chat) = pk.strip_prefix("USER#")?.split_once("#CHAT#")?;
    let scope = ChatScope {
        user_id: UserId(user.parse().ok()?),
        chat_id: ChatId(chat.parse().ok()?),
    };
    (chat_pk(scope.user_id, scope.chat_id) == pk).then_some(scope)
}

/// The partition of a share and its counts of failed password attempts.
pub fn share_pk(uuid: &str) -> String {
    [SHARE_PREFIX, uuid].concat()
}

/// The count of failed password attempts in `minute` (Unix seconds / 60).
pub fn attempts_sk(minute: u64) -> String {
    Key::new(ATTEMPTS_PREFIX).padded(minute, 12).0
}

/// A count's row, as opposed to the share's.
pub fn is_attempts_sk(sk: &str) -> bool {
    sk.starts_with(ATTEMPTS_PREFIX)
}

/// The share and the count of `minute` (and of none before it).
pub fn share_range(minute: u64) -> SortRange {
    SortRange {
        from: attempts_sk(minute),
        to: SHARE_SK.to_owned(),
    }
}

pub fn chat_sk(chat_id: ChatId) -> String {
    Key::new(CHAT_PREFIX).padded(chat_id.get(), 16).0
}

pub fn message_chunk_sk(chunk_id: u64) -> String {
    Key::new(MESSAGE_PREFIX).padded(chunk_id, 16).0
}

pub fn file_chunk_sk(chunk_id: u64) -> String {
    Key::new(FILE_PREFIX).padded(chunk_id, 16).0
}

/// An idempotency record, under the user's partition; `key_hash` is the SHA-256 of the key.
pub fn idempotency_sk(key_hash: &str) -> String {
    [IDEMPOTENCY_PREFIX, key_hash].concat()
}

/// Sort-key range (inclusive) of one list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortRange {
    pub from: String,
    pub to: String,
}

/// Messages after `after` (or all, with the marker, when `None`).
pub fn message_range(after: Option<u64>) -> SortRange {
    SortRange {
        from: after.map_or_else(
            || CHAT_META_SK.to_owned(),
            |id| message_chunk_sk(ids::chunk_of(id)),
        ),
        to: MESSAGE_RANGE_END.to_owned(),
    }
}

/// Files after `after` (or all, with the marker, when `None`).
pub fn file_range(after: Option<u64>) -> SortRange {
    SortRange {
        from: after.map_or_else(
            || FILE_PREFIX.to_owned(),
            |id| file_chunk_sk(ids::chunk_of(id)),
        ),
        to: CHAT_META_SK.to_owned(),
    }
}

/// Every sort key of a partition (each starts with a printable ASCII character).
pub fn whole_partition() -> SortRange {
    SortRange {
        from: "!".to_owned(),
        to: "~".to_owned(),
    }
}

/// A chat's row in a list (`CHAT#<chat>`).
pub fn is_chat_sk(sk: &str) -> bool {
    sk.starts_with(CHAT_PREFIX)
}

/// Chats older than `before` (or all), for a descending query.
pub fn chat_range(before: Option<u64>) -> SortRange {
    SortRange {
        from: CHAT_PREFIX.to_owned(),
        to: match before {
            Some(id) => chat_sk(ChatId(id.saturating_sub(1))),
            None => format!("{CHAT_PREFIX}~"),
        },
    }
}

/// Chats newer than `after` (or all), for an ascending query.
pub fn chat_range_after(after: Option<u64>) -> SortRange {
    SortRange {
        from: after.map_or_else(
            || CHAT_PREFIX.to_owned(),
            |id| chat_sk(ChatId(id.saturating_add(1))),
        ),
        to: format!("{CHAT_PREFIX}~"),
    }
}

/// A row as a DynamoDB attribute map. Serialized as one map value: `serde_dynamo::to_item`
/// builds the map twice over (into its `Item`, then into the SDK's map).
pub fn to_attribute_map<T: Serialize>(
    row: &T,
) -> Result<HashMap<String, AttributeValue>, serde_dynamo::Error> {
    match serde_dynamo::to_attribute_value(row)? {
        AttributeValue::M(map) => Ok(map),
        _ => Err(<serde_dynamo::Error as serde::ser::Error>::custom(
            "a row serializes to a map",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_their_words_and_ids() {
        for id in [
            0,
            7,
            42,
            1 << 20,
            0x0012_3456_789a,
            9_999_999_999_999_999,
            u64::MAX,
        ] {
            assert_eq!(user_pk(UserId(id)), format!("USER#{id}"));
            assert_eq!(last_chat_pk(UserId(id)), format!("USER#{id}#LAST_CHAT"));
            assert_eq!(
                project_pk(UserId(id), ProjectId(3)),
                format!("USER#{id}#PROJECT#3")
            );
            assert_eq!(chat_pk(UserId(1), ChatId(id)), format!("USER#1#CHAT#{id}"));
            assert_eq!(chat_sk(ChatId(id)), format!("{CHAT_PREFIX}{id:016}"));
            assert_eq!(message_chunk_sk(id), format!("{MESSAGE_PREFIX}{id:016}"));
            assert_eq!(file_chunk_sk(id), format!("{FILE_PREFIX}{id:016}"));
            assert_eq!(
                deleted_chat_sk(ChatId(id)),
                format!("{DELETED_CHAT_PREFIX}{id:016}")
            );
            assert_eq!(attempts_sk(id), format!("{ATTEMPTS_PREFIX}{id:012}"));
            assert_eq!(
                pending_purge_shard_pk(id),
                format!("{PENDING_PURGES_PREFIX}{id:02}")
            );
        }
        assert_eq!(share_pk("u-u-i-d"), format!("{SHARE_PREFIX}u-u-i-d"));
        assert_eq!(idempotency_sk("hash"), format!("{IDEMPOTENCY_PREFIX}hash"));
    }

    #[test]
    fn row_conditions_name_the_partition_key() {
        assert_eq!(ROW_EXISTS, format!("attribute_exists({PK})"));
        assert_eq!(ROW_ABSENT, format!("attribute_not_exists({PK})"));
        assert_eq!(
            RANGE_CONDITION,
            format!("{PK} = :pk AND {SK} BETWEEN :from AND :to")
        );
    }

    #[test]
    fn list_ranges_include_the_marker_only_on_the_first_page() {
        let first = message_range(None);
        assert!(first.from.as_str() <= CHAT_META_SK && CHAT_META_SK <= first.to.as_str());
        let files = file_range(None);
        assert!(files.from.as_str() <= CHAT_META_SK && CHAT_META_SK <= files.to.as_str());
        // files and messages never fall into each other's range
        let a_file = file_chunk_sk(1 << 20);
        let a_message = message_chunk_sk(1 << 20);
        assert!(a_file < files.to && a_file > files.from);
        assert!(a_message > first.from && a_message < first.to);
        assert!(!(a_file >= first.from && a_file <= first.to));
        assert!(!(a_message >= files.from && a_message <= files.to));
        let later = message_range(Some(0x0012_3456_789a));
        assert!(later.from.as_str() > CHAT_META_SK);
    }

    #[test]
    fn only_chat_partitions_parse_as_chats() {
        assert_eq!(
            parse_chat_pk(&chat_pk(UserId(42), ChatId(7))),
            Some(ChatScope {
                user_id: UserId(42),
                chat_id: ChatId(7)
            })
        );
        let max = chat_pk(UserId(u64::MAX), ChatId(u64::MAX));
        assert!(parse_chat_pk(&max).is_some());
        for not_a_chat in [
            user_pk(UserId(42)).as_str(),
            "USER#42#CHAT#",
            "USER##CHAT#7",
            "USER#42#CHAT#7#",
            "USER#42#CHAT#07",
            "USER#+42#CHAT#7",
            "USER#42#CHAT#7#CHAT#8",
            "user#42#chat#7",
            "USER#42#CHAT#18446744073709551616",
            "",
        ] {
            assert_eq!(parse_chat_pk(not_a_chat), None, "{not_a_chat:?}");
        }
    }

    #[test]
    fn a_share_is_read_with_the_current_minute_only() {
        let range = share_range(29_000_000);
        assert!(attempts_sk(28_999_999) < range.from);
        assert!(attempts_sk(29_000_000) >= range.from);
        assert!(attempts_sk(99_999_999_999) < range.to);
        assert!(SHARE_SK >= range.from.as_str() && SHARE_SK <= range.to.as_str());
        assert!(is_attempts_sk(&range.from) && !is_attempts_sk(SHARE_SK));
    }

    #[test]
    fn zero_padded_sort_keys_sort_numerically() {
        assert!(message_chunk_sk(99) < message_chunk_sk(100));
        assert!(message_chunk_sk(ids::MAX_ID).as_str() < MESSAGE_RANGE_END);
        assert!(chat_sk(ChatId(9)) < chat_sk(ChatId(10)));
    }

    #[test]
    fn chat_range_is_exclusive_of_the_cursor() {
        let range = chat_range(Some(100));
        assert!(chat_sk(ChatId(100)) > range.to && chat_sk(ChatId(99)) <= range.to);
        assert!(chat_sk(ChatId(1)) >= range.from);
    }

    #[test]
    fn imported_items_sort_before_the_api_items_of_their_chat() {
        let imported = ids::FIRST_API_ID - 1;
        let api = ids::batch_base(1_795_288_364_006);
        assert!(message_chunk_sk(imported) < message_chunk_sk(ids::chunk_of(api)));
        assert!(file_chunk_sk(imported) < file_chunk_sk(ids::chunk_of(api)));
        assert!(chat_sk(ChatId(imported)) < chat_sk(ChatId(api)));
        // A page that ends on an imported item goes on from its own row.
        assert_eq!(message_range(Some(4097)).from, message_chunk_sk(4097));
    }
}
