//! Reading what a handler needs from a `lambda_http` request, the same way behind every
//! front door (HTTP API, REST API stage, function URL, `cargo lambda watch`).

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};

use crate::error::{ApiError, Missing};
use crate::routes::{PathIds, Route, SHARED_CHATS_ROOT, Segment, USERS_ROOT as API_ROOT};
use crate::validation::{self, Issue};

/// A matched route's raw path parameters in route order: name and text as in the path.
pub type PathParams<const N: usize> = [(&'static str, String); N];

/// The request path as the client sent it, base path (stage) included, whatever the front
/// door. What `lambda_http` 1.3 gives (`raw_http_path` / `uri().path()`):
///
/// - HTTP API on `$default`, function URL, `cargo lambda watch`: `rawPath` / the same.
/// - HTTP API on a named stage `v1`: `rawPath` already starts with `/v1` / the same.
/// - REST API on stage `Prod`: the event's `path`, *without* the stage / `/Prod` + `path`,
///   unless `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set. Neither is reliable (SAM local
///   has no stage in its URL, a custom domain has a base path mapping instead), so a REST
///   request uses `requestContext.path`: the path of the URL the client really called.
fn request_path(request: &Request) -> String {
    if let Some(RequestContext::ApiGatewayV1(context)) = request.request_context_ref() {
        return rest_api_path(
            context.path.as_deref(),
            context.stage.as_deref(),
            request.raw_http_path(),
        );
    }
    let raw = request.raw_http_path();
    if raw.is_empty() {
        request.uri().path().to_owned()
    } else {
        raw.to_owned()
    }
}

/// A REST API request's client-side path: `requestContext.path`, else the event's `path`
/// behind its stage (never doubled, nothing for `$default`).
fn rest_api_path(context_path: Option<&str>, stage: Option<&str>, path: &str) -> String {
    if let Some(context_path) = context_path.filter(|p| p.starts_with('/')) {
        return context_path.to_owned();
    }
    match stage {
        Some(stage) if !stage.is_empty() && stage != "$default" => {
            let prefix = format!("/{stage}");
            if path == prefix || path.starts_with(&format!("{prefix}/")) {
                path.to_owned()
            } else {
                format!("{prefix}{path}")
            }
        }
        _ => path.to_owned(),
    }
}

/// The base path in front of `/api/users/` or `/api/shared/chats/` (for building links and
/// cookie paths back to this API).
pub fn base_path(request: &Request) -> String {
    let path = request_path(request);
    path.find(API_ROOT)
        .or_else(|| path.find(SHARED_CHATS_ROOT))
        .map(|at| path[..at].to_owned())
        .unwrap_or_default()
}

/// The raw `{share_uuid}` of a public read, `/api/shared/chats/{share_uuid}`.
pub fn match_shared_chat(request: &Request) -> Result<String, ApiError> {
    let path = request_path(request);
    path.find(SHARED_CHATS_ROOT)
        .map(|at| &path[at + SHARED_CHATS_ROOT.len()..])
        .filter(|rest| !rest.is_empty() && !rest.contains('/'))
        .map(str::to_owned)
        .ok_or(ApiError::NotFound(Missing::Route))
}

/// Matches the request path against a route and returns its raw parameters in order.
/// Path parameters are read from the path itself, not from the event's `pathParameters`,
/// because function URLs carry none.
pub fn match_route<const N: usize, P: PathIds<N>>(
    request: &Request,
    route: &Route<N, P>,
) -> Result<PathParams<N>, ApiError> {
    let path = request_path(request);
    let Some(at) = path.find(API_ROOT) else {
        return Err(ApiError::NotFound(Missing::Route));
    };
    let rest = &path[at + API_ROOT.len()..];
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.len() != route.segments().len() {
        return Err(ApiError::NotFound(Missing::Route));
    }
    let mut params = Vec::with_capacity(N);
    for (segment, expected) in segments.iter().zip(route.segments()) {
        match expected {
            Segment::Lit(literal) if segment == literal => {}
            Segment::Lit(_) => return Err(ApiError::NotFound(Missing::Route)),
            Segment::Param(name) => params.push((*name, (*segment).to_owned())),
        }
    }
    // `Route::new` made sure the route has N parameters.
    params
        .try_into()
        .map_err(|_| ApiError::NotFound(Missing::Route))
}

/// Parses every raw path parameter as an id, reporting all bad ones at once.
pub fn parse_ids<const N: usize>(params: &PathParams<N>) -> Result<[u64; N], ApiError> {
    let mut issues: Vec<Issue> = Vec::new();
    let ids = params.each_ref().map(|(name, raw)| {
        validation::parse_path_id(name, Some(raw)).unwrap_or_else(|issue| {
            issues.push(issue);
            0
        })
    });
    // The placeholder of a bad id never leaves: any issue rejects the whole path.
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const ROUTE: Route<2, crate::routes::ChatPath> = crate::routes::FILES;

    fn request(event: Value) -> Request {
        lambda_http::request::from_str(&event.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A REST API (payload 1.0) event: `path` without the stage, `requestContext.path` with.
    fn rest(path: &str, stage: &str, context_path: Option<&str>) -> Request {
        let mut context = json!({
            "httpMethod": "GET",
            "stage": stage,
            "domainName": "abc123def4.execute-api.us-east-1.amazonaws.com",
            "resourcePath": "/api/users/{user_id}/chats/{chat_id}/files",
        });
        if let Some(context_path) = context_path {
            context["path"] = json!(context_path);
        }
        request(json!({
            "resource": "/api/users/{user_id}/chats/{chat_id}/files",
            "path": path,
            "httpMethod": "GET",
            "headers": {"Host": "abc123def4.execute-api.us-east-1.amazonaws.com"},
            "multiValueHeaders": {"Host": ["abc123def4.execute-api.us-east-1.amazonaws.com"]},
            "requestContext": context,
            "isBase64Encoded": false,
        }))
    }

    /// An HTTP API or function URL (payload 2.0) event.
    fn http_api(raw_path: &str, stage: &str, domain: &str) -> Request {
        request(json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": raw_path,
            "rawQueryString": "",
            "headers": {"host": domain},
            "requestContext": {
                "domainName": domain,
                "http": {"method": "GET", "path": raw_path},
                "stage": stage,
            },
            "isBase64Encoded": false,
        }))
    }

    fn params(request: &Request) -> PathParams<2> {
        match_route(request, &ROUTE).unwrap_or_else(|e| panic!("{e}"))
    }

    const PATH: &str = "/api/users/1/chats/1000/files";

    #[test]
    fn a_rest_api_stage_is_the_base_path() {
        // What API Gateway sends on its own domain: `path` lacks the stage, which
        // `raw_http_path` returns as it is.
        let request = rest(PATH, "Prod", Some("/Prod/api/users/1/chats/1000/files"));
        assert_eq!(request.raw_http_path(), PATH);
        assert_eq!(base_path(&request), "/Prod");
        assert_eq!(
            params(&request),
            [("user_id", "1".to_owned()), ("chat_id", "1000".to_owned())]
        );
    }

    #[test]
    fn a_rest_api_custom_domain_uses_its_base_path_mapping() {
        let request = rest(PATH, "Prod", Some("/neptun/api/users/1/chats/1000/files"));
        assert_eq!(base_path(&request), "/neptun");
        // SAM local: stage `Prod`, but no stage in its URL.
        let request = rest(PATH, "Prod", Some(PATH));
        assert_eq!(base_path(&request), "");
        assert_eq!(params(&request).len(), 2);
    }

    #[test]
    fn a_rest_api_event_without_context_path_puts_its_stage_in_front() {
        assert_eq!(base_path(&rest(PATH, "Prod", None)), "/Prod");
        assert_eq!(
            base_path(&rest("/Prod/api/users/1/chats/1000/files", "Prod", None)),
            "/Prod"
        );
        assert_eq!(base_path(&rest(PATH, "$default", None)), "");
        assert_eq!(rest_api_path(None, Some("v1"), "/v1"), "/v1");
        assert_eq!(rest_api_path(None, Some("v1"), "/v12/x"), "/v1/v12/x");
        assert_eq!(rest_api_path(None, None, "/x"), "/x");
        assert_eq!(rest_api_path(Some(""), Some("v1"), "/x"), "/v1/x");
    }

    #[test]
    fn an_http_api_named_stage_is_already_in_the_raw_path() {
        let request = http_api(
            "/v1/api/users/1/chats/1000/files",
            "v1",
            "abc123def4.execute-api.us-east-1.amazonaws.com",
        );
        assert_eq!(base_path(&request), "/v1");
        assert_eq!(params(&request).len(), 2);
        // A stage named like the API's first segment is not confused with it.
        let request = http_api(
            "/api/api/users/1/chats/1000/files",
            "api",
            "abc123def4.execute-api.us-east-1.amazonaws.com",
        );
        assert_eq!(base_path(&request), "/api");
        assert_eq!(params(&request)[1], ("chat_id", "1000".to_owned()));
    }

    #[test]
    fn default_stages_and_function_urls_have_no_base_path() {
        for request in [
            http_api(
                PATH,
                "$default",
                "abc123def4.execute-api.us-east-1.amazonaws.com",
            ),
            http_api(PATH, "$default", "abcdefg.lambda-url.us-east-1.on.aws"),
        ] {
            assert_eq!(base_path(&request), "");
            assert_eq!(params(&request).len(), 2);
        }
    }

    #[test]
    fn a_shared_chat_has_one_segment_after_its_root() {
        let uuid = "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f";
        let request = http_api(&format!("/v1/api/shared/chats/{uuid}"), "v1", "example.com");
        assert_eq!(match_shared_chat(&request).ok().as_deref(), Some(uuid));
        assert_eq!(base_path(&request), "/v1");
        for path in [
            "/api/shared/chats/",
            "/api/shared/chats/a/b",
            "/api/users/1/chats",
        ] {
            let request = http_api(path, "$default", "example.com");
            assert!(match_shared_chat(&request).is_err(), "{path}");
        }
    }

    #[test]
    fn other_paths_are_not_found() {
        for path in [
            "/api/users/1/chats/1000",
            "/api/users/1/chats/1000/files/",
            "/api/users/1/chats/1000/messages",
            "/Prod/api/user/1/chats/1000/files",
        ] {
            let request = http_api(path, "$default", "example.com");
            assert!(
                matches!(
                    match_route(&request, &ROUTE),
                    Err(ApiError::NotFound(Missing::Route))
                ),
                "{path}"
            );
        }
    }
}
