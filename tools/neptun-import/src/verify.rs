//! `--verify`: chat by chat, every source row, as the import would write it, against the
//! table's rows (a SHA-256 per row; a checksum per chat over them). Rows with API ids are
//! "added since", never a difference.

use neptun_core::ids::{ChatId, UserId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use neptun_core::ids;
use neptun_dynamo::schema;
use sha2::{Digest, Sha256};
use tokio_postgres::Transaction;

use super::ledger::MAX_SOURCE_ID;
use super::plan::{self, Item, Plan, Rejection};
use super::progress::Progress;
use super::share_source::{self, SourceShare};
use super::shares;
use super::source::{
    self, Order, RowStream, Selection, SourceChat, SourceFile, SourceMessage, SourceRow,
    SourceTable, positive,
};
use super::storage::{self, StorageError, retrying};
use super::{ImportError, Options, Target};

/// Problems kept for the report (and printed); the rest are counted.
const KEPT_IN_REPORT: usize = 1_000;

type Sha = [u8; 32];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not in the table (with the reason if the import rejected it).
    Missing { rejected: Option<String> },
    /// In the table with other content.
    Different,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub table: SourceTable,
    pub id: u64,
    pub user_id: u64,
    pub chat_id: u64,
    pub problem: Problem,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.problem {
            Problem::Missing { rejected: None } => "missing".to_owned(),
            Problem::Missing {
                rejected: Some(reason),
            } => format!("missing (rejected by the import: {reason})"),
            Problem::Different => "different".to_owned(),
        };
        write!(
            f,
            "{} {} (user {}, chat {}): {what}",
            self.table.name(),
            self.id,
            self.user_id,
            self.chat_id
        )
    }
}

#[derive(Debug, Default)]
pub struct VerifyReport {
    pub chats: u64,
    /// Shares checked (their chats are counted in `chats`).
    pub shares: u64,
    /// Source rows checked.
    pub rows: u64,
    pub matching: u64,
    pub missing: u64,
    pub different: u64,
    /// Chats whose checksum differs.
    pub chats_differing: u64,
    /// Chats, messages and files created through the API (ids of the API's).
    pub added_since: u64,
    /// Rows with imported ids that the source no longer has.
    pub not_in_source: u64,
    pub problems: Vec<RowProblem>,
    pub elapsed: Duration,
}

impl VerifyReport {
    pub fn is_complete(&self) -> bool {
        self.missing == 0 && self.different == 0
    }
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "verified {} chats and {} shares, {} source rows in {:.1} s: {} match, {} missing, {} different \
             ({} chats with a differing checksum); {} added since through the API, {} no longer in the source",
            self.chats,
            self.shares,
            self.rows,
            self.elapsed.as_secs_f64(),
            self.matching,
            self.missing,
            self.different,
            self.chats_differing,
            self.added_since,
            self.not_in_source
        )?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// A source stream with one row of look-ahead.
struct Peekable<'t, R> {
    rows: RowStream<'t, R>,
    next: Option<R>,
}

impl<'t, R: SourceRow> Peekable<'t, R> {
    async fn open(
        snapshot: &'t Transaction<'t>,
        selection: &Selection,
    ) -> Result<Self, ImportError> {
        let mut rows = RowStream::open(snapshot, selection).await?;
        let next = rows.next().await?;
        Ok(Self { rows, next })
    }

    /// The next row if it belongs to `(user, chat)`.
    async fn next_of(&mut self, user: i64, chat: i64) -> Result<Option<R>, ImportError> {
        match &self.next {
            Some(row) if row.user_id() == user && row.chat_id() == chat => {
                let row = self.next.take();
                self.next = self.rows.next().await?;
                Ok(row)
            }
            _ => Ok(None),
        }
    }
}

/// One source row of a chat and what was found for it.
struct Expected {
    table: SourceTable,
    id: u64,
    /// Digest of each item it needs, by key; `None` once seen, with the table's digest.
    items: Result<Vec<(Key, Sha)>, Rejection>,
}

type Key = (String, String);

