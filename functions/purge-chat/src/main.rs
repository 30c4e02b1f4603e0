//! The table's stream, filtered to chat deletions: purges each deleted chat's partition.

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{LambdaEvent, service_fn};
use neptun_core::clock;
use neptun_dynamo::context::StreamContext;
use neptun_dynamo::stream::{purge_deadline, purge_deleted_chats};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    neptun_core::telemetry::init();
    let context = StreamContext::init().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| async move {
        let deadline = purge_deadline(event.context.deadline, clock::now_ms());
        purge_deleted_chats(&context.store, event.payload, Some(deadline))
            .await
            .map_err(lambda_runtime::Error::from)
    }))
    .await
}
