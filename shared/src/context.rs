//! Everything a handler needs, built once per process in `main` (during Lambda Init).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

use crate::links::FileLinks;
use crate::session::SessionConfig;
use crate::store::dynamo::DynamoStore;

/// Storage call limits. Defaults keep a request well inside a 10 s Lambda timeout even when
/// DynamoDB is unreachable: 3 attempts of at most 1.5 s each, 4 s per call in all.
#[derive(Debug, Clone, Copy)]
pub struct StorageTimeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
    pub max_attempts: u32,
}

impl Default for StorageTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_millis(1_000),
            attempt: Duration::from_millis(1_500),
            operation: Duration::from_millis(4_000),
            max_attempts: 3,
        }
    }
}

impl StorageTimeouts {
    /// Defaults, overridden by `DYNAMODB_CONNECT_TIMEOUT_MS`, `DYNAMODB_ATTEMPT_TIMEOUT_MS`,
    /// `DYNAMODB_OPERATION_TIMEOUT_MS` and `DYNAMODB_MAX_ATTEMPTS`.
    pub fn from_env() -> Self {
        let defaults = Self::default();
        let millis =
            |name: &str, default: Duration| env_number(name).map_or(default, Duration::from_millis);
        Self {
            connect: millis("DYNAMODB_CONNECT_TIMEOUT_MS", defaults.connect),
            attempt: millis("DYNAMODB_ATTEMPT_TIMEOUT_MS", defaults.attempt),
            operation: millis("DYNAMODB_OPERATION_TIMEOUT_MS", defaults.operation),
            max_attempts: env_number("DYNAMODB_MAX_ATTEMPTS")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(defaults.max_attempts),
        }
    }
}

fn env_number(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    match raw.trim().parse() {
        Ok(value) => Some(value),
        Err(_) => panic!("{name} must be a whole number, got {raw:?}"),
    }
}

/// The context of every handler. `S` is the store (DynamoDB in production, fakes in unit tests).
pub struct AppContext<S> {
    pub store: S,
    pub session: SessionConfig,
    /// File URL settings (TTL, public base URL).
    pub links: FileLinks,
}

/// Builds the DynamoDB client: region, credentials and endpoint come from the standard SDK
/// sources (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL`, ...).
pub async fn dynamodb_client(timeouts: StorageTimeouts) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(timeouts.connect)
                .operation_attempt_timeout(timeouts.attempt)
                .operation_timeout(timeouts.operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(timeouts.max_attempts))
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

impl AppContext<DynamoStore> {
    /// Reads the environment once at start-up. Panics with a clear message when the
    /// configuration is unusable: a function without its secret or table must not serve.
    pub async fn from_env() -> Self {
        let table = std::env::var("TABLE_NAME")
            .ok()
            .filter(|name| !name.trim().is_empty())
            .expect("TABLE_NAME must name the DynamoDB table");
        let session = SessionConfig::from_env()
            .unwrap_or_else(|error| panic!("invalid session configuration: {error}"));
        let links = FileLinks::from_env()
            .unwrap_or_else(|error| panic!("invalid file URL configuration: {error}"));
        let timeouts = StorageTimeouts::from_env();
        let client = dynamodb_client(timeouts).await;
        if warm_up_enabled() {
            warm_up(&client, &table, timeouts).await;
        }
        Self {
            store: DynamoStore::new(client, table).with_retry_budget(timeouts.operation),
            session,
            links,
        }
    }
}

/// The longest the warm-up may hold up Init: one attempt, no retry.
const WARM_UP_TIMEOUT: Duration = Duration::from_millis(1_000);

/// `DYNAMODB_WARM_UP` (default on; `0`/`false`/`off` turns it off, for measuring it).
fn warm_up_enabled() -> bool {
    match std::env::var("DYNAMODB_WARM_UP") {
        Err(_) => true,
        Ok(raw) => match raw.trim().to_ascii_lowercase().as_str() {
            "" | "1" | "true" | "on" => true,
            "0" | "false" | "off" => false,
            _ => panic!("DYNAMODB_WARM_UP must be true or false, got {raw:?}"),
        },
    }
}

/// Opens the storage connection during Lambda Init, so that the first invocation does not pay
/// for it (TCP, TLS handshake, credentials and the HTTP client's lazy set-up): one `GetItem` of
/// a key that never exists, which every function is allowed to make (IAM `dynamodb:GetItem`).
/// The connection then waits in the client's pool. Failures only cost the first request its
/// head start, so they are logged at debug and otherwise ignored.
pub async fn warm_up(client: &aws_sdk_dynamodb::Client, table: &str, timeouts: StorageTimeouts) {
    use crate::store::schema;
    use aws_sdk_dynamodb::types::AttributeValue;
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

impl<S> AppContext<S> {
    /// Keeps the context for the life of the process, so handlers can borrow it `'static`.
    pub fn leak(self) -> &'static Self {
        Box::leak(Box::new(self))
    }
}

/// Serves one handler on the Lambda runtime until the process ends.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    lambda_http::run(lambda_http::service_fn(move |request| {
        let response = handler(request);
        async move { Ok::<_, lambda_http::Error>(response.await) }
    }))
    .await
}
