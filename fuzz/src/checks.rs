//! What every fuzz target asserts: the parsers of untrusted input never panic and keep their
//! invariants. Shared by the fuzz targets and by the regression test that replays findings
//! (`shared/neptun-core/tests/core/fuzz_regressions.rs`), so a finding stays fixed.

use neptun_core::ids::{ChatId, ProjectId, UserId};
use neptun_core::model::ChatList;
use neptun_core::session::{SessionConfig, unseal};
use neptun_core::validation::{
    self, BodyError, BodyFormat, ChatColumn, ChatOrder, CursorScope, MAX_BATCH, MAX_TEXT_BYTES,
    parse_page_query, parse_path_id,
};
use serde_json::Value;

const PASSWORD: &str = "fuzzing-password-that-is-at-least-32-chars";
const NOW_MS: u64 = 1_795_288_364_006;

/// Request bodies: any bytes, read as JSON and as a form, give a parsed request within the
/// limits or issues that explain why not.
pub fn bodies(data: &[u8]) {
    for format in [BodyFormat::Json, BodyFormat::Form] {
        let read_messages = validation::read_create_messages(format, data);
        let read_files = validation::read_create_files(format, data);
        match validation::decode_body(format, data) {
            Ok(body) => {
                // Read straight from the bytes, the 3 MiB bodies give what their tree gives.
                let same = |read: String, tree: String| assert_eq!(read, tree);
                same(
                    format!("{read_messages:?}"),
                    format!("{:?}", validation::parse_create_messages(body.clone())),
                );
                same(
                    format!("{read_files:?}"),
                    format!("{:?}", validation::parse_create_files(body.clone())),
                );
                decoded_bodies(&body);
            }
            Err(error) => check_error(error),
        }
        for result in [read_messages.map(|_| ()), read_files.map(|_| ())] {
            if let Err(error) = result {
                check_error(error);
            }
        }
    }
}

fn check_error(error: BodyError) {
    match error {
        BodyError::Invalid(issues) => {
            assert!(!issues.is_empty(), "a 400 without issues");
            serde_json::to_string(&issues).expect("issues serialize");
        }
        BodyError::TooLarge { limit } => assert!(!limit.is_empty()),
    }
}

fn decoded_bodies(body: &Value) {
    match validation::parse_create_messages(body.clone()) {
        Ok(batch) => {
            assert!(!batch.is_empty());
            for message in batch.items() {
                assert!(message.content.len() <= MAX_TEXT_BYTES);
                assert!(!message.content.trim().is_empty());
            }
        }
        Err(error) => check_error(error),
    }
    match validation::parse_create_files(body.clone()) {
        Ok(batch) => {
            assert!((1..=MAX_BATCH).contains(&batch.len()));
            for file in batch.items() {
                assert!(file.text.len() <= MAX_TEXT_BYTES);
                assert!(file.title.chars().count() <= validation::MAX_TITLE_CHARS);
                assert!(!file.language.is_empty() && !file.extension.is_empty());
            }
        }
        Err(error) => check_error(error),
    }
    match validation::parse_create_chat(body.clone()) {
        Ok(chat) => assert!(!chat.name.trim().is_empty()),
        Err(error) => check_error(error),
    }
    match validation::parse_update_chat(body.clone()) {
        Ok(update) => {
            assert!(
                update.name.is_some() || update.project.is_some(),
                "a change"
            );
            if let Some(name) = &update.name {
                assert!(!name.trim().is_empty());
                assert!(name.chars().count() <= validation::MAX_CHAT_NAME_CHARS);
            }
            if let Some(Some(project)) = update.project {
                assert!((1..=neptun_core::ids::MAX_ID).contains(&project.get()));
            }
        }
        Err(error) => check_error(error),
    }
    match validation::parse_delete_chats(body.clone()) {
        Ok(validation::ChatsToDelete::Listed(ids)) => check_chat_ids(&ids),
        Ok(validation::ChatsToDelete::All) => {}
        Err(error) => check_error(error),
    }
    match validation::parse_project_chat_ids(body.clone()) {
        Ok(ids) => check_chat_ids(&ids),
        Err(error) => check_error(error),
    }
}

/// 1 to 100 ids, each a positive safe integer, none twice.
fn check_chat_ids(ids: &[ChatId]) {
    assert!((1..=MAX_BATCH).contains(&ids.len()));
    assert!(
        ids.iter()
            .all(|id| (1..=neptun_core::ids::MAX_ID).contains(&id.get()))
    );
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an id twice");
}

