//! The table's stream, filtered to chat deletions: purges each deleted chat's partition; and
//! the sweep's schedule: purges what the stream left.

use lambda_runtime::{LambdaEvent, service_fn};
use neptun_core::clock;
use neptun_dynamo::context::StreamContext;
use neptun_dynamo::purge::function::purge_or_sweep;
use neptun_dynamo::purge::stream::purge_deadline;
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    neptun_core::telemetry::init();
    let context = StreamContext::init().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = purge_deadline(event.context.deadline, clock::now_ms());
        purge_or_sweep(&context.store, event.payload, deadline)
            .await
            .map_err(lambda_runtime::Error::from)
    }))
    .await
}
