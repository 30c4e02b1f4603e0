//! The import proper (and its dry run) of chats, messages and files: each source table in
//! parent order, the ids it has not handled yet streamed in id order, planned row by row,
//! written in batches, and added to the ledger of handled ids as batches are acknowledged.

use neptun_core::ids::{ChatId, UserId};
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use neptun_dynamo::schema;
use tokio_postgres::Transaction;

use super::gone::{self, SourceChatKey};
use super::ledger::Unsaved;
use super::links::{self, LinkReport};
use super::plan::{self, Item, Note, Plan, Rejection};
use super::progress::Progress;
use super::share_source;
use super::shares::{self, ShareReport};
use super::source::{
    self, Order, RowStream, Selection, SourceChat, SourceFile, SourceMessage, SourceRow,
    SourceTable, positive,
};
use super::storage::{self, Ledger, Parents};
use super::transact;
use super::writer::{BatchWriter, WriteStats};
use super::{ImportError, Mode, Options, Target};

/// Handled ids are saved at most this often while a table is imported (and at its end).
const SAVE_EVERY: Duration = Duration::from_secs(2);
/// Notes of one kind printed per table; the rest are counted.
const NOTES_PRINTED: usize = 20;
/// Notes and rejections kept for the report.
const KEPT_IN_REPORT: usize = 1_000;

/// What happened to one source table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableReport {
    pub table: SourceTable,
    /// Rows in scope that no run had handled yet.
    pub read: u64,
    /// Ids handled by earlier runs (of every user), not read again.
    pub handled_before: u64,
    /// Rows written (or, in a dry run, that would be).
    pub written: u64,
    pub rejected: u64,
    /// Skipped: the chat or message they belong to was deleted through the API.
    pub parent_gone: u64,
    pub null_times: u64,
    pub over_api_limit: u64,
}

#[derive(Debug)]
pub struct ImportReport {
    pub dry_run: bool,
    pub users: u64,
    pub tables: Vec<TableReport>,
    pub writes: WriteStats,
    /// Rejected by this run (the first [`KEPT_IN_REPORT`]).
    pub rejected_now: Vec<Rejection>,
    /// Every rejected row in scope, this run's and earlier runs'.
    pub rejected_in_scope: Vec<Rejection>,
    /// The first [`KEPT_IN_REPORT`] notes.
    pub notes: Vec<Note>,
    pub links: LinkReport,
    pub shares: ShareReport,
    /// Tables the import does not read, with their row counts.
    pub other_tables: Vec<(String, u64)>,
    pub elapsed: Duration,
}

impl ImportReport {
    pub fn is_complete(&self) -> bool {
        self.rejected_in_scope.is_empty()
    }

