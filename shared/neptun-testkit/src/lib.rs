//! What the tests and the dev tools share, and the functions never link:
//!
//! - [`memory`]: every store trait in memory, for handler tests without a server;
//! - [`events`]: the sample API Gateway events under `events/`, as requests;
//! - [`invoke`]: a request sent to the handler of a [`neptun_core::functions::Function`];
//! - [`sample`]: the sample data the events refer to, and the dev password;
//! - [`contract`]: the scenarios every store must answer alike, run on [`memory::MemoryStore`]
//!   here and on DynamoDB Local in `tests/`.

pub mod contract;
pub mod events;
pub mod invoke;
pub mod memory;
pub mod sample;
