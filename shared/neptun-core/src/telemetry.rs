//! Logging: JSON lines (CloudWatch, `LogFormat: JSON`), level from `RUST_LOG` (default
//! `info`). Each line carries the Lambda request id through the runtime's span. Handlers never
//! log cookies, tokens, signatures, secrets or bodies; `tests/tests/it/security.rs` checks a full
//! scenario's log for them.

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// The subscriber the functions use, writing to `writer` what `filter` lets through.
pub fn subscriber<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        // CloudWatch timestamps every line itself.
        .without_time()
        .with_writer(writer)
        .finish()
        .with(filter)
}

/// `RUST_LOG` as a list of `level` and `target=level` (`info,neptun_dynamo=debug`): `Targets`,
/// not `EnvFilter`, whose span and field filters would bring a regex engine into every binary.
/// Unset or unreadable: `info`.
pub fn filter_from_env() -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(Level::INFO))
}

/// Installs the global subscriber once, at start-up.
pub fn init() {
    if let Err(error) =
        tracing::subscriber::set_global_default(subscriber(filter_from_env(), std::io::stdout))
    {
        eprintln!("logging was already initialised: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::level_filters::LevelFilter;

    #[test]
    fn rust_log_lists_read_as_targets() {
        let targets: Targets = "warn,neptun_dynamo=debug".parse().unwrap_or_default();
        assert!(targets.would_enable("neptun_dynamo::store", &Level::DEBUG));
        assert!(!targets.would_enable("hyper", &Level::INFO));
        assert!(targets.would_enable("hyper", &Level::WARN));
        assert_eq!(
            Targets::new().with_default(Level::INFO).default_level(),
            Some(LevelFilter::INFO)
        );
    }
}