/// Cookies and tokens: anything that is not a genuine seal is refused, without a panic.
pub fn session(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    assert!(
        unseal(&text, PASSWORD, 1, NOW_MS).is_err(),
        "a forged token was accepted"
    );
    let config = SessionConfig::new(PASSWORD).expect("long password");
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(data) {
        headers.append(http::header::COOKIE, value.clone());
        headers.append("x-neptun-session-session", value);
    }
    assert!(
        config.authenticate(&headers, NOW_MS).is_err(),
        "a forged cookie was accepted"
    );

    // A genuine token with one byte changed is refused too.
    let genuine = config.seal_user(UserId(42), None, NOW_MS);
    if let Some((&position, &byte)) = data.first().zip(data.get(1)) {
        let mut forged = genuine.clone().into_bytes();
        let at = usize::from(position) * forged.len() / 256;
        if forged[at] != byte {
            forged[at] = byte;
            let forged = String::from_utf8_lossy(&forged);
            assert!(
                unseal(&forged, PASSWORD, 1, NOW_MS).is_err(),
                "a tampered token was accepted"
            );
        }
    }
}

/// Path ids: accepted exactly when they are canonical decimals in 1..2^53.
pub fn path(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = parse_path_id("chat_id", Some(raw)) {
        assert!((1..1 << 53).contains(&id));
        assert_eq!(id.to_string(), raw, "a non-canonical id was accepted");
    }
    // The same text as a whole request path: routing never panics.
    let event = serde_json::json!({
        "version": "2.0", "routeKey": "$default", "rawPath": format!("/api/users/{raw}/chats"),
        "rawQueryString": "", "headers": {}, "isBase64Encoded": false,
        "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1",
            "sourceIp": "192.0.2.1", "userAgent": "fuzz"}, "stage": "$default",
            "requestId": "fuzz", "routeKey": "$default", "accountId": "1", "apiId": "fuzz",
            "domainName": "fuzz.example", "domainPrefix": "fuzz", "time": "x", "timeEpoch": 0},
    });
    if let Ok(request) = lambda_http::request::from_str(&event.to_string()) {
        use neptun_core::routes::{Route, Segment, UserPath};
        const CHATS: Route<1, UserPath> =
            Route::new(&[Segment::Param("user_id"), Segment::Lit("chats")]);
        if let Ok(params) = neptun_core::request::match_route(&request, &CHATS) {
            let _ = neptun_core::request::parse_ids(&params);
        }
    }
}

/// Pagination: arbitrary cursors and limits are issues, and a cursor decodes only in its scope.
/// The chat list's `order_by` (the text before `&`) parses to a canonical, total order or to one
/// issue, and an ordered cursor decodes only for its user and order, in one spelling.
pub fn cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (limit, cursor) = text.split_once('&').unwrap_or((&text, ""));
    order_by(limit, cursor);
    let scope = CursorScope {
        user_id: 1,
        chat_id: 2,
        list: "messages",
    };
    if let Ok(query) = parse_page_query(Some(limit), Some(cursor), &scope)
        && let Some(limit) = query.limit
    {
        assert!((1..=1000).contains(&limit));
    }
    if let Some(decoded) = validation::decode_cursor(&scope, cursor) {
        let other = CursorScope {
            chat_id: 3,
            ..scope.clone()
        };
        assert!(
            validation::decode_cursor(&other, cursor).is_none(),
            "a cursor crossed chats"
        );
        assert_eq!(
            validation::decode_cursor(&scope, &validation::encode_cursor(&scope, &decoded)),
            Some(decoded)
        );
    }
}

fn order_by(order_by: &str, cursor: &str) {
    let order = match validation::parse_order_by(order_by) {
        Ok(order) => {
            let terms = order.terms();
            assert!(
                terms.last().is_some_and(|t| t.column == ChatColumn::Id),
                "an order without the id as its last tie-break"
            );
            assert!(terms.len() <= ChatColumn::ALL.len(), "a column twice");
            assert_eq!(
                validation::parse_order_by(&order.spec()).as_ref(),
                Ok(&order),
                "the canonical spec is another order"
            );
            order
        }
        Err(issue) => {
            assert_eq!(issue.path, vec!["order_by".into()]);
            ChatOrder::newest_first()
        }
    };
    let all = ChatList::All;
    if let Some(last) = validation::decode_chat_cursor(1, all, &order, cursor) {
        assert_eq!(
            validation::encode_chat_cursor(UserId(1), all, &order, &last),
            cursor,
            "a cursor with two spellings"
        );
        assert!(
            validation::decode_chat_cursor(2, all, &order, cursor).is_none(),
            "a cursor crossed users"
        );
        assert!(
            validation::decode_chat_cursor(1, ChatList::Project(ProjectId(1)), &order, cursor)
                .is_none(),
            "a cursor crossed lists"
        );
    }
    if let Ok(query) =
        validation::parse_chat_list_query(UserId(1), all, None, Some(cursor), Some(order_by))
    {
        assert_eq!(query.after.is_some(), !cursor.is_empty());
    }
}
