//! The import over TLS, from a PostgreSQL that refuses plain TCP
//! (`neptun_tests::postgres::tls_only`): each `sslmode` checks what libpq's checks, and a
//! certificate that fails its check stops the run before it writes anything. (How the options
//! and `PGSSLMODE` / `PGSSLROOTCERT` combine is unit-tested in the import crate, without
//! touching this process's environment.)

use std::path::Path;

use neptun_core::error::ErrorChain;
use neptun_core::ids::UserId;
use neptun_import::{ImportError, Mode, Options, Report};
use neptun_tests::postgres::{UNNAMED_LOOPBACK, tls_only};

use super::import::{Fixture, fixture_on, ids_of};

/// The generated source (a short long chat) on the TLS-only server, and a fresh table.
async fn tls_fixture() -> Fixture {
    fixture_on(&tls_only().server, 3, false).await
}

impl Fixture {
    /// The source's URL with another host and a query.
    fn url_with(&self, host: &str, query: &str) -> String {
        let url = self.url.replacen("@127.0.0.1:", &format!("@{host}:"), 1);
        format!("{url}?{query}")
    }

    async fn import_from(&self, url: String) -> Result<Report, ImportError> {
        let options = Options {
            database_url: url,
            ..self.options(Mode::Import, None)
        };
        neptun_import::run(&options, &self.target()).await
    }

    async fn assert_imports_from(&self, url: String) {
        let report = self
            .import_from(url)
            .await
            .unwrap_or_else(|error| panic!("the import failed: {}", ErrorChain(&error)));
        assert!(report.is_complete(), "{report}");
        assert_eq!(ids_of(&self.chats_of(UserId(1)).await), vec![3, 2, 1]);
    }

    /// The run fails with `problem` in its error chain, and the table stays empty.
    async fn assert_refused(&self, url: String, problem: &str) {
        let error = self.import_from(url).await.expect_err("the run fails");
        let chain = ErrorChain(&error).to_string();
        assert!(chain.contains(problem), "{chain}");
        assert_eq!(self.table_items().await, 0, "nothing written");
    }
}

fn path(file: &Path) -> String {
    file.display().to_string()
}

#[tokio::test]
async fn require_encrypts_without_checking_the_certificate() {
    let fixture = tls_fixture().await;
    // The server's CA is in no trust store: only an unchecked certificate gets through.
    fixture
        .assert_imports_from(fixture.url_with("127.0.0.1", "sslmode=require"))
        .await;
}

#[tokio::test]
async fn without_sslmode_prefer_takes_the_tls_the_server_offers() {
    let fixture = tls_fixture().await;
    // The server refuses plain TCP: the run got through over TLS.
    fixture.assert_imports_from(fixture.url.clone()).await;
}

#[tokio::test]
async fn verify_full_with_the_servers_ca_imports() {
    let fixture = tls_fixture().await;
    let query = format!(
        "sslmode=verify-full&sslrootcert={}",
        path(&tls_only().ca_file)
    );
    fixture
        .assert_imports_from(fixture.url_with("localhost", &query))
        .await;
}

#[tokio::test]
async fn disable_is_refused_by_a_server_that_wants_tls() {
    let fixture = tls_fixture().await;
    fixture
        .assert_refused(
            fixture.url_with("127.0.0.1", "sslmode=disable"),
            "pg_hba.conf rejects connection",
        )
        .await;
}

#[tokio::test]
async fn verify_full_with_another_ca_stops_before_writing() {
    let fixture = tls_fixture().await;
    let query = format!(
        "sslmode=verify-full&sslrootcert={}",
        path(&tls_only().other_ca_file)
    );
    fixture
        .assert_refused(
            fixture.url_with("localhost", &query),
            "invalid peer certificate: UnknownIssuer",
        )
        .await;
}

#[tokio::test]
async fn require_with_a_root_certificate_checks_the_chain() {
    let fixture = tls_fixture().await;
    let query = format!(
        "sslmode=require&sslrootcert={}",
        path(&tls_only().other_ca_file)
    );
    fixture
        .assert_refused(
            fixture.url_with("127.0.0.1", &query),
            "invalid peer certificate: UnknownIssuer",
        )
        .await;
}

#[tokio::test]
async fn verify_full_refuses_a_host_the_certificate_does_not_name() {
    let fixture = tls_fixture().await;
    let query = format!(
        "sslmode=verify-full&sslrootcert={}",
        path(&tls_only().ca_file)
    );
    fixture
        .assert_refused(
            fixture.url_with(UNNAMED_LOOPBACK, &query),
            "certificate not valid for name",
        )
        .await;
}

#[tokio::test]
async fn verify_ca_checks_the_chain_but_not_the_host_name() {
    let fixture = tls_fixture().await;
    let with = |ca: &Path| format!("sslmode=verify-ca&sslrootcert={}", path(ca));
    fixture
        .assert_refused(
            fixture.url_with(UNNAMED_LOOPBACK, &with(&tls_only().other_ca_file)),
            "invalid peer certificate: UnknownIssuer",
        )
        .await;
    fixture
        .assert_imports_from(fixture.url_with(UNNAMED_LOOPBACK, &with(&tls_only().ca_file)))
        .await;
}
