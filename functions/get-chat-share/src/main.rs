//! GET /api/users/{user_id}/chats/{chat_id}/shares

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::shares::get_chat_share;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::GetChatShare, |request| {
        get_chat_share(context, request)
    })
    .await
}