    pub fn table(&self, table: SourceTable) -> Option<&TableReport> {
        self.tables.iter().find(|report| report.table == table)
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.dry_run {
            "would write"
        } else {
            "written"
        };
        writeln!(
            f,
            "{} {} users' chats in {:.1} s{}",
            if self.dry_run { "dry run:" } else { "imported" },
            self.users,
            self.elapsed.as_secs_f64(),
            if self.dry_run {
                " (nothing was written)"
            } else {
                ""
            }
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "  {:<26} {:>9} read, {:>9} {verb}, {} handled by earlier runs, {} rejected, {} skipped (parent deleted through the API), {} NULL timestamps replaced, {} over the API's text limit",
                t.table.name(),
                t.read,
                t.written,
                t.handled_before,
                t.rejected,
                t.parent_gone,
                t.null_times,
                t.over_api_limit
            )?;
        }
        let seconds = self.elapsed.as_secs_f64().max(0.001);
        writeln!(
            f,
            "  items {verb}: {} in {} BatchWriteItem calls ({} bytes, {:.0} items/s; {} unprocessed items and {} calls retried)",
            self.writes.items,
            self.writes.batches,
            self.writes.bytes,
            self.writes.items as f64 / seconds,
            self.writes.unprocessed_retried,
            self.writes.calls_retried
        )?;
        let links = &self.links;
        writeln!(
            f,
            "  project links: {} chats linked in the source, {} applied to chats imported earlier, {} of chats not in the table, {} left in another project",
            links.linked_chats,
            links.applied,
            links.chat_missing,
            links.kept.len()
        )?;
        let shares = &self.shares;
        writeln!(
            f,
            "  shares: {} in the source, {} unchanged, {} created, {} updated, {} deleted, {} of chats not in the table, {} left as the API changed them, {} whitelist entries without a usable email",
            shares.source,
            shares.unchanged,
            shares.created,
            shares.updated,
            shares.deleted,
            shares.chat_missing,
            shares.kept.len(),
            shares.unlisted
        )?;
        if !self.other_tables.is_empty() {
            let counts: Vec<String> = self
                .other_tables
                .iter()
                .map(|(name, rows)| format!("{name} ({rows})"))
                .collect();
            writeln!(f, "  not imported (out of scope): {}", counts.join(", "))?;
        }
        if !self.rejected_in_scope.is_empty() {
            writeln!(
                f,
                "{} rows are NOT in the table ({} rejected by this run):",
                self.rejected_in_scope.len(),
                self.rejected_now.len()
            )?;
            for rejection in &self.rejected_in_scope {
                writeln!(f, "  {rejection}")?;
            }
        }
        Ok(())
    }
}

/// A parent a row needs in the table: a chat's marker, or a message's row.
struct Parent {
    table: SourceTable,
    id: u64,
    pk: String,
    sk: String,
}

/// How each source table is imported.
trait Imported: SourceRow {
    fn plan(&self) -> Plan;
    fn parents(&self) -> Vec<Parent>;
}

fn chat_marker(row: &impl SourceRow) -> Parent {
    let (user, chat) = (positive(row.user_id()), positive(row.chat_id()));
    Parent {
        table: SourceTable::Chats,
        id: chat,
        pk: schema::chat_pk(UserId(user), ChatId(chat)),
        sk: schema::CHAT_META_SK.to_owned(),
    }
}

impl Imported for SourceChat {
    /// The chat's rows, and the record of its project link beside them.
    fn plan(&self) -> Plan {
        match plan::chat(self) {
            Plan::Write { mut items, notes } => {
                items.extend(links::record_of(self));
                Plan::Write { items, notes }
            }
            rejected => rejected,
        }
    }
    fn parents(&self) -> Vec<Parent> {
        Vec::new()
    }
}

impl Imported for SourceMessage {
    fn plan(&self) -> Plan {
        plan::message(self)
    }
    fn parents(&self) -> Vec<Parent> {
        vec![chat_marker(self)]
    }
}

impl Imported for SourceFile {
    fn plan(&self) -> Plan {
        plan::file(self)
    }
    fn parents(&self) -> Vec<Parent> {
        let message = positive(self.message_id);
        vec![
            chat_marker(self),
            Parent {
                table: SourceTable::Messages,
                id: message,
                pk: schema::chat_pk(
                    UserId(positive(self.user_id)),
                    ChatId(positive(self.chat_id)),
                ),
                sk: schema::message_chunk_sk(message),
            },
        ]
    }
}

/// State shared by the tables of one run.
struct Run<'a> {
    target: &'a Target,
    options: &'a Options,
    dry_run: bool,
    /// The ids handled, as this run goes.
    ledger: Ledger,
    /// As they were when the run started: a parent outside them is this run's to write.
    at_start: Ledger,
    /// Users whose chats the API erased: none of their rows is imported.
    erased: Vec<u64>,
    parents: Parents,
    /// Chats this run found deleted (or erased) through the API: their rows are skipped.
    gone: HashSet<u64>,
    /// Chats given to the purge by this run.
    purged: HashSet<SourceChatKey>,
    /// Chats and messages that are not in the table because they were rejected.
    rejected: HashSet<(SourceTable, u64)>,
    rejected_now: Vec<Rejection>,
    notes: Vec<Note>,
    writes: WriteStats,
}

