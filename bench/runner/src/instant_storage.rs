//! A storage stand-in that answers every DynamoDB request at once: with the answer recorded for
//! a request of the same body, as JSON ([`InstantStorage::replay`], what a route's floor sends,
//! [`crate::floors`]), or else with a canned, valid one (`{}`: a `TransactWriteItems` that
//! committed, a `GetItem` that found nothing), so that a latency measured against it is the
//! function's own, not the storage engine's. DynamoDB Local stays for the request counts and for
//! correctness.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use neptun_tests::proxy::{find, read_message};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::storage_proxy::Exchange;

const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
x-amzn-requestid: 00000000000000000000000000000000000000000000000000\r\ncontent-length: 2\r\n\r\n{}";

/// Recorded answers by request body, its JSON with sorted keys (a floor's items are maps,
/// serialized in another order than the function's), and the lengths of those bodies: keys
/// in another order keep a body's length, so a request of any other length is answered without
/// reading its JSON, which would add to the latency measured against the stand-in.
#[derive(Default)]
struct Recorded {
    answers: HashMap<Vec<u8>, Vec<u8>>,
    lengths: HashSet<usize>,
}

impl Recorded {
    fn answer(&self, body: &[u8]) -> Option<&[u8]> {
        if !self.lengths.contains(&body.len()) {
            return None;
        }
        self.answers.get(&same_json(body)).map(Vec::as_slice)
    }
}

type Answers = Arc<Mutex<Recorded>>;

pub struct InstantStorage {
    /// Its `http://` endpoint.
    pub endpoint: String,
    answers: Answers,
}

impl InstantStorage {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let answers = Answers::default();
        let shared = answers.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                client.set_nodelay(true).ok();
                tokio::spawn(answer(client, shared.clone()));
            }
        });
        Ok(Self { endpoint, answers })
    }

    /// From now on, a request with the body of one of `exchanges` gets its recorded answer
    /// (those given before stay: the floors of two routes may be counted side by side).
    pub fn replay(&self, exchanges: &[Exchange]) {
        let mut recorded = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        for exchange in exchanges {
            let body = &exchange.request_body;
            recorded.lengths.insert(body.len());
            recorded
                .answers
                .insert(same_json(body), exchange.response.clone());
        }
    }
}

/// `body` with its objects' keys sorted, if it is JSON.
fn same_json(body: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            value.sort_all_objects();
            serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec())
        }
        Err(_) => body.to_vec(),
    }
}

async fn answer(mut client: TcpStream, answers: Answers) {
    let mut buffer = Vec::new();
    while let Some(request) = read_message(&mut client, &mut buffer).await {
        let body_start = find(&request, b"\r\n\r\n").map_or(request.len(), |at| at + 4);
        let recorded = answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .answer(&request[body_start..])
            .map(<[u8]>::to_vec);
        let written = match recorded {
            Some(response) => client.write_all(&response).await,
            None => client.write_all(ANSWER).await,
        };
        if written.is_err() {
            return;
        }
    }
}
