//! The roots of trust of the storage client's HTTPS connections.
//!
//! DynamoDB's certificates chain to the Amazon Trust Services roots (Amazon Root CA 1–4) or,
//! cross-signed, to Starfield Services Root CA G2: those five are compiled in (`shared/neptun-dynamo/certs`),
//! so a cold start does not read and parse the machine's whole trust store (the SDK's default,
//! about 3 ms). Opt-ins, read once at Init:
//! - `NEPTUN_TRUST_SYSTEM_ROOTS=true`: the system store as well (rustls-native-certs, which
//!   honours `SSL_CERT_FILE` / `SSL_CERT_DIR`), e.g. behind a TLS-inspecting proxy;
//! - `NEPTUN_EXTRA_CA_FILE=<path>`: the PEM certificates of that file as well (a private CA,
//!   such as the one `make bench` makes for its TLS terminator).

use std::path::PathBuf;

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The compiled-in roots, by name. Their SHA-256 fingerprints are checked in the tests.
pub const AMAZON_ROOTS: [(&str, &str); 5] = [
    (
        "Amazon Root CA 1",
        include_str!("../certs/amazon-root-ca-1.pem"),
    ),
    (
        "Amazon Root CA 2",
        include_str!("../certs/amazon-root-ca-2.pem"),
    ),
    (
        "Amazon Root CA 3",
        include_str!("../certs/amazon-root-ca-3.pem"),
    ),
    (
        "Amazon Root CA 4",
        include_str!("../certs/amazon-root-ca-4.pem"),
    ),
    (
        "Starfield Services Root CA G2",
        include_str!("../certs/starfield-services-root-ca-g2.pem"),
    ),
];

pub const SYSTEM_ROOTS_ENV: &str = "NEPTUN_TRUST_SYSTEM_ROOTS";
pub const EXTRA_CA_FILE_ENV: &str = "NEPTUN_EXTRA_CA_FILE";

#[derive(Debug, thiserror::Error)]
pub enum TrustConfigError {
    #[error("{SYSTEM_ROOTS_ENV} must be true or false, got {0:?}")]
    SystemRootsFlag(String),
    #[error("{EXTRA_CA_FILE_ENV}: cannot read {path}")]
    ReadExtraCa {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{EXTRA_CA_FILE_ENV}: {path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{EXTRA_CA_FILE_ENV}: {path} holds a certificate that is no usable root")]
    InvalidCertificate {
        path: PathBuf,
        source: rustls::Error,
    },
}

/// Which roots the storage client trusts. The default: the compiled-in Amazon roots only.
#[derive(Debug, Clone, Default)]
pub struct TrustRoots {
    /// The system store as well ([`SYSTEM_ROOTS_ENV`]).
    pub system: bool,
    /// Validated PEM certificates trusted as well ([`EXTRA_CA_FILE_ENV`]).
    extra_pem: Option<Vec<u8>>,
}

impl TrustRoots {
    /// The compiled-in roots, plus the opt-ins of the environment. The extra CA file is read
    /// and checked here, at Init: the SDK would panic on an unparsable certificate later.
    pub fn from_env() -> Result<Self, TrustConfigError> {
        let system = match std::env::var(SYSTEM_ROOTS_ENV) {
            Ok(raw) if raw.trim().is_empty() => false,
            Ok(raw) => {
                crate::env::parse_flag(&raw).ok_or(TrustConfigError::SystemRootsFlag(raw))?
            }
            Err(_) => false,
        };
        let extra_pem = std::env::var_os(EXTRA_CA_FILE_ENV)
            .filter(|path| !path.is_empty())
            .map(|path| read_ca_file(PathBuf::from(path)))
            .transpose()?;
        Ok(Self { system, extra_pem })
    }

    /// The SDK's TLS context for these roots.
    #[expect(
        clippy::expect_used,
        reason = "building fails only for invalid extra server names, which we set none of"
    )]
    pub fn tls_context(&self) -> TlsContext {
        let mut store = TrustStore::empty().with_native_roots(self.system);
        for (_, pem) in AMAZON_ROOTS {
            store.add_pem_certificate(pem.as_bytes());
        }
        if let Some(pem) = &self.extra_pem {
            store.add_pem_certificate(pem.clone());
        }
        TlsContext::builder()
            .with_trust_store(store)
            .build()
            .expect("a TLS context without extra server names")
    }

    /// rustls on ring (see the workspace's Cargo.toml for why not aws-lc-rs).
    pub fn provider() -> tls::Provider {
        tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)
    }
}

/// The file's bytes, once each certificate in it parses as a trust anchor.
fn read_ca_file(path: PathBuf) -> Result<Vec<u8>, TrustConfigError> {
    let pem = match std::fs::read(&path) {
        Ok(pem) => pem,
        Err(source) => return Err(TrustConfigError::ReadExtraCa { path, source }),
    };
    let certificates: Vec<CertificateDer> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .collect();
    let parsed = CertificateDer::pem_slice_iter(&pem).count();
    if certificates.is_empty() || certificates.len() != parsed {
        return Err(TrustConfigError::NoCertificate { path });
    }
    let mut check = rustls::RootCertStore::empty();
    for certificate in certificates {
        if let Err(source) = check.add(certificate) {
            return Err(TrustConfigError::InvalidCertificate { path, source });
        }
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Published by Amazon Trust Services (and in Mozilla's root program).
    const FINGERPRINTS: [&str; 5] = [
        "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
        "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
        "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
        "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
        "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5",
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn compiled_in_roots_are_the_amazon_ones() {
        for ((name, pem), expected) in AMAZON_ROOTS.iter().zip(FINGERPRINTS) {
            let ders: Vec<CertificateDer> = CertificateDer::pem_slice_iter(pem.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(ders.len(), 1, "{name}: one certificate per file");
            assert_eq!(hex(&Sha256::digest(&ders[0])), expected, "{name}");
            let mut store = rustls::RootCertStore::empty();
            assert!(
                store.add(ders[0].clone()).is_ok(),
                "{name} is a trust anchor"
            );
        }
    }

    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!("neptun-tls-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write a temporary file");
        path
    }

    #[test]
    fn extra_ca_files_are_checked_at_init() {
        let good = temp_file("good.pem", AMAZON_ROOTS[0].1.as_bytes());
        assert!(read_ca_file(good.clone()).is_ok());
        let empty = temp_file("empty.pem", b"no certificate here\n");
        assert!(matches!(
            read_ca_file(empty.clone()),
            Err(TrustConfigError::NoCertificate { .. })
        ));
        let garbage = temp_file(
            "garbage.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        assert!(matches!(
            read_ca_file(garbage.clone()),
            Err(TrustConfigError::InvalidCertificate { .. })
        ));
        let missing = std::env::temp_dir().join("neptun-tls-does-not-exist.pem");
        let error = read_ca_file(missing).err().map(|e| e.to_string());
        assert!(
            error.is_some_and(|e| e.starts_with("NEPTUN_EXTRA_CA_FILE: cannot read")),
            "a missing file names the setting"
        );
        for path in [good, empty, garbage] {
            std::fs::remove_file(path).ok();
        }
    }
}
