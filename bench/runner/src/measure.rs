//! Spawning the functions and measuring them: cold start, first and warm requests, CPU time,
//! max RSS, and the DynamoDB requests they make (counted by the proxy in front of the storage).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use serde_json::Value;

use crate::cpu_slice::CpuGroup;
use crate::instant_storage::InstantStorage;
use crate::runtime_api::RuntimeApi;
use crate::storage_proxy::{CountingProxy, Exchange};
use crate::tls_terminator::TlsTerminator;
use crate::{Event, FUNCTIONS, HELLO, PEERS, PEERS_OF};

const INIT_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest function timeout of template.yaml (delete-chats, for an erasure).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);
/// Requests before the CPU counters are read, so lazy set-up is not counted per request.
pub const STEADY_WARM_UP: usize = 50;
/// Requests that the local storage stalled on (503 after the SDK's 4 s) and that were repeated.
pub static STORAGE_STALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Requests between two resets of the table (see [`Bench::reset_table`]).
pub const RESET_EVERY: usize = 100;
/// Requests per counting case.
pub const COUNT_REQUESTS: usize = 5;
/// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` of the function processes, as template.yaml deploys them.
pub const FUNCTION_MEMORY_MB: u32 = 128;
/// The session secret of [`Setup::SecretsManager`]: any name does, the counting proxy answers
/// every `GetSecretValue` itself ([`crate::storage_proxy`]).
const SESSION_SECRET_ARN: &str =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:neptun/bench-AbCdEf";

/// How a function process is started. All but the plain-HTTP ones reach the storage over
/// HTTPS, through the run's TLS 1.3 terminator ([`crate::tls_terminator`]), trusting the run's
/// CA through `NEPTUN_EXTRA_CA_FILE` next to the compiled-in Amazon roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Setup {
    /// As deployed: Init opens the storage connection (the warm-up) and its TLS session.
    Deployed,
    /// `DYNAMODB_WARM_UP=false`: nothing sent to storage during Init.
    NoWarmUp,
    /// As deployed, but the storage over plain HTTP (the figures before the TLS hop).
    PlainHttp,
    /// `DYNAMODB_WARM_UP=false` over plain HTTP.
    PlainHttpNoWarmUp,
    /// As deployed, with the system store opt-in (`NEPTUN_TRUST_SYSTEM_ROOTS=true`): what the
    /// compiled-in roots save.
    SystemRoots,
    /// As deployed, with the session secret read from Secrets Manager at Init
    /// (`NEPTUN_SESSION_SECRET_ARN`): one more HTTPS request, on a connection of its own,
    /// answered by the counting proxy.
    SecretsManager,
    /// As deployed, in the CPU quota group of this memory size (see [`crate::cpu_slice`]).
    Throttled(u32),
    /// As deployed, against the instant storage stand-in ([`crate::instant_storage`], over a
    /// TLS terminator of its own), on the whole core or in the CPU quota group of this memory
    /// size.
    Instant(Option<u32>),
    /// The trust check: the compiled-in roots only (no extra CA file), so the run's CA, a root
    /// outside that set, must be refused.
    CompiledRootsOnly,
    /// The trust check: the system store opt-in with `SSL_CERT_FILE` = the run's CA (no extra
    /// CA file), which must accept it.
    SystemStoreWithRunCa,
}

impl Setup {
    fn plain_http(self) -> bool {
        matches!(self, Self::PlainHttp | Self::PlainHttpNoWarmUp)
    }

    fn warm_up(self) -> bool {
        !matches!(self, Self::NoWarmUp | Self::PlainHttpNoWarmUp)
    }

    /// The settings of the trust store for this setup.
    fn trust_env(self, ca_file: &Path) -> Vec<(&'static str, PathBuf)> {
        let ca = || ca_file.to_owned();
        match self {
            _ if self.plain_http() => Vec::new(),
            Self::CompiledRootsOnly => Vec::new(),
            Self::SystemStoreWithRunCa => vec![
                (neptun_dynamo::tls::SYSTEM_ROOTS_ENV, PathBuf::from("true")),
                ("SSL_CERT_FILE", ca()),
            ],
            Self::SystemRoots => vec![
                (neptun_dynamo::tls::SYSTEM_ROOTS_ENV, PathBuf::from("true")),
                (neptun_dynamo::tls::EXTRA_CA_FILE_ENV, ca()),
            ],
            _ => vec![(neptun_dynamo::tls::EXTRA_CA_FILE_ENV, ca())],
        }
    }

