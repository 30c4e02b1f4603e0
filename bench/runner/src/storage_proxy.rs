//! A counting, keep-alive proxy between the functions and the storage server.
//!
//! The local engine may close a connection after any answer, and the tests' `StorageProxy` passes
//! that on, so a function would open a new TCP connection for every DynamoDB request. DynamoDB
//! keeps connections alive, and the point of the Init warm-up is a connection that stays open:
//! this proxy keeps the function's connection open (it drops the engine's `Connection: close`)
//! and opens a fresh one to the engine per request, on its own side. It counts requests per DynamoDB
//! operation (`X-Amz-Target`) where they arrive, as the tests' proxy does, and records them
//! with their answers on request (what a route's floor sends again, [`crate::floors`]).
//!
//! It also stands in for Secrets Manager: a request whose target is `secretsmanager.*` (the
//! functions send only `GetSecretValue`, at Init, in [`crate::measure::Setup::SecretsManager`])
//! is counted like the others and answered here with the dev password, never sent to the engine.

use neptun_tests::proxy::{find, header, read_message};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// One DynamoDB request and the engine's answer to it, as they crossed the proxy.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `X-Amz-Target` without the service: `Query`.
    pub operation: String,
    pub request_body: Vec<u8>,
    /// The whole HTTP response, as the function received it.
    pub response: Vec<u8>,
}

/// The exchanges seen while recording (`None`: not recording).
type Recording = Arc<Mutex<Option<Vec<Exchange>>>>;

#[derive(Clone)]
pub struct CountingProxy {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    recording: Recording,
    endpoint: String,
}

impl CountingProxy {
    /// Starts the proxy to `upstream` (`http://host:port`) on a free port of 127.0.0.1.
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let recording = Recording::default();
        let shared = (counts.clone(), recording.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                client.set_nodelay(true).ok();
                tokio::spawn(serve(client, upstream.clone(), shared.clone()));
            }
        });
        Ok(Self {
            counts,
            recording,
            endpoint,
        })
    }

    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Records every DynamoDB exchange from now until [`CountingProxy::take_recording`].
    pub fn record(&self) {
        *self
            .recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
    }

    /// The exchanges since [`CountingProxy::record`], in order; recording stops.
    pub fn take_recording(&self) -> Vec<Exchange> {
        self.recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default()
    }

    /// Requests seen per DynamoDB operation since the last call.
    pub fn take_counts(&self) -> HashMap<String, usize> {
        std::mem::take(&mut *self.counts.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: String,
    (counts, recording): (Arc<Mutex<HashMap<String, usize>>>, Recording),
) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_message(&mut client, &mut buffer).await else {
            return;
        };
        let target = header(&request, "x-amz-target").unwrap_or_default();
        let operation = target.split('.').nth(1).unwrap_or_default().to_owned();
        if !operation.is_empty() {
            *counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(operation.clone())
                .or_default() += 1;
        }
        if target.starts_with("secretsmanager.") {
            if client.write_all(&secret_value(&request)).await.is_err() {
                return;
            }
            continue;
        }
        let Ok(mut server) = TcpStream::connect(&upstream).await else {
            return;
        };
        server.set_nodelay(true).ok();
        if server.write_all(&request).await.is_err() {
            return;
        }
        let mut server_buffer = Vec::new();
        let Some(response) = read_message(&mut server, &mut server_buffer).await else {
            return;
        };
        let response = keep_alive(&response);
        if let Some(exchanges) = recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            let body_start = find(&request, b"\r\n\r\n").map_or(request.len(), |at| at + 4);
            exchanges.push(Exchange {
                operation,
                request_body: request[body_start..].to_vec(),
                response: response.clone(),
            });
        }
        if client.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// Secrets Manager's `GetSecretValue` answer (JSON 1.1) for the secret the request names, as
/// `neptun_tests::secrets_manager` gives it: its text is the dev password the sample cookies
/// are sealed with, so the requests after Init succeed as in the other setups.
fn secret_value(request: &[u8]) -> Vec<u8> {
    let body_start = find(request, b"\r\n\r\n").map_or(request.len(), |at| at + 4);
    let body: serde_json::Value =
        serde_json::from_slice(&request[body_start..]).unwrap_or_default();
    let id = body["SecretId"].as_str().unwrap_or_default();
    let text = serde_json::json!({
        "ARN": id,
        "Name": id.rsplit(':').next().unwrap_or(id),
        "SecretString": neptun_tests::DEV_PASSWORD,
        "VersionId": "00000000-0000-0000-0000-000000000001",
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": 1_795_288_364.0,
    })
    .to_string();
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{text}",
        text.len()
    )
    .into_bytes()
}

/// The message without its `Connection` header (HTTP/1.1 then means keep-alive).
fn keep_alive(message: &[u8]) -> Vec<u8> {
    let Some(head_end) = find(message, b"\r\n\r\n") else {
        return message.to_vec();
    };
    let head = String::from_utf8_lossy(&message[..head_end]);
    let mut out = Vec::with_capacity(message.len());
    for (n, line) in head.split("\r\n").enumerate() {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("connection"));
        if n > 0 && is_connection {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&message[head_end + 4..]);
    out
}
