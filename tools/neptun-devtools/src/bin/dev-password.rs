//! Prints the dev-only session secret that `make dev`, the sample events' cookies and the tests
//! use (`neptun_testkit::sample::DEV_PASSWORD`): public, so cookies sealed with it prove
//! nothing, and never a deployment's.
//!
//!   NUXT_SESSION_PASSWORD="$(cargo run -q -p neptun-devtools --bin dev-password)"

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        eprintln!("usage: dev-password   (prints the dev-only session secret, no arguments)");
        return ExitCode::from(2);
    }
    println!("{}", neptun_testkit::sample::DEV_PASSWORD);
    ExitCode::SUCCESS
}
