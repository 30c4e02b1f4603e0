//! DELETE /api/users/{user_id}/chats/{chat_id}

use neptun::context::{AppContext, serve};
use neptun::handlers::lifecycle::delete_chat;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| delete_chat(context, request)).await
}
