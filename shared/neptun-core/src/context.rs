//! What every handler needs, built once per process in `main` (during Lambda Init), and the
//! loop that serves one handler.

use std::time::Instant;

use lambda_http::{Body, Request, Response};

use crate::clock;
use crate::cross_site::{CrossSiteCheck, CrossSiteConfigError};
use crate::error::ApiError;
use crate::functions::Endpoint;
use crate::links::{FileLinks, LinkConfigError};
use crate::metrics::{self, RequestMetrics};
use crate::origin::{OriginCheck, OriginConfigError};
use crate::session::{LiveSession, SessionConfig, SessionConfigError, SessionSecrets};
use crate::store::ApiStore;

/// The context of every handler. `S` is the store (DynamoDB in production, the in-memory
/// store of `neptun-testkit` in handler tests).
pub struct AppContext<S> {
    pub store: S,
    /// The session secrets, read again from the secret store when it holds them.
    pub session: LiveSession,
    /// File URL settings (TTL, public base URL).
    pub links: FileLinks,
    /// Which requests are answered at all (the secret origin header).
    pub origin: OriginCheck,
    /// Which cross-site requests may change data.
    pub cross_site: CrossSiteCheck,
}

/// Why the request settings of the environment are unusable: a function without its secret
/// must not serve.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid session configuration")]
    Session(#[from] SessionConfigError),
    #[error("invalid file URL configuration")]
    FileLinks(#[from] LinkConfigError),
    #[error("invalid origin check")]
    Origin(#[from] OriginConfigError),
    #[error("invalid trusted origins")]
    CrossSite(#[from] CrossSiteConfigError),
}

/// The request settings of a context: the session secret and cookie, the file URLs and the
/// origin check.
pub struct Settings {
    pub session: SessionConfig,
    pub links: FileLinks,
    pub origin: OriginCheck,
    pub cross_site: CrossSiteCheck,
}

impl Settings {
    /// Reads `NUXT_SESSION_PASSWORD`, `NEPTUN_SESSION_COOKIE`, `FILE_URL_TTL_SECONDS`,
    /// `PUBLIC_BASE_URL`, `ORIGIN_VERIFY_SECRET` and `ALLOWED_ORIGINS`.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_env_with(None)
    }

    /// [`Settings::from_env`], with the session secrets from a secret store when given.
    pub fn from_env_with(secrets: Option<SessionSecrets>) -> Result<Self, SettingsError> {
        let links = FileLinks::from_env()?;
        let cross_site = CrossSiteCheck::from_env(links.public_origin().as_deref())?;
        Ok(Self {
            session: SessionConfig::from_env_with(secrets)?,
            links,
            origin: OriginCheck::from_env()?,
            cross_site,
        })
    }

    /// The context of these settings over `store`.
    pub fn with_store<S>(self, store: S) -> AppContext<S> {
        AppContext {
            store,
            session: LiveSession::fixed(self.session),
            links: self.links,
            origin: self.origin,
            cross_site: self.cross_site,
        }
    }
}

impl<S> AppContext<S> {
    /// Keeps the context for the life of the process, so handlers can borrow it `'static`.
    pub fn leak(self) -> &'static Self {
        Box::leak(Box::new(self))
    }

    /// The answer to a request that did not come through the web app's origin, or that a
    /// browser sent cross-site to change data (`None`: the request may be handled). The first
    /// check of every function, before its body is read, in Lambda ([`serve`]) and in the
    /// handler tests alike.
    pub fn refusal(&self, request: &Request) -> Option<Response<Body>> {
        if !self.origin.admits(request.headers()) {
            return Some(ApiError::OriginNotVerified.into_response());
        }
        (!self.cross_site.admits(request.method(), request.headers()))
            .then(|| ApiError::CrossSiteWrite.into_response())
    }

    /// The answer to `request`: its [`AppContext::refusal`], else `handle`'s answer, with the
    /// session secrets read again first when their time has come. Lambda's loop ([`serve`])
    /// and the handler tests alike.
    pub async fn answer<'a, F, Fut>(&'a self, request: Request, handle: F) -> Response<Body>
    where
        F: FnOnce(&'a Self, Request) -> Fut,
        Fut: Future<Output = Response<Body>>,
    {
        if let Some(refusal) = self.refusal(&request) {
            return refusal;
        }
        self.session.refresh_if_due(clock::now_ms()).await;
        handle(self, request).await
    }
}

/// Serves the endpoint `E` on the Lambda runtime until the process ends: every request
/// through [`AppContext::answer`], then its metrics line.
pub async fn serve<E: Endpoint, S: ApiStore>(
    context: &'static AppContext<S>,
) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(move |request| {
        let started = Instant::now();
        let storage_before = metrics::storage_requests();
        async move {
            let response = context.answer(request, E::handle).await;
            RequestMetrics {
                function: E::FUNCTION,
                status: response.status().as_u16(),
                storage_requests: metrics::storage_requests().saturating_sub(storage_before),
                duration: started.elapsed(),
            }
            .emit(clock::now_ms());
            Ok::<_, lambda_http::Error>(response)
        }
    }))
    .await
}
