//! Each route's own SDK floor: the DynamoDB requests its function sent for the last of its
//! counted requests (recorded by the counting proxy), sent again by `sdk-floor --replay`
//! (`bench/sdk-floor/src/replay.rs`) against the instant storage stand-in, which answers each as
//! DynamoDB Local answered the function. Its instructions per request are counted as the
//! function's are, so that their ratio is what the function adds to the same DynamoDB calls.

use std::path::Path;

use serde_json::json;

use crate::instructions::{self, Counted};
use crate::measure::{Bench, Binary, Counter, Setup};
use crate::storage_proxy::Exchange;
use crate::{Event, SDK_FLOOR};

/// A route's floor: instructions per request, and the operations it sends, in order.
pub struct Floor {
    pub per_request: f64,
    pub operations: Vec<String>,
}

/// The floor of `function`, which sent `exchanges` for one request of `event`; the
/// `sdk-floor` binary is the one of `floor_dir`, its calls file is written under `dir`.
pub async fn count(
    bench: &Bench,
    (floor_dir, level): (&Path, &str),
    function: &str,
    table: &str,
    event: Event,
    exchanges: &[Exchange],
    dir: &Path,
) -> Result<Floor, String> {
    if exchanges.is_empty() {
        return Err("its request sent nothing to DynamoDB".to_owned());
    }
    let calls = exchanges
        .iter()
        .map(|exchange| {
            let body = std::str::from_utf8(&exchange.request_body)
                .map_err(|error| format!("a {} body: {error}", exchange.operation))?;
            Ok(json!({"operation": exchange.operation, "body": body}))
        })
        .collect::<Result<Vec<_>, String>>()?;
    std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let file = dir.join(format!("{function}.json"));
    std::fs::write(&file, serde_json::Value::Array(calls).to_string())
        .map_err(|error| format!("{}: {error}", file.display()))?;
    bench.replay_answers(exchanges);
    let binary = Binary {
        args: vec!["--replay".to_owned(), file.display().to_string()],
        ..Binary::new(
            &format!("{function}.floor"),
            level,
            floor_dir.join(SDK_FLOOR),
        )
    };
    let Counted { per_request, .. } = instructions::per_request(
        bench,
        &binary,
        table,
        Setup::Instant(None),
        event,
        Counter::Cachegrind,
    )
    .await?;
    Ok(Floor {
        per_request,
        operations: exchanges.iter().map(|e| e.operation.clone()).collect(),
    })
}
