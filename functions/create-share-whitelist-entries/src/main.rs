//! POST /api/users/{user_id}/chats/{chat_id}/shares/{share_id}/whitelist-entries

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::shares::create_share_whitelist_entries;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::CreateShareWhitelistEntries, |request| {
        create_share_whitelist_entries(context, request)
    })
    .await
}
