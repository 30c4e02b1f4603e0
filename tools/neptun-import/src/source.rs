//! The web app's PostgreSQL (tables in `origin-schema.md`): one read-only snapshot, each table
//! streamed through a portal a few hundred rows at a time, never loaded whole.
//!
//! Timestamps arrive as milliseconds (`timestamp without time zone` read as UTC, truncated
//! to the millisecond), each beside the "nearest known time" that replaces it when it is
//! NULL. Texts too large to store are not fetched at all: only their size is.

use std::collections::VecDeque;

use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, IsolationLevel, Portal, Row, Transaction};

use super::plan::MAX_ITEM_BYTES;
use super::tls::{self, Tls, TlsDefaults, TlsError};

/// Rows fetched per round trip: a few hundred keeps memory small and round trips few.
const FETCH_ROWS: i32 = 256;

/// The tables the import reads (the API's rows are made from these).
pub const IMPORTED_TABLES: [&str; 8] = [
    "neptun_user",
    "chat_conversation",
    "chat_conversation_message",
    "neptun_user_file",
    "chat_conversation_file",
    "project_chat_conversation",
    "chat_conversation_share",
    "chat_conversation_share_whitelist_entry",
];

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Deliberately without the parser's message: it may quote the URL, password and all.
    #[error(
        "DATABASE_URL is not a PostgreSQL connection URL (postgres://user:password@host:port/database)"
    )]
    InvalidUrl,
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot connect to PostgreSQL at {target}")]
    Connect {
        target: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("PostgreSQL query failed ({what})")]
    Query {
        what: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error(
        "CRYPTO_SECRET does not decrypt the web app's {what}: it is not the web app's secret (nothing was written)"
    )]
    WrongSecret { what: &'static str },
    #[error("unexpected value in {table}.{column} of row {id}")]
    Column {
        table: &'static str,
        column: &'static str,
        id: i64,
        #[source]
        source: tokio_postgres::Error,
    },
}

/// A source table that becomes rows of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceTable {
    Chats,
    Messages,
    Files,
    Shares,
}

impl SourceTable {
    /// In the order the import writes them: a row's parent is always written first.
    pub const ALL: [SourceTable; 4] = [Self::Chats, Self::Messages, Self::Files, Self::Shares];

    pub fn name(self) -> &'static str {
        match self {
            Self::Chats => "chat_conversation",
            Self::Messages => "chat_conversation_message",
            Self::Files => "chat_conversation_file",
            Self::Shares => "chat_conversation_share",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.name() == name)
    }
}

/// `DATABASE_URL` as it may be shown: user, host, port and database, never the password.
pub fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().unwrap_or("?"),
    )
}

/// `DATABASE_URL` as tokio-postgres connects to it, and its TLS settings, which `defaults`
/// (libpq's environment) complete.
pub fn parse_url(url: &str, defaults: &TlsDefaults) -> Result<(Config, Tls), SourceError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(SourceError::InvalidUrl);
    }
    let (url, tls) = tls::split_url(url, defaults)?;
    let mut config: Config = url.parse().map_err(|_| SourceError::InvalidUrl)?;
    config.ssl_mode(tls.negotiation());
    Ok((config, tls))
}

/// Connects as `tls` says (or over a Unix socket, as in the URL); the connection runs on its
/// own task.
pub async fn connect(config: &Config, tls: &Tls) -> Result<Client, SourceError> {
    let (client, connection) =
        config
            .connect(tls.connector()?)
            .await
            .map_err(|source| SourceError::Connect {
                target: describe(config),
                source,
            })?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            eprintln!(
                "PostgreSQL connection ended: {}",
                neptun_core::error::ErrorChain(&error)
            );
        }
    });
    Ok(client)
}

/// One consistent, read-only view of the whole database for the run: every foreign key
/// holds within it, and rows committed later are left for the next run.
pub async fn snapshot(client: &mut Client) -> Result<Transaction<'_>, SourceError> {
    let failed = |source| SourceError::Query {
        what: "start a snapshot",
        source,
    };
    let snapshot = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(failed)?;
    // Every query is an index lookup or scan: compiling it costs more than it saves (the
    // planner's estimate of the NULL-time subquery would have it compiled each time).
    snapshot
        .batch_execute("SET LOCAL jit = off")
        .await
        .map_err(failed)?;
    Ok(snapshot)
}

