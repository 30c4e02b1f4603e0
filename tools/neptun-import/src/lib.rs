//! `import`: the web app's chats, messages and chat files, from its PostgreSQL into our table,
//! ids kept, exactly once.
//!
//! # Design
//!
//! * **Ids kept.** The web app's serial ids are below 2^31 ([`neptun_core::ids::FIRST_API_ID`]);
//!   the API never draws one, and an imported item is alone in its row (`chunk_of(id) == id`,
//!   `n = 1`), so every route finds it from its id, new ids never collide with it, and the
//!   zero-padded sort keys put imported items before the API's (messages appended later come
//!   after them, the chat list shows new chats first). The rows are exactly the API's
//!   (`ChatRow` twice, `MessageChunkRow`, `FileChunkRow`), plus the source's `updated_at` on
//!   message and file rows.
//! * **One snapshot, streamed.** A run reads one `REPEATABLE READ, READ ONLY` transaction, so
//!   every foreign key holds within what it reads. The tables are read in parent order
//!   (chats, then messages, then files), each in id order through a portal, 256 rows per
//!   fetch: memory is bounded by a fetch, the batches in flight and a cache of parents,
//!   never by the size of a table. Texts too large to store are not even fetched.
//! * **Exactly once, resumable, incremental.** Puts of the same row are idempotent, and a
//!   checkpoint item per source table (`IMPORT` / `CHECKPOINT#<table>`, per user for `--user`
//!   runs) holds the highest source id below which every row is stored, rejected or skipped
//!   on purpose. It moves only over batches DynamoDB acknowledged, in order, every couple of
//!   seconds and at the end of each table. A run skips rows at or below it, so a second run
//!   writes nothing, a killed run goes on where it was acknowledged, rows added to PostgreSQL
//!   since are added, and what the API changed since (renames, deletes, regenerations) is
//!   never reverted. A row whose parent was written by an earlier run and is gone since (a
//!   chat deleted through the API, a message deleted by a regeneration) is skipped, not
//!   resurrected. Only rows written after the last acknowledged checkpoint and before a kill
//!   are written again by the next run.
//! * **Nothing dropped silently.** A text over the API's 256 KiB limit that fits an item is
//!   stored and listed. A row that cannot fit DynamoDB's 400 KB item (or is otherwise
//!   unusable) is listed with table, id, size and reason, recorded in the table (`IMPORT` /
//!   `REJECTED#<table>#<id>`, so every later run and `--verify` report it again), and the run
//!   exits non-zero. Rows of a rejected chat or message are rejected with it.
//! * **NULL timestamps** become the nearest known time of their chat (the row's other
//!   timestamp, else its chat's, else the chat's earliest message), and each is reported.
//! * **Writes** go in `BatchWriteItem`s of 25 with a bounded number in flight, honouring
//!   `UnprocessedItems` and backing off on throttling ([`writer`]).
//! * **`--verify`** reads the source chat by chat (ordered by user and chat) and compares
//!   every row, as the import would write it, with the table's (a SHA-256 per row and one per
//!   chat). Rows with API ids are "added since"; a missing or different row makes it fail.
//!
//! Known limits: a PostgreSQL transaction that commits a row with a *lower* id after a run
//! read a higher one leaves that row behind (run the last incremental import after the web
//! app stopped writing, and `--verify`); a chat renamed through the API shows up as
//! different in `--verify`, a chat deleted through it as missing.

pub mod args;
mod copy;
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
    let config = parse_url(&options.database_url)?;
    eprintln!("reading {} into table {}", describe(&config), target.table);
    let mut client = source::connect(&config).await?;
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
