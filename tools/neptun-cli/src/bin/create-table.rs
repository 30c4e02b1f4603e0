//! Creates the Neptun table on a local DynamoDB-compatible server (used by `make dev`).
//!
//!   AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 cargo run -q -p neptun-cli --bin create-table -- <table>
//!
//! The definition is `neptun::store::table`, the same one the tests use and `template.yaml`
//! is checked against. An existing table is left as it is.

use std::process::ExitCode;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use neptun::context::{StorageTimeouts, dynamodb_client};
use neptun::store::table::create_table;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(table) = std::env::args()
        .nth(1)
        .filter(|name| !name.starts_with('-'))
    else {
        eprintln!("usage: create-table <table-name>   (endpoint from AWS_ENDPOINT_URL_DYNAMODB)");
        return ExitCode::from(2);
    };
    let client = dynamodb_client(StorageTimeouts::default()).await;
    match client.describe_table().table_name(&table).send().await {
        Ok(_) => {
            eprintln!("table {table} exists");
            return ExitCode::SUCCESS;
        }
        Err(error) if error.code() == Some("ResourceNotFoundException") => {}
        Err(error) => {
            eprintln!(
                "cannot reach the table {table}: {}",
                neptun::error::ErrorChain(&error)
            );
            return ExitCode::FAILURE;
        }
    }
    match create_table(&client, &table).await {
        Ok(()) => {
            eprintln!("created table {table}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "could not create the table {table}: {}",
                neptun::error::ErrorChain(error.as_ref())
            );
            ExitCode::FAILURE
        }
    }
}
