//! Exponential backoff with full jitter, the one used by every retry of the store: pause `n`
//! is uniform in `0..=min(first * 2^n, max)`, so that writers that met once do not meet again.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    retries: u32,
}

impl Backoff {
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            retries: 0,
        }
    }

    /// How many pauses were taken.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The longest pause before retry number `retry` (from 0).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }

    /// A pause before retry number `retry`, uniform below its ceiling.
    pub fn pause_before(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(rand::random_range(0..=micros))
    }

    /// A pause for the next retry; not yet taken.
    pub fn draw(&self) -> Duration {
        self.pause_before(self.retries)
    }

    /// Counts a drawn pause as taken.
    pub fn advance(&mut self) {
        self.retries = self.retries.saturating_add(1);
    }

    /// Sleeps the next pause and returns `true`, or returns `false` once `limit` pauses were
    /// taken.
    pub async fn pause_within(&mut self, limit: u32) -> bool {
        if self.retries >= limit {
            return false;
        }
        let pause = self.draw();
        self.advance();
        tokio::time::sleep(pause).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_maximum() {
        let backoff = Backoff::new(Duration::from_millis(10), Duration::from_millis(200));
        let ceilings: Vec<u128> = (0..8).map(|n| backoff.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [10, 20, 40, 80, 160, 200, 200, 200]);
        assert_eq!(
            backoff.ceiling(40),
            Duration::from_millis(200),
            "no overflow"
        );
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_millis(200));
    }

    #[test]
    fn each_pause_is_jittered_below_its_ceiling() {
        let mut backoff = Backoff::new(Duration::from_millis(10), Duration::from_millis(200));
        let mut longest = Duration::ZERO;
        for n in 0..200 {
            let pause = backoff.draw();
            assert!(pause <= backoff.ceiling(n), "retry {n}: {pause:?}");
            longest = longest.max(pause);
            backoff.advance();
        }
        assert_eq!(backoff.retries(), 200);
        assert!(longest > backoff.ceiling(0), "the pauses grow: {longest:?}");
    }
}
