//! The sample data that the events under `events/` refer to, in one place: `make dev` writes it
//! into its table (`neptun-devtools`), the tests into theirs, the handler tests into a
//! [`MemoryStore`], and the sample cookies are sealed with [`DEV_PASSWORD`].

use neptun_core::clock::rfc3339_ms;
use neptun_core::context::AppContext;
use neptun_core::cross_site::CrossSiteCheck;
use neptun_core::ids::{ChatId, FileId, MessageId, ProjectId, ShareId, UserId, WhitelistEntryId};
use neptun_core::links::FileLinks;
use neptun_core::model::{Chat, ChatMessage, FileRecord, Role};
use neptun_core::origin::OriginCheck;
use neptun_core::session::{LiveSession, SessionConfig};
use neptun_core::store::{ListedEmail, StoredShare};

use crate::memory::MemoryStore;

/// The dev-only session secret: public, so cookies sealed with it prove nothing. `make dev`,
/// the sample events' cookies and the tests use it, never a deployment.
pub const DEV_PASSWORD: &str = "neptun-local-development-password-not-secret";

/// The user, chat, message and file the sample events use.
pub const SAMPLE_USER: UserId = UserId(1);
pub const SAMPLE_CHAT: ChatId = ChatId(1000);
pub const SAMPLE_MESSAGE: MessageId = MessageId(4096);
pub const SAMPLE_FILE: FileId = FileId(8192);
pub const SAMPLE_FILE_TEXT: &str = "print('Hello, World!')";
/// The chats the delete events remove (`delete-chat`, `delete-chats`), so that every other
/// event still finds the sample chat.
pub const SAMPLE_CHAT_TO_DELETE: ChatId = ChatId(1001);
pub const SAMPLE_CHATS_TO_DELETE: ChatId = ChatId(1002);
/// The chat the regenerate event shortens: a question, its answer, and a file of the answer.
pub const SAMPLE_CHAT_TO_REGENERATE: ChatId = ChatId(1003);
pub const SAMPLE_QUESTION: MessageId = MessageId(4112);
pub const SAMPLE_ANSWER: MessageId = MessageId(4113);
pub const SAMPLE_ANSWER_FILE: FileId = FileId(8208);
/// The project whose chats the project events use, and its chats.
pub const SAMPLE_PROJECT: ProjectId = ProjectId(7);
pub const SAMPLE_PROJECT_CHAT: ChatId = ChatId(1004);
/// The project chats the project delete events remove (`delete-project-chat`,
/// `delete-project-chats`).
pub const SAMPLE_PROJECT_CHAT_TO_DELETE: ChatId = ChatId(1005);
pub const SAMPLE_PROJECT_CHATS_TO_DELETE: ChatId = ChatId(1006);
/// The user whose chats the erase event (`delete-chats/200-erase-all.json`) erases, so that
/// every other event still finds user 1's chats; and their chat.
pub const SAMPLE_USER_TO_ERASE: UserId = UserId(2);
pub const SAMPLE_CHAT_TO_ERASE: ChatId = ChatId(2000);
/// When the sample data was written.
/// The chat that the share routes' sample events share, replace and unshare.
pub const SAMPLE_CHAT_TO_SHARE: ChatId = ChatId(1007);
/// The chat of the share that is not shared any more (no event deletes it).
pub const SAMPLE_CHAT_SHARED_NO_MORE: ChatId = ChatId(1008);

/// The sample shares' links: public, with a password, with a whitelist, not shared.
pub const SAMPLE_PUBLIC_SHARE: &str = "5f0c2a9e-8d1b-4e7a-9c3f-1a2b3c4d5e6f";
pub const SAMPLE_PASSWORD_SHARE: &str = "6a1d3b0f-9e2c-4f8b-8d4a-2b3c4d5e6f70";
pub const SAMPLE_WHITELIST_SHARE: &str = "7b2e4c1a-0f3d-4a9c-9e5b-3c4d5e6f7081";
pub const SAMPLE_INACTIVE_SHARE: &str = "8c3f5d2b-1a4e-4b0d-8f6c-4d5e6f708192";
/// The whitelisted share's id (its `{share_id}`).
pub const SAMPLE_WHITELIST_SHARE_ID: ShareId = ShareId(3);
/// The password of [`SAMPLE_PASSWORD_SHARE`], and its Argon2id hash as stored.
pub const SAMPLE_SHARE_PASSWORD: &str = "sample-share-password";
pub const SAMPLE_SHARE_PASSWORD_HASH: &str = "$argon2id$v=19$m=12288,t=3,p=1$S9Ml2Pqn4B+DMjU/5iNkMA$EA/Q1BLUq0BR5HWInUkJelglJXXiWnPfDIE8hV+JS1Q";
/// The email on [`SAMPLE_WHITELIST_SHARE`]'s whitelist (the sample events' `ada` session).
pub const SAMPLE_LISTED_EMAIL: &str = "ada@example.com";

