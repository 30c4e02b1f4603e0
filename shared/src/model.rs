//! What the API returns.

use serde::{Deserialize, Serialize};

pub use crate::validation::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    pub id: u64,
    pub name: String,
    pub model: String,
    pub neptun_user_id: u64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: u64,
    pub chat_conversation_id: u64,
    pub neptun_user_id: u64,
    pub message: String,
    pub actor: Role,
    pub created_at: String,
    pub updated_at: String,
}

/// A stored file. Its API representation (`ChatFile`, with `name`, `size`, `type` and a
/// signed `url`) is built per request, because the URL depends on the request's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub id: u64,
    pub chat_id: u64,
    pub message_id: u64,
    pub user_id: u64,
    pub title: String,
    pub text: String,
    pub language: String,
    pub extension: String,
    pub created_at_ms: u64,
}
