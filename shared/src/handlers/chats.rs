//! `POST` and `GET /api/users/{user_id}/chats`.

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{ListKeys, authorize, body_error, created_response, finish, json_body, list_route};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::idempotency;
use crate::model::Chat;
use crate::request::Route;
use crate::request::Segment::{Lit, Param};
use crate::store::ChatStore;
use crate::validation;

pub const ROUTE: Route<1> = Route::new(&[Param("user_id"), Lit("chats")]);

const LIST: ListKeys = ListKeys {
    items: "chats",
    cursor_list: "chats",
};

pub async fn create_chat<S: ChatStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    finish(create(context, &request).await)
}

async fn create<S: ChatStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let ids @ [user_id] = authorize(context, request, Method::POST, &ROUTE)?;
    let body = json_body(request)?;
    let idempotency = idempotency::from_request(request, "create-chat", &ids, body)?;
    let chat =
        validation::parse_create_chat(body).map_err(|error| body_error(error, BodyKind::Chat))?;
    let created = context
        .store
        .create_chat(user_id, chat, clock::now_ms(), idempotency.as_ref())
        .await?;
    created_response("chat", &created.value, created.replayed)
}

pub async fn list_chats<S: ChatStore>(context: &AppContext<S>, request: Request) -> Response<Body> {
    let fetch = move |[user_id]: [u64; 1], page| async move {
        context
            .store
            .list_chats(user_id, page)
            .await
            .map_err(ApiError::from)
    };
    finish(
        list_route(context, &request, &ROUTE, &LIST, fetch, |chat: &Chat| {
            chat.id
        })
        .await,
    )
}
