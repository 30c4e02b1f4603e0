//! GET /api/users/{user_id}/chats/{chat_id}/files/{file_id}/content

use neptun::context::{AppContext, serve};
use neptun::handlers::files::get_file_content;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| get_file_content(context, request)).await
}