/// Which rows of a table to read, in which order.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Only rows with an id in one of these ranges (inclusive, ascending, disjoint).
    pub ranges: Vec<(u64, u64)>,
    /// Only chats of these users (`None`: everyone).
    pub users: Option<Vec<u64>>,
    /// Never the chats of these users: the API erased them (their account was deleted).
    pub erased: Vec<u64>,
    /// By id (the import) or by user, chat and id (the verification, chat by chat).
    pub order: Order,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    ById,
    ByChat,
}

/// A source id or count as ours (`0` for a negative one, which no check lets through).
pub fn positive(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// `timestamp` as milliseconds since the Unix epoch, read as UTC.
pub fn ms(expression: &str) -> String {
    format!("floor(extract(epoch FROM {expression}) * 1000)::int8")
}

/// The earliest known time of a chat's messages (for a chat without times of its own).
fn first_message_time(chat: &str) -> String {
    format!(
        "(SELECT min(COALESCE(x.created_at, x.updated_at)) FROM chat_conversation_message x \
         WHERE x.chat_conversation_id = {chat})"
    )
}

/// A text column, or NULL when it is too large to store anyway (only its size is read).
fn text_if_storable(column: &str) -> String {
    format!("CASE WHEN octet_length({column}) <= {MAX_ITEM_BYTES} THEN {column} END")
}

/// How a query picks its ids: within one range (an index range scan), or from a list (an
/// index scan on `= ANY`); both read the primary key in id order. (A join with many ranges
/// let the planner scan the whole table once per range.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdFilter {
    Range,
    Ids,
}

/// The condition that keeps the ids of `column`: in `$3..=$4`, or in the list `$3`.
fn id_filter(column: &str, filter: IdFilter) -> String {
    match filter {
        IdFilter::Range => format!("{column} BETWEEN $3::int8 AND $4::int8"),
        IdFilter::Ids => format!("{column} = ANY($3::int8[])"),
    }
}

/// The users' condition on `owner`: those of `$1` (all when NULL), never those of `$2`.
fn users_filter(owner: &str) -> String {
    format!("($1::int8[] IS NULL OR {owner} = ANY($1)) AND NOT ({owner} = ANY($2::int8[]))")
}

fn chats_sql(order: Order, filter: IdFilter) -> String {
    let ids = id_filter("c.id", filter);
    format!(
        "SELECT c.id::int8, c.neptun_user_id::int8, {name}, octet_length(c.name)::int8, \
         c.model::text, {created}, {updated}, {nearest}, \
         (SELECT array_agg(DISTINCT p.project_id::int8 ORDER BY p.project_id::int8) \
            FROM project_chat_conversation p WHERE p.chat_conversation_id = c.id), \
         (SELECT s.share_id::text FROM chat_conversation_share s \
            WHERE s.chat_conversation_id = c.id) \
         FROM chat_conversation c \
         WHERE {ids} AND {users} \
         ORDER BY {order}",
        users = users_filter("c.neptun_user_id"),
        name = text_if_storable("c.name"),
        created = ms("c.created_at"),
        updated = ms("c.updated_at"),
        nearest = ms(&format!(
            "COALESCE(c.created_at, c.updated_at, {})",
            first_message_time("c.id")
        )),
        order = match order {
            Order::ById => "c.id",
            Order::ByChat => "c.neptun_user_id, c.id",
        },
    )
}

fn messages_sql(order: Order, filter: IdFilter) -> String {
    let ids = id_filter("m.id", filter);
    format!(
        "SELECT m.id::int8, c.neptun_user_id::int8, m.chat_conversation_id::int8, {text}, \
         octet_length(m.message)::int8, m.actor::text, {created}, {updated}, {nearest} \
         FROM chat_conversation_message m \
         JOIN chat_conversation c ON c.id = m.chat_conversation_id \
         WHERE {ids} AND {users} \
         ORDER BY {order}",
        users = users_filter("c.neptun_user_id"),
        text = text_if_storable("m.message"),
        created = ms("m.created_at"),
        updated = ms("m.updated_at"),
        nearest = ms(&format!(
            "COALESCE(m.created_at, m.updated_at, c.created_at, c.updated_at, {})",
            first_message_time("c.id")
        )),
        order = match order {
            Order::ById => "m.id",
            Order::ByChat => "c.neptun_user_id, m.chat_conversation_id, m.id",
        },
    )
}

