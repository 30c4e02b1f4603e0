//! Shares and their whitelists: each source share becomes the chat's share, with the same
//! uuid, id and settings, its password stored only as the API's Argon2id hash.
//!
//! A record per share (`IMPORT` / `SHARE#<id>`: the digest of the source row last imported
//! and the write id of the share row it wrote) makes a run over unchanged shares read one
//! `Query` and write nothing, and tells the import's rows from the API's: a share row whose
//! write id is no longer the recorded one was changed through the API, and the import leaves
//! it alone. Every write is one transaction: the share row, the chat's rows naming it, and the
//! record.

use neptun_core::ids::{ChatId, ShareId, UserId, WhitelistEntryId};
use std::collections::{BTreeMap, HashMap};

use neptun_core::shares::password;
use neptun_core::store::{ListedEmail, StoredShare};
use neptun_core::validation::parse_share_uuid;
use neptun_dynamo::schema::{self, ChatRow, ShareRow};
use zeroize::Zeroizing;

use super::progress::Progress;
use super::rows::{self, ImportShareRow};
use super::share_source::SourceShare;
use super::storage::{self, StorageError};
use super::transact::{Expect, Transaction, item_of};
use super::{ImportError, Target};

/// What the shares of one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareReport {
    /// Shares in scope in the source.
    pub source: u64,
    /// As recorded: nothing to do.
    pub unchanged: u64,
    /// New in the table (or, in a dry run, would be).
    pub created: u64,
    /// Changed in the source since their import, and updated.
    pub updated: u64,
    /// Gone from the source since their import, and deleted.
    pub deleted: u64,
    /// Their chats are not in the table (deleted through the API, or rejected).
    pub chat_missing: u64,
    /// Whitelist entries whose user has no usable email: not listed.
    pub unlisted: u64,
    /// Left as they are, and why: the API changed them since.
    pub kept: Vec<String>,
}

enum Outcome {
    Created,
    Updated,
    Deleted,
    ChatMissing,
    Kept(String),
}

/// Rounds of read-and-write before a share that keeps changing fails the run.
const ROUNDS: usize = 3;

pub async fn import(
    target: &Target,
    sources: &BTreeMap<u64, SourceShare>,
    in_scope: impl Fn(u64) -> bool,
    dry_run: bool,
) -> Result<ShareReport, ImportError> {
    let records = storage::shares(&target.client, &target.table).await?;
    let mut report = ShareReport {
        source: sources.len() as u64,
        unlisted: sources
            .values()
            .flat_map(|share| &share.whitelist)
            .filter(|listed| listed.email.is_none())
            .count() as u64,
        ..ShareReport::default()
    };
    let pending: Vec<&SourceShare> = sources
        .values()
        .filter(|share| {
            records.get(&share.id).map(|record| record.digest.as_str())
                != Some(share.digest().as_str())
        })
        .collect();
    report.unchanged = report.source - pending.len() as u64;
    let gone: Vec<&ImportShareRow> = records
        .values()
        .filter(|record| !sources.contains_key(&record.share_id) && in_scope(record.user_id))
        .collect();
    let mut progress = Progress::start("shares", (pending.len() + gone.len()) as u64);
    let hashes = if dry_run {
        HashMap::new()
    } else {
        hash_passwords(&pending).await?
    };
    for share in pending {
        progress.advance(1);
        let outcome = if dry_run {
            match records.get(&share.id) {
                Some(_) => Outcome::Updated,
                None => Outcome::Created,
            }
        } else {
            let hash = hashes.get(&share.id).cloned().flatten();
            write(target, share, hash, records.get(&share.id)).await?
        };
        tally(&mut report, outcome, share.id, &progress);
    }
    for record in gone {
        progress.advance(1);
        let outcome = if dry_run {
            Outcome::Deleted
        } else {
            remove(target, record).await?
        };
        tally(&mut report, outcome, record.share_id, &progress);
    }
    progress.finish();
    Ok(report)
}

fn tally(report: &mut ShareReport, outcome: Outcome, share_id: u64, progress: &Progress) {
    match outcome {
        Outcome::Created => report.created += 1,
        Outcome::Updated => report.updated += 1,
        Outcome::Deleted => report.deleted += 1,
        Outcome::ChatMissing => report.chat_missing += 1,
        Outcome::Kept(why) => {
            let line = format!("chat_conversation_share {share_id}: {why}; left as it is");
            progress.say(&line);
            report.kept.push(line);
        }
    }
}

