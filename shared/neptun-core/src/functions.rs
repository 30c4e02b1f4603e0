//! The route table: every deployed HTTP function, declared once with its method, path and
//! handler. Everything else derives from it: [`Function`] and its names, the dispatch of the
//! tests ([`Function::handle`]), each binary's handler ([`Endpoint`], one line in
//! `functions/<name>/src/main.rs`), the idempotency scopes ([`Function::name`]), and, through
//! `neptun-devtools`, the per-function blocks of `template.yaml`. A test of
//! `neptun-devtools` fails when a declared route lacks its function folder, sample events,
//! template blocks or OpenAPI path (`docs/adding-a-route.md`).

use std::future::Future;
use std::pin::Pin;

use http::Method;
use lambda_http::{Body, Request, Response};

use crate::context::AppContext;
use crate::handlers::{
    chats, files, lifecycle, messages, projects, public_read, regenerate, shares,
};
use crate::routes;
use crate::store::ApiStore;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The owner of `{user_id}`, by session cookie.
    Owner,
    /// Anybody: the route checks what it needs itself (the public read of a share).
    Public,
}

/// One route's function, as a type: what a binary serves ([`Endpoint::handle`]).
pub trait Endpoint {
    const FUNCTION: Function;

    /// The route's handler.
    fn handle<S: ApiStore>(
        context: &AppContext<S>,
        request: Request,
    ) -> impl Future<Output = Response<Body>> + Send;
}

/// A handler's response on its way, on the heap.
pub type Handling<'a> = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'a>>;

/// One endpoint's handler future, boxed in a function of its own: a debug build gives a
/// function a stack slot for every future it builds, so a dispatch building all twenty in one
/// frame took 470 KB of a test thread's 2 MiB stack (and overflowed it under load).
fn boxed<E: Endpoint + 'static, S: ApiStore>(
    context: &AppContext<S>,
    request: Request,
) -> Handling<'_> {
    Box::pin(E::handle(context, request))
}

macro_rules! route_table {
    ($( $function:ident = $name:literal, $method:ident $route:expr => $($handler:ident)::+, $access:ident; )+) => {
        /// A function that answers HTTP requests: one per route.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Function {
            $( $function, )+
        }

        /// Each [`Function`] as a type, for its binary: `neptun_dynamo::lambda_main!(CreateChat)`.
        pub mod endpoints {
            $(
                #[doc = concat!("The endpoint of `", $name, "`.")]
                #[derive(Debug, Clone, Copy)]
                pub struct $function;

                impl super::Endpoint for $function {
                    const FUNCTION: super::Function = super::Function::$function;

                    fn handle<S: super::ApiStore>(
                        context: &super::AppContext<S>,
                        request: super::Request,
                    ) -> impl std::future::Future<Output = super::Response<super::Body>> + Send {
                        super::$($handler)::+(context, request)
                    }
                }
            )+
        }

        impl Function {
            /// Every HTTP function, in the table's order.
            pub const ALL: [Function; [$( Function::$function ),+].len()] = [$( Function::$function ),+];

            /// The binary's (and the folder's) name: `functions/<name>`, `events/<name>`; also
            /// the scope of an `Idempotency-Key`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$function => $name, )+
                }
            }

            pub fn method(self) -> Method {
                match self {
                    $( Self::$function => Method::$method, )+
                }
            }

            /// The route's path with its parameters named: `/api/users/{user_id}/chats`.
            pub fn path_template(self) -> String {
                match self {
                    $( Self::$function => $route.template(), )+
                }
            }

            pub const fn access(self) -> Access {
                match self {
                    $( Self::$function => Access::$access, )+
                }
            }

            /// The response of this function's handler to `request` (the dispatch of the tests;
            /// a binary calls its own handler through [`Endpoint`]).
            pub fn handle<S: ApiStore>(self, context: &AppContext<S>, request: Request) -> Handling<'_> {
                match self {
                    $( Self::$function => boxed::<endpoints::$function, S>(context, request), )+
                }
            }
        }
    };
}

