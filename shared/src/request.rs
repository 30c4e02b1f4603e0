//! Reading what a handler needs from a `lambda_http` request, the same way behind every
//! front door (HTTP API, REST API stage, function URL, `cargo lambda watch`).

use lambda_http::{Body, Request, RequestExt};

use crate::error::{ApiError, Missing};
use crate::validation::{self, Issue};

/// The fixed part of every route; what comes before it is the deployment's base path
/// (a stage such as `/Prod`, or nothing).
const API_ROOT: &str = "/api/users/";

/// A route's path below `/api/users/`, e.g. `&[Param("user_id"), Lit("chats")]`.
#[derive(Debug, Clone, Copy)]
pub enum Segment {
    Lit(&'static str),
    Param(&'static str),
}

/// The request path as the client sent it: `lambda_http` drops a REST API's stage from
/// `uri()`, and `raw_http_path` keeps it.
fn request_path(request: &Request) -> String {
    let raw = request.raw_http_path();
    if raw.is_empty() {
        request.uri().path().to_owned()
    } else {
        raw.to_owned()
    }
}

/// The base path in front of `/api/users/` (for building links back to this API).
pub fn base_path(request: &Request) -> String {
    let path = request_path(request);
    path.find(API_ROOT)
        .map(|at| path[..at].to_owned())
        .unwrap_or_default()
}

/// Matches the request path against a route and returns its raw parameters in order.
/// Path parameters are read from the path itself, not from the event's `pathParameters`,
/// because function URLs carry none.
pub fn match_route(
    request: &Request,
    route: &[Segment],
) -> Result<Vec<(&'static str, String)>, ApiError> {
    let path = request_path(request);
    let Some(at) = path.find(API_ROOT) else {
        return Err(ApiError::NotFound(Missing::Route));
    };
    let rest = &path[at + API_ROOT.len()..];
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.len() != route.len() {
        return Err(ApiError::NotFound(Missing::Route));
    }
    let mut params = Vec::new();
    for (segment, expected) in segments.iter().zip(route) {
        match expected {
            Segment::Lit(literal) if segment == literal => {}
            Segment::Lit(_) => return Err(ApiError::NotFound(Missing::Route)),
            Segment::Param(name) => params.push((*name, (*segment).to_owned())),
        }
    }
    Ok(params)
}

/// Parses every raw path parameter as an id, reporting all bad ones at once.
pub fn parse_ids<const N: usize>(params: &[(&'static str, String)]) -> Result<[u64; N], ApiError> {
    let mut ids = [0; N];
    let mut issues: Vec<Issue> = Vec::new();
    for (slot, (name, raw)) in ids.iter_mut().zip(params) {
        match validation::parse_path_id(name, Some(raw)) {
            Ok(id) => *slot = id,
            Err(issue) => issues.push(issue),
        }
    }
    if issues.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::InvalidPath(issues))
    }
}

/// The request body's bytes (`lambda_http` has already decoded base64 bodies).
pub fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// One query string parameter (the first, if repeated).
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    request
        .query_string_parameters_ref()
        .and_then(|query| query.first(name))
        .map(str::to_owned)
}
