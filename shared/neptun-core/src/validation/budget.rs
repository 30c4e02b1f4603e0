//! Memory bounded whatever a client sends: a body is counted, value by value, before it
//! becomes a tree of `serde_json::Value`s, and one with more values than any accepted request
//! holds is refused (413) without building it. A 3 MiB body of `[0,0,0,...]` is 1.5 million
//! values: as a tree, over 100 MB; counted, nothing.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::envelope::BodyError;

/// Most values (objects, arrays, strings, numbers, ...) a JSON body may hold. The largest
/// accepted request, a message batch whose answer fits Lambda's 6 MB, has about 24,000
/// messages of a few fields each.
pub const MAX_JSON_VALUES: usize = 200_000;
/// Most `key=value` pairs a form body may hold (forms carry one chat, message or setting).
pub const MAX_FORM_PAIRS: usize = 1_000;

const TOO_MANY: &str = "too many values";

/// 413 when the JSON `text` holds more than `max` values. Malformed JSON passes: the parser
/// reports it, with its position.
pub fn check_json_values(text: &str, max: usize) -> Result<(), BodyError> {
    // Every value takes a byte at least: a shorter body is not read twice.
    if text.len() <= max {
        return Ok(());
    }
    let left = Cell::new(max);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match Counted(&left).deserialize(&mut deserializer) {
        Err(error) if error.to_string().starts_with(TOO_MANY) => Err(BodyError::TooLarge {
            limit: format!(
                "A JSON body may hold at most {max} values (objects, arrays, strings, numbers); this one holds more."
            ),
        }),
        _ => Ok(()),
    }
}

/// 413 when a form body holds more than `max` pairs.
pub fn check_form_pairs(body: &[u8], max: usize) -> Result<(), BodyError> {
    let pairs = body.split(|&byte| byte == b'&').count();
    if pairs > max {
        return Err(BodyError::TooLarge {
            limit: format!("A form body may hold at most {max} pairs; this one holds {pairs}."),
        });
    }
    Ok(())
}

/// Takes one value from the budget per value it visits, building nothing.
#[derive(Clone, Copy)]
struct Counted<'a>(&'a Cell<usize>);

impl Counted<'_> {
    fn take<E: de::Error>(self) -> Result<(), E> {
        let left = self.0.get();
        if left == 0 {
            return Err(E::custom(TOO_MANY));
        }
        self.0.set(left - 1);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Counted<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counted<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.take()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.take()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.take()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.take()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.take()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.take()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.take()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.take()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_counted_value_by_value() {
        assert!(
            check_json_values(r#"{"messages": [{"content": "x", "role": "user"}]}"#, 5).is_ok()
        );
        assert!(
            check_json_values(r#"{"messages": [{"content": "x", "role": "user"}]}"#, 4).is_err()
        );
        assert!(check_json_values("[1, 2, [3, null, true]]", 7).is_ok());
        assert!(check_json_values("[1, 2, [3, null, true]]", 6).is_err());
        // Malformed JSON is the parser's to report.
        assert!(check_json_values("{\"a\": ", 1).is_ok());
    }

    #[test]
    fn three_mib_of_zeros_is_refused_without_a_tree() {
        let body = format!("{{\"messages\": [{}0]}}", "0,".repeat(1_500_000));
        match check_json_values(&body, MAX_JSON_VALUES) {
            Err(BodyError::TooLarge { limit }) => assert!(limit.contains("200000"), "{limit}"),
            other => panic!("expected a 413, got {other:?}"),
        }
    }

    #[test]
    fn forms_are_counted_by_pairs() {
        assert!(check_form_pairs(b"message=hi&actor=user", 2).is_ok());
        assert!(check_form_pairs(b"a&a&a", 2).is_err());
    }
}
