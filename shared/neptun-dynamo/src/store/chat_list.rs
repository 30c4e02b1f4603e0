//! A chat list (a user's, or a project's) in any order.
//!
//! Ordered by id alone (the default, newest first), the rows' own key order serves the page:
//! one `Query` of `limit + 1` rows. Any other order reads all of the user's chat rows (one
//! `Query` per 1 MB of rows; about 150 bytes a row with short names, so one `Query` up to some
//! 6,000 chats), keeps those after the cursor and sorts them in memory. An index per order
//! would save the reads but cannot break ties by arbitrary further columns, would lag behind a
//! rename (index reads are eventually consistent) and would multiply every chat write
//! (docs/design/ordering.md).

use super::query::PageCollector;
use super::{DynamoStore, decode};
use crate::schema::{self, ChatListRow};
use neptun_core::ids::UserId;
use neptun_core::model::{Chat, ChatList};
use neptun_core::store::{ChatPageRequest, Page, PageRequest, StoreError};
use neptun_core::validation::Direction;

impl DynamoStore {
    /// A page in the key order: one `Query` (more only if DynamoDB's 1 MB page ends first).
    pub(super) async fn list_chats_by_id(
        &self,
        user_id: UserId,
        list: ChatList,
        direction: Direction,
        page: PageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        let (range, forward) = match direction {
            Direction::Desc => (schema::chat_range(page.after), false),
            Direction::Asc => (schema::chat_range_after(page.after), true),
        };
        let mut collector = PageCollector::new(page);
        // One row more than the page shows whether more follow.
        let rows_per_call = page.limit.map(|limit| limit + 1);
        self.scan_range(
            schema::chat_list_pk(user_id, list),
            range,
            forward,
            rows_per_call,
            Some(schema::CHAT_LIST_PROJECTION),
            |item| {
                let chat = decode::<ChatListRow>(item)?.into_chat(user_id);
                let bytes = chat.name.len() + chat.model.len();
                Ok(collector.offer(chat, bytes))
            },
        )
        .await?;
        Ok(collector.finish())
    }

    /// A page in any other order: every chat row of the user, those after the cursor sorted in
    /// memory (only as far as the page needs), then cut by limit and byte budget.
    pub(super) async fn list_chats_sorted(
        &self,
        user_id: UserId,
        list: ChatList,
        page: &ChatPageRequest,
    ) -> Result<Page<Chat>, StoreError> {
        let mut chats: Vec<Chat> = Vec::new();
        self.scan_range(
            schema::chat_list_pk(user_id, list),
            schema::chat_range(None),
            true,
            None,
            Some(schema::CHAT_LIST_PROJECTION),
            |item| {
                let chat = decode::<ChatListRow>(item)?.into_chat(user_id);
                let after = page
                    .after
                    .as_ref()
                    .is_none_or(|last| page.order.is_after(&chat, last));
                if after {
                    chats.push(chat);
                }
                Ok(true)
            },
        )
        .await?;
        let compare = |a: &Chat, b: &Chat| page.order.compare(a, b);
        // The page and one chat more (to tell whether more follow) are all that need their place.
        if let Some(limit) = page.limit
            && limit < chats.len()
        {
            chats.select_nth_unstable_by(limit, compare);
            chats.truncate(limit + 1);
        }
        chats.sort_unstable_by(compare);
        let mut collector = PageCollector::new(PageRequest {
            limit: page.limit,
            after: None,
            byte_budget: page.byte_budget,
        });
        for chat in chats {
            let bytes = chat.name.len() + chat.model.len();
            if !collector.offer(chat, bytes) {
                break;
            }
        }
        Ok(collector.finish())
    }
}
