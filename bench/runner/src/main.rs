//! `make bench`: measures every function against a bare `lambda_http` hello-world, and
//! create-chat-messages against its peers (the Node peer of `bench/node-peer`, the SDK floor of
//! `bench/sdk-floor`), side by side in one run, and writes BENCHMARKS.md.
//!
//! Everything runs in this process but the storage engine (`NEPTUN_TEST_DYNAMODB_ENDPOINT`): a
//! counting proxy in front of it, a TLS 1.3 terminator in front of the proxy (with a CA made
//! for the run), and one Runtime API stand-in per function process. The
//! release binaries are spawned as Lambda would: a fresh process whose Init ends at its first
//! `GET /2018-06-01/runtime/invocation/next`.
//!
//! Settings (environment, `scripts/bench.sh` sets them):
//! - `BENCH_BIN_DIR`: the release binaries (default `target/release`);
//! - `BENCH_ZIP_DIR` + `BENCH_ZIP_ARCH`: `<dir>/<name>/bootstrap` to zip for the package size
//!   (`target/lambda`, `arm64`, from `cargo lambda build --arm64`); x86_64 is always zipped too;
//! - `BENCH_OPT_LEVEL`: the opt-level of `BENCH_BIN_DIR`; `BENCH_VARIANTS`: other opt-levels,
//!   as `level=dir` pairs, measured on [`VARIANT_BINARIES`];
//! - `BENCH_SPAWNS` ([`DEFAULT_SPAWNS`]) cold starts per binary, `BENCH_REQUESTS`
//!   ([`DEFAULT_REQUESTS`]) requests per binary for CPU time, `BENCH_SLICE_SPAWNS`
//!   ([`DEFAULT_SLICE_SPAWNS`], 0 skips them) cold starts per binary under each of Lambda's CPU
//!   shares (a cgroup v1 CPU quota);
//! - `BENCH_OUTPUT` (default `BENCHMARKS.md`), `BENCH_STARTED` and `BENCH_BUILD_SECONDS` (for
//!   the duration of `make bench`).

mod cpu_slice;
mod erasure;
mod floors;
mod fresh_cases;
mod function_latency;
mod hostile;
mod import;
mod instant_storage;
mod instructions;
mod measure;
mod playground_save;
mod report;
mod rows;
mod runtime_api;
mod share_passwords;
mod split;
mod storage_proxy;
mod tls_terminator;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use measure::{Bench, Binary, ColdSample, Setup, Steady};
use neptun_core::functions::Function;

/// The functions, as named under `functions/` and `events/`.
/// Every HTTP function, as `neptun_core::functions` lists them.
pub const FUNCTIONS: [&str; Function::ALL.len()] = Function::NAMES;
/// The creates and reads, each of which must be exactly one DynamoDB request, a read's
/// erasure check (a `GetItem` beside it) aside (the lifecycle routes read before they write:
/// their counts are reported, not a target).
pub const ONE_REQUEST_FUNCTIONS: [&str; 7] = [
    "create-chat",
    "list-chats",
    "create-chat-messages",
    "list-chat-messages",
    "create-chat-files",
    "get-chat-files",
    "get-chat-file-content",
];
/// The function that erases a user's chats (`{"all": true}`), measured on a large user.
pub const ERASING_FUNCTION: &str = "delete-chats";
/// The architecture template.yaml deploys, whose packages `BENCH_ZIP_DIR` holds by default.
pub const DEPLOYED_ARCH: &str = "arm64";
pub const HELLO: &str = "hello-baseline";
pub const NODE_PEER: &str = "node-peer";
pub const SDK_FLOOR: &str = "sdk-floor";
/// Other implementations of one function, measured with its event against its table.
pub const PEERS: [&str; 2] = [NODE_PEER, SDK_FLOOR];
pub const PEERS_OF: &str = "create-chat-messages";
/// The Node peer's script and its lock file, under the repository.
pub const NODE_PEER_SCRIPT: &str = "bench/node-peer/index.mjs";
pub const NODE_PEER_LOCK: &str = "bench/node-peer/package-lock.json";
/// The binaries built at every opt-level of the comparison: the baseline, one create, one list.
pub const VARIANT_BINARIES: [&str; 3] = [HELLO, "create-chat-messages", "list-chat-messages"];
// The quick run's sizes (`scripts/bench.sh` sets the long run's under BENCH_FULL=1).
pub const DEFAULT_SPAWNS: usize = 8;
pub const DEFAULT_REQUESTS: usize = 200;
pub const DEFAULT_SLICE_SPAWNS: usize = 2;
/// Warm requests after the first one, per cold start.
pub const WARM_PER_SPAWN: usize = 4;
/// Cold starts of the SDK floor per round and setup, with and without the warm-up: the
/// denominator of every function's cold-start ratio, so its median must not be one lucky draw
/// of a few spawns.
pub const FLOOR_COLD_STARTS_PER_ROUND: usize = 4;

