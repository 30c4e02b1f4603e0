//! The DynamoDB client of every function and tool: our HTTPS client and trust store, and the
//! storage call limits.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;

use aws_runtime::env_config::EnvConfigValue;
use aws_sdk_dynamodb::config::SharedCredentialsProvider;
use aws_types::os_shim_internal::Env;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::counting::CountRequests;
use crate::env::{self, EnvError};
use crate::tls::TrustRoots;

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
    pub fn from_env() -> Result<Self, EnvError> {
        let defaults = Self::default();
        let millis =
            |name, default| env::number(name).map(|ms| ms.map_or(default, Duration::from_millis));
        Ok(Self {
            connect: millis("DYNAMODB_CONNECT_TIMEOUT_MS", defaults.connect)?,
            attempt: millis("DYNAMODB_ATTEMPT_TIMEOUT_MS", defaults.attempt)?,
            operation: millis("DYNAMODB_OPERATION_TIMEOUT_MS", defaults.operation)?,
            // Beyond u32: the default, as before.
            max_attempts: env::number("DYNAMODB_MAX_ATTEMPTS")?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(defaults.max_attempts),
        })
    }
}

/// Builds the DynamoDB client of a tool: region, credentials and endpoint come from the
/// SDK's standard sources (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_DYNAMODB` /
/// `AWS_ENDPOINT_URL`, ...); TLS trusts the compiled-in Amazon roots only (see [`crate::tls`]).
pub async fn dynamodb_client(timeouts: StorageTimeouts) -> aws_sdk_dynamodb::Client {
    dynamodb_client_from(&sdk_config(timeouts, &TrustRoots::default()).await)
}

/// The SDK configuration of the tools, run where a person works: the SDK's default chains
/// (environment, profile files, web identity, container and instance metadata), our HTTPS client
/// and trust store, and the storage call limits.
pub async fn sdk_config(timeouts: StorageTimeouts, trust: &TrustRoots) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client(trust))
        .timeout_config(timeouts.timeout_config())
        .retry_config(timeouts.retry_config())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .load()
        .await
}

/// A function without its region: Lambda always sets `AWS_REGION`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("AWS_REGION must name the region (Lambda sets it)")]
pub struct MissingRegion;

/// The SDK configuration of the functions (and of `make bench`'s SDK floor): only what
/// Lambda's environment holds: the region (`AWS_REGION`, else `AWS_DEFAULT_REGION`), the
/// role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and
/// endpoint overrides (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`), with our HTTPS client
/// and trust store and the storage call limits. None of the default chains' profile files, STS or metadata
/// endpoints: a function never uses them, and their code would be in every binary.
pub async fn function_sdk_config(
    timeouts: StorageTimeouts,
    trust: &TrustRoots,
) -> Result<aws_config::SdkConfig, MissingRegion> {
    let region = EnvironmentVariableRegionProvider::new()
        .region()
        .await
        .filter(|region| !region.as_ref().trim().is_empty())
        .ok_or(MissingRegion)?;
    Ok(aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .service_config(EndpointsFromEnvironment)
        .http_client(https_client(trust))
        .timeout_config(timeouts.timeout_config())
        .retry_config(timeouts.retry_config())
        // Watches every response body for a stall: the operation timeout already bounds a
        // call, and DynamoDB's bodies are small JSON. Off saves its interceptor's work on
        // every request.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .build())
}

/// A service's endpoint override from the environment, named as the SDK names it
/// (`AWS_ENDPOINT_URL_DYNAMODB`, then `AWS_ENDPOINT_URL`): DynamoDB Local, the stand-ins.
#[derive(Debug)]
struct EndpointsFromEnvironment;

impl LoadServiceConfig for EndpointsFromEnvironment {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let env = Env::real();
        let (value, _source) = EnvConfigValue::new()
            .env(key.env())
            .service_id(key.service_id())
            .load(&env, None)?;
        Some(value.into_owned())
    }
}

impl StorageTimeouts {
    fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }

    fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts)
    }
}

/// The DynamoDB client of `config`, counting its requests for the request metrics.
pub fn dynamodb_client_from(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(CountRequests)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
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
