//! The "Instructions per request" section of BENCHMARKS.md, and its target.

use std::fmt::Write as _;

use super::targets::Target;
use crate::instructions::{REQUESTS, WARM_UP};
use crate::split;
use crate::{FUNCTIONS, HELLO, PEERS_OF, Results, SDK_FLOOR};

/// create-chat-messages at most this many times the SDK floor's instructions.
const FLOOR_RATIO_TARGET: f64 = 1.05;
/// Every route at most this many times its own floor's instructions.
const ROUTE_FLOOR_RATIO_TARGET: f64 = 1.10;

fn counted(r: &Results, name: &str) -> Option<f64> {
    r.instructions.get(name)?.as_ref().ok().copied()
}

/// A function's instructions over its own floor's.
fn over_its_floor(r: &Results, name: &str) -> Option<f64> {
    let floor = r.floors.get(name)?.as_ref().ok()?.per_request;
    counted(r, name)
        .filter(|_| floor > 0.0)
        .map(|ours| ours / floor)
}

pub fn instructions_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## Instructions per request\n");
    let _ = writeln!(
        w,
        "Counted by valgrind's cachegrind (`--cache-sim=no`), deterministic where CPU time on a \
         shared machine is not: each binary's usual event {REQUESTS} times in one process and \
         {} times in another, both after {WARM_UP} more, against DynamoDB Local over the TLS \
         terminator; (second − first) ÷ {REQUESTS}, so that Init and exit drop out. User + sys \
         time, from the steady state above, is the second figure. Ratios: to `{SDK_FLOOR}` (the \
         same `TransactWriteItems` as `{PEERS_OF}`, built by hand, nothing else), to `{HELLO}` \
         (the runtime alone), and to the function's own floor: the DynamoDB requests it sent \
         for the last request of the first count, sent again by `{SDK_FLOOR} --replay` (each \
         a copy of its typed input, rebuilt once from the recorded body and checked to \
         serialize to it again: the SDK serializes, signs, sends and parses as for the \
         function, and nothing else runs) against the instant stand-in answering each as \
         DynamoDB Local had (`bench/runner/src/floors.rs`).\n",
        2 * REQUESTS
    );
    let floor = counted(r, SDK_FLOOR);
    let hello = counted(r, HELLO);
    let _ = writeln!(
        w,
        "| binary | instructions per request | ÷ {SDK_FLOOR} | ÷ {HELLO} | its floor | ÷ its floor | its floor's requests | CPU per request, µs (user + sys) |\n|---|--:|--:|--:|--:|--:|---|--:|"
    );
    for name in std::iter::once(HELLO).chain([SDK_FLOOR]).chain(FUNCTIONS) {
        let Some(measured) = r.instructions.get(name) else {
            continue;
        };
        let cpu = r
            .steady_main(name)
            .map_or("-".to_owned(), |s| format!("{:.1}", s.cpu_us_per_request));
        let its_floor = match r.floors.get(name) {
            Some(Ok(its)) => format!(
                "{:.0} | {} | {}",
                its.per_request,
                over_its_floor(r, name).map_or("-".to_owned(), |ratio| format!("{ratio:.3}")),
                its.operations.join(", ")
            ),
            Some(Err(reason)) => format!("not counted: {reason} | | "),
            None => "- | - | -".to_owned(),
        };
        let line = match measured {
            Ok(count) => {
                let over = |base: Option<f64>| {
                    base.filter(|b| *b > 0.0)
                        .map_or("-".to_owned(), |b| format!("{:.2}", count / b))
                };
                format!(
                    "| {name} | {count:.0} | {} | {} | {its_floor} | {cpu} |",
                    over(floor),
                    over(hello)
                )
            }
            Err(reason) => format!("| {name} | not counted: {reason} | | | {its_floor} | {cpu} |"),
        };
        let _ = writeln!(w, "{line}");
    }
    let _ = writeln!(w);
    split_table(w, r);
}

