//! Whether a peer wrote the same rows as ours: the message chunk rows a create left in its
//! table, compared by attribute names and types (recursively) and by the messages they hold.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::measure::Item;

/// The attribute names and types of a value, nested: `{PK:S,items:[{id:N}],n:N}`.
fn shape(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(_) => "S".to_owned(),
        AttributeValue::N(_) => "N".to_owned(),
        AttributeValue::Bool(_) => "BOOL".to_owned(),
        AttributeValue::Null(_) => "NULL".to_owned(),
        AttributeValue::L(values) => {
            let mut shapes: Vec<String> = values.iter().map(shape).collect();
            shapes.dedup();
            format!("[{}]", shapes.join("|"))
        }
        AttributeValue::M(map) => item_shape(map),
        other => format!("{other:?}"),
    }
}

fn item_shape(item: &Item) -> String {
    let mut fields: Vec<String> = item
        .iter()
        .map(|(name, value)| format!("{name}:{}", shape(value)))
        .collect();
    fields.sort();
    format!("{{{}}}", fields.join(","))
}

/// (actor, message) of every message in a chunk row.
fn messages(item: &Item) -> Vec<(String, String)> {
    let text = |map: &Item, name: &str| {
        map.get(name)
            .and_then(|value| value.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    item.get("items")
        .and_then(|items| items.as_l().ok())
        .map(|items| {
            items
                .iter()
                .filter_map(|entry| entry.as_m().ok())
                .map(|entry| (text(entry, "actor"), text(entry, "message")))
                .collect()
        })
        .unwrap_or_default()
}

/// The row of `rows` with the most messages.
fn fullest(rows: &[Item]) -> Option<&Item> {
    rows.iter().max_by_key(|row| messages(row).len())
}

/// `Ok` with what was compared when `theirs` are rows like `ours`, else the difference: their
/// fullest row against our row of the same messages (ours also holds rows of other events).
pub fn compare(ours: &[Item], theirs: &[Item]) -> Result<String, String> {
    let theirs = fullest(theirs).ok_or("no message rows written")?;
    let ours = ours
        .iter()
        .find(|row| messages(row) == messages(theirs))
        .ok_or("no row of ours holds the same messages")?;
    let (our_shape, their_shape) = (item_shape(ours), item_shape(theirs));
    if our_shape != their_shape {
        return Err(format!("ours {our_shape}, theirs {their_shape}"));
    }
    let key = |row: &Item| row.get("PK").cloned();
    if key(ours) != key(theirs) {
        return Err("the same attributes, another partition".to_owned());
    }
    Ok(format!(
        "same partition, messages, attribute names and types: {our_shape}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pk: &str, id_type: fn(String) -> AttributeValue, messages: &[(&str, &str)]) -> Item {
        let items = messages
            .iter()
            .enumerate()
            .map(|(n, (actor, message))| {
                AttributeValue::M(Item::from([
                    ("id".to_owned(), id_type(n.to_string())),
                    ("actor".to_owned(), AttributeValue::S((*actor).to_owned())),
                    (
                        "message".to_owned(),
                        AttributeValue::S((*message).to_owned()),
                    ),
                ]))
            })
            .collect();
        Item::from([
            ("PK".to_owned(), AttributeValue::S(pk.to_owned())),
            ("SK".to_owned(), AttributeValue::S("MSG#1".to_owned())),
            (
                "n".to_owned(),
                AttributeValue::N(messages.len().to_string()),
            ),
            ("items".to_owned(), AttributeValue::L(items)),
        ])
    }

    const BATCH: &[(&str, &str)] = &[("user", "a"), ("assistant", "b")];

    #[test]
    fn rows_alike_compare_equal() {
        let ours = [
            row("P", AttributeValue::N, &BATCH[..1]),
            row("P", AttributeValue::N, BATCH),
        ];
        let theirs = [row("P", AttributeValue::N, BATCH)];
        let same = compare(&ours, &theirs).expect("same rows");
        assert!(same.contains("items:[{actor:S,id:N,message:S}]"), "{same}");
    }

    #[test]
    fn another_type_messages_or_partition_differ() {
        let ours = [row("P", AttributeValue::N, BATCH)];
        assert!(compare(&ours, &[row("P", AttributeValue::S, BATCH)]).is_err());
        assert!(compare(&ours, &[row("P", AttributeValue::N, &BATCH[..1])]).is_err());
        assert!(compare(&ours, &[row("Q", AttributeValue::N, BATCH)]).is_err());
        assert!(compare(&ours, &[]).is_err());
        assert!(compare(&[], &ours).is_err());
    }
}
