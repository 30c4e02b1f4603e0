//! The session secrets from AWS Secrets Manager, read once at Init when
//! `NEPTUN_SESSION_SECRET_ARN` names a secret: the function configuration then holds the
//! secret's ARN, never the secret.

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use neptun_core::session::{SecretFormatError, SessionSecrets};

/// The secret (ARN or name) holding the session secrets.
pub const SESSION_SECRET_ARN_ENV: &str = "NEPTUN_SESSION_SECRET_ARN";

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

/// Reads the session secrets of `secret_id` (its `AWSCURRENT` version).
pub async fn session_secrets(
    config: &aws_config::SdkConfig,
    secret_id: &str,
) -> Result<SessionSecrets, SecretError> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let output = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|error| SecretError::Fetch(DisplayErrorContext(&error).to_string()))?;
    let text = output.secret_string().ok_or(SecretError::NoSecretString)?;
    Ok(SessionSecrets::parse(text)?)
}
