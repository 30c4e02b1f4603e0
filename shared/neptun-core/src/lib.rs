//! The Neptun chat API without its storage: models, validation, sessions, errors, the store
//! traits and one plain async handler per route. No AWS SDK: the DynamoDB store is
//! `neptun-dynamo`, the in-memory one `neptun-testkit`. Every Lambda binary under
//! `functions/` builds one [`context::AppContext`] in `main` and serves one of [`handlers`].

pub mod clock;
pub mod context;
pub mod cross_site;
pub mod error;
pub mod functions;
pub mod handlers;
pub mod idempotency;
pub mod ids;
pub mod links;
mod mac;
pub mod metrics;
pub mod model;
pub mod origin;
pub mod request;
pub mod response;
pub mod routes;
pub mod session;
pub mod shares;
pub mod store;
pub mod telemetry;
pub mod validation;