/// The Argon2id hash of every pending share's password, on one thread per core, each hashing
/// its share of the passwords one after the other (so at most one Argon2 block per core is
/// held at a time).
async fn hash_passwords(
    pending: &[&SourceShare],
) -> Result<HashMap<u64, Option<String>>, ImportError> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let work: Vec<(u64, Option<Zeroizing<String>>)> = pending
        .iter()
        .map(|share| (share.id, share.password.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let chunk = work.len().div_ceil(cores).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = work
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(hash_one).collect::<Vec<_>>()))
                .collect();
            let mut hashes = HashMap::with_capacity(work.len());
            for worker in workers {
                let hashed = worker.join().map_err(|_| ImportError::HashPanicked)?;
                for result in hashed {
                    let (id, hash) = result.map_err(ImportError::Hash)?;
                    hashes.insert(id, hash);
                }
            }
            Ok(hashes)
        })
    })
    .await
    .map_err(ImportError::Task)?
}

fn hash_one(
    (id, secret): &(u64, Option<Zeroizing<String>>),
) -> Result<(u64, Option<String>), password::PasswordError> {
    let hash = match secret.as_deref().filter(|password| !password.is_empty()) {
        Some(password) => Some(password::hash(password)?),
        None => None,
    };
    Ok((*id, hash))
}

/// The share as the API stores it: settings, hash, and the listed users' emails (each once).
pub fn stored(share: &SourceShare, password_hash: Option<String>) -> StoredShare {
    let mut whitelist: Vec<ListedEmail> = Vec::with_capacity(share.whitelist.len());
    for listed in &share.whitelist {
        let Some(email) = &listed.email else { continue };
        if whitelist.iter().all(|known| &known.email != email) {
            whitelist.push(ListedEmail {
                id: WhitelistEntryId(listed.id),
                email: email.clone(),
                created_at: listed.created_at,
            });
        }
    }
    StoredShare {
        user_id: UserId(share.user_id),
        chat_id: ChatId(share.chat_id),
        id: ShareId(share.id),
        uuid: parse_share_uuid(&share.uuid).unwrap_or_else(|| share.uuid.clone()),
        is_shared: share.is_shared,
        is_protected: share.is_protected,
        password_hash,
        whitelist,
        created_at: share.created_at,
        updated_at: share.updated_at,
    }
}

fn record(share: &StoredShare, digest: String, write_id: u64) -> ImportShareRow {
    ImportShareRow {
        pk: rows::import_pk(),
        sk: rows::share_sk(share.id.get()),
        share_id: share.id.get(),
        uuid: share.uuid.clone(),
        user_id: share.user_id.get(),
        chat_id: share.chat_id.get(),
        digest,
        write_id,
    }
}

async fn share_row(target: &Target, uuid: &str) -> Result<Option<ShareRow>, StorageError> {
    storage::get_row(
        &target.client,
        &target.table,
        schema::share_pk(uuid),
        schema::SHARE_SK.to_owned(),
        "share",
    )
    .await
}

