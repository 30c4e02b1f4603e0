//! The text of BENCHMARKS.md. Every figure in it comes from the [`Results`] of the run that
//! writes it; what is not measured is shown as `–` or said to be not measured.

use std::fmt::Write as _;

use super::stats::{self, Spread, ms, ratio};
use super::targets::{self, CPU_TARGET_FUNCTION, ZIP_TARGET_BYTES};
use crate::measure::{self, Counts, STEADY_WARM_UP, Setup};
use crate::{
    DEPLOYED_ARCH, FLOOR_COLD_STARTS_PER_ROUND, FUNCTIONS, HELLO, NODE_PEER, NODE_PEER_SCRIPT,
    PEERS, PEERS_OF, Results, SDK_FLOOR, VARIANT_BINARIES,
};

use crate::cpu_slice::FULL_VCPU_MB;

pub fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

/// `value` with `decimals` decimals, or `–` when it was not measured.
pub fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.decimals$}"))
}

/// A whole number without decimals, anything else with two.
pub fn trim_number(n: f64) -> String {
    if (n - n.round()).abs() < 1e-9 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.2}")
    }
}

/// "median (p10–p90)".
fn spread(s: Option<Spread>) -> String {
    s.map_or_else(
        || "–".to_owned(),
        |s| format!("{:.2} ({:.2}–{:.2})", s.median, s.p10, s.p90),
    )
}

pub(super) fn describe_counts(counts: &Counts) -> String {
    if counts.is_empty() {
        return "0".to_owned();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(operation, n)| format!("{} {}", trim_number(*n), operation))
        .collect();
    parts.join(" + ")
}

/// The whole of BENCHMARKS.md. `compared`: the run measured other opt-levels too.
pub fn render(r: &Results, compared: bool) -> String {
    let mut out = String::new();
    let w = &mut out;
    header(w, r);
    targets_section(w, r);
    cold_section(w, r);
    first_section(w, r);
    steady_section(w, r);
    peers_section(w, r);
    super::instructions::instructions_section(w, r);
    super::latency::latency_section(w, r);
    slices_section(w, r);
    super::share_passwords::share_passwords_section(w, &r.share_passwords);
    super::playground_save::playground_save_section(w, &r.playground_save);
    super::hostile::hostile_section(w, &r.hostile);
    memory_section(w, r);
    let _ = writeln!(w, "## opt-level\n");
    if compared {
        opt_section(w, r);
    } else {
        let _ = writeln!(
            w,
            "Not measured in this run: `BENCH_OPT_LEVELS=\"3 s z\" make bench` builds the other \
             opt-levels and compares them.\n"
        );
    }
    method_section(w);
    out
}

fn header(w: &mut String, r: &Results) {
    let m = &r.machine;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "Written by `make bench` ({}). Every function and `{HELLO}` (a bare `lambda_http` \
         hello-world with the same features and tokio flavour, kept in `bench/hello` as the \
         floor, never deployed) are measured side by side in one run: the binaries of `{}`, \
         opt-level `{}`. Timing lives here, not in the tests.\n",
        m.date,
        r.bin_dir.display(),
        r.main_level
    );
    let _ = writeln!(w, "## Machine\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(w, "| CPU | {} ({} cores) |", m.cpu, m.cores);
    let _ = writeln!(w, "| memory | {} |", m.memory);
    let _ = writeln!(w, "| kernel | {} |", m.kernel);
    let _ = writeln!(w, "| virtualization | {} |", m.virtualization);
    let _ = writeln!(w, "| rustc | {} |", m.rustc);
    let _ = writeln!(w, "| node | {} |", m.node);
    let _ = writeln!(w, "| date | {} |", m.date);
    let _ = writeln!(
        w,
        "| run | {} cold starts per binary, {} requests per binary for CPU time; measuring took \
         {:.0} s{}; requests repeated because the local storage stalled: {} |\n",
        r.spawns,
        r.requests,
        r.measure_seconds,
        duration_note(),
        measure::STORAGE_STALLS.load(std::sync::atomic::Ordering::Relaxed),
    );
    let _ = writeln!(
        w,
        "Cold start, latency and CPU are measured natively on this {} machine; the functions \
         deploy on arm64 (Graviton), whose absolute figures differ. The package size is that \
         of the {} build{}.\n",
        std::env::consts::ARCH,
        r.package_arch(),
        if r.zip_arch.is_some() {
            " from `cargo lambda build --release --arm64`, the one `make build` deploys"
        } else {
            " (the aarch64 target is not installed here, so the arm64 size is not measured)"
        }
    );
}

