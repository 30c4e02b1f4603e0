//! Sends a request to the handler of a [`Function`], as its binary under `functions/` does:
//! the one dispatch of the tests, checked by the compiler (every function has its arm).

use lambda_http::{Body, Request, Response};
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::handlers::{
    chats, files, lifecycle, messages, projects, regenerate, shared, shares,
};
use neptun_core::store::{
    ChatDeleteStore, ChatEraseStore, ChatStore, ChatUpdateStore, FileStore, MessageStore,
    RegenerateStore, ShareStore, SharedChatStore,
};

/// A store with every trait a route needs: what [`invoke`] can send any request to.
pub trait ApiStore:
    ChatStore
    + MessageStore
    + FileStore
    + ChatUpdateStore
    + ChatDeleteStore
    + ChatEraseStore
    + RegenerateStore
    + ShareStore
    + SharedChatStore
{
}

impl<S> ApiStore for S where
    S: ChatStore
        + MessageStore
        + FileStore
        + ChatUpdateStore
        + ChatDeleteStore
        + ChatEraseStore
        + RegenerateStore
        + ShareStore
        + SharedChatStore
{
}

/// The response of `function`'s handler to `request`, after the origin check every function
/// makes first.
pub async fn invoke<S: ApiStore>(
    context: &AppContext<S>,
    function: Function,
    request: Request,
) -> Response<Body> {
    if let Some(refusal) = context.refusal(&request) {
        return refusal;
    }
    match function {
        Function::CreateChat => chats::create_chat(context, request).await,
        Function::ListChats => chats::list_chats(context, request).await,
        Function::CreateChatMessages => messages::create_messages(context, request).await,
        Function::ListChatMessages => messages::list_messages(context, request).await,
        Function::CreateChatFiles => files::create_files(context, request).await,
        Function::GetChatFiles => files::list_files(context, request).await,
        Function::GetChatFileContent => files::get_file_content(context, request).await,
        Function::UpdateChat => lifecycle::update_chat(context, request).await,
        Function::DeleteChat => lifecycle::delete_chat(context, request).await,
        Function::DeleteChats => lifecycle::delete_chats(context, request).await,
        Function::DeleteLastChatMessage => regenerate::delete_last_exchange(context, request).await,
        Function::CreateProjectChat => projects::create_project_chat(context, request).await,
        Function::ListProjectChats => projects::list_project_chats(context, request).await,
        Function::DeleteProjectChat => projects::delete_project_chat(context, request).await,
        Function::DeleteProjectChats => projects::delete_project_chats(context, request).await,
        Function::CreateChatShare => shares::create_chat_share(context, request).await,
        Function::GetChatShare => shares::get_chat_share(context, request).await,
        Function::DeleteChatShare => shares::delete_chat_share(context, request).await,
        Function::CreateShareWhitelistEntries => {
            shares::create_share_whitelist_entries(context, request).await
        }
        Function::GetSharedChat => shared::get_shared_chat(context, request).await,
    }
}
