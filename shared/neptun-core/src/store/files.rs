//! [`FileStore`].

use std::future::Future;

use super::{Idempotency, Page, PageRequest, Replayable, StoreError};
use crate::model::FileRecord;
use crate::validation::NewFile;

pub trait FileStore: Send + Sync {
    /// Attaches files to a message atomically, numbering them in input order.
    fn attach_files(
        &self,
        user_id: u64,
        chat_id: u64,
        message_id: u64,
        files: Vec<NewFile>,
        now_ms: u64,
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<Replayable<Vec<FileRecord>>, StoreError>> + Send;

    /// A chat's files in ascending id order.
    fn list_files(
        &self,
        user_id: u64,
        chat_id: u64,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<FileRecord>, StoreError>> + Send;

    /// One file, for its content route.
    fn get_file(
        &self,
        user_id: u64,
        chat_id: u64,
        file_id: u64,
    ) -> impl Future<Output = Result<FileRecord, StoreError>> + Send;
}