/// How long `make bench` took, from `BENCH_STARTED` and `BENCH_BUILD_SECONDS`.
fn duration_note() -> String {
    let seconds = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match (seconds("BENCH_STARTED"), seconds("BENCH_BUILD_SECONDS")) {
        (Some(started), Some(build)) => format!(
            "; this `make bench` took {:.1} min, {:.1} min of it building",
            now.saturating_sub(started) as f64 / 60.0,
            build as f64 / 60.0
        ),
        _ => String::new(),
    }
}

fn targets_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## Targets\n");
    let _ = writeln!(w, "| target | this run | |\n|---|---|---|");
    let all = targets::evaluate(r);
    for target in &all {
        let _ = writeln!(
            w,
            "| {} | {} | {} |",
            target.name,
            target.figure,
            if target.met { "met" } else { "**missed**" }
        );
    }
    let missed: Vec<_> = all.iter().filter(|target| !target.met).collect();
    if !missed.is_empty() {
        let _ = writeln!(w, "\nWhat stands in the way of the missed ones:\n");
        for target in missed {
            let _ = writeln!(w, "- **{}**: {}.", target.name, target.obstacle);
        }
    }
    let _ = writeln!(w);
}

fn cold_section(w: &mut String, r: &Results) {
    // The first zip column is the deployed architecture's, empty when it was not built.
    let arch = r.zip_arch.as_deref().unwrap_or(DEPLOYED_ARCH);
    let hello = r.hello_cold(&r.main_level);
    let times_hello = |median: f64| fixed(hello.and_then(|h| ratio(median, h)), 2);
    let _ = writeln!(w, "## Package size and cold start\n");
    let _ = writeln!(
        w,
        "Zip: the binary as `bootstrap`, deflated (as `sam build` packages it). Cold start: from \
         spawning the process to its first `GET /2018-06-01/runtime/invocation/next` on the \
         Runtime API stand-in (Init done), median and p10–p90 over {} spawns; Init CPU: time \
         on CPU of the process until then (schedstat, mean). The storage is reached over HTTPS \
         as DynamoDB is: a TLS 1.3 terminator in front of the engine with a certificate of a CA \
         made for the run, which the functions trust through `NEPTUN_EXTRA_CA_FILE` next to the \
         {} compiled-in Amazon roots, so Init's warm-up includes a real handshake and \
         certificate verification. \"Without warm-up\": the same binary with \
         `DYNAMODB_WARM_UP=false`, no storage request during Init. \"Plain HTTP\": the storage \
         without the TLS hop (the figures before it). \"System store\": as deployed, with the \
         opt-in `NEPTUN_TRUST_SYSTEM_ROOTS=true` (the machine's whole trust store, the SDK's \
         default, parsed at Init). \"Secrets Manager at Init\": as deployed, plus the \
         `GetSecretValue` call of Init for the session secret (`NEPTUN_SESSION_SECRET_ARN`) to \
         a local stand-in behind the same TLS terminator, under another host name so that it \
         takes a connection and handshake of its own, as the real endpoint does; a real \
         endpoint adds its network round trips.\n",
        r.spawns, r.machine.amazon_roots
    );
    let _ = writeln!(
        w,
        "| function | zip ({arch}) | zip (x86_64) | cold start, ms | × hello | Init CPU, ms | \
         without warm-up, ms | × hello | plain HTTP, ms | plain HTTP without warm-up, ms | \
         system store, ms | Secrets Manager at Init, ms |"
    );
    let _ = writeln!(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for name in std::iter::once(HELLO).chain(FUNCTIONS) {
        let (arm, x86) = r
            .sizes
            .get(name)
            .map_or((None, None), |(arm, x86, _)| (*arm, Some(*x86)));
        let on = r.main(name, Setup::Deployed);
        let other = |setup| (name != HELLO).then(|| r.main(name, setup)).flatten();
        let off = other(Setup::NoWarmUp);
        let cold = |f: Option<stats::ColdFigures>| spread(f.map(|f| f.cold));
        let cold_times = |f: Option<stats::ColdFigures>| {
            f.map_or_else(|| "–".to_owned(), |f| times_hello(f.cold.median))
        };
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            arm.map_or_else(|| "–".to_owned(), mb),
            x86.map_or_else(|| "–".to_owned(), mb),
            cold(on),
            cold_times(on),
            fixed(on.map(|f| f.init_cpu), 2),
            cold(off),
            cold_times(off),
            cold(other(Setup::PlainHttp)),
            cold(other(Setup::PlainHttpNoWarmUp)),
            cold(other(Setup::SystemRoots)),
            cold(other(Setup::SecretsManager)),
        );
    }
    let _ = writeln!(w);
    trust_section(w, r);
}

