//! A private PostgreSQL server for the import tests: Debian's `postgresql` binaries
//! (`/usr/lib/postgresql/<version>/bin`, installed by `scripts/install-postgres.sh`), its own
//! `initdb` data directory in a temp dir, a free port on 127.0.0.1 with trust auth, and its
//! Unix socket in that temp dir: never a shared or system cluster.
//!
//! `initdb` refuses to run as root, so as root it and the server run as the package's
//! `postgres` user. The server stops (and its directory goes) when the [`Postgres`] is
//! dropped, and, through a watchdog, when the test process ends.
//!
//! [`tls_only`] is a second such server that refuses TCP connections without TLS, its
//! certificate signed by a CA made for the run (rcgen); the helpers here reach both through
//! the socket.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

use crate::{free_port, wait_for_port};

/// The `CRYPTO_SECRET` of the test databases: their share passwords and users' emails are
/// encrypted with it, as the web app encrypts them.
pub const CRYPTO_SECRET: &str = "test-crypto-secret-of-the-web-app";

/// `text` as the web app stores a secret column: `encode(encrypt(text, CRYPTO_SECRET, 'aes'),
/// 'hex')`, as SQL (`text` is SQL too: a literal or a column).
pub fn encrypted(text: &str) -> String {
    format!(
        "encode(encrypt(convert_to({text}, 'UTF8'), convert_to('{CRYPTO_SECRET}', 'UTF8'), 'aes'), 'hex')"
    )
}

/// The web app's tables the import reads (`origin-schema.md`), plus one it does not (the
/// projects themselves).
pub const WEB_APP_SCHEMA: &str = "
CREATE EXTENSION pgcrypto;
CREATE TYPE ai_model_enum AS ENUM ('google/gemma-2-27b-it', 'meta-llama/Meta-Llama-3.1-8B-Instruct', 'mistralai/Mistral-7B-Instruct-v0.3');
CREATE TYPE chat_conversation_message_actor_enum AS ENUM ('user', 'assistant');
CREATE TABLE neptun_user (
    id serial PRIMARY KEY,
    primary_email text
);
CREATE TABLE chat_conversation (
    id serial PRIMARY KEY,
    name text NOT NULL,
    model ai_model_enum NOT NULL,
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now(),
    neptun_user_id integer NOT NULL REFERENCES neptun_user(id) ON DELETE CASCADE
);
CREATE TABLE chat_conversation_message (
    id serial PRIMARY KEY,
    message text NOT NULL,
    actor chat_conversation_message_actor_enum DEFAULT 'user',
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now(),
    neptun_user_id integer NOT NULL,
    chat_conversation_id integer NOT NULL REFERENCES chat_conversation(id) ON DELETE CASCADE
);
CREATE TABLE neptun_user_file (
    id serial PRIMARY KEY,
    title text,
    text text NOT NULL,
    language text NOT NULL DEFAULT 'text',
    file_extension text NOT NULL DEFAULT 'txt',
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now(),
    neptun_user_id integer NOT NULL
);
CREATE TABLE chat_conversation_file (
    id serial PRIMARY KEY,
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now(),
    neptun_user_id integer NOT NULL,
    chat_conversation_id integer NOT NULL REFERENCES chat_conversation(id) ON DELETE CASCADE,
    chat_conversation_message_id integer NOT NULL REFERENCES chat_conversation_message(id) ON DELETE CASCADE,
    neptun_user_file_id integer NOT NULL REFERENCES neptun_user_file(id)
);
CREATE TABLE neptun_user_project (
    id serial PRIMARY KEY,
    name text NOT NULL,
    neptun_user_id integer NOT NULL REFERENCES neptun_user(id) ON DELETE CASCADE
);
CREATE TABLE project_chat_conversation (
    project_id integer NOT NULL REFERENCES neptun_user_project(id) ON DELETE CASCADE,
    chat_conversation_id integer NOT NULL REFERENCES chat_conversation(id) ON DELETE CASCADE,
    created_at timestamp DEFAULT now()
);
CREATE TABLE chat_conversation_share (
    id serial PRIMARY KEY,
    is_shared boolean NOT NULL DEFAULT true,
    share_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    is_protected boolean NOT NULL DEFAULT false,
    hashed_password text,
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now(),
    chat_conversation_id integer NOT NULL UNIQUE REFERENCES chat_conversation(id) ON DELETE CASCADE
);
CREATE TABLE chat_conversation_share_whitelist_entry (
    id serial PRIMARY KEY,
    whitelisted_neptun_user_id integer NOT NULL REFERENCES neptun_user(id),
    chat_conversation_share_id integer NOT NULL REFERENCES chat_conversation_share(id) ON DELETE CASCADE,
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now()
);
";

