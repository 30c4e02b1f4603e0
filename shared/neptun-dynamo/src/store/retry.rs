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
use crate::backoff::Backoff;
use neptun_core::store::StoreError;

/// The conflicts' backoff: from 10 ms, doubling up to 200 ms.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// The retries of one store operation, which all end by one deadline.
#[derive(Debug)]
pub(super) struct ConflictRetry {
    deadline: Instant,
    backoff: Backoff,
}

impl ConflictRetry {
    pub fn new(now: Instant, budget: Duration) -> Self {
        Self {
            deadline: now + budget,
            backoff: Backoff::new(FIRST_PAUSE, MAX_PAUSE),
        }
    }

    /// The pause before the next try: uniform in `0..=ceiling` ("full jitter", so that
    /// writers that conflicted once do not meet again), or `None` once it would end past
    /// the deadline.
    pub fn next_pause(&mut self, now: Instant) -> Option<Duration> {
        let pause = self.backoff.draw();
        if now + pause >= self.deadline {
            return None;
        }
        self.backoff.advance();
        Some(pause)
    }

    /// Waits out the next pause and returns `true`, or returns `false` if the budget is spent.
    pub async fn pause(&mut self, what: &'static str) -> bool {
        let Some(pause) = self.next_pause(Instant::now()) else {
            tracing::info!(
                what,
                retries = self.backoff.retries(),
                "still in conflict, giving up"
            );
            return false;
        };
        tracing::debug!(
            what,
            retry = self.backoff.retries(),
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
            match super::boxed(&mut call).await {
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
        assert!(
            retry.backoff.retries() >= 5,
            "{} retries",
            retry.backoff.retries()
        );
        assert_eq!(retry.next_pause(start + budget), None);

        let mut spent = ConflictRetry::new(start, Duration::ZERO);
        assert_eq!(spent.next_pause(start), None);
        assert_eq!(spent.backoff.retries(), 0);
    }
}
