//! Wall-clock time and the API's timestamp format.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::macros::format_description;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// RFC 3339 UTC with milliseconds, e.g. `2024-03-20T10:00:00.000Z` (also what JavaScript's
/// `Date.prototype.toISOString()` writes).
pub fn rfc3339_ms(ms: u64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_in_utc() {
        assert_eq!(rfc3339_ms(1_710_928_800_000), "2024-03-20T10:00:00.000Z");
        assert_eq!(rfc3339_ms(1_795_288_364_006), "2026-11-21T19:12:44.006Z");
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        // Beyond the year 9999: the epoch rather than a panic.
        assert_eq!(rfc3339_ms(u64::MAX), "1970-01-01T00:00:00.000Z");
    }
}
