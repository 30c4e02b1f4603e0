//! The session secrets as a secret store keeps them (AWS Secrets Manager's `SecretString`, read
//! at Init and every TTL after, [`super::live`]): the password alone, or `{"password": "...", "previous_password": "..."}`
//! during a rotation.

use std::fmt;

use serde::Deserialize;

/// Why a secret's text gives no session secrets. Never carries the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error(
        "the session secret is neither a password nor a JSON object with a \"password\" (and optionally \"previous_password\") string"
    )]
    Unreadable,
}

/// The current secret and, during a rotation, the one before it.
#[derive(Clone, Deserialize, PartialEq, Eq)]
pub struct SessionSecrets {
    pub password: String,
    #[serde(default)]
    pub previous_password: Option<String>,
}

impl fmt::Debug for SessionSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSecrets")
            .field("password", &"<redacted>")
            .field(
                "previous_password",
                &self.previous_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl SessionSecrets {
    /// A secret's text: a JSON object (first non-blank character `{`), else the password
    /// itself. An empty `previous_password` is none.
    pub fn parse(text: &str) -> Result<Self, SecretFormatError> {
        if !text.trim_start().starts_with('{') {
            return Ok(Self {
                password: text.to_owned(),
                previous_password: None,
            });
        }
        let mut secrets: Self =
            serde_json::from_str(text).map_err(|_| SecretFormatError::Unreadable)?;
        secrets.previous_password = secrets.previous_password.filter(|p| !p.is_empty());
        Ok(secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "a-session-secret-for-unit-tests-0123456789";

    #[test]
    fn a_plain_secret_is_the_password() {
        assert_eq!(
            SessionSecrets::parse(PASSWORD),
            Ok(SessionSecrets {
                password: PASSWORD.to_owned(),
                previous_password: None
            })
        );
    }

    #[test]
    fn a_json_secret_may_carry_the_previous_password() {
        let text = format!(r#"{{"password": "{PASSWORD}", "previous_password": "old"}}"#);
        let secrets = SessionSecrets::parse(&text);
        assert_eq!(
            secrets.map(|s| s.previous_password),
            Ok(Some("old".to_owned()))
        );
        let empty = format!(r#"{{"password": "{PASSWORD}", "previous_password": ""}}"#);
        assert_eq!(
            SessionSecrets::parse(&empty).map(|s| s.previous_password),
            Ok(None)
        );
    }

    #[test]
    fn an_unreadable_secret_is_refused_without_echoing_it() {
        for text in [r#"{"pass": "x"}"#, r#"{"password": 5}"#, "{not json"] {
            let error = SessionSecrets::parse(text).err();
            assert_eq!(error, Some(SecretFormatError::Unreadable), "{text}");
        }
        let secrets = SessionSecrets::parse(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{secrets:?}").contains(PASSWORD));
    }
}
