//! Cross-site write protection, as Go 1.25's `http.CrossOriginProtection` does it.
//!
//! A request with an unsafe method (anything but `GET`, `HEAD`, `OPTIONS`) is refused when a
//! browser says it comes from another site:
//!
//! 1. `Sec-Fetch-Site` first (every current browser sends it): `same-origin` and `none` (the
//!    user's own navigation) pass; any other value (`same-site`, `cross-site`) is refused,
//!    unless the request's `Origin` is a trusted origin.
//! 2. Without it, `Origin`: absent, it passes (not a browser: the CLI, curl, the web app's
//!    server); present, it passes when its host is the request's own `Host` or it is a
//!    trusted origin, and is refused otherwise (`null` included).
//!
//! The trusted origins are the web app's (`PUBLIC_BASE_URL`, whose pages call the API) and
//! those of `ALLOWED_ORIGINS`. The check runs before the body is read
//! ([`crate::context::AppContext::refusal`]), so a refused form never reaches a parser.

use http::header::{HOST, ORIGIN};
use http::{HeaderMap, HeaderName, Method};

/// Named once, not parsed from a string at each lookup.
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Extra trusted origins, comma-separated (`https://app.example,http://localhost:3000`).
pub const ALLOWED_ORIGINS_ENV: &str = "ALLOWED_ORIGINS";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrossSiteConfigError {
    #[error(
        "ALLOWED_ORIGINS holds {0:?}, which is not an origin (scheme://host[:port], nothing after)"
    )]
    NotAnOrigin(String),
}

/// Which cross-site requests may change data: those from the trusted origins only.
#[derive(Debug, Clone, Default)]
pub struct CrossSiteCheck {
    /// Lowercase `scheme://host[:port]`.
    trusted: Vec<String>,
}

impl CrossSiteCheck {
    /// Trusts `web_app_origin` (the web app's, if known) and the origins of
    /// [`ALLOWED_ORIGINS_ENV`].
    pub fn from_env(web_app_origin: Option<&str>) -> Result<Self, CrossSiteConfigError> {
        let listed = std::env::var(ALLOWED_ORIGINS_ENV).unwrap_or_default();
        Self::trusting(web_app_origin.into_iter().chain(listed.split(',')))
    }

    /// Trusts each of `origins` (blank ones are skipped).
    pub fn trusting<'a>(
        origins: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, CrossSiteConfigError> {
        let mut trusted = Vec::new();
        for origin in origins.into_iter().map(str::trim).filter(|o| !o.is_empty()) {
            let normalized = normalized_origin(origin)
                .ok_or_else(|| CrossSiteConfigError::NotAnOrigin(origin.to_owned()))?;
            trusted.push(normalized);
        }
        Ok(Self { trusted })
    }

    /// Whether a request with `method` and `headers` may be handled.
    pub fn admits(&self, method: &Method, headers: &HeaderMap) -> bool {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return true;
        }
        let header = |name: &HeaderName| headers.get(name).and_then(|value| value.to_str().ok());
        let origin = header(&ORIGIN);
        let trusted = || origin.is_some_and(|origin| self.trusts(origin));
        match header(&SEC_FETCH_SITE) {
            Some("same-origin" | "none") => return true,
            Some(_) => return trusted(),
            None => {}
        }
        let Some(origin) = origin else {
            return true;
        };
        let same_host = header(&HOST).is_some_and(|host| {
            origin_host(origin).is_some_and(|origin_host| origin_host.eq_ignore_ascii_case(host))
        });
        same_host || trusted()
    }

    fn trusts(&self, origin: &str) -> bool {
        normalized_origin(origin).is_some_and(|origin| self.trusted.contains(&origin))
    }
}

/// `scheme://host[:port]` in lowercase, or `None` for anything else (`null`, a path).
fn normalized_origin(origin: &str) -> Option<String> {
    let (scheme, host) = origin.split_once("://")?;
    let valid_scheme = matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https");
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    (valid_scheme && valid_host).then(|| origin.to_ascii_lowercase())
}

/// The `host[:port]` of an origin.
fn origin_host(origin: &str) -> Option<&str> {
    normalized_origin(origin)?;
    origin.split_once("://").map(|(_, host)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("a header value"));
        }
        map
    }

    fn check() -> CrossSiteCheck {
        CrossSiteCheck::trusting(["https://neptun.example", "http://localhost:3000"])
            .expect("origins")
    }

    #[test]
    fn safe_methods_always_pass() {
        let cross = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ]);
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(check().admits(&method, &cross), "{method}");
        }
    }

    #[test]
    fn sec_fetch_site_decides_first() {
        let cases = [
            (vec![("sec-fetch-site", "same-origin")], true),
            (vec![("sec-fetch-site", "none")], true),
            (vec![("sec-fetch-site", "same-site")], false),
            (vec![("sec-fetch-site", "cross-site")], false),
            // Cross-site from a trusted origin (the web app calling the API's own host).
            (
                vec![
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://neptun.example"),
                ],
                true,
            ),
            (
                vec![
                    ("sec-fetch-site", "same-site"),
                    ("origin", "HTTP://LOCALHOST:3000"),
                ],
                true,
            ),
            (
                vec![
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://evil.example"),
                ],
                false,
            ),
            // Same-origin says the browser: a foreign Origin does not matter then.
            (
                vec![
                    ("sec-fetch-site", "same-origin"),
                    ("origin", "https://evil.example"),
                ],
                true,
            ),
        ];
        for (pairs, admitted) in cases {
            for method in [Method::POST, Method::PATCH, Method::DELETE, Method::PUT] {
                let request = headers(&pairs);
                assert_eq!(
                    check().admits(&method, &request),
                    admitted,
                    "{method} {pairs:?}"
                );
            }
        }
    }

    #[test]
    fn without_sec_fetch_site_the_origin_decides() {
        let cases = [
            // Neither header: not a browser (the CLI, the web app's server).
            (vec![], true),
            (vec![("host", "api.example")], true),
            (
                vec![("origin", "https://api.example"), ("host", "api.example")],
                true,
            ),
            (
                vec![
                    ("origin", "https://neptun.example"),
                    ("host", "api.example"),
                ],
                true,
            ),
            (
                vec![("origin", "https://evil.example"), ("host", "api.example")],
                false,
            ),
            (vec![("origin", "null"), ("host", "api.example")], false),
            (
                vec![
                    ("origin", "https://api.example.evil"),
                    ("host", "api.example"),
                ],
                false,
            ),
        ];
        for (pairs, admitted) in cases {
            let request = headers(&pairs);
            assert_eq!(
                check().admits(&Method::POST, &request),
                admitted,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn allowed_origins_must_be_origins() {
        assert!(CrossSiteCheck::trusting(["https://a.example", " ", "http://b:8080"]).is_ok());
        for bad in [
            "https://a.example/path",
            "a.example",
            "ftp://a.example",
            "null",
        ] {
            assert_eq!(
                CrossSiteCheck::trusting([bad]).map(|_| ()),
                Err(CrossSiteConfigError::NotAnOrigin(bad.to_owned()))
            );
        }
    }
}
