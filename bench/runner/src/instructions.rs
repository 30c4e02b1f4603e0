//! Instructions per request, counted by valgrind's cachegrind (`--cache-sim=no`): the function's
//! usual event [`REQUESTS`] times in one process and twice that in another, each after the same
//! [`WARM_UP`]; the difference over [`REQUESTS`] is one request's, Init and exit dropping out.
//! Deterministic where CPU time, in 10 ms ticks on a shared machine, is not. Under callgrind,
//! on a build with symbols, the same runs give the count by function ([`crate::split`]).

use std::path::PathBuf;

use crate::Event;
use crate::measure::{Bench, Binary, Counter};

pub const REQUESTS: usize = 10;
pub const WARM_UP: usize = 5;

/// Instructions per request of `binary` for `event`, on `table`, and the two files `tool`
/// wrote (of [`REQUESTS`] and twice as many requests).
pub async fn per_request(
    bench: &Bench,
    binary: &Binary,
    table: &str,
    event: Event,
    tool: Counter,
) -> Result<(f64, [PathBuf; 2]), String> {
    let (once, once_file) = bench
        .instructions(binary, table, event.clone(), (WARM_UP, REQUESTS), tool)
        .await?;
    bench.reset_table(table).await;
    let (twice, twice_file) = bench
        .instructions(binary, table, event, (WARM_UP, 2 * REQUESTS), tool)
        .await?;
    if twice < once {
        return Err(format!(
            "{twice} instructions for twice the requests, {once} for once"
        ));
    }
    Ok((
        (twice - once) as f64 / REQUESTS as f64,
        [once_file, twice_file],
    ))
}
