//! Route handlers: plain async functions over [`AppContext`], one per Lambda function.
//!
//! Every route checks, in this order (docs/spec/api-contract.md): route and method, session (401),
//! path parameters (400), session user owns `{user_id}` (401), body (415, 413, 400), and
//! only then storage (404, 503).

pub mod chats;
pub mod files;
pub mod lifecycle;
pub mod messages;
pub mod projects;
pub mod public_read;
pub mod regenerate;
pub mod shares;

use std::future::Future;

use http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::functions::Function;
use crate::idempotency;
use crate::request::{self, PathParams};
use crate::response::{json_bytes, lambda_length};
use crate::routes::{ChatPath, PathIds, Route};
use crate::session::SessionUser;
use crate::store::{Idempotency, Page, PageRequest, Replayable};
use crate::validation::{self, BodyError, BodyFormat, Cursor, CursorScope};
use serde_json::Value;

/// Largest list response, as Lambda's response carries it (escaped, [`lambda_length`]):
/// Lambda answers at most 6 MB synchronously.
pub const RESPONSE_BUDGET_BYTES: usize = 5 * 1024 * 1024;

/// What a listed item usually takes in a page (a chat about 250 bytes): a page's body is sized
/// for its items at once, not grown and copied as it fills (longer items still grow it).
const ITEM_BYTES_ESTIMATE: usize = 256;

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
pub(crate) fn authorize<const N: usize, P: PathIds<N>, S>(
    context: &AppContext<S>,
    request: &Request,
    method: Method,
    route: &Route<N, P>,
) -> Result<P, ApiError> {
    authorize_user(context, request, method, route).map(|(ids, _)| ids)
}

/// [`authorize`], with the session's user.
fn authorize_user<const N: usize, P: PathIds<N>, S>(
    context: &AppContext<S>,
    request: &Request,
    method: Method,
    route: &Route<N, P>,
) -> Result<(P, SessionUser), ApiError> {
    let params = request::match_route(request, route)?;
    if request.method() != method {
        return Err(ApiError::MethodNotAllowed);
    }
    session_owner(context, request, &params)
}

/// Session, path ids and ownership, for a request already matched to its route.
pub(crate) fn authorize_session<const N: usize, P: PathIds<N>, S>(
    context: &AppContext<S>,
    request: &Request,
    params: &PathParams<N>,
) -> Result<P, ApiError> {
    session_owner(context, request, params).map(|(ids, _)| ids)
}

fn session_owner<const N: usize, P: PathIds<N>, S>(
    context: &AppContext<S>,
    request: &Request,
    params: &PathParams<N>,
) -> Result<(P, SessionUser), ApiError> {
    let session_user = context
        .session
        .current()
        .authenticate_user(request.headers(), clock::now_ms())
        .map_err(ApiError::Unauthenticated)?;
    let ids = P::from_ids(request::parse_ids(params)?);
    if ids.user() != session_user.id {
        return Err(ApiError::NotOwner);
    }
    Ok((ids, session_user))
}

/// A create route's body: what its `Idempotency-Key` is scoped to, and how the body parses.
pub(crate) struct BodySpec<B> {
    /// The route's function: its name scopes the idempotency fingerprint.
    pub function: Function,
    pub kind: BodyKind,
    /// Validates the body (JSON or a form: the same rules for both).
    pub parse: BodyReader<B>,
}

/// How a route reads its body.
pub(crate) enum BodyReader<B> {
    /// Decoded into a tree of values first: the bodies of a few KiB.
    Tree(fn(Value) -> Result<B, BodyError>),
    /// Straight into the fields the route reads, building no tree: the 3 MiB bodies of texts.
    Shaped(fn(BodyFormat, &[u8]) -> Result<B, BodyError>),
}

impl<B> BodyReader<B> {
    fn read(&self, format: BodyFormat, bytes: &[u8]) -> Result<B, BodyError> {
        match self {
            Self::Tree(parse) => validation::decode_body(format, bytes).and_then(parse),
            Self::Shaped(read) => read(format, bytes),
        }
    }
}

/// Every create route: [`write_route`] with `POST`.
pub(crate) async fn create_route<const N: usize, P: PathIds<N>, S, B, F, Fut>(
    context: &AppContext<S>,
    request: &Request,
    route: &Route<N, P>,
    body: &BodySpec<B>,
    write: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnOnce(P, B, Option<Idempotency>) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    write_route(context, request, Method::POST, route, body, write).await
}

