//! The limit on password attempts: at most [`MAX_ATTEMPTS_PER_MINUTE`] per share in each minute
//! of the clock (Unix seconds / 60). An attempt is taken (a conditional write) before its
//! Argon2id verification, so requests sent at once cannot pass the limit, and a right password
//! keeps its attempt: the limit counts verifications, and a reader who knew the password reads
//! on with the access cookie, which takes none. The count of a minute is a row of its own in
//! the table that DynamoDB's TTL removes after [`COUNTER_TTL_SECONDS`].

/// Password verifications a share takes in one minute; the next answer is a 429.
pub const MAX_ATTEMPTS_PER_MINUTE: u64 = 10;
/// How long a minute's count is kept after the minute ends (TTL may delete it later still;
/// reads only ever look at the current minute).
pub const COUNTER_TTL_SECONDS: u64 = 60;

/// The minute `now_s` (Unix seconds) falls in.
pub fn minute_of(now_s: u64) -> u64 {
    now_s / 60
}

/// Seconds until the next minute starts, when a locked share takes attempts again (1..=60).
pub fn retry_after_seconds(now_s: u64) -> u64 {
    60 - now_s % 60
}

/// When DynamoDB's TTL may delete the count of `minute` (Unix seconds).
pub fn counter_expires_at(minute: u64) -> u64 {
    (minute + 1) * 60 + COUNTER_TTL_SECONDS
}

/// Whether a minute with `taken` attempts takes no more.
pub fn is_locked(taken: u64) -> bool {
    taken >= MAX_ATTEMPTS_PER_MINUTE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_ends_on_the_clock_and_its_count_outlives_it() {
        assert_eq!(minute_of(119), 1);
        assert_eq!(minute_of(120), 2);
        assert_eq!(retry_after_seconds(120), 60);
        assert_eq!(retry_after_seconds(179), 1);
        assert_eq!(counter_expires_at(2), 240);
    }

    #[test]
    fn ten_attempts_lock_the_minute() {
        assert!(!is_locked(MAX_ATTEMPTS_PER_MINUTE - 1));
        assert!(is_locked(MAX_ATTEMPTS_PER_MINUTE));
    }
}