/// The trust check: a chain to a root outside the compiled-in set is refused, the opt-ins
/// accept it.
fn trust_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "### Trust store\n");
    if r.trust.is_empty() {
        let _ = writeln!(
            w,
            "Not checked in this run ({PEERS_OF} was not measured).\n"
        );
        return;
    }
    let _ = writeln!(
        w,
        "{PEERS_OF} started once per setting against the TLS terminator, whose chain ends at \
         the run's CA (a root outside the compiled-in set), and invoked once: the handshakes \
         the terminator completed and refused (Init's warm-up and the SDK's retries included), \
         and the invocation's status.\n"
    );
    let _ = writeln!(
        w,
        "| trust setting | handshakes completed | refused | status | verdict |\n|---|--:|--:|---|---|"
    );
    for outcome in &r.trust {
        let (label, expected_refusal) = match outcome.setup {
            Setup::CompiledRootsOnly => ("compiled-in Amazon roots only (the default)", true),
            Setup::SystemStoreWithRunCa => (
                "`NEPTUN_TRUST_SYSTEM_ROOTS=true`, `SSL_CERT_FILE` = the run's CA",
                false,
            ),
            _ => (
                "`NEPTUN_EXTRA_CA_FILE` = the run's CA (as measured above)",
                false,
            ),
        };
        let verdict = match (expected_refusal, outcome.refused(), outcome.accepted()) {
            (true, true, _) => "refused, as it must be",
            (false, _, true) => "accepted, as it must be",
            (true, false, _) => "**not refused**",
            (false, _, false) => "**not accepted**",
        };
        let _ = writeln!(
            w,
            "| {label} | {} | {} | {} | {verdict} |",
            outcome.accepted,
            outcome.refused,
            match &outcome.status {
                Ok(code) => code.to_string(),
                Err(error) => error.chars().take(80).collect(),
            }
        );
    }
    let _ = writeln!(w);
}

fn first_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## First request after a cold start vs warm requests\n");
    let _ = writeln!(
        w,
        "Latency from handing the event out at `/next` to receiving `/response`, against the \
         local storage behind the TLS terminator and the counting proxy (plain HTTP: the proxy \
         only). First: the first invocation of each of the {} cold starts above; warm: the {} \
         invocations that followed each of them. Median (p10–p90), ms.\n",
        r.spawns,
        crate::WARM_PER_SPAWN
    );
    let _ = writeln!(
        w,
        "| function | first | warm | first ÷ warm | without warm-up: first | first ÷ warm | \
         plain HTTP: first | without warm-up: first |"
    );
    let _ = writeln!(w, "|---|--:|--:|--:|--:|--:|--:|--:|");
    for name in std::iter::once(HELLO).chain(FUNCTIONS) {
        let on = r.main(name, Setup::Deployed);
        let other = |setup| (name != HELLO).then(|| r.main(name, setup)).flatten();
        let off = other(Setup::NoWarmUp);
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            spread(on.map(|f| f.first)),
            spread(on.map(|f| f.warm)),
            fixed(on.and_then(|f| f.first_over_warm()), 2),
            spread(off.map(|f| f.first)),
            fixed(off.and_then(|f| f.first_over_warm()), 2),
            spread(other(Setup::PlainHttp).map(|f| f.first)),
            spread(other(Setup::PlainHttpNoWarmUp).map(|f| f.first)),
        );
    }
    let saved = |on: Setup, off: Setup| {
        stats::mean(FUNCTIONS.iter().filter_map(|name| {
            let on = r.main(name, on)?;
            let off = r.main(name, off)?;
            Some(off.first.median - on.first.median)
        }))
    };
    let _ = writeln!(
        w,
        "\nWhat the warm-up takes off the first request (mean over the functions of the \
         difference of medians): {} ms over TLS, {} ms over plain HTTP.\n\n{WARM_UP_NOTE}\n",
        fixed(saved(Setup::Deployed, Setup::NoWarmUp), 2),
        fixed(saved(Setup::PlainHttp, Setup::PlainHttpNoWarmUp), 2),
    );
}

