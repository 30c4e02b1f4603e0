//! Every failure a handler can answer with, and the one place that maps it to HTTP.

use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use crate::model::ShareInfo;
use crate::response::json_response;
use crate::session::SessionError;
use crate::shares::password::PasswordError;
use crate::store::StoreError;
use crate::validation::{Issue, IssueCode, MAX_WHITELIST};

/// What the statusMessage of a 400 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Chat,
    Messages,
    Files,
    /// A rename: `{"name", "model"?}`.
    ChatName,
    /// A delete of several chats: `{"chat_ids"}`.
    ChatIds,
    /// A share's settings: `{"is_shared"?, "is_protected"?, "hashed_password"?}`.
    ShareSettings,
    /// A share's whitelist: `[email, ...]`.
    Whitelist,
}

impl BodyKind {
    /// The largest body of this kind, checked before it is parsed: the 3 MiB limit only
    /// where batches of texts come, a few KiB for the rest, whatever a client sends.
    pub const fn max_bytes(self) -> usize {
        match self {
            Self::Messages | Self::Files => crate::validation::MAX_BODY_BYTES,
            // 100 emails of 254 characters, escaped.
            Self::Whitelist => 64 * 1024,
            Self::Chat | Self::ChatName | Self::ChatIds | Self::ShareSettings => 16 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Chat,
    Message,
    File,
    Share,
    Route,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not authenticated")]
    Unauthenticated(#[source] SessionError),
    #[error("the session's user does not own this resource")]
    NotOwner,
    #[error("invalid path parameters")]
    InvalidPath(Vec<Issue>),
    #[error("invalid query parameters")]
    InvalidQuery(Vec<Issue>),
    #[error("invalid headers")]
    InvalidHeader(Vec<Issue>),
    #[error("invalid body")]
    InvalidBody { kind: BodyKind, issues: Vec<Issue> },
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    /// `ORIGIN_VERIFY_SECRET` is set and the request lacks its `x-origin-verify` header.
    #[error("the request did not come through the web app's origin")]
    OriginNotVerified,
    /// A browser sent a request that changes data from another site
    /// ([`crate::cross_site`]).
    #[error("cross-site write refused")]
    CrossSiteWrite,
    #[error("{0:?} not found")]
    NotFound(Missing),
    /// The public read of a share that is not there: unknown uuid, not shared, chat deleted.
    #[error("shared chat not found")]
    SharedChatNotFound(ShareInfo),
    /// A protected share's password is missing or wrong.
    #[error("share password missing or wrong")]
    ShareCredentials(ShareInfo),
    /// A share with a whitelist, read without a valid session.
    #[error("share needs a session")]
    ShareNeedsSession(ShareInfo),
    /// A share with a whitelist, read by a session whose email is not on it.
    #[error("session not on the share's whitelist")]
    NotOnWhitelist(ShareInfo),
    /// The share's failed password attempts of this minute are used up.
    #[error("too many failed password attempts")]
    TooManyAttempts {
        retry_after_seconds: u64,
        info: ShareInfo,
    },
    /// A stored password hash that does not verify as one (a corrupt share row).
    #[error("share password hash unusable")]
    PasswordHash(#[source] PasswordError),
    /// A regenerate on a chat without messages.
    #[error("no messages to delete")]
    NoMessages,
    #[error("idempotency key reused")]
    IdempotencyMismatch(#[source] StoreError),
    #[error("idempotency key in flight")]
    IdempotencyInFlight(#[source] StoreError),
    /// A write for a user whose chats were erased: final, for ever.
    #[error("the user was erased")]
    Erased(#[source] StoreError),
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    #[error("storage request failed")]
    StorageFailed(#[source] StoreError),
    /// Neither `PUBLIC_BASE_URL` nor the request gives an origin for file URLs.
    #[error("the request names no host for file URLs; set PUBLIC_BASE_URL")]
    NoFileUrlOrigin,
    #[error("the response did not serialize")]
    ResponseNotSerialized(#[source] serde_json::Error),
    /// The store reported success but returned nothing for a single-item create.
    #[error("the store returned no {0} for a successful create")]
    NothingCreated(&'static str),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ChatNotFound => Self::NotFound(Missing::Chat),
            StoreError::MessageNotFound => Self::NotFound(Missing::Message),
            StoreError::FileNotFound => Self::NotFound(Missing::File),
            StoreError::ShareNotFound => Self::NotFound(Missing::Share),
            StoreError::WhitelistFull => Self::InvalidBody {
                kind: BodyKind::Whitelist,
                issues: vec![Issue::new(
                    IssueCode::TooBig,
                    format!("A share's whitelist holds at most {MAX_WHITELIST} emails"),
                    Vec::new(),
                )],
            },
            StoreError::NoMessages => Self::NoMessages,
            StoreError::BatchTooLarge => Self::PayloadTooLarge(
                "This batch needs more storage than one transaction holds (4 MB); send it in two or more requests."
                    .to_owned(),
            ),
            StoreError::IdempotencyMismatch => Self::IdempotencyMismatch(error),
            StoreError::IdempotencyInFlight => Self::IdempotencyInFlight(error),
            StoreError::Erased => Self::Erased(error),
            StoreError::Unavailable(_) => Self::Unavailable(error),
            StoreError::Encode(_)
            | StoreError::Decode(_)
            | StoreError::Build(_)
            | StoreError::Batch(_)
            | StoreError::Invariant(_)
            | StoreError::Request(_) => Self::StorageFailed(error),
        }
    }
}

/// Seconds a client should wait after a 503.
pub const RETRY_AFTER_SECONDS: u64 = 1;

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_)
            | Self::NotOwner
            | Self::ShareCredentials(_)
            | Self::ShareNeedsSession(_) => StatusCode::UNAUTHORIZED,
            Self::NotOnWhitelist(_) | Self::OriginNotVerified | Self::CrossSiteWrite => {
                StatusCode::FORBIDDEN
            }
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::InvalidPath(_)
            | Self::InvalidQuery(_)
            | Self::InvalidHeader(_)
            | Self::InvalidBody { .. }
            | Self::NoMessages => StatusCode::BAD_REQUEST,
            Self::IdempotencyMismatch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::IdempotencyInFlight(_) => StatusCode::CONFLICT,
            Self::Erased(_) => StatusCode::GONE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound(_) | Self::SharedChatNotFound(_) => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::StorageFailed(_)
            | Self::NoFileUrlOrigin
            | Self::PasswordHash(_)
            | Self::ResponseNotSerialized(_)
            | Self::NothingCreated(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn status_message(&self) -> &'static str {
        match self {
            Self::InvalidPath(_) => "Bad Request. Invalid path parameters.",
            Self::InvalidQuery(_) => "Bad Request. Invalid query parameters.",
            Self::InvalidHeader(_) => "Bad Request. Invalid headers.",
            Self::IdempotencyMismatch(_) => "Unprocessable Entity",
            Self::IdempotencyInFlight(_) => "Conflict",
            Self::Erased(_) => "Gone",
            Self::InvalidBody {
                kind: BodyKind::Chat,
                ..
            } => "Bad Request. Invalid body(chat).",
            Self::InvalidBody {
                kind: BodyKind::Messages,
                ..
            } => "Bad Request. Invalid body(message | messages).",
            Self::InvalidBody {
                kind: BodyKind::Files,
                ..
            } => "Bad Request. Invalid body(file | files).",
            Self::InvalidBody {
                kind: BodyKind::ChatName,
                ..
            } => "Bad Request. Invalid body(name).",
            Self::InvalidBody {
                kind: BodyKind::ChatIds,
                ..
            } => "Bad Request. Invalid body(chat_ids).",
            Self::InvalidBody {
                kind: BodyKind::ShareSettings,
                ..
            } => {
                "Bad Request. Invalid body({ is_shared?(true), is_protected?(false), hashed_password?(null) })."
            }
            Self::InvalidBody {
                kind: BodyKind::Whitelist,
                ..
            } => "Bad Request. Invalid body(emails).",
            Self::SharedChatNotFound(_) => "Not Found (share not found)",
            Self::ShareCredentials(_) => "Unauthorized (incorrect credentials)",
            Self::ShareNeedsSession(_) => "Unauthorized (not logged in)",
            Self::NotOnWhitelist(_) => "Forbidden (not on whitelist)",
            Self::TooManyAttempts { .. } => "Too Many Requests",
            Self::NoMessages => "Bad Request",
            Self::Unauthenticated(_) | Self::NotOwner => "Unauthorized",
            Self::PayloadTooLarge(_) => "Payload Too Large",
            Self::UnsupportedMediaType(_) => "Unsupported Media Type",
            Self::MethodNotAllowed => "Method Not Allowed",
            Self::OriginNotVerified | Self::CrossSiteWrite => "Forbidden",
            Self::NotFound(_) => "Not Found",
            Self::Unavailable(_) => "Service Unavailable",
            Self::StorageFailed(_)
            | Self::NoFileUrlOrigin
            | Self::PasswordHash(_)
            | Self::ResponseNotSerialized(_)
            | Self::NothingCreated(_) => "Internal Server Error",
        }
    }

    fn data(&self) -> Value {
        let message = |text: &str| json!({ "message": text });
        let shared = |text: &str, info: &ShareInfo| json!({ "message": text, "shareInfo": info });
        match self {
            Self::InvalidPath(issues)
            | Self::InvalidQuery(issues)
            | Self::InvalidHeader(issues)
            | Self::InvalidBody { issues, .. } => {
                // How the web app's zod errors serialize; the Neptun CLI requires the name.
                json!({ "issues": issues, "name": "ZodError" })
            }
            Self::Unauthenticated(_) => message("A valid neptun-session cookie is required."),
            Self::NotOwner => message("You do not have access to this resource."),
            Self::PayloadTooLarge(limit) => message(limit),
            Self::UnsupportedMediaType(detail) => message(detail),
            Self::MethodNotAllowed => message("This route does not accept that method."),
            Self::OriginNotVerified => message("This API answers through the web app's origin."),
            Self::CrossSiteWrite => message(
                "A request from another site may not change data here (Sec-Fetch-Site, Origin).",
            ),
            Self::NotFound(Missing::Chat) => message("Chat not found"),
            Self::NotFound(Missing::Message) => message("Message not found"),
            Self::NotFound(Missing::File) => message("File not found"),
            Self::NotFound(Missing::Share) => message("Share not found"),
            Self::SharedChatNotFound(info) => shared("Share not found", info),
            Self::ShareCredentials(info) => shared("The password is missing or wrong.", info),
            Self::ShareNeedsSession(info) => shared("Log in to read this shared chat.", info),
            Self::NotOnWhitelist(info) => shared("This shared chat is not shared with you.", info),
            Self::TooManyAttempts {
                retry_after_seconds,
                info,
            } => shared(
                &format!("Too many wrong passwords. Retry in {retry_after_seconds} s."),
                info,
            ),
            Self::NotFound(Missing::Route) => message("Route not found"),
            // The web app's own words, as a bare string (its dashboard shows `data`).
            Self::NoMessages => json!("No messages found, for chat."),
            Self::IdempotencyMismatch(_) => {
                message("This Idempotency-Key was already used with a different request.")
            }
            Self::IdempotencyInFlight(_) => {
                message("A request with this Idempotency-Key is still in progress. Retry shortly.")
            }
            Self::Erased(_) => {
                message("This user was erased: nothing is stored for this user id any more.")
            }
            Self::Unavailable(_) => message("Storage is busy or unavailable. Retry later."),
            // Nothing of the cause: it is logged, never answered.
            Self::StorageFailed(_)
            | Self::NoFileUrlOrigin
            | Self::PasswordHash(_)
            | Self::ResponseNotSerialized(_)
            | Self::NothingCreated(_) => message("An unexpected error occurred."),
        }
    }

    /// The error response. 5xx bodies never carry internals; the chain is logged instead.
    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %ErrorChain(&self), status = status.as_u16(), "request failed");
        } else {
            tracing::info!(error = %ErrorChain(&self), status = status.as_u16(), "request rejected");
        }
        let body = json!({
            "statusCode": status.as_u16(),
            "statusMessage": self.status_message(),
            "data": self.data(),
        });
        let retry_after = self.retry_after_seconds();
        let mut response = json_response(status, &body);
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }

    /// The `Retry-After` of the answer, if it is one to retry later.
    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            Self::Unavailable(_) | Self::IdempotencyInFlight(_) => Some(RETRY_AFTER_SECONDS),
            _ => None,
        }
    }
}

/// Displays an error with its sources: `a: b: c`.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}
