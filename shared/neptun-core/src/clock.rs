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
    let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return EPOCH.to_owned();
    };
    let Ok(year) = u16::try_from(at.year()) else {
        return EPOCH.to_owned();
    };
    let mut text = String::with_capacity(EPOCH.len());
    push_digits(&mut text, year, 4);
    text.push('-');
    push_digits(&mut text, u8::from(at.month()).into(), 2);
    text.push('-');
    push_digits(&mut text, at.day().into(), 2);
    text.push('T');
    push_digits(&mut text, at.hour().into(), 2);
    text.push(':');
    push_digits(&mut text, at.minute().into(), 2);
    text.push(':');
    push_digits(&mut text, at.second().into(), 2);
    text.push('.');
    push_digits(&mut text, at.millisecond(), 3);
    text.push('Z');
    text
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u16, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u16.pow(place) % 10;
        text.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
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
