//! A stand-in for AWS Secrets Manager's `GetSecretValue` (the JSON 1.1 protocol over HTTP),
//! for the functions' reads of the session secret: tests and `make bench`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::proxy::{find, header, read_message};

/// A secret the stand-in holds: its text, or only binary data.
#[derive(Debug, Clone)]
pub enum StoredSecret {
    Text(String),
    Binary,
}

type Secrets = Arc<Mutex<HashMap<String, StoredSecret>>>;

pub struct SecretsManagerStandIn {
    address: SocketAddr,
    calls: Arc<AtomicUsize>,
    secrets: Secrets,
}

impl SecretsManagerStandIn {
    /// Listens on a free port and answers for `secrets` (by ARN or name).
    pub async fn start(secrets: HashMap<String, StoredSecret>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("its address");
        let calls = Arc::new(AtomicUsize::new(0));
        let secrets = Arc::new(Mutex::new(secrets));
        let (counted, served) = (calls.clone(), secrets.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, served.clone(), counted.clone()));
            }
        });
        Self {
            address,
            calls,
            secrets,
        }
    }

    /// Makes `secret` the value of `id` (a rotation), or removes it.
    pub fn set(&self, id: &str, secret: Option<StoredSecret>) {
        let mut secrets = self.secrets.lock().expect("the stand-in's secrets");
        match secret {
            Some(secret) => secrets.insert(id.to_owned(), secret),
            None => secrets.remove(id),
        };
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `127.0.0.1:<port>`, for a TLS terminator in front.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// `GetSecretValue` calls answered so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

async fn serve(mut client: TcpStream, secrets: Secrets, calls: Arc<AtomicUsize>) {
    let mut buffer = Vec::new();
    while let Some(request) = read_message(&mut client, &mut buffer).await {
        calls.fetch_add(1, Ordering::SeqCst);
        let target = header(&request, "x-amz-target").unwrap_or_default();
        let body_start = find(&request, b"\r\n\r\n").map_or(request.len(), |at| at + 4);
        let body: Value = serde_json::from_slice(&request[body_start..]).unwrap_or_default();
        let id = body["SecretId"].as_str().unwrap_or_default();
        let stored = secrets.lock().ok().and_then(|s| s.get(id).cloned());
        let (status, answer) = match (target.as_str(), stored) {
            ("secretsmanager.GetSecretValue", Some(secret)) => {
                let mut answer = json!({
                    "ARN": id,
                    "Name": id.rsplit(':').next().unwrap_or(id),
                    "VersionId": "00000000-0000-0000-0000-000000000001",
                    "VersionStages": ["AWSCURRENT"],
                    "CreatedDate": 1_795_288_364.0,
                });
                match secret {
                    StoredSecret::Text(text) => answer["SecretString"] = json!(text),
                    StoredSecret::Binary => answer["SecretBinary"] = json!("AAEC"),
                }
                ("200 OK", answer)
            }
            ("secretsmanager.GetSecretValue", None) => (
                "400 Bad Request",
                json!({
                    "__type": "ResourceNotFoundException",
                    "message": "Secrets Manager can't find the specified secret.",
                }),
            ),
            _ => (
                "400 Bad Request",
                json!({"__type": "UnknownOperationException"}),
            ),
        };
        let text = answer.to_string();
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if client.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}
