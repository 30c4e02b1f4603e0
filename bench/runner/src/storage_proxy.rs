//! A counting, keep-alive proxy between the functions and the storage server.
//!
//! The local engine may close a connection after any answer, and the tests' `StorageProxy` passes
//! that on, so a function would open a new TCP connection for every DynamoDB request. DynamoDB
//! keeps connections alive, and the point of the Init warm-up is a connection that stays open:
//! this proxy keeps the function's connection open (it drops the engine's `Connection: close`)
//! and opens a fresh one to the engine per request, on its own side. It counts requests per DynamoDB
//! operation (`X-Amz-Target`) where they arrive, as the tests' proxy does.

use neptun_tests::proxy::{find, header, read_message};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
pub struct CountingProxy {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    endpoint: String,
}

impl CountingProxy {
    /// Starts the proxy to `upstream` (`http://host:port`) on a free port of 127.0.0.1.
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let shared = counts.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                client.set_nodelay(true).ok();
                tokio::spawn(serve(client, upstream.clone(), shared.clone()));
            }
        });
        Ok(Self { counts, endpoint })
    }

    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Requests seen per DynamoDB operation since the last call.
    pub fn take_counts(&self) -> HashMap<String, usize> {
        std::mem::take(&mut *self.counts.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_message(&mut client, &mut buffer).await else {
            return;
        };
        if let Some(operation) =
            header(&request, "x-amz-target").and_then(|t| t.split('.').nth(1).map(str::to_owned))
        {
            *counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(operation)
                .or_default() += 1;
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
        if client.write_all(&keep_alive(&response)).await.is_err() {
            return;
        }
    }
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
