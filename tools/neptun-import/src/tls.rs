//! TLS to the web app's PostgreSQL, as libpq reads a connection: `sslmode` and `sslrootcert`
//! from the URL's query, else from `PGSSLMODE` and `PGSSLROOTCERT`, with libpq's meaning
//! (rustls on ring, through tokio-postgres-rustls; the host name goes out as SNI).
//!
//! | sslmode | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | not asked for |
//! | `prefer` (the default) | when the server offers it | not checked |
//! | `require` | always | not checked, unless a root certificate file is there: then as `verify-ca` |
//! | `verify-ca` | always | signed by a trusted root |
//! | `verify-full` | always | signed by a trusted root, and issued for the host |
//!
//! The trusted roots: `sslrootcert=<PEM file>`; `sslrootcert=system`, the machine's store,
//! which `verify-full` alone may use (and which makes it the default); else
//! `~/.postgresql/root.crt`.
//!
//! tokio-postgres knows neither `sslrootcert` nor the `verify-*` modes, so both options are
//! taken out of the URL it parses, and it is told only whether to ask for TLS and whether to
//! insist; the certificate checks are the rustls verifier's.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres_rustls::MakeRustlsConnect;

const SSL_MODE_ENV: &str = "PGSSLMODE";
const ROOT_CERT_ENV: &str = "PGSSLROOTCERT";
/// libpq's root certificate file, under the home directory, when `sslrootcert` is not given.
const HOME_ROOT_CERT: &str = ".postgresql/root.crt";
/// `sslrootcert`'s value for the machine's trust store.
const SYSTEM_ROOTS: &str = "system";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "sslmode (DATABASE_URL or {SSL_MODE_ENV}) must be disable, prefer, require, verify-ca or verify-full, not {0:?}"
    )]
    InvalidSslMode(String),
    #[error(
        "weak sslmode \"{0}\" may not be used with sslrootcert=system (use verify-full): the machine's roots trust every public host"
    )]
    WeakModeWithSystemRoots(&'static str),
    #[error(
        "sslmode={0} checks the server's certificate, but there is no sslrootcert and no ~/.postgresql/root.crt: pass sslrootcert=<CA file>, or sslrootcert=system for the machine's trusted roots"
    )]
    NoRootCert(&'static str),
    #[error("sslrootcert (DATABASE_URL or {ROOT_CERT_ENV}): cannot read {path}")]
    ReadRootCert {
        path: PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("sslrootcert (DATABASE_URL or {ROOT_CERT_ENV}): {path} holds no PEM certificate")]
    EmptyRootCert { path: PathBuf },
    #[error(
        "sslrootcert (DATABASE_URL or {ROOT_CERT_ENV}): {path} holds a certificate that is no usable root"
    )]
    InvalidRootCert {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
    #[error("sslrootcert=system: the machine's trust store holds no usable root certificate")]
    NoSystemRoots {
        #[source]
        source: Option<rustls_native_certs::Error>,
    },
    #[error("the TLS client cannot be set up")]
    Config(#[source] rustls::Error),
    #[error("the TLS client cannot be set up")]
    Verifier(#[source] rustls::client::VerifierBuilderError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    const ALL: [SslMode; 5] = [
        Self::Disable,
        Self::Prefer,
        Self::Require,
        Self::VerifyCa,
        Self::VerifyFull,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    fn parse(value: &str) -> Result<Self, TlsError> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.name() == value)
            .ok_or_else(|| TlsError::InvalidSslMode(value.to_owned()))
    }
}

/// The roots a checked certificate must chain to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    File(PathBuf),
    System,
}

/// What is checked of the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain(Roots),
    ChainAndHost(Roots),
}

/// What libpq reads besides the URL ([`TlsDefaults::from_env`]; the tests give their own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsDefaults {
    /// `PGSSLMODE`.
    pub ssl_mode: Option<String>,
    /// `PGSSLROOTCERT`.
    pub root_cert: Option<String>,
    /// `~/.postgresql/root.crt`, when it exists.
    pub home_root_cert: Option<PathBuf>,
}

impl TlsDefaults {
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|value| !value.is_empty());
        Self {
            ssl_mode: var(SSL_MODE_ENV),
            root_cert: var(ROOT_CERT_ENV),
            home_root_cert: std::env::home_dir()
                .map(|home| home.join(HOME_ROOT_CERT))
                .filter(|path| path.is_file()),
        }
    }
}

/// The TLS settings of a connection, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    mode: SslMode,
    check: Check,
}

