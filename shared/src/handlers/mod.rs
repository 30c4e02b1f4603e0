//! Route handlers: plain async functions over [`AppContext`], one per Lambda function.
//!
//! Every route checks, in this order (api-contract.md): route and method, session (401),
//! path parameters (400), session user owns `{user_id}` (401), body (415, 413, 400), and
//! only then storage (404, 503).

pub mod chats;
pub mod files;
pub mod messages;

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::request::{self, Segment};
use crate::response::json_bytes;
use crate::validation::{self, BodyError, CursorScope, PageQuery};

/// Largest list response: Lambda answers at most 6 MB synchronously.
pub const RESPONSE_BUDGET_BYTES: usize = 5 * 1024 * 1024;

/// Turns a handler's result into the response, logging the outcome without any request data.
pub(crate) fn finish(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    match result {
        Ok(response) => {
            tracing::info!(status = response.status().as_u16(), "request handled");
            response
        }
        Err(error) => error.into_response(),
    }
}

/// Route, method, session, path ids and ownership. Returns the path ids, `{user_id}` first.
pub(crate) fn authorize<const N: usize, S>(
    context: &AppContext<S>,
    request: &Request,
    method: Method,
    route: &[Segment],
) -> Result<[u64; N], ApiError> {
    let params = request::match_route(request, route)?;
    if request.method() != method {
        return Err(ApiError::MethodNotAllowed);
    }
    authorize_session(context, request, &params)
}

/// Session, path ids and ownership, for a request already matched to its route.
pub(crate) fn authorize_session<const N: usize, S>(
    context: &AppContext<S>,
    request: &Request,
    params: &[(&'static str, String)],
) -> Result<[u64; N], ApiError> {
    let session_user = context
        .session
        .authenticate(request.headers(), clock::now_ms())
        .map_err(ApiError::Unauthenticated)?;
    let ids: [u64; N] = request::parse_ids(params)?;
    if ids.first() != Some(&session_user) {
        return Err(ApiError::NotOwner);
    }
    Ok(ids)
}

/// The body of a JSON create request, after the content-type (415) and size (413) checks.
pub(crate) fn json_body(request: &Request) -> Result<&[u8], ApiError> {
    validation::check_content_type(request.headers().get(http::header::CONTENT_TYPE))
        .map_err(ApiError::UnsupportedMediaType)?;
    let body = request::body_bytes(request);
    validation::check_body_size(body.len()).map_err(|error| body_error(error, BodyKind::Chat))?;
    Ok(body)
}

pub(crate) fn body_error(error: BodyError, kind: BodyKind) -> ApiError {
    match error {
        BodyError::Invalid(issues) => ApiError::InvalidBody { kind, issues },
        BodyError::TooLarge { limit } => ApiError::PayloadTooLarge(limit),
    }
}

/// The response of a create: 200 with `{key: value}`, marked when it repeats an earlier
/// request with the same `Idempotency-Key`.
pub(crate) fn created_response(
    key: &str,
    value: &impl Serialize,
    replayed: bool,
) -> Response<Body> {
    let mut body = serde_json::Map::new();
    body.insert(
        key.to_owned(),
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
    );
    let mut response = crate::response::json_response(StatusCode::OK, &body);
    if replayed {
        response.headers_mut().insert(
            crate::idempotency::REPLAYED_HEADER,
            http::HeaderValue::from_static("true"),
        );
    }
    response
}

/// `limit` and `cursor` of a list route.
pub(crate) fn page_query(request: &Request, scope: &CursorScope) -> Result<PageQuery, ApiError> {
    let limit = request::query_param(request, "limit");
    let cursor = request::query_param(request, "cursor");
    validation::parse_page_query(limit.as_deref(), cursor.as_deref(), scope)
        .map_err(ApiError::InvalidQuery)
}

/// Writes `{"<key>": [items...], "nextCursor": "..."}`, stopping before the response would
/// pass [`RESPONSE_BUDGET_BYTES`]; `nextCursor` appears only when more items remain.
pub(crate) fn list_response<T: Serialize>(
    key: &str,
    items: impl IntoIterator<Item = T>,
    mut has_more: bool,
    id_of: impl Fn(&T) -> u64,
    cursor_after: impl Fn(u64) -> String,
) -> Result<Response<Body>, ApiError> {
    // Room for the closing brackets and a cursor.
    const RESERVE: usize = 512;
    let mut body = Vec::with_capacity(1024);
    body.extend_from_slice(b"{\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":[");
    let mut last_id = None;
    for item in items {
        // Models with string keys always serialize; this only guards the invariant.
        let encoded = serde_json::to_vec(&item).map_err(|_| {
            ApiError::Internal(crate::store::StoreError::Invariant(
                "a list item did not serialize as JSON",
            ))
        })?;
        if last_id.is_some() && body.len() + encoded.len() + 1 + RESERVE > RESPONSE_BUDGET_BYTES {
            has_more = true;
            break;
        }
        if last_id.is_some() {
            body.push(b',');
        }
        body.extend_from_slice(&encoded);
        last_id = Some(id_of(&item));
    }
    body.push(b']');
    if let (true, Some(last)) = (has_more, last_id) {
        body.extend_from_slice(b",\"nextCursor\":");
        let cursor = serde_json::to_vec(&cursor_after(last)).unwrap_or_else(|_| b"null".to_vec());
        body.extend_from_slice(&cursor);
    }
    body.push(b'}');
    Ok(json_bytes(StatusCode::OK, body))
}
