//! Where a request's instructions go, for create-chat-messages and the SDK floor: both run under
//! callgrind on the `bench-symbols` build (the release code, with its symbols), [`REQUESTS`] and
//! twice as many requests, and the call graph's costs are split into the Lambda runtime (the
//! event in, the response out), the SDK call, the body's parsing and validation, and the rest
//! of the handler (the session cookie, the checks, the rows, the response body, the metrics
//! line).

use std::collections::HashMap;
use std::path::Path;

use crate::instructions::{REQUESTS, WARM_UP};

/// The parts, in the order of the report.
pub const PARTS: [&str; 4] = [
    "Lambda runtime: the event in, the response out",
    "SDK call (`TransactWriteItems`: build, sign, send, parse)",
    "body: parsing and validation",
    "the rest of the handler: session cookie, checks, rows, response body, metrics line",
];

/// The functions that mark the parts in one binary's call graph.
pub struct Marks {
    /// The handler's future, as the runtime polls it.
    pub handler: &'static str,
    /// The body's reader, if the binary has one of its own.
    pub body: Option<&'static str>,
}

pub const OURS: Marks = Marks {
    handler: "neptun_core::context::serve::{{closure}}::{{closure}}::{{closure}}",
    body: Some("neptun_core::validation::bodies::read_create_messages"),
};

pub const FLOOR: Marks = Marks {
    handler: "sdk_floor::write::{{closure}}",
    body: None,
};

/// The SDK's orchestrator, which runs every operation (serialize, sign, send, parse): the
/// functions of this prefix, entered from outside it.
const SDK_CALL: &str = "aws_smithy_runtime::client::orchestrator::invoke_with_stop_point";

/// A callgrind profile: the total, and the inclusive cost of every call edge.
struct Profile {
    total: u64,
    /// (caller, callee) → inclusive cost of the calls.
    calls: HashMap<(String, String), u64>,
}

impl Profile {
    fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        // Names are compressed: `(id) name` the first time, `(id)` after.
        let mut names: HashMap<String, String> = HashMap::new();
        let mut name = |spec: &str| -> String {
            let spec = spec.trim();
            match spec.split_once(' ') {
                Some((id, full)) if id.starts_with('(') => {
                    names.insert(id.to_owned(), full.to_owned());
                    full.to_owned()
                }
                _ => names.get(spec).cloned().unwrap_or_else(|| spec.to_owned()),
            }
        };
        let (mut caller, mut callee) = (String::new(), String::new());
        let (mut in_call, mut total) = (false, 0);
        let mut calls = HashMap::new();
        for line in text.lines() {
            if let Some(spec) = line.strip_prefix("fn=") {
                caller = name(spec);
            } else if let Some(spec) = line.strip_prefix("cfn=") {
                callee = name(spec);
            } else if line.starts_with("calls=") {
                in_call = true;
            } else if let Some(count) = line
                .strip_prefix("summary:")
                .or_else(|| line.strip_prefix("totals:"))
            {
                total = count.trim().parse().unwrap_or(total);
            } else if in_call {
                in_call = false;
                let cost: u64 = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|cost| cost.parse().ok())
                    .unwrap_or(0);
                *calls.entry((caller.clone(), callee.clone())).or_default() += cost;
            }
        }
        Ok(Self { total, calls })
    }

    /// The inclusive cost of the calls into `callee`.
    fn into(&self, callee: &str) -> u64 {
        self.calls
            .iter()
            .filter(|((_, to), _)| to == callee)
            .map(|(_, cost)| cost)
            .sum()
    }

    /// The inclusive cost of the calls into the functions named `prefix...` from outside them.
    fn entering(&self, prefix: &str) -> u64 {
        self.calls
            .iter()
            .filter(|((from, to), _)| to.starts_with(prefix) && !from.starts_with(prefix))
            .map(|(_, cost)| cost)
            .sum()
    }
}

/// The parts of [`PARTS`] per request, from the profiles of `REQUESTS` and twice as many
/// requests of one binary.
pub fn split(once: &Path, twice: &Path, marks: &Marks) -> Result<[f64; 4], String> {
    let (once, twice) = (Profile::read(once)?, Profile::read(twice)?);
    let per_request =
        |of: &dyn Fn(&Profile) -> u64| (of(&twice) as f64 - of(&once) as f64) / REQUESTS as f64;
    let total = per_request(&|p| p.total);
    let handler = per_request(&|p| p.into(marks.handler));
    let sdk = per_request(&|p| p.entering(SDK_CALL));
    let body = marks
        .body
        .map_or(0.0, |body| per_request(&|p| p.into(body)));
    if handler <= 0.0 || sdk <= 0.0 {
        return Err(format!(
            "the call graph names no {} or no {SDK_CALL} (after {WARM_UP} warm-up requests)",
            marks.handler
        ));
    }
    Ok([total - handler, sdk, body, handler - sdk - body])
}
