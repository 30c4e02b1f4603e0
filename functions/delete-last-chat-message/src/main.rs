//! DELETE /api/users/{user_id}/chats/{chat_id}/messages/last

use neptun::context::{AppContext, serve};
use neptun::handlers::regenerate::delete_last_exchange;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| delete_last_exchange(context, request)).await
}
