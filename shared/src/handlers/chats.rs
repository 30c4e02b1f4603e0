//! `POST` and `GET /api/users/{user_id}/chats`.

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
use crate::store::{ChatStore, PageRequest};
use crate::validation::{self, Cursor, CursorScope};

pub const ROUTE: &[Segment] = &[Param("user_id"), Lit("chats")];

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
    let ids @ [user_id] = authorize(context, request, Method::POST, ROUTE)?;
    let body = json_body(request)?;
    let idempotency = idempotency::from_request(request, "create-chat", &ids, body)?;
    let chat =
        validation::parse_create_chat(body).map_err(|error| body_error(error, BodyKind::Chat))?;
    let created = context
        .store
        .create_chat(user_id, chat, clock::now_ms(), idempotency.as_ref())
        .await?;
    Ok(created_response("chat", &created.value, created.replayed))
}

pub async fn list_chats<S: ChatStore>(context: &AppContext<S>, request: Request) -> Response<Body> {
    finish(list(context, &request).await)
}

async fn list<S: ChatStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let [user_id] = authorize(context, request, Method::GET, ROUTE)?;
    let scope = CursorScope {
        user_id,
        chat_id: 0,
        list: "chats",
    };
    let query = page_query(request, &scope)?;
    let page = PageRequest {
        limit: query.limit.map(|limit| limit as usize),
        after: query.cursor.map(|cursor| cursor.after_id),
        byte_budget: RESPONSE_BUDGET_BYTES,
    };
    let page = context.store.list_chats(user_id, page).await?;
    list_response(
        "chats",
        page.items,
        page.has_more,
        |chat| chat.id,
        |after_id| validation::encode_cursor(&scope, &Cursor { after_id }),
    )
}