/// Where [`Postgres::start`]'s server listens.
const LOOPBACK: &str = "127.0.0.1";

/// A loopback address that the TLS-only server listens on too and its certificate does not
/// name (any 127.x.y.z reaches the machine itself on Linux).
pub const UNNAMED_LOOPBACK: &str = "127.0.0.2";

/// A running private server.
pub struct Postgres {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
}

/// The highest installed version's `bin` directory, with `initdb` in it.
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).expect(
        "no /usr/lib/postgresql/*/bin/initdb: run scripts/install-postgres.sh (make test does)",
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// `program args...`, as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Postgres {
    /// `initdb` and a server on a free port; panics with what went wrong.
    pub fn start() -> Self {
        Self::start_with(LOOPBACK, |_, _| {})
    }

    /// As [`Postgres::start`], listening on `addresses` (the port is free on 127.0.0.1), with
    /// `configure(root, data)` run between `initdb` and the server's start.
    fn start_with(addresses: &str, configure: impl FnOnce(&Path, &Path)) -> Self {
        use std::os::unix::process::CommandExt;
        let bin = postgres_bin();
        let root = std::env::temp_dir().join(format!(
            "neptun-postgres-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(root.join("socket")).expect("a temp dir for PostgreSQL");
        if is_root() {
            let mut chown = Command::new("chown");
            chown.args(["-R", "postgres:postgres"]).arg(&root);
            run(chown, "chown the PostgreSQL temp dir to postgres");
        }
        let data = root.join("data");
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        configure(&root, &data);
        let port = free_port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses={addresses} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            root.join("socket").display()
        );
        let mut start = as_postgres(&bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(root.join("server.log"))
            .args(["-o", &options, "-w", "-t", "60", "start"])
            // Out of the terminal's process group: a Ctrl-C of the tests reaches the watchdog
            // below, which stops the server, rather than the server itself mid-way.
            .process_group(0);
        run(start, "pg_ctl start");
        assert!(
            wait_for_port(port, Duration::from_secs(30)),
            "PostgreSQL did not listen on {port}"
        );
        let server = Self { root, bin, port };
        server.watch();
        server
    }

    /// Stops the server and removes its directory once this process is gone.
    fn watch(&self) {
        use std::os::unix::process::CommandExt;
        let stop = self.stop_command_line();
        let script = format!(
            "while kill -0 {parent} 2>/dev/null; do sleep 1; done; {stop}",
            parent = std::process::id(),
        );
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the PostgreSQL watchdog");
        std::thread::spawn(move || watchdog.wait());
    }

    fn stop_command_line(&self) -> String {
        let runuser = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!(
            "{runuser}'{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{root}'",
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.root.join("data").display(),
            root = self.root.display(),
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for `database` (user `postgres`, trust auth: any password works).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new, empty database with the web app's tables; returns its URL.
    pub async fn database_with_web_app_schema(&self) -> String {
        self.url(&self.web_app_database().await)
    }

    /// A new, empty database with the web app's tables; returns its name.
    pub async fn web_app_database(&self) -> String {
        let name = format!("webapp_{:016x}", rand::random::<u64>());
        let admin = self.connect("postgres").await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        let database = self.connect(&name).await;
        database
            .batch_execute(WEB_APP_SCHEMA)
            .await
            .expect("create the web app's tables");
        name
    }

    /// A client of `database` through the server's Unix socket (no TLS, whatever the server
    /// asks of TCP clients), its connection driven on the current runtime.
    pub async fn connect(&self, database: &str) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::Config::new()
            .host_path(self.root.join("socket"))
            .port(self.port)
            .user("postgres")
            .dbname(database)
            .connect(tokio_postgres::NoTls)
            .await
            .expect("connect to the test PostgreSQL through its socket");
        tokio::spawn(connection);
        client
    }
}

/// A client of the database at `url`, its connection driven on the current runtime.
pub async fn connect_url(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(connection);
    client
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(self.stop_command_line())
            .status();
    }
}

/// One server for the whole test process (each test takes its own database in it).
pub fn shared() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(Postgres::start)
}

/// A certificate authority made for the test run (ECDSA P-256).
struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("a CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA certificate"),
        }
    }

    /// The CA's certificate, PEM.
    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (DNS names or IP addresses) signed by this CA: the
    /// certificate and its key, PEM.
    fn server_certificate(&self, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().expect("a server key");
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("server parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, &names[0]);
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        (certificate.pem(), key.serialize_pem())
    }
}