/// Every route that writes a body: route, method, session, ids and ownership, then the
/// body's type and size (415, 413), its `Idempotency-Key` and content (400), and only then
/// `write`.
pub(crate) async fn write_route<const N: usize, P: PathIds<N>, S, B, F, Fut>(
    context: &AppContext<S>,
    request: &Request,
    method: Method,
    route: &Route<N, P>,
    body: &BodySpec<B>,
    write: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnOnce(P, B, Option<Idempotency>) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let write = |ids, _, parsed, idempotency| write(ids, parsed, idempotency);
    user_write_route(context, request, method, route, body, write).await
}

/// [`write_route`] that hands `write` the session's user too.
pub(crate) async fn user_write_route<const N: usize, P: PathIds<N>, S, B, F, Fut>(
    context: &AppContext<S>,
    request: &Request,
    method: Method,
    route: &Route<N, P>,
    body: &BodySpec<B>,
    write: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnOnce(P, SessionUser, B, Option<Idempotency>) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let (ids, user) = authorize_user(context, request, method, route)?;
    let (format, bytes) = raw_body(request, body.kind)?;
    let idempotency = idempotency::from_request(request, body.function.name(), &ids.ids(), bytes)?;
    let parsed = body
        .parse
        .read(format, bytes)
        .map_err(|error| body_error(error, body.kind))?;
    write(ids, user, parsed, idempotency).await
}

/// Every route that writes without a body (a `DELETE` of what its path names): route,
/// method, session, ids and ownership, its `Idempotency-Key` (400), then `write`.
pub(crate) async fn bodiless_write_route<const N: usize, P: PathIds<N>, S, F, Fut>(
    context: &AppContext<S>,
    request: &Request,
    method: Method,
    route: &Route<N, P>,
    function: Function,
    write: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnOnce(P, Option<Idempotency>) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let ids = authorize(context, request, method, route)?;
    let idempotency = idempotency::from_request(request, function.name(), &ids.ids(), &[])?;
    write(ids, idempotency).await
}

/// The body's format and bytes, after the content-type (415) and size (413) checks.
fn raw_body(request: &Request, kind: BodyKind) -> Result<(BodyFormat, &[u8]), ApiError> {
    let format = validation::body_format(request.headers().get(http::header::CONTENT_TYPE))
        .map_err(ApiError::UnsupportedMediaType)?;
    let body = request::body_bytes(request);
    validation::check_body_size(body.len(), kind.max_bytes())
        .map_err(|error| body_error(error, kind))?;
    Ok((format, body))
}

fn body_error(error: BodyError, kind: BodyKind) -> ApiError {
    match error {
        BodyError::Invalid(issues) => ApiError::InvalidBody { kind, issues },
        BodyError::TooLarge { limit } => ApiError::PayloadTooLarge(limit),
    }
}