/// Splits the TLS options off a `postgres://` URL: the URL left for tokio-postgres (the same
/// but for `sslmode` and `sslrootcert`), and the settings they and `defaults` make.
pub fn split_url(url: &str, defaults: &TlsDefaults) -> Result<(String, Tls), TlsError> {
    let (base, query) = split_query(url);
    let mut ssl_mode = None;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.into_iter().flat_map(|query| query.split('&')) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = || percent_decode_str(value).decode_utf8_lossy().into_owned();
        match percent_decode_str(key).decode_utf8_lossy().as_ref() {
            "sslmode" => ssl_mode = Some(value()),
            "sslrootcert" => root_cert = Some(value()),
            _ => kept.push(pair),
        }
    }
    let tls = resolve(ssl_mode.as_deref(), root_cert.as_deref(), defaults)?;
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, tls))
}

/// The URL before its query, and the query. The query starts at the first `?` after the user
/// and password, as tokio-postgres reads it: a password may hold a `?`.
fn split_query(url: &str) -> (&str, Option<&str>) {
    let after_credentials = url.find('@').map_or(0, |at| at + 1);
    match url[after_credentials..].find('?') {
        Some(question) => {
            let (base, query) = url.split_at(after_credentials + question);
            (base, Some(&query[1..]))
        }
        None => (url, None),
    }
}

/// libpq's rules: the URL's value over the environment's; `sslrootcert=system` means
/// `verify-full` and allows nothing weaker; `require` with a root certificate file checks the
/// chain; the `verify-*` modes need roots.
fn resolve(
    url_ssl_mode: Option<&str>,
    url_root_cert: Option<&str>,
    defaults: &TlsDefaults,
) -> Result<Tls, TlsError> {
    let mode = url_ssl_mode
        .or(defaults.ssl_mode.as_deref())
        .map(SslMode::parse)
        .transpose()?;
    let given_roots = url_root_cert
        .or(defaults.root_cert.as_deref())
        .filter(|value| !value.is_empty())
        .map(|value| match value {
            SYSTEM_ROOTS => Roots::System,
            path => Roots::File(PathBuf::from(path)),
        });
    let mode = match (mode, &given_roots) {
        (None, Some(Roots::System)) => SslMode::VerifyFull,
        (Some(mode), Some(Roots::System)) if mode != SslMode::VerifyFull => {
            return Err(TlsError::WeakModeWithSystemRoots(mode.name()));
        }
        (mode, _) => mode.unwrap_or(SslMode::Prefer),
    };
    let roots = given_roots.or_else(|| defaults.home_root_cert.clone().map(Roots::File));
    let check = match (mode, roots) {
        (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, None) => Check::Nothing,
        (SslMode::Require | SslMode::VerifyCa, Some(roots)) => Check::Chain(roots),
        (SslMode::VerifyFull, Some(roots)) => Check::ChainAndHost(roots),
        (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
            return Err(TlsError::NoRootCert(mode.name()));
        }
    };
    Ok(Tls { mode, check })
}

impl Tls {
    /// What tokio-postgres is told: whether to ask for TLS, and whether to go on without it.
    pub fn negotiation(&self) -> tokio_postgres::config::SslMode {
        match self.mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        }
    }

    /// The connector, its roots read (a missing or unusable file fails here, before connecting).
    pub fn connector(&self) -> Result<MakeRustlsConnect, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?;
        let config = match &self.check {
            Check::Nothing => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(
                    provider.signature_verification_algorithms,
                ))),
            Check::Chain(roots) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyHost(webpki(roots, provider)?))),
            Check::ChainAndHost(roots) => builder.with_webpki_verifier(webpki(roots, provider)?),
        };
        Ok(MakeRustlsConnect::new(config.with_no_client_auth()))
    }
}

/// As the run's first line shows it.
impl fmt::Display for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = self.mode.name();
        let roots = |roots: &Roots| match roots {
            Roots::File(path) => path.display().to_string(),
            Roots::System => "the machine's roots".to_owned(),
        };
        match (&self.check, self.mode) {
            (_, SslMode::Disable) => write!(f, "sslmode={mode}: no TLS"),
            (_, SslMode::Prefer) => write!(
                f,
                "sslmode={mode}: TLS if the server offers it, certificate not checked"
            ),
            (Check::Nothing, _) => write!(f, "sslmode={mode}: TLS, certificate not checked"),
            (Check::Chain(from), _) => write!(
                f,
                "sslmode={mode}: TLS, certificate checked against {}, not its host name",
                roots(from)
            ),
            (Check::ChainAndHost(from), _) => write!(
                f,
                "sslmode={mode}: TLS, certificate and host name checked against {}",
                roots(from)
            ),
        }
    }
}

