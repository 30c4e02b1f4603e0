//! Creates the Neptun table on a local DynamoDB-compatible server (used by `make dev`).
//!
//!   AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 cargo run -q -p neptun-devtools --bin create-table -- <table> [--seed]
//!
//! `--seed` also writes the sample chat, message and file that the events under `events/`
//! refer to (user 1, chat 1000, message 4096, file 8192), so every sample event replays; rows
//! that are there already (a kept dev table) are left as they are.
//!
//! The definition is `neptun_devtools::table`, the same one the tests use and `template.yaml`
//! is checked against. An existing table is left as it is.

use std::process::ExitCode;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use neptun_core::error::ErrorChain;
use neptun_devtools::seed::seed_sample_data;
use neptun_devtools::table::{Stream, create_table};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::{StorageTimeouts, dynamodb_client};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed = args.iter().any(|arg| arg == "--seed");
    let Some(table) = args.iter().find(|arg| !arg.starts_with('-')).cloned() else {
        eprintln!(
            "usage: create-table <table-name> [--seed]   (endpoint from AWS_ENDPOINT_URL_DYNAMODB)"
        );
        return ExitCode::from(2);
    };
    let client = dynamodb_client(StorageTimeouts::default()).await;
    let status = create(&client, &table).await;
    if seed && status == ExitCode::SUCCESS {
        if let Err(error) = seed_sample_data(&DynamoStore::new(client, &table)).await {
            eprintln!("could not seed the sample data: {}", ErrorChain(&error));
            return ExitCode::FAILURE;
        }
        eprintln!("the sample data of events/ is in {table}");
    }
    status
}

async fn create(client: &aws_sdk_dynamodb::Client, table: &str) -> ExitCode {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => {
            eprintln!("table {table} exists");
            return ExitCode::SUCCESS;
        }
        Err(error) if error.code() == Some("ResourceNotFoundException") => {}
        Err(error) => {
            eprintln!("cannot reach the table {table}: {}", ErrorChain(&error));
            return ExitCode::FAILURE;
        }
    }
    match create_table(client, table, Stream::On).await {
        Ok(()) => {
            eprintln!("created table {table}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "could not create the table {table}: {}",
                ErrorChain(error.as_ref())
            );
            ExitCode::FAILURE
        }
    }
}
