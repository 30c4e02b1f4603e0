//! The session secrets from AWS Secrets Manager, when `NEPTUN_SESSION_SECRET_ARN` names a
//! secret: read at Init, and again every `NEPTUN_SESSION_SECRET_TTL_SECONDS` (on the first
//! request after it, `neptun_core::session::live`). The function configuration holds the
//! secret's ARN, never the secret.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use neptun_core::error::ErrorChain;
use neptun_core::session::live::DEFAULT_TTL;
use neptun_core::session::{SecretFormatError, SecretSource, SessionSecrets};

use crate::env::{self, EnvError};

/// The secret (ARN or name) holding the session secrets.
pub const SESSION_SECRET_ARN_ENV: &str = "NEPTUN_SESSION_SECRET_ARN";
/// Seconds between two reads of the secret by a warm function (default 300).
pub const SESSION_SECRET_TTL_ENV: &str = "NEPTUN_SESSION_SECRET_TTL_SECONDS";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The call failed (permission, network, unknown secret); the SDK's words, which name
    /// the secret's ARN at most, never its value.
    #[error("reading the session secret from Secrets Manager failed: {0}")]
    Fetch(String),
    /// A binary secret, or one without a current value.
    #[error("the session secret in Secrets Manager has no SecretString")]
    NoSecretString,
    #[error(transparent)]
    Format(#[from] SecretFormatError),
}

/// The secret named by [`SESSION_SECRET_ARN_ENV`], if set (empty counts as unset).
pub fn secret_id_from_env() -> Option<String> {
    std::env::var(SESSION_SECRET_ARN_ENV)
        .ok()
        .filter(|id| !id.trim().is_empty())
}

/// The time between two reads of the secret, [`SESSION_SECRET_TTL_ENV`] (at least a second).
pub fn secret_ttl_from_env() -> Result<Duration, EnvError> {
    let seconds = env::number(SESSION_SECRET_TTL_ENV)?.unwrap_or(DEFAULT_TTL.as_secs());
    Ok(Duration::from_secs(seconds.max(1)))
}

/// One secret of Secrets Manager (its `AWSCURRENT` version), with one client for every read.
pub struct SessionSecret {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
}

impl SessionSecret {
    pub fn new(config: &aws_config::SdkConfig, secret_id: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_secretsmanager::Client::new(config),
            secret_id: secret_id.into(),
        }
    }

    /// Reads the session secrets.
    pub async fn read(&self) -> Result<SessionSecrets, SecretError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|error| SecretError::Fetch(DisplayErrorContext(&error).to_string()))?;
        let text = output.secret_string().ok_or(SecretError::NoSecretString)?;
        Ok(SessionSecrets::parse(text)?)
    }
}

impl SecretSource for SessionSecret {
    fn read(&self) -> Pin<Box<dyn Future<Output = Result<SessionSecrets, String>> + Send + '_>> {
        Box::pin(async move {
            SessionSecret::read(self)
                .await
                .map_err(|error| ErrorChain(&error).to_string())
        })
    }
}

/// Reads the session secrets of `secret_id` once.
pub async fn session_secrets(
    config: &aws_config::SdkConfig,
    secret_id: &str,
) -> Result<SessionSecrets, SecretError> {
    SessionSecret::new(config, secret_id).read().await
}
