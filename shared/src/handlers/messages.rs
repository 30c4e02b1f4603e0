//! `POST` and `GET /api/users/{user_id}/chats/{chat_id}/messages`.

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    RESPONSE_BUDGET_BYTES, authorize, body_error, created_response, finish, json_body,
    list_response, page_query,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::idempotency;
use crate::request::Segment::{self, Lit, Param};
use crate::store::{MessageStore, PageRequest, StoreError};
use crate::validation::{self, Cursor, CursorScope};

pub const ROUTE: &[Segment] = &[
    Param("user_id"),
    Lit("chats"),
    Param("chat_id"),
    Lit("messages"),
];

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
    let ids @ [user_id, chat_id] = authorize(context, request, Method::POST, ROUTE)?;
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
    if single {
        let message = created
            .value
            .first()
            .ok_or_else(|| ApiError::Internal(StoreError::Invariant("no message was created")))?;
        Ok(created_response("chatMessage", message, created.replayed))
    } else {
        Ok(created_response(
            "chatMessages",
            &created.value,
            created.replayed,
        ))
    }
}

pub async fn list_messages<S: MessageStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    finish(list(context, &request).await)
}

async fn list<S: MessageStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let [user_id, chat_id] = authorize(context, request, Method::GET, ROUTE)?;
    let scope = CursorScope {
        user_id,
        chat_id,
        list: "messages",
    };
    let query = page_query(request, &scope)?;
    let page = PageRequest {
        limit: query.limit.map(|limit| limit as usize),
        after: query.cursor.map(|cursor| cursor.after_id),
        byte_budget: RESPONSE_BUDGET_BYTES,
    };
    let page = context.store.list_messages(user_id, chat_id, page).await?;
    list_response(
        "chatMessages",
        page.items,
        page.has_more,
        |message| message.id,
        |after_id| validation::encode_cursor(&scope, &Cursor { after_id }),
    )
}
