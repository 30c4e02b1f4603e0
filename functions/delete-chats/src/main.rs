//! DELETE /api/users/{user_id}/chats

use neptun::context::{AppContext, serve};
use neptun::handlers::lifecycle::delete_chats;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun::telemetry::init();
    let context = AppContext::init().await?;
    serve(|request| delete_chats(context, request)).await
}
