//! `POST` and `GET /api/users/{user_id}/chats`, and the same for a project's chats
//! (`.../projects/{project_id}/chats`, see [`super::projects`]).

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    BodyReader, BodySpec, RESPONSE_BUDGET_BYTES, authorize, create_route, finish, object_response,
    page_response_with,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::functions::Function;
use crate::ids::{ProjectId, UserId};
use crate::model::{Chat, ChatList};
use crate::request;
use crate::routes::{CHATS, PathIds, Route, UserPath};
use crate::store::{ChatPageRequest, ChatStore, Idempotency};
use crate::validation::{self, ChatOrder, Cursor, NewChat};

const CREATE: BodySpec<NewChat> = BodySpec {
    function: Function::CreateChat,
    kind: BodyKind::Chat,
    parse: BodyReader::Tree(validation::parse_create_chat),
};

/// The JSON key of the chat lists' items.
const CHATS_KEY: &str = "chats";

pub async fn create_chat<S: ChatStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    finish(
        create(context, &request, &CHATS, &CREATE, |UserPath { user }| {
            (user, None)
        })
        .await,
    )
}

/// `GET .../chats[?order_by=...]`: newest first with id cursors, as every list, or in the
/// requested order with keyset cursors bound to it.
pub async fn list_chats<S: ChatStore>(context: &AppContext<S>, request: Request) -> Response<Body> {
    finish(
        list(context, &request, &CHATS, |UserPath { user }| {
            (user, ChatList::All)
        })
        .await,
    )
}

/// A create of a chat on `route`, whose ids name the user and the project (if any) the chat
/// is created in.
pub(super) async fn create<const N: usize, P: PathIds<N>, S: ChatStore>(
    context: &AppContext<S>,
    request: &Request,
    route: &Route<N, P>,
    body: &BodySpec<NewChat>,
    place: fn(P) -> (UserId, Option<ProjectId>),
) -> Result<Response<Body>, ApiError> {
    let write = move |ids: P, chat: NewChat, idempotency: Option<Idempotency>| async move {
        let (user_id, project_id) = place(ids);
        let chat = NewChat { project_id, ..chat };
        let created = context
            .store
            .create_chat(user_id, chat, clock::now_ms(), idempotency.as_ref())
            .await?;
        object_response("chat", &created.value, created.replayed)
    };
    create_route(context, request, route, body, write).await
}

/// A page of the chat list on `route`, whose ids name the user and the list.
pub(super) async fn list<const N: usize, P: PathIds<N>, S: ChatStore>(
    context: &AppContext<S>,
    request: &Request,
    route: &Route<N, P>,
    list_of: fn(P) -> (UserId, ChatList),
) -> Result<Response<Body>, ApiError> {
    let ids = authorize(context, request, Method::GET, route)?;
    let (user_id, list) = list_of(ids);
    let param = |name| request::query_param(request, name);
    let query = validation::parse_chat_list_query(
        user_id,
        list,
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
    let chats = context.store.list_chats(user_id, list, page).await?;
    if id_cursors {
        let scope = validation::chat_cursor_scope(user_id, list);
        return page_response_with(CHATS_KEY, chats, 0, Vec::new(), |chat: &Chat| {
            validation::encode_cursor(
                &scope,
                &Cursor {
                    after_id: chat.id.get(),
                },
            )
        });
    }
    page_response_with(
        CHATS_KEY,
        chats,
        validation::MAX_ORDERED_CURSOR_CHARS,
        Vec::new(),
        |chat: &Chat| validation::encode_chat_cursor(user_id, list, &order, chat),
    )
}
