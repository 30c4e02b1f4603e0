//! `PATCH` and `DELETE /api/users/{user_id}/chats/{chat_id}` (rename, delete) and
//! `DELETE /api/users/{user_id}/chats` with `{"chat_ids": [...]}` (delete several).

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{BodySpec, bodiless_write_route, done_response, finish, object_response, write_route};
use crate::clock;
use crate::context::AppContext;
use crate::error::BodyKind;
use crate::routes::{CHAT as CHAT_ROUTE, CHATS as CHATS_ROUTE};
use crate::store::{ChatDeleteStore, ChatRenameStore, Idempotency};
use crate::validation::{self, ChatUpdate};

const RENAME: BodySpec<ChatUpdate> = BodySpec {
    idempotency_scope: "update-chat",
    kind: BodyKind::ChatName,
    parse: validation::parse_update_chat,
};

const DELETE_SEVERAL: BodySpec<Vec<u64>> = BodySpec {
    idempotency_scope: "delete-chats",
    kind: BodyKind::ChatIds,
    parse: validation::parse_delete_chats,
};

pub async fn update_chat<S: ChatRenameStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |[user_id, chat_id]: [u64; 2], update, idempotency: Option<Idempotency>| async move {
        let renamed = context
            .store
            .rename_chat(
                user_id,
                chat_id,
                update,
                clock::now_ms(),
                idempotency.as_ref(),
            )
            .await?;
        object_response("chat", &renamed.value, renamed.replayed)
    };
    finish(
        write_route(
            context,
            &request,
            Method::PATCH,
            &CHAT_ROUTE,
            &RENAME,
            write,
        )
        .await,
    )
}

pub async fn delete_chat<S: ChatDeleteStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |[user_id, chat_id]: [u64; 2], idempotency: Option<Idempotency>| async move {
        let deleted = context
            .store
            .delete_chat(user_id, chat_id, idempotency.as_ref())
            .await?;
        Ok(done_response(deleted.replayed))
    };
    let route = bodiless_write_route(
        context,
        &request,
        Method::DELETE,
        &CHAT_ROUTE,
        "delete-chat",
        write,
    );
    finish(route.await)
}

pub async fn delete_chats<S: ChatDeleteStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |[user_id]: [u64; 1], chat_ids, idempotency: Option<Idempotency>| async move {
        let deleted = context
            .store
            .delete_chats(user_id, chat_ids, idempotency.as_ref())
            .await?;
        Ok(done_response(deleted.replayed))
    };
    let route = write_route(
        context,
        &request,
        Method::DELETE,
        &CHATS_ROUTE,
        &DELETE_SEVERAL,
        write,
    );
    finish(route.await)
}
