//! Every integration test in one binary (one link of the SDK instead of one per file): the
//! routes on Amazon's DynamoDB Local, `cargo lambda watch`, the import from a private
//! PostgreSQL, the purge, and the store contract on `DynamoStore`.

mod chat_order;
mod chats_and_messages;
mod cli;
mod concurrency;
mod contract;
mod cookies;
mod erasure;
mod files;
mod hostile;
mod import;
mod import_live;
mod import_tls;
mod lifecycle;
mod local_stack;
mod nitro;
mod openapi;
mod projects;
mod purge;
mod reliability;
mod replay;
mod secrets;
mod security;
mod shares;
mod stages;
mod ttl;
