//! A storage stand-in that answers every DynamoDB request at once with a canned, valid answer
//! (`{}`: a `TransactWriteItems` that committed, a `GetItem` that found nothing), so that a
//! latency measured against it is the function's own, not the storage engine's. DynamoDB Local
//! stays for the request counts and for correctness.

use neptun_tests::proxy::read_message;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
x-amzn-requestid: 00000000000000000000000000000000000000000000000000\r\ncontent-length: 2\r\n\r\n{}";

/// Listens on a free port of 127.0.0.1; its `http://` endpoint.
pub async fn start() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            client.set_nodelay(true).ok();
            tokio::spawn(answer(client));
        }
    });
    Ok(endpoint)
}

async fn answer(mut client: TcpStream) {
    let mut buffer = Vec::new();
    while read_message(&mut client, &mut buffer).await.is_some() {
        if client.write_all(ANSWER).await.is_err() {
            return;
        }
    }
}