fn webpki(
    roots: &Roots,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, TlsError> {
    let store = match roots {
        Roots::File(path) => file_roots(path)?,
        Roots::System => system_roots()?,
    };
    WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
        .build()
        .map_err(TlsError::Verifier)
}

fn file_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let unreadable = |source| TlsError::ReadRootCert {
        path: path.to_owned(),
        source,
    };
    let mut store = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(unreadable)? {
        store
            .add(certificate.map_err(unreadable)?)
            .map_err(|source| TlsError::InvalidRootCert {
                path: path.to_owned(),
                source,
            })?;
    }
    if store.is_empty() {
        return Err(TlsError::EmptyRootCert {
            path: path.to_owned(),
        });
    }
    Ok(store)
}

fn system_roots() -> Result<RootCertStore, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(found.certs);
    if store.is_empty() {
        return Err(TlsError::NoSystemRoots {
            source: found.errors.into_iter().next(),
        });
    }
    Ok(store)
}

/// `prefer`, and `require` without roots: libpq encrypts without checking who answers. The
/// handshake's signatures are still checked, so the server does hold its certificate's key.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain, validity and usage as rustls checks them, for whatever host. The
/// host name is the last thing rustls checks, so its error means all else held.
#[derive(Debug)]
struct AnyHost(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHost {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            checked => checked,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(url: &str, defaults: &TlsDefaults) -> Tls {
        split_url(url, defaults).expect("valid TLS options").1
    }

    fn file(path: &str) -> Roots {
        Roots::File(PathBuf::from(path))
    }

    const URL: &str = "postgres://web:s3cr3t@db.example:5432/neptun";

    #[test]
    fn the_default_is_prefer_without_checks() {
        let (url, tls) = split_url(URL, &TlsDefaults::default()).expect("a URL");
        assert_eq!(url, URL);
        assert_eq!(tls.mode, SslMode::Prefer);
        assert_eq!(tls.check, Check::Nothing);
        assert_eq!(tls.negotiation(), tokio_postgres::config::SslMode::Prefer);
    }

    #[test]
    fn the_options_leave_the_url_and_every_other_parameter_stays() {
        let (url, tls) = split_url(
            &format!(
                "{URL}?application_name=import&sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20dir%2Froot.pem&connect_timeout=5"
            ),
            &TlsDefaults::default(),
        )
        .expect("a URL");
        assert_eq!(
            url,
            format!("{URL}?application_name=import&connect_timeout=5")
        );
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.check, Check::ChainAndHost(file("/etc/ca dir/root.pem")));
        assert_eq!(tls.negotiation(), tokio_postgres::config::SslMode::Require);
        let (url, _) =
            split_url(&format!("{URL}?sslmode=require"), &TlsDefaults::default()).expect("a URL");
        assert_eq!(url, URL, "no empty query left");
    }

    #[test]
    fn a_question_mark_in_the_password_is_no_query() {
        let url = "postgres://web:pa?ss@db.example/neptun?sslmode=disable";
        let (left, tls) = split_url(url, &TlsDefaults::default()).expect("a URL");
        assert_eq!(left, "postgres://web:pa?ss@db.example/neptun");
        assert_eq!(tls.mode, SslMode::Disable);
    }

    #[test]
    fn each_mode_checks_what_libpq_checks() {
        for (mode, check) in [
            ("disable", Check::Nothing),
            ("prefer", Check::Nothing),
            ("require", Check::Chain(file("/ca.pem"))),
            ("verify-ca", Check::Chain(file("/ca.pem"))),
            ("verify-full", Check::ChainAndHost(file("/ca.pem"))),
        ] {
            let url = format!("{URL}?sslmode={mode}&sslrootcert=/ca.pem");
            assert_eq!(tls(&url, &TlsDefaults::default()).check, check, "{mode}");
        }
    }

    #[test]
    fn require_with_a_root_certificate_file_checks_the_chain_as_verify_ca() {
        let given = tls(
            &format!("{URL}?sslmode=require&sslrootcert=/ca.pem"),
            &TlsDefaults::default(),
        );
        assert_eq!(given.check, Check::Chain(file("/ca.pem")));
        let home = TlsDefaults {
            home_root_cert: Some(PathBuf::from("/home/u/.postgresql/root.crt")),
            ..TlsDefaults::default()
        };
        assert_eq!(
            tls(&format!("{URL}?sslmode=require"), &home).check,
            Check::Chain(file("/home/u/.postgresql/root.crt"))
        );
        assert_eq!(tls(URL, &home).check, Check::Nothing, "prefer never checks");
    }

    #[test]
    fn the_url_wins_over_the_environment() {
        let env = TlsDefaults {
            ssl_mode: Some("verify-full".to_owned()),
            root_cert: Some("/env/ca.pem".to_owned()),
            home_root_cert: None,
        };
        assert_eq!(
            tls(URL, &env).check,
            Check::ChainAndHost(file("/env/ca.pem"))
        );
        let over = tls(
            &format!("{URL}?sslmode=verify-ca&sslrootcert=/url/ca.pem"),
            &env,
        );
        assert_eq!(over.mode, SslMode::VerifyCa);
        assert_eq!(over.check, Check::Chain(file("/url/ca.pem")));
        assert_eq!(
            tls(&format!("{URL}?sslmode=disable"), &env).check,
            Check::Nothing
        );
    }

    #[test]
    fn system_roots_mean_verify_full_and_refuse_weaker_modes() {
        let none = TlsDefaults::default();
        let system = tls(&format!("{URL}?sslrootcert=system"), &none);
        assert_eq!(system.mode, SslMode::VerifyFull);
        assert_eq!(system.check, Check::ChainAndHost(Roots::System));
        let from_env = TlsDefaults {
            root_cert: Some("system".to_owned()),
            ..TlsDefaults::default()
        };
        assert_eq!(tls(URL, &from_env).mode, SslMode::VerifyFull);
        for weak in ["disable", "prefer", "require", "verify-ca"] {
            let error = split_url(&format!("{URL}?sslmode={weak}&sslrootcert=system"), &none)
                .expect_err("a weak mode")
                .to_string();
            assert!(
                error.contains(&format!("weak sslmode \"{weak}\""))
                    && error.contains("verify-full"),
                "{error}"
            );
        }
    }

    #[test]
    fn verify_modes_read_the_home_root_certificate_or_ask_for_sslrootcert() {
        let home = TlsDefaults {
            home_root_cert: Some(PathBuf::from("/home/u/.postgresql/root.crt")),
            ..TlsDefaults::default()
        };
        assert_eq!(
            tls(&format!("{URL}?sslmode=verify-full"), &home).check,
            Check::ChainAndHost(file("/home/u/.postgresql/root.crt"))
        );
        for mode in ["verify-ca", "verify-full"] {
            let error = split_url(&format!("{URL}?sslmode={mode}"), &TlsDefaults::default())
                .expect_err("no roots")
                .to_string();
            assert!(
                error.contains("sslrootcert=<CA file>") && error.contains("sslrootcert=system"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_bad_sslmode_names_the_option_and_never_the_url() {
        let env = TlsDefaults {
            ssl_mode: Some("verify_full".to_owned()),
            ..TlsDefaults::default()
        };
        for (url, defaults) in [
            (format!("{URL}?sslmode=on"), &TlsDefaults::default()),
            (URL.to_owned(), &env),
        ] {
            let error = split_url(&url, defaults)
                .expect_err("a bad mode")
                .to_string();
            assert!(error.contains("sslmode"), "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
    }

    #[test]
    fn an_unreadable_or_empty_root_file_names_sslrootcert() {
        let missing = tls(
            &format!("{URL}?sslmode=verify-full&sslrootcert=/nonexistent/neptun-ca.pem"),
            &TlsDefaults::default(),
        );
        let error = missing.connector().err().expect("no such file").to_string();
        assert!(
            error.contains("sslrootcert") && error.contains("/nonexistent/neptun-ca.pem"),
            "{error}"
        );
        let empty =
            std::env::temp_dir().join(format!("neptun-import-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").expect("a temp file");
        let error = tls(
            &format!("{URL}?sslmode=verify-ca&sslrootcert={}", empty.display()),
            &TlsDefaults::default(),
        )
        .connector()
        .err()
        .expect("no certificate")
        .to_string();
        std::fs::remove_file(&empty).expect("remove the temp file");
        assert!(error.contains("holds no PEM certificate"), "{error}");
    }

    #[test]
    fn modes_that_check_nothing_build_a_connector() {
        for mode in ["disable", "prefer", "require"] {
            assert!(
                tls(&format!("{URL}?sslmode={mode}"), &TlsDefaults::default())
                    .connector()
                    .is_ok(),
                "{mode}"
            );
        }
    }
}
