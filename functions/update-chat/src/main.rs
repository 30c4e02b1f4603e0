//! PATCH /api/users/{user_id}/chats/{chat_id}

use neptun::context::{AppContext, serve};
use neptun::handlers::lifecycle::update_chat;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| update_chat(context, request)).await
}
