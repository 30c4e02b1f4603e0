//! [`MemoryStore`]: every store trait in memory, for handler tests that need no server
//! (feature `test-util`). It keeps the contract the handlers rely on (not-found answers,
//! `Idempotency-Key` replays, list order and paging), not DynamoDB's behaviour: storage is
//! tested against the real engine in `tests/`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{
    ChatDeleteStore, ChatPageRequest, ChatRenameStore, ChatStore, Created, FileStore, Idempotency,
    MessageStore, Page, PageRequest, RegenerateStore, StoreError,
};
use crate::clock::rfc3339_ms;
use crate::model::{Chat, ChatMessage, FileRecord, LastExchange};
use crate::validation::{ChatUpdate, NewChat, NewFile, NewMessage};

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
struct State {
    /// By (user, chat).
    chats: BTreeMap<(u64, u64), StoredChat>,
    /// By (user, key hash): the request's fingerprint and what it created. Fingerprints cover
    /// the route, so a key that replays another kind of item served another request.
    keys: HashMap<(u64, String), (String, Replay)>,
    last_id: u64,
    fault: Option<Fault>,
}

struct StoredChat {
    chat: Chat,
    messages: BTreeMap<u64, ChatMessage>,
    files: BTreeMap<u64, FileRecord>,
}

#[derive(Clone)]
enum Replay {
    Chat(Chat),
    Messages(Vec<ChatMessage>),
    Files(Vec<FileRecord>),
    Deleted,
    Regenerated(LastExchange),
}

/// The store traits on a mutex-guarded map. Ids count up from [`MemoryStore::FIRST_ID`].
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub const FIRST_ID: u64 = 1 << 40;

    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
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
        self.state().chats.insert(
            key,
            StoredChat {
                chat,
                messages: BTreeMap::new(),
                files: BTreeMap::new(),
            },
        );
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

    /// How many messages and files a chat holds (to check that a refused request wrote nothing).
    pub fn item_count(&self, user_id: u64, chat_id: u64) -> Option<usize> {
        self.state()
            .chats
            .get(&(user_id, chat_id))
            .map(|chat| chat.messages.len() + chat.files.len())
    }
}