fn files_sql(order: Order, filter: IdFilter) -> String {
    let ids = id_filter("f.id", filter);
    format!(
        "SELECT f.id::int8, c.neptun_user_id::int8, f.chat_conversation_id::int8, \
         f.chat_conversation_message_id::int8, m.chat_conversation_id::int8, \
         {title}, {text}, (COALESCE(octet_length(u.title), 0) + octet_length(u.text))::int8, \
         u.language, u.file_extension, {created}, {updated}, {nearest} \
         FROM chat_conversation_file f \
         JOIN chat_conversation c ON c.id = f.chat_conversation_id \
         JOIN chat_conversation_message m ON m.id = f.chat_conversation_message_id \
         JOIN neptun_user_file u ON u.id = f.neptun_user_file_id \
         WHERE {ids} AND {users} \
         ORDER BY {order}",
        users = users_filter("c.neptun_user_id"),
        title = text_if_storable("u.title"),
        text = text_if_storable("u.text"),
        created = ms("f.created_at"),
        updated = ms("f.updated_at"),
        nearest = ms(&format!(
            "COALESCE(f.created_at, f.updated_at, m.created_at, m.updated_at, \
             c.created_at, c.updated_at, {})",
            first_message_time("c.id")
        )),
        order = match order {
            Order::ById => "f.id",
            Order::ByChat => "c.neptun_user_id, f.chat_conversation_id, f.id",
        },
    )
}

/// A row's two timestamps (`None`: NULL) and the nearest known time of its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceTimes {
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    /// `None` when nothing in the chat has a time.
    pub nearest: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChat {
    pub id: i64,
    pub user_id: i64,
    /// `None` when too large to store (see `name_bytes`).
    pub name: Option<String>,
    pub name_bytes: i64,
    pub model: String,
    pub times: SourceTimes,
    /// The projects it is linked to, lowest first (`project_chat_conversation`).
    pub projects: Vec<i64>,
    /// Its share's uuid (`chat_conversation_share.share_id`), if it has one.
    pub share_uuid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMessage {
    pub id: i64,
    /// The chat's owner (the partition the message goes to).
    pub user_id: i64,
    pub chat_id: i64,
    pub message: Option<String>,
    pub message_bytes: i64,
    pub actor: Option<String>,
    pub times: SourceTimes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub id: i64,
    pub user_id: i64,
    pub chat_id: i64,
    pub message_id: i64,
    /// The chat of the file's message (the same chat in consistent data).
    pub message_chat_id: i64,
    /// `None` when NULL, or too large to store.
    pub title: Option<String>,
    pub text: Option<String>,
    /// Title and text together.
    pub text_bytes: i64,
    pub language: String,
    pub extension: String,
    pub times: SourceTimes,
}

/// A row of one of the three tables.
pub trait SourceRow: Sized + Send {
    const TABLE: SourceTable;
    fn sql(order: Order, filter: IdFilter) -> String;
    fn from_row(row: &Row) -> Result<Self, SourceError>;
    fn id(&self) -> i64;
    fn user_id(&self) -> i64;
    fn chat_id(&self) -> i64;
}

/// Reads column `index`, naming the table, column and row when it is not what we expect.
fn column<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    table: SourceTable,
    index: usize,
    name: &'static str,
) -> Result<T, SourceError> {
    row.try_get(index).map_err(|source| SourceError::Column {
        table: table.name(),
        column: name,
        id: row.try_get(0).unwrap_or(-1),
        source,
    })
}

