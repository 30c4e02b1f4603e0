//! GET /api/users/{user_id}/chats/{chat_id}/files/{file_id}/content

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::files::get_file_content;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::GetChatFileContent, |request| {
        get_file_content(context, request)
    })
    .await
}
