//! GET /api/users/{user_id}/chats

use neptun::context::{AppContext, serve};
use neptun::handlers::chats::list_chats;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| list_chats(context, request)).await
}
