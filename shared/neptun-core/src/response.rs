//! The one way responses are built: every response has a content type and `no-store`.

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A response with an explicit content type. All private data: never cached.
pub fn respond(status: StatusCode, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => json_bytes(status, bytes),
        Err(error) => {
            tracing::error!(%error, "response did not serialize");
            json_bytes(
                StatusCode::INTERNAL_SERVER_ERROR,
                br#"{"statusCode":500,"statusMessage":"Internal Server Error","data":{"message":"An unexpected error occurred."}}"#.to_vec(),
            )
        }
    }
}

/// A JSON response from bytes serialized by the caller.
pub fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    respond(status, "application/json", Body::from(bytes))
}
