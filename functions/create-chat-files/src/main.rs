//! POST /api/users/{user_id}/chats/{chat_id}/files/{message_id}

use neptun::context::{AppContext, serve};
use neptun::handlers::files::create_files;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| create_files(context, request)).await
}
