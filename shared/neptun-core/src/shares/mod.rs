//! What shares need beyond validation (`crate::validation` parses their bodies and uuids):
//! - [`password`]: a share's password, stored only as an Argon2id PHC string;
//! - [`access`]: the short-lived cookie that stands in for the password on the next pages;
//! - [`basic_auth`]: the password a public read offers (`Authorization: Basic`);
//! - [`attempts`]: the limit on failed password attempts per share and minute.

pub mod access;
pub mod attempts;
pub mod basic_auth;
pub mod password;
