//! GET /api/users/{user_id}/chats/{chat_id}/messages

use neptun::context::{AppContext, serve};
use neptun::handlers::messages::list_messages;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| list_messages(context, request)).await
}
