//! A body read straight into the fields a route looks at, building no tree of values: the
//! strings it reads, and of anything else only zod's name of its type (for `Expected string,
//! received number`), its contents skipped. The 3 MiB routes (messages and files) read their
//! bodies this way, so that their memory is their texts, not a map per object: a body of
//! 65,000 small objects took 58 MB as a tree.
//!
//! The same types read a decoded form (a [`Value`] of strings), so JSON and forms keep one
//! set of rules. A repeated key keeps its last value, as a parsed JSON object does.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::envelope::{BodyError, BodyFormat, decode_body, parse_json_as};
use super::issues::{Issue, IssueCode, PathSegment};

/// What stands at a field: nothing, a string, or another type (its zod name).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    #[default]
    Absent,
    Text(String),
    Other(&'static str),
}

impl Found {
    /// The byte length of the text, if one.
    pub(crate) fn text_len(&self) -> Option<usize> {
        match self {
            Self::Text(text) => Some(text.len()),
            _ => None,
        }
    }

    /// A required string: `Required` when absent, `Expected string, received ...` when of
    /// another type (`None` then).
    pub(crate) fn required(
        self,
        path: impl Fn() -> Vec<PathSegment>,
        issues: &mut Vec<Issue>,
    ) -> Option<String> {
        if self == Self::Absent {
            issues.push(Issue::required(path()));
            return None;
        }
        self.optional(path, issues)
    }

    /// An optional string: absent is `None`; another type (`null` too, as zod's `.optional()`)
    /// is an issue and `None`.
    pub(crate) fn optional(
        self,
        path: impl Fn() -> Vec<PathSegment>,
        issues: &mut Vec<Issue>,
    ) -> Option<String> {
        match self {
            Self::Absent => None,
            Self::Text(text) => Some(text),
            Self::Other(received) => {
                issues.push(Issue::wrong_type_named("string", received, path()));
                None
            }
        }
    }
}

/// The fields of an object a route reads, each from its key; other keys are skipped.
pub(crate) trait Fields: Default {
    /// The keys read, in the order of [`Fields::read`]'s index.
    const KEYS: &'static [&'static str];

    /// Reads the value of `KEYS[index]`.
    fn read<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error>;

    /// The length in bytes of the size-limited text among the fields, if a string.
    fn text_len(&self) -> Option<usize> {
        None
    }
}

/// An object read into `T`, or the type of whatever stands in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shaped<T> {
    Object(T),
    Other(&'static str),
}

/// The items of an array field (the first `keep` of them), how many there were, and the
/// first whose text is longer than the route accepts: or the type of what stands instead.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum List<T> {
    #[default]
    Absent,
    Items {
        kept: Vec<Shaped<T>>,
        len: usize,
        /// Index and byte length of the first text over the limit.
        oversized: Option<(usize, usize)>,
    },
    Other(&'static str),
}

/// The visitor methods of every value that is not the one a reader looks for: the type's
/// name, its contents skipped.
macro_rules! other_types {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Self::Value::other("boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Self::Value::other("number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Self::Value::other("number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Self::Value::other("number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Self::Value::other("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Self::Value::other("null"))
        }
    };
}

macro_rules! skip_containers {
    (seq) => {
        fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Self::Value::other("array"))
        }
    };
    (map) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Self::Value::other("object"))
        }
    };
    (str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Self::Value::other("string"))
        }
    };
}

trait OfOtherType {
    fn other(name: &'static str) -> Self;
}

impl OfOtherType for Found {
    fn other(name: &'static str) -> Self {
        Self::Other(name)
    }
}

impl<T> OfOtherType for Shaped<T> {
    fn other(name: &'static str) -> Self {
        Self::Other(name)
    }
}

impl<T> OfOtherType for List<T> {
    fn other(name: &'static str) -> Self {
        Self::Other(name)
    }
}

struct FoundVisitor;

impl<'de> Visitor<'de> for FoundVisitor {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    other_types!();
    skip_containers!(seq);
    skip_containers!(map);

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Found, E> {
        Ok(Found::Text(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Found, E> {
        Ok(Found::Text(text))
    }
}

impl<'de> Deserialize<'de> for Found {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FoundVisitor)
    }
}

/// A key's index in `KEYS`, without allocating it.
struct KeyIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeyIndex {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIndex {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|known| *known == key))
    }
}

struct ShapedVisitor<T>(PhantomData<T>);

impl<'de, T: Fields> Visitor<'de> for ShapedVisitor<T> {
    type Value = Shaped<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    other_types!();
    skip_containers!(seq);
    skip_containers!(str);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shaped<T>, A::Error> {
        let mut fields = T::default();
        while let Some(key) = map.next_key_seed(KeyIndex(T::KEYS))? {
            match key {
                Some(index) => fields.read(index, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shaped::Object(fields))
    }
}

impl<'de, T: Fields> Deserialize<'de> for Shaped<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapedVisitor(PhantomData))
    }
}

/// Reads a [`List`], keeping its first `keep` items and checking every item's text against
/// `max_text_bytes`.
pub(crate) struct ListSeed<T> {
    keep: usize,
    max_text_bytes: usize,
    items: PhantomData<T>,
}

impl<T> ListSeed<T> {
    pub(crate) fn new(keep: usize, max_text_bytes: usize) -> Self {
        Self {
            keep,
            max_text_bytes,
            items: PhantomData,
        }
    }
}

