//! Storage: narrow traits per aggregate, implemented on DynamoDB by `neptun-dynamo` and in
//! memory by `neptun-testkit`. Handlers depend on the traits only, so their logic can be unit
//! tested on the in-memory store, and one contract suite holds both stores to the same answers.
//! One file per trait, as `neptun-dynamo`'s and the memory store's implementations of them.

mod chats;
mod delete;
mod erase;
mod files;
mod messages;
mod public_read;
mod regenerate;
mod shares;
mod update;

pub use chats::ChatStore;
pub use delete::ChatDeleteStore;
pub use erase::ChatEraseStore;
pub use files::FileStore;
pub use messages::MessageStore;
pub use public_read::SharedChatStore;
pub use regenerate::RegenerateStore;
pub use shares::{FoundShare, ListedEmail, ShareStore, ShareWrite, StoredShare};
pub use update::ChatUpdateStore;

use crate::model::Chat;
use crate::validation::ChatOrder;

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("chat not found")]
    ChatNotFound,
    #[error("message not found")]
    MessageNotFound,
    #[error("file not found")]
    FileNotFound,
    /// The chat has no share, or another one than the request names.
    #[error("share not found")]
    ShareNotFound,
    /// The share's whitelist would hold more than `validation::MAX_WHITELIST` emails.
    #[error("the share's whitelist is full")]
    WhitelistFull,
    /// A regenerate found no message to delete.
    #[error("the chat has no messages")]
    NoMessages,
    /// The `Idempotency-Key` was used before with another request.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    /// The first request with this `Idempotency-Key` is still being committed.
    #[error("idempotency key in use by a concurrent request")]
    IdempotencyInFlight,
    /// The user was erased: every write for the user id is refused, for ever.
    #[error("the user was erased")]
    Erased,
    /// Throttled, timed out, unreachable or still in conflict with other writers after the
    /// retries: worth retrying later.
    #[error("storage is throttled or unavailable")]
    Unavailable(#[source] BoxError),
    #[error("could not encode a row for storage")]
    Encode(#[source] BoxError),
    #[error("could not decode a stored row")]
    Decode(#[source] BoxError),
    #[error("could not build a storage request")]
    Build(#[source] BoxError),
    /// The items of one request need more rows or bytes than one transaction holds (a 413;
    /// the body and answer limits keep every accepted batch below it).
    #[error("the batch does not fit one transaction")]
    BatchTooLarge,
    /// A batch of writes sent alongside others did not finish (its task panicked).
    #[error("a batch of writes did not finish")]
    Batch(#[source] BoxError),
    /// Something the store relies on did not hold (ids kept colliding, storage answered
    /// what it cannot answer).
    #[error("storage invariant broken: {0}")]
    Invariant(&'static str),
    /// Storage refused the request and retrying will not help.
    #[error("storage request failed")]
    Request(#[source] BoxError),
}

impl StoreError {
    /// The variant's name, without its source: for logs and test expectations.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ChatNotFound => "ChatNotFound",
            Self::MessageNotFound => "MessageNotFound",
            Self::FileNotFound => "FileNotFound",
            Self::ShareNotFound => "ShareNotFound",
            Self::WhitelistFull => "WhitelistFull",
            Self::NoMessages => "NoMessages",
            Self::IdempotencyMismatch => "IdempotencyMismatch",
            Self::IdempotencyInFlight => "IdempotencyInFlight",
            Self::Erased => "Erased",
            Self::Unavailable(_) => "Unavailable",
            Self::Encode(_) => "Encode",
            Self::Decode(_) => "Decode",
            Self::Build(_) => "Build",
            Self::BatchTooLarge => "BatchTooLarge",
            Self::Batch(_) => "Batch",
            Self::Invariant(_) => "Invariant",
            Self::Request(_) => "Request",
        }
    }
}

/// How long an `Idempotency-Key` answers with the first response.
pub const IDEMPOTENCY_TTL_SECONDS: u64 = 24 * 60 * 60;

/// A write request's `Idempotency-Key`, as stored: hashes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// SHA-256 (base64url) of the key; records are per user, so the key is scoped to its user.
    pub key_hash: String,
    /// SHA-256 (base64url) of what makes two requests "the same": route, path ids and body.
    pub fingerprint: String,
}

/// What a write returns: its result, and whether that result is an earlier request's with the
/// same `Idempotency-Key` (then nothing was written now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayable<T> {
    pub value: T,
    pub replayed: bool,
}

impl<T> Replayable<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Replayable<U> {
        Replayable {
            value: f(self.value),
            replayed: self.replayed,
        }
    }
}

/// Which part of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// At most this many items; `None`: until the byte budget.
    pub limit: Option<usize>,
    /// Only items after this id (in list order).
    pub after: Option<u64>,
    /// Stop reading once the items' texts pass this many bytes.
    pub byte_budget: usize,
}

/// Which part of a user's chat list to read, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPageRequest {
    pub order: ChatOrder,
    /// Only chats after this one in `order`: the previous page's last chat, or a position
    /// holding its id and its values of the order's columns.
    pub after: Option<Chat>,
    /// At most this many chats; `None`: until the byte budget.
    pub limit: Option<usize>,
    /// Stop once the chats' names and models pass this many bytes.
    pub byte_budget: usize,
}

impl ChatPageRequest {
    /// The same page as a [`PageRequest`] by id, for an order by id alone.
    pub fn by_id(&self) -> PageRequest {
        PageRequest {
            limit: self.limit,
            after: self.after.as_ref().map(|chat| chat.id.get()),
            byte_budget: self.byte_budget,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// More items follow the last one.
    pub has_more: bool,
}

/// A store with every trait a route needs: what [`crate::functions::Function::handle`] can send
/// any request to.
pub trait ApiStore:
    ChatStore
    + MessageStore
    + FileStore
    + ChatUpdateStore
    + ChatDeleteStore
    + ChatEraseStore
    + RegenerateStore
    + ShareStore
    + SharedChatStore
{
}

impl<S> ApiStore for S where
    S: ChatStore
        + MessageStore
        + FileStore
        + ChatUpdateStore
        + ChatDeleteStore
        + ChatEraseStore
        + RegenerateStore
        + ShareStore
        + SharedChatStore
{
}
