//! The "Hostile bodies" section of BENCHMARKS.md, and its target.

use std::fmt::Write as _;

use super::targets::Target;
use crate::hostile::{HostilePeaks, TARGET_MB};

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

pub fn hostile_section(w: &mut String, figures: &Result<Vec<HostilePeaks>, String>) {
    let _ = writeln!(w, "## Hostile bodies\n");
    let _ = writeln!(
        w,
        "Each body of the hostile corpus (`tests/src/hostile.rs`: forms of empty pairs, arrays of \
         zeros where each route expects its fields, deep nesting, many keys, 3 MiB strings, the \
         most values a body may hold; each just under 3 MiB) in each release function's usual \
         request, one process per function. Peak RSS (VmHWM, reset before each body through \
         `/proc/<pid>/clear_refs`) against the peak of its usual requests; the target is \
         {TARGET_MB:.0} MB whatever a client sends. The statuses: what the bodies were answered \
         (the functions that read no body answer as without it).\n"
    );
    let figures = match figures {
        Ok(figures) => figures,
        Err(reason) => {
            let _ = writeln!(w, "Not measured in this run: {reason}.\n");
            return;
        }
    };
    let _ = writeln!(
        w,
        "| function | usual peak, MB | hostile peak, MB | its body | statuses |\n|---|--:|--:|---|---|"
    );
    for peaks in figures {
        let Some((label, _, kb)) = peaks.worst() else {
            continue;
        };
        let mut statuses: Vec<u64> = peaks.bodies.iter().map(|(_, status, _)| *status).collect();
        statuses.sort_unstable();
        statuses.dedup();
        let statuses: Vec<String> = statuses.iter().map(u64::to_string).collect();
        let _ = writeln!(
            w,
            "| {} | {:.1} | {:.1} | {label} | {} |",
            peaks.function,
            mb(peaks.ordinary_kb),
            mb(*kb),
            statuses.join(", ")
        );
    }
    let _ = writeln!(w);
}

/// Every function under [`TARGET_MB`] for every body of the corpus.
pub fn hostile_target(figures: &Result<Vec<HostilePeaks>, String>) -> Target {
    let name = format!("hostile bodies: peak RSS ≤ {TARGET_MB:.0} MB");
    let worst = figures.as_ref().ok().and_then(|figures| {
        figures
            .iter()
            .filter_map(|peaks| Some((peaks.function.as_str(), peaks.worst()?)))
            .max_by_key(|(_, (_, _, kb))| *kb)
    });
    let (figure, met) = match worst {
        Some((function, (label, _, kb))) => (
            format!("largest {:.1} MB ({function}, {label})", mb(*kb)),
            mb(*kb) <= TARGET_MB,
        ),
        None => ("not measured".to_owned(), false),
    };
    Target {
        name,
        figure,
        met,
        obstacle: "a body's values held as a tree before they are checked".to_owned(),
    }
}
