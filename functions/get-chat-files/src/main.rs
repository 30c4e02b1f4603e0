//! GET /api/users/{user_id}/chats/{chat_id}/files

use neptun::context::{AppContext, serve};
use neptun::handlers::files::list_files;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| list_files(context, request)).await
}
