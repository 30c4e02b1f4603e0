//! Shares on DynamoDB Local: a share made and read through the routes, every branch of the
//! public read, a share replaced or deleted while it is read, and users kept apart.

use neptun_core::ids::{ChatId, UserId};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{RETRY_AFTER, SET_COOKIE};
use neptun_core::clock::now_ms;
use neptun_core::context::AppContext;
use neptun_core::functions::Function;
use neptun_core::shares::attempts::MAX_ATTEMPTS_PER_MINUTE;
use neptun_dynamo::DynamoStore;
use neptun_tests::*;
use serde_json::{Value, json};

/// Between two reads of a racing reader.
const READ_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

fn session(user: UserId, email: Option<&str>) -> String {
    let now = now_ms();
    let token = match email {
        Some(email) => dev_session().seal_user_with_email(UserId(user.get()), email, None, now),
        None => dev_session().seal_user(UserId(user.get()), None, now),
    };
    format!("neptun-session={token}")
}

/// `function`'s sample event as `user`, on `path`, with `body` if given.
async fn as_user(
    context: &AppContext<DynamoStore>,
    user: &str,
    function: Function,
    sample: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    send(context, function, sample, |e| {
        set_path(e, path);
        e["cookies"] = json!([user]);
        if let Some(body) = body {
            set_body(e, body);
        }
    })
    .await
}

