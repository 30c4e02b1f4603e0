//! What the API returns.

use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, FileId, MessageId, ProjectId, ShareId, UserId, WhitelistEntryId};

use crate::validation::is_blank;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    System,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::Assistant, Role::System];

    /// The wire name: `user`, `assistant` or `system`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::System => "system",
        }
    }

    /// Exact (case-sensitive) wire name to role.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    pub id: ChatId,
    pub name: String,
    pub model: String,
    pub neptun_user_id: UserId,
    /// The project the chat belongs to (the web app's `neptun_user_project.id`), if any.
    pub project_id: Option<ProjectId>,
    pub created_at: String,
    pub updated_at: String,
}

/// Which of a user's chat lists: all of them (the projects' included), or one project's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatList {
    All,
    Project(ProjectId),
}

impl ChatList {
    /// Whether a chat of the project `project_id` (if any) is in this list.
    pub fn holds(self, project_id: Option<ProjectId>) -> bool {
        match self {
            Self::All => true,
            Self::Project(project) => project_id == Some(project),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: MessageId,
    pub chat_conversation_id: ChatId,
    pub neptun_user_id: UserId,
    pub message: String,
    pub actor: Role,
    pub created_at: String,
    pub updated_at: String,
}

/// A chat's share, as its owner sees it: never its password or the password's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub id: ShareId,
    pub share_uuid: String,
    pub chat_conversation_id: ChatId,
    pub is_shared: bool,
    pub is_protected: bool,
    pub has_password: bool,
    pub has_whitelist: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// What the public page of a share decides what to show from (`data.shareInfo` of its errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareInfo {
    pub share_exists: bool,
    pub share_is_active: bool,
    pub share_is_private: bool,
    pub share_has_password: bool,
    pub share_has_whitelist: bool,
}

impl ShareInfo {
    /// The answer for an unknown uuid: nothing about any share.
    pub const NONE: Self = Self {
        share_exists: false,
        share_is_active: false,
        share_is_private: false,
        share_has_password: false,
        share_has_whitelist: false,
    };
}

/// One email of a share's whitelist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhitelistEntry {
    pub id: WhitelistEntryId,
    pub email: String,
    pub chat_conversation_share_id: ShareId,
    pub created_at: String,
    pub updated_at: String,
}

/// What a regenerate (`DELETE .../messages/last`) deleted, in the shape it answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LastExchange {
    /// The chat ended with an answer: it, and the question right before it, if any.
    Answer {
        #[serde(rename = "maybeAssistantMessageToDelete")]
        answer: ChatMessage,
        #[serde(rename = "maybeUserMessageToDelete")]
        question: Option<ChatMessage>,
    },
    /// The chat ended with questions whose answer failed: all of them.
    Unanswered {
        #[serde(rename = "deletedSuccessfully")]
        deleted: Vec<MessageId>,
        /// Always empty: the deletion is atomic.
        #[serde(rename = "failedToDelete")]
        failed: Vec<MessageId>,
    },
}

impl LastExchange {
    /// The messages to delete from the end of a chat, given its messages newest first: the
    /// last answer (assistant or system) and the user question right before it, or else all
    /// trailing user questions. `None` for a chat without messages.
    pub fn from_newest_first(newest_first: &[ChatMessage]) -> Option<Self> {
        let (last, earlier) = newest_first.split_first()?;
        if last.actor != Role::User {
            return Some(Self::Answer {
                answer: last.clone(),
                question: earlier.first().filter(|m| m.actor == Role::User).cloned(),
            });
        }
        let mut deleted: Vec<MessageId> = newest_first
            .iter()
            .take_while(|m| m.actor == Role::User)
            .map(|m| m.id)
            .collect();
        // In the chat's order, oldest first.
        deleted.reverse();
        Some(Self::Unanswered {
            deleted,
            failed: Vec::new(),
        })
    }

    /// The ids of the deleted messages.
    pub fn message_ids(&self) -> Vec<MessageId> {
        match self {
            Self::Answer { answer, question } => std::iter::once(answer.id)
                .chain(question.as_ref().map(|q| q.id))
                .collect(),
            Self::Unanswered { deleted, .. } => deleted.clone(),
        }
    }

    /// Whether `newest_first` (read from the newest) holds every message this deletes: for
    /// trailing questions, the reading must have reached an older non-question or the start.
    pub fn is_complete(newest_first: &[ChatMessage], reached_start: bool) -> bool {
        match newest_first.first() {
            None => reached_start,
            Some(last) if last.actor != Role::User => newest_first.len() >= 2 || reached_start,
            Some(_) => reached_start || newest_first.iter().any(|m| m.actor != Role::User),
        }
    }
}

/// A stored file. Its API representation (`ChatFile`, with `name`, `size`, `type` and a
/// signed `url`) is built per request, because the URL depends on the request's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub id: FileId,
    pub chat_id: ChatId,
    pub message_id: MessageId,
    pub user_id: UserId,
    pub title: String,
    pub text: String,
    pub language: String,
    pub extension: String,
    pub created_at_ms: u64,
}

/// A file as the API returns it: the union of both endpoint documents' shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatFile {
    pub id: FileId,
    pub chat_conversation_id: ChatId,
    pub chat_conversation_message_id: MessageId,
    pub neptun_user_id: UserId,
    pub title: String,
    pub text: String,
    pub language: String,
    pub extension: String,
    pub created_at: String,
    pub updated_at: String,
    /// The title, or a generated name when it is blank (see [`FileRecord::file_name`]).
    pub name: String,
    /// UTF-8 bytes of `text`.
    pub size: u64,
    /// MIME type from the extension, see [`file_type`].
    #[serde(rename = "type")]
    pub mime_type: String,
    /// Signed, expiring URL of the raw content (see `links`).
    pub url: String,
}