/// When the run began, for [`phase!`].
static RUN_STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// A phase's heading on stderr, after the seconds since the run began: where a run's time goes.
macro_rules! phase {
    ($($arg:tt)*) => {
        eprintln!(
            "[{:>4} s] {}",
            RUN_STARTED.get_or_init(Instant::now).elapsed().as_secs(),
            format_args!($($arg)*)
        )
    };
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn env_number(name: &str, default: usize) -> usize {
    let raw = env_or(name, &default.to_string());
    raw.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{name} must be a whole number, got {raw:?}"))
}

/// Everything measured, for the report.
pub struct Results {
    pub machine: report::Machine,
    /// Where the measured binaries were built (`target/release`, or `target/debug` for a try).
    pub bin_dir: PathBuf,
    pub main_level: String,
    pub spawns: usize,
    pub requests: usize,
    pub zip_arch: Option<String>,
    /// Per binary name: (zipped bytes of the arm64 build if any, zipped bytes of x86_64, raw x86_64 bytes).
    pub sizes: BTreeMap<String, (Option<u64>, u64, u64)>,
    /// Per (level, binary name, setup): cold starts.
    pub cold: BTreeMap<(String, String, Setup), Vec<ColdSample>>,
    /// Per (level, binary name): steady state (storage over TLS).
    pub steady: BTreeMap<(String, String), Steady>,
    /// Per binary name ([`PEERS_OF`] and its peers): steady state with the storage over plain
    /// HTTP.
    pub steady_plain: BTreeMap<String, Steady>,
    /// The trust check of the compiled-in roots ([`measure::Bench::trust_check`]).
    pub trust: Vec<measure::TrustOutcome>,
    /// Per peer: whether it wrote the same rows as [`PEERS_OF`] (what was compared), or how not.
    pub peer_rows: BTreeMap<String, Result<String, String>>,
    /// Per function: the name of the event it is measured with.
    pub events: BTreeMap<String, String>,
    /// Per function: (case, DynamoDB requests per API request by operation).
    pub counts: BTreeMap<String, measure::RouteCounts>,
    /// Per level other than the main one: zipped x86_64 bytes per binary.
    pub variant_sizes: BTreeMap<(String, String), u64>,
    pub measure_seconds: f64,
    /// Per memory size: the CPU share its quota group gives and its period (µs), or why it
    /// could not be measured.
    pub cpu_slices: Result<Vec<(u32, f64, u64)>, String>,
    pub slice_spawns: usize,
    /// What a share's password costs the public read, per CPU share and way of reading.
    pub share_passwords: Result<Vec<share_passwords::PasswordCost>, String>,
    /// The playground's 1,000-message save.
    pub playground_save: Result<measure::Steady, String>,
    /// Per binary: instructions per request of its usual event (cachegrind), or why not.
    pub instructions: BTreeMap<String, Result<f64, String>>,
    /// Per function: its own floor's instructions per request ([`floors`]), or why not.
    pub floors: BTreeMap<String, Result<floors::Floor, String>>,
    /// [`PEERS_OF`]'s and the SDK floor's instructions per request by part ([`split::PARTS`]).
    pub split: Result<Vec<(String, [f64; 4])>, String>,
    /// [`PEERS_OF`] and its peers against the instant storage stand-in.
    pub latency: Result<Vec<function_latency::Latency>, String>,
    /// The hostile corpus's peak memory, per function.
    pub hostile: Result<Vec<hostile::HostilePeaks>, String>,
}

#[tokio::main]
async fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("erasure") => return erasure_only().await,
        Some("import") => return import::import_only().await,
        Some("profile") => return profile(std::env::args().skip(2).collect()).await,
        _ => {}
    }
    let started = *RUN_STARTED.get_or_init(Instant::now);
    let root = neptun_tests::repo_root();
    let bin_dir = PathBuf::from(env_or("BENCH_BIN_DIR", "target/release"));
    let main_level = env_or("BENCH_OPT_LEVEL", "?");
    let spawns = env_number("BENCH_SPAWNS", DEFAULT_SPAWNS);
    let requests = env_number("BENCH_REQUESTS", DEFAULT_REQUESTS);
    let slice_spawns = env_number("BENCH_SLICE_SPAWNS", DEFAULT_SLICE_SPAWNS);
    let output = PathBuf::from(env_or("BENCH_OUTPUT", "BENCHMARKS.md"));
    let zip_dir = std::env::var("BENCH_ZIP_DIR")
        .ok()
        .filter(|d| !d.is_empty());
    let zip_arch = zip_dir
        .as_ref()
        .map(|_| env_or("BENCH_ZIP_ARCH", DEPLOYED_ARCH));
    let variants: Vec<(String, PathBuf)> = env_or("BENCH_VARIANTS", "")
        .split_whitespace()
        .map(|pair| {
            let (level, dir) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("BENCH_VARIANTS: expected level=dir, got {pair:?}"));
            (level.to_owned(), PathBuf::from(dir))
        })
        .collect();

    let mut binaries: Vec<Binary> = std::iter::once(HELLO)
        .chain(FUNCTIONS)
        .chain([SDK_FLOOR])
        .map(|name| Binary::new(name, &main_level, bin_dir.join(name)))
        .collect();
    binaries.push(Binary::script(
        NODE_PEER,
        &main_level,
        "node",
        root.join(NODE_PEER_SCRIPT),
    ));

    for (level, dir) in &variants {
        for name in VARIANT_BINARIES {
            binaries.push(Binary::new(name, level, dir.join(name)));
        }
    }
    // BENCH_ONLY=name,name: a subset, for investigating (the report still needs hello).
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        binaries.retain(|b| b.name == HELLO || only.contains(&b.name.as_str()));
    }
    for binary in &binaries {
        assert!(
            binary.path.is_file(),
            "{} is missing: build it first (make bench does)",
            binary.path.display()
        );
    }
    if binaries.iter().any(|b| b.name == NODE_PEER) {
        assert!(
            root.join("bench/node-peer/node_modules").is_dir(),
            "bench/node-peer/node_modules is missing: run `npm ci` there (make bench does)"
        );
    }

    phase!("== package sizes");
    let zips = root.join("target/bench/zip");
    std::fs::create_dir_all(&zips).expect("create target/bench/zip");
    let mut sizes = BTreeMap::new();
    let mut variant_sizes = BTreeMap::new();
    for binary in binaries
        .iter()
        .filter(|b| !PEERS.contains(&b.name.as_str()))
    {
        let x86 = measure::zipped_size(
            &binary.path,
            &zips.join(format!("{}-{}-x86_64.zip", binary.name, binary.level)),
        );
        if binary.level != main_level {
            variant_sizes.insert((binary.level.clone(), binary.name.clone()), x86);
            continue;
        }
        let arm = zip_dir.as_ref().map(|dir| {
            let bootstrap = PathBuf::from(dir).join(&binary.name).join("bootstrap");
            assert!(bootstrap.is_file(), "{} is missing", bootstrap.display());
            measure::zipped_size(
                &bootstrap,
                &zips.join(format!(
                    "{}-{}.zip",
                    binary.name,
                    zip_arch.as_deref().unwrap_or(DEPLOYED_ARCH)
                )),
            )
        });
        let raw = std::fs::metadata(&binary.path).map_or(0, |m| m.len());
        sizes.insert(binary.name.clone(), (arm, x86, raw));
    }

    let mut bench = Bench::start(root.join("target/bench/logs")).await;
    let cpu_slices = if slice_spawns == 0 {
        Err("BENCH_SLICE_SPAWNS=0".to_owned())
    } else {
        cpu_slice::MEMORY_SIZES_MB
            .iter()
            .map(|memory_mb| cpu_slice::CpuGroup::create(*memory_mb))
            .collect::<Result<Vec<_>, _>>()
    };
    let cpu_slices = cpu_slices.map(|groups| {
        let shares: Vec<(u32, f64, u64)> = groups
            .iter()
            .map(|g| (g.memory_mb, g.share(), g.period_us))
            .collect();
        bench.cpu_groups = groups;
        shares
    });
    let bench = bench;

    phase!(
        "== cold starts: {spawns} rounds over {} binaries (first request, then {WARM_PER_SPAWN} warm ones)",
        binaries.len()
    );
    let mut tables = BTreeMap::new();
    for name in std::iter::once(HELLO).chain(FUNCTIONS).chain(PEERS) {
        tables.insert(name.to_owned(), bench.seeded_table().await);
    }
    // Interleaved rounds, so that drift on the machine touches every binary alike.
    let mut configurations: Vec<(&Binary, Setup)> = Vec::new();
    for binary in &binaries {
        let is_function = FUNCTIONS.contains(&binary.name.as_str());
        let is_peer = PEERS.contains(&binary.name.as_str());
        let floor_repeats = if binary.name == SDK_FLOOR {
            FLOOR_COLD_STARTS_PER_ROUND
        } else {
            1
        };
        for _ in 0..floor_repeats {
            configurations.push((binary, Setup::Deployed));
            if binary.level == main_level && (is_function || is_peer) {
                configurations.push((binary, Setup::NoWarmUp));
            }
        }
        if binary.level == main_level && (is_function || is_peer) {
            configurations.push((binary, Setup::PlainHttp));
        }
        if binary.level == main_level && is_function {
            configurations.push((binary, Setup::PlainHttpNoWarmUp));
            configurations.push((binary, Setup::SystemRoots));
            configurations.push((binary, Setup::SecretsManager));
        }
    }
    let mut cold: BTreeMap<(String, String, Setup), Vec<ColdSample>> = BTreeMap::new();
    for round in 0..spawns {
        if round > 0 && round % 5 == 0 {
            for table in tables.values() {
                bench.reset_table(table).await;
            }
        }
        for (binary, setup) in &configurations {
            let event = bench.main_event(&binary.name);
            let sample = bench
                .cold_sample(binary, &tables[&binary.name], *setup, event, WARM_PER_SPAWN)
                .await
                .unwrap_or_else(|error| panic!("{} ({}): {error}", binary.name, binary.level));
            cold.entry((binary.level.clone(), binary.name.clone(), *setup))
                .or_default()
                .push(sample);
        }
        eprint!("\r   round {}/{spawns}", round + 1);
    }
    eprintln!();

    match &cpu_slices {
        Ok(shares) => {
            phase!(
                "== under Lambda's CPU share: {slice_spawns} cold starts per binary and memory size"
            );
            for (memory_mb, _, _) in shares {
                for round in 0..slice_spawns {
                    for table in tables.values() {
                        bench.reset_table(table).await;
                    }
                    // The Node peer once per share: its cold start, some 14 s at 128 MB and a
                    // hundred times ours, needs no second sample, and would take a third of
                    // this phase.
                    let sampled = binaries
                        .iter()
                        .filter(|b| b.level == main_level && (round == 0 || b.name != NODE_PEER));
                    for binary in sampled {
                        let setup = Setup::Throttled(*memory_mb);
                        let sample = bench
                            .cold_sample(
                                binary,
                                &tables[&binary.name],
                                setup,
                                bench.main_event(&binary.name),
                                WARM_PER_SPAWN,
                            )
                            .await
                            .unwrap_or_else(|error| {
                                panic!("{} ({memory_mb} MB of CPU): {error}", binary.name)
                            });
                        cold.entry((binary.level.clone(), binary.name.clone(), setup))
                            .or_default()
                            .push(sample);
                    }
                    eprint!("\r   {memory_mb} MB: round {}/{slice_spawns}", round + 1);
                }
                eprintln!();
            }
        }
        Err(reason) => phase!("== CPU share of Lambda not measured: {reason}"),
    }

    let trust = match binaries
        .iter()
        .find(|b| b.name == PEERS_OF && b.level == main_level)
    {
        Some(binary) => {
            phase!(
                "== trust check: {PEERS_OF} against the run's CA, a root outside the compiled-in set"
            );
            let outcomes = bench
                .trust_check(binary, &tables[PEERS_OF], bench.main_event(PEERS_OF))
                .await;
            for outcome in &outcomes {
                eprintln!(
                    "   {:?}: status {:?}, handshakes completed {}, refused {}",
                    outcome.setup, outcome.status, outcome.accepted, outcome.refused
                );
            }
            outcomes
        }
        None => Vec::new(),
    };

    for table in tables.values() {
        bench.drop_table(table).await;
    }

    phase!("== steady state: {requests} requests per binary (CPU, RSS, requests to storage)");
    let mut steady = BTreeMap::new();
    let mut steady_plain = BTreeMap::new();
    let mut counts = BTreeMap::new();
    let mut written = BTreeMap::new();
    for binary in &binaries {
        let table = bench.seeded_table().await;
        let is_function = FUNCTIONS.contains(&binary.name.as_str());
        let cases = if binary.level == main_level && is_function {
            bench.count_cases(&binary.name)
        } else {
            Vec::new()
        };
        let (result, route_counts) = bench
            .steady(
                binary,
                &table,
                Setup::Deployed,
                bench.main_event(&binary.name),
                requests,
                &cases,
            )
            .await
            .unwrap_or_else(|error| panic!("{} ({}): {error}", binary.name, binary.level));
        eprintln!(
            "   {:<22} {:>2}  {:>7.1} µs/request  max RSS {:>6} kB",
            binary.name, binary.level, result.cpu_us_per_request, result.max_rss_kb
        );
        if !cases.is_empty() {
            counts.insert(binary.name.clone(), route_counts);
        }
        steady.insert((binary.level.clone(), binary.name.clone()), result);
        if binary.level == main_level
            && (binary.name == PEERS_OF || PEERS.contains(&binary.name.as_str()))
        {
            written.insert(binary.name.clone(), bench.message_rows(&table).await);
        }
        bench.drop_table(&table).await;
        let compared = binary.name == PEERS_OF || PEERS.contains(&binary.name.as_str());
        if binary.level == main_level && compared {
            let table = bench.seeded_table().await;
            let event = bench.main_event(&binary.name);
            let (result, _) = bench
                .steady(binary, &table, Setup::PlainHttp, event, requests, &[])
                .await
                .unwrap_or_else(|error| panic!("{} (plain HTTP): {error}", binary.name));
            eprintln!(
                "   {:<22} plain HTTP {:>7.1} µs/request  max RSS {:>6} kB",
                binary.name, result.cpu_us_per_request, result.max_rss_kb
            );
            steady_plain.insert(binary.name.clone(), result);
            bench.drop_table(&table).await;
        }
    }

    let share_passwords = match binaries
        .iter()
        .find(|b| b.name == share_passwords::FUNCTION && b.level == main_level)
    {
        Some(binary) => {
            phase!(
                "== share passwords: {} at each CPU share",
                share_passwords::FUNCTION
            );
            let slices: Vec<u32> = cpu_slices
                .as_ref()
                .map(|shares| shares.iter().map(|(memory_mb, _, _)| *memory_mb).collect())
                .unwrap_or_default();
            share_passwords::measure(&bench, binary, &slices).await
        }
        None => Err(format!("{} was not built", share_passwords::FUNCTION)),
    };
    if let Err(reason) = &share_passwords {
        eprintln!("   share passwords not measured: {reason}");
    }

    let playground_save = match binaries
        .iter()
        .find(|b| b.name == playground_save::FUNCTION && b.level == main_level)
    {
        Some(binary) => {
            phase!("== a {}-message save", playground_save::MESSAGES);
            playground_save::measure(&bench, binary).await
        }
        None => Err(format!("{} was not built", playground_save::FUNCTION)),
    };
    match &playground_save {
        Ok(save) => eprintln!(
            "   {:.2} ms CPU per save, max RSS {} kB, {:?} DynamoDB requests per save",
            save.cpu_us_per_request / 1e3,
            save.max_rss_kb,
            save.storage_per_request
        ),
        Err(reason) => eprintln!("   the 1,000-message save not measured: {reason}"),
    }

    phase!(
        "== instructions per request (cachegrind): {} and {} requests, one process each",
        instructions::REQUESTS,
        2 * instructions::REQUESTS
    );
    let counted_binaries: Vec<&Binary> = binaries
        .iter()
        .filter(|b| b.level == main_level && b.name != NODE_PEER)
        .collect();
    let (counted, floors) = floors::count_all(
        &bench,
        &counted_binaries,
        (&bin_dir, &main_level),
        &root.join("target/bench/floors"),
    )
    .await;
    let compared: Vec<&Binary> = binaries
        .iter()
        .filter(|b| {
            b.level == main_level && (b.name == PEERS_OF || PEERS.contains(&b.name.as_str()))
        })
        .collect();
    phase!(
        "== the function's own latency: {} binaries against the instant storage stand-in",
        compared.len()
    );
    let memory_sizes: Vec<u32> = bench.cpu_groups.iter().map(|g| g.memory_mb).collect();
    let latency = function_latency::measure(&bench, &compared, &memory_sizes).await;
    match &latency {
        Ok(rows) => {
            for row in rows {
                eprintln!(
                    "   {:<22} {:>5}: {:?}",
                    row.name,
                    row.memory_mb
                        .map_or("core".to_owned(), |mb| format!("{mb} MB")),
                    row.steady.latencies.iter().min()
                );
            }
        }
        Err(reason) => eprintln!("   not measured: {reason}"),
    }

    let split = split_of_the_create(&bench, &main_level).await;
    match &split {
        Ok(parts) => {
            for (name, figures) in parts {
                eprintln!("   {name}: {figures:.0?} ({})", split::PARTS.join("; "));
            }
        }
        Err(reason) => eprintln!("   the split by function not measured: {reason}"),
    }

    let functions: Vec<&Binary> = binaries
        .iter()
        .filter(|b| b.level == main_level && FUNCTIONS.contains(&b.name.as_str()))
        .collect();
    phase!(
        "== hostile bodies: peak memory of {} functions",
        functions.len()
    );
    let hostile = hostile::measure(&bench, &functions).await;
    if let Err(reason) = &hostile {
        eprintln!("   hostile bodies not measured: {reason}");
    }

    if std::env::var_os("BENCH_ONLY").is_some() {
        for ((level, name, setup), samples) in &cold {
            let mut starts: Vec<f64> = samples
                .iter()
                .map(|s| s.cold_start.as_secs_f64() * 1e3)
                .collect();
            starts.sort_by(f64::total_cmp);
            let mut firsts: Vec<f64> = samples
                .iter()
                .map(|s| s.first.as_secs_f64() * 1e3)
                .collect();
            firsts.sort_by(f64::total_cmp);
            eprintln!(
                "   {name} ({level}, {setup:?}): cold start median {:.2} ms, first request median {:.2} ms",
                starts[starts.len() / 2],
                firsts[firsts.len() / 2]
            );
        }
        phase!("== BENCH_ONLY: no report written");
        return;
    }
    let ours = written.get(PEERS_OF).cloned().unwrap_or_default();
    let peer_rows = PEERS
        .iter()
        .filter_map(|peer| {
            let theirs = written.get(*peer)?;
            Some(((*peer).to_owned(), rows::compare(&ours, theirs)))
        })
        .collect();
    let events = FUNCTIONS
        .iter()
        .map(|name| ((*name).to_owned(), bench.main_event_label(name)))
        .collect();
    let results = Results {
        machine: report::Machine::detect(&root.join(NODE_PEER_LOCK)),
        bin_dir,
        main_level,
        spawns,
        requests,
        zip_arch,
        sizes,
        cold,
        steady,
        steady_plain,
        trust,
        peer_rows,
        events,
        counts,
        variant_sizes,
        measure_seconds: started.elapsed().as_secs_f64(),
        cpu_slices,
        slice_spawns,
        share_passwords,
        playground_save,
        instructions: counted,
        floors,
        split,
        latency,
        hostile,
    };
    let text = report::render(&results, !variants.is_empty());
    std::fs::write(&output, text)
        .unwrap_or_else(|error| panic!("write {}: {error}", output.display()));
    let summary = report::summary(&results);
    for line in &summary {
        eprintln!("   {line}");
    }
    phase!("== wrote {}", output.display());
    drop(bench);
}