    /// Where the session secret comes from in this setup: Secrets Manager at `endpoint` (then
    /// `NUXT_SESSION_PASSWORD` is not used), or nothing to add to the environment.
    fn secret_env(self, endpoint: String) -> Vec<(&'static str, String)> {
        match self {
            Self::SecretsManager => vec![
                (
                    neptun_dynamo::secrets::SESSION_SECRET_ARN_ENV,
                    SESSION_SECRET_ARN.to_owned(),
                ),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint),
            ],
            _ => Vec::new(),
        }
    }
}

/// The outcome of the trust check: the status of the first request, and the handshakes the
/// terminator completed and refused, per setup.
#[derive(Debug, Clone)]
pub struct TrustOutcome {
    pub setup: Setup,
    pub status: Result<u64, String>,
    pub accepted: usize,
    pub refused: usize,
}

impl TrustOutcome {
    /// Refused: no handshake completed, at least one refused, and the request failed.
    pub fn refused(&self) -> bool {
        self.accepted == 0
            && self.refused > 0
            && !self.status.as_ref().is_ok_and(|s| (200..300).contains(s))
    }

    /// Accepted: a handshake completed and the request succeeded.
    pub fn accepted(&self) -> bool {
        self.accepted > 0 && self.status.as_ref().is_ok_and(|s| (200..300).contains(s))
    }
}

/// DynamoDB requests per API request, by operation.
pub type Counts = BTreeMap<String, f64>;

/// Requests whose DynamoDB requests are counted, averaged per request.
pub struct CountCase {
    pub label: String,
    pub events: Vec<Event>,
    /// The status every request of the case answers.
    pub status: u64,
    /// Each request on the sample data as seeded (the table reset before it, outside the
    /// count): for a request that changes what the next one would find.
    pub fresh_table: bool,
}
/// (case, counts) of one function.
pub type RouteCounts = Vec<(String, Counts)>;
/// A row as DynamoDB returns it.
pub type Item = HashMap<String, AttributeValue>;

/// Every row of `table`, read consistently.
async fn scan(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap_or_else(|error| panic!("scan {table}: {error}"));
        items.extend(output.items.unwrap_or_default());
        match output.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return items,
        }
    }
}

/// The valgrind tool that counts a process's instructions: cachegrind for the count,
/// callgrind for the count by function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Cachegrind,
    Callgrind,
}

pub struct Binary {
    pub name: String,
    pub level: String,
    /// The executable, or the script its [`Binary::launcher`] runs.
    pub path: PathBuf,
    /// The program and its arguments that run `path` (`node` for the Node peer, valgrind for
    /// the instruction counts); empty for a native binary run as it is.
    pub launcher: Vec<String>,
    /// The arguments after `path`.
    pub args: Vec<String>,
}

impl Binary {
    pub fn new(name: &str, level: &str, path: PathBuf) -> Self {
        Self {
            name: name.to_owned(),
            level: level.to_owned(),
            path,
            launcher: Vec::new(),
            args: Vec::new(),
        }
    }

    /// A script that `interpreter` runs.
    pub fn script(name: &str, level: &str, interpreter: &str, path: PathBuf) -> Self {
        Self {
            launcher: vec![interpreter.to_owned()],
            ..Self::new(name, level, path)
        }
    }

    /// This binary under valgrind's `tool`, counting instructions only, its counts written to
    /// `out` when the process ends.
    pub fn counted(&self, out: &Path, tool: Counter) -> Self {
        let [tool, option, out_option] = match tool {
            Counter::Cachegrind => ["cachegrind", "--cache-sim=no", "--cachegrind-out-file"],
            Counter::Callgrind => ["callgrind", "--dump-instr=no", "--callgrind-out-file"],
        };
        let mut launcher = vec![
            "valgrind".to_owned(),
            format!("--tool={tool}"),
            option.to_owned(),
            format!("{out_option}={}", out.display()),
        ];
        launcher.extend(self.launcher.iter().cloned());
        Self {
            launcher,
            args: self.args.clone(),
            ..Self::new(&self.name, &self.level, self.path.clone())
        }
    }

    fn command(&self) -> Command {
        let mut command = match self.launcher.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(&self.path);
                command
            }
            None => Command::new(&self.path),
        };
        command.args(&self.args);
        command
    }
}

/// One cold start: spawn to first `GET /next`, the CPU time Init used, the first request's
/// latency and a few warm ones.
#[derive(Debug, Clone)]
pub struct ColdSample {
    pub cold_start: Duration,
    pub init_cpu: Duration,
    pub first: Duration,
    pub warm: Vec<Duration>,
}

