//! A TLS 1.3 terminator in front of the counting proxy, so that the functions reach the storage
//! over HTTPS as they reach DynamoDB: a real handshake (ECDHE, the server's certificate chain
//! verified against the client's trust store) on the cold path, and records en- and decrypted
//! per request.
//!
//! The certificate authority is made for the run (rcgen, ECDSA P-256 as DynamoDB's
//! certificates); its certificate is written to a PEM file that the functions trust through
//! `NEPTUN_EXTRA_CA_FILE` (the Node peer through `NODE_EXTRA_CA_CERTS`). The server
//! certificate is for 127.0.0.1 (an IP SAN) and `localhost`, signed by that CA, so the chain is
//! leaf → CA, as DynamoDB's is leaf → intermediate → Amazon root.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

pub struct TlsTerminator {
    endpoint: String,
    ca_file: PathBuf,
    /// Handshakes that failed (such as a client that does not trust the CA).
    refused: Arc<AtomicUsize>,
    /// Handshakes that completed.
    accepted: Arc<AtomicUsize>,
}

impl TlsTerminator {
    /// Makes the CA and the server certificate, writes the CA's certificate to `ca_file` and
    /// listens on a free port of 127.0.0.1, forwarding the plaintext to `upstream`
    /// (`http://host:port`, the counting proxy).
    pub async fn start(upstream: &str, ca_file: &Path) -> Result<Self, String> {
        let (config, ca_pem) = server_config()?;
        std::fs::write(ca_file, ca_pem)
            .map_err(|error| format!("{}: {error}", ca_file.display()))?;
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|error| error.to_string())?;
        let port = listener
            .local_addr()
            .map_err(|error| error.to_string())?
            .port();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let refused = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (refused_count, accepted_count) = (refused.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                client.set_nodelay(true).ok();
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                let (refused, accepted) = (refused_count.clone(), accepted_count.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        refused.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    accepted.fetch_add(1, Ordering::Relaxed);
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    server.set_nodelay(true).ok();
                    tokio::io::copy_bidirectional(&mut tls, &mut server)
                        .await
                        .ok();
                });
            }
        });
        Ok(Self {
            endpoint: format!("https://127.0.0.1:{port}"),
            ca_file: ca_file.to_owned(),
            refused,
            accepted,
        })
    }

    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// The PEM file of the run's CA.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// (completed, failed) handshakes since the last call.
    pub fn take_handshakes(&self) -> (usize, usize) {
        (
            self.accepted.swap(0, Ordering::Relaxed),
            self.refused.swap(0, Ordering::Relaxed),
        )
    }
}

/// A TLS 1.3-only server configuration with a fresh CA's server certificate, and that CA's PEM.
fn server_config() -> Result<(ServerConfig, String), String> {
    let text = |error: rcgen::Error| error.to_string();
    let ca_key = KeyPair::generate().map_err(text)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(text)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "neptun make bench CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).map_err(text)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(text)?;
    let mut server_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(text)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let server = server_params
        .signed_by(&server_key, &issuer)
        .map_err(text)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = vec![server.der().clone(), ca.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|error| error.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| error.to_string())?;
    Ok((config, ca.pem()))
}
