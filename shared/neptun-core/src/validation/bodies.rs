//! The create bodies: chats, messages (single or batch) and files (single or batch).

use crate::ids::ProjectId;
use serde::de::MapAccess;
use serde_json::Value;

use super::envelope::{
    BodyError, BodyFormat, MAX_ECHO_CHARS, into_object, text_too_large, truncate_chars,
};
use super::fields::{check_max_chars, check_not_blank, is_blank, optional_string, required_string};
use super::issues::{Issue, IssueCode, PathSegment, display_path};
use super::shape::{Fields, Found, List, ListSeed, Shaped, found, read_shaped, shaped_from};
use super::{MAX_ANSWER_BYTES, MAX_BATCH, MAX_ISSUES, MAX_TEXT_BYTES};
use crate::model::Role;

/// Longest chat name, in characters.
pub const MAX_CHAT_NAME_CHARS: usize = 256;
/// Longest chat model, in characters.
pub const MAX_CHAT_MODEL_CHARS: usize = 128;
/// Longest file title, in characters.
pub const MAX_TITLE_CHARS: usize = 1024;
/// Longest file language or extension, in characters.
pub const MAX_LANGUAGE_CHARS: usize = 64;
/// Language of a file that names none.
pub const DEFAULT_LANGUAGE: &str = "text";
/// Extension of a file that names none.
pub const DEFAULT_EXTENSION: &str = "txt";

/// The roles as zod's `util.joinValues` lists them.
const ROLE_CHOICES: &str = "'user' | 'assistant' | 'system'";

/// A chat to create: a valid `POST .../chats` body, and the project whose route it came by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChat {
    pub name: String,
    pub model: String,
    /// Set from the path of `POST .../projects/{project_id}/chats`, never from the body.
    pub project_id: Option<ProjectId>,
}

/// One valid message to create (from `{message, actor}` or a batch item `{content, role}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub content: String,
    pub role: Role,
}

/// One valid file to create, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub text: String,
    pub title: String,
    pub language: String,
    pub extension: String,
}

/// A create request: one item (single-object body) or a batch (array body). Keeps which form
/// came in, because the response shape differs (`chatMessage` vs `chatMessages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch<T> {
    Single(T),
    Many(Vec<T>),
}

impl<T> Batch<T> {
    /// The items in input order.
    pub fn items(&self) -> &[T] {
        match self {
            Batch::Single(item) => std::slice::from_ref(item),
            Batch::Many(items) => items,
        }
    }

    /// The items in input order, owned.
    pub fn into_items(self) -> Vec<T> {
        match self {
            Batch::Single(item) => vec![item],
            Batch::Many(items) => items,
        }
    }

    /// Whether the body was a single object (respond with `chatMessage` / `chatFile`).
    pub fn is_single(&self) -> bool {
        matches!(self, Batch::Single(_))
    }

    pub fn len(&self) -> usize {
        self.items().len()
    }

    /// Never true for a parsed body (a batch holds at least one item).
    pub fn is_empty(&self) -> bool {
        self.items().is_empty()
    }
}

/// `POST /api/users/{user_id}/chats`: `{"name": string, "model"?: string}`.
pub fn parse_create_chat(body: Value) -> Result<NewChat, BodyError> {
    let mut obj = into_object(body)?;
    let mut issues = Vec::new();
    let name = required_string(&mut obj, "name", &[], &mut issues);
    if let Some(name) = &name {
        check_name(name, &mut issues);
    }
    let model = optional_string(&mut obj, "model", &[], &mut issues);
    if let Some(model) = &model {
        check_model(model, &mut issues);
    }
    match name {
        Some(name) if issues.is_empty() => Ok(NewChat {
            name,
            model: model.unwrap_or_default(),
            project_id: None,
        }),
        _ => Err(BodyError::Invalid(issues)),
    }
}

/// A chat's `name`: non-blank, at most [`MAX_CHAT_NAME_CHARS`] (a create's and an update's).
pub(super) fn check_name(name: &str, issues: &mut Vec<Issue>) {
    check_not_blank(
        name,
        "Name must not be empty or only white space",
        || vec!["name".into()],
        issues,
    );
    check_max_chars(name, MAX_CHAT_NAME_CHARS, || vec!["name".into()], issues);
}

/// A chat's `model`: at most [`MAX_CHAT_MODEL_CHARS`].
pub(super) fn check_model(model: &str, issues: &mut Vec<Issue>) {
    check_max_chars(model, MAX_CHAT_MODEL_CHARS, || vec!["model".into()], issues);
}

/// `POST .../chats/{chat_id}/messages`: `{"messages": [{content, role}, ...]}` (a body with a
/// `messages` key) or `{"message": string, "actor": Role}` (any other body), read straight
/// from its JSON or its form into the fields it has ([`shape`](super::shape)).
pub fn read_create_messages(
    format: BodyFormat,
    body: &[u8],
) -> Result<Batch<NewMessage>, BodyError> {
    create_messages(read_shaped(format, body)?)
}

/// [`read_create_messages`] of a body already decoded (a fuzz input, the tests).
pub fn parse_create_messages(body: Value) -> Result<Batch<NewMessage>, BodyError> {
    create_messages(shaped_from(body)?)
}

/// The fields of a messages body.
#[derive(Debug, Default)]
struct MessagesBody {
    messages: List<MessageFields>,
    message: Found,
    actor: Found,
}

