//! A storage proxy between the DynamoDB client and DynamoDB Local, for fault tests and request counts.
//! It speaks just enough HTTP/1.1 (one request per connection at a time, `Content-Length`
//! bodies, as the SDK and DynamoDB Local use) to forward, refuse, hang, throttle, or forward a request
//! and lose its response (the write commits; the client never learns), or to answer a request
//! as real DynamoDB does when another transaction holds an item (DynamoDB Local serializes
//! transactions with table locks, so it never does).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Mode {
    Forward = 0,
    /// Close every connection at once, as a stopped server would.
    Refuse = 1,
    /// Accept and never answer, as a hung or partitioned server would.
    Hang = 2,
    /// Answer every request with DynamoDB's `ThrottlingException`.
    Throttle = 3,
}

/// Which action of a `TransactWriteItems` an injected conflict names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ConflictAt {
    First = 0,
    /// The last action: the idempotency record, when the request has a key.
    Last = 1,
}

#[derive(Default)]
struct State {
    mode: AtomicU32,
    /// Forward this many more requests but drop their responses.
    lose_responses: AtomicUsize,
    /// Answer this many more requests with a transaction conflict.
    conflicts: AtomicUsize,
    /// Forward this many more requests less one, then refuse every connection (0: off).
    refuse_after: AtomicUsize,
    /// Forward the next call of this operation but drop its response.
    lose_response_of: Mutex<Option<String>>,
    conflict_at: AtomicU32,
    counts: Mutex<HashMap<String, usize>>,
    /// Requests sent on to storage whose answer has not come back yet.
    in_flight: AtomicUsize,
}

/// Counts one request in flight to storage while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn start(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running proxy; it lives as long as the process (on its own runtime thread).
#[derive(Clone)]
pub struct StorageProxy {
    state: Arc<State>,
    address: SocketAddr,
}

impl StorageProxy {
    /// Starts a proxy to `upstream` (`host:port`) on a free port of 127.0.0.1.
    pub fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let state = Arc::new(State::default());
        let (sender, receiver) = std::sync::mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("proxy runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
                sender
                    .send(listener.local_addr().expect("proxy address"))
                    .ok();
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve(client, upstream.clone(), shared.clone()));
                }
            });
        });
        let address = receiver.recv().expect("proxy started");
        Self { state, address }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.mode.store(mode as u32, Ordering::SeqCst);
    }

    /// The next `n` requests reach storage, but their responses are dropped.
    pub fn lose_responses(&self, n: usize) {
        self.state.lose_responses.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests do not reach storage: a `TransactWriteItems` is cancelled with a
    /// `TransactionConflict` on the action `at`, any other call fails with
    /// `TransactionConflictException`. Responses to lose ([`Self::lose_responses`]) go first.
    pub fn conflict_next(&self, n: usize, at: ConflictAt) {
        self.state.conflict_at.store(at as u32, Ordering::SeqCst);
        self.state.conflicts.store(n, Ordering::SeqCst);
    }

    /// The next call of `operation` (`TransactWriteItems`, ...) reaches storage, but its
    /// response is dropped.
    pub fn lose_response_of(&self, operation: &str) {
        *self.state.lose_response_of.lock().expect("lock") = Some(operation.to_owned());
    }

    /// Forwards the next `n` requests, then refuses every connection ([`Mode::Refuse`]), as
    /// storage going away at that very point would.
    pub fn refuse_after(&self, n: usize) {
        self.set_mode(Mode::Forward);
        self.state.refuse_after.store(n + 1, Ordering::SeqCst);
    }

    /// Whether it refuses connections now (after [`Self::refuse_after`] ran out).
    pub fn refuses(&self) -> bool {
        self.mode() == Mode::Refuse as u32
    }

    /// Requests seen per DynamoDB operation (`TransactWriteItems`, `Query`, ...), then resets.
    pub fn take_counts(&self) -> HashMap<String, usize> {
        std::mem::take(&mut *self.state.counts.lock().expect("counts lock"))
    }

    /// Waits until the proxy has seen `n` more `operation` calls (counted from the last
    /// [`Self::take_counts`] or wait), whatever it did with them.
    pub async fn wait_for_calls(&self, operation: &str, n: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut seen = 0;
        while seen < n {
            assert!(
                std::time::Instant::now() < deadline,
                "only {seen} of {n} {operation} calls after 60 s"
            );
            seen += self.take_counts().get(operation).copied().unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    /// Waits until every request the proxy sent on has been answered by storage (whatever the
    /// proxy then does with the answer): after it, what was sent has landed.
    pub async fn wait_until_idle(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while self.state.in_flight.load(Ordering::SeqCst) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "requests still in flight to storage after 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    fn mode(&self) -> u32 {
        self.state.mode.load(Ordering::SeqCst)
    }
}

async fn serve(mut client: TcpStream, upstream: String, state: Arc<State>) {
    let proxy = StorageProxy {
        state: state.clone(),
        address: "0.0.0.0:0".parse().expect("address"),
    };
    let mut client_buffer = Vec::new();
    loop {
        if proxy.mode() == Mode::Refuse as u32 {
            return;
        }
        let Some(request) = read_message(&mut client, &mut client_buffer).await else {
            return;
        };
        let operation =
            header(&request, "x-amz-target").and_then(|t| t.split('.').nth(1).map(str::to_owned));
        if let Some(operation) = &operation {
            *state
                .counts
                .lock()
                .expect("counts lock")
                .entry(operation.clone())
                .or_default() += 1;
        }
        // Lost responses first: the SDK's retry of a lost write can then meet a conflict.
        if state.lose_responses.load(Ordering::SeqCst) == 0 && take_one(&state.conflicts) {
            let at = state.conflict_at.load(Ordering::SeqCst);
            let body = conflict_body(
                &request,
                operation.as_deref(),
                at == ConflictAt::Last as u32,
            );
            if client.write_all(&bad_request(&body)).await.is_err() {
                return;
            }
            continue;
        }
        if state.refuse_after.load(Ordering::SeqCst) == 1 {
            proxy.set_mode(Mode::Refuse);
            return;
        }
        take_one_above_one(&state.refuse_after);
        match proxy.mode() {
            m if m == Mode::Refuse as u32 => return,
            m if m == Mode::Hang as u32 => {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                return;
            }
            m if m == Mode::Throttle as u32 => {
                let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
                if client.write_all(&bad_request(body)).await.is_err() {
                    return;
                }
                continue;
            }
            _ => {}
        }
        let in_flight = InFlight::start(&state.in_flight);
        let Ok(mut server) = TcpStream::connect(&upstream).await else {
            return;
        };
        if server.write_all(&request).await.is_err() {
            return;
        }
        let Some(response) = read_message(&mut server, &mut Vec::new()).await else {
            return;
        };
        drop(in_flight);
        let lose_this = {
            let mut lose = state.lose_response_of.lock().expect("lock");
            let matches = lose.is_some() && *lose == operation;
            if matches {
                *lose = None;
            }
            matches
        };
        if lose_this
            || take_one(&state.lose_responses)
            || client.write_all(&response).await.is_err()
        {
            return;
        }
    }
}

/// Counts `counter` down by one, if it is above one (one: the count is spent).
fn take_one_above_one(counter: &AtomicUsize) {
    let _ = counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
        (n > 1).then(|| n - 1)
    });
}

