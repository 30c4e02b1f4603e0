//! Instructions per request, counted by valgrind's cachegrind (`--cache-sim=no`): the function's
//! usual event [`REQUESTS`] times in one process and twice that in another, each after the same
//! [`WARM_UP`]; the difference over [`REQUESTS`] is one request's, Init and exit dropping out.
//! Deterministic where CPU time, in 10 ms ticks on a shared machine, is not.

use crate::Event;
use crate::measure::{Bench, Binary};

pub const REQUESTS: usize = 20;
pub const WARM_UP: usize = 5;

/// Instructions per request of `binary` for `event`, on `table`.
pub async fn per_request(
    bench: &Bench,
    binary: &Binary,
    table: &str,
    event: Event,
) -> Result<f64, String> {
    let once = bench
        .instructions(binary, table, event.clone(), WARM_UP, REQUESTS)
        .await?;
    bench.reset_table(table).await;
    let twice = bench
        .instructions(binary, table, event, WARM_UP, 2 * REQUESTS)
        .await?;
    if twice < once {
        return Err(format!(
            "{twice} instructions for twice the requests, {once} for once"
        ));
    }
    Ok((twice - once) as f64 / REQUESTS as f64)
}
