//! A chat's update: rename, new model, move into a project or out of one.
//!
//! A chat is a row per list it is in (the user's, its project's) and its partition's `META`,
//! copies of one another. An update reads the user's row, then rewrites every row in one
//! transaction on the condition that the user's row is still the one it read (its write id):
//! two updates at once never both commit from the same reading, so a chat that two moves race
//! is in exactly one project's list, and no rename is lost. The one that lost reads again.

use neptun_core::ids::{ChatId, UserId};
use std::time::Instant;

use neptun_core::model::Chat;
use neptun_core::store::{ChatUpdateStore, Idempotency, Replayable, StoreError};
use neptun_core::validation::ChatUpdate;

use super::DynamoStore;
use super::guarded::RowCondition;
use super::idempotency::Committed;
use super::retry::ConflictRetry;
use crate::schema::{self, ChatRow};

impl DynamoStore {
    /// The chat's row in the user's list, read consistently.
    pub(super) async fn chat_row(
        &self,
        user_id: UserId,
        chat_id: ChatId,
    ) -> Result<Option<ChatRow>, StoreError> {
        self.consistent_row(schema::user_pk(user_id), schema::chat_sk(chat_id))
            .await
    }
}

/// The chat's rows after `update`, written at `now_ms` by a new write.
fn updated(current: &ChatRow, update: &ChatUpdate, now_ms: u64) -> ChatRow {
    ChatRow {
        name: update.name.clone().unwrap_or_else(|| current.name.clone()),
        model: update
            .model
            .clone()
            .unwrap_or_else(|| current.model.clone()),
        project_id: update.project.unwrap_or(current.project_id),
        // A clock that went back must not move the chat back in an updated_at order.
        updated_at: now_ms.max(current.updated_at),
        write_id: rand::random(),
        ..current.clone()
    }
}

impl ChatUpdateStore for DynamoStore {
    async fn update_chat(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        update: ChatUpdate,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        if let Some(earlier) = self.earlier_response(user_id, idempotency, now_ms).await? {
            return Ok(earlier);
        }
        // Read, then write if nobody wrote the chat meanwhile; again after a pause while the
        // budget lasts.
        let mut rounds = ConflictRetry::new(Instant::now(), self.retry_budget);
        loop {
            let Some(current) = self.chat_row(user_id, chat_id).await? else {
                return Err(self
                    .missing_unless_erased(user_id, StoreError::ChatNotFound)
                    .await);
            };
            let next = updated(&current, &update, now_ms);
            let chat = Chat::from(next.clone());
            let written = RowCondition::Written {
                write_id: current.write_id,
            };
            // The user's row, the marker, then the projects' rows and the record.
            let mut actions = vec![
                self.put_row(&next, Some(written))?,
                self.put_row(&next.marker(), Some(RowCondition::Exists))?,
            ];
            if let Some(left) = current
                .in_project()
                .filter(|_| current.project_id != next.project_id)
            {
                actions.push(self.delete_row(left.pk, left.sk, None)?);
            }
            if let Some(joined) = next.in_project() {
                actions.push(self.put_row(&joined, None)?);
            }
            let failed = match self
                .commit_recorded(user_id, idempotency, actions, chat, now_ms)
                .await?
            {
                Committed::Answered(answer) => return Ok(answer),
                Committed::Refused(failed) => failed,
            };
            if failed.at(1) {
                return Err(StoreError::ChatNotFound);
            }
            // Another write of the chat came first: read it again.
            if !rounds.pause("update a chat").await {
                return Err(StoreError::Unavailable(
                    "the chat kept changing while it was updated".into(),
                ));
            }
        }
    }
}
