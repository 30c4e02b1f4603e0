//! Follows the table's stream on DynamoDB Local and purges deleted chats, as the purge-chat
//! function does in AWS (started in the background by `make dev`):
//!
//!   AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 cargo run -q -p neptun-devtools --bin stream-purge -- <table>
//!
//! DynamoDB Local serves the streams API on the same endpoint: without
//! `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`, the stream is read from `AWS_ENDPOINT_URL_DYNAMODB`.
//! Logs JSON lines like the functions.

use std::process::ExitCode;
use std::time::Duration;

use aws_config::BehaviorVersion;
use neptun_core::error::ErrorChain;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::{StorageTimeouts, dynamodb_client, https_client};
use neptun_dynamo::tls::TrustRoots;

/// How often an idle stream is read again.
const POLL: Duration = Duration::from_millis(500);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    neptun_core::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [table] = args.as_slice() else {
        eprintln!("usage: stream-purge <table-name>   (endpoint from AWS_ENDPOINT_URL_DYNAMODB)");
        return ExitCode::from(2);
    };
    let store = DynamoStore::new(dynamodb_client(StorageTimeouts::default()).await, table);
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client(&TrustRoots::default()))
        .load()
        .await;
    let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(&config);
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").is_none()
        && let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
    {
        streams = streams.endpoint_url(endpoint);
    }
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams.build());
    tracing::info!(table, "following the table's stream, purging deleted chats");
    match neptun_devtools::stream_purge::follow(&store, &streams, POLL).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("stream-purge: {}", ErrorChain(&error));
            ExitCode::FAILURE
        }
    }
}
