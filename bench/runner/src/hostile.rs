//! The hostile corpus (`neptun_tests::hostile`) against every release function: each body in
//! the function's usual request, its status and the process's peak memory for it, next to the
//! peak of its usual requests. The target: no function above [`TARGET_MB`], whatever it is sent.

use std::sync::Arc;

use neptun_tests::hostile::{corpus, with_body};
use serde_json::Value;

use crate::measure::{Bench, Binary};

/// The most memory any request may take a function to (MB of peak RSS).
pub const TARGET_MB: f64 = 40.0;

/// One function's figures.
pub struct HostilePeaks {
    pub function: String,
    /// Peak RSS after its usual requests, kB.
    pub ordinary_kb: u64,
    /// Per body of the corpus: its label, the status answered, the peak RSS in kB.
    pub bodies: Vec<(String, u64, u64)>,
}

impl HostilePeaks {
    /// The body that took the most memory, and its peak in kB.
    pub fn worst(&self) -> Option<&(String, u64, u64)> {
        self.bodies.iter().max_by_key(|(_, _, kb)| *kb)
    }
}

/// The corpus against each of `functions`, one process each.
pub async fn measure(bench: &Bench, functions: &[&Binary]) -> Result<Vec<HostilePeaks>, String> {
    let corpus = corpus();
    let mut figures = Vec::with_capacity(functions.len());
    for binary in functions {
        let ordinary = bench.main_event(&binary.name);
        let event: Value =
            serde_json::from_str(&ordinary).map_err(|error| format!("{}: {error}", binary.name))?;
        let bodies: Vec<(String, Arc<str>)> = corpus
            .iter()
            .map(|body| {
                let event = with_body(&event, body).to_string();
                (body.label.to_owned(), Arc::from(event))
            })
            .collect();
        let table = bench.seeded_table().await;
        let measured = bench
            .peak_memory(binary, &table, ordinary, &bodies)
            .await
            .map_err(|error| format!("{}: {error}", binary.name));
        bench.drop_table(&table).await;
        let (ordinary_kb, bodies) = measured?;
        let peaks = HostilePeaks {
            function: binary.name.clone(),
            ordinary_kb,
            bodies,
        };
        if let Some((label, status, kb)) = peaks.worst() {
            eprintln!(
                "   {:<31} usual {:>6} kB, hostile up to {kb:>6} kB ({label}: {status})",
                peaks.function, peaks.ordinary_kb
            );
        }
        figures.push(peaks);
    }
    Ok(figures)
}
