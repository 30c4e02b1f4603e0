//! What shares need beyond validation (`crate::validation` parses their bodies and uuids):
//! - [`password`]: a share's password, stored only as an Argon2id PHC string;
//! - [`access`]: the short-lived cookie that stands in for the password on the next pages.

pub mod access;
pub mod password;
