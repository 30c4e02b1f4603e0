//! Everything a handler needs, built once per process in `main` (during Lambda Init).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;

use crate::error::ErrorChain;
use crate::links::{FileLinks, LinkConfigError};
use crate::session::{SessionConfig, SessionConfigError};
use crate::store::dynamo::DynamoStore;
use crate::tls::{TrustConfigError, TrustRoots};

/// Why a function cannot start: its environment is unusable. A function without its secret
/// or table must not serve.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("TABLE_NAME must name the DynamoDB table")]
    MissingTable,
    #[error("invalid session configuration")]
    Session(#[from] SessionConfigError),
    #[error("invalid file URL configuration")]
    FileLinks(#[from] LinkConfigError),
    #[error("{name} must be a whole number, got {value:?}")]
    NotANumber { name: &'static str, value: String },
    #[error("{WARM_UP_ENV} must be true or false, got {0:?}")]
    WarmUpFlag(String),
    #[error("invalid trust store configuration")]
    Trust(#[from] TrustConfigError),
}

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
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let millis =
            |name, default| env_number(name).map(|ms| ms.map_or(default, Duration::from_millis));
        Ok(Self {
            connect: millis("DYNAMODB_CONNECT_TIMEOUT_MS", defaults.connect)?,
            attempt: millis("DYNAMODB_ATTEMPT_TIMEOUT_MS", defaults.attempt)?,
            operation: millis("DYNAMODB_OPERATION_TIMEOUT_MS", defaults.operation)?,
            // Beyond u32: the default, as before.
            max_attempts: env_number("DYNAMODB_MAX_ATTEMPTS")?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(defaults.max_attempts),
        })
    }
}

/// An optional whole-number variable.
fn env_number(name: &'static str) -> Result<Option<u64>, ConfigError> {
    std::env::var(name)
        .ok()
        .map(|raw| parse_number(name, &raw))
        .transpose()
}

fn parse_number(name: &'static str, raw: &str) -> Result<u64, ConfigError> {
    raw.trim().parse().map_err(|_| ConfigError::NotANumber {
        name,
        value: raw.to_owned(),
    })
}

/// The context of every handler. `S` is the store (DynamoDB in production, fakes in unit tests).
pub struct AppContext<S> {
    pub store: S,
    pub session: SessionConfig,
    /// File URL settings (TTL, public base URL).
    pub links: FileLinks,
}

/// Builds the DynamoDB client: region, credentials and endpoint come from the standard SDK
/// sources (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL`, ...); TLS trusts
/// the compiled-in Amazon roots only (see [`crate::tls`]).
pub async fn dynamodb_client(timeouts: StorageTimeouts) -> aws_sdk_dynamodb::Client {
    dynamodb_client_trusting(timeouts, &TrustRoots::default()).await
}

/// [`dynamodb_client`] with the given roots of trust: the client every function (and the SDK
/// floor of `make bench`) uses.
pub async fn dynamodb_client_trusting(
    timeouts: StorageTimeouts,
    trust: &TrustRoots,
) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client(trust))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(timeouts.connect)
                .operation_attempt_timeout(timeouts.attempt)
                .operation_timeout(timeouts.operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(timeouts.max_attempts))
        // Watches every response body for a stall: our operation timeout already bounds a
        // call, and DynamoDB's bodies are small JSON. Off saves its interceptor's work on
        // every request.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// The HTTPS client of every SDK client here (the SDK's hyper 1 client with rustls on ring and
