//! POST /api/users/{user_id}/chats/{chat_id}/messages

use neptun::context::{AppContext, serve};
use neptun::handlers::messages::create_messages;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| create_messages(context, request)).await
}
