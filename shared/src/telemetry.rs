//! Logging set-up for the functions: JSON lines (CloudWatch), level from `RUST_LOG`.

/// Installs the global subscriber once, at start-up. Logs carry the Lambda request id through
/// the runtime's span; handlers never log cookies, tokens, signatures or bodies.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let result = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
    if let Err(error) = result {
        eprintln!("logging was already initialised: {error}");
    }
}