fn steady_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## Per request: storage, CPU, memory\n");
    let _ = writeln!(
        w,
        "One process per function serves {} requests of its event after {STEADY_WARM_UP} \
         unmeasured ones. CPU: user + sys of the function process from `/proc/<pid>/stat` over \
         those requests (clock ticks of 1/{} s), per request, not counting the storage server; \
         the schedstat column is the same in nanoseconds (live threads). Warm latency: median \
         (min–max) of those requests. Max RSS: `VmHWM` at the end. DynamoDB requests are \
         counted by the proxy in front of the storage, where they arrive.\n",
        r.requests,
        r.steady
            .values()
            .next()
            .map_or_else(|| "–".to_owned(), |s| s.clock_ticks_per_second.to_string())
    );
    let _ = writeln!(
        w,
        "| function | event | DynamoDB requests per request | CPU µs/request | (schedstat) | \
         warm latency, ms | max RSS |"
    );
    let _ = writeln!(w, "|---|---|---|--:|--:|--:|--:|");
    for name in std::iter::once(HELLO).chain(FUNCTIONS) {
        let Some(s) = r.steady_main(name) else {
            continue;
        };
        let event = if name == HELLO {
            "any"
        } else {
            r.events.get(name).map_or("–", String::as_str)
        };
        let latency = Spread::of(s.latencies.iter().map(|d| ms(*d))).map_or_else(
            || "–".to_owned(),
            |l| format!("{:.2} ({:.2}–{:.2})", l.median, l.min, l.max),
        );
        let _ = writeln!(
            w,
            "| {name} | {event} | {} | {:.1} | {:.1} | {latency} | {} |",
            describe_counts(&s.storage_per_request),
            s.cpu_us_per_request,
            s.schedstat_us_per_request,
            mb(s.max_rss_kb * 1024),
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "### DynamoDB requests of every route\n");
    let _ = writeln!(
        w,
        "Every 2xx sample event under `events/`, and each create with an `Idempotency-Key` \
         (a fresh key per request), sent {} times in a row; requests per API request. The \
         requests that change what the next one finds (a chat's first share, a share's delete, \
         a new email on a whitelist, a wrong password; `bench/runner/src/fresh_cases.rs`) are \
         each sent to the sample data as seeded. The Init warm-up adds one `GetItem` per cold \
         start, not per request.\n",
        measure::COUNT_REQUESTS
    );
    let _ = writeln!(w, "| function | case | DynamoDB requests per request |");
    let _ = writeln!(w, "|---|---|---|");
    for name in FUNCTIONS {
        for (case, counts) in r.counts.get(name).map(Vec::as_slice).unwrap_or(&[]) {
            let _ = writeln!(w, "| {name} | {case} | {} |", describe_counts(counts));
        }
    }
    let _ = writeln!(w);
}

