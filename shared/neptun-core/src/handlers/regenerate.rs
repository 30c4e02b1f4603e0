//! `DELETE /api/users/{user_id}/chats/{chat_id}/messages/last`: the dashboard's
//! "regenerate", which deletes the chat's last exchange before it asks again.

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{bodiless_write_route, finish, ok_response};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::functions::Function;
use crate::routes::ChatPath;
use crate::routes::LAST_MESSAGE as ROUTE;
use crate::store::{Idempotency, RegenerateStore};

pub async fn delete_last_exchange<S: RegenerateStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      idempotency: Option<Idempotency>| async move {
        let deleted = context
            .store
            .delete_last_exchange(user_id, chat_id, idempotency.as_ref())
            .await?;
        // The exchange serializes as the answer itself (one of its two shapes).
        let body = serde_json::to_vec(&deleted.value).map_err(ApiError::ResponseNotSerialized)?;
        Ok(ok_response(body, deleted.replayed))
    };
    let route = bodiless_write_route(
        context,
        &request,
        Method::DELETE,
        &ROUTE,
        Function::DeleteLastChatMessage,
        write,
    );
    finish(route.await)
}
