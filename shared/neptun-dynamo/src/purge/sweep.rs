//! The sweep of pending purges: every deleted chat has a record (`PURGES#<shard>`, written with
//! its delete) until a purge has emptied its partition. The stream's purge removes it within
//! seconds; what the stream did not finish (its retries ran out, the failure queue got the
//! record, the stream's 24 hours passed) the sweep purges, on a schedule (template.yaml's
//! `Sweep` event on the purge function). Each sweep reports the age of the oldest purge still
//! pending as a metric, which an alarm watches.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use neptun_core::error::ErrorChain;
use neptun_core::metrics::{emf_line, emit_line};
use neptun_core::store::StoreError;

use super::partition::{forget_pending_purge, purge_chat_partition};
use super::{PurgeError, PurgeOptions};
use crate::schema::{self, PendingPurgeRow};
use crate::store::batch::with_backoff;
use crate::store::{DynamoStore, decode};

/// A pending purge younger than this is the stream's to finish (or an erasure's, which records
/// its chats' purges before it deletes them).
pub const SWEEP_GRACE: Duration = Duration::from_secs(15 * 60);

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
    /// Age of the oldest record still there after the sweep, in ms (0: none).
    pub oldest_pending_ms: u64,
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
            for row in self.pending_purges(shard).await? {
                report.found += 1;
                let age = now_ms.saturating_sub(row.deleted_at);
                let out_of_time = deadline.is_some_and(|deadline| Instant::now() >= deadline);
                if age < grace_ms || out_of_time {
                    report.oldest_pending_ms = report.oldest_pending_ms.max(age);
                    continue;
                }
                match purge_chat_partition(self.client(), self.table(), &row.sk, options).await {
                    Ok(_) => report.purged += 1,
                    Err(PurgeError::ChatExists(_) | PurgeError::NotAChatPartition(_)) => {
                        if let Some(scope) = schema::parse_chat_pk(&row.sk) {
                            forget_pending_purge(self.client(), self.table(), scope).await?;
                        }
                        report.forgotten += 1;
                    }
                    Err(error) => {
                        tracing::error!(pk = row.sk, error = %ErrorChain(&error), "sweep: purge failed, left for the next sweep");
                        report.failed += 1;
                        report.oldest_pending_ms = report.oldest_pending_ms.max(age);
                    }
                }
            }
        }
        Ok(report)
    }

    /// The records of one shard, read consistently, every page.
    async fn pending_purges(&self, shard: u64) -> Result<Vec<PendingPurgeRow>, StoreError> {
        let mut rows = Vec::new();
        let mut start = None;
        loop {
            let query = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(schema::pending_purge_shard_pk(shard)),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start);
            let output = with_backoff(|| query.clone().send()).await?;
            for item in output.items.unwrap_or_default() {
                rows.push(decode(item)?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(rows);
            }
        }
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
                ("PendingPurgesFound", "Count", self.found as f64),
                ("PendingPurgesFailed", "Count", self.failed as f64),
            ],
            now_ms,
        );
        emit_line(line.to_string());
    }
}