/// Many requests to one process.
#[derive(Debug, Clone)]
pub struct Steady {
    /// user + sys from /proc/<pid>/stat (clock ticks), per request.
    pub cpu_us_per_request: f64,
    /// The same from /proc/<pid>/task/*/schedstat (nanoseconds, live threads), per request.
    pub schedstat_us_per_request: f64,
    pub clock_ticks_per_second: u64,
    /// VmHWM at the end.
    pub max_rss_kb: u64,
    /// Latency of the measured requests.
    pub latencies: Vec<Duration>,
    /// DynamoDB requests per API request of the main event, by operation.
    pub storage_per_request: BTreeMap<String, f64>,
}

pub struct Bench {
    /// The CPU quota groups that [`Setup::Throttled`] starts processes in.
    pub cpu_groups: Vec<CpuGroup>,
    client: aws_sdk_dynamodb::Client,
    proxy: CountingProxy,
    tls: TlsTerminator,
    /// The instant storage stand-in, and the TLS terminator in front of it.
    instant_storage: InstantStorage,
    instant: TlsTerminator,
    logs: PathBuf,
    events: HashMap<String, Event>,
    ok_events: HashMap<String, Vec<(String, Value)>>,
    /// The rows of the sample data, as `seed_sample_data` writes them.
    sample_items: Vec<Item>,
}