/// The response of a create: 200 with `{key: value}`, marked when it repeats an earlier
/// request with the same `Idempotency-Key`.
pub(crate) fn object_response(
    key: &'static str,
    value: &impl Serialize,
    replayed: bool,
) -> Result<Response<Body>, ApiError> {
    // Framed as a page is (`key` is one of the routes' names: nothing to escape), in a buffer
    // that a create's answer seldom outgrows.
    let mut body = Vec::with_capacity(1024);
    body.extend_from_slice(b"{\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":");
    serde_json::to_writer(&mut body, value).map_err(ApiError::ResponseNotSerialized)?;
    body.push(b'}');
    Ok(ok_response(body, replayed))
}

/// `200 true`: what the web app's delete routes answer.
pub(crate) fn done_response(replayed: bool) -> Response<Body> {
    ok_response(b"true".to_vec(), replayed)
}

/// A 200 with this JSON, marked when it repeats an earlier request with the same
/// `Idempotency-Key`.
pub(crate) fn ok_response(json: Vec<u8>, replayed: bool) -> Response<Body> {
    let mut response = json_bytes(StatusCode::OK, json);
    if replayed {
        response.headers_mut().insert(
            idempotency::REPLAYED_HEADER,
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// The keys of a create that takes one item or a batch.
pub(crate) struct ItemKeys {
    /// Answers a single-object body: `{"chatMessage": {...}}`.
    pub single: &'static str,
    /// Answers a batch body: `{"chatMessages": [...]}`.
    pub batch: &'static str,
}

/// The response of a create that took one item (`single`) or a batch.
pub(crate) fn items_created_response<T: Serialize>(
    keys: &ItemKeys,
    single: bool,
    created: &Replayable<Vec<T>>,
) -> Result<Response<Body>, ApiError> {
    if !single {
        return object_response(keys.batch, &created.value, created.replayed);
    }
    let item = created
        .value
        .first()
        .ok_or(ApiError::NothingCreated(keys.single))?;
    object_response(keys.single, item, created.replayed)
}

/// A list route's names: the JSON key of its items, and the list its cursors are bound to.
pub(crate) struct ListKeys {
    pub items: &'static str,
    pub cursor_list: &'static str,
}

/// Every list route: route, method, session, ids and ownership, then `limit` and `cursor`
/// (400), then one page from `fetch`, written by [`page_response`].
pub(crate) async fn list_route<S, T, F, Fut>(
    context: &AppContext<S>,
    request: &Request,
    route: &Route<2, ChatPath>,
    keys: &ListKeys,
    fetch: F,
    id_of: impl Fn(&T) -> u64,
) -> Result<Response<Body>, ApiError>
where
    T: Serialize,
    F: FnOnce(ChatPath, PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let ids = authorize(context, request, Method::GET, route)?;
    let scope = CursorScope {
        user_id: ids.user.get(),
        chat_id: ids.chat.get(),
        list: keys.cursor_list,
    };
    let page = fetch(ids, page_request(request, &scope)?).await?;
    page_response(keys.items, &scope, page, id_of)
}

/// The page a list request asks for: its `limit` and its `cursor` of `scope` (400).
pub(crate) fn page_request(
    request: &Request,
    scope: &CursorScope,
) -> Result<PageRequest, ApiError> {
    let limit = request::query_param(request, "limit");
    let cursor = request::query_param(request, "cursor");
    let query = validation::parse_page_query(limit.as_deref(), cursor.as_deref(), scope)
        .map_err(ApiError::InvalidQuery)?;
    Ok(PageRequest {
        limit: query.limit.map(|limit| limit as usize),
        after: query.cursor.map(|cursor| cursor.after_id),
        byte_budget: RESPONSE_BUDGET_BYTES,
    })
}

/// Writes `{"<key>": [items...], "nextCursor": "..."}` with id cursors, see
/// [`page_response_with`].
pub(crate) fn page_response<T: Serialize>(
    key: &str,
    scope: &CursorScope,
    page: Page<T>,
    id_of: impl Fn(&T) -> u64,
) -> Result<Response<Body>, ApiError> {
    page_response_and(key, scope, page, id_of, &[])
}

/// [`page_response`] with more members after the page (written first, so that the page stays
/// within the budget with them).
pub(crate) fn page_response_and<T: Serialize>(
    key: &str,
    scope: &CursorScope,
    page: Page<T>,
    id_of: impl Fn(&T) -> u64,
    members: &[(&str, serde_json::Value)],
) -> Result<Response<Body>, ApiError> {
    let mut tail = Vec::new();
    for (name, value) in members {
        tail.push(b',');
        serde_json::to_writer(&mut tail, name).map_err(ApiError::ResponseNotSerialized)?;
        tail.push(b':');
        serde_json::to_writer(&mut tail, value).map_err(ApiError::ResponseNotSerialized)?;
    }
    // An id cursor is short: the closing brackets' reserve covers it.
    page_response_with(key, page, 0, tail, |item| {
        validation::encode_cursor(
            scope,
            &Cursor {
                after_id: id_of(item),
            },
        )
    })
}

/// Writes `{"<key>": [items...], "nextCursor": "..."<tail>}`, stopping before the response
/// would pass [`RESPONSE_BUDGET_BYTES`] (keeping room for `tail`, and `cursor_reserve` bytes
/// more for a long cursor); `nextCursor` (`cursor_after` of the last item written) appears
/// only when more items remain.
pub(crate) fn page_response_with<T: Serialize>(
    key: &str,
    page: Page<T>,
    cursor_reserve: usize,
    tail: Vec<u8>,
    cursor_after: impl Fn(&T) -> String,
) -> Result<Response<Body>, ApiError> {
    // Room for the closing brackets, a cursor and the tail.
    let reserve = 512 + cursor_reserve + lambda_length(&tail);
    let mut has_more = page.has_more;
    let estimate = page.items.len().saturating_mul(ITEM_BYTES_ESTIMATE);
    let mut body = Vec::with_capacity(1024 + estimate.min(RESPONSE_BUDGET_BYTES));
    body.extend_from_slice(b"{\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":[");
    // The budget counts the body as Lambda's response carries it, escaped: at most twice as
    // long, so it is counted exactly only once that bound nears the budget.
    let mut bound = 2 * body.len();
    let mut exact: Option<usize> = None;
    let mut last = None;
    for item in page.items {
        // Written in place, and taken back if it does not fit: no buffer per item.
        let start = body.len();
        if last.is_some() {
            body.push(b',');
        }
        serde_json::to_writer(&mut body, &item).map_err(ApiError::ResponseNotSerialized)?;
        let item_bound = 2 * (body.len() - start);
        if exact.is_none() && bound + item_bound + reserve > RESPONSE_BUDGET_BYTES {
            exact = Some(lambda_length(&body[..start]));
        }
        if let Some(length) = &mut exact {
            let item_length = lambda_length(&body[start..]);
            if last.is_some() && *length + item_length + reserve > RESPONSE_BUDGET_BYTES {
                body.truncate(start);
                has_more = true;
                break;
            }
            *length += item_length;
        }
        bound += item_bound;
        last = Some(item);
    }
    body.push(b']');
    if let (true, Some(last)) = (has_more, last) {
        body.extend_from_slice(b",\"nextCursor\":");
        let cursor = cursor_after(&last);
        serde_json::to_writer(&mut body, &cursor).map_err(ApiError::ResponseNotSerialized)?;
    }
    body.extend_from_slice(&tail);
    body.push(b'}');
    Ok(json_bytes(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_text(response: &Response<Body>) -> &str {
        match response.body() {
            Body::Text(text) => text,
            other => panic!("a JSON response travels as text, got {other:?}"),
        }
    }

    #[test]
    fn an_object_response_is_its_key_around_the_value() {
        let value = serde_json::json!({ "name": "a \"quoted\" name", "ids": [1, 2] });
        let response = object_response("chat", &value, true).expect("serializes");
        let parsed: serde_json::Value =
            serde_json::from_str(body_text(&response)).expect("valid JSON");
        assert_eq!(parsed, serde_json::json!({ "chat": value }));
        assert_eq!(response.headers()[idempotency::REPLAYED_HEADER], "true");
    }

    /// Lambda's own response JSON around a response, as the runtime sends it.
    fn lambda_response_length(response: &Response<Body>) -> usize {
        serde_json::json!({ "statusCode": 200, "body": body_text(response) })
            .to_string()
            .len()
    }

    /// A page of 100 items of 64 KiB, `repeated` over and over.
    fn page_of(repeated: &str) -> Response<Body> {
        let page = Page {
            items: vec![repeated.repeat(64 * 1024); 100],
            has_more: false,
        };
        page_response_with("items", page, 0, Vec::new(), |_| "next".to_owned()).unwrap()
    }

    #[test]
    fn a_page_fits_lambdas_response_once_escaped() {
        // 64 KiB of quotes per item: 128 KiB inside Lambda's response, escaped again.
        let response = page_of("\"");
        let length = lambda_response_length(&response);
        assert!(length <= RESPONSE_BUDGET_BYTES, "{length} bytes");
        assert!(
            length > RESPONSE_BUDGET_BYTES - 256 * 1024,
            "{length} bytes"
        );
        let body: Value = serde_json::from_str(body_text(&response)).unwrap();
        assert_eq!(body["nextCursor"], "next");
        assert!(
            body["items"]
                .as_array()
                .is_some_and(|items| items.len() < 100)
        );
    }

    #[test]
    fn a_page_of_plain_text_fills_the_budget() {
        // Nothing to escape: the page fills the budget, not the half of it that the bound of
        // twice the length would leave.
        let length = lambda_response_length(&page_of("a"));
        assert!(length <= RESPONSE_BUDGET_BYTES, "{length} bytes");
        assert!(
            length > RESPONSE_BUDGET_BYTES - 128 * 1024,
            "{length} bytes"
        );
    }
}
