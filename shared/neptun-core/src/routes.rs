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

/// A route's path below `/api/users/` with its `N` id parameters, e.g.
/// `const CHATS: Route<1> = Route::new(&[Param("user_id"), Lit("chats")]);`.
/// [`Route::new`] refuses any other number of parameters than `N` (in a `const`, at compile
/// time), so a route always yields exactly the ids its handler takes.
#[derive(Debug, Clone, Copy)]
pub struct Route<const N: usize> {
    segments: &'static [Segment],
}

impl<const N: usize> Route<N> {
    pub const fn new(segments: &'static [Segment]) -> Self {
        let mut params = 0;
        let mut at = 0;
        while at < segments.len() {
            if let Segment::Param(_) = segments[at] {
                params += 1;
            }
            at += 1;
        }
        assert!(params == N, "a Route<N> has exactly N Param segments");
        Self { segments }
    }

    pub fn segments(&self) -> &'static [Segment] {
        self.segments
    }

    /// The path of this route for these ids, e.g. `/api/users/1/chats/1000/messages`.
    pub fn path(&self, ids: [u64; N]) -> String {
        let mut ids = ids.into_iter();
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

pub const CHATS: Route<1> = Route::new(&[Param("user_id"), Lit("chats")]);
pub const CHAT: Route<2> = Route::new(&[Param("user_id"), Lit("chats"), Param("chat_id")]);
pub const MESSAGES: Route<2> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("messages"),
]);
pub const LAST_MESSAGE: Route<2> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("messages"),
    Lit("last"),
]);
pub const FILES: Route<2> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("files"),
]);
pub const MESSAGE_FILES: Route<3> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("files"),
    Param("message_id"),
]);
pub const CONTENT_ROUTE: Route<3> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("files"),
    Param("file_id"),
    Lit("content"),
]);

pub const PROJECT_CHATS: Route<2> = Route::new(&[
    Param("user_id"),
    Lit("projects"),
    Param("project_id"),
    Lit("chats"),
]);
pub const PROJECT_CHAT: Route<3> = Route::new(&[
    Param("user_id"),
    Lit("projects"),
    Param("project_id"),
    Lit("chats"),
    Param("chat_id"),
]);

pub const SHARES: Route<2> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("shares"),
]);
pub const WHITELIST_ENTRIES: Route<3> = Route::new(&[
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
            CONTENT_ROUTE.path([1, 1000, 8192]),
            "/api/users/1/chats/1000/files/8192/content"
        );
        assert_eq!(CHATS.path([7]), "/api/users/7/chats");
        assert_eq!(
            MESSAGE_FILES.template(),
            "/api/users/{user_id}/chats/{chat_id}/files/{message_id}"
        );
    }
}
