//! Creating rows in one `TransactWriteItems`: fresh ids until they do not collide, the
//! `Idempotency-Key`'s record, and the same attempt again while it conflicts.

use neptun_core::ids::UserId;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::types::{CancellationReason, ConditionCheck};
use serde::Serialize;

use super::DynamoStore;
use super::classify::{cancellation_reasons, classify, is_conflict};
use super::idempotency::Recorded;
use super::outcome::{Cancellation, Outcome, interpret};
use super::retry::ConflictRetry;
use super::transact::{Check, Plan, Transaction};
use crate::schema;
use neptun_core::ids;
use neptun_core::store::{Idempotency, Replayable, StoreError};

/// Fresh ids are drawn again after a collision; more than a few in a row means a bug.
const ID_ATTEMPTS: u64 = 8;
/// How long creates of one user at once may wait for each other (API Gateway waits 30 s).
const GUARD_BUDGET: Duration = Duration::from_secs(10);

impl DynamoStore {
    /// Writes one create as a single `TransactWriteItems`, drawing fresh ids until they do
    /// not collide. `draw(now_ms, attempt, floor)` draws an id above `floor` (the largest id
    /// a failed draw met, 0 at first), `build(id, write_id)` plans the rows for one draw.
    /// Returns the id the rows were written under and their creation time (the first
    /// request's, on a replay).
    pub(super) async fn create(
        &self,
        user_id: UserId,
        draw: impl Fn(u64, u64, u64) -> u64,
        build: impl Fn(u64, u64) -> Result<Plan, StoreError>,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Replayable<(u64, u64)>, StoreError> {
        let mut conflicts = ConflictRetry::new(Instant::now(), self.retry_budget);
        // Creates of one user at once wait for each other behind the guard of its chat ids.
        let mut guard_waits = ConflictRetry::new(Instant::now(), GUARD_BUDGET);
        let mut refused_draws = 0;
        let fingerprint = idempotency.map(|key| key.fingerprint.as_str());
        // The largest id a failed draw met (a chat's guard row): the next one is drawn above.
        let mut floor = 0;
        let mut attempt = 0;
        while attempt < ID_ATTEMPTS {
            // Each retry draws from a later id space (`draw(now_ms, attempt)`): the ids of one
            // instant differ in only a few random bits. The rows keep the request's own time.
            let id = draw(now_ms, attempt, floor);
            let write_id = rand::random();
            // The same transaction each time it is made (the SDK takes the one it sends).
            let transaction = || {
                let record = idempotency
                    .map(|key| {
                        self.put_idempotency_record(
                            user_id,
                            key,
                            Recorded::Created { result_id: id },
                            now_ms,
                        )
                    })
                    .transpose()?;
                // Every create checks that its user was not erased, in its own transaction.
                let not_erased = (Check::NotErased, self.not_erased_check(user_id)?);
                Ok(build(id, write_id)?.with_record(not_erased, record))
            };
            let created = |value, replayed| Ok(Replayable { value, replayed });
            match self
                .commit(transaction, fingerprint, &mut conflicts)
                .await?
            {
                Outcome::Committed => return created((id, now_ms), false),
                Outcome::OwnWriteFound => {
                    tracing::info!("an earlier try of this write committed; its response was lost");
                    return created((id, now_ms), false);
                }
                Outcome::Replay {
                    result_id,
                    created_at,
                } => return created((result_id, created_at), true),
                Outcome::Collision { floor: Some(met) } => {
                    // The user's largest chat id is above the draw: the user's earlier chat of
                    // this window, drawn higher (then the next draw, above it, commits), or a
                    // create of the user at the same time (then they go one after the other,
                    // each after a jittered pause, while the budget lasts).
                    floor = floor.max(met);
                    refused_draws += 1;
                    tracing::info!(id, floor, "chat id below the user's largest, drawing above");
                    if refused_draws > 1
                        && !guard_waits
                            .pause("draw above the user's largest chat id")
                            .await
                    {
                        return Err(StoreError::Unavailable(
                            "the user's chats kept being created at once".into(),
                        ));
                    }
                }
                Outcome::Collision { floor: None } => {
                    attempt += 1;
                    tracing::info!(id, "id collision, drawing fresh ids");
                }
            }
        }
        Err(StoreError::Invariant("ids kept colliding"))
    }

    /// Sends one attempt (`make` makes it), again (made again, unchanged) while it
    /// conflicts with other transactions and the budget lasts.
    ///
    /// A conflict on the `Idempotency-Key`'s record is retried too: it most likely means a
    /// request with the same key is committing, and once it has, our retry meets its record
    /// and answers its result (or 422), which is what a client wants to hear. Only when the
    /// record is still held at the end of the budget is the answer 409
    /// ([`StoreError::IdempotencyInFlight`]); a conflict elsewhere then is a 503.
    async fn commit(
        &self,
        make: impl Fn() -> Result<Transaction, StoreError>,
        fingerprint: Option<&str>,
        conflicts: &mut ConflictRetry,
    ) -> Result<Outcome, StoreError> {
        let mut transaction = make()?;
        loop {
            let sent = super::boxed(|| {
                TransactWriteItemsInput::builder()
                    .set_transact_items(Some(std::mem::take(&mut transaction.actions)))
                    .send_with(&self.client)
            })
            .await;
            let error = match sent {
                Ok(_) => return Ok(Outcome::Committed),
                Err(error) => error,
            };
            let cancellation = match cancellation_reasons(&error) {
                Some(reasons) => interpret(reasons, &transaction.layout(fingerprint))
                    .inspect_err(|failure| log_unexpected(failure, reasons))?,
                None if is_conflict(&error) => Cancellation::Conflict { on_record: false },
                None => return Err(classify(error)),
            };
            match cancellation {
                Cancellation::Ended(outcome) => return Ok(outcome),
                Cancellation::Conflict { on_record } => {
                    if conflicts.pause("TransactWriteItems").await {
                        transaction = make()?;
                        continue;
                    }
                    return Err(if on_record {
                        StoreError::IdempotencyInFlight
                    } else {
                        StoreError::Unavailable(Box::new(error))
                    });
                }
                Cancellation::Throttled => return Err(StoreError::Unavailable(Box::new(error))),
            }
        }
    }

    /// Writes a batch of items (messages or files) as one create: packs them into chunk rows
    /// (`row(first_id, chunk, write_id, created_at)`), behind the given condition checks.
    /// Returns the rows as written, with the ids of the items in input order and the request's
    /// creation time (the first request's, on a replay).
    #[expect(
        clippy::too_many_arguments,
        reason = "a private helper: the closures are the ways messages and files differ"
    )]
    pub(super) async fn create_batch<I, R: Serialize>(
        &self,
        user_id: UserId,
        items: &[I],
        estimated_bytes: impl Fn(&I) -> usize,
        row: impl Fn(u64, Vec<(u64, &I)>, u64, u64) -> R,
        checks: impl Fn() -> Result<Vec<(Check, ConditionCheck)>, StoreError>,
        idempotency: Option<&Idempotency>,
        now_ms: u64,
    ) -> Result<Replayable<Vec<R>>, StoreError> {
        let rows = |base: u64, write_id: u64, created_at: u64| {
            let chunks = schema::pack(items.iter().collect(), base, |item| estimated_bytes(item))
                .map_err(|_| StoreError::BatchTooLarge)?;
            Ok::<_, StoreError>(
                chunks
                    .into_iter()
                    .map(|chunk| {
                        let first = chunk.first().map_or(base, |(id, _)| *id);
                        row(first, chunk, write_id, created_at)
                    })
                    .collect::<Vec<R>>(),
            )
        };
        // The rows of the latest plan, with its base: the answer when that plan is written.
        let planned = std::sync::Mutex::new(None);
        let build = |base: u64, write_id: u64| {
            let built = rows(base, write_id, now_ms)?;
            let (puts, first_write_id) = self.puts(&built)?;
            if let Ok(mut planned) = planned.lock() {
                *planned = Some((base, built));
            }
            Ok(Plan {
                checks: checks()?,
                puts,
                first_write_id,
            })
        };
        let created = self
            .create(
                user_id,
                |now_ms, attempt, _| ids::batch_base(now_ms + attempt),
                build,
                idempotency,
                now_ms,
            )
            .await?;
        let (base, created_at) = created.value;
        let written = match planned.into_inner() {
            Ok(Some((planned_base, rows))) if !created.replayed && planned_base == base => rows,
            // A replay: the same items packed from the first request's base get its ids.
            _ => rows(base, 0, created_at)?,
        };
        Ok(Replayable {
            value: written,
            replayed: created.replayed,
        })
    }
}

/// Cancellation codes the store does not expect are worth a look: they name the actions.
fn log_unexpected(failure: &StoreError, reasons: &[CancellationReason]) {
    if matches!(failure, StoreError::Invariant(_)) {
        let codes: Vec<Option<&str>> = reasons.iter().map(CancellationReason::code).collect();
        tracing::warn!(?codes, "transaction cancelled for an unexpected reason");
    }
}