pub const SAMPLE_TIME_MS: u64 = 1_795_288_364_006;
pub const SAMPLE_MODEL: &str = "gpt-4o";

/// One sample chat with its messages and files.
#[derive(Debug, Clone, Copy)]
pub struct SampleChat {
    pub user: UserId,
    pub id: ChatId,
    pub project: Option<ProjectId>,
    pub name: &'static str,
    /// Id, author and text, in id order.
    pub messages: &'static [(MessageId, Role, &'static str)],
    /// Id, message, title and text (Python), in id order.
    pub files: &'static [(FileId, MessageId, &'static str, &'static str)],
}

/// Every sample chat.
pub const SAMPLE_CHATS: [SampleChat; 10] = [
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_CHAT,
        project: None,
        name: "Sample chat",
        messages: &[(SAMPLE_MESSAGE, Role::User, "What is Python?")],
        files: &[(SAMPLE_FILE, SAMPLE_MESSAGE, "example.py", SAMPLE_FILE_TEXT)],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_CHAT_TO_DELETE,
        project: None,
        name: "Chat to delete",
        messages: &[],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_CHATS_TO_DELETE,
        project: None,
        name: "Another chat to delete",
        messages: &[],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_CHAT_TO_REGENERATE,
        project: None,
        name: "Chat to regenerate",
        messages: &[
            (SAMPLE_QUESTION, Role::User, "How do I print in Python?"),
            (
                SAMPLE_ANSWER,
                Role::Assistant,
                "Use print: ```python\nprint(1)\n```",
            ),
        ],
        files: &[(SAMPLE_ANSWER_FILE, SAMPLE_ANSWER, "", "print(1)")],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_PROJECT_CHAT,
        project: Some(SAMPLE_PROJECT),
        name: "Project chat",
        messages: &[(MessageId(4128), Role::User, "What does this project build?")],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_PROJECT_CHAT_TO_DELETE,
        project: Some(SAMPLE_PROJECT),
        name: "Project chat to delete",
        messages: &[],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_PROJECT_CHATS_TO_DELETE,
        project: Some(SAMPLE_PROJECT),
        name: "Another project chat to delete",
        messages: &[],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER_TO_ERASE,
        id: SAMPLE_CHAT_TO_ERASE,
        project: None,
        name: "A chat of the user to erase",
        messages: &[(MessageId(5000), Role::User, "Delete my account")],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_CHAT_TO_SHARE,
        project: None,
        name: "Chat to share",
        messages: &[(MessageId(4144), Role::User, "Share this with the team")],
        files: &[],
    },
    SampleChat {
        user: SAMPLE_USER,
        id: SAMPLE_CHAT_SHARED_NO_MORE,
        project: None,
        name: "Chat shared no more",
        messages: &[(MessageId(4160), Role::User, "Not for everyone any more")],
        files: &[],
    },
];

/// One sample share of a sample chat of [`SAMPLE_USER`].
#[derive(Debug, Clone, Copy)]
pub struct SampleShare {
    pub chat: ChatId,
    pub id: ShareId,
    pub uuid: &'static str,
    pub is_shared: bool,
    pub is_protected: bool,
    pub password_hash: Option<&'static str>,
    pub whitelist: &'static [&'static str],
}

/// Every sample share: the public read's sample events read them.
pub const SAMPLE_SHARES: [SampleShare; 4] = [
    SampleShare {
        chat: SAMPLE_CHAT,
        id: ShareId(1),
        uuid: SAMPLE_PUBLIC_SHARE,
        is_shared: true,
        is_protected: false,
        password_hash: None,
        whitelist: &[],
    },
    SampleShare {
        chat: SAMPLE_PROJECT_CHAT,
        id: ShareId(2),
        uuid: SAMPLE_PASSWORD_SHARE,
        is_shared: true,
        is_protected: true,
        password_hash: Some(SAMPLE_SHARE_PASSWORD_HASH),
        whitelist: &[],
    },
    SampleShare {
        chat: SAMPLE_CHAT_TO_REGENERATE,
        id: SAMPLE_WHITELIST_SHARE_ID,
        uuid: SAMPLE_WHITELIST_SHARE,
        is_shared: true,
        is_protected: true,
        password_hash: None,
        whitelist: &[SAMPLE_LISTED_EMAIL],
    },
    SampleShare {
        chat: SAMPLE_CHAT_SHARED_NO_MORE,
        id: ShareId(4),
        uuid: SAMPLE_INACTIVE_SHARE,
        is_shared: false,
        is_protected: false,
        password_hash: None,
        whitelist: &[],
    },
];

