//! [`MemoryStore`]: every store trait in memory, for handler tests that need no server. It
//! keeps the contract the handlers rely on (not-found answers, `Idempotency-Key` replays, list
//! order and paging); the contract suite ([`crate::contract`]) runs on it and on DynamoDB Local
//! alike, so it cannot drift from the real store.
//!
//! - this file: the state, injected faults, replays and paging;
//! - one file per store trait, named as in `neptun_core::store`: `chats`, `messages`, `files`,
//!   `update`, `delete`, `erase`, `regenerate`, `shares`, `public_read`.

use neptun_core::ids::{self, ChatId, FileId, MessageId, UserId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use neptun_core::model::{Chat, ChatMessage, FileRecord, LastExchange};
use neptun_core::store::{Idempotency, Page, PageRequest, Replayable, StoreError, StoredShare};

mod chats;
mod delete;
mod erase;
mod files;
mod messages;
mod public_read;
mod regenerate;
mod shares;
mod update;

/// What the next store calls answer instead of their result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Throttled or unreachable storage (`StoreError::Unavailable`).
    Unavailable,
    /// The first request with an `Idempotency-Key` is still committing.
    IdempotencyInFlight,
    /// A request the store refused for a reason of its own (a 500).
    Broken,
}

#[derive(Default)]
pub(super) struct State {
    /// By (user, chat).
    pub(super) chats: BTreeMap<(UserId, ChatId), StoredChat>,
    /// By (user, key hash): the request's fingerprint and what it created. Fingerprints cover
    /// the route, so a key that replays another kind of item served another request.
    pub(super) keys: HashMap<(UserId, String), (String, Replay)>,
    /// Failed password attempts by (share uuid, minute).
    pub(super) attempts: HashMap<(String, u64), u64>,
    pub(super) last_id: u64,
    pub(super) last_chat_id: u64,
    /// Users erased: every write for them is refused, for ever.
    pub(super) erased: HashSet<UserId>,
    pub(super) fault: Option<Fault>,
}

pub(super) struct StoredChat {
    pub(super) chat: Chat,
    pub(super) messages: BTreeMap<MessageId, ChatMessage>,
    pub(super) files: BTreeMap<FileId, FileRecord>,
    pub(super) share: Option<StoredShare>,
}

impl StoredChat {
    pub(super) fn new(chat: Chat) -> Self {
        Self {
            chat,
            messages: BTreeMap::new(),
            files: BTreeMap::new(),
            share: None,
        }
    }
}

#[derive(Clone)]
pub(super) enum Replay {
    Chat(Chat),
    Messages(Vec<ChatMessage>),
    Files(Vec<FileRecord>),
    Deleted,
    Regenerated(LastExchange),
}

/// The store traits on a mutex-guarded map. Ids count up from [`MemoryStore::FIRST_ID`] (chat
/// ids from [`ids::FIRST_API_CHAT_ID`]).
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub const FIRST_ID: u64 = 1 << 40;

    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has failed already; the data is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes every later call fail this way (`None`: answer normally again).
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.state().fault = fault;
    }

    /// Puts a chat with the given id, as the sample data or an import would.
    pub fn insert_chat(&self, chat: Chat) {
        let key = (chat.neptun_user_id, chat.id);
        self.state().chats.insert(key, StoredChat::new(chat));
    }

    /// Puts a message into an inserted chat; `false` if there is no such chat.
    pub fn insert_message(&self, message: ChatMessage) -> bool {
        let key = (message.neptun_user_id, message.chat_conversation_id);
        match self.state().chats.get_mut(&key) {
            Some(chat) => chat.messages.insert(message.id, message).is_none(),
            None => false,
        }
    }

    /// Puts a file into an inserted chat; `false` if there is no such chat.
    pub fn insert_file(&self, file: FileRecord) -> bool {
        match self.state().chats.get_mut(&(file.user_id, file.chat_id)) {
            Some(chat) => chat.files.insert(file.id, file).is_none(),
            None => false,
        }
    }

    /// Puts a share on an inserted chat; `false` if there is no such chat.
    pub fn insert_share(&self, share: StoredShare) -> bool {
        match self.state().chats.get_mut(&(share.user_id, share.chat_id)) {
            Some(chat) => chat.share.replace(share).is_none(),
            None => false,
        }
    }

    /// How many messages and files a chat holds (to check that a refused request wrote nothing).
    pub fn item_count(&self, user_id: UserId, chat_id: ChatId) -> Option<usize> {
        self.state()
            .chats
            .get(&(user_id, chat_id))
            .map(|chat| chat.messages.len() + chat.files.len())
    }
}

