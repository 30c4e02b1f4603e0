//! POST /api/users/{user_id}/chats

use neptun::context::{AppContext, serve};
use neptun::handlers::chats::create_chat;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| create_chat(context, request)).await
}
