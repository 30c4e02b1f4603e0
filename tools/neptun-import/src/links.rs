//! Projects' links (`project_chat_conversation`): a chat is in the lowest project it is
//! linked to. A chat imported with its links gets its project with its rows (and a record
//! `IMPORT` / `LINK#<chat>` beside them); a link that appears in the source after its chat
//! was imported is applied by the next run, once, unless the chat is gone or in a project
//! already.

use neptun_core::ids::ProjectId;
use neptun_dynamo::schema::ChatRow;
use tokio_postgres::Transaction as Snapshot;

use super::ledger::IdSet;
use super::plan::Item;
use super::progress::Progress;
use super::rows::{self, ImportLinkRow};
use super::source::{self, SourceChat, SourceError, positive};
use super::storage::{self, StorageError};
use super::transact::{Expect, Transaction, item_of};
use super::{ImportError, Target};

/// What the links of one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkReport {
    /// Chats linked to a project in the source (in scope).
    pub linked_chats: u64,
    /// Applied by this run after their chats were imported (or, in a dry run, would be).
    pub applied: u64,
    /// Their chats are not in the table (deleted through the API, or rejected).
    pub chat_missing: u64,
    /// Their chats are in another project in the table already: left there.
    pub kept: Vec<(u64, u64, u64)>,
}

/// The record of the project a chat is imported into, written with its rows.
pub fn record_of(chat: &SourceChat) -> Option<Item> {
    let project_id = u64::try_from(*chat.projects.first()?).ok()?;
    let chat_id = u64::try_from(chat.id).ok()?;
    let user_id = u64::try_from(chat.user_id).ok()?;
    item_of(&record(user_id, chat_id, project_id)).ok()
}

fn record(user_id: u64, chat_id: u64, project_id: u64) -> ImportLinkRow {
    ImportLinkRow {
        pk: rows::import_pk(),
        sk: rows::link_sk(chat_id),
        chat_id,
        user_id,
        project_id,
    }
}

/// Every source link in scope whose chat was handled and whose record says otherwise.
pub async fn import(
    snapshot: &Snapshot<'_>,
    target: &Target,
    users: &Option<Vec<u64>>,
    erased: &[u64],
    chats: &IdSet,
    dry_run: bool,
) -> Result<LinkReport, ImportError> {
    let links = source_links(snapshot, users, erased).await?;
    let records = storage::links(&target.client, &target.table).await?;
    let mut report = LinkReport {
        linked_chats: links.len() as u64,
        ..LinkReport::default()
    };
    let pending: Vec<&SourceLink> = links
        .iter()
        .filter(|link| chats.contains(link.chat_id))
        .filter(|link| records.get(&link.chat_id).map(|r| r.project_id) != Some(link.project_id))
        .collect();
    let mut progress = Progress::start("project links", pending.len() as u64);
    for link in pending {
        progress.advance(1);
        match apply(target, link, dry_run).await? {
            Applied::Linked => report.applied += 1,
            Applied::ChatMissing => report.chat_missing += 1,
            Applied::Kept(project) => {
                progress.say(&format!(
                    "chat_conversation {}: in project {project} in the table, linked to {} in the source; left in {project}",
                    link.chat_id, link.project_id
                ));
                report.kept.push((link.chat_id, project, link.project_id));
            }
        }
    }
    progress.finish();
    Ok(report)
}

struct SourceLink {
    user_id: u64,
    chat_id: u64,
    /// The lowest project the chat is linked to.
    project_id: u64,
}

enum Applied {
    Linked,
    ChatMissing,
    /// In this project already.
    Kept(u64),
}

async fn apply(target: &Target, link: &SourceLink, dry_run: bool) -> Result<Applied, StorageError> {
    let client = &target.client;
    let table = &target.table;
    for _ in 0..3 {
        // Nothing to link: the record alone, so that later runs do not look again.
        let settle = |outcome: Applied| async move {
            if !dry_run {
                let done = item_of(&record(link.user_id, link.chat_id, link.project_id))?;
                storage::put_record(client, table, done).await?;
            }
            Ok(outcome)
        };
        let Some(chat) = storage::chat_row(client, table, link.user_id, link.chat_id).await? else {
            return settle(Applied::ChatMissing).await;
        };
        if let Some(project) = chat
            .project_id
            .filter(|&project| project != ProjectId(link.project_id))
        {
            return settle(Applied::Kept(project.get())).await;
        }
        if dry_run {
            return Ok(Applied::Linked);
        }
        let next = ChatRow {
            project_id: Some(ProjectId(link.project_id)),
            write_id: rand::random(),
            ..chat.clone()
        };
        let mut transaction = Transaction::new(table);
        transaction.rewrite_chat(&chat, &next)?.put(
            item_of(&record(link.user_id, link.chat_id, link.project_id))?,
            Expect::Anything,
        )?;
        if transaction.send(client).await? {
            return Ok(Applied::Linked);
        }
    }
    Err(StorageError::KeptChanging {
        what: format!("chat {}", link.chat_id),
    })
}

async fn source_links(
    snapshot: &Snapshot<'_>,
    users: &Option<Vec<u64>>,
    erased: &[u64],
) -> Result<Vec<SourceLink>, SourceError> {
    let failed = |source| SourceError::Query {
        what: "project_chat_conversation",
        source,
    };
    let rows = snapshot
        .query(
            "SELECT c.neptun_user_id::int8, l.chat_conversation_id::int8, min(l.project_id)::int8 \
             FROM project_chat_conversation l JOIN chat_conversation c ON c.id = l.chat_conversation_id \
             WHERE ($1::int8[] IS NULL OR c.neptun_user_id = ANY($1)) AND NOT (c.neptun_user_id = ANY($2::int8[])) \
             GROUP BY 1, 2 ORDER BY 2",
            &[&source::ids_param(users), &source::ids_param(&Some(erased.to_vec()))],
        )
        .await
        .map_err(failed)?;
    let mut links = Vec::with_capacity(rows.len());
    for row in rows {
        let (user, chat, project): (i64, i64, i64) = (
            row.try_get(0).map_err(failed)?,
            row.try_get(1).map_err(failed)?,
            row.try_get(2).map_err(failed)?,
        );
        links.push(SourceLink {
            user_id: positive(user),
            chat_id: positive(chat),
            project_id: positive(project),
        });
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceTimes;

    #[test]
    fn only_a_chat_with_projects_has_a_record_and_it_names_the_lowest() {
        let mut chat = SourceChat {
            id: 7,
            user_id: 2,
            name: Some("c".into()),
            name_bytes: 1,
            model: "m".into(),
            times: SourceTimes {
                created_at: Some(1),
                updated_at: Some(1),
                nearest: Some(1),
            },
            projects: Vec::new(),
            share_uuid: None,
        };
        assert!(record_of(&chat).is_none());
        chat.projects = vec![3, 8];
        let item = record_of(&chat).expect("a record");
        let row: ImportLinkRow = serde_dynamo::from_item(item).expect("a link record");
        assert_eq!(
            (row.chat_id, row.project_id, row.sk),
            (7, 3, rows::link_sk(7))
        );
    }
}