impl State {
    pub(super) fn check_fault(&self) -> Result<(), StoreError> {
        match self.fault {
            None => Ok(()),
            Some(Fault::Unavailable) => Err(StoreError::Unavailable(
                "memory store: injected fault".into(),
            )),
            Some(Fault::IdempotencyInFlight) => Err(StoreError::IdempotencyInFlight),
            Some(Fault::Broken) => {
                Err(StoreError::Request("memory store: injected failure".into()))
            }
        }
    }

    /// [`StoreError::Erased`] for a user erased.
    pub(super) fn check_writable(&self, user_id: UserId) -> Result<(), StoreError> {
        if self.erased.contains(&user_id) {
            return Err(StoreError::Erased);
        }
        Ok(())
    }

    pub(super) fn next_id(&mut self) -> u64 {
        self.last_id = self.last_id.max(MemoryStore::FIRST_ID - 1) + 1;
        self.last_id
    }

    /// Chat ids count up from [`ids::FIRST_API_CHAT_ID`], below 2^31 as the API's do.
    pub(super) fn next_chat_id(&mut self) -> ChatId {
        self.last_chat_id = self.last_chat_id.max(ids::FIRST_API_CHAT_ID - 1) + 1;
        ChatId(self.last_chat_id)
    }

    /// The earlier result of this key, or a refusal if it served another request.
    pub(super) fn replay(
        &self,
        user_id: UserId,
        idempotency: Option<&Idempotency>,
    ) -> Result<Option<Replay>, StoreError> {
        let Some(key) = idempotency else {
            return Ok(None);
        };
        match self.keys.get(&(user_id, key.key_hash.clone())) {
            None => Ok(None),
            Some((fingerprint, replay)) if *fingerprint == key.fingerprint => {
                Ok(Some(replay.clone()))
            }
            Some(_) => Err(StoreError::IdempotencyMismatch),
        }
    }

    /// The earlier result of this key as a replay (`pick` takes it from the record), or a
    /// refusal if the key served another kind of request.
    pub(super) fn replayed<T>(
        &self,
        user_id: UserId,
        idempotency: Option<&Idempotency>,
        pick: impl FnOnce(Replay) -> Option<T>,
    ) -> Result<Option<Replayable<T>>, StoreError> {
        match self.replay(user_id, idempotency)? {
            None => Ok(None),
            Some(replay) => pick(replay)
                .map(|value| {
                    Some(Replayable {
                        value,
                        replayed: true,
                    })
                })
                .ok_or(StoreError::IdempotencyMismatch),
        }
    }

    /// A new result, remembered under the request's key (`wrap` makes its record).
    pub(super) fn created<T: Clone>(
        &mut self,
        user_id: UserId,
        idempotency: Option<&Idempotency>,
        value: T,
        wrap: impl FnOnce(T) -> Replay,
    ) -> Replayable<T> {
        self.remember(user_id, idempotency, wrap(value.clone()));
        Replayable {
            value,
            replayed: false,
        }
    }

    pub(super) fn remember(
        &mut self,
        user_id: UserId,
        idempotency: Option<&Idempotency>,
        replay: Replay,
    ) {
        if let Some(key) = idempotency {
            self.keys.insert(
                (user_id, key.key_hash.clone()),
                (key.fingerprint.clone(), replay),
            );
        }
    }

    pub(super) fn chat_mut(
        &mut self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<&mut StoredChat, StoreError> {
        self.chats
            .get_mut(&(user_id, chat_id))
            .ok_or(StoreError::ChatNotFound)
    }
}

/// One page of `items` (already in list order, after the cursor), as the DynamoDB store pages:
/// up to the limit, up to the byte budget, `has_more` if anything is left.
pub(super) fn page_of<T>(items: impl Iterator<Item = (T, usize)>, request: PageRequest) -> Page<T> {
    let mut page = Page {
        items: Vec::new(),
        has_more: false,
    };
    let mut bytes = 0;
    for (item, size) in items {
        let full = request.limit.is_some_and(|limit| page.items.len() >= limit)
            || bytes >= request.byte_budget;
        if full {
            page.has_more = true;
            break;
        }
        bytes += size;
        page.items.push(item);
    }
    page
}
