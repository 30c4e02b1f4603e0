//! The store contract of `neptun-testkit` on `DynamoStore` over DynamoDB Local: the scenarios
//! the in-memory store passes in `cargo test -p neptun-testkit`, on the real engine.

use neptun_tests::fresh_store;

neptun_testkit::contract_tests!(fresh_store().await);