impl<'de, T: Fields> DeserializeSeed<'de> for ListSeed<T> {
    type Value = List<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Fields> Visitor<'de> for ListSeed<T> {
    type Value = List<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    other_types!();
    skip_containers!(map);
    skip_containers!(str);

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<List<T>, S::Error> {
        let mut kept = Vec::new();
        let (mut len, mut oversized) = (0, None);
        while let Some(item) = seq.next_element::<Shaped<T>>()? {
            if oversized.is_none()
                && let Shaped::Object(fields) = &item
                && let Some(bytes) = fields.text_len().filter(|&n| n > self.max_text_bytes)
            {
                oversized = Some((len, bytes));
            }
            if kept.len() < self.keep {
                kept.push(item);
            }
            len += 1;
        }
        Ok(List::Items {
            kept,
            len,
            oversized,
        })
    }
}

/// A body's fields, read from its JSON straight (after [`parse_json_as`]'s checks) or from
/// its decoded form.
pub(crate) fn read_shaped<T: Fields>(format: BodyFormat, body: &[u8]) -> Result<T, BodyError> {
    match format {
        BodyFormat::Json => into_fields(parse_json_as(body)?),
        BodyFormat::Form => shaped_from(decode_body(format, body)?),
    }
}

/// The fields of a decoded body.
pub(crate) fn shaped_from<T: Fields>(body: Value) -> Result<T, BodyError> {
    // A tree holds nothing a shape cannot read: no error comes of it.
    let shaped = Shaped::deserialize(body).map_err(|error| {
        BodyError::Invalid(vec![Issue::new(
            IssueCode::InvalidJson,
            format!("Invalid JSON: {error}"),
            Vec::new(),
        )])
    })?;
    into_fields(shaped)
}

/// A body must be one object (`invalid_type` / `Expected object, received ...`).
fn into_fields<T>(shaped: Shaped<T>) -> Result<T, BodyError> {
    match shaped {
        Shaped::Object(fields) => Ok(fields),
        Shaped::Other(received) => Err(BodyError::Invalid(vec![Issue::wrong_type_named(
            "object",
            received,
            Vec::new(),
        )])),
    }
}

/// Reads the next value of `map` as a [`Found`].
pub(crate) fn found<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Found, A::Error> {
    map.next_value()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Eq)]
    struct Pair {
        text: Found,
        role: Found,
    }

    impl Fields for Pair {
        const KEYS: &'static [&'static str] = &["text", "role"];

        fn read<'de, A: MapAccess<'de>>(
            &mut self,
            index: usize,
            map: &mut A,
        ) -> Result<(), A::Error> {
            match index {
                0 => self.text = found(map)?,
                _ => self.role = found(map)?,
            }
            Ok(())
        }

        fn text_len(&self) -> Option<usize> {
            match &self.text {
                Found::Text(text) => Some(text.len()),
                _ => None,
            }
        }
    }

    fn shaped(text: &str) -> Shaped<Pair> {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn an_object_keeps_its_fields_and_names_the_type_of_the_others() {
        assert_eq!(
            shaped(r#"{"text": "a", "role": [1, {"x": 2}], "other": {"deep": [[]]}}"#),
            Shaped::Object(Pair {
                text: Found::Text("a".into()),
                role: Found::Other("array"),
            })
        );
        assert_eq!(
            shaped(r#"{"text": null, "role": {}}"#),
            Shaped::Object(Pair {
                text: Found::Other("null"),
                role: Found::Other("object"),
            })
        );
        assert_eq!(shaped(r#"{}"#), Shaped::Object(Pair::default()));
        for (text, name) in [("1", "number"), ("-1.5", "number"), ("true", "boolean")] {
            assert_eq!(shaped(text), Shaped::Other(name));
        }
        assert_eq!(shaped(r#""a""#), Shaped::Other("string"));
        assert_eq!(shaped("[1]"), Shaped::Other("array"));
        assert_eq!(shaped("null"), Shaped::Other("null"));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_a_parsed_object_does() {
        let text = r#"{"text": "first", "text": "last"}"#;
        let tree: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(tree["text"], "last");
        assert_eq!(
            shaped(text),
            Shaped::Object(Pair {
                text: Found::Text("last".into()),
                role: Found::Absent,
            })
        );
    }

    #[test]
    fn a_list_keeps_its_first_items_and_finds_the_first_long_text() {
        let body = json!([{"text": "ab"}, 5, {"text": "abcdef"}, {"text": "abcdefg"}]);
        let list = ListSeed::<Pair>::new(2, 5)
            .deserialize(body.clone())
            .unwrap_or_default();
        assert_eq!(
            list,
            List::Items {
                kept: vec![
                    Shaped::Object(Pair {
                        text: Found::Text("ab".into()),
                        role: Found::Absent,
                    }),
                    Shaped::Other("number"),
                ],
                len: 4,
                oversized: Some((2, 6)),
            }
        );
        let other = ListSeed::<Pair>::new(2, 5).deserialize(json!({"a": 1}));
        assert_eq!(other.ok(), Some(List::Other("object")));
    }

    #[test]
    fn a_decoded_form_reads_alike() {
        let form = json!({"text": "a", "role": ["x", "y"]});
        assert_eq!(
            Shaped::<Pair>::deserialize(form).ok(),
            Some(Shaped::Object(Pair {
                text: Found::Text("a".into()),
                role: Found::Other("array"),
            }))
        );
    }
}
