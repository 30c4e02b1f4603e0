//! `order_by` on the chat list.

use super::*;
use neptun_core::ids::{ChatId, UserId};

const COLUMNS: [&str; 5] = ["id", "created_at", "updated_at", "name", "model"];

/// The sample chat and twelve more of user 1, with ties in every column but the id, and one
/// chat of user 2 that must never show.
fn context_with_chats() -> AppContext<MemoryStore> {
    let context = sample_chat_context();
    let at = |minute: u64| neptun_core::clock::rfc3339_ms(CREATED_MS + minute * 60_000);
    let rows: [(u64, &str, &str, u64, u64); 12] = [
        (1, "b", "gpt-4o", 1, 5),
        (2, "a", "gpt-4o", 2, 5),
        (3, "b", "llama", 2, 5),
        (4, "B", "gpt-4o", 3, 7),
        (5, "é", "", 3, 7),
        (6, "a", "llama", 4, 6),
        (7, "z", "", 5, 5),
        (8, "b", "gpt-4o", 5, 6),
        (9, "Ä", "mistral", 6, 7),
        (10, "a", "gpt-4o", 6, 5),
        (11, "b", "llama", 7, 7),
        (12, "a b", "gpt-4o", 7, 6),
    ];
    for (id, name, model, created, updated) in rows {
        context.store.insert_chat(Chat {
            id: neptun_core::ids::ChatId(id),
            name: name.into(),
            model: model.into(),
            neptun_user_id: USER,
            project_id: None,
            created_at: at(created),
            updated_at: at(updated),
        });
    }
    context.store.insert_chat(Chat {
        id: ChatId(13),
        name: "other user".into(),
        model: String::new(),
        neptun_user_id: UserId(2),
        project_id: None,
        created_at: at(1),
        updated_at: at(1),
    });
    context
}