/// A shared event body.
pub type Event = Arc<str>;

/// [`PEERS_OF`] and the SDK floor under callgrind, with `BENCH_SPLIT=1`, from the builds with
/// symbols of `BENCH_SYMBOLS_DIR` (`target/bench-symbols`, which `scripts/bench.sh` builds
/// then).
async fn split_of_the_create(
    bench: &Bench,
    level: &str,
) -> Result<Vec<(String, [f64; 4])>, String> {
    if std::env::var("BENCH_SPLIT").as_deref() != Ok("1") {
        return Err("only in the long run (`BENCH_FULL=1 make bench`)".to_owned());
    }
    let dir = PathBuf::from(env_or("BENCH_SYMBOLS_DIR", "target/bench-symbols"));
    let mut parts = Vec::new();
    for (name, marks) in [(PEERS_OF, split::OURS), (SDK_FLOOR, split::FLOOR)] {
        let binary = Binary::new(name, level, dir.join(name));
        if !binary.path.is_file() {
            return Err(format!(
                "{} is not built (`BENCH_FULL=1 make bench` builds it)",
                binary.path.display()
            ));
        }
        let runs = instructions::callgrind_runs(bench, &binary, bench.main_event(PEERS_OF)).await;
        let [once, twice] = runs?.map(|run| run.file);
        parts.push((name.to_owned(), split::split(&once, &twice, &marks)?));
    }
    Ok(parts)
}