/// Where the instructions of [`PEERS_OF`] and the floor go ([`split`]).
fn split_table(w: &mut String, r: &Results) {
    let _ = writeln!(
        w,
        "Where they go: `{PEERS_OF}` and `{SDK_FLOOR}` again, under callgrind on the build with \
         symbols (`cargo build --profile bench-symbols`, the release code), split by the call \
         graph's costs (`bench/runner/src/split.rs`).\n"
    );
    let parts = match &r.split {
        Ok(parts) => parts,
        Err(reason) => {
            let _ = writeln!(w, "Not measured in this run: {reason}.\n");
            return;
        }
    };
    let names: Vec<&str> = parts.iter().map(|(name, _)| name.as_str()).collect();
    let _ = writeln!(
        w,
        "| part | {} |\n|---|{}",
        names.join(" | "),
        "--:|".repeat(names.len())
    );
    for (index, part) in split::PARTS.iter().enumerate() {
        let figures: Vec<String> = parts
            .iter()
            .map(|(_, figures)| format!("{:.0}", figures[index]))
            .collect();
        let _ = writeln!(w, "| {part} | {} |", figures.join(" | "));
    }
    let totals: Vec<String> = parts
        .iter()
        .map(|(_, figures)| format!("{:.0}", figures.iter().sum::<f64>()))
        .collect();
    let _ = writeln!(w, "| **total** | {} |\n", totals.join(" | "));
}

/// create-chat-messages within [`FLOOR_RATIO_TARGET`] of the SDK floor, in instructions.
pub fn instructions_target(r: &Results) -> Target {
    let name =
        format!("{PEERS_OF} ≤ {FLOOR_RATIO_TARGET}× {SDK_FLOOR} in instructions per request");
    let (figure, met) = match (counted(r, PEERS_OF), counted(r, SDK_FLOOR)) {
        (Some(ours), Some(floor)) if floor > 0.0 => (
            format!("{:.3}× (ours {ours:.0} vs {floor:.0})", ours / floor),
            ours / floor <= FLOOR_RATIO_TARGET,
        ),
        _ => ("not measured".to_owned(), false),
    };
    Target {
        name,
        figure,
        met,
        obstacle: "on top of the floor's SDK call ours opens the session cookie (the last one \
                   a process opened is found again, compared in constant time), reads and \
                   validates the body, checks the origin and cross-site headers, and returns the \
                   created messages (their JSON, escaped again into Lambda's response: the floor \
                   answers an empty 200) and the metrics line"
            .to_owned(),
    }
}

/// Every route within [`ROUTE_FLOOR_RATIO_TARGET`] of its own floor, in instructions.
pub fn route_floors_target(r: &Results) -> Target {
    let name = format!(
        "every route ≤ {ROUTE_FLOOR_RATIO_TARGET}× its own floor in instructions per request"
    );
    let mut ratios: Vec<(&str, Option<f64>)> = FUNCTIONS
        .iter()
        .map(|function| (*function, over_its_floor(r, function)))
        .collect();
    ratios.sort_by(|a, b| {
        b.1.unwrap_or(f64::INFINITY)
            .total_cmp(&a.1.unwrap_or(f64::INFINITY))
    });
    let within = ratios
        .iter()
        .filter(|(_, ratio)| ratio.is_some_and(|ratio| ratio <= ROUTE_FLOOR_RATIO_TARGET))
        .count();
    let beyond: Vec<String> = ratios
        .iter()
        .filter(|(_, ratio)| !ratio.is_some_and(|ratio| ratio <= ROUTE_FLOOR_RATIO_TARGET))
        .map(|(function, ratio)| {
            ratio.map_or(format!("{function} not counted"), |ratio| {
                format!("{function} {ratio:.2}×")
            })
        })
        .collect();
    let figure = if beyond.is_empty() {
        format!("all {within} routes")
    } else {
        format!(
            "{within} of {} routes; beyond: {}",
            FUNCTIONS.len(),
            beyond.join(", ")
        )
    };
    Target {
        name,
        figure,
        met: beyond.is_empty(),
        obstacle: "what a route adds to its DynamoDB calls: the session cookie, the origin and \
                   cross-site checks, the body's and the path's validation, the rows turned into \
                   the response's JSON (escaped again into Lambda's response; the floor answers \
                   an empty 200), and the metrics line"
            .to_owned(),
    }
}