impl Bench {
    pub async fn start(logs: PathBuf) -> Self {
        std::fs::create_dir_all(&logs).expect("create the log folder");
        let endpoint = neptun_tests::storage_endpoint();
        eprintln!("== storage server {endpoint}, counting proxy in front of it");
        let proxy = CountingProxy::start(endpoint)
            .await
            .expect("start the counting proxy");
        let tls = TlsTerminator::start(&proxy.endpoint(), &logs.join("../bench-ca.pem"))
            .await
            .unwrap_or_else(|error| panic!("start the TLS terminator: {error}"));
        eprintln!(
            "== TLS 1.3 terminator {} in front of the proxy (CA of this run: {})",
            tls.endpoint(),
            tls.ca_file().display()
        );
        let instant_storage = InstantStorage::start()
            .await
            .expect("start the instant storage stand-in");
        let instant = TlsTerminator::start(
            &instant_storage.endpoint,
            &logs.join("../bench-instant-ca.pem"),
        )
        .await
        .unwrap_or_else(|error| panic!("start the instant stand-in's TLS terminator: {error}"));
        eprintln!(
            "== instant storage stand-in {} (over TLS: {})",
            instant_storage.endpoint,
            instant.endpoint()
        );
        let client = neptun_tests::client();
        // The sample rows, seeded once into a table of their own, for every table after.
        let template = neptun_tests::fresh_table(&client).await;
        neptun_tests::seed_sample_data(&DynamoStore::new(client.clone(), template.clone())).await;
        let sample_items = scan(&client, &template).await;
        client
            .delete_table()
            .table_name(&template)
            .send()
            .await
            .unwrap_or_else(|error| panic!("delete table {template}: {error}"));
        let mut events: HashMap<String, Event> = HashMap::new();
        let mut ok_events: HashMap<String, Vec<(String, Value)>> = HashMap::new();
        for sample in neptun_tests::sample_events() {
            if !(200..300).contains(&sample.status) {
                continue;
            }
            let (function, file) = (sample.function.name().to_owned(), sample.file);
            let path = neptun_tests::repo_root()
                .join("events")
                .join(&function)
                .join(&file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let json: Value = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            ok_events.entry(function).or_default().push((file, json));
        }
        for function in FUNCTIONS {
            let (file, json) = main_event_of(function, &ok_events);
            let _ = file;
            events.insert(function.to_owned(), Arc::from(json.to_string()));
        }
        let hello = events["list-chats"].clone();
        events.insert(HELLO.to_owned(), hello);
        for peer in PEERS {
            let event = events[PEERS_OF].clone();
            events.insert(peer.to_owned(), event);
        }
        Self {
            cpu_groups: Vec::new(),
            client,
            proxy,
            tls,
            instant_storage,
            instant,
            logs,
            events,
            ok_events,
            sample_items,
        }
    }

    /// A fresh table with the sample chat, message and file.
    pub async fn seeded_table(&self) -> String {
        let table = neptun_tests::fresh_table(&self.client).await;
        self.write_items(&table, self.sample_items.clone()).await;
        table
    }

    /// Empties a table back to the sample data, so that every function is measured on a table
    /// of the same small size: deleted and created again under the same name (faster than
    /// deleting its rows after a few hundred creates), the sample rows written again (a copy of
    /// those `seed_sample_data` wrote once: no password hashed again).
    pub async fn reset_table(&self, table: &str) {
        self.drop_table(table).await;
        neptun_devtools::table::create_table(
            &self.client,
            table,
            neptun_devtools::table::Stream::Off,
        )
        .await
        .unwrap_or_else(|error| panic!("create table {table} again: {error}"));
        self.write_items(table, self.sample_items.clone()).await;
    }

    async fn write_items(&self, table: &str, items: Vec<Item>) {
        neptun_dynamo::store::put_all(&self.client, table, items, 4)
            .await
            .unwrap_or_else(|error| panic!("write to {table}: {error}"));
    }

    /// The message chunk rows of the sample chat, but the seeded one.
    pub async fn message_rows(&self, table: &str) -> Vec<Item> {
        let seeded = schema::message_chunk_sk((neptun_tests::SAMPLE_MESSAGE).get());
        let pk = schema::chat_pk(neptun_tests::SAMPLE_USER, neptun_tests::SAMPLE_CHAT);
        let range = schema::message_range(None);
        let answer = self
            .client
            .query()
            .table_name(table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#sk", schema::SK)
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .expression_attribute_values(":from", AttributeValue::S(range.from))
            .expression_attribute_values(":to", AttributeValue::S(range.to))
            .send()
            .await
            .unwrap_or_else(|error| panic!("query the message rows of {table}: {error}"));
        answer
            .items()
            .iter()
            .filter(|item| {
                let sk = item.get(schema::SK).and_then(|sk| sk.as_s().ok());
                sk != Some(&seeded) && sk.map(String::as_str) != Some(schema::CHAT_META_SK)
            })
            .cloned()
            .collect()
    }

    pub async fn drop_table(&self, table: &str) {
        self.client
            .delete_table()
            .table_name(table)
            .send()
            .await
            .unwrap_or_else(|error| panic!("delete table {table}: {error}"));
    }

    /// The event of a function's CPU measurement (for create-chat-messages: two messages).
    pub fn main_event(&self, name: &str) -> Event {
        self.events[name].clone()
    }

    /// The name of the event a function is measured with (`200-batch.json, 2 messages`).
    pub fn main_event_label(&self, function: &str) -> String {
        main_event_of(function, &self.ok_events).0
    }

    /// Every 2xx sample event of a function, plus each create with an `Idempotency-Key`, plus
    /// the function's requests counted on fresh sample data ([`crate::fresh_cases`]).
    pub fn count_cases(&self, function: &str) -> Vec<CountCase> {
        let mut cases = Vec::new();
        let main = main_event_of(function, &self.ok_events);
        let main_label = main.0.clone();
        let mut all: Vec<(String, Value)> =
            self.ok_events.get(function).cloned().unwrap_or_default();
        if function == "create-chat-messages" {
            all.push(main);
        }
        for (file, json) in all {
            let events = (0..COUNT_REQUESTS)
                .map(|_| Arc::from(json.to_string()))
                .collect();
            cases.push(CountCase {
                label: file,
                events,
                status: 200,
                fresh_table: false,
            });
        }
        if function.starts_with("create-") {
            let (_, json) = main_event_of(function, &self.ok_events);
            let events = (0..COUNT_REQUESTS)
                .map(|n| {
                    let mut json = json.clone();
                    json["headers"]["idempotency-key"] =
                        Value::from(format!("bench-{:016x}-{n}", random()));
                    Arc::from(json.to_string())
                })
                .collect();
            cases.push(CountCase {
                label: format!("{main_label} + Idempotency-Key"),
                events,
                status: 200,
                fresh_table: false,
            });
        }
        cases.extend(crate::fresh_cases::fresh_cases(function));
        cases
    }

    fn spawn(
        &self,
        binary: &Binary,
        api: &RuntimeApi,
        table: &str,
        setup: Setup,
    ) -> Result<Child, String> {
        let log_path = self
            .logs
            .join(format!("{}-{}.log", binary.name, binary.level));
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|error| format!("{}: {error}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|error| error.to_string())?;
        let mut command = binary.command();
        let mut memory_mb = FUNCTION_MEMORY_MB;
        if let Setup::Throttled(slice_mb) | Setup::Instant(Some(slice_mb)) = setup {
            let group = self
                .cpu_groups
                .iter()
                .find(|group| group.memory_mb == slice_mb)
                .ok_or_else(|| format!("no CPU quota group of {slice_mb} MB"))?;
            group.contain(&mut command)?;
            memory_mb = slice_mb;
        }
        // The storage: the counting proxy (plainly or over TLS), or the instant stand-in.
        let (storage, ca_file) = match setup {
            Setup::Instant(_) => (self.instant.endpoint(), self.instant.ca_file()),
            _ if setup.plain_http() => (self.proxy.endpoint(), self.tls.ca_file()),
            _ => (self.tls.endpoint(), self.tls.ca_file()),
        };
        command
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .env("TZ", ":UTC")
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", &binary.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string())
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]bench")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", binary.name),
            )
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env("TABLE_NAME", table)
            .env("AWS_ENDPOINT_URL_DYNAMODB", storage)
            // The Node peer's trust of the run's CA (read by node at start-up).
            .env("NODE_EXTRA_CA_CERTS", ca_file)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_SESSION_TOKEN", "bench")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NUXT_SESSION_PASSWORD", neptun_tests::DEV_PASSWORD)
            .env(
                "DYNAMODB_WARM_UP",
                if setup.warm_up() { "true" } else { "false" },
            )
            .env("RUST_LOG", "warn")
            .envs(setup.trust_env(ca_file))
            // The terminator under its other name: the SDK's clients share one connection pool,
            // keyed by host, so at 127.0.0.1 the warm-up would reuse the secret's connection.
            // Under a name of its own the secret takes a connection and handshake of its own, as
            // at the real endpoint, another host than DynamoDB's.
            .envs(setup.secret_env(self.tls.endpoint().replacen("127.0.0.1", "localhost", 1)))
            .envs(extra_env())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|error| format!("spawn {}: {error}", binary.path.display()))
    }

    /// Spawns the binary and waits for the end of its Init (its first `GET /next`).
    async fn start_function(
        &self,
        binary: &Binary,
        table: &str,
        setup: Setup,
    ) -> Result<(Running, Duration, Duration), String> {
        let mut api = RuntimeApi::start(&binary.name)
            .await
            .map_err(|error| format!("runtime API: {error}"))?;
        let spawned = Instant::now();
        let child = self.spawn(binary, &api, table, setup)?;
        let mut running = Running { child, api: None };
        let arrival = api.next_arrival(INIT_TIMEOUT).await;
        let init_cpu = schedstat(running.child.id()).unwrap_or_default();
        running.api = Some(api);
        match arrival {
            Ok(arrival) => Ok((running, arrival - spawned, init_cpu)),
            Err(error) => {
                let status = running.child.try_wait().ok().flatten();
                Err(format!(
                    "{error} (exit status {status:?}; see target/bench/logs/{}-{}.log)",
                    binary.name, binary.level
                ))
            }
        }
    }

    pub async fn cold_sample(
        &self,
        binary: &Binary,
        table: &str,
        setup: Setup,
        event: Event,
        warm_requests: usize,
    ) -> Result<ColdSample, String> {
        let (mut running, cold_start, init_cpu) = self.start_function(binary, table, setup).await?;
        let first = running.call(event.clone()).await?;
        let mut warm = Vec::with_capacity(warm_requests);
        for _ in 0..warm_requests {
            warm.push(running.call(event.clone()).await?);
        }
        Ok(ColdSample {
            cold_start,
            init_cpu,
            first,
            warm,
        })
    }

    /// One process per trust setup, one request each: whether the terminator's handshake was
    /// completed or refused, and the request's status.
    pub async fn trust_check(
        &self,
        binary: &Binary,
        table: &str,
        event: Event,
    ) -> Vec<TrustOutcome> {
        let mut outcomes = Vec::new();
        for setup in [
            Setup::CompiledRootsOnly,
            Setup::SystemStoreWithRunCa,
            Setup::Deployed,
        ] {
            self.tls.take_handshakes();
            let status = match self.start_function(binary, table, setup).await {
                Ok((mut running, _, _)) => running.status_of(event.clone()).await,
                Err(error) => Err(error),
            };
            let (accepted, refused) = self.tls.take_handshakes();
            outcomes.push(TrustOutcome {
                setup,
                status,
                accepted,
                refused,
            });
        }
        outcomes
    }

    /// One request to a fresh process of `binary` (Init with its warm-up done first): the
    /// request's latency and its DynamoDB requests by operation.
    pub async fn one_request(
        &self,
        binary: &Binary,
        table: &str,
        event: Event,
    ) -> Result<(Duration, Counts), String> {
        let (mut running, _, _) = self.start_function(binary, table, Setup::Deployed).await?;
        self.proxy.take_counts();
        let latency = running.call(event).await?;
        Ok((latency, per_request(self.proxy.take_counts(), 1)))
    }

    /// `requests` requests of `event` to one process of `binary` in `setup` after `warm_up`
    /// more, with no table reset in between (for reads): CPU time, latency, RSS, storage
    /// requests.
    pub async fn requests_cost(
        &self,
        binary: &Binary,
        table: &str,
        setup: Setup,
        event: Event,
        warm_up: usize,
        requests: usize,
    ) -> Result<Steady, String> {
        let (mut running, _, _) = self.start_function(binary, table, setup).await?;
        let pid = running.child.id();
        for _ in 0..warm_up {
            running.call(event.clone()).await?;
        }
        self.proxy.take_counts();
        let cpu_before = stat_cpu_ticks(pid)?;
        let sched_before = schedstat(pid).unwrap_or_default();
        let mut latencies = Vec::with_capacity(requests);
        for _ in 0..requests {
            latencies.push(running.call(event.clone()).await?);
        }
        let cpu_ticks = stat_cpu_ticks(pid)? - cpu_before;
        let sched = schedstat(pid)
            .unwrap_or_default()
            .saturating_sub(sched_before);
        let ticks = clock_ticks_per_second();
        let requests_f = requests.max(1) as f64;
        Ok(Steady {
            cpu_us_per_request: cpu_ticks as f64 * 1e6 / ticks as f64 / requests_f,
            schedstat_us_per_request: sched.as_secs_f64() * 1e6 / requests_f,
            clock_ticks_per_second: ticks,
            max_rss_kb: vm_hwm_kb(pid)?,
            latencies,
            storage_per_request: per_request(self.proxy.take_counts(), requests),
        })
    }

    /// The instructions one process of `binary` runs (valgrind's count, Init and exit
    /// included) for `warm_up` requests of `event` and then `requests` more, and the file
    /// `tool` wrote them to; it ends by SIGTERM, on which valgrind writes its counts.
    pub async fn instructions(
        &self,
        binary: &Binary,
        table: &str,
        setup: Setup,
        event: Event,
        (warm_up, requests): (usize, usize),
        tool: Counter,
    ) -> Result<(u64, PathBuf, Vec<Exchange>), String> {
        let dir = self.logs.join("valgrind");
        std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
        let out = dir.join(format!(
            "{}-{}-{tool:?}-{requests}.out",
            binary.name, binary.level
        ));
        std::fs::remove_file(&out).ok();
        let counted = binary.counted(&out, tool);
        let (mut running, _, _) = self.start_function(&counted, table, setup).await?;
        for _ in 1..warm_up + requests {
            running.call(event.clone()).await?;
        }
        // The last request's exchanges with the engine (none against the instant stand-in,
        // which a count may run against beside another's recording).
        let recorded = !matches!(setup, Setup::Instant(_));
        if recorded {
            self.proxy.record();
        }
        let last = running.call(event).await;
        let exchanges = if recorded {
            self.proxy.take_recording()
        } else {
            Vec::new()
        };
        last?;
        running.terminate()?;
        let text =
            std::fs::read_to_string(&out).map_err(|error| format!("{}: {error}", out.display()))?;
        let count = text
            .lines()
            .find_map(|line| line.strip_prefix("summary:"))
            .and_then(|count| count.trim().parse().ok())
            .ok_or_else(|| format!("{}: no summary line", out.display()))?;
        Ok((count, out, exchanges))
    }

    /// The instant storage stand-in answers requests of these bodies as recorded.
    pub fn replay_answers(&self, exchanges: &[Exchange]) {
        self.instant_storage.replay(exchanges);
    }

    /// The peak memory of one process of `binary`: after `ordinary` (its usual request, a few
    /// times), then for each of `bodies` on its own (the peak is reset before each,
    /// `/proc/<pid>/clear_refs`): its label, the status it answered and the peak, in kB.
    pub async fn peak_memory(
        &self,
        binary: &Binary,
        table: &str,
        ordinary: Event,
        bodies: &[(String, Event)],
    ) -> Result<(u64, Vec<(String, u64, u64)>), String> {
        let (mut running, _, _) = self.start_function(binary, table, Setup::Deployed).await?;
        let pid = running.child.id();
        for _ in 0..STEADY_WARM_UP {
            running.status_of(ordinary.clone()).await?;
        }
        let ordinary_kb = vm_hwm_kb(pid)?;
        let mut peaks = Vec::with_capacity(bodies.len());
        for (label, event) in bodies {
            std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
                .map_err(|error| format!("/proc/{pid}/clear_refs: {error}"))?;
            let status = running.status_of(event.clone()).await?;
            peaks.push((label.clone(), status, vm_hwm_kb(pid)?));
        }
        Ok((ordinary_kb, peaks))
    }

    /// `requests` requests of `event` to one process (CPU time, RSS, storage requests), then
    /// each counting case.
    pub async fn steady(
        &self,
        binary: &Binary,
        table: &str,
        setup: Setup,
        event: Event,
        requests: usize,
        cases: &[CountCase],
    ) -> Result<(Steady, RouteCounts), String> {
        let (mut running, _, _) = self.start_function(binary, table, setup).await?;
        let pid = running.child.id();
        eprintln!("   {} ({}): pid {pid}", binary.name, binary.level);
        for _ in 0..STEADY_WARM_UP {
            running.call(event.clone()).await?;
        }
        let ticks = clock_ticks_per_second();
        let mut cpu_ticks = 0;
        let mut sched = Duration::ZERO;
        let mut storage = HashMap::new();
        let mut latencies = Vec::with_capacity(requests);
        let mut left = requests;
        while left > 0 {
            // Batches, with the table emptied in between (while the function idles, outside
            // the CPU counts).
            self.reset_table(table).await;
            let batch = left.min(RESET_EVERY);
            left -= batch;
            self.proxy.take_counts();
            let cpu_before = stat_cpu_ticks(pid)?;
            let sched_before = schedstat(pid).unwrap_or_default();
            for _ in 0..batch {
                latencies.push(running.call(event.clone()).await?);
            }
            cpu_ticks += stat_cpu_ticks(pid)? - cpu_before;
            sched += schedstat(pid)
                .unwrap_or_default()
                .saturating_sub(sched_before);
            for (operation, n) in self.proxy.take_counts() {
                *storage.entry(operation).or_default() += n;
            }
        }
        let storage_per_request = per_request(storage, requests);
        let mut route_counts = Vec::new();
        for case in cases {
            let mut counted: HashMap<String, usize> = HashMap::new();
            for event in &case.events {
                if case.fresh_table {
                    self.reset_table(table).await;
                }
                self.proxy.take_counts();
                let status = running.status_of(event.clone()).await?;
                if status != case.status {
                    return Err(format!(
                        "{}: status {status}, not {}",
                        case.label, case.status
                    ));
                }
                for (operation, n) in self.proxy.take_counts() {
                    *counted.entry(operation).or_default() += n;
                }
            }
            route_counts.push((case.label.clone(), per_request(counted, case.events.len())));
        }
        let max_rss_kb = vm_hwm_kb(pid)?;
        let requests_f = requests.max(1) as f64;
        Ok((
            Steady {
                cpu_us_per_request: cpu_ticks as f64 * 1e6 / ticks as f64 / requests_f,
                schedstat_us_per_request: sched.as_secs_f64() * 1e6 / requests_f,
                clock_ticks_per_second: ticks,
                max_rss_kb,
                latencies,
                storage_per_request,
            },
            route_counts,
        ))
    }
}

