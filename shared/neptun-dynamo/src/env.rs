//! Reading the storage settings of the environment: whole numbers and switches, each error
//! naming its variable.

/// An unusable number or switch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("{name} must be a whole number, got {value:?}")]
    NotANumber { name: &'static str, value: String },
    #[error("{name} must be true or false, got {value:?}")]
    NotAFlag { name: &'static str, value: String },
}

/// An optional whole-number variable.
pub fn number(name: &'static str) -> Result<Option<u64>, EnvError> {
    std::env::var(name)
        .ok()
        .map(|raw| parse_number(name, &raw))
        .transpose()
}

fn parse_number(name: &'static str, raw: &str) -> Result<u64, EnvError> {
    raw.trim().parse().map_err(|_| EnvError::NotANumber {
        name,
        value: raw.to_owned(),
    })
}

/// An optional switch, `default` when unset.
pub fn flag(name: &'static str, default: bool) -> Result<bool, EnvError> {
    match std::env::var(name) {
        Ok(raw) => parse_flag(&raw).ok_or(EnvError::NotAFlag { name, value: raw }),
        Err(_) => Ok(default),
    }
}

/// A switch: `1`/`true`/`on` or empty: on; `0`/`false`/`off`: off; anything else: `None`.
pub fn parse_flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "on" => Some(true),
        "0" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        for on in ["", "1", "true", " ON "] {
            assert_eq!(parse_flag(on), Some(true), "{on:?}");
        }
        for off in ["0", "false", "Off"] {
            assert_eq!(parse_flag(off), Some(false), "{off:?}");
        }
        assert_eq!(parse_flag("maybe"), None);
        let error = EnvError::NotAFlag {
            name: "DYNAMODB_WARM_UP",
            value: "maybe".into(),
        };
        assert_eq!(
            error.to_string(),
            "DYNAMODB_WARM_UP must be true or false, got \"maybe\""
        );
    }

    #[test]
    fn numbers_name_their_variable() {
        assert_eq!(parse_number("X_MS", " 250 "), Ok(250));
        let error = parse_number("DYNAMODB_MAX_ATTEMPTS", "three").err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("DYNAMODB_MAX_ATTEMPTS must be a whole number, got \"three\"")
        );
    }
}