/// `neptun-bench profile NAME...`: each named binary's usual event under callgrind, on the
/// build with symbols (`BENCH_SYMBOLS_DIR`, `target/bench-symbols`), [`instructions::REQUESTS`]
/// and twice as many requests: the two files whose difference `callgrind_annotate` shows by
/// function; for a route, its floor's two files too (`sdk-floor` of the same build).
async fn profile(names: Vec<String>) {
    let root = neptun_tests::repo_root();
    let dir = PathBuf::from(env_or("BENCH_SYMBOLS_DIR", "target/bench-symbols"));
    let bench = Bench::start(root.join("target/bench/logs")).await;
    for name in names {
        let binary = Binary::new(&name, "symbols", dir.join(&name));
        let event = bench.main_event(&name);
        let runs = instructions::callgrind_runs(&bench, &binary, event.clone()).await;
        let exchanges = runs
            .as_ref()
            .map(|[once, _]| once.last_exchanges.clone())
            .unwrap_or_default();
        report_profile(&name, runs);
        // Its floor beside it, when it is a route: what the function adds is the difference.
        if FUNCTIONS.contains(&name.as_str()) {
            let floors = root.join("target/bench/floors-symbols");
            let runs =
                floors::callgrind_runs(&bench, &dir, &name, &exchanges, event, &floors).await;
            report_profile(&format!("{name}'s floor"), runs);
        }
    }
}

