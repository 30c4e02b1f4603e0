//! The "A 1,000-message save" section of BENCHMARKS.md.

use std::fmt::Write as _;

use super::stats::Spread;
use crate::measure::Steady;
use crate::playground_save::{self, FUNCTION, MESSAGE_CHARS, MESSAGES};

pub fn playground_save_section(w: &mut String, steady: &Result<Steady, String>) {
    let _ = writeln!(w, "## A 1,000-message save\n");
    let _ = writeln!(
        w,
        "The web app's playground saves its whole conversation in one request: the release \
         `{FUNCTION}` storing {MESSAGES} AI SDK messages of {MESSAGE_CHARS} characters \
         (`events/{}` with that body, about 1.6 MB), {} saves to one chat in one process after \
         {} more. CPU per request from /proc/<pid>/stat, latency as the Runtime API sees it \
         (DynamoDB Local's included).\n",
        playground_save::EVENT,
        playground_save::REQUESTS,
        playground_save::WARM_UP,
    );
    let steady = match steady {
        Ok(steady) => steady,
        Err(reason) => {
            let _ = writeln!(w, "Not measured in this run: {reason}.\n");
            return;
        }
    };
    let latency = Spread::of(steady.latencies.iter().map(|d| d.as_secs_f64() * 1e3));
    let requests: Vec<String> = steady
        .storage_per_request
        .iter()
        .map(|(operation, n)| format!("{n:.0} {operation}"))
        .collect();
    let _ = writeln!(
        w,
        "| CPU per save, ms | latency median, ms | p90, ms | max RSS, MB | DynamoDB requests per save |\n|--:|--:|--:|--:|---|"
    );
    let _ = writeln!(
        w,
        "| {:.2} | {} | {} | {:.1} | {} |\n",
        steady.cpu_us_per_request / 1e3,
        latency.map_or("-".to_owned(), |l| format!("{:.1}", l.median)),
        latency.map_or("-".to_owned(), |l| format!("{:.1}", l.p90)),
        steady.max_rss_kb as f64 / 1024.0,
        requests.join(" + "),
    );
}
