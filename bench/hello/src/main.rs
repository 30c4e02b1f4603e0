//! The cold-start floor for `make bench`: a bare `lambda_http` function with the same features
//! and tokio flavour as ours, answering `{"hello":"world"}`. Never deployed (not in
//! template.yaml nor in the cargo-lambda router).

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_request: Request| async {
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"hello":"world"}"#))
            .map_err(Error::from)
    }))
    .await
}