/// `BENCH_FUNCTION_ENV="NAME=value ..."`: more environment for the function processes (for
/// trying a setting, such as `SSL_CERT_FILE`).
fn extra_env() -> Vec<(String, String)> {
    std::env::var("BENCH_FUNCTION_ENV")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn per_request(counts: HashMap<String, usize>, requests: usize) -> BTreeMap<String, f64> {
    counts
        .into_iter()
        .map(|(operation, n)| (operation, n as f64 / requests.max(1) as f64))
        .collect()
}

/// The event each function is measured with (and counted with first).
fn main_event_of(function: &str, ok: &HashMap<String, Vec<(String, Value)>>) -> (String, Value) {
    let preferred = match function {
        "create-chat" | "create-project-chat" => "200-create.json",
        "create-chat-messages" | "create-chat-files" => "200-batch.json",
        "get-chat-file-content" => "200-with-cookie.json",
        "update-chat" => "200-rename.json",
        "delete-chat" | "delete-project-chat" => "200-delete.json",
        "delete-chats" | "delete-project-chats" => "200-delete-several.json",
        "delete-last-chat-message" => "200-regenerate.json",
        "create-chat-share" | "get-shared-chat" => "200-public.json",
        "get-chat-share" => "200-shared.json",
        "delete-chat-share" => "200-delete.json",
        "create-share-whitelist-entries" => "200-add.json",
        _ => "200-list.json",
    };
    let events = ok
        .get(function)
        .unwrap_or_else(|| panic!("events/{function}/ has no 2xx sample"));
    let (file, json) = events
        .iter()
        .find(|(file, _)| file == preferred)
        .unwrap_or_else(|| panic!("events/{function}/{preferred} is missing"));
    if function != "create-chat-messages" {
        return (file.clone(), json.clone());
    }
    // The CPU target is for a two-message batch: keep the first two of the sample's three.
    let mut json = json.clone();
    let body: Value = json["body"]
        .as_str()
        .and_then(|body| serde_json::from_str(body).ok())
        .unwrap_or_else(|| panic!("events/{function}/{preferred} has no JSON body"));
    let mut body = body;
    if let Some(messages) = body["messages"].as_array_mut() {
        messages.truncate(2);
    }
    json["body"] = Value::from(body.to_string());
    ("200-batch.json, 2 messages".to_owned(), json)
}

struct Running {
    child: Child,
    api: Option<RuntimeApi>,
}

impl Running {
    /// One invocation; a 503 (the local storage stalled past the 4 s operation timeout) is
    /// repeated up to twice and counted in [`STORAGE_STALLS`].
    async fn call(&mut self, event: Event) -> Result<Duration, String> {
        let mut tries = 0;
        loop {
            match self.call_once(event.clone()).await {
                Err(error) if error.starts_with("status 503") && tries < 2 => {
                    tries += 1;
                    STORAGE_STALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    eprintln!("\n   (local storage stalled: request repeated)");
                }
                result => return result,
            }
        }
    }

    /// The status code of one invocation, whatever it is.
    async fn status_of(&mut self, event: Event) -> Result<u64, String> {
        let api = self.api.as_mut().ok_or("no runtime API")?;
        let outcome = api.invoke(event, INVOKE_TIMEOUT).await?;
        let body = outcome
            .result
            .map_err(|error| format!("invocation error: {error}"))?;
        serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|response| response["statusCode"].as_u64())
            .ok_or_else(|| format!("no status code: {body}"))
    }

    async fn call_once(&mut self, event: Event) -> Result<Duration, String> {
        let api = self.api.as_mut().ok_or("no runtime API")?;
        let outcome = api.invoke(event, INVOKE_TIMEOUT).await?;
        let body = outcome
            .result
            .map_err(|error| format!("invocation error: {error}"))?;
        let status = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|response| response["statusCode"].as_u64())
            .unwrap_or(0);
        if !(200..300).contains(&status) {
            return Err(format!("status {status}: {body}"));
        }
        Ok(outcome.latency)
    }
}

