//! `order_by` of the chat list, and the keyset cursors of ordered pages.
//!
//! `order_by` is a comma-separated list of `column:direction` pairs (columns `id`,
//! `created_at`, `updated_at`, `name`, `model`; directions `asc`, `desc`); the first pair sorts
//! first, later pairs break ties. The parsed [`ChatOrder`] is made total and canonical: a
//! repeated column is dropped (its first pair already decided), pairs after `id` are dropped
//! (ids are unique), and `id:desc` ends an order that does not name `id`, so that ties end
//! newest first.
//!
//! Texts compare by their UTF-8 bytes (PostgreSQL's `COLLATE "C"`), timestamps chronologically
//! (their fixed-width RFC 3339 text sorts the same way).

use crate::ids::{ChatId, UserId};
use std::cmp::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::issues::{Issue, IssueCode};
use super::params::{CursorScope, PageQuery, parse_canonical_decimal, parse_page_query};
use crate::ids::MAX_ID;
use crate::model::{Chat, ChatList};

/// Version tag of an ordered cursor's payload (the id-only cursors use `c1`).
const ORDERED_CURSOR_VERSION: &str = "o1";
/// Longest ordered cursor accepted before decoding. It carries the last chat's name (at most
/// 256 characters) and model (128), JSON-escaped: a few KiB at worst, mostly far shorter.
pub const MAX_ORDERED_CURSOR_CHARS: usize = 4096;
/// The lists cursors are bound to: a user's chats, and a project's (with its id).
const CHATS_LIST: &str = "chats";
const PROJECT_CHATS_LIST: &str = "project-chats";

/// The scope of a chat list's id cursors: the user, and the project in the slot of the chat of
/// the message and file lists (0 for the list of all chats).
pub fn chat_cursor_scope(user: UserId, list: ChatList) -> CursorScope {
    let user_id = user.get();
    match list {
        ChatList::All => CursorScope {
            user_id,
            chat_id: 0,
            list: CHATS_LIST,
        },
        ChatList::Project(project) => CursorScope {
            user_id,
            chat_id: project.get(),
            list: PROJECT_CHATS_LIST,
        },
    }
}

/// The list in an ordered cursor: `chats`, or `project-chats/<project>`.
fn list_token(list: ChatList) -> String {
    match list {
        ChatList::All => CHATS_LIST.to_owned(),
        ChatList::Project(project) => format!("{PROJECT_CHATS_LIST}/{project}"),
    }
}

/// A column of the chat list that `order_by` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatColumn {
    Id,
    CreatedAt,
    UpdatedAt,
    Name,
    Model,
}

impl ChatColumn {
    pub const ALL: [ChatColumn; 5] = [
        ChatColumn::Id,
        ChatColumn::CreatedAt,
        ChatColumn::UpdatedAt,
        ChatColumn::Name,
        ChatColumn::Model,
    ];

