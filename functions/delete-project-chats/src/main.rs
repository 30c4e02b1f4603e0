//! DELETE /api/users/{user_id}/projects/{project_id}/chats

use neptun_core::context::serve;
use neptun_core::functions::Function;
use neptun_core::handlers::projects::delete_project_chats;
use neptun_dynamo::context::app_context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    neptun_core::telemetry::init();
    let context = app_context().await?;
    serve(context, Function::DeleteProjectChats, |request| {
        delete_project_chats(context, request)
    })
    .await
}
