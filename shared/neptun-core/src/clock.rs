//! Wall-clock time and the API's timestamp format.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// RFC 3339 UTC with milliseconds, e.g. `2024-03-20T10:00:00.000Z` (also what JavaScript's
/// `Date.prototype.toISOString()` writes). The calendar is the `time` crate's; the digits are
/// written here, not through a format description, which took 2,000 instructions a timestamp
/// (a list of chats writes two per chat).
pub fn rfc3339_ms(ms: u64) -> String {
    const EPOCH: &str = "1970-01-01T00:00:00.000Z";
    // Whole seconds, then the milliseconds: no 128-bit arithmetic of nanoseconds.
    let seconds = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    let Ok(at) = OffsetDateTime::from_unix_timestamp(seconds) else {
        return EPOCH.to_owned();
    };
    let Ok(year) = u16::try_from(at.year()) else {
        return EPOCH.to_owned();
    };
    let mut text = [0u8; EPOCH.len()];
    text.copy_from_slice(EPOCH.as_bytes());
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], u8::from(at.month()).into());
    put_digits(&mut text[8..10], at.day().into());
    put_digits(&mut text[11..13], at.hour().into());
    put_digits(&mut text[14..16], at.minute().into());
    put_digits(&mut text[17..19], at.second().into());
    put_digits(&mut text[20..23], (ms % 1000) as u16);
    // Only ASCII digits were written: checked, not replaced character by character.
    std::str::from_utf8(&text).map_or_else(|_| EPOCH.to_owned(), str::to_owned)
}

/// The last `place.len()` decimal digits of `value` into `place`, zero-padded.
fn put_digits(place: &mut [u8], mut value: u16) {
    for digit in place.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_in_utc() {
        assert_eq!(rfc3339_ms(1_710_928_800_000), "2024-03-20T10:00:00.000Z");
        assert_eq!(rfc3339_ms(1_795_288_364_006), "2026-11-21T19:12:44.006Z");
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(951_782_400_009), "2000-02-29T00:00:00.009Z");
        assert_eq!(rfc3339_ms(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        // Beyond the year 9999: the epoch rather than a panic.
        assert_eq!(rfc3339_ms(u64::MAX), "1970-01-01T00:00:00.000Z");
    }
}
