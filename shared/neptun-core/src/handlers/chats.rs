//! `POST` and `GET /api/users/{user_id}/chats`.

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    BodySpec, ListKeys, RESPONSE_BUDGET_BYTES, authorize, create_route, finish, object_response,
    page_response_with,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::model::Chat;
use crate::request;
use crate::routes::CHATS as ROUTE;
use crate::store::{ChatPageRequest, ChatStore, Idempotency};
use crate::validation::{self, ChatOrder, Cursor, CursorScope, NewChat};

const CREATE: BodySpec<NewChat> = BodySpec {
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
        object_response("chat", &created.value, created.replayed)
    };
    finish(create_route(context, &request, &ROUTE, &CREATE, write).await)
}

/// `GET .../chats[?order_by=...]`: newest first with id cursors, as every list, or in the
/// requested order with keyset cursors bound to it.
pub async fn list_chats<S: ChatStore>(context: &AppContext<S>, request: Request) -> Response<Body> {
    finish(list(context, &request).await)
}

async fn list<S: ChatStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let [user_id] = authorize(context, request, Method::GET, &ROUTE)?;
    let param = |name| request::query_param(request, name);
    let query = validation::parse_chat_list_query(
        user_id,
        param("limit").as_deref(),
        param("cursor").as_deref(),
        param("order_by").as_deref(),
    )
    .map_err(ApiError::InvalidQuery)?;
    // Without `order_by` the cursors stay the id cursors every list uses.
    let id_cursors = query.order.is_none();
    let order = query.order.unwrap_or_else(ChatOrder::newest_first);
    let page = ChatPageRequest {
        order: order.clone(),
        after: query.after,
        limit: query.limit.map(|limit| limit as usize),
        byte_budget: RESPONSE_BUDGET_BYTES,
    };
    let chats = context.store.list_chats(user_id, page).await?;
    if id_cursors {
        let scope = CursorScope {
            user_id,
            chat_id: 0,
            list: LIST.cursor_list,
        };
        return page_response_with(LIST.items, chats, 0, |chat: &Chat| {
            validation::encode_cursor(&scope, &Cursor { after_id: chat.id })
        });
    }
    page_response_with(
        LIST.items,
        chats,
        validation::MAX_ORDERED_CURSOR_CHARS,
        |chat: &Chat| validation::encode_chat_cursor(user_id, &order, chat),
    )
}