impl FileRecord {
    /// The name a download gets: the title when it is not blank, else
    /// `untitled-<id>.<extension>` (a code block written without a title).
    pub fn file_name(&self) -> String {
        if !is_blank(&self.title) {
            return self.title.clone();
        }
        let extension = self.extension.trim();
        let extension = extension.strip_prefix('.').unwrap_or(extension);
        if extension.is_empty() {
            format!("untitled-{}", self.id)
        } else {
            format!("untitled-{}.{extension}", self.id)
        }
    }
}

impl ChatFile {
    pub fn new(record: FileRecord, url: String) -> Self {
        let created_at = crate::clock::rfc3339_ms(record.created_at_ms);
        Self {
            id: record.id,
            chat_conversation_id: record.chat_id,
            chat_conversation_message_id: record.message_id,
            neptun_user_id: record.user_id,
            name: record.file_name(),
            size: record.text.len() as u64,
            mime_type: file_type(&record.extension).to_owned(),
            title: record.title,
            text: record.text,
            language: record.language,
            extension: record.extension,
            updated_at: created_at.clone(),
            created_at,
            url,
        }
    }
}

/// Where `mime_guess` is wrong for a source file, or disagrees with the contract
/// (`py -> text/x-python`; mime_guess says `text/plain` for `py`, a video type for `ts` and
/// `application/octet-stream` for `java`).
const SOURCE_TYPES: &[(&str, &str)] = &[
    ("py", "text/x-python"),
    ("pyi", "text/x-python"),
    ("ts", "text/x-typescript"),
    ("mts", "text/x-typescript"),
    ("cts", "text/x-typescript"),
    ("tsx", "text/x-typescript"),
    ("java", "text/x-java-source"),
];

/// The MIME type for a file extension (case-insensitive, a leading `.` ignored): the table
/// above, else `mime_guess`, else `text/plain`.
pub fn file_type(extension: &str) -> &'static str {
    let extension = extension.trim();
    let extension = extension.strip_prefix('.').unwrap_or(extension);
    SOURCE_TYPES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        .map(|(_, mime)| *mime)
        .or_else(|| mime_guess::from_ext(extension).first_raw())
        .unwrap_or("text/plain")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;

    #[test]
    fn share_info_has_the_names_the_share_page_reads() {
        let info = ShareInfo {
            share_exists: true,
            ..ShareInfo::NONE
        };
        assert_eq!(
            serde_json::to_value(info).expect("json"),
            serde_json::json!({
                "shareExists": true,
                "shareIsActive": false,
                "shareIsPrivate": false,
                "shareHasPassword": false,
                "shareHasWhitelist": false,
            })
        );
    }

    #[test]
    fn file_types() {
        assert_eq!(file_type("py"), "text/x-python");
        assert_eq!(file_type(".PY"), "text/x-python");
        assert_eq!(file_type("ts"), "text/x-typescript");
        assert_eq!(file_type("txt"), "text/plain");
        assert_eq!(file_type("rs"), "text/x-rust");
        assert_eq!(file_type("md"), "text/markdown");
        assert_eq!(file_type("json"), "application/json");
        assert_eq!(file_type("unknown-ext"), "text/plain");
        assert_eq!(file_type(""), "text/plain");
    }

    #[test]
    fn chat_file_from_record() {
        let record = FileRecord {
            id: ids::FileId(8192),
            chat_id: ids::ChatId(1000),
            message_id: ids::MessageId(4096),
            user_id: ids::UserId(1),
            title: "grüße.py".into(),
            text: "print('grüße')".into(),
            language: "python".into(),
            extension: "py".into(),
            created_at_ms: 1_710_928_800_000,
        };
        let file = ChatFile::new(record, "https://x/y".into());
        assert_eq!(file.name, "grüße.py");
        assert_eq!(file.size, 16);
        assert_eq!(file.mime_type, "text/x-python");
        assert_eq!(file.created_at, "2024-03-20T10:00:00.000Z");
        assert_eq!(file.updated_at, file.created_at);
        let json = serde_json::to_value(&file).unwrap_or_default();
        assert_eq!(json.as_object().map(|o| o.len()), Some(14));
        assert_eq!(json["type"], "text/x-python");
    }

    #[test]
    fn untitled_files_get_a_generated_name() {
        let record = |title: &str, extension: &str| FileRecord {
            id: ids::FileId(8193),
            chat_id: ids::ChatId(1000),
            message_id: ids::MessageId(4096),
            user_id: ids::UserId(1),
            title: title.into(),
            text: "x".into(),
            language: "text".into(),
            extension: extension.into(),
            created_at_ms: 0,
        };
        assert_eq!(record("", "py").file_name(), "untitled-8193.py");
        assert_eq!(
            record(" \t\u{3000}", "txt").file_name(),
            "untitled-8193.txt"
        );
        assert_eq!(record("", ".rs").file_name(), "untitled-8193.rs");
        assert_eq!(record("", "").file_name(), "untitled-8193");
        assert_eq!(record(" a.py ", "py").file_name(), " a.py ");
        let file = ChatFile::new(record("", "py"), String::new());
        assert_eq!(
            (file.title.as_str(), file.name.as_str()),
            ("", "untitled-8193.py")
        );
    }
}