/// The ids of user 1's chats sorted by `pairs` and then id descending, computed here on the
/// listed chats (independently of the store): texts by bytes, timestamps as text.
fn expected_ids(chats: &[Value], pairs: &[(&str, &str)]) -> Vec<u64> {
    let mut chats = chats.to_vec();
    chats.sort_by(|a, b| {
        for (column, direction) in pairs.iter().chain(&[("id", "desc")]) {
            let ordering = match *column {
                "id" => a["id"].as_u64().cmp(&b["id"].as_u64()),
                _ => a[column]
                    .as_str()
                    .map(str::as_bytes)
                    .cmp(&b[column].as_str().map(str::as_bytes)),
            };
            let ordering = if *direction == "desc" {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        std::cmp::Ordering::Equal
    });
    chats.iter().filter_map(|c| c["id"].as_u64()).collect()
}

fn ids_of(page: &Value) -> Vec<u64> {
    page["chats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_u64())
        .collect()
}

/// Every page of the chat list under `query` (`order_by=...` or empty), `limit` a page.
async fn all_pages(context: &AppContext<MemoryStore>, query: &str, limit: usize) -> Vec<Vec<u64>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut params = vec![format!("limit={limit}")];
        params.extend((!query.is_empty()).then(|| query.to_owned()));
        params.extend(cursor.iter().map(|c| format!("cursor={c}")));
        let (status, page) = list_page(
            context,
            Function::ListChats,
            "list-chats/200-list.json",
            &params.join("&"),
        )
        .await;
        assert_eq!(status, 200, "{query}: {page}");
        let ids = ids_of(&page);
        assert!(ids.len() <= limit, "{query}: {page}");
        pages.push(ids);
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
    }
    panic!("{query}: no last page");
}

#[tokio::test]
async fn the_dashboards_order() {
    let context = context_with_chats();
    let (status, all) = call(
        &context,
        Function::ListChats,
        event("list-chats/200-list.json"),
    )
    .await;
    assert_eq!(status, 200, "{all}");
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    assert_eq!(chats.len(), 13, "user 1's chats only");

    let (status, page) = call(
        &context,
        Function::ListChats,
        event("list-chats/200-order-by-dashboard.json"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let expected = expected_ids(
        &chats,
        &[("updated_at", "desc"), ("name", "desc"), ("model", "desc")],
    );
    assert_eq!(ids_of(&page), expected);
    // Ties on the newest updated_at by name, in UTF-8 bytes: "é" > "Ä" > "b" > "B".
    assert_eq!(&expected[..4], &[5, 9, 11, 4]);
    assert!(page.get("nextCursor").is_none(), "{page}");
}

#[tokio::test]
async fn every_column_in_both_directions() {
    let context = context_with_chats();
    let (_, all) = call(
        &context,
        Function::ListChats,
        event("list-chats/200-list.json"),
    )
    .await;
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    for column in COLUMNS {
        for direction in ["asc", "desc"] {
            let query = format!("order_by={column}:{direction}");
            let (status, page) = list_page(
                &context,
                Function::ListChats,
                "list-chats/200-list.json",
                &query,
            )
            .await;
            assert_eq!(status, 200, "{query}: {page}");
            assert_eq!(
                ids_of(&page),
                expected_ids(&chats, &[(column, direction)]),
                "{query}"
            );
        }
    }
    // Without order_by: newest first, as before.
    assert_eq!(ids_of(&all), expected_ids(&chats, &[("id", "desc")]));
}

#[tokio::test]
async fn pages_under_every_order_hold_each_chat_once() {
    let context = context_with_chats();
    let (_, all) = call(
        &context,
        Function::ListChats,
        event("list-chats/200-list.json"),
    )
    .await;
    let chats = all["chats"].as_array().cloned().unwrap_or_default();
    let mut orders: Vec<Vec<(&str, &str)>> = vec![
        vec![("updated_at", "desc"), ("name", "desc"), ("model", "desc")],
        vec![("model", "asc"), ("name", "asc")],
        vec![("created_at", "asc"), ("updated_at", "desc")],
    ];
    for column in COLUMNS {
        orders.push(vec![(column, "asc")]);
        orders.push(vec![(column, "desc")]);
    }
    for pairs in orders {
        let spec: Vec<String> = pairs.iter().map(|(c, d)| format!("{c}:{d}")).collect();
        let query = format!("order_by={}", spec.join(","));
        let expected = expected_ids(&chats, &pairs);
        for limit in [1, 2, 5] {
            let pages = all_pages(&context, &query, limit).await;
            let seen: Vec<u64> = pages.concat();
            assert_eq!(seen, expected, "{query}, limit {limit}: {pages:?}");
        }
    }
}

#[tokio::test]
async fn a_page_stays_correct_when_chats_change_between_pages() {
    let context = context_with_chats();
    let query = "order_by=name:asc";
    let (_, first) = list_page(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        &format!("{query}&limit=4"),
    )
    .await;
    let cursor = first["nextCursor"].as_str().unwrap_or_default().to_owned();
    // Bytes: "B" < "Sample chat" < "a" (ids 10, 6, 2: ties newest first) < "a b" < "b" ...
    assert_eq!(ids_of(&first), [4, CHAT.get(), 10, 6]);
    // Between the pages a chat appears before the cursor and one after it is renamed: the next
    // page starts right after the cursor's values all the same.
    let at = neptun_core::clock::rfc3339_ms(CREATED_MS);
    let chat = |id: u64, name: &str| Chat {
        id: neptun_core::ids::ChatId(id),
        name: name.into(),
        model: String::new(),
        neptun_user_id: USER,
        project_id: None,
        created_at: at.clone(),
        updated_at: at.clone(),
    };
    context.store.insert_chat(chat(99, "A"));
    context.store.insert_chat(chat(2, "a c"));
    let (status, second) = list_page(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        &format!("{query}&limit=4&cursor={cursor}"),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(ids_of(&second), [12, 2, 11, 8]);
}

#[tokio::test]
async fn a_bad_order_by_is_400_naming_it() {
    let context = context_with_chats();
    let (status, body) = call(
        &context,
        Function::ListChats,
        event("list-chats/400-bad-order-by.json"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid query parameters."
    );
    assert_eq!(body["data"]["issues"][0]["path"], json!(["order_by"]));
    assert_eq!(body["data"]["issues"][0]["code"], "custom");
    for bad in [
        "order_by=name",
        "order_by=name:asc,",
        "order_by=title:asc",
        "order_by=NAME:ASC",
        "order_by=name:asc%20",
    ] {
        let (status, body) = list_page(
            &context,
            Function::ListChats,
            "list-chats/200-list.json",
            bad,
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
        let paths: Vec<&Value> = body["data"]["issues"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| &i["path"])
            .collect();
        assert_eq!(paths, [&json!(["order_by"])], "{bad}");
    }
    // With a bad limit too: both are named.
    let (status, body) = list_page(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        "order_by=x:y&limit=0",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let paths: Vec<&Value> = body["data"]["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| &i["path"])
        .collect();
    assert_eq!(paths, [&json!(["limit"]), &json!(["order_by"])]);
}

#[tokio::test]
async fn a_cursor_only_continues_the_order_it_was_made_in() {
    let context = context_with_chats();
    let cursor_of = |page: &Value| page["nextCursor"].as_str().unwrap_or_default().to_owned();
    let (_, by_name) = list_page(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        "order_by=name:asc&limit=2",
    )
    .await;
    let (_, newest) = list_page(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        "limit=2",
    )
    .await;
    let (name_cursor, id_cursor) = (cursor_of(&by_name), cursor_of(&newest));
    assert!(!name_cursor.is_empty() && !id_cursor.is_empty());
    for (query, accepted) in [
        (format!("order_by=name:asc&cursor={name_cursor}"), true),
        // The same order spelled with its implied tie-break.
        (
            format!("order_by=name:asc,id:desc&cursor={name_cursor}"),
            true,
        ),
        (format!("order_by=name:desc&cursor={name_cursor}"), false),
        (
            format!("order_by=name:asc,model:asc&cursor={name_cursor}"),
            false,
        ),
        (format!("cursor={name_cursor}"), false),
        (format!("order_by=id:desc&cursor={id_cursor}"), false),
        (format!("cursor={id_cursor}"), true),
    ] {
        let (status, body) = list_page(
            &context,
            Function::ListChats,
            "list-chats/200-list.json",
            &query,
        )
        .await;
        if accepted {
            assert_eq!(status, 200, "{query}: {body}");
        } else {
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(
                body["data"]["issues"][0]["path"],
                json!(["cursor"]),
                "{query}"
            );
        }
    }
    // Another user's cursor under the same order.
    let other = event_with("list-chats/200-list.json", |e| {
        set_path(e, "/api/users/2/chats");
        set_raw_query(e, &format!("order_by=name:asc&cursor={name_cursor}"));
    });
    assert_eq!(
        call(&context, Function::ListChats, other).await.0,
        401,
        "not the session's user"
    );
}
