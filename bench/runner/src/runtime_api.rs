//! A small stand-in for the Lambda Runtime API: just enough HTTP/1.1 for `lambda_runtime`.
//!
//! - `GET /2018-06-01/runtime/invocation/next` records its arrival (the first one ends a cold
//!   start), then waits for an event from [`RuntimeApi::invoke`] and hands it out with the
//!   `Lambda-Runtime-*` headers.
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `.../{id}/error` complete that
//!   invocation; the latency is measured from handing the event out to receiving the answer.
//! - `POST /2018-06-01/runtime/init/error` records a failed Init.
//!
//! One instance per function process: the process finds it through `AWS_LAMBDA_RUNTIME_API`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

/// How an invocation ended, as the runtime reported it.
#[derive(Debug)]
pub struct Outcome {
    /// From handing the event out at `/next` to receiving `/response` (or `/error`).
    pub latency: Duration,
    /// The response body, or the error body.
    pub result: Result<String, String>,
}

struct Invocation {
    id: String,
    event: Arc<str>,
    done: oneshot::Sender<Outcome>,
}

struct Pending {
    handed_out: Instant,
    done: oneshot::Sender<Outcome>,
}

struct Shared {
    queue: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    pending: std::sync::Mutex<HashMap<String, Pending>>,
    nexts: mpsc::UnboundedSender<Instant>,
    init_errors: mpsc::UnboundedSender<String>,
    function_name: String,
}

pub struct RuntimeApi {
    address: SocketAddr,
    queue: mpsc::UnboundedSender<Invocation>,
    nexts: mpsc::UnboundedReceiver<Instant>,
    init_errors: mpsc::UnboundedReceiver<String>,
    accept: JoinHandle<()>,
    counter: u64,
}

impl RuntimeApi {
    pub async fn start(function_name: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (queue, queue_receiver) = mpsc::unbounded_channel();
        let (nexts_sender, nexts) = mpsc::unbounded_channel();
        let (errors_sender, init_errors) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: Mutex::new(queue_receiver),
            pending: std::sync::Mutex::new(HashMap::new()),
            nexts: nexts_sender,
            init_errors: errors_sender,
            function_name: function_name.to_owned(),
        });
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).ok();
                tokio::spawn(connection(stream, shared.clone()));
            }
        });
        Ok(Self {
            address,
            queue,
            nexts,
            init_errors,
            accept,
            counter: 0,
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Waits for the next `GET /next` (the first one marks the end of Init). `None` when the
    /// time is up or the function reported an Init error.
    pub async fn next_arrival(&mut self, timeout: Duration) -> Result<Instant, String> {
        tokio::select! {
            arrival = self.nexts.recv() => arrival.ok_or_else(|| "runtime API closed".to_owned()),
            error = self.init_errors.recv() => Err(format!("init error: {}", error.unwrap_or_default())),
            () = tokio::time::sleep(timeout) => Err(format!("no GET /next within {timeout:?}")),
        }
    }

    /// Hands `event` to the function at its next `GET /next` and waits for its answer.
    pub async fn invoke(&mut self, event: Arc<str>, timeout: Duration) -> Result<Outcome, String> {
        self.counter += 1;
        let id = format!("bench-{:08}-{:016x}", self.counter, rand_u64());
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Invocation { id, event, done })
            .map_err(|_| "runtime API closed".to_owned())?;
        match tokio::time::timeout(timeout, outcome).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Err("the invocation was dropped".to_owned()),
            Err(_) => Err(format!("no response within {timeout:?}")),
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}

async fn connection(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::with_capacity(16 * 1024);
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let reply = match (request.method.as_str(), request.path.as_str()) {
            ("GET", NEXT) => {
                shared.nexts.send(Instant::now()).ok();
                let invocation = shared.queue.lock().await.recv().await;
                let Some(invocation) = invocation else { return };
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |now| now.as_millis() as u64 + 10_000);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     lambda-runtime-aws-request-id: {id}\r\n\
                     lambda-runtime-deadline-ms: {deadline}\r\n\
                     lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:{name}\r\n\
                     lambda-runtime-trace-id: Root=1-00000000-{id_hex:024x};Parent=0000000000000001;Sampled=0\r\n\
                     content-length: {length}\r\n\r\n",
                    id = invocation.id,
                    name = shared.function_name,
                    id_hex = rand_u64(),
                    length = invocation.event.len(),
                );
                let mut message = head.into_bytes();
                message.extend_from_slice(invocation.event.as_bytes());
                lock(&shared.pending).insert(
                    invocation.id,
                    Pending {
                        handed_out: Instant::now(),
                        done: invocation.done,
                    },
                );
                if stream.write_all(&message).await.is_err() {
                    return;
                }
                continue;
            }
            ("POST", INIT_ERROR) => {
                shared
                    .init_errors
                    .send(String::from_utf8_lossy(&request.body).into_owned())
                    .ok();
                accepted()
            }
            ("POST", path) if path.starts_with(INVOCATION) => {
                let rest = &path[INVOCATION.len()..];
                let (id, result) = if let Some(id) = rest.strip_suffix("/response") {
                    (id, Ok(String::from_utf8_lossy(&request.body).into_owned()))
                } else if let Some(id) = rest.strip_suffix("/error") {
                    (id, Err(String::from_utf8_lossy(&request.body).into_owned()))
                } else {
                    (rest, Err(format!("unknown path {path}")))
                };
                let now = Instant::now();
                if let Some(pending) = lock(&shared.pending).remove(id) {
                    pending
                        .done
                        .send(Outcome {
                            latency: now - pending.handed_out,
                            result,
                        })
                        .ok();
                }
                accepted()
            }
            _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_owned(),
        };
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn accepted() -> String {
    let body = r#"{"status":"OK"}"#;
    format!(
        "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// Reads one request (`Content-Length` or chunked body); `buffer` keeps what follows it.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            break at + 4;
        }
        fill(stream, buffer).await?;
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    buffer.drain(..head_end);
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = find(buffer, b"\r\n") {
                    break at;
                }
                fill(stream, buffer).await?;
            };
            let size_text = String::from_utf8_lossy(&buffer[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            buffer.drain(..line_end + 2);
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                loop {
                    if let Some(at) = find(buffer, b"\r\n") {
                        let empty = at == 0;
                        buffer.drain(..at + 2);
                        if empty {
                            break;
                        }
                    } else {
                        fill(stream, buffer).await?;
                    }
                }
                break body;
            }
            while buffer.len() < size + 2 {
                fill(stream, buffer).await?;
            }
            body.extend_from_slice(&buffer[..size]);
            buffer.drain(..size + 2);
        }
    } else {
        while buffer.len() < length {
            fill(stream, buffer).await?;
        }
        buffer.drain(..length).collect()
    };
    Some(Request { method, path, body })
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await.ok()?;
    if n == 0 {
        return None;
    }
    buffer.extend_from_slice(&chunk[..n]);
    Some(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
