//! The public read of a share: the share and the current minute's count of failed password
//! attempts in one `Query` of its partition, its chat's messages in one more, and one `ADD`
//! per failed attempt (never a write on a read that succeeds).

use std::time::Instant;

use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use neptun_core::model::ChatMessage;
use neptun_core::shares::attempts;
use neptun_core::store::{FoundShare, Page, PageRequest, SharedChatStore, StoreError, StoredShare};

use super::query::Existence;
use super::retry::ConflictRetry;
use super::{DynamoStore, decode};
use crate::schema::{self, AttemptsRow, ChatScope, ShareRow};

impl SharedChatStore for DynamoStore {
    async fn find_share(&self, uuid: &str, minute: u64) -> Result<Option<FoundShare>, StoreError> {
        let (mut share, mut attempts) = (None, 0);
        self.scan_range(
            schema::share_pk(uuid),
            schema::share_range(minute),
            true,
            None,
            None,
            |item| {
                let sk = item.get(schema::SK).and_then(|sk| sk.as_s().ok());
                if sk.is_some_and(|sk| schema::is_attempts_sk(sk)) {
                    attempts += decode::<AttemptsRow>(item)?.n;
                } else {
                    share = Some(StoredShare::from(decode::<ShareRow>(item)?));
                }
                Ok(true)
            },
        )
        .await?;
        // An erased user shares nothing (its shares go with the removal of its rows).
        let Some(share) = share else {
            return Ok(None);
        };
        if self.is_erased(share.user_id).await? {
            return Ok(None);
        }
        Ok(Some(FoundShare { share, attempts }))
    }

    async fn shared_messages(
        &self,
        share: &StoredShare,
        page: PageRequest,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let scope = ChatScope {
            user_id: share.user_id,
            chat_id: share.chat_id,
        };
        self.list_messages_of(scope, page, Existence::Vouched).await
    }

    async fn reserve_attempt(&self, uuid: &str, minute: u64) -> Result<bool, StoreError> {
        let take = UpdateItemInput::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                schema::share_pk(uuid),
                schema::attempts_sk(minute),
            )))
            .update_expression("ADD #n :one SET #expires = :expires")
            .condition_expression("attribute_not_exists(#n) OR #n < :max")
            .expression_attribute_names("#n", schema::ITEM_COUNT)
            .expression_attribute_names("#expires", schema::EXPIRES_AT)
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .expression_attribute_values(
                ":max",
                AttributeValue::N(attempts::MAX_ATTEMPTS_PER_MINUTE.to_string()),
            )
            .expression_attribute_values(
                ":expires",
                AttributeValue::N(attempts::counter_expires_at(minute).to_string()),
            )
            .return_values(ReturnValue::UpdatedNew);
        // The condition failing is the answer "none left", not an error.
        let taken = || async {
            match super::boxed(|| take.clone().send_with(&self.client)).await {
                Ok(_) => Ok(true),
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    Ok(false)
                }
                Err(error) => Err(error),
            }
        };
        ConflictRetry::new(Instant::now(), self.retry_budget)
            .send("UpdateItem", taken)
            .await
    }
}
