//! The store contract on [`MemoryStore`]: the scenarios `DynamoStore` passes on DynamoDB Local
//! in `tests/`.

use neptun_testkit::memory::MemoryStore;

neptun_testkit::contract_tests!(MemoryStore::new());
