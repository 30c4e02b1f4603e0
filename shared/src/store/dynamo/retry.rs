//! Retrying a call that met a `TransactionConflict`: exponential backoff with full jitter,
//! within the request's time budget.
//!
//! The SDK's retry strategy does not retry conflicts (a cancelled transaction is a 400 to it),
//! so the store does, keeping the attempt as it is: the same ids and write id, so that
//! recognising our own write after a lost response keeps working.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use super::classify::{classify, is_conflict};
use crate::store::StoreError;

/// The ceiling of the first pause; each retry doubles it, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// The longest pause before retry number `retry` (from 0).
pub(super) fn pause_ceiling(retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
    FIRST_PAUSE.saturating_mul(factor).min(MAX_PAUSE)
}

/// The retries of one store operation, which all end by one deadline.
#[derive(Debug)]
pub(super) struct ConflictRetry {
    deadline: Instant,
    retries: u32,
}

impl ConflictRetry {
    pub fn new(now: Instant, budget: Duration) -> Self {
        Self {
            deadline: now + budget,
            retries: 0,
        }
    }

    /// The pause before the next try: uniform in `0..=ceiling` ("full jitter", so that
    /// writers that conflicted once do not meet again), or `None` once it would end past
    /// the deadline.
    pub fn next_pause(&mut self, now: Instant) -> Option<Duration> {
        let ceiling = pause_ceiling(self.retries);
        let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
        let pause = Duration::from_micros(rand::random_range(0..=micros));
        if now + pause >= self.deadline {
            return None;
        }
        self.retries += 1;
        Some(pause)
    }

    /// Waits out the next pause and returns `true`, or returns `false` if the budget is spent.
    pub async fn pause(&mut self, what: &'static str) -> bool {
        let Some(pause) = self.next_pause(Instant::now()) else {
            tracing::info!(what, retries = self.retries, "still in conflict, giving up");
            return false;
        };
        tracing::debug!(
            what,
            retry = self.retries,
            pause_us = u64::try_from(pause.as_micros()).unwrap_or(u64::MAX),
            "transaction conflict, retrying"
        );
        tokio::time::sleep(pause).await;
        true
    }

    /// Sends a single-item call (`what` names it in the logs) until it does not fail with
    /// `TransactionConflictException` or the budget is spent.
    pub async fn send<T, E, F>(
        &mut self,
        what: &'static str,
        mut call: impl FnMut() -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        loop {
            match call().await {
                Ok(output) => return Ok(output),
                Err(error) if is_conflict(&error) && self.pause(what).await => {}
                Err(error) => return Err(classify(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_10_ms_up_to_200_ms() {
        let ceilings: Vec<u128> = (0..8).map(|n| pause_ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [10, 20, 40, 80, 160, 200, 200, 200]);
        assert_eq!(pause_ceiling(40), MAX_PAUSE, "no overflow");
        assert_eq!(pause_ceiling(u32::MAX), MAX_PAUSE);
    }

    #[test]
    fn each_pause_is_jittered_below_its_ceiling() {
        let start = Instant::now();
        let mut retry = ConflictRetry::new(start, Duration::from_secs(3600));
        let mut longest = Duration::ZERO;
        for n in 0..200 {
            let pause = retry.next_pause(start).expect("within the budget");
            assert!(pause <= pause_ceiling(n), "retry {n}: {pause:?}");
            longest = longest.max(pause);
        }
        assert_eq!(retry.retries, 200);
        assert!(longest > pause_ceiling(0), "the pauses grow: {longest:?}");
    }

    #[test]
    fn no_pause_ends_past_the_deadline() {
        let start = Instant::now();
        let budget = Duration::from_millis(500);
        let mut retry = ConflictRetry::new(start, budget);
        let mut now = start;
        while let Some(pause) = retry.next_pause(now) {
            now += pause;
            assert!(now < start + budget);
        }
        // The first five ceilings add up to 310 ms: those pauses always fit.
        assert!(retry.retries >= 5, "{} retries", retry.retries);
        assert_eq!(retry.next_pause(start + budget), None);

        let mut spent = ConflictRetry::new(start, Duration::ZERO);
        assert_eq!(spent.next_pause(start), None);
        assert_eq!(spent.retries, 0);
    }
}
