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

/// A JSON response from bytes serialized by the caller. Sent as text: Lambda's response
/// carries it as a JSON string, escaped once more ([`lambda_length`]), not base64-encoded
/// (a third longer, and encoded and scanned again).
pub fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    let body = match String::from_utf8(bytes) {
        Ok(text) => Body::Text(text),
        Err(error) => Body::Binary(error.into_bytes()),
    };
    respond(status, "application/json", body)
}

/// The length of JSON `text` inside Lambda's response, where it travels as a JSON string:
/// each `"` and `\` escaped (JSON text holds no raw control character).
pub fn lambda_length(text: &[u8]) -> usize {
    text.len() + text.iter().filter(|b| matches!(b, b'"' | b'\\')).count()
}