/// A private server that accepts TCP clients over TLS only (`pg_hba.conf`: `hostnossl ...
/// reject`), with a certificate for `localhost` and `127.0.0.1` signed by [`Self::ca_file`]'s
/// CA; it listens on [`UNNAMED_LOOPBACK`] as well.
pub struct TlsPostgres {
    pub server: Postgres,
    /// The PEM certificate of the CA that signed the server's.
    pub ca_file: PathBuf,
    /// The PEM certificate of another CA, which signed nothing of this server's.
    pub other_ca_file: PathBuf,
}

/// Who may connect how: the socket (the helpers) as before, TCP over TLS only.
const TLS_ONLY_HBA: &str = "\
local all all trust
hostnossl all all all reject
hostssl all all all trust
";

impl TlsPostgres {
    fn start() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let ca = TestCa::new("neptun test PostgreSQL CA");
        let (certificate, key) = ca.server_certificate(&["localhost", "127.0.0.1"]);
        let mut files = None;
        let server =
            Postgres::start_with(&format!("{LOOPBACK},{UNNAMED_LOOPBACK}"), |root, data| {
                let write = |name: &str, contents: &str| {
                    let path = root.join(name);
                    std::fs::write(&path, contents)
                        .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
                    path
                };
                let certificate_file = write("server.crt", &certificate);
                let key_file = write("server.key", &key);
                // The server refuses a key that others may read.
                std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod the server key");
                if is_root() {
                    let mut chown = Command::new("chown");
                    chown
                        .arg("postgres:postgres")
                        .arg(&certificate_file)
                        .arg(&key_file);
                    run(chown, "chown the server certificate and key to postgres");
                }
                let settings = format!(
                    "\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
                    certificate_file.display(),
                    key_file.display()
                );
                let conf = data.join("postgresql.conf");
                let mut text = std::fs::read_to_string(&conf).expect("read postgresql.conf");
                text.push_str(&settings);
                std::fs::write(&conf, text).expect("turn TLS on in postgresql.conf");
                std::fs::write(data.join("pg_hba.conf"), TLS_ONLY_HBA).expect("write pg_hba.conf");
                files = Some((
                    write("ca.pem", &ca.pem()),
                    write("other-ca.pem", &TestCa::new("another CA").pem()),
                ));
            });
        let (ca_file, other_ca_file) = files.expect("the server was configured");
        Self {
            server,
            ca_file,
            other_ca_file,
        }
    }
}

/// One TLS-only server for the whole test process.
pub fn tls_only() -> &'static TlsPostgres {
    static SERVER: OnceLock<TlsPostgres> = OnceLock::new();
    SERVER.get_or_init(TlsPostgres::start)
}