impl State {
    fn check_fault(&self) -> Result<(), StoreError> {
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

    fn next_id(&mut self) -> u64 {
        self.last_id = self.last_id.max(MemoryStore::FIRST_ID - 1) + 1;
        self.last_id
    }

    /// The earlier result of this key, or a refusal if it served another request.
    fn replay(
        &self,
        user_id: u64,
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
    fn replayed<T>(
        &self,
        user_id: u64,
        idempotency: Option<&Idempotency>,
        pick: impl FnOnce(Replay) -> Option<T>,
    ) -> Result<Option<Created<T>>, StoreError> {
        match self.replay(user_id, idempotency)? {
            None => Ok(None),
            Some(replay) => pick(replay)
                .map(|value| {
                    Some(Created {
                        value,
                        replayed: true,
                    })
                })
                .ok_or(StoreError::IdempotencyMismatch),
        }
    }

    /// A new result, remembered under the request's key (`wrap` makes its record).
    fn created<T: Clone>(
        &mut self,
        user_id: u64,
        idempotency: Option<&Idempotency>,
        value: T,
        wrap: impl FnOnce(T) -> Replay,
    ) -> Created<T> {
        self.remember(user_id, idempotency, wrap(value.clone()));
        Created {
            value,
            replayed: false,
        }
    }

    fn remember(&mut self, user_id: u64, idempotency: Option<&Idempotency>, replay: Replay) {
        if let Some(key) = idempotency {
            self.keys.insert(
                (user_id, key.key_hash.clone()),
                (key.fingerprint.clone(), replay),
            );
        }
    }

    fn chat_mut(&mut self, user_id: u64, chat_id: u64) -> Result<&mut StoredChat, StoreError> {
        self.chats
            .get_mut(&(user_id, chat_id))
            .ok_or(StoreError::ChatNotFound)
    }
}

/// One page of `items` (already in list order, after the cursor), as the DynamoDB store pages:
/// up to the limit, up to the byte budget, `has_more` if anything is left.
fn page_of<T>(items: impl Iterator<Item = (T, usize)>, request: PageRequest) -> Page<T> {
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

impl ChatStore for MemoryStore {
    async fn create_chat(
        &self,
        user_id: u64,
        chat: NewChat,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Chat>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Chat(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let created_at = rfc3339_ms(now_ms);
        let chat = Chat {
            id: state.next_id(),
            name: chat.name,
            model: chat.model,
            neptun_user_id: user_id,
            updated_at: created_at.clone(),
            created_at,
        };
        state.chats.insert(
            (user_id, chat.id),
            StoredChat {
                chat: chat.clone(),
                messages: BTreeMap::new(),
                files: BTreeMap::new(),
            },
        );
        Ok(state.created(user_id, idempotency, chat, Replay::Chat))
    }

    async fn list_chats(
        &self,
        user_id: u64,
        page: ChatPageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        let state = self.state();
        state.check_fault()?;
        let mut chats: Vec<Chat> = state
            .chats
            .range((user_id, 0)..=(user_id, u64::MAX))
            .map(|(_, stored)| stored.chat.clone())
            .filter(|chat| {
                page.after
                    .as_ref()
                    .is_none_or(|last| page.order.is_after(chat, last))
            })
            .collect();
        chats.sort_by(|a, b| page.order.compare(a, b));
        let sized = chats.into_iter().map(|chat| {
            let bytes = chat.name.len() + chat.model.len();
            (chat, bytes)
        });
        let request = PageRequest {
            limit: page.limit,
            after: None,
            byte_budget: page.byte_budget,
        };
        Ok(page_of(sized, request))
    }
}

impl MessageStore for MemoryStore {
    async fn append_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Vec<ChatMessage>>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        state.chat_mut(user_id, chat_id)?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Messages(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let created_at = rfc3339_ms(now_ms);
        let created: Vec<ChatMessage> = messages
            .into_iter()
            .map(|message| ChatMessage {
                id: state.next_id(),
                chat_conversation_id: chat_id,
                neptun_user_id: user_id,
                message: message.content,
                actor: message.role,
                created_at: created_at.clone(),
                updated_at: created_at.clone(),
            })
            .collect();
        let chat = state.chat_mut(user_id, chat_id)?;
        for message in &created {
            chat.messages.insert(message.id, message.clone());
        }
        Ok(state.created(user_id, idempotency, created, Replay::Messages))
    }

    async fn list_messages(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let chat = state.chat_mut(user_id, chat_id)?;
        let after = page.after.map_or(0, |after| after.saturating_add(1));
        let items = chat
            .messages
            .range(after..)
            .map(|(_, message)| (message.clone(), message.message.len()));
        Ok(page_of(items, page))
    }
}

impl FileStore for MemoryStore {
    async fn attach_files(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Vec<FileRecord>>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if !state
            .chat_mut(user_id, chat_id)?
            .messages
            .contains_key(&message_id)
        {
            return Err(StoreError::MessageNotFound);
        }
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Files(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let created: Vec<FileRecord> = files
            .into_iter()
            .map(|file| FileRecord {
                id: state.next_id(),
                chat_id,
                message_id,
                user_id,
                title: file.title,
                text: file.text,
                language: file.language,
                extension: file.extension,
                created_at_ms: now_ms,
            })
            .collect();
        let chat = state.chat_mut(user_id, chat_id)?;
        for file in &created {
            chat.files.insert(file.id, file.clone());
        }
        Ok(state.created(user_id, idempotency, created, Replay::Files))
    }

    async fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> Result<Page<FileRecord>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        let chat = state.chat_mut(user_id, chat_id)?;
        let after = page.after.map_or(0, |after| after.saturating_add(1));
        let items = chat
            .files
            .range(after..)
            .map(|(_, file)| (file.clone(), file.text.len() + file.title.len()));
        Ok(page_of(items, page))
    }

    async fn get_file(
        &self,
        user_id: u64,
        chat_id: u64,
        file_id: u64,
    ) -> Result<FileRecord, StoreError> {
        let state = self.state();
        state.check_fault()?;
        state
            .chats
            .get(&(user_id, chat_id))
            .and_then(|chat| chat.files.get(&file_id))
            .cloned()
            .ok_or(StoreError::FileNotFound)
    }
}

impl ChatRenameStore for MemoryStore {
    async fn rename_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<Chat>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Chat(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let stored = state.chat_mut(user_id, chat_id)?;
        stored.chat.name = update.name;
        if let Some(model) = update.model {
            stored.chat.model = model;
        }
        stored.chat.updated_at = rfc3339_ms(now_ms);
        let chat = stored.chat.clone();
        Ok(state.created(user_id, idempotency, chat, Replay::Chat))
    }
}

impl ChatDeleteStore for MemoryStore {
    async fn delete_chat(
        &self,
        user_id: u64,
        chat_id: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<()>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| {
            matches!(replay, Replay::Deleted).then_some(())
        })? {
            return Ok(earlier);
        }
        state
            .chats
            .remove(&(user_id, chat_id))
            .ok_or(StoreError::ChatNotFound)?;
        Ok(state.created(user_id, idempotency, (), |()| Replay::Deleted))
    }

    async fn delete_chats(
        &self,
        user_id: u64,
        chat_ids: Vec<u64>,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<()>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| {
            matches!(replay, Replay::Deleted).then_some(())
        })? {
            return Ok(earlier);
        }
        for chat_id in chat_ids {
            state.chats.remove(&(user_id, chat_id));
        }
        Ok(state.created(user_id, idempotency, (), |()| Replay::Deleted))
    }
}

impl RegenerateStore for MemoryStore {
    async fn delete_last_exchange(
        &self,
        user_id: u64,
        chat_id: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<LastExchange>, StoreError> {
        let mut state = self.state();
        state.check_fault()?;
        if let Some(earlier) = state.replayed(user_id, idempotency, |replay| match replay {
            Replay::Regenerated(value) => Some(value),
            _ => None,
        })? {
            return Ok(earlier);
        }
        let chat = state.chat_mut(user_id, chat_id)?;
        let newest_first: Vec<ChatMessage> = chat.messages.values().rev().cloned().collect();
        let exchange =
            LastExchange::from_newest_first(&newest_first).ok_or(StoreError::NoMessages)?;
        let deleted = exchange.message_ids();
        chat.messages.retain(|id, _| !deleted.contains(id));
        chat.files
            .retain(|_, file| !deleted.contains(&file.message_id));
        Ok(state.created(user_id, idempotency, exchange, Replay::Regenerated))
    }
}
