//! The core's integration tests in one binary: the cookie against the vectors the real
//! JavaScript libraries made (`tests/vectors/fixtures.json`), what a rejected session logs, and
//! the fuzzers' findings replayed. No server, no Node: `tests/` opens our seals in Node.

mod fuzz_regressions;
mod session_logs;
mod session_vectors;
