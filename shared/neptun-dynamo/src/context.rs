//! The contexts of the deployed functions, read from the environment once per process (during
//! Lambda Init): the HTTP functions' [`AppContext`] on DynamoDB, and the stream functions'
//! [`StreamContext`].

use neptun_core::clock;
use neptun_core::context::{AppContext, Settings, SettingsError};
use neptun_core::error::ErrorChain;

use crate::client::{MissingRegion, StorageTimeouts, dynamodb_client_from, function_sdk_config};
use crate::env::{self, EnvError};
use crate::secrets::{SecretError, SessionSecret, secret_id_from_env, secret_ttl_from_env};
use crate::store::DynamoStore;
use crate::tls::{TrustConfigError, TrustRoots};
use crate::warm_up::{WARM_UP_ENV, warm_up};

/// Why a function cannot start: its environment is unusable. A function without its secret
/// or table must not serve.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("TABLE_NAME must name the DynamoDB table")]
    MissingTable,
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("invalid storage settings")]
    Storage(#[from] EnvError),
    #[error("invalid trust store configuration")]
    Trust(#[from] TrustConfigError),
    #[error(transparent)]
    Region(#[from] MissingRegion),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("invalid session secret refresh")]
    SecretTtl(#[source] EnvError),
}

/// The store of the environment: `TABLE_NAME`, the storage limits and the trust store opt-ins.
struct StorageConfig {
    table: String,
    timeouts: StorageTimeouts,
    trust: TrustRoots,
}

impl StorageConfig {
    fn from_env() -> Result<Self, ConfigError> {
        let table = std::env::var("TABLE_NAME")
            .ok()
            .filter(|name| !name.trim().is_empty())
            .ok_or(ConfigError::MissingTable)?;
        Ok(Self {
            table,
            timeouts: StorageTimeouts::from_env()?,
            trust: TrustRoots::from_env()?,
        })
    }

    /// The SDK configuration of every client of the function.
    async fn sdk_config(&self) -> Result<aws_config::SdkConfig, MissingRegion> {
        function_sdk_config(self.timeouts, &self.trust).await
    }

    fn store(self, config: &aws_config::SdkConfig) -> (DynamoStore, StorageTimeouts) {
        let client = dynamodb_client_from(config);
        let store = DynamoStore::new(client, self.table).with_retry_budget(self.timeouts.operation);
        (store, self.timeouts)
    }
}

/// Reads the environment once at start-up and keeps the context for the life of the process:
/// the session secrets (from Secrets Manager when `NEPTUN_SESSION_SECRET_ARN` is set, then read
/// again every `NEPTUN_SESSION_SECRET_TTL_SECONDS`), the
/// session and file URL settings, the table, the storage limits, the trust store opt-ins
/// and `DYNAMODB_WARM_UP`. An unusable configuration is logged (the function's JSON log, so
/// CloudWatch has the reason) and returned: `main` then exits with it instead of serving.
pub async fn app_context() -> Result<&'static AppContext<DynamoStore>, ConfigError> {
    reported(async {
        let storage = StorageConfig::from_env()?;
        let warm = env::flag(WARM_UP_ENV, true)?;
        let config = storage.sdk_config().await?;
        let secret = match secret_id_from_env() {
            Some(secret_id) => {
                let ttl = secret_ttl_from_env().map_err(ConfigError::SecretTtl)?;
                Some((SessionSecret::new(&config, secret_id), ttl))
            }
            None => None,
        };
        let secrets = match &secret {
            Some((secret, _)) => Some(secret.read().await?),
            None => None,
        };
        let settings = Settings::from_env_with(secrets)?;
        let (store, timeouts) = storage.store(&config);
        if warm {
            warm_up(store.client(), store.table(), timeouts).await;
        }
        let mut context = settings.with_store(store);
        if let Some((secret, ttl)) = secret {
            context.session =
                context
                    .session
                    .refreshed_from(Box::new(secret), ttl, clock::now_ms());
        }
        Ok(context.leak())
    })
    .await
}

/// The `main` of an HTTP function's binary: `neptun_dynamo::lambda_main!(CreateChat);` serves
/// the route table's endpoint of that name (`neptun_core::functions::endpoints`) with the
/// context of [`app_context`]. It fails to compile unless the endpoint is the function of the
/// binary's own package (`functions/<name>`).
#[macro_export]
macro_rules! lambda_main {
    ($endpoint:ident) => {
        const _: () = assert!(
            <::neptun_core::functions::endpoints::$endpoint as ::neptun_core::functions::Endpoint>::FUNCTION
                .is_named(env!("CARGO_PKG_NAME")),
            "lambda_main! names another function than its package's"
        );

        #[tokio::main(flavor = "current_thread")]
        async fn main() -> Result<(), ::lambda_http::Error> {
            ::neptun_core::telemetry::init();
            let context = $crate::context::app_context().await?;
            ::neptun_core::context::serve::<::neptun_core::functions::endpoints::$endpoint, _>(context)
                .await
        }
    };
}

/// The context of the stream functions (the purge of deleted chats): the store only. They
/// serve no request, so they need no session secret and no warm-up.
pub struct StreamContext {
    pub store: DynamoStore,
}

impl StreamContext {
    /// Reads `TABLE_NAME` and the storage limits once at start-up, like [`app_context`].
    pub async fn init() -> Result<&'static Self, ConfigError> {
        reported(async {
            let storage = StorageConfig::from_env()?;
            let config = storage.sdk_config().await?;
            let (store, _) = storage.store(&config);
            Ok(&*Box::leak(Box::new(Self { store })))
        })
        .await
    }
}

/// Logs a configuration error before it is returned to `main`.
async fn reported<T>(init: impl Future<Output = Result<T, ConfigError>>) -> Result<T, ConfigError> {
    init.await.inspect_err(|error| {
        tracing::error!(error = %ErrorChain(error), "invalid configuration, not serving");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use neptun_core::session::SessionConfigError;

    #[test]
    fn config_errors_keep_their_cause() {
        let error = ConfigError::from(SettingsError::from(SessionConfigError::MissingPassword));
        assert!(
            ErrorChain(&error)
                .to_string()
                .starts_with("invalid session configuration: NUXT_SESSION_PASSWORD is not set")
        );
    }
}
