//! `PATCH` and `DELETE /api/users/{user_id}/chats/{chat_id}` (rename or move, delete) and
//! `DELETE /api/users/{user_id}/chats` with `{"chat_ids": [...]}` (delete several) or
//! `{"all": true}` (erase), and the deletes of a project's chats ([`super::projects`]).

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    BodyReader, BodySpec, bodiless_write_route, done_response, finish, object_response, write_route,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::functions::Function;
use crate::ids::{ChatId, UserId};
use crate::model::ChatList;
use crate::routes::{CHAT, CHATS, PathIds, Route};
use crate::routes::{ChatPath, UserPath};
use crate::store::{ChatDeleteStore, ChatEraseStore, ChatUpdateStore, Idempotency};
use crate::validation::{self, ChatUpdate, ChatsToDelete};

const UPDATE: BodySpec<ChatUpdate> = BodySpec {
    function: Function::UpdateChat,
    kind: BodyKind::ChatName,
    parse: BodyReader::Tree(validation::parse_update_chat),
};

const DELETE_SEVERAL: BodySpec<ChatsToDelete> = BodySpec {
    function: Function::DeleteChats,
    kind: BodyKind::ChatIds,
    parse: BodyReader::Tree(validation::parse_delete_chats),
};

pub async fn update_chat<S: ChatUpdateStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      update,
                      idempotency: Option<Idempotency>| async move {
        let updated = context
            .store
            .update_chat(
                user_id,
                chat_id,
                update,
                clock::now_ms(),
                idempotency.as_ref(),
            )
            .await?;
        object_response("chat", &updated.value, updated.replayed)
    };
    finish(write_route(context, &request, Method::PATCH, &CHAT, &UPDATE, write).await)
}

pub async fn delete_chat<S: ChatDeleteStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let route = delete_one(
        context,
        &request,
        &CHAT,
        Function::DeleteChat,
        |ChatPath { user, chat }| (user, chat, ChatList::All),
    );
    finish(route.await)
}

/// `{"chat_ids": [...]}` deletes those of the user's chats; `{"all": true}` erases every one
/// of them (the account is being deleted). An erasure is not recorded under its
/// `Idempotency-Key`: the record would be one of the user's rows it erases, and repeating an
/// erasure is harmless.
pub async fn delete_chats<S: ChatDeleteStore + ChatEraseStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |UserPath { user: user_id }: UserPath,
                      chats,
                      idempotency: Option<Idempotency>| async move {
        match chats {
            ChatsToDelete::Listed(chat_ids) => {
                let deleted = context
                    .store
                    .delete_chats(user_id, chat_ids, ChatList::All, idempotency.as_ref())
                    .await?;
                Ok(done_response(deleted.replayed))
            }
            ChatsToDelete::All => {
                context.store.erase_chats(user_id, clock::now_ms()).await?;
                Ok(done_response(false))
            }
        }
    };
    finish(
        write_route(
            context,
            &request,
            Method::DELETE,
            &CHATS,
            &DELETE_SEVERAL,
            write,
        )
        .await,
    )
}

/// A delete of the one chat that `route`'s ids name, from the list they name.
pub(super) async fn delete_one<const N: usize, P: PathIds<N>, S: ChatDeleteStore>(
    context: &AppContext<S>,
    request: &Request,
    route: &Route<N, P>,
    function: Function,
    chat_of: fn(P) -> (UserId, ChatId, ChatList),
) -> Result<Response<Body>, ApiError> {
    let write = move |ids: P, idempotency: Option<Idempotency>| async move {
        let (user_id, chat_id, from) = chat_of(ids);
        let deleted = context
            .store
            .delete_chat(user_id, chat_id, from, idempotency.as_ref())
            .await?;
        Ok(done_response(deleted.replayed))
    };
    bodiless_write_route(context, request, Method::DELETE, route, function, write).await
}
