//! A stand-in for the web app's origin, for clients that talk to the web app (the Neptun CLI):
//! it answers `HEAD /api/auth/check` as the web app does (204 for a session our check accepts,
//! else 401) and forwards every other request, as the deployment's rewrite does, to the API.

use std::net::SocketAddr;

use neptun_core::session::SessionConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::proxy::{find, read_message};

pub struct OriginStandIn {
    address: SocketAddr,
}

impl OriginStandIn {
    /// Listens on a free port and forwards to `upstream` (`host:port` of the API).
    pub async fn start(upstream: String, session: SessionConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, upstream.clone(), session.clone()));
            }
        });
        Self { address }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }
}

async fn serve(mut client: TcpStream, upstream: String, session: SessionConfig) {
    let mut buffer = Vec::new();
    while let Some(request) = read_message(&mut client, &mut buffer).await {
        let response = if request.starts_with(b"HEAD /api/auth/check ") {
            auth_check(&request, &session)
        } else {
            match forward(&request, &upstream).await {
                Some(response) => response,
                None => return,
            }
        };
        if client.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// The web app's `HEAD /api/auth/check`: 204 for a logged-in session, 401 otherwise.
fn auth_check(request: &[u8], session: &SessionConfig) -> Vec<u8> {
    let head_end = find(request, b"\r\n\r\n").unwrap_or(request.len());
    let mut headers = http::HeaderMap::new();
    for line in String::from_utf8_lossy(&request[..head_end])
        .split("\r\n")
        .skip(1)
    {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.trim().as_bytes()),
            http::HeaderValue::from_str(value.trim()),
        ) {
            headers.append(name, value);
        }
    }
    let status = match session.authenticate(&headers, neptun_core::clock::now_ms()) {
        Ok(_) => "204 No Content",
        Err(_) => "401 Unauthorized",
    };
    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").into_bytes()
}

async fn forward(request: &[u8], upstream: &str) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    server.write_all(request).await.ok()?;
    read_message(&mut server, &mut Vec::new()).await
}
