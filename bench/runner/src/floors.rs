//! Each route's own SDK floor: the DynamoDB requests its function sent for the last request of
//! its first count (recorded by the counting proxy), sent again by `sdk-floor --replay`
//! (`bench/sdk-floor/src/replay.rs`) against the instant storage stand-in, which answers each as
//! DynamoDB Local answered the function. Its instructions per request are counted as the
//! function's are, so that their ratio is what the function adds to the same DynamoDB calls.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use crate::instructions::{self, REQUESTS, Run, per_request};
use crate::measure::{Bench, Binary, Counter, Setup};
use crate::storage_proxy::Exchange;
use crate::{Event, FUNCTIONS, SDK_FLOOR};

const CACHEGRIND: Counter = Counter::Cachegrind;

/// A route's floor, ready to count: `sdk-floor --replay` with its calls file.
pub struct Replay {
    pub binary: Binary,
    /// The operations it sends, in order.
    pub operations: Vec<String>,
}

/// A route's floor, counted.
pub struct Floor {
    pub per_request: f64,
    pub operations: Vec<String>,
}

/// The floor of `function`, which sent `exchanges` for one request: its calls file written
/// under `dir`, their answers given to the instant stand-in; the `sdk-floor` binary is the one
/// of `floor_dir`.
pub fn prepare(
    bench: &Bench,
    (floor_dir, level): (&Path, &str),
    function: &str,
    exchanges: &[Exchange],
    dir: &Path,
) -> Result<Replay, String> {
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
    Ok(Replay {
        binary: Binary {
            args: vec!["--replay".to_owned(), file.display().to_string()],
            ..Binary::new(
                &format!("{function}.floor"),
                level,
                floor_dir.join(SDK_FLOOR),
            )
        },
        operations: exchanges.iter().map(|e| e.operation.clone()).collect(),
    })
}

/// `function`'s floor, which sent `exchanges`, under callgrind on the build with symbols in
/// `symbols_dir` (`neptun-bench profile`): its runs of [`REQUESTS`] and twice as many requests.
pub async fn callgrind_runs(
    bench: &Bench,
    symbols_dir: &Path,
    function: &str,
    exchanges: &[Exchange],
    event: Event,
    dir: &Path,
) -> Result<[Run; 2], String> {
    let replay = prepare(bench, (symbols_dir, "symbols"), function, exchanges, dir)?;
    let instant = (FLOOR_TABLE, Setup::Instant(None));
    let callgrind = Counter::Callgrind;
    let once = instructions::run(
        bench,
        &replay.binary,
        instant,
        event.clone(),
        REQUESTS,
        callgrind,
    );
    let once = once.await?;
    let twice = instructions::run(
        bench,
        &replay.binary,
        instant,
        event,
        2 * REQUESTS,
        callgrind,
    );
    Ok([once, twice.await?])
}

/// The table a floor is told of: it sends its recorded bodies, which name the function's
/// table, to the instant stand-in, which reads no table.
const FLOOR_TABLE: &str = "replayed";

/// A floor whose first run is done, its second to come beside the next function's first.
struct Halfway {
    function: String,
    replay: Replay,
    event: Event,
    once: Run,
}

/// Instructions per request of each of `binaries` and of each function's floor, two counts at
/// a time: a function's first run (the proxy records its last request) beside the previous
/// function's floor's second, then its second beside its own floor's first. The floors are
/// `sdk-floor --replay` of `floor_dir` at `level`, their calls files under `dir`.
pub async fn count_all(
    bench: &Bench,
    binaries: &[&Binary],
    (floor_dir, level): (&Path, &str),
    dir: &Path,
) -> (
    BTreeMap<String, Result<f64, String>>,
    BTreeMap<String, Result<Floor, String>>,
) {
    let mut counted = BTreeMap::new();
    let mut floors = BTreeMap::new();
    let mut halfway: Option<Halfway> = None;
    for binary in binaries {
        let name = binary.name.clone();
        let table = bench.seeded_table().await;
        let event = bench.main_event(&name);
        let deployed = (table.as_str(), Setup::Deployed);
        let (once, finished) = tokio::join!(
            instructions::run(bench, binary, deployed, event.clone(), REQUESTS, CACHEGRIND),
            finish(bench, halfway.take()),
        );
        if let Some((function, floor)) = finished {
            report_floor(&function, &floor);
            floors.insert(function, floor);
        }
        bench.reset_table(&table).await;
        let replay = match &once {
            _ if !FUNCTIONS.contains(&name.as_str()) => None,
            Ok(run) => Some(prepare(
                bench,
                (floor_dir, level),
                &name,
                &run.last_exchanges,
                dir,
            )),
            Err(_) => Some(Err("the function was not counted".to_owned())),
        };
        let floor_once = async {
            match &replay {
                Some(Ok(replay)) => Some(
                    instructions::run(
                        bench,
                        &replay.binary,
                        (FLOOR_TABLE, Setup::Instant(None)),
                        event.clone(),
                        REQUESTS,
                        CACHEGRIND,
                    )
                    .await,
                ),
                _ => None,
            }
        };
        let (twice, floor_once) = tokio::join!(
            instructions::run(
                bench,
                binary,
                deployed,
                event.clone(),
                2 * REQUESTS,
                CACHEGRIND
            ),
            floor_once,
        );
        let measured = once.and_then(|once| per_request(&once, &twice?));
        match &measured {
            Ok(count) => eprintln!("   {name:<31} {count:>12.0}"),
            Err(error) => eprintln!("   {name:<31} not counted: {error}"),
        }
        counted.insert(name.clone(), measured);
        match (replay, floor_once) {
            (Some(Ok(replay)), Some(Ok(once))) => {
                halfway = Some(Halfway {
                    function: name,
                    replay,
                    event,
                    once,
                });
            }
            (Some(Err(error)), _) | (Some(Ok(_)), Some(Err(error))) => {
                report_floor(&name, &Err(error.clone()));
                floors.insert(name, Err(error));
            }
            _ => {}
        }
        bench.drop_table(&table).await;
    }
    if let Some((function, floor)) = finish(bench, halfway).await {
        report_floor(&function, &floor);
        floors.insert(function, floor);
    }
    (counted, floors)
}

/// The second run of a floor, and its count.
async fn finish(
    bench: &Bench,
    halfway: Option<Halfway>,
) -> Option<(String, Result<Floor, String>)> {
    let Halfway {
        function,
        replay,
        event,
        once,
    } = halfway?;
    let twice = instructions::run(
        bench,
        &replay.binary,
        (FLOOR_TABLE, Setup::Instant(None)),
        event,
        2 * REQUESTS,
        CACHEGRIND,
    )
    .await;
    let floor = twice
        .and_then(|twice| per_request(&once, &twice))
        .map(|per_request| Floor {
            per_request,
            operations: replay.operations,
        });
    Some((function, floor))
}

fn report_floor(function: &str, floor: &Result<Floor, String>) {
    match floor {
        Ok(floor) => eprintln!(
            "   {:<31} {:>12.0} ({})",
            format!("{function}'s floor"),
            floor.per_request,
            floor.operations.join(", ")
        ),
        Err(error) => eprintln!("   {function}'s floor not counted: {error}"),
    }
}
