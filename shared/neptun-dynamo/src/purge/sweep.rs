//! The sweep of pending purges: every deleted chat has a record (`PURGES#<shard>`, written with
//! its delete) until a purge has emptied its partition. The stream's purge removes it within
//! seconds; what the stream did not finish (its retries ran out, the failure queue got the
//! record, the stream's 24 hours passed) the sweep purges, on a schedule (template.yaml's
//! `Sweep` event on the purge function). An erased user's removal has a record there too
//! (`USER#<user>`), which the sweep resumes the same way. Records are read a page at a time.
//! Each sweep reports the age of the oldest purge and of the oldest erasure still pending as
//! metrics, which alarms watch.

use std::time::{Duration, Instant};

use neptun_core::error::ErrorChain;
use neptun_core::metrics::{emf_line, emit_line};
use neptun_core::store::StoreError;

use super::partition::{forget_pending_purge, purge_chat_partition};
use super::{PurgeError, PurgeOptions, partition_query};
use crate::schema::{self, PendingPurgeRow};
use crate::store::batch::with_backoff;
use crate::store::{DynamoStore, Item, decode};

/// A pending purge younger than this is the stream's to finish (or an erasure's, which records
/// its chats' purges before it deletes them).
pub const SWEEP_GRACE: Duration = Duration::from_secs(15 * 60);

/// Records read at a time: the sweep never holds more.
const RECORDS_PER_PAGE: i32 = 100;

/// What one sweep found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Records read.
    pub found: usize,
    /// Partitions the sweep emptied (their records gone).
    pub purged: usize,
    /// Records of chats that exist after all (an erasure that stopped before their delete):
    /// forgotten, since a later delete records its purge again.
    pub forgotten: usize,
    /// Purges that failed this time; their records stay for the next sweep.
    pub failed: usize,
    /// Age of the oldest chat purge still there after the sweep, in ms (0: none).
    pub oldest_pending_ms: u64,
    /// Erased users whose removal the sweep finished.
    pub erasures_finished: usize,
    /// Age of the oldest erased user's removal still there after the sweep, in ms (0: none).
    pub oldest_erasure_ms: u64,
}

/// Purges every chat whose purge has been pending for longer than `grace`, until `deadline`.
impl DynamoStore {
    pub async fn sweep_pending_purges(
        &self,
        now_ms: u64,
        grace: Duration,
        deadline: Option<Instant>,
    ) -> Result<SweepReport, StoreError> {
        let grace_ms = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX);
        let options = PurgeOptions {
            deadline,
            ..PurgeOptions::default()
        };
        let mut report = SweepReport::default();
        for shard in 0..schema::PENDING_PURGE_SHARDS {
            let mut start = None;
            loop {
                let (rows, next) = self.pending_purges(shard, start).await?;
                for row in rows {
                    self.sweep_one(row, now_ms, grace_ms, options, &mut report)
                        .await?;
                }
                start = next;
                if start.is_none() {
                    break;
                }
            }
        }
        Ok(report)
    }

    /// One record: left to the stream while it is young, else purged (a chat) or resumed (an
    /// erased user's removal).
    async fn sweep_one(
        &self,
        row: PendingPurgeRow,
        now_ms: u64,
        grace_ms: u64,
        options: PurgeOptions,
        report: &mut SweepReport,
    ) -> Result<(), StoreError> {
        report.found += 1;
        let age = now_ms.saturating_sub(row.deleted_at);
        let erased_user = schema::parse_user_pk(&row.sk);
        let mut still_pending = || match erased_user {
            Some(_) => report.oldest_erasure_ms = report.oldest_erasure_ms.max(age),
            None => report.oldest_pending_ms = report.oldest_pending_ms.max(age),
        };
        let out_of_time = options
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline);
        if age < grace_ms || out_of_time {
            still_pending();
            return Ok(());
        }
        let result = match erased_user {
            Some(user_id) => self.remove_erased_user(user_id, options).await,
            None => purge_chat_partition(self.client(), self.table(), &row.sk, options).await,
        };
        match result {
            Ok(_) if erased_user.is_some() => report.erasures_finished += 1,
            Ok(_) => report.purged += 1,
            Err(PurgeError::ChatExists(_) | PurgeError::NotAChatPartition(_)) => {
                if schema::parse_chat_pk(&row.sk).is_some() {
                    forget_pending_purge(self.client(), self.table(), &row).await?;
                }
                report.forgotten += 1;
            }
            Err(error) => {
                tracing::error!(pk = row.sk, error = %ErrorChain(&error), "sweep: purge failed, left for the next sweep");
                report.failed += 1;
                still_pending();
            }
        }
        Ok(())
    }

    /// A page of one shard's records, read consistently, and where the next one starts.
    async fn pending_purges(
        &self,
        shard: u64,
        start: Option<Item>,
    ) -> Result<(Vec<PendingPurgeRow>, Option<Item>), StoreError> {
        let pk = schema::pending_purge_shard_pk(shard);
        let query = partition_query(self.client(), self.table(), pk)
            .limit(RECORDS_PER_PAGE)
            .set_exclusive_start_key(start);
        let output = with_backoff(|| query.clone().send()).await?;
        let rows = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, output.last_evaluated_key))
    }
}

impl SweepReport {
    /// The sweep's metrics line: what an alarm watches (`OldestPendingPurgeAge`), with the
    /// counts beside it.
    pub fn emit(&self, now_ms: u64) {
        let line = emf_line(
            &[("Function", "purge-chat")],
            &[
                (
                    "OldestPendingPurgeAge",
                    "Seconds",
                    (self.oldest_pending_ms / 1000) as f64,
                ),
                (
                    "OldestErasureAge",
                    "Seconds",
                    (self.oldest_erasure_ms / 1000) as f64,
                ),
                ("PendingPurgesFound", "Count", self.found as f64),
                ("PendingPurgesFailed", "Count", self.failed as f64),
            ],
            now_ms,
        );
        emit_line(line.to_string());
    }
}