/// Counts `counter` down by one, if it is above zero.
fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// A DynamoDB error response.
fn bad_request(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What DynamoDB answers when another transaction holds an item: for a `TransactWriteItems`
/// a cancellation with one reason per action (the conflict on the first or last one).
fn conflict_body(request: &[u8], operation: Option<&str>, on_last: bool) -> String {
    const PREFIX: &str = "com.amazonaws.dynamodb.v20120810#";
    if operation != Some("TransactWriteItems") {
        return serde_json::json!({
            "__type": format!("{PREFIX}TransactionConflictException"),
            "message": "Transaction is ongoing for the item",
        })
        .to_string();
    }
    let body_start = find(request, b"\r\n\r\n").map_or(request.len(), |at| at + 4);
    let actions = serde_json::from_slice::<serde_json::Value>(&request[body_start..])
        .ok()
        .and_then(|body| body["TransactItems"].as_array().map(Vec::len))
        .unwrap_or(1);
    let conflicted = if on_last {
        actions.saturating_sub(1)
    } else {
        0
    };
    let reasons: Vec<serde_json::Value> = (0..actions)
        .map(|index| {
            if index == conflicted {
                serde_json::json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"})
            } else {
                serde_json::json!({"Code": "None"})
            }
        })
        .collect();
    serde_json::json!({
        "__type": format!("{PREFIX}TransactionCanceledException"),
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
        "CancellationReasons": reasons,
    })
    .to_string()
}

/// Reads one HTTP/1.1 message (head and `Content-Length` body, as the SDK and DynamoDB Local send them);
/// `buffer` keeps what follows it.
pub async fn read_message(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 64 * 1024];
    let head_end = loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let length: usize = header(&buffer[..head_end], "content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Some(buffer.drain(..head_end + length).collect())
}

/// The value of header `name` in a message's head.
pub fn header(message: &[u8], name: &str) -> Option<String> {
    let head_end = find(message, b"\r\n\r\n").unwrap_or(message.len());
    String::from_utf8_lossy(&message[..head_end])
        .split("\r\n")
        .skip(1)
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