fn peers_section(w: &mut String, r: &Results) {
    let packages: Vec<String> = r
        .machine
        .node_packages
        .iter()
        .map(|(name, version)| format!("`{name}` {version}"))
        .collect();
    let _ = writeln!(
        w,
        "## Peers: the same create on other stacks
"
    );
    let _ = writeln!(
        w,
        "{PEERS_OF} with its measured event, next to two other implementations of it, in the \
         same run, behind the same Runtime API stand-in, against the same storage engine and \
         table layout, each on its own seeded table:\n\n\
         - **{NODE_PEER}**: the web app's own libraries on the machine's Node ({}), pinned by \
         `bench/node-peer/package-lock.json` ({}): the cookie unsealed by `iron-webcrypto` as \
         h3 does, the body validated by a `zod` schema of the same body, the same rows written \
         with the SDK's `TransactWriteItems`; `node {NODE_PEER_SCRIPT}` is a minimal runtime \
         loop (`/next` → handler → `/response` on one kept-alive connection), like the managed \
         Node runtime's, without its command-line flags.\n\
         - **{SDK_FLOOR}** (`bench/sdk-floor`): only the same `TransactWriteItems`, through our \
         SDK client settings (`neptun_dynamo::client::function_sdk_config`) on `lambda_http`: no \
         session, no validation (the body is only decoded), no response model. What ours \
         costs above it is ours, not the SDK's.\n\n\
         Both make the same Init warm-up as ours and reach the storage the same way (over the \
         TLS terminator, the Node peer trusting the run's CA through `NODE_EXTRA_CA_CERTS`; \
         the rows \"over plain HTTP\" without it). Cold start, first request and Init CPU: \
         median (p10–p90) over the {} cold starts ({FLOOR_COLD_STARTS_PER_ROUND} times as many for \
         the SDK floor, with and without the warm-up: the denominator of every function's \
         cold-start ratio); warm latency, CPU and max RSS: the {} \
         requests of the steady state; at 128 MB of CPU: the warm requests after the cold \
         starts under that CPU share. Ratios: ours ÷ the peer's.\n",
        r.machine.node,
        if packages.is_empty() {
            "no lock file found".to_owned()
        } else {
            packages.join(", ")
        },
        r.spawns,
        r.requests,
    );
    let _ = write!(w, "| | {PEERS_OF} (ours) |");
    for peer in PEERS {
        let _ = write!(w, " {peer} | ours ÷ {peer} |");
    }
    let _ = writeln!(w, "\n|---|--:|--:|--:|--:|--:|");
    let cold = |name: &str| r.main(name, Setup::Deployed);
    let cold_plain = |name: &str| r.main(name, Setup::PlainHttp);
    let steady = |name: &str| r.steady_main(name);
    let steady_plain = |name: &str| r.steady_plain.get(name);
    let warm =
        |name: &str| steady(name).and_then(|s| Spread::of(s.latencies.iter().map(|d| ms(*d))));
    type Metric<'a> = (
        &'a str,
        Box<dyn Fn(&str) -> Option<f64> + 'a>,
        Box<dyn Fn(&str) -> String + 'a>,
    );
    let metrics: Vec<Metric> = vec![
        (
            "cold start, ms",
            Box::new(|name: &str| cold(name).map(|f| f.cold.median)),
            Box::new(|name: &str| spread(cold(name).map(|f| f.cold))),
        ),
        (
            "Init CPU, ms",
            Box::new(|name: &str| cold(name).map(|f| f.init_cpu)),
            Box::new(|name: &str| fixed(cold(name).map(|f| f.init_cpu), 2)),
        ),
        (
            "first request, ms",
            Box::new(|name: &str| cold(name).map(|f| f.first.median)),
            Box::new(|name: &str| spread(cold(name).map(|f| f.first))),
        ),
        (
            "warm latency, ms",
            Box::new(|name: &str| warm(name).map(|s| s.median)),
            Box::new(|name: &str| spread(warm(name))),
        ),
        (
            "CPU µs/request (user + sys)",
            Box::new(|name: &str| steady(name).map(|s| s.cpu_us_per_request)),
            Box::new(|name: &str| fixed(steady(name).map(|s| s.cpu_us_per_request), 1)),
        ),
        (
            "cold start over plain HTTP, ms",
            Box::new(|name: &str| cold_plain(name).map(|f| f.cold.median)),
            Box::new(|name: &str| spread(cold_plain(name).map(|f| f.cold))),
        ),
        (
            "CPU µs/request over plain HTTP",
            Box::new(|name: &str| steady_plain(name).map(|s| s.cpu_us_per_request)),
            Box::new(|name: &str| fixed(steady_plain(name).map(|s| s.cpu_us_per_request), 1)),
        ),
        (
            "warm latency at 128 MB of CPU, ms",
            Box::new(|name: &str| r.main(name, Setup::Throttled(128)).map(|f| f.warm.median)),
            Box::new(|name: &str| spread(r.main(name, Setup::Throttled(128)).map(|f| f.warm))),
        ),
        (
            "max RSS",
            Box::new(|name: &str| steady(name).map(|s| s.max_rss_kb as f64)),
            Box::new(|name: &str| {
                steady(name).map_or_else(|| "–".to_owned(), |s| mb(s.max_rss_kb * 1024))
            }),
        ),
    ];
    for (label, value, text) in &metrics {
        let _ = write!(w, "| {label} | {} |", text(PEERS_OF));
        for peer in PEERS {
            let times = value(PEERS_OF)
                .zip(value(peer))
                .and_then(|(a, b)| ratio(a, b));
            let _ = write!(w, " {} | {} |", text(peer), fixed(times, 2));
        }
        let _ = writeln!(w);
    }
    let _ = write!(
        w,
        "| DynamoDB requests per request | {} |",
        steady(PEERS_OF).map_or_else(
            || "–".to_owned(),
            |s| describe_counts(&s.storage_per_request)
        )
    );
    for peer in PEERS {
        let _ = write!(
            w,
            " {} | |",
            steady(peer).map_or_else(
                || "–".to_owned(),
                |s| describe_counts(&s.storage_per_request)
            )
        );
    }
    let _ = write!(w, "\n| rows written | |");
    for peer in PEERS {
        let verdict = match r.peer_rows.get(peer) {
            Some(Ok(_)) => "as ours".to_owned(),
            Some(Err(difference)) => format!("**differ**: {difference}"),
            None => "–".to_owned(),
        };
        let _ = write!(w, " {verdict} | |");
    }
    let _ = writeln!(w, "\n");
    if let Some(Ok(compared)) = r.peer_rows.values().find(|outcome| outcome.is_ok()) {
        let _ = writeln!(
            w,
            "Rows written: the message rows left in each table after the steady state, the \
             fullest of each compared with ours ({compared}).\n"
        );
    }
}

