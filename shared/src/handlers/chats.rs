//! `POST` and `GET /api/users/{user_id}/chats`.

use lambda_http::{Body, Request, Response};

use super::{CreateBody, ListKeys, create_route, created_response, finish, list_route};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::model::Chat;
use crate::request::Route;
use crate::request::Segment::{Lit, Param};
use crate::store::{ChatStore, Idempotency};
use crate::validation::{self, NewChat};

pub const ROUTE: Route<1> = Route::new(&[Param("user_id"), Lit("chats")]);

const CREATE: CreateBody<NewChat> = CreateBody {
    idempotency_scope: "create-chat",
    kind: BodyKind::Chat,
    parse: validation::parse_create_chat,
};

const LIST: ListKeys = ListKeys {
    items: "chats",
    cursor_list: "chats",
};

pub async fn create_chat<S: ChatStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |[user_id]: [u64; 1], chat, idempotency: Option<Idempotency>| async move {
        let created = context
            .store
            .create_chat(user_id, chat, clock::now_ms(), idempotency.as_ref())
            .await?;
        created_response("chat", &created.value, created.replayed)
    };
    finish(create_route(context, &request, &ROUTE, &CREATE, write).await)
}

pub async fn list_chats<S: ChatStore>(context: &AppContext<S>, request: Request) -> Response<Body> {
    let fetch = move |[user_id]: [u64; 1], page| async move {
        context
            .store
            .list_chats(user_id, page)
            .await
            .map_err(ApiError::from)
    };
    let id_of = |chat: &Chat| chat.id;
    finish(list_route(context, &request, &ROUTE, &LIST, fetch, id_of).await)
}
