//! Shared library of the Neptun chat API. Every Lambda binary under `functions/` builds one
//! [`context::AppContext`] in `main` and serves one handler of [`handlers`].

pub mod clock;
pub mod context;
pub mod error;
pub mod handlers;
pub mod idempotency;
pub mod ids;
pub mod links;
mod mac;
pub mod model;
pub mod request;
pub mod response;
#[cfg(feature = "test-util")]
pub mod sample_events;
pub mod session;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod validation;