fn times(row: &Row, table: SourceTable, first: usize) -> Result<SourceTimes, SourceError> {
    Ok(SourceTimes {
        created_at: column(row, table, first, "created_at")?,
        updated_at: column(row, table, first + 1, "updated_at")?,
        nearest: column(row, table, first + 2, "created_at")?,
    })
}

impl SourceRow for SourceChat {
    const TABLE: SourceTable = SourceTable::Chats;

    fn sql(order: Order, filter: IdFilter) -> String {
        chats_sql(order, filter)
    }

    fn from_row(row: &Row) -> Result<Self, SourceError> {
        let table = Self::TABLE;
        Ok(Self {
            id: column(row, table, 0, "id")?,
            user_id: column(row, table, 1, "neptun_user_id")?,
            name: column(row, table, 2, "name")?,
            name_bytes: column(row, table, 3, "name")?,
            model: column(row, table, 4, "model")?,
            times: times(row, table, 5)?,
            projects: column::<Option<Vec<i64>>>(row, table, 8, "project_id")?.unwrap_or_default(),
            share_uuid: column(row, table, 9, "share_id")?,
        })
    }

    fn id(&self) -> i64 {
        self.id
    }
    fn user_id(&self) -> i64 {
        self.user_id
    }
    fn chat_id(&self) -> i64 {
        self.id
    }
}

impl SourceRow for SourceMessage {
    const TABLE: SourceTable = SourceTable::Messages;

    fn sql(order: Order, filter: IdFilter) -> String {
        messages_sql(order, filter)
    }

    fn from_row(row: &Row) -> Result<Self, SourceError> {
        let table = Self::TABLE;
        Ok(Self {
            id: column(row, table, 0, "id")?,
            user_id: column(row, table, 1, "neptun_user_id")?,
            chat_id: column(row, table, 2, "chat_conversation_id")?,
            message: column(row, table, 3, "message")?,
            message_bytes: column(row, table, 4, "message")?,
            actor: column(row, table, 5, "actor")?,
            times: times(row, table, 6)?,
        })
    }

    fn id(&self) -> i64 {
        self.id
    }
    fn user_id(&self) -> i64 {
        self.user_id
    }
    fn chat_id(&self) -> i64 {
        self.chat_id
    }
}

impl SourceRow for SourceFile {
    const TABLE: SourceTable = SourceTable::Files;

    fn sql(order: Order, filter: IdFilter) -> String {
        files_sql(order, filter)
    }

    fn from_row(row: &Row) -> Result<Self, SourceError> {
        let table = Self::TABLE;
        Ok(Self {
            id: column(row, table, 0, "id")?,
            user_id: column(row, table, 1, "neptun_user_id")?,
            chat_id: column(row, table, 2, "chat_conversation_id")?,
            message_id: column(row, table, 3, "chat_conversation_message_id")?,
            message_chat_id: column(row, table, 4, "chat_conversation_message_id")?,
            title: column(row, table, 5, "title")?,
            text: column(row, table, 6, "text")?,
            text_bytes: column(row, table, 7, "text")?,
            language: column(row, table, 8, "language")?,
            extension: column(row, table, 9, "file_extension")?,
            times: times(row, table, 10)?,
        })
    }

    fn id(&self) -> i64 {
        self.id
    }
    fn user_id(&self) -> i64 {
        self.user_id
    }
    fn chat_id(&self) -> i64 {
        self.chat_id
    }
}

pub fn ids_param(users: &Option<Vec<u64>>) -> Option<Vec<i64>> {
    users.as_ref().map(|users| {
        users
            .iter()
            .map(|&user| i64::try_from(user).unwrap_or(i64::MAX))
            .collect()
    })
}

/// Ranges wider than this are read alone; the ids of narrower ones are listed, together.
const WIDE_RANGE: u64 = 256;
/// Ids listed in one query at most.
const IDS_PER_QUERY: usize = 16_384;

/// One query's share of a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Range(u64, u64),
    Ids(Vec<u64>),
}

impl Segment {
    fn filter(&self) -> IdFilter {
        match self {
            Self::Range(..) => IdFilter::Range,
            Self::Ids(_) => IdFilter::Ids,
        }
    }
}

