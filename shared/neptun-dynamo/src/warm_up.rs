//! The Init warm-up: the storage connection opened before the first request.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::client::StorageTimeouts;
use crate::schema;

/// The longest the warm-up may hold up Init: one attempt, no retry.
const WARM_UP_TIMEOUT: Duration = Duration::from_millis(1_000);

/// Turns the Init warm-up off (default on), for measuring it.
pub const WARM_UP_ENV: &str = "DYNAMODB_WARM_UP";

/// Opens the storage connection during Lambda Init, so that the first invocation does not pay
/// for it (TCP, TLS handshake, credentials and the HTTP client's lazy set-up): one `GetItem` of
/// a key that never exists, which every function is allowed to make (IAM `dynamodb:GetItem`).
/// The connection then waits in the client's pool. Failures only cost the first request its
/// head start, so they are logged at debug and otherwise ignored.
pub async fn warm_up(client: &aws_sdk_dynamodb::Client, table: &str, timeouts: StorageTimeouts) {
    let limit = WARM_UP_TIMEOUT.min(timeouts.attempt);
    let started = std::time::Instant::now();
    let key = || AttributeValue::S(schema::WARM_UP_KEY.to_owned());
    let result = client
        .get_item()
        .table_name(table)
        .key(schema::PK, key())
        .key(schema::SK, key())
        .customize()
        .config_override(
            aws_sdk_dynamodb::config::Builder::new()
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(timeouts.connect.min(limit))
                        .operation_attempt_timeout(limit)
                        .operation_timeout(limit)
                        .build(),
                )
                .retry_config(RetryConfig::disabled()),
        )
        .send()
        .await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(_) => tracing::debug!(elapsed_ms, "storage connection opened during Init"),
        Err(error) => tracing::debug!(
            elapsed_ms,
            error = %aws_sdk_dynamodb::error::DisplayErrorContext(&error),
            "storage warm-up failed (ignored)"
        ),
    }
}