impl Fields for MessagesBody {
    const KEYS: &'static [&'static str] = &["messages", "message", "actor"];

    fn read<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error> {
        match index {
            // Bounded by the body limit alone: the web app saves a whole playground at once.
            0 => self.messages = map.next_value_seed(ListSeed::new(usize::MAX, MAX_TEXT_BYTES))?,
            1 => self.message = found(map)?,
            _ => self.actor = found(map)?,
        }
        Ok(())
    }
}

/// The fields of a batch's message.
#[derive(Debug, Default)]
struct MessageFields {
    content: Found,
    role: Found,
}

impl Fields for MessageFields {
    const KEYS: &'static [&'static str] = &["content", "role"];

    fn read<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error> {
        match index {
            0 => self.content = found(map)?,
            _ => self.role = found(map)?,
        }
        Ok(())
    }

    fn text_len(&self) -> Option<usize> {
        self.content.text_len()
    }
}

fn create_messages(body: MessagesBody) -> Result<Batch<NewMessage>, BodyError> {
    let MessagesBody {
        messages,
        message,
        actor,
    } = body;
    if matches!(messages, List::Absent) {
        check_text_size(&message, TextFields::MESSAGES.what, "message")?;
    }
    let single = |issues: &mut Vec<Issue>| {
        let fields = MessageFields {
            content: message,
            role: actor,
        };
        new_message(fields, ["message", "actor"], ItemPath::Body, issues)
    };
    let batch = parse_batch(
        messages,
        TextFields::MESSAGES,
        None,
        single,
        |fields, path, issues| new_message(fields, ["content", "role"], path, issues),
    )?;
    check_answer_size(batch.items())?;
    Ok(batch)
}

/// A message from its text and role, found under `keys` (a single body's `message` and
/// `actor`, a batch item's `content` and `role`).
fn new_message(
    fields: MessageFields,
    keys: [&str; 2],
    path: ItemPath,
    issues: &mut Vec<Issue>,
) -> Option<NewMessage> {
    let content_path = || path.child(keys[0]);
    let content = fields.content.required(content_path, issues);
    if let Some(content) = &content {
        check_not_blank(
            content,
            "Message text must not be empty or only white space",
            content_path,
            issues,
        );
    }
    let role = required_role(fields.role, || path.child(keys[1]), issues);
    Some(NewMessage {
        content: content?,
        role: role?,
    })
}

/// 413 when the answer to a batch would pass [`MAX_ANSWER_BYTES`]: Lambda refuses to return
/// it, after the messages were stored. Its body travels as a JSON string inside Lambda's own
/// JSON, so each text is counted as escaped twice, and each message with its other fields at
/// their widest.
fn check_answer_size(messages: &[NewMessage]) -> Result<(), BodyError> {
    let bytes: usize = messages
        .iter()
        .map(|message| ANSWER_BYTES_PER_MESSAGE + escaped_twice_len(&message.content))
        .sum();
    if bytes > MAX_ANSWER_BYTES {
        return Err(BodyError::TooLarge {
            limit: format!(
                "The answer to this batch would be about {bytes} bytes, and a response may be at most {MAX_ANSWER_BYTES} bytes (AWS Lambda's 6 MB); send its messages in two or more requests."
            ),
        });
    }
    Ok(())
}

/// One message of a batch's answer without its text, its ids at their widest, as it travels
/// inside Lambda's JSON (a test measures it).
const ANSWER_BYTES_PER_MESSAGE: usize = 256;

/// The bytes of `text` serialized as a JSON string and that again, without the quotes.
fn escaped_twice_len(text: &str) -> usize {
    // By bytes: those of a multi-byte character are all above ASCII and count one each.
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' => 4,
            b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 3,
            b if b < b' ' => 7,
            _ => 1,
        })
        .sum()
}

/// `POST .../chats/{chat_id}/files/{message_id}`: `{"files": [FileInput, ...]}` (a body with a
/// `files` key) or one `FileInput` = `{text, title?, language?, extension?}`, read straight
/// from its JSON or its form into the fields it has ([`shape`](super::shape)).
pub fn read_create_files(format: BodyFormat, body: &[u8]) -> Result<Batch<NewFile>, BodyError> {
    create_files(read_shaped(format, body)?)
}

/// [`read_create_files`] of a body already decoded (a fuzz input, the tests).
pub fn parse_create_files(body: Value) -> Result<Batch<NewFile>, BodyError> {
    create_files(shaped_from(body)?)
}

/// The fields of a files body: the batch, or the one file's own.
#[derive(Debug, Default)]
struct FilesBody {
    files: List<FileFields>,
    file: FileFields,
}

impl Fields for FilesBody {
    const KEYS: &'static [&'static str] = &["files", "text", "title", "language", "extension"];

    fn read<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error> {
        match index {
            // Items past the most a batch may hold are only checked for their texts' size.
            0 => self.files = map.next_value_seed(ListSeed::new(MAX_BATCH, MAX_TEXT_BYTES))?,
            field => self.file.read(field - 1, map)?,
        }
        Ok(())
    }
}

/// The fields of a file.
#[derive(Debug, Default)]
struct FileFields {
    text: Found,
    title: Found,
    language: Found,
    extension: Found,
}

impl Fields for FileFields {
    const KEYS: &'static [&'static str] = &["text", "title", "language", "extension"];

    fn read<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error> {
        let field = match index {
            0 => &mut self.text,
            1 => &mut self.title,
            2 => &mut self.language,
            _ => &mut self.extension,
        };
        *field = found(map)?;
        Ok(())
    }

    fn text_len(&self) -> Option<usize> {
        self.text.text_len()
    }
}

