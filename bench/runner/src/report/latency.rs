//! The "The function's own latency" section of BENCHMARKS.md.

use std::fmt::Write as _;

use super::stats::{Spread, ratio};
use crate::function_latency::{Latency, REQUESTS, WARM_UP};
use crate::{NODE_PEER, PEERS_OF, Results, SDK_FLOOR};

/// The median latency (ms) of `name` at `memory_mb` (`None`: the whole core).
pub fn median_ms(r: &Results, name: &str, memory_mb: Option<u32>) -> Option<f64> {
    let rows = r.latency.as_ref().ok()?;
    let row = rows
        .iter()
        .find(|row| row.name == name && row.memory_mb == memory_mb)?;
    spread(row).map(|s| s.median)
}

fn spread(row: &Latency) -> Option<Spread> {
    Spread::of(row.steady.latencies.iter().map(|d| d.as_secs_f64() * 1e3))
}

pub fn latency_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## The function's own latency\n");
    let _ = writeln!(
        w,
        "`{PEERS_OF}`, `{NODE_PEER}` and `{SDK_FLOOR}` against a storage stand-in that answers \
         every DynamoDB request at once with a valid answer (`bench/runner/src/instant_storage.rs`, \
         over a TLS terminator of its own), so that the latency is the function's: {REQUESTS} \
         requests in one warm process after {WARM_UP} more, as the Runtime API sees them, on the \
         whole core and in the CPU quota of each memory size (a period of 20 ms). DynamoDB Local \
         stays for the request counts and the rows.\n"
    );
    let rows = match &r.latency {
        Ok(rows) if !rows.is_empty() => rows,
        Ok(_) => {
            let _ = writeln!(
                w,
                "Not measured in this run: none of the three was built.\n"
            );
            return;
        }
        Err(reason) => {
            let _ = writeln!(w, "Not measured in this run: {reason}.\n");
            return;
        }
    };
    let mut shares: Vec<Option<u32>> = Vec::new();
    for row in rows {
        if !shares.contains(&row.memory_mb) {
            shares.push(row.memory_mb);
        }
    }
    let label =
        |share: &Option<u32>| share.map_or("whole core".to_owned(), |mb| format!("{mb} MB"));
    let header: Vec<String> = shares
        .iter()
        .map(|share| format!("{}: median (p90), ms", label(share)))
        .collect();
    let _ = writeln!(
        w,
        "| binary | {} | CPU per request, µs |\n|---|{}--:|",
        header.join(" | "),
        "--:|".repeat(shares.len())
    );
    for name in [PEERS_OF, NODE_PEER, SDK_FLOOR] {
        let cells: Vec<String> = shares
            .iter()
            .map(|share| {
                rows.iter()
                    .find(|row| row.name == name && row.memory_mb == *share)
                    .and_then(spread)
                    .map_or("-".to_owned(), |s| {
                        format!("{:.2} ({:.2})", s.median, s.p90)
                    })
            })
            .collect();
        let cpu = rows
            .iter()
            .find(|row| row.name == name && row.memory_mb.is_none())
            .map_or("-".to_owned(), |row| {
                format!("{:.0}", row.steady.cpu_us_per_request)
            });
        let _ = writeln!(w, "| {name} | {} | {cpu} |", cells.join(" | "));
    }
    let times = |over: &str, under: &str| -> Vec<String> {
        shares
            .iter()
            .map(
                |share| match (median_ms(r, over, *share), median_ms(r, under, *share)) {
                    (Some(a), Some(b)) => {
                        ratio(a, b).map_or("-".to_owned(), |t| format!("{t:.2}×"))
                    }
                    _ => "-".to_owned(),
                },
            )
            .collect()
    };
    let _ = writeln!(
        w,
        "| {NODE_PEER} ÷ ours | {} | |",
        times(NODE_PEER, PEERS_OF).join(" | ")
    );
    let _ = writeln!(
        w,
        "| ours ÷ {SDK_FLOOR} | {} | |\n",
        times(PEERS_OF, SDK_FLOOR).join(" | ")
    );
}
