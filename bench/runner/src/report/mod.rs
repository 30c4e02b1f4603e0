//! BENCHMARKS.md, in parts: the machine ([`machine`]), the statistics of the samples
//! ([`stats`]), the targets judged on them ([`targets`]) and the text ([`render`]); the
//! section of the erasure run ([`erasure`]); the cost of share passwords
//! ([`share_passwords`]); the playground's 1,000-message save ([`playground_save`]); the
//! hostile bodies ([`hostile`]); instructions per request ([`instructions`]); the function's own
//! latency against the instant storage stand-in ([`latency`]).

mod erasure;
mod hostile;
mod instructions;
mod latency;
mod machine;
mod playground_save;
mod render;
mod share_passwords;
mod stats;
mod targets;

pub use erasure::erasure_section;
pub use machine::Machine;
pub use render::render;
pub use targets::summary;

use crate::measure::{Setup, Steady};
use crate::{HELLO, Results};
use stats::ColdFigures;

impl Results {
    fn figures(&self, level: &str, name: &str, setup: Setup) -> Option<ColdFigures> {
        self.cold
            .get(&(level.to_owned(), name.to_owned(), setup))
            .and_then(|samples| ColdFigures::of(samples))
    }

    /// The cold starts of `name` at the main opt-level.
    fn main(&self, name: &str, setup: Setup) -> Option<ColdFigures> {
        self.figures(&self.main_level, name, setup)
    }

    /// Median cold start of the baseline at `level`.
    fn hello_cold(&self, level: &str) -> Option<f64> {
        self.figures(level, HELLO, Setup::Deployed)
            .map(|f| f.cold.median)
    }

    /// The steady state of `name` at the main opt-level.
    fn steady_main(&self, name: &str) -> Option<&Steady> {
        self.steady.get(&(self.main_level.clone(), name.to_owned()))
    }

    /// The zip the package target is judged on: arm64 when built, else x86_64.
    fn package_bytes(&self, name: &str) -> Option<u64> {
        self.sizes
            .get(name)
            .map(|(arm, x86, _)| arm.unwrap_or(*x86))
    }

    fn package_arch(&self) -> &str {
        self.zip_arch.as_deref().unwrap_or("x86_64")
    }
}
