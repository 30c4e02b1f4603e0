//! Instructions per request, counted by valgrind's cachegrind (`--cache-sim=no`): the function's
//! usual event [`REQUESTS`] times in one process and twice that in another, each after the same
//! [`WARM_UP`]; the difference over [`REQUESTS`] is one request's, Init and exit dropping out.
//! Deterministic where CPU time, in 10 ms ticks on a shared machine, is not. Under callgrind,
//! on a build with symbols, the same runs give the count by function ([`crate::split`]).

use std::path::PathBuf;

use crate::Event;
use crate::measure::{Bench, Binary, Counter, Setup};
use crate::storage_proxy::Exchange;

pub const REQUESTS: usize = 10;
pub const WARM_UP: usize = 5;

/// What one count found: instructions per request, the two files the tool wrote (of
/// [`REQUESTS`] and twice as many requests), and the DynamoDB exchanges of the first run's last
/// request.
pub struct Counted {
    pub per_request: f64,
    pub files: [PathBuf; 2],
    pub last_exchanges: Vec<Exchange>,
}

/// Instructions per request of `binary` for `event`, on `table` in `setup`.
pub async fn per_request(
    bench: &Bench,
    binary: &Binary,
    table: &str,
    setup: Setup,
    event: Event,
    tool: Counter,
) -> Result<Counted, String> {
    let (once, once_file, last_exchanges) = bench
        .instructions(
            binary,
            table,
            setup,
            event.clone(),
            (WARM_UP, REQUESTS),
            tool,
        )
        .await?;
    bench.reset_table(table).await;
    let (twice, twice_file, _) = bench
        .instructions(binary, table, setup, event, (WARM_UP, 2 * REQUESTS), tool)
        .await?;
    if twice < once {
        return Err(format!(
            "{twice} instructions for twice the requests, {once} for once"
        ));
    }
    Ok(Counted {
        per_request: (twice - once) as f64 / REQUESTS as f64,
        files: [once_file, twice_file],
        last_exchanges,
    })
}
