//! `POST` and `GET /api/users/{user_id}/chats/{chat_id}/messages`.

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    ItemKeys, ListKeys, authorize, body_error, finish, items_created_response, json_body,
    list_route,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::idempotency;
use crate::model::ChatMessage;
use crate::request::Route;
use crate::request::Segment::{Lit, Param};
use crate::store::MessageStore;
use crate::validation;

pub const ROUTE: Route<2> = Route::new(&[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("messages"),
]);

const CREATED: ItemKeys = ItemKeys {
    single: "chatMessage",
    batch: "chatMessages",
};

const LIST: ListKeys = ListKeys {
    items: "chatMessages",
    cursor_list: "messages",
};

pub async fn create_messages<S: MessageStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    finish(create(context, &request).await)
}

async fn create<S: MessageStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let ids @ [user_id, chat_id] = authorize(context, request, Method::POST, &ROUTE)?;
    let body = json_body(request)?;
    let idempotency = idempotency::from_request(request, "create-chat-messages", &ids, body)?;
    let batch = validation::parse_create_messages(body)
        .map_err(|error| body_error(error, BodyKind::Messages))?;
    let single = batch.is_single();
    let created = context
        .store
        .append_messages(
            user_id,
            chat_id,
            batch.into_items(),
            clock::now_ms(),
            idempotency.as_ref(),
        )
        .await?;
    items_created_response(&CREATED, single, &created)
}

pub async fn list_messages<S: MessageStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let fetch = move |[user_id, chat_id]: [u64; 2], page| async move {
        context
            .store
            .list_messages(user_id, chat_id, page)
            .await
            .map_err(ApiError::from)
    };
    let id_of = |message: &ChatMessage| message.id;
    finish(list_route(context, &request, &ROUTE, &LIST, fetch, id_of).await)
}