fn slices_section(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## Under Lambda's CPU share\n");
    let shares = match &r.cpu_slices {
        Ok(shares) => shares,
        Err(reason) => {
            let _ = writeln!(
                w,
                "Not measured in this run: the machine did not allow a CPU quota group \
                 ({reason}).\n"
            );
            return;
        }
    };
    let described: Vec<String> = shares
        .iter()
        .map(|(memory_mb, share, _)| format!("{:.2}% of one CPU at {memory_mb} MB", share * 100.0))
        .collect();
    let _ = writeln!(
        w,
        "Each binary once more, {} cold starts per memory size (the Node peer one), started \
         inside a cgroup v1 CPU \
         quota (`cpu.cfs_quota_us` / `cpu.cfs_period_us`) of Lambda's share at that memory \
         size ({}; a full vCPU at {FULL_VCPU_MB:.0} MB), so that Init is throttled too, with \
         `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` set to match. Medians, ms: cold start, the first \
         request, and the {} warm ones after each. The kernel hands the quota out per period \
         ({} ms here): work that fits in what is left of a period's quota runs at full speed, \
         work beyond it waits for the next period.\n",
        r.slice_spawns,
        described.join(", "),
        crate::WARM_PER_SPAWN,
        fixed(shares.first().map(|(_, _, period)| *period as f64 / 1e3), 0),
    );
    let _ = write!(w, "| binary |");
    for (memory_mb, _, _) in shares {
        let _ = write!(w, " {memory_mb} MB: cold start | first | warm |");
    }
    let _ = write!(w, "\n|---|");
    for _ in shares {
        let _ = write!(w, "--:|--:|--:|");
    }
    let _ = writeln!(w);
    for name in std::iter::once(HELLO).chain(FUNCTIONS).chain(PEERS) {
        let _ = write!(w, "| {name} |");
        for (memory_mb, _, _) in shares {
            let f = r.main(name, Setup::Throttled(*memory_mb));
            let _ = write!(
                w,
                " {} | {} | {} |",
                fixed(f.map(|f| f.cold.median), 2),
                fixed(f.map(|f| f.first.median), 2),
                fixed(f.map(|f| f.warm.median), 2),
            );
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w);
}

fn memory_section(w: &mut String, r: &Results) {
    let memory_mb = f64::from(measure::FUNCTION_MEMORY_MB);
    let max_rss_kb = FUNCTIONS
        .iter()
        .filter_map(|name| r.steady_main(name))
        .map(|s| s.max_rss_kb)
        .max();
    let cpu_us = r
        .steady_main(CPU_TARGET_FUNCTION)
        .map(|s| s.cpu_us_per_request);
    let init_cpu_ms = stats::largest(
        FUNCTIONS
            .iter()
            .filter_map(|name| Some((*name, r.main(name, Setup::Deployed)?.init_cpu))),
    );
    let share = |memory: f64| memory / FULL_VCPU_MB;
    // CPU time stretched to wall time by the share of a vCPU, in ms.
    let wall_ms = |cpu_ms: Option<f64>, memory: f64| cpu_ms.map(|cpu| cpu / share(memory));
    let _ = writeln!(w, "## Lambda memory size\n");
    let _ = writeln!(
        w,
        "**{memory_mb:.0} MB**, as template.yaml deploys and the functions run here. The \
         largest max RSS is {} ({}% of {memory_mb:.0} MB) with the sample data. CPU is the \
         trade-off: Lambda allots CPU in proportion to memory (a full vCPU at {FULL_VCPU_MB:.0} \
         MB), so {memory_mb:.0} MB is about {:.1}% of a vCPU, and the {} µs of CPU of a \
         two-message batch becomes roughly {} ms of wall time, and an Init of {} ms of CPU (the \
         most of any function here{}) roughly {} ms, on top of the DynamoDB round trip. At \
         twice the memory (and twice the price per ms) those become {} ms and {} ms.\n",
        max_rss_kb.map_or_else(|| "–".to_owned(), |kb| mb(kb * 1024)),
        fixed(
            max_rss_kb.map(|kb| kb as f64 * 1024.0 / (memory_mb * 1024.0 * 1024.0) * 100.0),
            0
        ),
        share(memory_mb) * 100.0,
        fixed(cpu_us, 0),
        fixed(wall_ms(cpu_us.map(|us| us / 1e3), memory_mb), 1),
        fixed(init_cpu_ms.map(|(_, ms)| ms), 1),
        init_cpu_ms.map_or_else(String::new, |(name, _)| format!(": {name}")),
        fixed(wall_ms(init_cpu_ms.map(|(_, ms)| ms), memory_mb), 0),
        fixed(wall_ms(cpu_us.map(|us| us / 1e3), 2.0 * memory_mb), 1),
        fixed(wall_ms(init_cpu_ms.map(|(_, ms)| ms), 2.0 * memory_mb), 0),
    );
}

fn opt_section(w: &mut String, r: &Results) {
    let mut levels: Vec<String> = r.cold.keys().map(|(level, _, _)| level.clone()).collect();
    levels.sort();
    levels.dedup();
    let zip = |level: &str, name: &str| {
        if level == r.main_level {
            r.sizes.get(name).map(|(_, x86, _)| *x86)
        } else {
            r.variant_sizes
                .get(&(level.to_owned(), name.to_owned()))
                .copied()
        }
    };
    let _ = writeln!(
        w,
        "The same release profile at each opt-level (`CARGO_PROFILE_RELEASE_OPT_LEVEL`, its own \
         target folder), on the baseline, one create and one list, measured in the same run as \
         the tables above (whose level, `{}`, is the one of the root Cargo.toml's \
         `[profile.release]`). Zip of the x86_64 build; cold start median over {} spawns; CPU \
         per request over {} requests.\n",
        r.main_level, r.spawns, r.requests
    );
    let _ = writeln!(
        w,
        "| opt-level | binary | zip (x86_64) | cold start, ms | × hello | first ÷ warm | CPU \
         µs/request | max RSS |"
    );
    let _ = writeln!(w, "|---|---|--:|--:|--:|--:|--:|--:|");
    for level in &levels {
        let hello = r.hello_cold(level);
        for name in VARIANT_BINARIES {
            let Some(f) = r.figures(level, name, Setup::Deployed) else {
                continue;
            };
            let steady = r.steady.get(&(level.clone(), name.to_owned()));
            let _ = writeln!(
                w,
                "| `{level}` | {name} | {} | {:.2} | {} | {} | {} | {} |",
                zip(level, name).map_or_else(|| "–".to_owned(), mb),
                f.cold.median,
                fixed(hello.and_then(|h| ratio(f.cold.median, h)), 2),
                fixed(f.first_over_warm(), 2),
                fixed(steady.map(|s| s.cpu_us_per_request), 1),
                steady.map_or_else(|| "–".to_owned(), |s| mb(s.max_rss_kb * 1024)),
            );
        }
    }
    // The reading of this run: levels by package size, and which keep the package target.
    let probe = VARIANT_BINARIES[1];
    let mut by_size: Vec<(&str, u64)> = levels
        .iter()
        .filter_map(|level| Some((level.as_str(), zip(level, probe)?)))
        .collect();
    by_size.sort_by_key(|(_, bytes)| *bytes);
    let order: Vec<String> = by_size
        .iter()
        .map(|(level, bytes)| format!("`{level}` {}", mb(*bytes)))
        .collect();
    let within: Vec<String> = by_size
        .iter()
        .filter(|(_, bytes)| *bytes <= ZIP_TARGET_BYTES)
        .map(|(level, _)| format!("`{level}`"))
        .collect();
    let least_cpu = stats::largest(levels.iter().filter_map(|level| {
        let cpu = r.steady.get(&(level.clone(), probe.to_owned()))?;
        Some((level.as_str(), -cpu.cpu_us_per_request))
    }));
    let _ = writeln!(
        w,
        "\nIn this run, {probe} zips (x86_64) smallest to largest: {}; within the {} target: \
         {}. The least CPU per request: {}. CPU per request on a shared machine varies from \
         run to run, so a difference between levels is only meaningful when it holds over \
         several runs.\n",
        order.join(" < "),
        mb(ZIP_TARGET_BYTES),
        if within.is_empty() {
            "none".to_owned()
        } else {
            within.join(", ")
        },
        least_cpu.map_or_else(
            || "not measured".to_owned(),
            |(level, negative_us)| format!("`{level}` ({:.1} µs)", -negative_us)
        ),
    );
}

fn method_section(w: &mut String) {
    let _ = writeln!(
        w,
        "## Method\n\n\
         - `scripts/bench.sh` (`make bench`) installs the pinned tools, builds the functions, \
         `{HELLO}` and `{SDK_FLOOR}` in release mode for x86_64 (to run here) in a cargo \
         invocation of their own, after checking that the two baselines add no feature to what \
         the functions resolve alone (as `sam build` builds each), and, when the aarch64 target \
         is installed, for arm64 with `cargo lambda build --release --arm64` (to weigh the \
         package that is deployed); then it builds the runner (`bench/runner`, package \
         `neptun-bench`) and the import apart (profile `bench-tools`, whose test features never \
         reach the measured binaries) and runs it.\n\
         - The runner uses the local DynamoDB engine that `scripts/bench.sh` starts \
         (`NEPTUN_TEST_DYNAMODB_ENDPOINT`), a counting proxy in front of it \
         (`bench/runner/src/storage_proxy.rs`: it counts DynamoDB requests per operation where \
         they arrive and keeps the function's connection alive as DynamoDB does), a fresh \
         seeded table per function (emptied every {} requests, so that the table does not grow \
         over the run), and for every process a Runtime API stand-in \
         (`bench/runner/src/runtime_api.rs`: `/next` with the `Lambda-Runtime-*` headers, \
         `/response`, `/error`, `/init/error`). Functions run with a Lambda-like environment \
         (`AWS_LAMBDA_*`, {} MB, `RUST_LOG=warn`) and the sample events of `events/`.\n\
         - Cold starts are interleaved (every binary once per round), so drift on the machine \
         touches all of them alike. Ratios compare medians of the same run; quantiles \
         interpolate linearly between the closest ranks.\n\n\
         ## Reproduce\n\n\
         ```sh\n\
         make bench                              # rewrites BENCHMARKS.md\n\
         BENCH_OPT_LEVELS=\"3 s z\" make bench   # also rebuilds and compares the other opt-levels\n\
         ```\n\n\
         Settings: `BENCH_SPAWNS` (cold starts per binary, default {}), `BENCH_REQUESTS` \
         (requests per binary for CPU time, default {}), `BENCH_SLICE_SPAWNS` (cold starts per \
         binary under each CPU share, default {}; 0 skips them), `BENCH_BIN_DIR` (the \
         binaries to measure, default `target/release`). Logs of the function processes: \
         `target/bench/logs/`.",
        measure::RESET_EVERY,
        measure::FUNCTION_MEMORY_MB,
        crate::DEFAULT_SPAWNS,
        crate::DEFAULT_REQUESTS,
        crate::DEFAULT_SLICE_SPAWNS,
    );
}

const WARM_UP_NOTE: &str = "\
**The Init warm-up** (`neptun_dynamo::context::app_context`, shared/neptun-dynamo/src/warm_up.rs) makes one `GetItem` of a \
key that never exists (`PK` = `SK` = `#warm-up`; one attempt with a short timeout; errors \
logged at debug and ignored; IAM action `dynamodb:GetItem` on the table), so that the first \
invocation finds an open connection and an initialized client: TCP connect, the TLS 1.3 \
handshake (ECDHE key exchange, certificate-chain verification against the trust store), the \
HTTP client's lazy set-up (connector, pool, root certificates), credentials and endpoint \
resolution, first use of the signing code. Against DynamoDB add DNS and the network round \
trips of TCP and TLS, which the warm-up moves into Init as well. On Lambda, Init work is also \
the part that provisioned concurrency and proactive initialization take off the request path \
entirely.";