/// A new chat of `user` with `messages` user messages; its id.
async fn chat_with_messages(
    context: &AppContext<DynamoStore>,
    user: (u64, &str),
    messages: usize,
) -> u64 {
    let (id, cookie) = user;
    let (status, created) = as_user(
        context,
        cookie,
        Function::CreateChat,
        "create-chat/200-create.json",
        &format!("/api/users/{id}/chats"),
        Some(json!({"name": "To share"})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let chat = created["chat"]["id"].as_u64().unwrap_or_default();
    let batch: Vec<Value> = (0..messages)
        .map(|n| json!({"content": format!("message {n}"), "role": "user"}))
        .collect();
    if !batch.is_empty() {
        let (status, body) = as_user(
            context,
            cookie,
            Function::CreateChatMessages,
            "create-chat-messages/200-batch.json",
            &format!("/api/users/{id}/chats/{chat}/messages"),
            Some(json!({ "messages": batch })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    chat
}

async fn share(
    context: &AppContext<DynamoStore>,
    user: (u64, &str),
    chat: ChatId,
    settings: Value,
) -> Value {
    let (status, body) = as_user(
        context,
        user.1,
        Function::CreateChatShare,
        "create-chat-share/200-public.json",
        &format!("/api/users/{}/chats/{chat}/shares", user.0),
        Some(settings),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["share"].clone()
}

/// The public read: status, body, `Set-Cookie` (`name=value`), `Retry-After`.
async fn read(
    context: &AppContext<DynamoStore>,
    uuid: &str,
    query: &str,
    password: Option<&str>,
    cookies: &[String],
) -> (u16, Value, Option<String>, Option<String>) {
    let request = event_with("get-shared-chat/200-public.json", |e| {
        set_path(e, &format!("/api/shared/chats/{uuid}"));
        set_raw_query(e, query);
        e["cookies"] = json!(cookies);
        if let Some(password) = password {
            let credentials = STANDARD.encode(format!(":{password}"));
            e["headers"]["authorization"] = json!(format!("Basic {credentials}"));
        }
    });
    let response = invoke(context, Function::GetSharedChat, request).await;
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let cookie = header(SET_COOKIE).and_then(|v| v.split(';').next().map(str::to_owned));
    let retry = header(RETRY_AFTER);
    let (status, body) = json_of(response);
    (status, body, cookie, retry)
}

fn uuid_of(share: &Value) -> String {
    share["share_uuid"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_branch_of_the_public_read() {
    let context = context().await;
    let owner = (70_001, session(UserId(70_001), Some("owner@example.com")));
    let owner = (owner.0, owner.1.as_str());
    let chat = chat_with_messages(&context, owner, 5).await;

    // Unknown and malformed links: nothing about any share.
    for uuid in ["0b6f3a52-8f0e-4c5a-9d8e-2f1b7c3d4e5f", "nope"] {
        let (status, body, _, _) = read(&context, uuid, "", None, &[]).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["data"]["shareInfo"]["shareExists"], false);
    }
    let inactive = share(&context, owner, ChatId(chat), json!({"is_shared": false})).await;
    let uuid = uuid_of(&inactive);
    let (status, body, _, _) = read(&context, &uuid, "", None, &[]).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["data"]["shareInfo"]["shareExists"], true);

    // Public: pages of 2, in order.
    let public = share(&context, owner, ChatId(chat), json!({})).await;
    assert_eq!(uuid_of(&public), uuid, "a replace keeps the link");
    let mut texts = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let (status, page, _, _) = read(&context, &uuid, &query, None, &[]).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["shareInfo"]["shareIsActive"], true);
        for message in page["chatMessages"].as_array().into_iter().flatten() {
            texts.push(message["message"].as_str().unwrap_or_default().to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..5).map(|n| format!("message {n}")).collect();
    assert_eq!(texts, expected);
    let (status, body, _, _) = read(&context, &uuid, "cursor=bad", None, &[]).await;
    assert_eq!(status, 400, "{body}");

    // A password and a whitelist: both must pass.
    share(
        &context,
        owner,
        ChatId(chat),
        json!({"is_protected": true, "hashed_password": "open sesame"}),
    )
    .await;
    let (status, entries) = as_user(
        &context,
        owner.1,
        Function::CreateShareWhitelistEntries,
        "create-share-whitelist-entries/200-add.json",
        &format!(
            "/api/users/{}/chats/{chat}/shares/{}/whitelist-entries",
            owner.0, public["id"]
        ),
        Some(json!(["Viewer@Example.com"])),
    )
    .await;
    assert_eq!(status, 200, "{entries}");
    assert_eq!(
        entries["shareWhitelistEntries"].as_array().map(Vec::len),
        Some(2)
    );
    let viewer = session(UserId(80_001), Some("viewer@example.com"));
    let stranger = session(UserId(80_002), Some("stranger@example.com"));

    let (status, body, _, _) = read(&context, &uuid, "", Some("open sesame"), &[]).await;
    assert_eq!(
        (status, &body["statusMessage"]),
        (401, &json!("Unauthorized (not logged in)"))
    );
    let (status, body, _, _) = read(&context, &uuid, "", Some("open sesame"), &[stranger]).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["data"]["shareInfo"]["shareHasWhitelist"], true);
    let (status, body, _, _) = read(&context, &uuid, "", None, std::slice::from_ref(&viewer)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["statusMessage"],
        "Unauthorized (incorrect credentials)"
    );
    let (status, body, cookie, _) = read(
        &context,
        &uuid,
        "limit=1",
        Some("open sesame"),
        std::slice::from_ref(&viewer),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.unwrap_or_default();
    assert!(cookie.starts_with("neptun-share="), "{cookie}");
    let next = body["nextCursor"].as_str().unwrap_or_default().to_owned();
    let (status, body, again, _) = read(
        &context,
        &uuid,
        &format!("cursor={next}"),
        None,
        &[viewer.clone(), cookie.clone()],
    )
    .await;
    assert_eq!(status, 200, "the next page needs no password: {body}");
    assert_eq!(again, None);

    // Wrong passwords: 401 up to the limit, then 429 with Retry-After, even for the right one.
    // All of them within one minute of the clock: late in a minute, wait for the next one.
    let second = now_ms() / 1000 % 60;
    if second > 40 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - second)).await;
    }
    for attempt in 1..=MAX_ATTEMPTS_PER_MINUTE {
        let (status, _, _, _) = read(
            &context,
            &uuid,
            "",
            Some("guess"),
            std::slice::from_ref(&viewer),
        )
        .await;
        assert!(
            status == 401 || status == 429,
            "attempt {attempt}: {status}"
        );
        if status == 429 {
            // The minute turned between two attempts: the count started again.
            return;
        }
    }
    let (status, body, _, retry) = read(
        &context,
        &uuid,
        "",
        Some("open sesame"),
        std::slice::from_ref(&viewer),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    let retry: u64 = retry.and_then(|r| r.parse().ok()).unwrap_or_default();
    assert!((1..=60).contains(&retry), "{retry}");
    let (status, _, _, _) = read(&context, &uuid, "", None, &[viewer, cookie]).await;
    assert_eq!(status, 200, "the access cookie still reads");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_replaced_while_it_is_read_is_old_or_new_never_broken() {
    let context = Arc::new(context().await);
    let owner = session(UserId(70_002), None);
    let owner = (70_002, owner.as_str());
    let chat = chat_with_messages(&context, owner, 3).await;
    let uuid = uuid_of(&share(&context, owner, ChatId(chat), json!({})).await);
    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (context, done, uuid) = (context.clone(), done.clone(), uuid.clone());
        readers.push(tokio::spawn(async move {
            let mut seen = (0, 0);
            while !done.load(Ordering::SeqCst) {
                // Paced: the engine is shared with every other test running meanwhile.
                tokio::time::sleep(READ_PAUSE).await;
                let (status, body, _, _) = read(&context, &uuid, "", None, &[]).await;
                match status {
                    200 => {
                        assert_eq!(body["shareInfo"]["shareIsPrivate"], false, "{body}");
                        assert_eq!(body["chatMessages"].as_array().map(Vec::len), Some(3));
                        seen.0 += 1;
                    }
                    401 => {
                        assert_eq!(body["data"]["shareInfo"]["shareHasPassword"], true);
                        seen.1 += 1;
                    }
                    other => panic!("{other}: {body}"),
                }
            }
            seen
        }));
    }
    for round in 0..12 {
        let settings = if round % 2 == 0 {
            json!({"is_protected": true, "hashed_password": format!("pw {round}")})
        } else {
            json!({})
        };
        let replaced = share(&context, owner, ChatId(chat), settings).await;
        assert_eq!(uuid_of(&replaced), uuid);
    }
    done.store(true, Ordering::SeqCst);
    let mut total = (0, 0);
    for reader in readers {
        let seen = reader.await.unwrap_or_else(|error| panic!("{error}"));
        total = (total.0 + seen.0, total.1 + seen.1);
    }
    assert!(total.0 + total.1 > 0, "the readers read");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_racing_reads_is_seen_by_every_read_after_it() {
    for deletion in [
        Function::DeleteChatShare,
        Function::DeleteChat,
        Function::DeleteChats,
    ] {
        let context = Arc::new(context().await);
        let user = 70_100 + deletion as u64;
        let owner = session(UserId(user), None);
        let owner = (user, owner.as_str());
        let chat = chat_with_messages(&context, owner, 2).await;
        let uuid = uuid_of(&share(&context, owner, ChatId(chat), json!({})).await);
        let deleted = Arc::new(AtomicBool::new(false));
        let mut readers = Vec::new();
        for _ in 0..4 {
            let (context, deleted, uuid) = (context.clone(), deleted.clone(), uuid.clone());
            readers.push(tokio::spawn(async move {
                let mut after = 0;
                while after < 3 {
                    tokio::time::sleep(READ_PAUSE).await;
                    let was_deleted = deleted.load(Ordering::SeqCst);
                    let (status, body, _, _) = read(&context, &uuid, "", None, &[]).await;
                    if was_deleted {
                        assert_eq!(status, 404, "a read after the delete: {body}");
                        after += 1;
                    } else {
                        assert!(status == 200 || status == 404, "{status}: {body}");
                    }
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (sample, path, body) = match deletion {
            Function::DeleteChatShare => (
                "delete-chat-share/200-delete.json",
                format!("/api/users/{user}/chats/{chat}/shares"),
                None,
            ),
            Function::DeleteChat => (
                "delete-chat/200-delete.json",
                format!("/api/users/{user}/chats/{chat}"),
                None,
            ),
            _ => (
                "delete-chats/200-erase-all.json",
                format!("/api/users/{user}/chats"),
                Some(json!({"all": true})),
            ),
        };
        let (status, answer) = send(&context, deletion, sample, |e| {
            set_path(e, &path);
            e["cookies"] = json!([owner.1]);
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
            if let Some(body) = body {
                set_body(e, body);
            }
        })
        .await;
        assert_eq!((status, answer), (200, json!(true)), "{deletion}");
        deleted.store(true, Ordering::SeqCst);
        for reader in readers {
            reader
                .await
                .unwrap_or_else(|error| panic!("{deletion}: {error}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_user_gets_nothing_of_a_share() {
    let context = context().await;
    let (alice, bob) = (
        session(UserId(70_201), Some("alice@example.com")),
        session(UserId(70_202), None),
    );
    let chat = chat_with_messages(&context, (70_201, &alice), 1).await;
    let shared = share(&context, (70_201, &alice), ChatId(chat), json!({})).await;
    let bobs_chat = chat_with_messages(&context, (70_202, &bob), 1).await;
    let shares = format!("/api/users/70201/chats/{chat}/shares");
    let whitelist = format!("{shares}/{}/whitelist-entries", shared["id"]);
    for (function, sample, path, body) in [
        (
            Function::GetChatShare,
            "get-chat-share/200-shared.json",
            shares.clone(),
            None,
        ),
        (
            Function::CreateChatShare,
            "create-chat-share/200-public.json",
            shares.clone(),
            Some(json!({})),
        ),
        (
            Function::DeleteChatShare,
            "delete-chat-share/200-delete.json",
            shares.clone(),
            None,
        ),
        (
            Function::CreateShareWhitelistEntries,
            "create-share-whitelist-entries/200-add.json",
            whitelist,
            Some(json!(["bob@example.com"])),
        ),
    ] {
        let (status, answer) = as_user(&context, &bob, function, sample, &path, body.clone()).await;
        assert_eq!(status, 401, "{function}: {answer}");
        // Bob's own path with Alice's chat id: no such chat of his.
        let own = path.replace("/users/70201/", "/users/70202/");
        let (status, answer) = as_user(&context, &bob, function, sample, &own, body).await;
        assert_eq!(status, 404, "{function}: {answer}");
    }
    let (status, answer) = as_user(
        &context,
        &bob,
        Function::GetChatShare,
        "get-chat-share/200-shared.json",
        &format!("/api/users/70202/chats/{bobs_chat}/shares"),
        None,
    )
    .await;
    assert_eq!((status, answer), (200, Value::Null));
    let (status, body, _, _) = read(&context, &uuid_of(&shared), "", None, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["chatMessages"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|message| message["neptun_user_id"] == 70_201)
    );
}

/// Fifty guesses at a protected share sent at once, the right password among them, through the
/// handler with real concurrency on DynamoDB Local: each takes one of the minute's attempts
/// before its Argon2id verification, so at most ten are verified; the rest are 429 at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_guesses_at_once_verify_at_most_ten_passwords() {
    const GUESSES: usize = 50;
    // All in one minute of the clock: a new minute would give ten attempts more.
    let into_minute = now_ms() / 1000 % 60;
    if into_minute > 50 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - into_minute)).await;
    }
    let context = Arc::new(context().await);
    seed_sample_data(&context.store).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(GUESSES));
    let mut guesses = tokio::task::JoinSet::new();
    for guess in 0..GUESSES {
        let (context, barrier) = (context.clone(), barrier.clone());
        guesses.spawn(async move {
            let request = event_with("get-shared-chat/200-password.json", |e| {
                if guess != GUESSES / 2 {
                    let wrong = STANDARD.encode(format!(":wrong guess {guess}"));
                    e["headers"]["authorization"] = json!(format!("Basic {wrong}"));
                }
            });
            barrier.wait().await;
            let response = invoke(&*context, Function::GetSharedChat, request).await;
            response.status().as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = guesses.join_next().await {
        statuses.push(status.expect("a guess"));
    }
    let verified = statuses.iter().filter(|&&status| status != 429).count();
    assert!(
        verified as u64 <= MAX_ATTEMPTS_PER_MINUTE,
        "{verified} verified: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|status| [200, 401, 429].contains(status)),
        "{statuses:?}"
    );
    assert_eq!(statuses.len(), GUESSES);
}
