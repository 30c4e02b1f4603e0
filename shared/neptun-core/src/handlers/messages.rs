//! `POST` and `GET /api/users/{user_id}/chats/{chat_id}/messages`.

use lambda_http::{Body, Request, Response};

use super::{
    BodyReader, BodySpec, ItemKeys, ListKeys, create_route, finish, items_created_response,
    list_route,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::functions::Function;
use crate::model::ChatMessage;
use crate::routes::ChatPath;
use crate::routes::MESSAGES as ROUTE;
use crate::store::{Idempotency, MessageStore};
use crate::validation::{self, Batch, NewMessage};

const CREATE: BodySpec<Batch<NewMessage>> = BodySpec {
    function: Function::CreateChatMessages,
    kind: BodyKind::Messages,
    parse: BodyReader::Shaped(validation::read_create_messages),
};

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
    let write = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      batch: Batch<NewMessage>,
                      idempotency: Option<Idempotency>| async move {
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
    };
    finish(create_route(context, &request, &ROUTE, &CREATE, write).await)
}

pub async fn list_messages<S: MessageStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let fetch = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      page| async move {
        context
            .store
            .list_messages(user_id, chat_id, page)
            .await
            .map_err(ApiError::from)
    };
    let id_of = |message: &ChatMessage| message.id.get();
    finish(list_route(context, &request, &ROUTE, &LIST, fetch, id_of).await)
}
