//! Prints the deployed functions as JSON, from `neptun_core::functions`, the one list of them:
//!
//!   cargo run -q -p neptun-devtools --bin functions
//!
//! `[{"name", "method", "path"}, ...]` for the HTTP functions, then `{"name", "stream": true}`
//! for the stream functions. `tests/python/test_template.py` checks `functions/`, `events/`,
//! the router in `Cargo.toml` and `template.yaml` against it.

use std::process::ExitCode;

use neptun_core::functions::{Function, STREAM_FUNCTIONS};
use serde_json::{Value, json};

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        eprintln!("usage: functions   (prints the deployed functions as JSON, no arguments)");
        return ExitCode::from(2);
    }
    let http = Function::ALL.iter().map(|function| {
        json!({
            "name": function.name(),
            "method": function.method().as_str(),
            "path": function.path_template(),
        })
    });
    let stream = STREAM_FUNCTIONS
        .iter()
        .map(|name| json!({"name": name, "stream": true}));
    println!("{}", Value::Array(http.chain(stream).collect()));
    ExitCode::SUCCESS
}