/// the proxy settings of the environment), with our trust store instead of the system's. The
/// SDK is built without a default client, so a client made without this one cannot send.
pub fn https_client(trust: &TrustRoots) -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};
    let context = trust.tls_context();
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(TrustRoots::provider())
            .tls_context(context.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

impl AppContext<DynamoStore> {
    /// Reads the environment once at start-up and keeps the context for the life of the
    /// process. An unusable configuration is logged (the function's JSON log, so CloudWatch
    /// has the reason) and returned: `main` then exits with it instead of serving.
    pub async fn init() -> Result<&'static Self, ConfigError> {
        match Self::from_env().await {
            Ok(context) => Ok(context.leak()),
            Err(error) => {
                tracing::error!(error = %ErrorChain(&error), "invalid configuration, not serving");
                Err(error)
            }
        }
    }

    /// Reads the environment: `TABLE_NAME`, the session and file URL settings, the storage
    /// limits, the trust store opt-ins and `DYNAMODB_WARM_UP`.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = table_from_env()?;
        let session = SessionConfig::from_env()?;
        let links = FileLinks::from_env()?;
        let timeouts = StorageTimeouts::from_env()?;
        let warm_up_enabled = std::env::var(WARM_UP_ENV)
            .ok()
            .map_or(Ok(true), |raw| warm_up_flag(&raw))?;
        let trust = TrustRoots::from_env()?;
        let client = dynamodb_client_trusting(timeouts, &trust).await;
        if warm_up_enabled {
            warm_up(&client, &table, timeouts).await;
        }
        Ok(Self {
            store: DynamoStore::new(client, table).with_retry_budget(timeouts.operation),
            session,
            links,
        })
    }
}

fn table_from_env() -> Result<String, ConfigError> {
    std::env::var("TABLE_NAME")
        .ok()
        .filter(|name| !name.trim().is_empty())
        .ok_or(ConfigError::MissingTable)
}

/// The context of the stream functions (the purge of deleted chats): the store only. They
/// serve no request, so they need no session secret and no warm-up.
pub struct StreamContext {
    pub store: DynamoStore,
}

impl StreamContext {
    /// Reads `TABLE_NAME` and the storage limits once at start-up, like [`AppContext::init`].
    pub async fn init() -> Result<&'static Self, ConfigError> {
        match Self::from_env().await {
            Ok(context) => Ok(Box::leak(Box::new(context))),
            Err(error) => {
                tracing::error!(error = %ErrorChain(&error), "invalid configuration, not serving");
                Err(error)
            }
        }
    }

    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = table_from_env()?;
        let timeouts = StorageTimeouts::from_env()?;
        let client = dynamodb_client(timeouts).await;
        Ok(Self {
            store: DynamoStore::new(client, table).with_retry_budget(timeouts.operation),
        })
    }
}

/// The longest the warm-up may hold up Init: one attempt, no retry.
const WARM_UP_TIMEOUT: Duration = Duration::from_millis(1_000);

/// Turns the Init warm-up off (default on), for measuring it.
const WARM_UP_ENV: &str = "DYNAMODB_WARM_UP";

fn warm_up_flag(raw: &str) -> Result<bool, ConfigError> {
    parse_flag(raw).ok_or_else(|| ConfigError::WarmUpFlag(raw.to_owned()))
}

/// A switch: `1`/`true`/`on` or empty: on; `0`/`false`/`off`: off; anything else: `None`.
pub(crate) fn parse_flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "on" => Some(true),
        "0" | "false" | "off" => Some(false),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_flags() {
        for on in ["", "1", "true", " ON "] {
            assert!(matches!(warm_up_flag(on), Ok(true)), "{on:?}");
        }
        for off in ["0", "false", "Off"] {
            assert!(matches!(warm_up_flag(off), Ok(false)), "{off:?}");
        }
        let error = warm_up_flag("maybe").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("DYNAMODB_WARM_UP must be true or false, got \"maybe\"")
        );
    }

    #[test]
    fn numbers_name_their_variable() {
        assert!(matches!(parse_number("X_MS", " 250 "), Ok(250)));
        let error = parse_number("DYNAMODB_MAX_ATTEMPTS", "three").err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("DYNAMODB_MAX_ATTEMPTS must be a whole number, got \"three\"")
        );
    }

    #[test]
    fn config_errors_keep_their_cause() {
        let error = ConfigError::from(SessionConfigError::MissingPassword);
        assert!(
            ErrorChain(&error)
                .to_string()
                .starts_with("invalid session configuration: NUXT_SESSION_PASSWORD is not set")
        );
    }
}
