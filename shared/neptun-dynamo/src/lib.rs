//! The Neptun chat API's storage: the store traits of `neptun-core` on one DynamoDB table.
//!
//! - [`schema`]: the single-table layout (key prefixes, attribute names, rows);
//! - [`store`]: [`DynamoStore`], one file per store trait, and the helpers they share
//!   (transactions, queries, idempotency records, error classification);
//! - [`client`], [`tls`], [`warm_up`]: the SDK client with its trust store, limits and Init
//!   warm-up;
//! - [`context`]: the functions' contexts, read from the environment at Init, with
//!   [`secrets`], the session secrets from Secrets Manager;
//! - [`purge`]: the purge of deleted chats that follows the table's stream
//!   ([`purge::stream`]), the sweep of what the stream left, and the purge function's handler
//!   of both ([`purge::function`]).

pub mod backoff;
pub mod client;
pub mod context;
mod counting;
pub mod env;
pub mod purge;
pub mod schema;
pub mod secrets;
pub mod store;
pub mod tls;
pub mod warm_up;

pub use store::DynamoStore;
