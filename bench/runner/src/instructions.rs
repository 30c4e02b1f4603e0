//! Instructions per request, counted by valgrind's cachegrind (`--cache-sim=no`): the function's
//! usual event [`REQUESTS`] times in one process and twice that in another, each after the same
//! [`WARM_UP`]; the difference over [`REQUESTS`] is one request's, Init and exit dropping out.
//! Deterministic where CPU time, in 10 ms ticks on a shared machine, is not, so two counts may
//! run side by side (`make bench` runs a function's second beside its floor's first). Under
//! callgrind, on a build with symbols, the same runs give the count by function
//! ([`crate::split`]).

use std::path::PathBuf;

use crate::Event;
use crate::measure::{Bench, Binary, Counter, Setup};
use crate::storage_proxy::Exchange;

/// Enough that a request's count varies by about 0.2% from run to run (with 10, by 0.3%:
/// allocator and hash-table states differ per request), at a few milliseconds a request.
pub const REQUESTS: usize = 50;
pub const WARM_UP: usize = 5;

/// One counted process: its instructions in all, the file the tool wrote, and the DynamoDB
/// exchanges of its last request (none against the instant stand-in).
pub struct Run {
    pub instructions: u64,
    pub file: PathBuf,
    pub last_exchanges: Vec<Exchange>,
}

/// `binary` under `tool`, on `table` in `setup`: [`WARM_UP`] requests of `event`, then
/// `requests` more.
pub async fn run(
    bench: &Bench,
    binary: &Binary,
    (table, setup): (&str, Setup),
    event: Event,
    requests: usize,
    tool: Counter,
) -> Result<Run, String> {
    let (instructions, file, last_exchanges) = bench
        .instructions(binary, table, setup, event, (WARM_UP, requests), tool)
        .await?;
    Ok(Run {
        instructions,
        file,
        last_exchanges,
    })
}

/// Instructions per request from a run of [`REQUESTS`] and one of twice as many.
pub fn per_request(once: &Run, twice: &Run) -> Result<f64, String> {
    if twice.instructions < once.instructions {
        return Err(format!(
            "{} instructions for twice the requests, {} for once",
            twice.instructions, once.instructions
        ));
    }
    Ok((twice.instructions - once.instructions) as f64 / REQUESTS as f64)
}

/// Both runs of `binary` under callgrind (the count by function), one after the other, on a
/// fresh table reset between them.
pub async fn callgrind_runs(
    bench: &Bench,
    binary: &Binary,
    event: Event,
) -> Result<[Run; 2], String> {
    let table = bench.seeded_table().await;
    let deployed = (table.as_str(), Setup::Deployed);
    let runs = async {
        let once = run(
            bench,
            binary,
            deployed,
            event.clone(),
            REQUESTS,
            Counter::Callgrind,
        )
        .await?;
        bench.reset_table(&table).await;
        let twice = run(
            bench,
            binary,
            deployed,
            event,
            2 * REQUESTS,
            Counter::Callgrind,
        )
        .await?;
        Ok([once, twice])
    }
    .await;
    bench.drop_table(&table).await;
    runs
}