fn create_files(body: FilesBody) -> Result<Batch<NewFile>, BodyError> {
    let FilesBody { files, file } = body;
    if matches!(files, List::Absent) {
        check_text_size(&file.text, TextFields::FILES.what, "text")?;
    }
    parse_batch(
        files,
        TextFields::FILES,
        Some(MAX_BATCH),
        |issues| new_file(file, ItemPath::Body, issues),
        new_file,
    )
}

fn new_file(fields: FileFields, path: ItemPath, issues: &mut Vec<Issue>) -> Option<NewFile> {
    let text = fields.text.required(|| path.child("text"), issues);
    let title = optional_title(fields.title, || path.child("title"), issues);
    let language = optional_label(
        fields.language,
        DEFAULT_LANGUAGE,
        || path.child("language"),
        issues,
    );
    let extension = optional_label(
        fields.extension,
        DEFAULT_EXTENSION,
        || path.child("extension"),
        issues,
    );
    Some(NewFile {
        text: text?,
        title: title?,
        language,
        extension,
    })
}

/// `title`: a string of at most [`MAX_TITLE_CHARS`] characters, stored verbatim; it may be
/// empty or blank (a code block written without `:title`), and `null` or absent means `""`.
fn optional_title(
    title: Found,
    path: impl Fn() -> Vec<PathSegment>,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    match title {
        Found::Absent | Found::Other("null") => Some(String::new()),
        Found::Text(title) => {
            check_max_chars(&title, MAX_TITLE_CHARS, path, issues);
            Some(title)
        }
        Found::Other(received) => {
            issues.push(Issue::wrong_type_named("string", received, path()));
            None
        }
    }
}

/// `language` / `extension`: optional string of at most [`MAX_LANGUAGE_CHARS`] characters;
/// absent, empty or only white space means `default`. Otherwise stored verbatim.
fn optional_label(
    label: Found,
    default: &str,
    path: impl Fn() -> Vec<PathSegment>,
    issues: &mut Vec<Issue>,
) -> String {
    match label.optional(&path, issues) {
        Some(value) => {
            check_max_chars(&value, MAX_LANGUAGE_CHARS, path, issues);
            if is_blank(&value) {
                default.to_owned()
            } else {
                value
            }
        }
        None => default.to_owned(),
    }
}

/// A required `Role`, with zod's `z.enum` issues.
fn required_role(
    role: Found,
    path: impl Fn() -> Vec<PathSegment>,
    issues: &mut Vec<Issue>,
) -> Option<Role> {
    let expected = ROLE_CHOICES;
    match role {
        Found::Absent => {
            issues.push(Issue::required(path()));
            None
        }
        Found::Text(name) => {
            let role = Role::from_name(&name);
            if role.is_none() {
                issues.push(Issue::new(
                    IssueCode::InvalidEnumValue,
                    format!(
                        "Invalid enum value. Expected {expected}, received '{}'",
                        truncate_chars(&name, MAX_ECHO_CHARS)
                    ),
                    path(),
                ));
            }
            role
        }
        Found::Other(received) => {
            issues.push(Issue::wrong_type_named(expected, received, path()));
            None
        }
    }
}

/// Where the size-limited texts are in a body.
struct TextFields {
    /// "message" / "file" (for the 413 sentence).
    what: &'static str,
    batch_key: &'static str,
    item_key: &'static str,
}

impl TextFields {
    const MESSAGES: TextFields = TextFields {
        what: "message",
        batch_key: "messages",
        item_key: "content",
    };
    const FILES: TextFields = TextFields {
        what: "file",
        batch_key: "files",
        item_key: "text",
    };
}

/// 413 when a single body's text at `location` is over [`MAX_TEXT_BYTES`]: before the 400
/// checks, a 413 takes precedence.
fn check_text_size(text: &Found, what: &str, location: &str) -> Result<(), BodyError> {
    match text.text_len() {
        Some(len) if len > MAX_TEXT_BYTES => Err(text_too_large(what, location, len)),
        _ => Ok(()),
    }
}

/// Where an item of a body is: the body itself, or an element of its batch. Its issue paths
/// are built only for an issue: most items have none.
#[derive(Debug, Clone, Copy)]
enum ItemPath {
    Body,
    Item { list: &'static str, index: usize },
}

impl ItemPath {
    fn path(self) -> Vec<PathSegment> {
        match self {
            Self::Body => Vec::new(),
            Self::Item { list, index } => vec![list.into(), index.into()],
        }
    }

