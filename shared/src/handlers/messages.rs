//! `POST` and `GET /api/users/{user_id}/chats/{chat_id}/messages`.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{
    RESPONSE_BUDGET_BYTES, authorize, body_error, finish, json_body, list_response, page_query,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::request::Segment::{self, Lit, Param};
use crate::response::json_response;
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
    let [user_id, chat_id] = authorize(context, request, Method::POST, ROUTE)?;
    let batch = validation::parse_create_messages(json_body(request)?)
        .map_err(|error| body_error(error, BodyKind::Messages))?;
    let single = batch.is_single();
    let created = context
        .store
        .append_messages(user_id, chat_id, batch.into_items(), clock::now_ms())
        .await?;
    if single {
        let message = created.into_iter().next().ok_or_else(|| {
            ApiError::Internal(StoreError::Failed("no message was created".into()))
        })?;
        Ok(json_response(
            StatusCode::OK,
            &json!({ "chatMessage": message }),
        ))
    } else {
        Ok(json_response(
            StatusCode::OK,
            &json!({ "chatMessages": created }),
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
