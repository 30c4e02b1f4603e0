//! GET /api/users/{user_id}/chats

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::chats::list_chats;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::ListChats, |request| {
        list_chats(context, request)
    })
    .await
}
