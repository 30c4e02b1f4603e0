//! Request validation with zod-style issues. Pure logic: no I/O, no AWS or Lambda types.
//!
//! - [`check_body_size`], [`body_format`]: request-level checks (413, 415); [`decode_body`]
//!   turns a JSON or form body into one `serde_json::Value` for the body parsers.
//! - [`parse_create_chat`], [`parse_create_messages`], [`parse_create_files`]: create bodies,
//!   validated from that value, whichever the format; every problem is reported as an [`Issue`] (400), a
//!   text over [`MAX_TEXT_BYTES`] is a [`BodyError::TooLarge`] (413, takes precedence).
//! - [`parse_path_id`], [`parse_page_query`], [`encode_cursor`]: path and query parameters;
//!   [`parse_chat_list_query`] adds the chat list's `order_by` and its keyset cursors.
//!
//! - [`budget`]: a body's values counted before they become a tree (memory bounded whatever a
//!   client sends).
//!
//! Decisions where the contract is silent:
//! - Texts, titles, names and models are stored verbatim (never trimmed). "Blank" means empty or
//!   only Unicode white space (plus U+FEFF, as JavaScript's `trim`).
//! - `language` / `extension`: absent, `""` or only white space mean the default (`text` /
//!   `txt`); `null` or a non-string is `invalid_type`. Same for `model` (default `""`).
//! - Character limits count Unicode scalar values; the text limits count UTF-8 bytes.
//! - A message batch has no count limit: the body limit bounds it. A files batch (or a list of
//!   chat ids) longer than [`MAX_BATCH`] gets one `too_big` issue plus the issues of its first
//!   [`MAX_BATCH`] items (later items are not inspected); the 413 text scan covers all items.
//! - A 400 lists at most [`MAX_ISSUES`] issues of a batch's items: the first ones, in order.
//! - A rejected enum value or `Content-Type` is echoed in the message cut to 64 characters.
//! - An empty body (or only white space) is a missing object: `invalid_type` / `Required` at
//!   `[]`. A leading UTF-8 BOM is ignored. Numbers beyond f64 (`1e400`) are `invalid_json`.
//! - Path ids reject leading zeros (`01`): one resource, one URL.
//! - Query values that are empty (`?limit=&cursor=`) count as absent; `limit` may have leading
//!   zeros. Cursors are bound to user, chat and list, and not signed; ordered chat cursors
//!   also to the (canonical) order. File titles may be empty, blank, `null` or absent (`""`).

mod bodies;
mod budget;
mod envelope;
mod fields;
mod issues;
mod lifecycle;
mod order;
mod params;
mod shape;
mod shares;

pub use bodies::{
    Batch, DEFAULT_EXTENSION, DEFAULT_LANGUAGE, MAX_CHAT_MODEL_CHARS, MAX_CHAT_NAME_CHARS,
    MAX_LANGUAGE_CHARS, MAX_TITLE_CHARS, NewChat, NewFile, NewMessage, parse_create_chat,
    parse_create_files, parse_create_messages, read_create_files, read_create_messages,
};
pub use budget::{MAX_FORM_PAIRS, MAX_JSON_VALUES, check_json_values};
pub(crate) use envelope::is_token;
pub use envelope::{BodyError, BodyFormat, body_format, check_body_size, decode_body};
pub(crate) use fields::is_blank;
pub use issues::{Issue, IssueCode, PathSegment, display_path, received_name};
pub use lifecycle::{
    ChatUpdate, ChatsToDelete, parse_delete_chats, parse_project_chat_ids, parse_update_chat,
};
pub use order::{
    ChatColumn, ChatListQuery, ChatOrder, Direction, MAX_ORDERED_CURSOR_CHARS, OrderTerm,
    chat_cursor_scope, decode_chat_cursor, encode_chat_cursor, parse_chat_list_query,
    parse_order_by,
};
pub use params::{
    Cursor, CursorScope, MAX_PAGE_LIMIT, PageQuery, decode_cursor, encode_cursor,
    parse_canonical_decimal, parse_page_query, parse_path_id,
};
pub use shares::{
    MAX_EMAIL_CHARS, MAX_WHITELIST, ShareSettings, normalize_email, parse_share_settings,
    parse_share_uuid, parse_whitelist,
};

/// Largest message text or file text, in UTF-8 bytes (256 KiB).
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Largest request body, in bytes (3 MiB).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;
/// Most files in one batch, and most chat ids in one list.
pub const MAX_BATCH: usize = 100;
/// Largest answer of a create, as it travels inside Lambda's response JSON: Lambda returns at
/// most 6 MB (6,291,456 bytes); the rest is room for its headers.
pub const MAX_ANSWER_BYTES: usize = 6 * 1024 * 1024 - 64 * 1024;
/// Most item issues one 400 reports.
pub const MAX_ISSUES: usize = 100;
