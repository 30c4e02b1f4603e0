//! Logging: JSON lines (CloudWatch, `LogFormat: JSON`), level from `RUST_LOG` (default
//! `info`). Each line carries the Lambda request id through the runtime's span. Handlers never
//! log cookies, tokens, signatures, secrets or bodies; `tests/tests/it/security.rs` checks a full
//! scenario's log for them.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The subscriber the functions use, writing to `writer`.
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        // CloudWatch timestamps every line itself.
        .without_time()
        .with_writer(writer)
        .finish()
}

/// Installs the global subscriber once, at start-up.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if let Err(error) = tracing::subscriber::set_global_default(subscriber(filter, std::io::stdout))
    {
        eprintln!("logging was already initialised: {error}");
    }
}