pub async fn import(
    snapshot: &Transaction<'_>,
    target: &Target,
    options: &Options,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let client = &target.client;
    let earlier = storage::rejections(client, &target.table).await?;
    let ledger = Ledger::load(client, &target.table).await?;
    let mut run = Run {
        target,
        options,
        dry_run: options.mode == Mode::DryRun,
        at_start: ledger.clone(),
        ledger,
        erased: storage::erased_users(client, &target.table).await?,
        parents: Parents::new(),
        gone: HashSet::new(),
        purged: HashSet::new(),
        rejected: earlier
            .iter()
            .map(|rejection| (rejection.table, rejection.id))
            .collect(),
        rejected_now: Vec::new(),
        notes: Vec::new(),
        writes: WriteStats::default(),
    };
    let users = source::user_count(snapshot, &options.users).await?;
    let other_tables = source::other_tables(snapshot).await?;
    // Every secret is decrypted before the first write: a wrong one stops the run here.
    share_source::check_secret(snapshot, &options.crypto_secret).await?;
    let source_shares = share_source::shares(
        snapshot,
        &options.crypto_secret,
        &options.users,
        &run.erased,
    )
    .await?;
    let tables = vec![
        run.table::<SourceChat>(snapshot).await?,
        run.table::<SourceMessage>(snapshot).await?,
        run.table::<SourceFile>(snapshot).await?,
    ];
    let links = links::import(
        snapshot,
        target,
        &options.users,
        &run.erased,
        run.ledger.ids(SourceTable::Chats),
        run.dry_run,
    )
    .await?;
    let user_in_scope = |user: u64| {
        !run.erased.contains(&user)
            && options
                .users
                .as_ref()
                .is_none_or(|users| users.contains(&user))
    };
    let shares = shares::import(target, &source_shares, user_in_scope, run.dry_run).await?;
    let in_scope = |rejection: &Rejection| {
        options
            .users
            .as_ref()
            .is_none_or(|users| users.contains(&rejection.user_id))
    };
    let mut rejected_in_scope: Vec<Rejection> = if run.dry_run {
        earlier
            .into_iter()
            .chain(run.rejected_now.clone())
            .collect()
    } else {
        storage::rejections(client, &target.table).await?
    };
    rejected_in_scope.retain(in_scope);
    rejected_in_scope.sort_by_key(|rejection| (rejection.table, rejection.id));
    Ok(ImportReport {
        dry_run: run.dry_run,
        users,
        tables,
        writes: run.writes,
        rejected_now: run.rejected_now,
        rejected_in_scope,
        notes: run.notes,
        links,
        shares,
        other_tables,
        elapsed: started.elapsed(),
    })
}