fn report_profile(name: &str, runs: Result<[instructions::Run; 2], String>) {
    match runs.and_then(|[once, twice]| {
        let count = instructions::per_request(&once, &twice)?;
        Ok((count, once.file, twice.file))
    }) {
        Ok((count, once, twice)) => eprintln!(
            "{name}: {count:.0} instructions per request; callgrind: {} and {}",
            once.display(),
            twice.display()
        ),
        Err(error) => eprintln!("{name}: {error}"),
    }
}

/// `neptun-bench erasure`: only the erasure of a large user ([`erasure`]), on a storage engine
/// of its own (`scripts/bench-erasure.sh` starts a fresh one: the main run's engine, after an
/// hour of load, stalls on 25,000 writes), its section of BENCHMARKS.md written to
/// `BENCH_ERASURE_OUT`.
async fn erasure_only() {
    let root = neptun_tests::repo_root();
    let bin_dir = PathBuf::from(env_or("BENCH_BIN_DIR", "target/release"));
    let level = env_or("BENCH_OPT_LEVEL", "?");
    let output = PathBuf::from(env_or("BENCH_ERASURE_OUT", "target/bench/erasure.md"));
    let binary = Binary::new(ERASING_FUNCTION, &level, bin_dir.join(ERASING_FUNCTION));
    assert!(
        binary.path.is_file(),
        "{} is missing: build it first (make bench does)",
        binary.path.display()
    );
    let bench = Bench::start(root.join("target/bench/logs")).await;
    // BENCH_ERASURE_CHATS=5000: only the sizes named (comma-separated), the others reported
    // as not measured.
    let only = std::env::var("BENCH_ERASURE_CHATS").unwrap_or_default();
    let wanted = |chats: u64| {
        only.trim().is_empty() || only.split(',').any(|n| n.trim() == chats.to_string())
    };
    let mut figures = Vec::new();
    for size in erasure::SIZES {
        if !wanted(size.chats) {
            figures.push(Err("left out of this run (BENCH_ERASURE_CHATS)".to_owned()));
            continue;
        }
        phase!(
            "== erasure: {} chats in {} projects, {} messages",
            size.chats,
            erasure::PROJECTS,
            size.chats as usize * size.messages_per_chat
        );
        let measured = erasure::measure(&bench, &binary, size).await;
        if let Err(error) = &measured {
            eprintln!("   not measured: {error}");
        }
        figures.push(measured);
    }
    let text = report::erasure_section(&figures, &report::Machine::date());
    std::fs::write(&output, text)
        .unwrap_or_else(|error| panic!("write {}: {error}", output.display()));
    phase!("== wrote {}", output.display());
}
