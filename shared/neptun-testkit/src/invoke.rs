//! Sends a request to the handler of a [`Function`], as its binary under `functions/` does:
//! through [`AppContext::answer`] (the origin and cross-site checks every function makes
//! first), to the route table's dispatch ([`Function::handle`]).

use lambda_http::{Body, Request, Response};
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::store::ApiStore;

/// The response of `function`'s handler to `request`, after the checks every function makes
/// first.
pub async fn invoke<S: ApiStore>(
    context: &AppContext<S>,
    function: Function,
    request: Request,
) -> Response<Body> {
    context
        .answer(request, |context, request| {
            function.handle(context, request)
        })
        .await
}
