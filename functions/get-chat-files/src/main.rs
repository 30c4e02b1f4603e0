//! GET /api/users/{user_id}/chats/{chat_id}/files

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::files::list_files;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::GetChatFiles, |request| {
        list_files(context, request)
    })
    .await
}
