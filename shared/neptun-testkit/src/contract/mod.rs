//! The store contract: scenarios that every implementation of the store traits must answer
//! alike. [`contract_tests!`](crate::contract_tests) turns each (every
//! `pub async fn NAME<S: ApiStore>(store: &S)` of these modules) into a test for a store: this
//! crate runs them on [`crate::memory::MemoryStore`] (no server), `tests/` on `DynamoStore`
//! over DynamoDB Local, so the in-memory fake cannot drift from the real store.
//!
//! Every scenario works on users of its own ([`fresh_user`]), so scenarios can share one table
//! and run at the same time.
//!
//! One module per store trait, named as in `neptun_core::store` (`chats`, `messages`,
//! `files`, `regenerate`, `erase`, `shares`, `public_read`), and two that cross them:
//! - `replays`: `Idempotency-Key` replays and mismatches on every write;
//! - `projects`: projects' chats, moves between projects, deletes through a project.

pub mod chats;
pub mod erase;
pub mod files;
pub mod messages;
pub mod projects;
pub mod public_read;
pub mod regenerate;
pub mod replays;
pub mod shares;

use neptun_core::clock::now_ms;
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::{Chat, ChatMessage, Role};
use neptun_core::store::{Idempotency, Page, PageRequest, StoreError};
use neptun_core::validation::{NewChat, NewFile, NewMessage};

use neptun_core::store::ApiStore;

/// A user id no other scenario uses.
pub fn fresh_user() -> UserId {
    // Far above the sample user and below 2^53.
    UserId(rand::random_range((1 << 40)..(1 << 52)))
}

/// A page request without a limit or cursor.
pub fn everything() -> PageRequest {
    PageRequest {
        limit: None,
        after: None,
        byte_budget: usize::MAX,
    }
}

pub fn new_chat(name: &str, model: &str) -> NewChat {
    NewChat {
        name: name.to_owned(),
        model: model.to_owned(),
        project_id: None,
    }
}

pub fn new_message(role: Role, content: &str) -> NewMessage {
    NewMessage {
        content: content.to_owned(),
        role,
    }
}

pub fn new_file(title: &str, text: &str) -> NewFile {
    NewFile {
        title: title.to_owned(),
        text: text.to_owned(),
        language: "python".to_owned(),
        extension: "py".to_owned(),
    }
}

pub fn key(name: &str, request: &str) -> Idempotency {
    Idempotency {
        key_hash: format!("key-{name}"),
        fingerprint: format!("request-{request}"),
    }
}

/// Creates a chat; the scenario fails if it cannot.
pub async fn created_chat<S: ApiStore>(store: &S, user: UserId, name: &str) -> Chat {
    store
        .create_chat(user, new_chat(name, "model"), now_ms(), None)
        .await
        .unwrap_or_else(|error| panic!("create chat {name}: {error}"))
        .value
}

/// Appends messages; the scenario fails if it cannot.
pub async fn appended<S: ApiStore>(
    store: &S,
    user: UserId,
    chat: ChatId,
    messages: &[(Role, &str)],
) -> Vec<ChatMessage> {
    let messages = messages
        .iter()
        .map(|(role, text)| new_message(*role, text))
        .collect();
    store
        .append_messages(user, chat, messages, now_ms(), None)
        .await
        .unwrap_or_else(|error| panic!("append messages: {error}"))
        .value
}

/// Every item of a list, page by page of `limit`, checking that each page but the last says
/// more follow.
pub async fn all_pages<T, F, Fut>(limit: usize, mut fetch: F, id_of: impl Fn(&T) -> u64) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(PageRequest {
            limit: Some(limit),
            after,
            byte_budget: usize::MAX,
        })
        .await
        .unwrap_or_else(|error| panic!("a page: {error}"));
        assert!(page.items.len() <= limit);
        after = page.items.last().map(&id_of);
        let more = page.has_more;
        items.extend(page.items);
        if !more {
            return items;
        }
        assert!(after.is_some(), "a page that says more follow has items");
    }
}

/// The error's name, or `"Ok"`.
pub fn outcome<T>(result: &Result<T, StoreError>) -> &'static str {
    match result {
        Ok(_) => "Ok",
        Err(error) => error.name(),
    }
}

// `contract_tests!`, with every scenario of the modules above (build.rs lists them).
include!(concat!(env!("OUT_DIR"), "/contract_scenarios.rs"));
