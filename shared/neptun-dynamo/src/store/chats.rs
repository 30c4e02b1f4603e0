//! [`ChatStore`] on DynamoDB: a create (`create`) and the chat lists (`chat_list`).

use neptun_core::ids;
use neptun_core::ids::{ChatId, UserId};
use neptun_core::model::{Chat, ChatList};
use neptun_core::store::{ChatPageRequest, ChatStore, Idempotency, Page, Replayable, StoreError};
use neptun_core::validation::NewChat;

use super::{DynamoStore, transact};
use crate::schema::{self, ChatRow};

impl ChatStore for DynamoStore {
    async fn create_chat(
        &self,
        user_id: UserId,
        chat: NewChat,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Replayable<Chat>, StoreError> {
        let row = |id: u64, created_at: u64, write_id: u64| ChatRow {
            pk: schema::user_pk(user_id),
            sk: schema::chat_sk(ChatId(id)),
            id: ChatId(id),
            user_id,
            name: chat.name.clone(),
            model: chat.model.clone(),
            project_id: chat.project_id,
            share_uuid: None,
            created_at,
            updated_at: created_at,
            write_id,
        };
        let build = |id: u64, write_id: u64| {
            let chat = row(id, now_ms, write_id);
            let (mut puts, first_write_id) = self.puts_with_copies(&chat, chat.copy_keys())?;
            puts.push(self.last_chat_put(user_id, ChatId(id))?);
            Ok(transact::Plan {
                checks: Vec::new(),
                puts,
                first_write_id,
            })
        };
        let known = self.chat_floors.of(user_id);
        let created = self
            .create(
                user_id,
                |now_ms, _, floor| ids::chat_id_above(now_ms, floor.max(known)),
                build,
                idempotency,
                now_ms,
            )
            .await?;
        self.chat_floors.keep(user_id, created.value.0);
        Ok(created.map(|(id, created_at)| row(id, created_at, 0).into()))
    }

    async fn list_chats(
        &self,
        user_id: UserId,
        list: ChatList,
        page: ChatPageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        let read = async {
            match page.order.by_id() {
                Some(direction) => {
                    self.list_chats_by_id(user_id, list, direction, page.by_id())
                        .await
                }
                None => self.list_chats_sorted(user_id, list, &page).await,
            }
        };
        // An erased user has no chats: its `ERASED` row is read beside the list.
        let (erased, chats) = tokio::join!(self.is_erased(user_id), read);
        if erased? {
            return Ok(Page {
                items: Vec::new(),
                has_more: false,
            });
        }
        chats
    }
}
