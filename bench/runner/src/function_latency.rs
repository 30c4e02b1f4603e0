//! The function's own latency: create-chat-messages, the Node peer and the SDK floor against the
//! instant storage stand-in ([`crate::instant_storage`]), on the whole core and at each of
//! Lambda's CPU shares, so that their ratio compares the functions, not the storage engine's
//! moods.

use crate::measure::{Bench, Binary, Setup, Steady};

/// Requests measured per binary and CPU share, after [`WARM_UP`] more.
pub const REQUESTS: usize = 60;
pub const WARM_UP: usize = 10;

/// One binary at one CPU share (`None`: the whole core).
pub struct Latency {
    pub name: String,
    pub memory_mb: Option<u32>,
    pub steady: Steady,
}

/// Each of `binaries` with its usual event, on the whole core and in the CPU quota group of
/// each of `memory_sizes`.
pub async fn measure(
    bench: &Bench,
    binaries: &[&Binary],
    memory_sizes: &[u32],
) -> Result<Vec<Latency>, String> {
    let mut rows = Vec::new();
    for binary in binaries {
        for memory_mb in std::iter::once(None).chain(memory_sizes.iter().copied().map(Some)) {
            let steady = bench
                .requests_cost(
                    binary,
                    "instant",
                    Setup::Instant(memory_mb),
                    bench.main_event(&binary.name),
                    WARM_UP,
                    REQUESTS,
                )
                .await
                .map_err(|error| format!("{} at {memory_mb:?} MB: {error}", binary.name))?;
            rows.push(Latency {
                name: binary.name.clone(),
                memory_mb,
                steady,
            });
        }
    }
    Ok(rows)
}
