//! Imports the web app's chats from its PostgreSQL database into the table, ids kept, exactly
//! once (`make import DATABASE_URL=postgres://...`, options in `IMPORT_ARGS`):
//!
//!   DATABASE_URL=postgres://... TABLE_NAME=neptun-dev cargo run -q -p neptun-import -- [--user ID]... [--dry-run | --verify]
//!
//! The work is `neptun_import` (design in its docs); this only wires it up.

use std::process::ExitCode;
use std::time::Duration;

use neptun_core::error::ErrorChain;
use neptun_dynamo::client::{StorageTimeouts, dynamodb_client};
use neptun_import::{CryptoSecret, Target, args};

/// A BatchWriteItem of 25 large items takes longer than an API request may.
const TIMEOUTS: StorageTimeouts = StorageTimeouts {
    connect: Duration::from_secs(3),
    attempt: Duration::from_secs(30),
    operation: Duration::from_secs(120),
    max_attempts: 4,
};

fn main() -> ExitCode {
    let parsed = match args::parse(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(problem) => {
            eprintln!("import: {problem}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if parsed == args::Parsed::Help {
        println!("{}", args::USAGE);
        return ExitCode::SUCCESS;
    }
    let database_url = std::env::var("DATABASE_URL").unwrap_or_default();
    let table = std::env::var("TABLE_NAME").unwrap_or_default();
    let Some(crypto_secret) = std::env::var("CRYPTO_SECRET")
        .ok()
        .and_then(CryptoSecret::new)
    else {
        eprintln!(
            "import: CRYPTO_SECRET must be set to the web app's own: share passwords and users' emails are encrypted with it\n\n{}",
            args::USAGE
        );
        return ExitCode::from(2);
    };
    let Some(options) = parsed.with_source(database_url, crypto_secret) else {
        return ExitCode::SUCCESS;
    };
    if options.database_url.trim().is_empty() || table.trim().is_empty() {
        eprintln!(
            "import: DATABASE_URL and TABLE_NAME must be set\n\n{}",
            args::USAGE
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("import: no async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let target = Target {
            client: dynamodb_client(TIMEOUTS).await,
            table,
        };
        match neptun_import::run(&options, &target).await {
            Ok(report) => {
                println!("{report}");
                if report.is_complete() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(3)
                }
            }
            Err(error) => {
                eprintln!(
                    "import failed (run it again to resume): {}",
                    ErrorChain(&error)
                );
                ExitCode::FAILURE
            }
        }
    })
}
