//! The password of a share's public read: `Authorization: Basic base64(":" + password)`, as
//! the web app's share page sends it (an empty user name; any user name is ignored).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::password::MAX_PASSWORD_CHARS;

/// What the request offers as the share's password.
#[derive(PartialEq, Eq)]
pub enum Offered {
    /// No `Authorization: Basic` header, or an empty password: nothing was tried.
    Nothing,
    /// A password to verify.
    Password(String),
    /// A header that holds no password a share can have (bad base64, not UTF-8, no `:`,
    /// longer than a share's password): a wrong one, without hashing it.
    Unusable,
}

impl std::fmt::Debug for Offered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Nothing => "Nothing",
            Self::Password(_) => "Password(<redacted>)",
            Self::Unusable => "Unusable",
        })
    }
}

/// The password of the request's `Authorization: Basic` header.
pub fn offered_password(headers: &HeaderMap) -> Offered {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Offered::Nothing;
    };
    let Some(encoded) = value
        .to_str()
        .ok()
        .and_then(|text| text.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| encoded.trim())
    else {
        return Offered::Nothing;
    };
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some((_, password)) = decoded.as_deref().and_then(|text| text.split_once(':')) else {
        return Offered::Unusable;
    };
    if password.is_empty() {
        Offered::Nothing
    } else if password.chars().count() > MAX_PASSWORD_CHARS {
        Offered::Unusable
    } else {
        Offered::Password(password.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn offered(header: Option<&str>) -> Offered {
        let mut headers = HeaderMap::new();
        if let Some(value) = header {
            headers.insert(
                AUTHORIZATION,
                HeaderValue::from_str(value).expect("a header"),
            );
        }
        offered_password(&headers)
    }

    fn basic(credentials: &str) -> String {
        format!("Basic {}", STANDARD.encode(credentials))
    }

    #[test]
    fn the_share_page_sends_an_empty_user_name() {
        assert_eq!(
            offered(Some(&basic(":s3cret: with colon"))),
            Offered::Password("s3cret: with colon".to_owned())
        );
        assert_eq!(
            offered(Some(&basic("anyone:pw"))),
            Offered::Password("pw".to_owned())
        );
        assert_eq!(
            offered(Some(&basic(":pw").replace("Basic", "basic"))),
            Offered::Password("pw".to_owned())
        );
    }

    #[test]
    fn no_header_another_scheme_or_an_empty_password_tries_nothing() {
        assert_eq!(offered(None), Offered::Nothing);
        assert_eq!(offered(Some("Bearer abc")), Offered::Nothing);
        assert_eq!(offered(Some(&basic(":"))), Offered::Nothing);
    }

    #[test]
    fn what_holds_no_share_password_is_unusable_and_never_printed() {
        assert_eq!(offered(Some("Basic %%%")), Offered::Unusable);
        assert_eq!(offered(Some(&basic("no colon"))), Offered::Unusable);
        let long = format!(":{}", "x".repeat(MAX_PASSWORD_CHARS + 1));
        assert_eq!(offered(Some(&basic(&long))), Offered::Unusable);
        assert_eq!(
            format!("{:?}", offered(Some(&basic(":s3cret")))),
            "Password(<redacted>)"
        );
    }
}