impl Running {
    /// Ends the process with SIGTERM (valgrind then writes its counts) and waits for it.
    fn terminate(&mut self) -> Result<(), String> {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .map_err(|error| format!("kill -TERM {pid}: {error}"))?;
        self.child.wait().map_err(|error| error.to_string())?;
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn random() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}

/// utime + stime of the whole process (all threads, live and exited), in clock ticks.
fn stat_cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|error| format!("/proc/{pid}/stat: {error}"))?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |n: usize| -> Result<u64, String> {
        fields
            .get(n - 3)
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| format!("/proc/{pid}/stat: no field {n}"))
    };
    Ok(field(14)? + field(15)?)
}

/// Time on CPU of the process's live threads, in nanoseconds (/proc/<pid>/task/*/schedstat).
fn schedstat(pid: u32) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

fn vm_hwm_kb(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|error| format!("/proc/{pid}/status: {error}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("/proc/{pid}/status has no VmHWM"))
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// Zips `binary` as `bootstrap` (deflate, as `sam build` and `cargo lambda` package it) with
/// Python's zipfile, and returns the zip's size in bytes.
pub fn zipped_size(binary: &Path, zip: &Path) -> u64 {
    const SCRIPT: &str = "import sys, zipfile\n\
        with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:\n    z.write(sys.argv[1], 'bootstrap')\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(binary)
        .arg(zip)
        .status()
        .unwrap_or_else(|error| panic!("python3 (to zip the bootstrap): {error}"));
    assert!(status.success(), "zipping {} failed", binary.display());
    std::fs::metadata(zip)
        .map(|m| m.len())
        .unwrap_or_else(|error| panic!("{}: {error}", zip.display()))
}
