//! `PATCH` and `DELETE /api/users/{user_id}/chats/{chat_id}` (rename, delete) and
//! `DELETE /api/users/{user_id}/chats` with `{"chat_ids": [...]}` (delete several).

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    CreateBody, bodiless_write_route, created_response, done_response, finish, write_route,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::BodyKind;
use crate::request::Route;
use crate::request::Segment::{Lit, Param};
use crate::store::{ChatDeleteStore, ChatRenameStore, Idempotency};
use crate::validation::{self, ChatUpdate};

pub const CHATS_ROUTE: Route<1> = Route::new(&[Param("user_id"), Lit("chats")]);
pub const CHAT_ROUTE: Route<2> = Route::new(&[Param("user_id"), Lit("chats"), Param("chat_id")]);

const RENAME: CreateBody<ChatUpdate> = CreateBody {
    idempotency_scope: "update-chat",
    kind: BodyKind::ChatName,
    parse: validation::parse_update_chat,
};

const DELETE_SEVERAL: CreateBody<Vec<u64>> = CreateBody {
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
        created_response("chat", &renamed.value, renamed.replayed)
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
