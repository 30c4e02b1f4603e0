//! Storage: narrow traits per aggregate, implemented on DynamoDB by `neptun-dynamo` and in
//! memory by `neptun-testkit`. Handlers depend on the traits only, so their logic can be unit
//! tested on the in-memory store, and one contract suite holds both stores to the same answers.

mod shares;

pub use shares::{FoundShare, ListedEmail, ShareStore, ShareWrite, SharedChatStore, StoredShare};

use std::future::Future;

use crate::model::{Chat, ChatList, ChatMessage, FileRecord, LastExchange};
use crate::validation::{ChatOrder, ChatUpdate, NewChat, NewFile, NewMessage};

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
    /// The user's chats are being erased: nothing new until that is done.
    #[error("the user's chats are being erased")]
    Erasing,
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
    /// The items of one request need more rows than one transaction holds.
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
            Self::Erasing => "Erasing",
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
            after: self.after.as_ref().map(|chat| chat.id),
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

pub trait ChatStore: Send + Sync {
    /// Creates a chat with a fresh id (in `chat.project_id`, if set). Fails with
    /// [`StoreError::Erasing`] while the user's chats are being erased.
    fn create_chat(
        &self,
        user_id: u64,
        chat: NewChat,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Chat>, StoreError>> + Send;

    /// A page of one of a user's chat lists in `page.order`.
    fn list_chats(
        &self,
        user_id: u64,
        list: ChatList,
        page: ChatPageRequest,
    ) -> impl Future<Output = Result<Page<Chat>, StoreError>> + Send;
}

pub trait MessageStore: Send + Sync {
    /// Appends messages atomically, numbering them in input order.
    /// Fails with [`StoreError::ChatNotFound`] when the chat does not exist.
    fn append_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Vec<ChatMessage>>, StoreError>> + Send;

    /// A chat's messages in ascending id order.
    fn list_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<ChatMessage>, StoreError>> + Send;
}

pub trait FileStore: Send + Sync {
    /// Attaches files to a message atomically, numbering them in input order.
    fn attach_files(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Vec<FileRecord>>, StoreError>> + Send;

    /// A chat's files in ascending id order.
    fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<FileRecord>, StoreError>> + Send;

    /// One file, for its content route.
    fn get_file(
        &self,
        user_id: u64,
        chat_id: u64,
        file_id: u64,
    ) -> impl Future<Output = Result<FileRecord, StoreError>> + Send;
}

pub trait ChatUpdateStore: Send + Sync {
    /// Renames a chat, changes its model or moves it into a project or out of one, in all of
    /// its rows at once, moving its `updated_at`; a chat is never in two lists of projects, nor
    /// out of the user's. Fails with [`StoreError::ChatNotFound`] when the chat does not exist,
    /// [`StoreError::Erasing`] while the user's chats are being erased.
    fn update_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Chat>, StoreError>> + Send;
}

pub trait ChatDeleteStore: Send + Sync {
    /// Deletes a chat of the list `from` for every reader and writer at once; its items are
    /// purged after. Fails with [`StoreError::ChatNotFound`] when the list holds no such chat.
    fn delete_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<()>, StoreError>> + Send;

    /// Deletes those of the chats that are in the user's list `from`, each at once; other ids
    /// are ignored.
    fn delete_chats(
        &self,
        user_id: u64,
        chat_ids: Vec<u64>,
        from: ChatList,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<()>, StoreError>> + Send;
}

pub trait ChatEraseStore: Send + Sync {
    /// Deletes every chat of the user (the account is being deleted): when it returns, no
    /// route shows any of them, their messages, files or shares, and no write to them can
    /// succeed; what is left of them is purged after, and nothing of the user stays. Safe to
    /// run again (a run that stopped midway is finished by the next). Chats created after it
    /// returned are the user's new chats, untouched by it.
    fn erase_chats(
        &self,
        user_id: u64,
        now_ms: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait RegenerateStore: Send + Sync {
    /// Deletes the chat's last exchange (see [`LastExchange`]) and the files of its messages,
    /// atomically; never a message that arrived after the ones it read.
    /// [`StoreError::NoMessages`] when the chat has none.
    fn delete_last_exchange(
        &self,
        user_id: u64,
        chat_id: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<LastExchange>, StoreError>> + Send;
}
