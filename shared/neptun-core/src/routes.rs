//! Every route's path, in one place: the handlers match requests against these, and links back
//! to the API (signed file URLs) are written from them.

/// The fixed part in front of every owner's route; what comes before it is the deployment's
/// base path (a stage such as `/Prod`, or nothing).
pub const USERS_ROOT: &str = "/api/users/";

/// One segment of a route's path: a literal, or an id parameter and its name.
#[derive(Debug, Clone, Copy)]
pub enum Segment {
    Lit(&'static str),
    Param(&'static str),
}

use Segment::{Lit, Param};

use std::marker::PhantomData;

use crate::ids::{ChatId, FileId, MessageId, ProjectId, ShareId, UserId};

/// The ids a route's path names, typed: built from the `N` ids of its parameters, in order
/// ([`PathIds::from_ids`]), which only `routes` and the request matching see.
pub trait PathIds<const N: usize>: Copy {
    fn from_ids(ids: [u64; N]) -> Self;
    fn ids(self) -> [u64; N];
    /// The user whose routes these are (every owner's route starts with `{user_id}`).
    fn user(self) -> UserId;
}

macro_rules! path_ids {
    ($($(#[$doc:meta])* $name:ident { $($field:ident: $id:ident),+ } = $n:literal;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            $(pub $field: $id,)+
        }

        impl PathIds<$n> for $name {
            fn from_ids(ids: [u64; $n]) -> Self {
                let [$($field),+] = ids;
                Self { $($field: $id($field)),+ }
            }

            fn ids(self) -> [u64; $n] {
                [$(self.$field.get()),+]
            }

            fn user(self) -> UserId {
                self.user
            }
        }
    )+};
}

path_ids! {
    /// `/api/users/{user_id}/...`
    UserPath { user: UserId } = 1;
    /// `.../chats/{chat_id}...`
    ChatPath { user: UserId, chat: ChatId } = 2;
    /// `.../chats/{chat_id}/files/{message_id}`
    MessagePath { user: UserId, chat: ChatId, message: MessageId } = 3;
    /// `.../chats/{chat_id}/files/{file_id}/content`
    FilePath { user: UserId, chat: ChatId, file: FileId } = 3;
    /// `.../projects/{project_id}/chats`
    ProjectPath { user: UserId, project: ProjectId } = 2;
    /// `.../projects/{project_id}/chats/{chat_id}`
    ProjectChatPath { user: UserId, project: ProjectId, chat: ChatId } = 3;
    /// `.../chats/{chat_id}/shares/{share_id}/...`
    SharePath { user: UserId, chat: ChatId, share: ShareId } = 3;
}

/// A route's path below `/api/users/` with its `N` id parameters, which make a `P`, e.g.
/// `const CHATS: Route<1, UserPath> = Route::new(&[Param("user_id"), Lit("chats")]);`.
/// [`Route::new`] refuses any other number of parameters than `N` (in a `const`, at compile
/// time), so a route always yields exactly the ids its handler takes.
#[derive(Debug, Clone, Copy)]
pub struct Route<const N: usize, P> {
    segments: &'static [Segment],
    ids: PhantomData<fn() -> P>,
}

impl<const N: usize, P: PathIds<N>> Route<N, P> {
    pub const fn new(segments: &'static [Segment]) -> Self {
        let mut params = 0;
        let mut at = 0;
        while at < segments.len() {
            if let Segment::Param(_) = segments[at] {
                params += 1;
            }
            at += 1;
        }
        assert!(params == N, "a Route<N, _> has exactly N Param segments");
        Self {
            segments,
            ids: PhantomData,
        }
    }

    pub fn segments(&self) -> &'static [Segment] {
        self.segments
    }

    /// The path of this route for these ids, e.g. `/api/users/1/chats/1000/messages`.
    pub fn path(&self, ids: P) -> String {
        let mut ids = ids.ids().into_iter();
        let mut path = USERS_ROOT.trim_end_matches('/').to_owned();
        for segment in self.segments {
            path.push('/');
            match segment {
                Lit(literal) => path.push_str(literal),
                Param(_) => path.push_str(&ids.next().unwrap_or_default().to_string()),
            }
        }
        path
    }

    /// The path with its parameters named, as in `template.yaml`:
    /// `/api/users/{user_id}/chats`.
    pub fn template(&self) -> String {
        let mut path = USERS_ROOT.trim_end_matches('/').to_owned();
        for segment in self.segments {
            path.push('/');
            match segment {
                Lit(literal) => path.push_str(literal),
                Param(name) => {
                    path.push('{');
                    path.push_str(name);
                    path.push('}');
                }
            }
        }
        path
    }
}

pub const CHATS: Route<1, UserPath> = Route::new(&[Param("user_id"), Lit("chats")]);
pub const CHAT: Route<2, ChatPath> =
    Route::new(&[Param("user_id"), Lit("chats"), Param("chat_id")]);
pub const MESSAGES: Route<2, ChatPath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("messages"),
]);
pub const LAST_MESSAGE: Route<2, ChatPath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("messages"),
    Lit("last"),
]);
pub const FILES: Route<2, ChatPath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("files"),
]);
pub const MESSAGE_FILES: Route<3, MessagePath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("files"),
    Param("message_id"),
]);
pub const CONTENT_ROUTE: Route<3, FilePath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("files"),
    Param("file_id"),
    Lit("content"),
]);

pub const PROJECT_CHATS: Route<2, ProjectPath> = Route::new(&[
    Param("user_id"),
    Lit("projects"),
    Param("project_id"),
    Lit("chats"),
]);
pub const PROJECT_CHAT: Route<3, ProjectChatPath> = Route::new(&[
    Param("user_id"),
    Lit("projects"),
    Param("project_id"),
    Lit("chats"),
    Param("chat_id"),
]);

pub const SHARES: Route<2, ChatPath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("shares"),
]);
pub const WHITELIST_ENTRIES: Route<3, SharePath> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("shares"),
    Param("share_id"),
    Lit("whitelist-entries"),
]);

/// The public read of a share: `/api/shared/chats/{share_uuid}`, outside every user's routes
/// (it needs no session unless the share has a whitelist).
pub const SHARED_CHATS_ROOT: &str = "/api/shared/chats/";

/// The path of the public read of one share.
pub fn shared_chat_path(share_uuid: &str) -> String {
    format!("{SHARED_CHATS_ROOT}{share_uuid}")
}

/// The public read's route, in the route table beside the owners' [`Route`]s.
#[derive(Debug, Clone, Copy)]
pub struct SharedChatRoute;

pub const SHARED_CHAT: SharedChatRoute = SharedChatRoute;

impl SharedChatRoute {
    /// The path with its parameter named, as in `template.yaml`.
    pub fn template(&self) -> String {
        shared_chat_path("{share_uuid}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_templates() {
        assert_eq!(
            CONTENT_ROUTE.path(FilePath {
                user: UserId(1),
                chat: ChatId(1000),
                file: FileId(8192)
            }),
            "/api/users/1/chats/1000/files/8192/content"
        );
        assert_eq!(
            CHATS.path(UserPath { user: UserId(7) }),
            "/api/users/7/chats"
        );
        assert_eq!(
            MESSAGE_FILES.template(),
            "/api/users/{user_id}/chats/{chat_id}/files/{message_id}"
        );
    }
}
