//! The "Share passwords" section of BENCHMARKS.md.

use std::fmt::Write as _;

use neptun_core::shares::password::{LANES, MEMORY_KIB, PASSES};

use super::stats::Spread;
use crate::share_passwords::{self, FUNCTION, PasswordCost};

pub fn share_passwords_section(w: &mut String, rows: &Result<Vec<PasswordCost>, String>) {
    let _ = writeln!(w, "## Share passwords\n");
    let _ = writeln!(
        w,
        "The release `{FUNCTION}` reading `events/{}` (a protected share with a password: \
         `Authorization: Basic`, so one Argon2id verification, m={MEMORY_KIB} KiB, t={PASSES}, \
         p={LANES}), and the same request presenting the access cookie instead (an HMAC-SHA-256), \
         {} requests per row in one process after {} more, on the whole core and in the CPU \
         quota group of Lambda's share at each memory size. CPU per request from \
         /proc/<pid>/stat, latency as the Runtime API sees it.\n",
        share_passwords::EVENT,
        share_passwords::REQUESTS,
        share_passwords::WARM_UP,
    );
    let rows = match rows {
        Ok(rows) => rows,
        Err(reason) => {
            let _ = writeln!(w, "Not measured in this run: {reason}.\n");
            return;
        }
    };
    let _ = writeln!(
        w,
        "| CPU | presented | CPU per request, ms | latency median, ms | p90, ms | max RSS, MB | DynamoDB requests |\n|---|---|--:|--:|--:|--:|---|"
    );
    for row in rows {
        let cpu = row
            .memory_mb
            .map_or_else(|| "whole core".to_owned(), |mb| format!("{mb} MB share"));
        let latency = Spread::of(row.steady.latencies.iter().map(|d| d.as_secs_f64() * 1e3));
        let requests: Vec<String> = row
            .steady
            .storage_per_request
            .iter()
            .map(|(operation, n)| format!("{n:.0} {operation}"))
            .collect();
        let _ = writeln!(
            w,
            "| {cpu} | {} | {:.2} | {} | {} | {:.1} | {} |",
            row.presented.describe(),
            row.steady.cpu_us_per_request / 1e3,
            latency.map_or("-".to_owned(), |l| format!("{:.1}", l.median)),
            latency.map_or("-".to_owned(), |l| format!("{:.1}", l.p90)),
            row.steady.max_rss_kb as f64 / 1024.0,
            requests.join(" + "),
        );
    }
    let _ = writeln!(w);
}