    /// The path of the item's field `key`.
    fn child(self, key: &str) -> Vec<PathSegment> {
        let mut path = self.path();
        path.push(key.into());
        path
    }
}

/// A body without its batch key is one item, parsed by `single` with path `[]`; else the batch
/// is a list of at least one object (at most `max_items` when given), each parsed by `item`
/// with its path (`[batch_key, index]`). A text over [`MAX_TEXT_BYTES`] anywhere in the list
/// (even past `max_items`) is a 413 first. The issues of the items are collected up to
/// [`MAX_ISSUES`], so that a 400's answer stays small whatever the batch. Items beyond
/// `max_items` are not inspected: the batch is rejected as `too_big` anyway.
fn parse_batch<F, T>(
    list: List<F>,
    fields: TextFields,
    max_items: Option<usize>,
    single: impl FnOnce(&mut Vec<Issue>) -> Option<T>,
    item: impl Fn(F, ItemPath, &mut Vec<Issue>) -> Option<T>,
) -> Result<Batch<T>, BodyError> {
    let mut issues = Vec::new();
    let path = || vec![PathSegment::from(fields.batch_key)];
    let batch = match list {
        List::Absent => single(&mut issues).map(Batch::Single),
        List::Other(received) => {
            issues.push(Issue::wrong_type_named("array", received, path()));
            None
        }
        List::Items {
            kept,
            len,
            oversized,
        } => {
            if let Some((index, bytes)) = oversized {
                let at: [PathSegment; 3] = [
                    fields.batch_key.into(),
                    index.into(),
                    fields.item_key.into(),
                ];
                return Err(text_too_large(fields.what, &display_path(&at), bytes));
            }
            if len == 0 {
                issues.push(Issue::new(
                    IssueCode::TooSmall,
                    "Array must contain at least 1 element(s)",
                    path(),
                ));
            } else if let Some(max) = max_items.filter(|&max| len > max) {
                issues.push(Issue::new(
                    IssueCode::TooBig,
                    format!("Array must contain at most {max} element(s)"),
                    path(),
                ));
            }
            let mut items = Vec::with_capacity(kept.len());
            for (index, value) in kept.into_iter().enumerate() {
                if issues.len() >= MAX_ISSUES {
                    break;
                }
                let item_path = ItemPath::Item {
                    list: fields.batch_key,
                    index,
                };
                match value {
                    Shaped::Object(fields) => {
                        if let Some(parsed) = item(fields, item_path, &mut issues) {
                            items.push(parsed);
                        }
                    }
                    Shaped::Other(received) => {
                        issues.push(Issue::wrong_type_named(
                            "object",
                            received,
                            item_path.path(),
                        ));
                    }
                }
            }
            issues.truncate(MAX_ISSUES);
            Some(Batch::Many(items))
        }
    };
    match batch {
        Some(batch) if issues.is_empty() => Ok(batch),
        _ => Err(BodyError::Invalid(issues)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::envelope::from_json;

    // The tests give JSON bytes, as a route with a JSON body reads them.
    fn parse_create_chat(body: &[u8]) -> Result<NewChat, BodyError> {
        from_json(body, super::parse_create_chat)
    }

    // The messages and files bodies are read straight from their JSON; read as a tree first,
    // they must give the same.
    fn parse_create_messages(body: &[u8]) -> Result<Batch<NewMessage>, BodyError> {
        let read = super::read_create_messages(BodyFormat::Json, body);
        same_as_from_tree(body, &read, super::parse_create_messages);
        read
    }

    fn parse_create_files(body: &[u8]) -> Result<Batch<NewFile>, BodyError> {
        let read = super::read_create_files(BodyFormat::Json, body);
        same_as_from_tree(body, &read, super::parse_create_files);
        read
    }

    /// What a JSON body read straight gives is what its tree gives. (Skipped values are not
    /// checked: a lone surrogate escape there passes, as in JavaScript's `JSON.parse`.)
    fn same_as_from_tree<T: std::fmt::Debug>(
        body: &[u8],
        read: &Result<T, BodyError>,
        parse: fn(Value) -> Result<T, BodyError>,
    ) {
        if crate::validation::envelope::parse_json(body).is_ok() {
            let from_tree = from_json(body, parse);
            assert_eq!(format!("{read:?}"), format!("{from_tree:?}"));
        }
    }

    use serde_json::json;

    fn issues(result: Result<impl std::fmt::Debug, BodyError>) -> Value {
        match result {
            Err(BodyError::Invalid(issues)) => serde_json::to_value(issues).unwrap_or_default(),
            other => panic!("expected 400 issues, got {other:?}"),
        }
    }

    fn too_large(result: Result<impl std::fmt::Debug, BodyError>) -> String {
        match result {
            Err(BodyError::TooLarge { limit }) => limit,
            other => panic!("expected 413, got {other:?}"),
        }
    }

    fn body(value: Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap_or_default()
    }

    fn message_items(n: usize) -> Value {
        Value::Array(
            (0..n)
                .map(|i| json!({"content": format!("m{i}"), "role": "user"}))
                .collect(),
        )
    }

    fn file_items(n: usize) -> Value {
        Value::Array(
            (0..n)
                .map(|i| json!({"text": "", "title": format!("f{i}.txt")}))
                .collect(),
        )
    }

    // ---- Batch ----

    #[test]
    fn batch_helpers() {
        let single = Batch::Single(1);
        assert!(single.is_single());
        assert_eq!(single.len(), 1);
        assert!(!single.is_empty());
        assert_eq!(single.items(), &[1]);
        assert_eq!(single.into_items(), vec![1]);

        let many = Batch::Many(vec![1, 2, 3]);
        assert!(!many.is_single());
        assert_eq!(many.len(), 3);
        assert_eq!(many.items(), &[1, 2, 3]);
        assert_eq!(many.into_items(), vec![1, 2, 3]);
    }

    #[test]
    fn role_names() {
        let listed: Vec<String> = Role::ALL.iter().map(|r| format!("'{r}'")).collect();
        assert_eq!(listed.join(" | "), ROLE_CHOICES);
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).ok(),
                Some(json!(role.to_string()))
            );
        }
        assert_eq!(Role::from_name("User"), None);
        assert_eq!(
            serde_json::from_value::<Role>(json!("assistant")).ok(),
            Some(Role::Assistant)
        );
    }

    // ---- chats ----