    /// The name in `order_by` (the field's name in `Chat`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChatColumn::Id => "id",
            ChatColumn::CreatedAt => "created_at",
            ChatColumn::UpdatedAt => "updated_at",
            ChatColumn::Name => "name",
            ChatColumn::Model => "model",
        }
    }

    fn from_name(name: &str) -> Option<ChatColumn> {
        ChatColumn::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// This column's value of `chat`, for the columns that are text (every one but `id`).
    fn text(self, chat: &Chat) -> Option<&str> {
        match self {
            ChatColumn::Id => None,
            ChatColumn::CreatedAt => Some(&chat.created_at),
            ChatColumn::UpdatedAt => Some(&chat.updated_at),
            ChatColumn::Name => Some(&chat.name),
            ChatColumn::Model => Some(&chat.model),
        }
    }

    fn text_mut(self, chat: &mut Chat) -> Option<&mut String> {
        match self {
            ChatColumn::Id => None,
            ChatColumn::CreatedAt => Some(&mut chat.created_at),
            ChatColumn::UpdatedAt => Some(&mut chat.updated_at),
            ChatColumn::Name => Some(&mut chat.name),
            ChatColumn::Model => Some(&mut chat.model),
        }
    }

    fn compare(self, a: &Chat, b: &Chat) -> Ordering {
        match (self.text(a), self.text(b)) {
            (Some(a), Some(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => a.id.cmp(&b.id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    fn from_name(name: &str) -> Option<Direction> {
        [Direction::Asc, Direction::Desc]
            .into_iter()
            .find(|d| d.as_str() == name)
    }
}

/// One `column:direction` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTerm {
    pub column: ChatColumn,
    pub direction: Direction,
}

/// A total order of a user's chats: its terms, the last one always on `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatOrder {
    terms: Vec<OrderTerm>,
}

impl ChatOrder {
    /// The list's order without `order_by`: newest first (ids grow with time).
    pub fn newest_first() -> Self {
        ChatOrder {
            terms: vec![OrderTerm {
                column: ChatColumn::Id,
                direction: Direction::Desc,
            }],
        }
    }

    /// The terms, canonical: no column twice, `id` last.
    pub fn terms(&self) -> &[OrderTerm] {
        &self.terms
    }

    /// The direction of an order that sorts by id alone (the key order of the stored rows).
    pub fn by_id(&self) -> Option<Direction> {
        match self.terms.as_slice() {
            [only] if only.column == ChatColumn::Id => Some(only.direction),
            _ => None,
        }
    }

    /// The canonical `order_by` text, e.g. `updated_at:desc,name:desc,model:desc,id:desc`.
    pub fn spec(&self) -> String {
        let pairs: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{}:{}", t.column.as_str(), t.direction.as_str()))
            .collect();
        pairs.join(",")
    }

    /// Where `a` sorts relative to `b`. Total: chats with the same id compare equal.
    pub fn compare(&self, a: &Chat, b: &Chat) -> Ordering {
        for term in &self.terms {
            let ordering = term.column.compare(a, b);
            let ordering = match term.direction {
                Direction::Asc => ordering,
                Direction::Desc => ordering.reverse(),
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }

    /// Whether `chat` comes strictly after `last` (a page's last chat, or its sort values).
    pub fn is_after(&self, chat: &Chat, last: &Chat) -> bool {
        self.compare(chat, last) == Ordering::Greater
    }
}

/// Parses `order_by`. Anything but `column:direction` pairs of the known names, separated by
/// single commas, is one `custom` issue at `["order_by"]` (case-sensitive, no spaces).
pub fn parse_order_by(raw: &str) -> Result<ChatOrder, Issue> {
    let mut terms: Vec<OrderTerm> = Vec::new();
    for pair in raw.split(',') {
        let term = pair.split_once(':').and_then(|(column, direction)| {
            Some(OrderTerm {
                column: ChatColumn::from_name(column)?,
                direction: Direction::from_name(direction)?,
            })
        });
        let Some(term) = term else {
            return Err(order_by_issue());
        };
        let decided = terms.iter().any(|t| t.column == term.column)
            || terms.last().is_some_and(|t| t.column == ChatColumn::Id);
        if !decided {
            terms.push(term);
        }
    }
    if terms.last().is_none_or(|t| t.column != ChatColumn::Id) {
        terms.push(OrderTerm {
            column: ChatColumn::Id,
            direction: Direction::Desc,
        });
    }
    Ok(ChatOrder { terms })
}

fn order_by_issue() -> Issue {
    let columns: Vec<&str> = ChatColumn::ALL.iter().map(|c| c.as_str()).collect();
    Issue::new(
        IssueCode::Custom,
        format!(
            "order_by must be a comma-separated list of 'column:direction' pairs (columns: {}; directions: asc, desc)",
            columns.join(", ")
        ),
        vec!["order_by".into()],
    )
}

/// The opaque cursor after `last` in `order` for `user_id`'s chat list `list`: base64url (no
/// padding) of `o1.<list>.<user_id>.<spec>.<id>.<values>` (`<list>`: `chats` or
/// `project-chats/<project>`), `values` being the JSON array of `last`'s values of the order's
/// other columns, in the order's sequence. Not signed, like the id cursors: it only positions a
/// page within the caller's own list.
pub fn encode_chat_cursor(user: UserId, list: ChatList, order: &ChatOrder, last: &Chat) -> String {
    URL_SAFE_NO_PAD.encode(chat_cursor_payload(user.get(), list, order, last))
}

fn chat_cursor_payload(user_id: u64, list: ChatList, order: &ChatOrder, last: &Chat) -> String {
    let values: Vec<&str> = order
        .terms
        .iter()
        .filter_map(|t| t.column.text(last))
        .collect();
    let values = serde_json::to_string(&values).unwrap_or_default();
    format!(
        "{}{}.{values}",
        cursor_prefix(user_id, list, order),
        last.id
    )
}

fn cursor_prefix(user_id: u64, list: ChatList, order: &ChatOrder) -> String {
    format!(
        "{ORDERED_CURSOR_VERSION}.{}.{user_id}.{}.",
        list_token(list),
        order.spec()
    )
}

/// The position in a cursor that [`encode_chat_cursor`] made for this user, list and exact
/// order: a chat with the id and the order's columns set (the other fields empty). `None` for
/// anything else (another user, list or order, bad base64, a value of the wrong shape).
pub fn decode_chat_cursor(
    user_id: u64,
    list: ChatList,
    order: &ChatOrder,
    raw: &str,
) -> Option<Chat> {
    if raw.len() > MAX_ORDERED_CURSOR_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let rest = text.strip_prefix(cursor_prefix(user_id, list, order).as_str())?;
    let (id, values) = rest.split_once('.')?;
    let id = parse_canonical_decimal(id).filter(|id| (1..=MAX_ID).contains(id))?;
    let values: Vec<String> = serde_json::from_str(values).ok()?;
    let mut last = position(user_id, id);
    let mut values = values.into_iter();
    for term in &order.terms {
        let Some(slot) = term.column.text_mut(&mut last) else {
            continue;
        };
        let value = values.next()?;
        let timestamp = matches!(term.column, ChatColumn::CreatedAt | ChatColumn::UpdatedAt);
        if timestamp && !is_timestamp(&value) {
            return None;
        }
        *slot = value;
    }
    // All values used, and one spelling per position: exactly what the encoder makes.
    (values.next().is_none() && chat_cursor_payload(user_id, list, order, &last) == text)
        .then_some(last)
}

/// The shape of the API's timestamps: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn is_timestamp(value: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    value.len() == SHAPE.len()
        && value
            .bytes()
            .zip(SHAPE)
            .all(|(byte, expected)| match expected {
                b'd' => byte.is_ascii_digit(),
                _ => byte == *expected,
            })
}

/// A position in the list: a chat with this id and nothing else set yet.
fn position(user_id: u64, id: u64) -> Chat {
    Chat {
        id: ChatId(id),
        name: String::new(),
        model: String::new(),
        neptun_user_id: UserId(user_id),
        project_id: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// A valid query of the chat list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatListQuery {
    pub limit: Option<u32>,
    /// `None`: no `order_by`, newest first with the id cursors of every list.
    pub order: Option<ChatOrder>,
    /// The last chat of the previous page (or its sort values).
    pub after: Option<Chat>,
}

/// The query of a chat list (`GET .../chats`, `GET .../projects/{project_id}/chats`): `limit`
/// and `cursor` as on every list, and `order_by`. Without `order_by` (or with an empty value)
/// cursors are the id cursors of every list; with it, a cursor must come from the same user,
/// list and order (canonically: `updated_at:desc` and `updated_at:desc,id:desc` are one order).
/// Every issue is reported; a cursor is not judged when `order_by` itself is invalid.
pub fn parse_chat_list_query(
    user: UserId,
    list: ChatList,
    limit: Option<&str>,
    cursor: Option<&str>,
    order_by: Option<&str>,
) -> Result<ChatListQuery, Vec<Issue>> {
    let user_id = user.get();
    let scope = chat_cursor_scope(user, list);
    let cursor = cursor.filter(|s| !s.is_empty());
    let Some(order_by) = order_by.filter(|s| !s.is_empty()) else {
        let PageQuery { limit, cursor } = parse_page_query(limit, cursor, &scope)?;
        return Ok(ChatListQuery {
            limit,
            order: None,
            after: cursor.map(|cursor| position(user_id, cursor.after_id)),
        });
    };
    let mut issues = Vec::new();
    let limit = match parse_page_query(limit, None, &scope) {
        Ok(query) => query.limit,
        Err(found) => {
            issues.extend(found);
            None
        }
    };
    let order = match parse_order_by(order_by) {
        Ok(order) => Some(order),
        Err(issue) => {
            issues.push(issue);
            None
        }
    };
    let after = match (&order, cursor) {
        (Some(order), Some(raw)) => {
            let after = decode_chat_cursor(user_id, list, order, raw);
            if after.is_none() {
                issues.push(Issue::new(
                    IssueCode::Custom,
                    "Invalid cursor",
                    vec!["cursor".into()],
                ));
            }
            after
        }
        _ => None,
    };
    if issues.is_empty() {
        Ok(ChatListQuery {
            limit,
            order,
            after,
        })
    } else {
        Err(issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;

    #[test]
    fn a_cursor_opens_only_the_list_it_was_made_for() {
        let order = parse_order_by("name:asc").unwrap_or_else(|_| panic!("parses"));
        let last = chat(
            9,
            "b",
            "m",
            "2026-11-21T19:12:44.006Z",
            "2026-11-21T19:12:44.006Z",
        );
        let of_project = encode_chat_cursor(
            ids::UserId(7),
            ChatList::Project(ids::ProjectId(3)),
            &order,
            &last,
        );
        assert!(
            decode_chat_cursor(7, ChatList::Project(ids::ProjectId(3)), &order, &of_project)
                .is_some()
        );
        for other in [ChatList::All, ChatList::Project(ids::ProjectId(4))] {
            assert_eq!(decode_chat_cursor(7, other, &order, &of_project), None);
        }
        let of_all = encode_chat_cursor(ids::UserId(7), ChatList::All, &order, &last);
        assert_eq!(
            decode_chat_cursor(7, ChatList::Project(ids::ProjectId(3)), &order, &of_all),
            None
        );
        let ids = chat_cursor_scope(ids::UserId(7), ChatList::Project(ids::ProjectId(3)));
        assert_ne!(ids, chat_cursor_scope(ids::UserId(7), ChatList::All));
        assert_ne!(
            ids,
            chat_cursor_scope(ids::UserId(7), ChatList::Project(ids::ProjectId(4)))
        );
    }
    use crate::validation::encode_cursor;
    use crate::validation::params::Cursor;

    fn chat(id: u64, name: &str, model: &str, created_at: &str, updated_at: &str) -> Chat {
        Chat {
            id: ids::ChatId(id),
            name: name.into(),
            model: model.into(),
            neptun_user_id: ids::UserId(7),
            project_id: None,
            created_at: created_at.into(),
            updated_at: updated_at.into(),
        }
    }

    const T1: &str = "2026-01-01T00:00:00.000Z";
    const T2: &str = "2026-01-02T00:00:00.000Z";

    fn spec(raw: &str) -> Option<String> {
        parse_order_by(raw).ok().map(|order| order.spec())
    }

    #[test]
    fn order_by_is_made_canonical_and_total() {
        assert_eq!(
            spec("updated_at:desc,name:desc,model:desc").as_deref(),
            Some("updated_at:desc,name:desc,model:desc,id:desc")
        );
        assert_eq!(spec("id:asc").as_deref(), Some("id:asc"));
        assert_eq!(
            spec("name:asc,id:asc,model:desc").as_deref(),
            Some("name:asc,id:asc")
        );
        assert_eq!(
            spec("name:asc,name:desc").as_deref(),
            Some("name:asc,id:desc")
        );
        for column in ChatColumn::ALL {
            for direction in ["asc", "desc"] {
                assert!(spec(&format!("{}:{direction}", column.as_str())).is_some());
            }
        }
        assert_eq!(
            parse_order_by("id:desc").ok().and_then(|o| o.by_id()),
            Some(Direction::Desc)
        );
        assert_eq!(
            parse_order_by("id:desc").ok(),
            Some(ChatOrder::newest_first())
        );
        assert_eq!(
            parse_order_by("name:asc").ok().and_then(|o| o.by_id()),
            None
        );
    }

    #[test]
    fn anything_else_is_one_issue_at_order_by() {
        for bad in [
            "",
            ",",
            "name",
            "name:",
            ":asc",
            "name:up",
            "Name:asc",
            "name:ASC",
            "name:asc,",
            ",name:asc",
            "name:asc,,id:desc",
            " name:asc",
            "name: asc",
            "name:asc:desc",
            "neptun_user_id:asc",
            "name;asc",
        ] {
            let issue = parse_order_by(bad).err();
            assert_eq!(
                issue.as_ref().map(|i| (i.code, i.path.clone())),
                Some((IssueCode::Custom, vec!["order_by".into()])),
                "{bad:?}"
            );
            assert!(
                issue.is_some_and(|i| i.message.starts_with("order_by must be")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn compare_follows_the_terms_then_the_id() {
        let order = parse_order_by("updated_at:desc,name:desc,model:desc")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let a = chat(1, "b", "m", T1, T2);
        let b = chat(2, "a", "m", T1, T2);
        let c = chat(3, "a", "m", T2, T1);
        let d = chat(4, "a", "m", T1, T2);
        let mut chats = [c.clone(), b.clone(), a.clone(), d.clone()];
        chats.sort_by(|x, y| order.compare(x, y));
        let ids: Vec<u64> = chats.iter().map(|c| c.id.get()).collect();
        // updated_at T2 first; then name desc ("b" before "a"); then id desc for the tie.
        assert_eq!(ids, [1, 4, 2, 3]);
        assert!(order.is_after(&b, &d));
        assert!(!order.is_after(&d, &d));
        // Names compare by bytes: upper case before lower case, "é" after "z".
        let by_name = parse_order_by("name:asc").unwrap_or_else(|e| panic!("{e:?}"));
        let mut names = [
            chat(1, "é", "", T1, T1),
            chat(2, "z", "", T1, T1),
            chat(3, "Z", "", T1, T1),
        ];
        names.sort_by(|x, y| by_name.compare(x, y));
        let names: Vec<&str> = names.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Z", "z", "é"]);
    }

    #[test]
    fn ordered_cursors_round_trip_and_are_bound_to_user_and_order() {
        let order = parse_order_by("updated_at:desc,name:desc,model:desc")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let last = chat(42, "grüße \"x\".\n", "gpt-4o", T1, T2);
        let raw = encode_chat_cursor(ids::UserId(7), ChatList::All, &order, &last);
        assert!(
            raw.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let decoded = decode_chat_cursor(7, ChatList::All, &order, &raw);
        assert_eq!(
            decoded.as_ref().map(|c| (
                c.id,
                c.name.as_str(),
                c.model.as_str(),
                c.updated_at.as_str(),
                c.created_at.as_str()
            )),
            Some((ChatId(42), "grüße \"x\".\n", "gpt-4o", T2, ""))
        );
        assert_eq!(
            decoded.map(|d| order.compare(&d, &last)),
            Some(Ordering::Equal)
        );
        // The same order spelled otherwise is the same order.
        let same = parse_order_by("updated_at:desc,name:desc,model:desc,id:desc,name:asc")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(decode_chat_cursor(7, ChatList::All, &same, &raw).is_some());
        // Another user, another order, the id cursors: refused.
        assert_eq!(decode_chat_cursor(8, ChatList::All, &order, &raw), None);
        for other in [
            "updated_at:asc,name:desc,model:desc",
            "updated_at:desc",
            "id:desc",
        ] {
            let other = parse_order_by(other).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(decode_chat_cursor(7, ChatList::All, &other, &raw), None);
        }
        let scope = CursorScope {
            user_id: 7,
            chat_id: 0,
            list: "chats",
        };
        let id_cursor = encode_cursor(&scope, &Cursor { after_id: 42 });
        assert_eq!(
            decode_chat_cursor(7, ChatList::All, &ChatOrder::newest_first(), &id_cursor),
            None
        );
    }

    #[test]
    fn malformed_ordered_cursors_are_refused() {
        let order = parse_order_by("created_at:asc,name:asc").unwrap_or_else(|e| panic!("{e:?}"));
        let forged = |payload: &str| URL_SAFE_NO_PAD.encode(payload);
        let prefix = "o1.chats.7.created_at:asc,name:asc,id:desc.";
        let good = format!("{prefix}5.[\"{T1}\",\"n\"]");
        assert!(decode_chat_cursor(7, ChatList::All, &order, &forged(&good)).is_some());
        for bad in [
            format!("{prefix}5.[\"{T1}\"]"),
            format!("{prefix}5.[\"{T1}\",\"n\",\"x\"]"),
            format!("{prefix}5.[\"2026-01-01\",\"n\"]"),
            format!("{prefix}5.[1,\"n\"]"),
            format!("{prefix}5.[ \"{T1}\",\"n\"]"),
            format!("{prefix}05.[\"{T1}\",\"n\"]"),
            format!("{prefix}0.[\"{T1}\",\"n\"]"),
            format!("{prefix}9007199254740992.[\"{T1}\",\"n\"]"),
            format!("{prefix}5"),
            format!("{prefix}.[\"{T1}\",\"n\"]"),
            format!("{prefix}5.[\"{T1}\",\"\\u006e\"]"),
        ] {
            assert_eq!(
                decode_chat_cursor(7, ChatList::All, &order, &forged(&bad)),
                None,
                "{bad}"
            );
        }
        assert_eq!(
            decode_chat_cursor(7, ChatList::All, &order, &format!("{}=", forged(&good))),
            None
        );
        assert_eq!(
            decode_chat_cursor(
                7,
                ChatList::All,
                &order,
                &"A".repeat(MAX_ORDERED_CURSOR_CHARS + 1)
            ),
            None
        );
    }

    #[test]
    fn the_longest_cursor_fits() {
        let order = parse_order_by("name:asc,model:asc,created_at:asc,updated_at:asc")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let last = chat(MAX_ID, &"\u{0}".repeat(256), &"\u{1}".repeat(128), T1, T2);
        let raw = encode_chat_cursor(ids::UserId(MAX_ID), ChatList::All, &order, &last);
        assert!(raw.len() <= MAX_ORDERED_CURSOR_CHARS, "{}", raw.len());
        assert!(decode_chat_cursor(MAX_ID, ChatList::All, &order, &raw).is_some());
    }

    #[test]
    fn the_list_query() {
        let query = parse_chat_list_query(
            ids::UserId(7),
            ChatList::All,
            Some("2"),
            None,
            Some("name:asc"),
        );
        assert_eq!(
            query.map(|q| (q.limit, q.order.map(|o| o.spec()), q.after)),
            Ok((Some(2), Some("name:asc,id:desc".to_owned()), None))
        );
        // Without order_by (or with an empty one): the id cursors, as on every list.
        let scope = CursorScope {
            user_id: 7,
            chat_id: 0,
            list: "chats",
        };
        let id_cursor = encode_cursor(&scope, &Cursor { after_id: 9 });
        for order_by in [None, Some("")] {
            let query = parse_chat_list_query(
                ids::UserId(7),
                ChatList::All,
                None,
                Some(&id_cursor),
                order_by,
            );
            assert_eq!(
                query.map(|q| (q.order, q.after.map(|c| c.id))),
                Ok((None, Some(ChatId(9))))
            );
        }
        // An id cursor under an order, an ordered cursor without one: invalid.
        let issues = |result: Result<ChatListQuery, Vec<Issue>>| {
            result.err().map(|issues| {
                issues
                    .into_iter()
                    .map(|i| (i.code, i.path))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            issues(parse_chat_list_query(
                ids::UserId(7),
                ChatList::All,
                None,
                Some(&id_cursor),
                Some("id:desc")
            )),
            Some(vec![(IssueCode::Custom, vec!["cursor".into()])])
        );
        let order = ChatOrder::newest_first();
        let ordered = encode_chat_cursor(
            ids::UserId(7),
            ChatList::All,
            &order,
            &chat(9, "", "", "", ""),
        );
        assert_eq!(
            issues(parse_chat_list_query(
                ids::UserId(7),
                ChatList::All,
                None,
                Some(&ordered),
                None
            )),
            Some(vec![(IssueCode::Custom, vec!["cursor".into()])])
        );
        // Every problem at once; a cursor is not judged against an invalid order.
        assert_eq!(
            issues(parse_chat_list_query(
                ids::UserId(7),
                ChatList::All,
                Some("0"),
                Some("junk"),
                Some("name:up")
            )),
            Some(vec![
                (IssueCode::TooSmall, vec!["limit".into()]),
                (IssueCode::Custom, vec!["order_by".into()])
            ])
        );
        assert_eq!(
            issues(parse_chat_list_query(
                ids::UserId(7),
                ChatList::All,
                Some("x"),
                Some("junk"),
                Some("name:asc")
            )),
            Some(vec![
                (IssueCode::InvalidType, vec!["limit".into()]),
                (IssueCode::Custom, vec!["cursor".into()])
            ])
        );
    }
}
