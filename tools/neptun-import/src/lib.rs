//! `import`: the web app's chats, messages, chat files, projects' links and shares, from its
//! PostgreSQL into our table, ids and share uuids kept, exactly once.
//!
//! # Design
//!
//! * **Ids kept.** The web app's serial ids are below 2^31 ([`neptun_core::ids::FIRST_API_ID`]);
//!   the API never draws one, and an imported item is alone in its row (`chunk_of(id) == id`,
//!   `n = 1`), so every route finds it from its id, new ids never collide with it, and the
//!   zero-padded sort keys put imported items before the API's. The rows are exactly the
//!   API's (`ChatRow`, `MessageChunkRow`, `FileChunkRow`, `ShareRow`), plus the source's
//!   `updated_at` on message and file rows.
//! * **One snapshot, streamed.** A run reads one `REPEATABLE READ, READ ONLY` transaction, so
//!   every foreign key holds within what it reads. Chats, messages and files are read in
//!   parent order, each in id order through portals, 256 rows per fetch: memory is bounded
//!   by a fetch, the batches in flight and a cache of parents, never by a table's size.
//! * **No row missed** ([`ledger`]). The table keeps the set of source ids each run handled
//!   (stored, rejected, or skipped on purpose), as ranges in blocks (`IMPORT` /
//!   `IDS#<table>#<block>`), and every run reads exactly the ids outside it. An id enters
//!   the set only after DynamoDB acknowledged its row, so a row that commits after a run read
//!   higher ids, a row inserted with an explicit id, or a killed run's rows are outside the
//!   set and read by the next run. Nothing is assumed about id or commit order. What the
//!   API changed since (renames, deletes, regenerations) is never reverted, and a row whose
//!   parent was imported and is gone since (a chat deleted through the API) is skipped, not
//!   resurrected.
//! * **The API wins a race** ([`gone`]). A chat is written only if the API has not deleted it
//!   (its `DELETED#<chat>` row) or erased its user, checked in the write's own transaction; a
//!   message or file row written while its chat was deleted is given to the purge before its
//!   id enters the ledger.
//! * **Projects' links** ([`links`]): a chat is in the lowest project it is linked to (the
//!   others are reported), written with its rows; a link added in the source after its chat
//!   was imported is applied by the next run, once (`IMPORT` / `LINK#<chat>`).
//! * **Shares** ([`shares`]): the same uuid, id and settings. Passwords and whitelisted users'
//!   emails are decrypted by pgcrypto in PostgreSQL under `CRYPTO_SECRET`, every one of them
//!   before the first write ([`share_source`]), and a password is stored only as the API's
//!   Argon2id hash. A record per share (`IMPORT` / `SHARE#<id>`: the digest of the source
//!   row and the write id of the row written) lets a run skip unchanged shares with one
//!   `Query`, update or delete one changed in the source, and leave one alone that the API
//!   changed since.
//! * **Nothing dropped silently.** A text over the API's 256 KiB limit that fits an item is
//!   stored and listed. A row that cannot fit DynamoDB's 400 KB item (or is otherwise
//!   unusable) is listed with table, id, size and reason, recorded in the table (`IMPORT` /
//!   `REJECTED#<table>#<id>`, so every later run and `--verify` report it again), and the run
//!   exits non-zero. Rows of a rejected chat or message are rejected with it.
//! * **TLS as libpq** ([`tls`]): `sslmode` and `sslrootcert` from the URL, else `PGSSLMODE` and
//!   `PGSSLROOTCERT`; connecting is the run's first step, so a certificate that fails its
//!   check stops the run before anything is written.
//! * **NULL timestamps** become the nearest known time of their chat, and each is reported.
//! * **Writes** go in `BatchWriteItem`s of 25 with a bounded number in flight, honouring
//!   `UnprocessedItems` and backing off on throttling ([`writer`]); links and shares in one
//!   transaction each with the chat's rows ([`transact`]).
//! * **`--verify`** reads the source chat by chat and compares every row, as the import would
//!   write it, with the table's (a SHA-256 per row and one per chat, project rows included),
//!   then every share: settings, whitelist emails, and the source password against the
//!   stored hash. Rows with API ids are "added since"; a missing or different row fails it.
//!
//! Known limits: a chat renamed or a message deleted in the source after its import is not
//! changed again (the API may have changed it since); `--verify` reports it as different.

pub mod args;
mod copy;
mod gone;
mod ledger;
mod links;
mod plan;
mod progress;
pub mod rows;
mod secret;
mod share_source;
mod shares;
mod source;
mod storage;
mod tls;
mod transact;
mod verify;
mod writer;

use aws_sdk_dynamodb::Client;

pub use copy::{ImportReport, TableReport};
pub use links::LinkReport;
pub use plan::{MAX_ITEM_BYTES, Note, Rejection};
pub use secret::CryptoSecret;
pub use shares::ShareReport;
pub use source::{SourceError, SourceTable, describe, parse_url};
pub use storage::StorageError;
pub use tls::{Tls, TlsDefaults, TlsError};
pub use verify::{RowProblem, VerifyReport};
pub use writer::WriteStats;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Import,
    /// Reads and validates everything, writes nothing, prints what it would write.
    DryRun,
    /// Checks that every source row is in the table with the same content.
    Verify,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub database_url: String,
    /// Only these users' chats (`None`: everyone).
    pub users: Option<Vec<u64>>,
    pub mode: Mode,
    /// `BatchWriteItem` calls in flight at once.
    pub parallelism: usize,
    /// The web app's `CRYPTO_SECRET`, for share passwords and whitelisted users' emails.
    pub crypto_secret: CryptoSecret,
}

/// `BatchWriteItem` calls in flight unless `--parallel` says otherwise.
pub const DEFAULT_PARALLELISM: usize = 8;

/// The table written to.
#[derive(Debug, Clone)]
pub struct Target {
    pub client: Client,
    pub table: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("hashing a share password failed")]
    Hash(#[source] neptun_core::shares::password::PasswordError),
    #[error("a thread hashing share passwords panicked")]
    HashPanicked,
    #[error("a task of the import failed")]
    Task(#[source] tokio::task::JoinError),
}

/// How a run ended.
#[derive(Debug)]
pub enum Report {
    Import(Box<ImportReport>),
    Verify(VerifyReport),
}

impl Report {
    /// Every source row in scope is in the table as it should be.
    pub fn is_complete(&self) -> bool {
        match self {
            Self::Import(report) => report.is_complete(),
            Self::Verify(report) => report.is_complete(),
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Import(report) => report.fmt(f),
            Self::Verify(report) => report.fmt(f),
        }
    }
}

/// Runs the import, the dry run or the verification. Progress and notes go to stderr.
pub async fn run(options: &Options, target: &Target) -> Result<Report, ImportError> {
    let (config, tls) = parse_url(&options.database_url, &TlsDefaults::from_env())?;
    eprintln!(
        "reading {} ({tls}) into table {}",
        describe(&config),
        target.table
    );
    // First, before anything is written: a certificate that fails its check stops the run here.
    let mut client = source::connect(&config, &tls).await?;
    let snapshot = source::snapshot(&mut client).await?;
    let report = match options.mode {
        Mode::Verify => Report::Verify(verify::verify(&snapshot, target, options).await?),
        Mode::Import | Mode::DryRun => {
            Report::Import(Box::new(copy::import(&snapshot, target, options).await?))
        }
    };
    // Read-only: ending it changes nothing, whichever way.
    drop(snapshot);
    Ok(report)
}
