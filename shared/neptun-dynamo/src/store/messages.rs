//! [`MessageStore`] on DynamoDB.

use neptun_core::ids::{ChatId, MessageId, UserId};
use neptun_core::model::ChatMessage;
use neptun_core::store::{Idempotency, MessageStore, Page, PageRequest, Replayable, StoreError};
use neptun_core::validation::NewMessage;

use super::DynamoStore;
use super::query::Existence;
use crate::schema::{self, ChatScope, MessageChunkRow, StoredMessage};

impl DynamoStore {
    /// A page of the chat's messages.
    pub(super) async fn list_messages_of(
        &self,
        scope: ChatScope,
        page: PageRequest,
        existence: Existence,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let range = schema::message_range(page.after);
        let (user_id, chat_id) = (scope.user_id, scope.chat_id);
        let items_of = |row: MessageChunkRow| {
            row.into_messages(scope)
                .map(|message| (message.id.get(), message.message.len(), message))
                .collect()
        };
        self.list_chat_items(user_id, chat_id, range, page, existence, items_of)
            .await
    }
}

impl MessageStore for DynamoStore {
    async fn append_messages(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        messages: Vec<NewMessage>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Vec<ChatMessage>>, StoreError> {
        let row =
            |first_id: u64, chunk: Vec<(u64, &NewMessage)>, write_id, created_at| MessageChunkRow {
                pk: schema::chat_pk(user_id, chat_id),
                sk: schema::message_chunk_sk(first_id),
                n: chunk.len() as u64,
                created_at,
                write_id,
                items: chunk
                    .into_iter()
                    .map(|(id, m)| StoredMessage {
                        id: MessageId(id),
                        actor: m.role,
                        message: m.content.clone(),
                    })
                    .collect(),
            };
        let checks = || Ok(vec![self.chat_exists_check(user_id, chat_id)?]);
        let bytes = |m: &NewMessage| schema::message_bytes(&m.content);
        let created = self
            .create_batch(user_id, &messages, bytes, row, checks, idempotency, now_ms)
            .await?;
        let scope = ChatScope { user_id, chat_id };
        Ok(created.map(|rows| {
            rows.into_iter()
                .flat_map(|row| row.into_messages(scope))
                .collect()
        }))
    }

    async fn list_messages(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let scope = ChatScope { user_id, chat_id };
        self.list_messages_of(scope, page, Existence::Unknown).await
    }
}