    #[test]
    fn chat_ok_with_default_model() {
        let chat = parse_create_chat(br#"{"name": "  My chat ", "extra": 1}"#).ok();
        assert_eq!(
            chat,
            Some(NewChat {
                name: "  My chat ".to_owned(),
                model: String::new(),
                project_id: None,
            })
        );
        let chat = parse_create_chat(br#"{"name": "c", "model": "gpt"}"#).ok();
        assert_eq!(chat.map(|c| c.model), Some("gpt".to_owned()));
    }

    #[test]
    fn chat_issues() {
        assert_eq!(
            issues(parse_create_chat(b"{}")),
            json!([{"code": "invalid_type", "message": "Required", "path": ["name"]}])
        );
        assert_eq!(
            issues(parse_create_chat(br#"{"name": " ", "model": null}"#)),
            json!([
                {"code": "too_small", "message": "Name must not be empty or only white space", "path": ["name"]},
                {"code": "invalid_type", "message": "Expected string, received null", "path": ["model"]}
            ])
        );
        let long = body(json!({"name": "é".repeat(257), "model": "m".repeat(129)}));
        assert_eq!(
            issues(parse_create_chat(&long)),
            json!([
                {"code": "too_big", "message": "String must contain at most 256 character(s)", "path": ["name"]},
                {"code": "too_big", "message": "String must contain at most 128 character(s)", "path": ["model"]}
            ])
        );
        let exact = body(json!({"name": "é".repeat(256), "model": "m".repeat(128)}));
        assert!(parse_create_chat(&exact).is_ok());
        assert_eq!(
            issues(parse_create_chat(br#"{"name": 5}"#)),
            json!([{"code": "invalid_type", "message": "Expected string, received number", "path": ["name"]}])
        );
    }

    #[test]
    fn chat_non_object_bodies() {
        assert_eq!(
            issues(parse_create_chat(b"[]")),
            json!([{"code": "invalid_type", "message": "Expected object, received array", "path": []}])
        );
        assert_eq!(
            issues(parse_create_chat(b"")),
            json!([{"code": "invalid_type", "message": "Required", "path": []}])
        );
    }

    // ---- messages ----

    #[test]
    fn single_message_ok_and_verbatim() {
        let parsed = parse_create_messages(br#"{"message": "  hi \n", "actor": "assistant"}"#);
        assert_eq!(
            parsed.ok(),
            Some(Batch::Single(NewMessage {
                content: "  hi \n".to_owned(),
                role: Role::Assistant
            }))
        );
    }

    #[test]
    fn batch_message_ok_in_order() {
        let parsed = parse_create_messages(
            br#"{"messages": [{"content": "a", "role": "user"}, {"content": "b", "role": "system", "x": 1}], "message": 5}"#,
        );
        assert_eq!(
            parsed.ok(),
            Some(Batch::Many(vec![
                NewMessage {
                    content: "a".to_owned(),
                    role: Role::User
                },
                NewMessage {
                    content: "b".to_owned(),
                    role: Role::System
                },
            ]))
        );
    }

    #[test]
    fn single_message_issues() {
        assert_eq!(
            issues(parse_create_messages(b"{}")),
            json!([
                {"code": "invalid_type", "message": "Required", "path": ["message"]},
                {"code": "invalid_type", "message": "Required", "path": ["actor"]}
            ])
        );
        assert_eq!(
            issues(parse_create_messages(br#"{"message": "", "actor": "bot"}"#)),
            json!([
                {"code": "too_small", "message": "Message text must not be empty or only white space", "path": ["message"]},
                {"code": "invalid_enum_value", "message": "Invalid enum value. Expected 'user' | 'assistant' | 'system', received 'bot'", "path": ["actor"]}
            ])
        );
        // A batch-shaped item without the `messages` key is a single message.
        assert_eq!(
            issues(parse_create_messages(
                br#"{"content": "x", "role": "user"}"#
            )),
            json!([
                {"code": "invalid_type", "message": "Required", "path": ["message"]},
                {"code": "invalid_type", "message": "Required", "path": ["actor"]}
            ])
        );
    }

    #[test]
    fn whitespace_only_text_is_too_small() {
        for text in ["", " ", "\n\t\r ", "\u{a0}\u{3000}"] {
            let parsed = parse_create_messages(&body(json!({"message": text, "actor": "user"})));
            assert_eq!(
                issues(parsed),
                json!([{"code": "too_small", "message": "Message text must not be empty or only white space", "path": ["message"]}]),
                "{text:?}"
            );
        }
    }

    #[test]
    fn multi_problem_batch_reports_everything() {
        let parsed = parse_create_messages(&body(json!({"messages": [
            {"content": "ok", "role": "user"},
            {"content": "hi", "role": "bot"},
            {"content": "  ", "role": "user"},
            {"role": 1},
            "x",
            {"content": null, "role": null},
            {"content": ["a"], "role": "User"}
        ]})));
        let enum_msg = "Invalid enum value. Expected 'user' | 'assistant' | 'system'";
        assert_eq!(
            issues(parsed),
            json!([
                {"code": "invalid_enum_value", "message": format!("{enum_msg}, received 'bot'"), "path": ["messages", 1, "role"]},
                {"code": "too_small", "message": "Message text must not be empty or only white space", "path": ["messages", 2, "content"]},
                {"code": "invalid_type", "message": "Required", "path": ["messages", 3, "content"]},
                {"code": "invalid_type", "message": "Expected 'user' | 'assistant' | 'system', received number", "path": ["messages", 3, "role"]},
                {"code": "invalid_type", "message": "Expected object, received string", "path": ["messages", 4]},
                {"code": "invalid_type", "message": "Expected string, received null", "path": ["messages", 5, "content"]},
                {"code": "invalid_type", "message": "Expected 'user' | 'assistant' | 'system', received null", "path": ["messages", 5, "role"]},
                {"code": "invalid_type", "message": "Expected string, received array", "path": ["messages", 6, "content"]},
                {"code": "invalid_enum_value", "message": format!("{enum_msg}, received 'User'"), "path": ["messages", 6, "role"]}
            ])
        );
    }

    #[test]
    fn messages_key_makes_a_batch_whatever_its_value() {
        for (value, received) in [
            (json!(null), "null"),
            (json!({}), "object"),
            (json!("x"), "string"),
        ] {
            assert_eq!(
                issues(parse_create_messages(&body(
                    json!({"messages": value, "message": "m", "actor": "user"})
                ))),
                json!([{"code": "invalid_type", "message": format!("Expected array, received {received}"), "path": ["messages"]}])
            );
        }
    }

    #[test]
    fn answer_size_is_counted_as_lambda_returns_it() {
        use crate::ids::{ChatId, MessageId, UserId};
        let widest = crate::model::ChatMessage {
            id: MessageId(crate::ids::MAX_ID),
            chat_conversation_id: ChatId(crate::ids::MAX_ID),
            neptun_user_id: UserId(u64::MAX),
            message: String::new(),
            actor: crate::model::Role::Assistant,
            created_at: "2026-12-07T06:38:49.123Z".to_owned(),
            updated_at: "2026-12-07T06:38:49.123Z".to_owned(),
        };
        let twice = |value: &Value| {
            let once = serde_json::to_string(value).unwrap_or_default();
            serde_json::to_string(&once).unwrap_or_default().len()
        };
        // One more message adds its JSON, a comma, escaped once more.
        let one = twice(&json!([widest.clone()]));
        let two = twice(&json!([widest.clone(), widest]));
        assert!(two - one <= ANSWER_BYTES_PER_MESSAGE, "{}", two - one);
        for text in [
            "plain",
            "quote \" and \\ back",
            "line\nbreak\ttab",
            "\u{1}\u{1f}",
            "ßäöü 日本 🐍",
        ] {
            // Less the outer quotes and the inner ones, escaped.
            assert_eq!(escaped_twice_len(text), twice(&json!(text)) - 6, "{text:?}");
        }
    }

    #[test]
    fn a_batch_whose_answer_passes_lambdas_limit_is_a_413() {
        // 1,000 messages of 1.5 KB (the playground's whole conversation) are welcome.
        let text = "x".repeat(1_500);
        let playground: Vec<Value> = (0..1000)
            .map(|_| json!({"content": text, "role": "assistant"}))
            .collect();
        let parsed = parse_create_messages(&body(json!({"messages": playground})));
        assert_eq!(parsed.map(|b| b.len()).ok(), Some(1000));
        // 30,000 one-letter messages fit the body limit, but not the answer.
        let tiny: Vec<Value> = (0..30_000)
            .map(|_| json!({"content": "x", "role": "user"}))
            .collect();
        match parse_create_messages(&body(json!({"messages": tiny}))) {
            Err(BodyError::TooLarge { limit }) => assert!(limit.contains("6 MB"), "{limit}"),
            other => panic!("expected a 413, got {other:?}"),
        }
    }

    #[test]
    fn message_batch_bounds() {
        assert_eq!(
            issues(parse_create_messages(br#"{"messages": []}"#)),
            json!([{"code": "too_small", "message": "Array must contain at least 1 element(s)", "path": ["messages"]}])
        );
        // No count limit: the body limit bounds a batch.
        let thousands = parse_create_messages(&body(json!({"messages": message_items(5000)})));
        assert_eq!(thousands.map(|b| b.len()).ok(), Some(5000));
        // Issues are listed up to MAX_ISSUES, the first ones in order.
        let blank: Vec<Value> = (0..300).map(|_| json!({})).collect();
        let listed = issues(parse_create_messages(&body(json!({"messages": blank}))));
        let listed = listed.as_array().map(Vec::len);
        assert_eq!(listed, Some(crate::validation::MAX_ISSUES));
    }

    #[test]
    fn message_text_size_limit() {
        let exact = "a".repeat(MAX_TEXT_BYTES);
        let parsed = parse_create_messages(&body(json!({"message": exact, "actor": "user"})));
        assert_eq!(
            parsed.map(|b| b.items()[0].content.len()).ok(),
            Some(MAX_TEXT_BYTES)
        );

        // Bytes, not characters: 2-byte characters make 256 KiB + 2 bytes.
        let over = "é".repeat(MAX_TEXT_BYTES / 2 + 1);
        assert_eq!(
            too_large(parse_create_messages(&body(
                json!({"message": over, "actor": "user"})
            ))),
            "A message text may be at most 262144 bytes (256 KiB) of UTF-8; message has 262146."
        );

        let over = "a".repeat(MAX_TEXT_BYTES + 1);
        assert_eq!(
            too_large(parse_create_messages(&body(json!({"messages": [
                {"content": "x", "role": "bot"},
                {"content": "y", "role": "user"},
                {"content": over, "role": "user"}
            ]})))),
            "A message text may be at most 262144 bytes (256 KiB) of UTF-8; messages[2].content has 262145."
        );
    }

    #[test]
    fn too_large_text_wins_over_issues_and_batch_size() {
        let mut items = message_items(120);
        if let Some(list) = items.as_array_mut() {
            list[110] = json!({"content": "a".repeat(MAX_TEXT_BYTES + 1), "role": "nobody"});
        }
        let message = too_large(parse_create_messages(&body(json!({"messages": items}))));
        assert!(
            message.ends_with("messages[110].content has 262145."),
            "{message}"
        );
    }

    #[test]
    fn long_enum_values_are_truncated_in_messages() {
        let parsed =
            parse_create_messages(&body(json!({"message": "m", "actor": "x".repeat(10_000)})));
        let issues = issues(parsed);
        let message = issues[0]["message"].as_str().unwrap_or_default();
        assert!(message.len() < 200, "{message}");
        assert!(message.ends_with("…'"), "{message}");
    }

    // ---- files ----

    #[test]
    fn single_file_defaults() {
        let parsed = parse_create_files(br#"{"text": "", "title": "notes"}"#);
        assert_eq!(
            parsed.ok(),
            Some(Batch::Single(NewFile {
                text: String::new(),
                title: "notes".to_owned(),
                language: "text".to_owned(),
                extension: "txt".to_owned(),
            }))
        );
        // Empty or blank language / extension mean the default too.
        let parsed = parse_create_files(
            br#"{"text": "x", "title": "t", "language": "", "extension": "  "}"#,
        )
        .ok()
        .map(Batch::into_items);
        assert_eq!(
            parsed.map(|f| (f[0].language.clone(), f[0].extension.clone())),
            Some(("text".to_owned(), "txt".to_owned()))
        );
    }

    #[test]
    fn file_batch_ok() {
        let parsed = parse_create_files(&body(json!({"files": [
            {"text": "print('hi')", "title": "a.py", "language": "python", "extension": "py"},
            {"text": "b", "title": "b"}
        ]})));
        assert_eq!(
            parsed.ok(),
            Some(Batch::Many(vec![
                NewFile {
                    text: "print('hi')".to_owned(),
                    title: "a.py".to_owned(),
                    language: "python".to_owned(),
                    extension: "py".to_owned(),
                },
                NewFile {
                    text: "b".to_owned(),
                    title: "b".to_owned(),
                    language: "text".to_owned(),
                    extension: "txt".to_owned(),
                },
            ]))
        );
    }

    #[test]
    fn file_issues() {
        // The title may be absent (contract: a code block without a title); the text may not.
        assert_eq!(
            issues(parse_create_files(b"{}")),
            json!([
                {"code": "invalid_type", "message": "Required", "path": ["text"]}
            ])
        );
        assert_eq!(
            issues(parse_create_files(&body(json!({"files": [
                {"text": 1, "title": 5, "language": null, "extension": 3},
                {"text": "", "title": "t", "language": "l".repeat(65), "extension": "e".repeat(65)},
                {"text": "", "title": "t", "language": "l".repeat(64), "extension": "e".repeat(64)},
                []
            ]})))),
            json!([
                {"code": "invalid_type", "message": "Expected string, received number", "path": ["files", 0, "text"]},
                {"code": "invalid_type", "message": "Expected string, received number", "path": ["files", 0, "title"]},
                {"code": "invalid_type", "message": "Expected string, received null", "path": ["files", 0, "language"]},
                {"code": "invalid_type", "message": "Expected string, received number", "path": ["files", 0, "extension"]},
                {"code": "too_big", "message": "String must contain at most 64 character(s)", "path": ["files", 1, "language"]},
                {"code": "too_big", "message": "String must contain at most 64 character(s)", "path": ["files", 1, "extension"]},
                {"code": "invalid_type", "message": "Expected object, received array", "path": ["files", 3]}
            ])
        );
    }

    #[test]
    fn titles_may_be_empty_blank_null_or_absent() {
        let titles = |body: Value| {
            parse_create_files(&serde_json::to_vec(&body).unwrap_or_default())
                .ok()
                .map(|batch| {
                    batch
                        .into_items()
                        .into_iter()
                        .map(|file| file.title)
                        .collect::<Vec<_>>()
                })
        };
        assert_eq!(
            titles(json!({"text": "x", "title": ""})),
            Some(vec![String::new()])
        );
        assert_eq!(
            titles(json!({"text": "x", "title": null})),
            Some(vec![String::new()])
        );
        assert_eq!(titles(json!({"text": "x"})), Some(vec![String::new()]));
        // Stored verbatim, white space included.
        assert_eq!(
            titles(json!({"text": "x", "title": "  "})),
            Some(vec!["  ".to_owned()])
        );
        assert_eq!(
            titles(json!({"files": [
                {"text": "a", "title": "a.py"},
                {"text": "b", "title": ""},
                {"text": "c", "title": null},
                {"text": "d"}
            ]})),
            Some(vec![
                "a.py".to_owned(),
                String::new(),
                String::new(),
                String::new()
            ])
        );
        for (title, received) in [
            (json!(1), "number"),
            (json!([]), "array"),
            (json!(false), "boolean"),
        ] {
            assert_eq!(
                issues(parse_create_files(&body(
                    json!({"text": "x", "title": title})
                ))),
                json!([{"code": "invalid_type", "message": format!("Expected string, received {received}"), "path": ["title"]}])
            );
        }
    }

    /// The bodies the web app's dashboard posts (`persistCodeBlocks` in
    /// `composables/useDashboard.ts`): one object for a single code block, `{files}` for more,
    /// each with the ids the path already names.
    #[test]
    fn the_dashboards_code_block_bodies() {
        let single = br#"{"neptun_user_id":1,"chat_conversation_id":1000,"chat_conversation_message_id":4096,"title":"","text":"print('hi')","language":"python","extension":"py"}"#;
        assert_eq!(
            parse_create_files(single).ok(),
            Some(Batch::Single(NewFile {
                text: "print('hi')".to_owned(),
                title: String::new(),
                language: "python".to_owned(),
                extension: "py".to_owned(),
            }))
        );
        let batch = br#"{"files":[{"neptun_user_id":1,"chat_conversation_id":1000,"chat_conversation_message_id":4096,"title":"main.rs","text":"fn main() {}","language":"rust","extension":"rs"},{"neptun_user_id":1,"chat_conversation_id":1000,"chat_conversation_message_id":4096,"title":"","text":"ls -la","language":"bash","extension":"sh"}]}"#;
        let parsed = parse_create_files(batch).ok().map(Batch::into_items);
        assert_eq!(
            parsed.map(|files| files
                .into_iter()
                .map(|f| (f.title, f.extension))
                .collect::<Vec<_>>()),
            Some(vec![
                ("main.rs".to_owned(), "rs".to_owned()),
                (String::new(), "sh".to_owned())
            ])
        );
    }

    /// The AI SDK messages the dashboard posts as `{messages}` (`useChat`'s `Message`): the
    /// extra fields are ignored.
    #[test]
    fn ai_sdk_messages_are_accepted() {
        let body = br#"{"messages":[{"id":"msg-Xb2","createdAt":"2025-02-10T09:15:00.000Z","role":"user","content":"Write hello world in Python","parts":[{"type":"text","text":"Write hello world in Python"}]},{"id":"msg-Yc3","createdAt":"2025-02-10T09:15:02.500Z","role":"assistant","content":"```python\nprint('Hello, World!')\n```","revisionId":"r1","toolInvocations":[],"parts":[{"type":"step-start"},{"type":"text","text":"```python\nprint('Hello, World!')\n```"}]}]}"#;
        let parsed = parse_create_messages(body).ok().map(Batch::into_items);
        assert_eq!(
            parsed.map(|m| m.into_iter().map(|m| m.role).collect::<Vec<_>>()),
            Some(vec![Role::User, Role::Assistant])
        );
    }

    #[test]
    fn title_length_counts_unicode_scalars() {
        // 1024 four-byte characters (4096 bytes) are fine; 1025 are not.
        let ok = "🦀".repeat(MAX_TITLE_CHARS);
        assert!(parse_create_files(&body(json!({"text": "", "title": ok}))).is_ok());
        let over = "🦀".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(
            issues(parse_create_files(&body(
                json!({"text": "", "title": over})
            ))),
            json!([{"code": "too_big", "message": "String must contain at most 1024 character(s)", "path": ["title"]}])
        );
        let ascii_over = "a".repeat(MAX_TITLE_CHARS + 1);
        assert!(parse_create_files(&body(json!({"text": "", "title": ascii_over}))).is_err());
    }

    #[test]
    fn file_batch_bounds() {
        assert_eq!(
            issues(parse_create_files(br#"{"files": []}"#)),
            json!([{"code": "too_small", "message": "Array must contain at least 1 element(s)", "path": ["files"]}])
        );
        assert_eq!(
            issues(parse_create_files(
                br#"{"files": {"text": "", "title": "t"}}"#
            )),
            json!([{"code": "invalid_type", "message": "Expected array, received object", "path": ["files"]}])
        );
        let hundred = parse_create_files(&body(json!({"files": file_items(100)})));
        assert_eq!(hundred.map(|b| b.len()).ok(), Some(100));
        assert_eq!(
            issues(parse_create_files(&body(json!({"files": file_items(101)})))),
            json!([{"code": "too_big", "message": "Array must contain at most 100 element(s)", "path": ["files"]}])
        );
    }

    #[test]
    fn file_text_size_limit() {
        let exact = "a".repeat(MAX_TEXT_BYTES);
        assert!(parse_create_files(&body(json!({"text": exact, "title": "t"}))).is_ok());
        let over = "a".repeat(MAX_TEXT_BYTES + 1);
        assert_eq!(
            too_large(parse_create_files(&body(
                json!({"text": over, "title": ""})
            ))),
            "A file text may be at most 262144 bytes (256 KiB) of UTF-8; text has 262145."
        );
        let over = "a".repeat(MAX_TEXT_BYTES + 1);
        assert_eq!(
            too_large(parse_create_files(&body(
                json!({"files": [{"text": over, "title": "t"}]})
            ))),
            "A file text may be at most 262144 bytes (256 KiB) of UTF-8; files[0].text has 262145."
        );
    }

    #[test]
    fn body_level_errors_for_files() {
        assert_eq!(
            issues(parse_create_files(b"not json")),
            json!([{"code": "invalid_json", "message": "Invalid JSON: expected ident at line 1 column 2", "path": []}])
        );
        assert_eq!(
            issues(parse_create_files(b"\"text\"")),
            json!([{"code": "invalid_type", "message": "Expected object, received string", "path": []}])
        );
        let big = vec![b' '; crate::validation::MAX_BODY_BYTES + 1];
        assert!(too_large(parse_create_files(&big)).contains("3 MiB"));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let samples: [&[u8]; 9] = [
            b"{",
            b"}",
            b"{\"messages\": [",
            b"{\"messages\": [{\"content\": \"\\ud800\"}]}",
            b"\x00\x01\x02",
            b"{\"a\": -0}",
            b"{\"message\": \"\\u0000\", \"actor\": \"user\"}",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            b"{\"messages\": [1e308, -1e308, 18446744073709551616]}",
        ];
        for sample in samples {
            let _ = parse_create_messages(sample);
            let _ = parse_create_files(sample);
            let _ = parse_create_chat(sample);
        }
        // The NUL character is a legitimate, non-blank message.
        assert!(parse_create_messages(b"{\"message\": \"\\u0000\", \"actor\": \"user\"}").is_ok());
    }
}
