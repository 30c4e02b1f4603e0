//! The core's integration tests in one binary: the cookie against the vectors the real
//! JavaScript libraries made (`tests/vectors/fixtures.json`) and the fuzzers' findings
//! replayed. No server, no Node: `tests/` opens our seals in Node. What a session logs is a
//! binary of its own (`tests/session_logs.rs`).

// A test binary: its helpers may unwrap what a test set up (workspace.lints, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_regressions;
mod session_vectors;