impl SampleShare {
    /// The share of the sample chat `chat`, if it has one.
    pub fn of_chat(chat: ChatId) -> Option<Self> {
        SAMPLE_SHARES.into_iter().find(|share| share.chat == chat)
    }

    pub fn stored(&self) -> StoredShare {
        StoredShare {
            user_id: SAMPLE_USER,
            chat_id: self.chat,
            id: self.id,
            uuid: self.uuid.to_owned(),
            is_shared: self.is_shared,
            is_protected: self.is_protected,
            password_hash: self.password_hash.map(str::to_owned),
            whitelist: (self.id.get() * 100..)
                .zip(self.whitelist)
                .map(|(id, email)| ListedEmail {
                    id: WhitelistEntryId(id),
                    email: (*email).to_owned(),
                    created_at: SAMPLE_TIME_MS,
                })
                .collect(),
            created_at: SAMPLE_TIME_MS,
            updated_at: SAMPLE_TIME_MS,
        }
    }
}

/// How many chats the sample data holds for [`SAMPLE_USER`].
pub const SEEDED_CHATS: usize = {
    let mut count = 0;
    let mut at = 0;
    while at < SAMPLE_CHATS.len() {
        if SAMPLE_CHATS[at].user.0 == SAMPLE_USER.0 {
            count += 1;
        }
        at += 1;
    }
    count
};

impl SampleChat {
    pub fn chat(&self) -> Chat {
        Chat {
            id: self.id,
            name: self.name.to_owned(),
            model: SAMPLE_MODEL.to_owned(),
            neptun_user_id: self.user,
            project_id: self.project,
            created_at: rfc3339_ms(SAMPLE_TIME_MS),
            updated_at: rfc3339_ms(SAMPLE_TIME_MS),
        }
    }

    pub fn messages(&self) -> impl Iterator<Item = ChatMessage> + '_ {
        self.messages.iter().map(|&(id, actor, text)| ChatMessage {
            id,
            chat_conversation_id: self.id,
            neptun_user_id: self.user,
            message: text.to_owned(),
            actor,
            created_at: rfc3339_ms(SAMPLE_TIME_MS),
            updated_at: rfc3339_ms(SAMPLE_TIME_MS),
        })
    }

    pub fn files(&self) -> impl Iterator<Item = FileRecord> + '_ {
        self.files
            .iter()
            .map(|&(id, message_id, title, text)| FileRecord {
                id,
                chat_id: self.id,
                message_id,
                user_id: self.user,
                title: title.to_owned(),
                text: text.to_owned(),
                language: "python".to_owned(),
                extension: "py".to_owned(),
                created_at_ms: SAMPLE_TIME_MS,
            })
    }
}

/// The session settings of the sample events: the dev secret, the default cookie name.
pub fn dev_session() -> SessionConfig {
    SessionConfig::new(DEV_PASSWORD).unwrap_or_else(|_| unreachable!("the dev password is long"))
}

/// A context over `store` with the sample events' session settings.
pub fn dev_context<S>(store: S) -> AppContext<S> {
    AppContext {
        store,
        session: LiveSession::fixed(dev_session()),
        links: FileLinks::default(),
        origin: OriginCheck::default(),
        cross_site: CrossSiteCheck::default(),
    }
}

/// A memory store holding the sample data.
pub fn seeded_memory_store() -> MemoryStore {
    memory_store_with(&SAMPLE_CHATS)
}

/// A memory store holding these sample chats.
pub fn memory_store_with(samples: &[SampleChat]) -> MemoryStore {
    let store = MemoryStore::new();
    for sample in samples {
        store.insert_chat(sample.chat());
        for message in sample.messages() {
            store.insert_message(message);
        }
        for file in sample.files() {
            store.insert_file(file);
        }
        if let Some(share) = SampleShare::of_chat(sample.id) {
            store.insert_share(share.stored());
        }
    }
    store
}