route_table! {
    CreateChat                  = "create-chat",                    POST   routes::CHATS              => chats::create_chat, Owner;
    ListChats                   = "list-chats",                     GET    routes::CHATS              => chats::list_chats, Owner;
    CreateChatMessages          = "create-chat-messages",           POST   routes::MESSAGES           => messages::create_messages, Owner;
    ListChatMessages            = "list-chat-messages",             GET    routes::MESSAGES           => messages::list_messages, Owner;
    CreateChatFiles             = "create-chat-files",              POST   routes::MESSAGE_FILES      => files::create_files, Owner;
    GetChatFiles                = "get-chat-files",                 GET    routes::FILES              => files::list_files, Owner;
    GetChatFileContent          = "get-chat-file-content",          GET    routes::CONTENT_ROUTE      => files::get_file_content, Owner;
    UpdateChat                  = "update-chat",                    PATCH  routes::CHAT               => lifecycle::update_chat, Owner;
    DeleteChat                  = "delete-chat",                    DELETE routes::CHAT               => lifecycle::delete_chat, Owner;
    DeleteChats                 = "delete-chats",                   DELETE routes::CHATS              => lifecycle::delete_chats, Owner;
    DeleteLastChatMessage       = "delete-last-chat-message",       DELETE routes::LAST_MESSAGE       => regenerate::delete_last_exchange, Owner;
    CreateProjectChat           = "create-project-chat",            POST   routes::PROJECT_CHATS      => projects::create_project_chat, Owner;
    ListProjectChats            = "list-project-chats",             GET    routes::PROJECT_CHATS      => projects::list_project_chats, Owner;
    DeleteProjectChat           = "delete-project-chat",            DELETE routes::PROJECT_CHAT       => projects::delete_project_chat, Owner;
    DeleteProjectChats          = "delete-project-chats",           DELETE routes::PROJECT_CHATS      => projects::delete_project_chats, Owner;
    CreateChatShare             = "create-chat-share",              POST   routes::SHARES             => shares::create_chat_share, Owner;
    GetChatShare                = "get-chat-share",                 GET    routes::SHARES             => shares::get_chat_share, Owner;
    DeleteChatShare             = "delete-chat-share",              DELETE routes::SHARES             => shares::delete_chat_share, Owner;
    CreateShareWhitelistEntries = "create-share-whitelist-entries", POST   routes::WHITELIST_ENTRIES  => shares::create_share_whitelist_entries, Owner;
    GetSharedChat               = "get-shared-chat",                GET    routes::SHARED_CHAT        => public_read::get_shared_chat, Public;
}

/// The functions fed by the table's stream rather than by HTTP requests.
pub const STREAM_FUNCTIONS: &[&str] = &["purge-chat"];

impl Function {
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

    /// Whether the route answers without a session (the public read of a share).
    pub const fn is_public(self) -> bool {
        matches!(self.access(), Access::Public)
    }

    /// Whether `name` is this function's name, at compile time: a binary's
    /// `lambda_main!` checks that it serves the function of its own package.
    pub const fn is_named(self, name: &str) -> bool {
        let (ours, theirs) = (self.name().as_bytes(), name.as_bytes());
        if ours.len() != theirs.len() {
            return false;
        }
        let mut at = 0;
        while at < ours.len() {
            if ours[at] != theirs[at] {
                return false;
            }
            at += 1;
        }
        true
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
            assert!(function.is_named(function.name()));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Function::ALL.len());
        assert!(!names.iter().any(|name| STREAM_FUNCTIONS.contains(name)));
        assert!(!Function::CreateChat.is_named("create-chats"));
    }

    #[test]
    fn each_method_and_path_is_one_function() {
        let mut routes: Vec<(String, String)> = Function::ALL
            .iter()
            .map(|f| (f.method().to_string(), f.path_template()))
            .collect();
        routes.sort_unstable();
        routes.dedup();
        assert_eq!(routes.len(), Function::ALL.len());
    }
}
