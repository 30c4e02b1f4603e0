//! [`FileStore`].

use crate::ids::{ChatId, FileId, MessageId, UserId};
use std::future::Future;

use super::{Idempotency, Page, PageRequest, Replayable, StoreError};
use crate::model::FileRecord;
use crate::validation::NewFile;

pub trait FileStore: Send + Sync {
    /// Attaches files to a message atomically, numbering them in input order.
    fn attach_files(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        message_id: MessageId,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Vec<FileRecord>>, StoreError>> + Send;

    /// A chat's files in ascending id order.
    fn list_files(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<FileRecord>, StoreError>> + Send;

    /// One file, for its content route.
    fn get_file(
        &self,
        user_id: UserId,
        chat_id: ChatId,
        file_id: FileId,
    ) -> impl Future<Output = Result<FileRecord, StoreError>> + Send;
}