impl Run<'_> {
    async fn table<R: Imported>(
        &mut self,
        snapshot: &Transaction<'_>,
    ) -> Result<TableReport, ImportError> {
        let table = R::TABLE;
        let handled = self.ledger.ids(table);
        let selection = Selection {
            ranges: handled.gaps(),
            users: self.options.users.clone(),
            erased: self.erased.clone(),
            order: Order::ById,
        };
        let total = source::count::<R>(snapshot, &selection).await?;
        let mut progress = Progress::start(table.name(), total);
        let mut report = TableReport {
            table,
            read: 0,
            handled_before: handled.len(),
            written: 0,
            rejected: 0,
            parent_gone: 0,
            null_times: 0,
            over_api_limit: 0,
        };
        let mut writer = BatchWriter::new(
            self.target.client.clone(),
            self.target.table.clone(),
            self.options.parallelism,
            self.dry_run,
        );
        let mut saved = Saved {
            through: None,
            at: Instant::now(),
        };
        let mut unsaved = Unsaved::default();
        // Rows in a chat's partition, written and not yet checked against the API's deletes.
        let mut unchecked: Vec<(u64, SourceChatKey)> = Vec::new();
        let mut rows = RowStream::<R>::open(snapshot, &selection).await?;
        while let Some(row) = rows.next().await? {
            report.read += 1;
            progress.advance(1);
            let id = positive(row.id());
            let chat = (positive(row.user_id()), positive(row.chat_id()));
            unsaved.push(id);
            let plan = match self.parents_of(&row).await? {
                ParentState::Present => row.plan(),
                ParentState::Gone => {
                    report.parent_gone += 1;
                    writer.skip(id);
                    self.purge_skipped([chat]).await?;
                    continue;
                }
                ParentState::Rejected(rejection) => Plan::Reject(rejection),
            };
            match plan {
                Plan::Write { items, notes } if R::TABLE == SourceTable::Chats && !self.dry_run => {
                    if self.write_chat(chat, items).await? {
                        report.written += 1;
                        for note in notes {
                            self.note(note, &mut report, &progress);
                        }
                    } else {
                        report.parent_gone += 1;
                        self.gone.insert(chat.1);
                    }
                    writer.skip(id);
                }
                Plan::Write { items, notes } => {
                    report.written += 1;
                    for note in notes {
                        self.note(note, &mut report, &progress);
                    }
                    writer.push(id, items).await?;
                    unchecked.push((id, chat));
                }
                Plan::Reject(rejection) => {
                    report.rejected += 1;
                    progress.say(&format!("rejected: {rejection}"));
                    let record = rejection_item(&rejection);
                    self.rejected.insert((rejection.table, rejection.id));
                    if self.rejected_now.len() < KEPT_IN_REPORT {
                        self.rejected_now.push(rejection);
                    }
                    writer.push(id, vec![record]).await?;
                }
            }
            self.save_now(
                &writer,
                &mut saved,
                &mut unsaved,
                &mut unchecked,
                table,
                false,
            )
            .await?;
        }
        writer.finish().await?;
        self.save_now(
            &writer,
            &mut saved,
            &mut unsaved,
            &mut unchecked,
            table,
            true,
        )
        .await?;
        progress.finish();
        self.writes.add(writer.stats);
        Ok(report)
    }

    fn note(&mut self, note: Note, report: &mut TableReport, progress: &Progress) {
        let seen = match note {
            Note::NullTime { .. } => {
                report.null_times += 1;
                report.null_times
            }
            Note::OverApiLimit { .. } => {
                report.over_api_limit += 1;
                report.over_api_limit
            }
            // Few, and each worth reading: all printed.
            Note::OtherProjects { .. } => 0,
        };
        if seen as usize <= NOTES_PRINTED {
            progress.say(&note.to_string());
        } else if seen as usize == NOTES_PRINTED + 1 {
            progress.say("(more of these are counted in the summary)");
        }
        if self.notes.len() < KEPT_IN_REPORT {
            self.notes.push(note);
        }
    }

    /// Whether the row's parents are (or will be, by this run) in the table.
    async fn parents_of<R: Imported>(&mut self, row: &R) -> Result<ParentState, ImportError> {
        let user = positive(row.user_id());
        for parent in row.parents() {
            if self.rejected.contains(&(parent.table, parent.id)) {
                let what = match parent.table {
                    SourceTable::Chats => "chat",
                    _ => "message",
                };
                return Ok(ParentState::Rejected(Rejection {
                    table: R::TABLE,
                    id: positive(row.id()),
                    user_id: user,
                    chat_id: positive(row.chat_id()),
                    bytes: 0,
                    reason: format!("its {what} {} was rejected", parent.id),
                }));
            }
            if parent.table == SourceTable::Chats && self.gone.contains(&parent.id) {
                return Ok(ParentState::Gone);
            }
            // Parents no run had handled are this run's, written before this table began.
            let from_earlier_run = self.at_start.ids(parent.table).contains(parent.id);
            if from_earlier_run {
                let client = &self.target.client;
                let table = &self.target.table;
                if !self
                    .parents
                    .exists(client, table, parent.pk, parent.sk)
                    .await?
                {
                    return Ok(ParentState::Gone);
                }
            }
        }
        Ok(ParentState::Present)
    }

    /// Writes a chat's rows unless the API deleted the chat or erased its user, checked in the same transaction; `false` when it refused.
    async fn write_chat(
        &mut self,
        chat: SourceChatKey,
        items: Vec<Item>,
    ) -> Result<bool, ImportError> {
        let mut transaction = transact::Transaction::new(&self.target.table);
        for (pk, sk) in gone::guard_keys(chat) {
            transaction.check_absent(pk, sk)?;
        }
        let stats = WriteStats {
            items: items.len() as u64,
            bytes: items.iter().map(|item| plan::item_bytes(item) as u64).sum(),
            ..WriteStats::default()
        };
        for item in items {
            transaction.put(item, transact::Expect::Anything)?;
        }
        let written = transaction.send(&self.target.client).await?;
        if written {
            self.writes.add(stats);
        }
        Ok(written)
    }

    /// Gives chats whose rows were skipped to the purge, each once a run: it removes what a run
    /// killed before its check had written.
    async fn purge_skipped(
        &mut self,
        chats: impl IntoIterator<Item = SourceChatKey>,
    ) -> Result<(), ImportError> {
        let new: Vec<SourceChatKey> = chats
            .into_iter()
            .filter(|chat| self.purged.insert(*chat))
            .collect();
        self.purge_written(new).await
    }

    /// Gives chats that rows were written into to the purge, after those rows were acknowledged:
    /// every time, since a purge may have run, and forgotten an earlier record, before they
    /// landed.
    async fn purge_written(&mut self, chats: Vec<SourceChatKey>) -> Result<(), ImportError> {
        if self.dry_run {
            return Ok(());
        }
        self.purged.extend(chats.iter().copied());
        let client = &self.target.client;
        gone::purge_later(
            client,
            &self.target.table,
            chats,
            neptun_core::clock::now_ms(),
        )
        .await?;
        Ok(())
    }

    /// Saves the ids acknowledged since the last save when it is time (or `at_end`), once the
    /// chats of the rows among them are checked against the API's deletes and erasures.
    async fn save_now(
        &mut self,
        writer: &BatchWriter,
        saved: &mut Saved,
        unsaved: &mut Unsaved,
        unchecked: &mut Vec<(u64, SourceChatKey)>,
        table: SourceTable,
        at_end: bool,
    ) -> Result<(), ImportError> {
        let through = writer.acknowledged_through();
        let due = at_end || saved.at.elapsed() >= SAVE_EVERY;
        if !due || through == saved.through {
            return Ok(());
        }
        let Some(last_id) = through else {
            return Ok(());
        };
        if !self.dry_run {
            let stored: BTreeSet<SourceChatKey> = unchecked
                .iter()
                .filter(|(id, _)| *id <= last_id)
                .map(|(_, chat)| *chat)
                .collect();
            unchecked.retain(|(id, _)| *id > last_id);
            let client = &self.target.client;
            let deleted = gone::gone(client, &self.target.table, &stored).await?;
            for (_, chat) in &deleted {
                self.gone.insert(*chat);
            }
            self.purge_written(deleted.into_iter().collect()).await?;
        }
        let blocks = unsaved.settle(last_id, self.ledger.ids_mut(table));
        if !self.dry_run {
            self.ledger
                .save(&self.target.client, &self.target.table, table, &blocks)
                .await?;
        }
        *saved = Saved {
            through,
            at: Instant::now(),
        };
        Ok(())
    }
}

enum ParentState {
    Present,
    Gone,
    Rejected(Rejection),
}

struct Saved {
    through: Option<u64>,
    at: Instant,
}

fn rejection_item(rejection: &Rejection) -> Item {
    schema::to_attribute_map(&rejection.record()).unwrap_or_default()
}
