//! Development tools, never linked into a function: the table's definition and creation
//! ([`table`]), the sample data written into a table ([`seed`]), and the local consumer of the
//! table's stream ([`stream_purge`]). `make dev`, the tests and `make bench` use them.

pub mod seed;
pub mod stream_purge;
pub mod table;
pub mod template;
