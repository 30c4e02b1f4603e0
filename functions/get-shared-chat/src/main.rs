//! GET /api/shared/chats/{share_uuid}

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::shared::get_shared_chat;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::GetSharedChat, |request| {
        get_shared_chat(context, request)
    })
    .await
}
