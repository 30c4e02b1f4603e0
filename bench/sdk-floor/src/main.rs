//! The SDK floors of `make bench`, through the functions' client settings
//! (`neptun_dynamo::client::function_sdk_config` and `dynamodb_client_from`, with the same trust
//! store) and the same Init warm-up, and nothing else: what a function costs on top of its
//! floor is its own, not the SDK's. Never deployed (not in template.yaml nor in the cargo-lambda router).
//!
//! - `sdk-floor`: create-chat-messages' `TransactWriteItems`, built by hand ([`transaction`]);
//! - `sdk-floor --replay CALLS.json`: any route's DynamoDB requests as its function sent them,
//!   from their typed inputs ([`replay`], [`input`]).

mod input;
mod replay;
mod transaction;

use lambda_http::{Error, Request, service_fn};
use neptun_dynamo::client::{StorageTimeouts, dynamodb_client_from, function_sdk_config};
use neptun_dynamo::tls::TrustRoots;
use neptun_dynamo::warm_up::warm_up;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME must name the table")?;
    let timeouts = StorageTimeouts::from_env()?;
    let config = function_sdk_config(timeouts, &TrustRoots::from_env()?).await?;
    let client = dynamodb_client_from(&config);
    if std::env::var("DYNAMODB_WARM_UP").as_deref() != Ok("false") {
        warm_up(&client, &table, timeouts).await;
    }
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.as_slice() {
        [] => {
            let floor: &'static transaction::Floor =
                Box::leak(Box::new(transaction::Floor { client, table }));
            lambda_http::run(service_fn(move |request: Request| {
                transaction::write(floor, request)
            }))
            .await
        }
        [flag, calls] if flag == "--replay" => {
            let replay: &'static replay::Replay =
                Box::leak(Box::new(replay::Replay::load(&client, calls).await?));
            lambda_http::run(service_fn(move |_: Request| replay.send_all())).await
        }
        _ => Err("usage: sdk-floor [--replay CALLS.json]".into()),
    }
}
