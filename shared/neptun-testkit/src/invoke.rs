//! Sends a request to the handler of a [`Function`], as its binary under `functions/` does:
//! the origin check every function makes first, then the route table's dispatch
//! ([`Function::handle`]).

use lambda_http::{Body, Request, Response};
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::store::ApiStore;

/// The response of `function`'s handler to `request`, after the origin check every function
/// makes first.
pub async fn invoke<S: ApiStore>(
    context: &AppContext<S>,
    function: Function,
    request: Request,
) -> Response<Body> {
    if let Some(refusal) = context.refusal(&request) {
        return refusal;
    }
    function.handle(context, request).await
}
