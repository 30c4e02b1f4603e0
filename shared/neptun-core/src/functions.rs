//! The deployed functions, one per route: the one list that `functions/*`, the sample events
//! under `events/`, the router of `cargo lambda watch` (Cargo.toml) and `template.yaml` are
//! checked against (`neptun-testkit`'s catalog test and `tests/python/test_template.py`).

use http::Method;

use crate::routes;

/// A function that answers HTTP requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    CreateChat,
    ListChats,
    CreateChatMessages,
    ListChatMessages,
    CreateChatFiles,
    GetChatFiles,
    GetChatFileContent,
    UpdateChat,
    DeleteChat,
    DeleteChats,
    DeleteLastChatMessage,
    CreateProjectChat,
    ListProjectChats,
    DeleteProjectChat,
    DeleteProjectChats,
    CreateChatShare,
    GetChatShare,
    DeleteChatShare,
    CreateShareWhitelistEntries,
    GetSharedChat,
}

/// The functions fed by the table's stream rather than by HTTP requests.
pub const STREAM_FUNCTIONS: &[&str] = &["purge-chat"];

impl Function {
    pub const ALL: [Function; 20] = [
        Function::CreateChat,
        Function::ListChats,
        Function::CreateChatMessages,
        Function::ListChatMessages,
        Function::CreateChatFiles,
        Function::GetChatFiles,
        Function::GetChatFileContent,
        Function::UpdateChat,
        Function::DeleteChat,
        Function::DeleteChats,
        Function::DeleteLastChatMessage,
        Function::CreateProjectChat,
        Function::ListProjectChats,
        Function::DeleteProjectChat,
        Function::DeleteProjectChats,
        Function::CreateChatShare,
        Function::GetChatShare,
        Function::DeleteChatShare,
        Function::CreateShareWhitelistEntries,
        Function::GetSharedChat,
    ];

    /// The binary's (and the folder's) name: `functions/<name>`, `events/<name>`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::CreateChat => "create-chat",
            Self::ListChats => "list-chats",
            Self::CreateChatMessages => "create-chat-messages",
            Self::ListChatMessages => "list-chat-messages",
            Self::CreateChatFiles => "create-chat-files",
            Self::GetChatFiles => "get-chat-files",
            Self::GetChatFileContent => "get-chat-file-content",
            Self::UpdateChat => "update-chat",
            Self::DeleteChat => "delete-chat",
            Self::DeleteChats => "delete-chats",
            Self::DeleteLastChatMessage => "delete-last-chat-message",
            Self::CreateProjectChat => "create-project-chat",
            Self::ListProjectChats => "list-project-chats",
            Self::DeleteProjectChat => "delete-project-chat",
            Self::DeleteProjectChats => "delete-project-chats",
            Self::CreateChatShare => "create-chat-share",
            Self::GetChatShare => "get-chat-share",
            Self::DeleteChatShare => "delete-chat-share",
            Self::CreateShareWhitelistEntries => "create-share-whitelist-entries",
            Self::GetSharedChat => "get-shared-chat",
        }
    }

    /// Every function's name, in the order of [`Function::ALL`].
    pub const NAMES: [&'static str; Self::ALL.len()] = {
        let mut names = [""; Self::ALL.len()];
        let mut at = 0;
        while at < names.len() {
            names[at] = Self::ALL[at].name();
            at += 1;
        }
        names
    };

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|function| function.name() == name)
    }

    pub fn method(self) -> Method {
        match self {
            Self::CreateChat
            | Self::CreateChatMessages
            | Self::CreateChatFiles
            | Self::CreateProjectChat
            | Self::CreateChatShare
            | Self::CreateShareWhitelistEntries => Method::POST,
            Self::ListChats
            | Self::ListChatMessages
            | Self::GetChatFiles
            | Self::GetChatFileContent
            | Self::ListProjectChats
            | Self::GetChatShare
            | Self::GetSharedChat => Method::GET,
            Self::UpdateChat => Method::PATCH,
            Self::DeleteChat
            | Self::DeleteChats
            | Self::DeleteLastChatMessage
            | Self::DeleteProjectChat
            | Self::DeleteProjectChats
            | Self::DeleteChatShare => Method::DELETE,
        }
    }

    /// The route's path with its parameters named: `/api/users/{user_id}/chats`.
    pub fn path_template(self) -> String {
        match self {
            Self::CreateChat | Self::ListChats | Self::DeleteChats => routes::CHATS.template(),
            Self::UpdateChat | Self::DeleteChat => routes::CHAT.template(),
            Self::CreateChatMessages | Self::ListChatMessages => routes::MESSAGES.template(),
            Self::DeleteLastChatMessage => routes::LAST_MESSAGE.template(),
            Self::GetChatFiles => routes::FILES.template(),
            Self::CreateChatFiles => routes::MESSAGE_FILES.template(),
            Self::GetChatFileContent => routes::CONTENT_ROUTE.template(),
            Self::CreateProjectChat | Self::ListProjectChats | Self::DeleteProjectChats => {
                routes::PROJECT_CHATS.template()
            }
            Self::DeleteProjectChat => routes::PROJECT_CHAT.template(),
            Self::CreateChatShare | Self::GetChatShare | Self::DeleteChatShare => {
                routes::SHARES.template()
            }
            Self::CreateShareWhitelistEntries => routes::WHITELIST_ENTRIES.template(),
            Self::GetSharedChat => routes::shared_chat_template(),
        }
    }
}

impl Function {
    /// Whether the route answers without a session (the public read of a share).
    pub fn is_public(self) -> bool {
        self == Self::GetSharedChat
    }
}

impl std::fmt::Display for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
        for function in Function::ALL {
            assert_eq!(Function::from_name(function.name()), Some(function));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Function::ALL.len());
        assert!(!names.iter().any(|name| STREAM_FUNCTIONS.contains(name)));
    }
}