/// Creates or updates the share of `source` (its record: `imported`).
async fn write(
    target: &Target,
    source: &SourceShare,
    password_hash: Option<String>,
    imported: Option<&ImportShareRow>,
) -> Result<Outcome, StorageError> {
    let (client, table) = (&target.client, target.table.as_str());
    let share = stored(source, password_hash);
    let digest = source.digest();
    // Only the record moves when the share is the API's now: its digest, so that the same
    // source row is not looked at again.
    let keep = |why: &str, write_id: u64| {
        let record = record(&share, digest.clone(), write_id);
        let why = why.to_owned();
        async move {
            storage::put_record(client, table, item_of(&record)?).await?;
            Ok::<_, StorageError>(Outcome::Kept(why))
        }
    };
    for _ in 0..ROUNDS {
        let write_id = rand::random::<u64>().max(1);
        let next = ShareRow::new(&share, write_id);
        if let Some(imported) = imported.filter(|record| record.write_id != 0) {
            let Some(current) = share_row(target, &imported.uuid).await? else {
                return keep(
                    "deleted through the API since its import",
                    imported.write_id,
                )
                .await;
            };
            if current.write_id != imported.write_id || current.uuid != share.uuid {
                return keep(
                    "changed through the API since its import",
                    imported.write_id,
                )
                .await;
            }
            let mut transaction = Transaction::new(table);
            transaction
                .put(item_of(&next)?, Expect::Written(imported.write_id))?
                .put(
                    item_of(&record(&share, digest.clone(), write_id))?,
                    Expect::Anything,
                )?;
            if transaction.send(client).await? {
                return Ok(Outcome::Updated);
            }
            continue;
        }
        let Some(chat) =
            storage::chat_row(client, table, share.user_id.get(), share.chat_id.get()).await?
        else {
            storage::put_record(client, table, item_of(&record(&share, digest, 0))?).await?;
            return Ok(Outcome::ChatMissing);
        };
        if chat
            .share_uuid
            .as_ref()
            .is_some_and(|uuid| uuid != &share.uuid)
        {
            return keep("its chat was shared through the API since", 0).await;
        }
        let named = ChatRow {
            share_uuid: Some(share.uuid.clone()),
            write_id: rand::random(),
            ..chat.clone()
        };
        let mut transaction = Transaction::new(table);
        transaction
            .put(item_of(&next)?, Expect::Absent)?
            .rewrite_chat(&chat, &named)?
            .put(
                item_of(&record(&share, digest.clone(), write_id))?,
                Expect::Anything,
            )?;
        if transaction.send(client).await? {
            return Ok(Outcome::Created);
        }
        if share_row(target, &share.uuid).await?.is_some() {
            return keep("a share with its uuid was made through the API", 0).await;
        }
    }
    Err(StorageError::KeptChanging {
        what: format!("share {}", share.id),
    })
}

/// Deletes the share of a record whose source row is gone, unless the API changed it since.
async fn remove(target: &Target, imported: &ImportShareRow) -> Result<Outcome, StorageError> {
    let (client, table) = (&target.client, target.table.as_str());
    for _ in 0..ROUNDS {
        let current = match imported.write_id {
            0 => None,
            _ => share_row(target, &imported.uuid).await?,
        };
        let Some(current) = current.filter(|row| row.write_id == imported.write_id) else {
            storage::delete_record(client, table, imported.sk.clone()).await?;
            return Ok(Outcome::Deleted);
        };
        let mut transaction = Transaction::new(table);
        transaction.delete(
            current.pk.clone(),
            current.sk.clone(),
            Expect::Written(imported.write_id),
        )?;
        let chat = storage::chat_row(client, table, imported.user_id, imported.chat_id).await?;
        if let Some(chat) = chat.filter(|chat| chat.share_uuid.as_ref() == Some(&imported.uuid)) {
            let unnamed = ChatRow {
                share_uuid: None,
                write_id: rand::random(),
                ..chat.clone()
            };
            transaction.rewrite_chat(&chat, &unnamed)?;
        }
        transaction.delete(rows::import_pk(), imported.sk.clone(), Expect::Anything)?;
        if transaction.send(client).await? {
            return Ok(Outcome::Deleted);
        }
    }
    Err(StorageError::KeptChanging {
        what: format!("share {}", imported.share_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share_source::SourceListed;

    #[test]
    fn a_stored_share_keeps_the_ids_lists_each_email_once_and_skips_users_without_one() {
        let listed = |id, email: Option<&str>| SourceListed {
            id,
            user_id: id,
            email: email.map(str::to_owned),
            created_at: 100 + id,
        };
        let source = SourceShare {
            id: 31,
            uuid: "0B6F3A52-8F0E-4C5A-9D8E-2F1B7C3D4E5F".into(),
            user_id: 1,
            chat_id: 2,
            is_shared: true,
            is_protected: false,
            ciphertext: None,
            password: None::<Zeroizing<String>>,
            created_at: 5,
            updated_at: 6,
            whitelist: vec![
                listed(1, Some("ada@example.com")),
                listed(2, None),
                listed(3, Some("ada@example.com")),
                listed(4, Some("grace@example.com")),
            ],
        };
        let share = stored(&source, None);
        assert_eq!(share.uuid, "0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f");
        assert_eq!(
            (share.id, share.chat_id, share.created_at),
            (ShareId(31), ChatId(2), 5)
        );
        let emails: Vec<(u64, &str)> = share
            .whitelist
            .iter()
            .map(|listed| (listed.id.get(), listed.email.as_str()))
            .collect();
        assert_eq!(
            emails,
            vec![(1, "ada@example.com"), (4, "grace@example.com")]
        );
    }
}