pub async fn verify(
    snapshot: &Transaction<'_>,
    target: &Target,
    options: &Options,
) -> Result<VerifyReport, ImportError> {
    let started = Instant::now();
    let selection = Selection {
        ranges: vec![(1, MAX_SOURCE_ID)],
        users: options.users.clone(),
        erased: storage::erased_users(&target.client, &target.table).await?,
        order: Order::ByChat,
    };
    let rejections: HashMap<(SourceTable, u64), Rejection> =
        storage::rejections(&target.client, &target.table)
            .await?
            .into_iter()
            .map(|rejection| ((rejection.table, rejection.id), rejection))
            .collect();
    let total = source::count::<SourceChat>(snapshot, &selection).await?;
    let mut progress = Progress::start("verify chats", total);
    let mut chats = RowStream::<SourceChat>::open(snapshot, &selection).await?;
    let mut messages = Peekable::<SourceMessage>::open(snapshot, &selection).await?;
    let mut files = Peekable::<SourceFile>::open(snapshot, &selection).await?;
    let mut report = VerifyReport::default();
    let mut current_user = None;
    while let Some(chat) = chats.next().await? {
        if current_user != Some(chat.user_id) {
            current_user = Some(chat.user_id);
            report.added_since += chats_added_since(target, positive(chat.user_id)).await?;
        }
        let mut expected = vec![expect(SourceTable::Chats, chat.id, plan::chat(&chat))];
        while let Some(message) = messages.next_of(chat.user_id, chat.id).await? {
            expected.push(expect(
                SourceTable::Messages,
                message.id,
                plan::message(&message),
            ));
        }
        while let Some(file) = files.next_of(chat.user_id, chat.id).await? {
            expected.push(expect(SourceTable::Files, file.id, plan::file(&file)));
        }
        let found = read_chat(target, positive(chat.user_id), positive(chat.id), &expected).await?;
        let checked = compare(&chat, &expected, &found, &rejections, &mut report);
        if !checked {
            report.chats_differing += 1;
            progress.say(&format!(
                "chat {} of user {}: checksum {} in the source, {} in the table",
                chat.id,
                chat.user_id,
                hex(&chat_checksum(&expected, |_, sha| Some(*sha))),
                hex(&chat_checksum(&expected, |key, _| found
                    .digests
                    .get(key)
                    .copied())),
            ));
        }
        report.added_since += found.added_since;
        report.not_in_source += found.not_in_source;
        report.chats += 1;
        progress.advance(1);
    }
    progress.finish();
    share_source::check_secret(snapshot, &options.crypto_secret).await?;
    let sources = share_source::shares(
        snapshot,
        &options.crypto_secret,
        &options.users,
        &selection.erased,
    )
    .await?;
    let mut progress = Progress::start("verify shares", sources.len() as u64);
    for share in sources.values() {
        progress.advance(1);
        if rejections.contains_key(&(SourceTable::Chats, share.chat_id)) {
            continue;
        }
        report.shares += 1;
        report.rows += 1;
        let Some(problem) = check_share(target, share).await? else {
            report.matching += 1;
            continue;
        };
        match problem {
            Problem::Missing { .. } => report.missing += 1,
            Problem::Different => report.different += 1,
        }
        if report.problems.len() < KEPT_IN_REPORT {
            report.problems.push(RowProblem {
                table: SourceTable::Shares,
                id: share.id,
                user_id: share.user_id,
                chat_id: share.chat_id,
                problem,
            });
        }
    }
    progress.finish();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The share's row against the source: ids, settings and whitelist emails equal, and the
/// source's password verifies against the stored hash (never shown).
async fn check_share(
    target: &Target,
    source: &SourceShare,
) -> Result<Option<Problem>, ImportError> {
    let expected = shares::stored(source, None);
    let row: Option<schema::ShareRow> = storage::get_row(
        &target.client,
        &target.table,
        schema::share_pk(&expected.uuid),
        schema::SHARE_SK.to_owned(),
        "share",
    )
    .await?;
    let Some(row) = row else {
        return Ok(Some(Problem::Missing { rejected: None }));
    };
    let found = neptun_core::store::StoredShare::from(row);
    let emails = |share: &neptun_core::store::StoredShare| -> Vec<(u64, String)> {
        share
            .whitelist
            .iter()
            .map(|listed| (listed.id.get(), listed.email.clone()))
            .collect()
    };
    let same_settings = (
        found.id,
        found.user_id,
        found.chat_id,
        found.is_shared,
        found.is_protected,
    ) == (
        expected.id,
        expected.user_id,
        expected.chat_id,
        expected.is_shared,
        expected.is_protected,
    ) && emails(&found) == emails(&expected);
    let password = source
        .password
        .clone()
        .filter(|password| !password.is_empty());
    let password_matches = match (password, found.password_hash) {
        (None, None) => true,
        (Some(password), Some(hash)) => tokio::task::spawn_blocking(move || {
            neptun_core::shares::password::verify(&password, &hash)
        })
        .await
        .map_err(ImportError::Task)?
        .unwrap_or(false),
        _ => false,
    };
    Ok((!(same_settings && password_matches)).then_some(Problem::Different))
}

fn expect(table: SourceTable, id: i64, plan: Plan) -> Expected {
    let items = match plan {
        Plan::Write { items, .. } => Ok(items
            .iter()
            .map(|item| (key_of(item), digest(item)))
            .collect()),
        Plan::Reject(rejection) => Err(rejection),
    };
    Expected {
        table,
        id: positive(id),
        items,
    }
}

fn key_of(item: &Item) -> Key {
    let text = |name: &str| {
        item.get(name)
            .and_then(|value| value.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    (text(schema::PK), text(schema::SK))
}

/// What the table holds for one chat.
struct Found {
    digests: HashMap<Key, Sha>,
    added_since: u64,
    not_in_source: u64,
}

/// The chat's list row and its whole partition (marker, messages, files).
async fn read_chat(
    target: &Target,
    user: u64,
    chat: u64,
    expected: &[Expected],
) -> Result<Found, StorageError> {
    let wanted: HashSet<&Key> = expected
        .iter()
        .filter_map(|entry| entry.items.as_ref().ok())
        .flatten()
        .map(|(key, _)| key)
        .collect();
    let mut found = Found {
        digests: HashMap::new(),
        added_since: 0,
        not_in_source: 0,
    };
    let listed_key = (schema::user_pk(UserId(user)), schema::chat_sk(ChatId(chat)));
    let partition = schema::chat_pk(UserId(user), ChatId(chat));
    // The chat's rows in its lists: the user's, and its project's.
    let mut outside: Vec<&Key> = wanted
        .iter()
        .copied()
        .filter(|key| key.0 != partition)
        .collect();
    if outside.is_empty() {
        outside.push(&listed_key);
    }
    for key in outside {
        let listed = retrying("GetItem", || {
            target
                .client
                .get_item()
                .table_name(&target.table)
                .key(schema::PK, AttributeValue::S(key.0.clone()))
                .key(schema::SK, AttributeValue::S(key.1.clone()))
                .consistent_read(true)
                .send()
        })
        .await?;
        if let Some(item) = listed.item {
            found.digests.insert(key_of(&item), digest(&item));
        }
    }
    let mut start = None;
    loop {
        let output = retrying("Query", || {
            target
                .client
                .query()
                .table_name(&target.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_values(":pk", AttributeValue::S(partition.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start.clone())
                .send()
        })
        .await?;
        for item in output.items.unwrap_or_default() {
            let key = key_of(&item);
            if wanted.contains(&key) {
                found.digests.insert(key, digest(&item));
                continue;
            }
            match item_id(&key.1) {
                Some(id) if !ids::is_imported(id) => found.added_since += item_count(&item),
                Some(_) => found.not_in_source += item_count(&item),
                // The marker of a chat whose source row is rejected, or a row of another kind.
                None => {}
            }
        }
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(found),
        }
    }
}

/// The id in a `MSG#<id>` / `FILE#<id>` sort key.
fn item_id(sort_key: &str) -> Option<u64> {
    let (_, digits) = sort_key.split_once('#')?;
    digits.parse().ok()
}

fn item_count(item: &Item) -> u64 {
    item.get(schema::ITEM_COUNT)
        .and_then(|value| value.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// Tallies one chat's rows; `true` when all of them match.
fn compare(
    chat: &SourceChat,
    expected: &[Expected],
    found: &Found,
    rejections: &HashMap<(SourceTable, u64), Rejection>,
    report: &mut VerifyReport,
) -> bool {
    let mut all_match = true;
    for entry in expected {
        report.rows += 1;
        let problem = match &entry.items {
            Err(rejection) => Some(Problem::Missing {
                rejected: Some(
                    rejections
                        .get(&(entry.table, entry.id))
                        .unwrap_or(rejection)
                        .reason
                        .clone(),
                ),
            }),
            Ok(items) => {
                let missing = items
                    .iter()
                    .any(|(key, _)| !found.digests.contains_key(key));
                let differs = items
                    .iter()
                    .any(|(key, sha)| found.digests.get(key).is_some_and(|seen| seen != sha));
                if missing {
                    let rejected = rejections
                        .get(&(entry.table, entry.id))
                        .map(|rejection| rejection.reason.clone());
                    Some(Problem::Missing { rejected })
                } else if differs {
                    Some(Problem::Different)
                } else {
                    None
                }
            }
        };
        let Some(problem) = problem else {
            report.matching += 1;
            continue;
        };
        all_match = false;
        match problem {
            Problem::Missing { .. } => report.missing += 1,
            Problem::Different => report.different += 1,
        }
        let row = RowProblem {
            table: entry.table,
            id: entry.id,
            user_id: positive(chat.user_id),
            chat_id: positive(chat.id),
            problem,
        };
        if report.problems.len() < KEPT_IN_REPORT {
            report.problems.push(row);
        }
    }
    all_match
}

/// SHA-256 over the digests of the chat's rows in order (`digest_of` gives each key's).
fn chat_checksum(expected: &[Expected], digest_of: impl Fn(&Key, &Sha) -> Option<Sha>) -> Sha {
    let mut hasher = Sha256::new();
    for entry in expected {
        if let Ok(items) = &entry.items {
            for (key, sha) in items {
                hasher.update(digest_of(key, sha).unwrap_or([0; 32]));
            }
        }
    }
    hasher.finalize().into()
}

/// A canonical SHA-256 of an item: attribute names sorted, every value typed and length-prefixed.
/// The write id (`w`) is left out: it tells writes apart, it is no content (the import
/// draws a new one when it links or shares a chat it imported earlier).
fn digest(item: &Item) -> Sha {
    let mut content = item.clone();
    content.remove(schema::WRITE_ID);
    let mut hasher = Sha256::new();
    hash_map(&mut hasher, &content);
    hasher.finalize().into()
}

fn hash_map(hasher: &mut Sha256, map: &HashMap<String, AttributeValue>) {
    let sorted: BTreeMap<&String, &AttributeValue> = map.iter().collect();
    hasher.update((sorted.len() as u64).to_be_bytes());
    for (name, value) in sorted {
        hash_bytes(hasher, name.as_bytes());
        hash_value(hasher, value);
    }
}

fn hash_bytes(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

fn hash_value(hasher: &mut Sha256, value: &AttributeValue) {
    match value {
        AttributeValue::S(text) => {
            hasher.update(b"S");
            hash_bytes(hasher, text.as_bytes());
        }
        AttributeValue::N(number) => {
            hasher.update(b"N");
            hash_bytes(hasher, number.as_bytes());
        }
        AttributeValue::Bool(flag) => hasher.update(if *flag { b"T" } else { b"F" }),
        AttributeValue::Null(_) => hasher.update(b"0"),
        AttributeValue::L(list) => {
            hasher.update(b"L");
            hasher.update((list.len() as u64).to_be_bytes());
            for element in list {
                hash_value(hasher, element);
            }
        }
        AttributeValue::M(map) => {
            hasher.update(b"M");
            hash_map(hasher, map);
        }
        other => {
            // Types our rows never use: hashed by their debug form, so they still compare.
            hasher.update(b"?");
            hash_bytes(hasher, format!("{other:?}").as_bytes());
        }
    }
}

fn hex(sha: &Sha) -> String {
    sha.iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Chats of `user` created through the API (ids of the API's).
async fn chats_added_since(target: &Target, user: u64) -> Result<u64, StorageError> {
    let mut count = 0;
    let mut start = None;
    loop {
        let output = retrying("Query (count)", || {
            target
                .client
                .query()
                .table_name(&target.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_names("#sk", schema::SK)
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(schema::user_pk(UserId(user))),
                )
                .expression_attribute_values(
                    ":from",
                    AttributeValue::S(schema::chat_sk(ChatId(ids::FIRST_API_ID))),
                )
                .expression_attribute_values(":to", AttributeValue::S(schema::chat_range(None).to))
                .select(Select::Count)
                .set_exclusive_start_key(start.clone())
                .send()
        })
        .await?;
        count += u64::try_from(output.count).unwrap_or(0);
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_ignore_attribute_order_and_see_every_value() {
        let a = Item::from([
            ("PK".to_owned(), AttributeValue::S("x".into())),
            ("n".to_owned(), AttributeValue::N("1".into())),
        ]);
        let mut b = Item::new();
        b.insert("n".to_owned(), AttributeValue::N("1".into()));
        b.insert("PK".to_owned(), AttributeValue::S("x".into()));
        assert_eq!(digest(&a), digest(&b));
        b.insert("n".to_owned(), AttributeValue::S("1".into()));
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn sort_key_ids() {
        assert_eq!(item_id(&schema::message_chunk_sk(17)), Some(17));
        assert_eq!(item_id(&schema::file_chunk_sk(1 << 40)), Some(1 << 40));
        assert_eq!(item_id(schema::CHAT_META_SK), None);
    }
}
