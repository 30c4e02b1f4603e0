//! What every handler needs, built once per process in `main` (during Lambda Init), and the
//! loop that serves one handler.

use crate::links::{FileLinks, LinkConfigError};
use crate::session::{SessionConfig, SessionConfigError};

/// The context of every handler. `S` is the store (DynamoDB in production, the in-memory
/// store of `neptun-testkit` in handler tests).
pub struct AppContext<S> {
    pub store: S,
    pub session: SessionConfig,
    /// File URL settings (TTL, public base URL).
    pub links: FileLinks,
}

/// Why the request settings of the environment are unusable: a function without its secret
/// must not serve.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid session configuration")]
    Session(#[from] SessionConfigError),
    #[error("invalid file URL configuration")]
    FileLinks(#[from] LinkConfigError),
}

/// The request settings of a context: the session secret and cookie, and the file URLs.
pub struct Settings {
    pub session: SessionConfig,
    pub links: FileLinks,
}

impl Settings {
    /// Reads `NUXT_SESSION_PASSWORD`, `NEPTUN_SESSION_COOKIE`, `FILE_URL_TTL_SECONDS` and
    /// `PUBLIC_BASE_URL`.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            session: SessionConfig::from_env()?,
            links: FileLinks::from_env()?,
        })
    }

    /// The context of these settings over `store`.
    pub fn with_store<S>(self, store: S) -> AppContext<S> {
        AppContext {
            store,
            session: self.session,
            links: self.links,
        }
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