/// The selection's ranges as queries, in id order: each wide range alone, the ids of runs of
/// narrow ones (gaps of a few ids each, such as rolled-back inserts) listed together.
fn segments(ranges: &[(u64, u64)]) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut listed: Vec<u64> = Vec::new();
    for &(lo, hi) in ranges {
        if hi - lo + 1 > WIDE_RANGE {
            if !listed.is_empty() {
                segments.push(Segment::Ids(std::mem::take(&mut listed)));
            }
            segments.push(Segment::Range(lo, hi));
            continue;
        }
        for id in lo..=hi {
            if listed.len() == IDS_PER_QUERY {
                segments.push(Segment::Ids(std::mem::take(&mut listed)));
            }
            listed.push(id);
        }
    }
    if !listed.is_empty() {
        segments.push(Segment::Ids(listed));
    }
    segments
}

/// A table query's parameters: users, erased users, then the segment's range or ids.
fn params_of(
    selection: &Selection,
    segment: &Segment,
) -> Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> {
    let id = |id: &u64| i64::try_from(*id).unwrap_or(i64::MAX);
    let mut params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = vec![
        Box::new(ids_param(&selection.users)),
        Box::new(ids_param(&Some(selection.erased.clone()))),
    ];
    match segment {
        Segment::Range(lo, hi) => {
            params.push(Box::new(id(lo)));
            params.push(Box::new(id(hi)));
        }
        Segment::Ids(ids) => params.push(Box::new(ids.iter().map(id).collect::<Vec<i64>>())),
    }
    params
}

fn as_refs(
    params: &[Box<dyn tokio_postgres::types::ToSql + Sync + Send>],
) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|param| param.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

/// The rows of one table, fetched through a portal of the snapshot as they are consumed: one
/// portal per segment of the selection's ranges, in id order.
pub struct RowStream<'t, R> {
    snapshot: &'t Transaction<'t>,
    selection: Selection,
    segments: VecDeque<Segment>,
    portal: Option<Portal>,
    buffer: VecDeque<Row>,
    _row: std::marker::PhantomData<R>,
}

impl<'t, R: SourceRow> RowStream<'t, R> {
    pub async fn open(
        snapshot: &'t Transaction<'t>,
        selection: &Selection,
    ) -> Result<Self, SourceError> {
        Ok(Self {
            snapshot,
            selection: selection.clone(),
            segments: segments(&selection.ranges).into(),
            portal: None,
            buffer: VecDeque::new(),
            _row: std::marker::PhantomData,
        })
    }

    fn failed(source: tokio_postgres::Error) -> SourceError {
        SourceError::Query {
            what: R::TABLE.name(),
            source,
        }
    }

    pub async fn next(&mut self) -> Result<Option<R>, SourceError> {
        while self.buffer.is_empty() {
            let portal = match &self.portal {
                Some(portal) => portal,
                None => {
                    let Some(segment) = self.segments.pop_front() else {
                        return Ok(None);
                    };
                    let statement = self
                        .snapshot
                        .prepare(&R::sql(self.selection.order, segment.filter()))
                        .await
                        .map_err(Self::failed)?;
                    let params = params_of(&self.selection, &segment);
                    let portal = self
                        .snapshot
                        .bind(&statement, &as_refs(&params))
                        .await
                        .map_err(Self::failed)?;
                    self.portal.insert(portal)
                }
            };
            let rows = self
                .snapshot
                .query_portal(portal, FETCH_ROWS)
                .await
                .map_err(Self::failed)?;
            if rows.len() < FETCH_ROWS as usize {
                self.portal = None;
            }
            self.buffer.extend(rows);
        }
        self.buffer
            .pop_front()
            .as_ref()
            .map(R::from_row)
            .transpose()
    }
}

/// How many rows [`RowStream::open`] with this selection would return (for the progress bar).
pub async fn count<R: SourceRow>(
    snapshot: &Transaction<'_>,
    selection: &Selection,
) -> Result<u64, SourceError> {
    let mut total = 0;
    for segment in segments(&selection.ranges) {
        let sql = format!(
            "SELECT count(*)::int8 FROM ({}) AS rows",
            R::sql(Order::ById, segment.filter())
        );
        let params = params_of(selection, &segment);
        let row = snapshot
            .query_one(&sql, &as_refs(&params))
            .await
            .map_err(|source| SourceError::Query {
                what: "count rows",
                source,
            })?;
        let count: i64 = column(&row, R::TABLE, 0, "count")?;
        total += u64::try_from(count).unwrap_or(0);
    }
    Ok(total)
}

