//! Shared library of the Neptun chat API: every Lambda binary under `functions/` only wires a
//! [`context::AppContext`] to one handler of [`handlers`].

pub mod session;
pub mod validation;