/// Row counts of the other tables of schema `public`, which the import leaves alone.
pub async fn other_tables(snapshot: &Transaction<'_>) -> Result<Vec<(String, u64)>, SourceError> {
    let failed = |source| SourceError::Query {
        what: "count the other tables",
        source,
    };
    let names = snapshot
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name::text <> ALL($1) ORDER BY 1",
            &[&IMPORTED_TABLES.as_slice()],
        )
        .await
        .map_err(failed)?;
    let mut counts = Vec::with_capacity(names.len());
    for row in names {
        let name: String = row.try_get(0).map_err(failed)?;
        let quoted = name.replace('"', "\"\"");
        let count: i64 = snapshot
            .query_one(
                &format!("SELECT count(*)::int8 FROM public.\"{quoted}\""),
                &[],
            )
            .await
            .and_then(|row| row.try_get(0))
            .map_err(failed)?;
        counts.push((name, u64::try_from(count).unwrap_or(0)));
    }
    Ok(counts)
}

/// How many users the source has (all of them, or those of `--user` that exist).
pub async fn user_count(
    snapshot: &Transaction<'_>,
    users: &Option<Vec<u64>>,
) -> Result<u64, SourceError> {
    let count: i64 = snapshot
        .query_one(
            "SELECT count(*)::int8 FROM neptun_user WHERE $1::int8[] IS NULL OR id = ANY($1)",
            &[&ids_param(users)],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|source| SourceError::Query {
            what: "count users",
            source,
        })?;
    Ok(u64::try_from(count).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_described_url_never_shows_the_password() {
        let (config, _) = parse_url(
            "postgres://web:s3cr3t-pw@db.internal:6543/neptun",
            &TlsDefaults::default(),
        )
        .expect("a URL");
        let shown = describe(&config);
        assert_eq!(shown, "postgres://web@db.internal:6543/neptun");
        assert!(!format!("{config:?}").contains("s3cr3t-pw"));
        for url in [
            "postgres://web:s3cr3t-pw@db:notaport/x",
            "postgres://web:s3cr3t-pw@db/x?sslmode=verify-full&sslrootcert=/ca.pem&nosuchkey=1",
            "host=db user=web password=s3cr3t-pw",
        ] {
            let broken = parse_url(url, &TlsDefaults::default())
                .expect_err("not a URL tokio-postgres takes")
                .to_string();
            assert!(!broken.contains("s3cr3t-pw"), "{broken}");
        }
    }

    #[test]
    fn wide_ranges_are_read_alone_and_the_ids_of_narrow_ones_listed_in_id_order() {
        let ranges = vec![
            (1, 1),
            (5, 7),
            (20, 20 + WIDE_RANGE),
            (40_000, 40_001),
            (50_000, 2_147_483_647),
        ];
        assert_eq!(
            segments(&ranges),
            vec![
                Segment::Ids(vec![1, 5, 6, 7]),
                Segment::Range(20, 20 + WIDE_RANGE),
                Segment::Ids(vec![40_000, 40_001]),
                Segment::Range(50_000, 2_147_483_647),
            ]
        );
        let many: Vec<(u64, u64)> = (0..20_000).map(|i| (i * 10, i * 10 + 1)).collect();
        let split = segments(&many);
        assert_eq!(split.len(), 3);
        let listed: usize = split
            .iter()
            .map(|segment| match segment {
                Segment::Ids(ids) => ids.len(),
                Segment::Range(..) => 0,
            })
            .sum();
        assert_eq!(listed, 40_000);
    }

    #[test]
    fn table_names_round_trip() {
        for table in SourceTable::ALL {
            assert_eq!(SourceTable::from_name(table.name()), Some(table));
        }
        assert_eq!(SourceTable::from_name("neptun_user"), None);
    }
}
