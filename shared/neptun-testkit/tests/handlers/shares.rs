//! The share routes on the memory store: what the owner sees, and every branch of the public
//! read (links, passwords and their cookie, the limit on wrong passwords, whitelists).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::{CACHE_CONTROL, RETRY_AFTER, SET_COOKIE};
use neptun_core::ids::UserId;
use neptun_core::shares::attempts::MAX_ATTEMPTS_PER_MINUTE;
use neptun_testkit::events::json_of;
use neptun_testkit::sample::{
    SAMPLE_CHAT_TO_SHARE as CHAT_TO_SHARE, SAMPLE_LISTED_EMAIL, SAMPLE_PASSWORD_SHARE,
    SAMPLE_PUBLIC_SHARE, SAMPLE_SHARE_PASSWORD, SAMPLE_WHITELIST_SHARE, SAMPLE_WHITELIST_SHARE_ID,
    dev_session,
};

use super::*;

/// The public read of `uuid` with these headers and cookies (`name=value`).
fn read_request(uuid: &str, headers: &[(&str, &str)], cookies: &[String]) -> Request {
    event_with("get-shared-chat/200-public.json", |e| {
        set_path(e, &format!("/api/shared/chats/{uuid}"));
        for (name, value) in headers {
            e["headers"][*name] = json!(value);
        }
        e["cookies"] = json!(cookies);
    })
}

fn basic(password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!(":{password}")))
}

async fn read(
    context: &AppContext<MemoryStore>,
    uuid: &str,
    headers: &[(&str, &str)],
    cookies: &[String],
) -> (u16, Value, HeaderMap) {
    let response = invoke(
        context,
        Function::GetSharedChat,
        read_request(uuid, headers, cookies),
    )
    .await;
    let headers = response.headers().clone();
    let (status, body) = json_of(response);
    (status, body, headers)
}

/// `name=value` of the response's `Set-Cookie`, if it set one.
fn set_cookie(headers: &HeaderMap) -> Option<String> {
    let header = headers.get(SET_COOKIE)?.to_str().ok()?;
    header.split(';').next().map(str::to_owned)
}

async fn share_chat(context: &AppContext<MemoryStore>, body: Value) -> (u16, Value) {
    let request = event_with("create-chat-share/200-public.json", |e| set_body(e, body));
    call(context, Function::CreateChatShare, request).await
}

fn session_with_email(user: UserId, email: &str) -> String {
    let token = dev_session().seal_user_with_email(user, email, None, neptun_core::clock::now_ms());
    format!("neptun-session={token}")
}

#[tokio::test]
async fn a_share_is_created_then_replaced_keeping_its_link() {
    let context = context();
    let get = || event("get-chat-share/200-shared.json");
    let (status, body) = call(&context, Function::GetChatShare, get()).await;
    assert_eq!((status, body), (200, json!(SAMPLE_PUBLIC_SHARE)));

    let unshared = event_with("get-chat-share/200-shared.json", |e| {
        set_path(e, &format!("/api/users/1/chats/{CHAT_TO_SHARE}/shares"));
    });
    let (status, body) = call(&context, Function::GetChatShare, unshared).await;
    assert_eq!((status, body), (200, Value::Null));

    let (status, first) = share_chat(&context, json!({})).await;
    assert_eq!(status, 200, "{first}");
    let share = &first["share"];
    assert_eq!(share["is_shared"], true);
    assert_eq!(share["is_protected"], false);
    assert_eq!(share["has_password"], false);
    assert_eq!(share["chat_conversation_id"], CHAT_TO_SHARE.get());
    let (status, second) = share_chat(
        &context,
        json!({"is_protected": true, "hashed_password": "s3cret"}),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["share"]["share_uuid"], share["share_uuid"]);
    assert_eq!(second["share"]["id"], share["id"]);
    assert_eq!(second["share"]["has_password"], true);
    assert!(!second.to_string().contains("s3cret"));
    assert!(!second.to_string().contains("argon2"));
}

#[tokio::test]
async fn share_bodies_are_checked_and_every_answer_is_never_cached() {
    let context = context();
    for function in [
        Function::CreateChatShare,
        Function::GetChatShare,
        Function::DeleteChatShare,
        Function::CreateShareWhitelistEntries,
        Function::GetSharedChat,
    ] {
        for sample in sample_events().iter().filter(|s| s.function == function) {
            let response = invoke(&context, function, sample.request()).await;
            assert_eq!(
                response.headers().get(CACHE_CONTROL).map(|v| v.as_bytes()),
                Some(&b"no-store"[..]),
                "events/{}",
                sample.path()
            );
        }
    }
    let (status, body) = call(
        &context,
        Function::CreateChatShare,
        event("create-chat-share/400-wrong-types.json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["statusMessage"],
        "Bad Request. Invalid body({ is_shared?(true), is_protected?(false), hashed_password?(null) })."
    );
    assert_eq!(body["data"]["issues"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_public_share_is_read_page_by_page() {
    let context = context();
    let (status, body, headers) = read(&context, SAMPLE_PUBLIC_SHARE, &[], &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chatMessages"][0]["message"], "What is Python?");
    assert_eq!(body["shareInfo"]["shareExists"], true);
    assert_eq!(body["shareInfo"]["shareIsPrivate"], false);
    assert_eq!(set_cookie(&headers), None);
    add_messages(&context, 3).await;
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let request = event_with("get-shared-chat/200-public.json", |e| {
            set_raw_query(e, &query);
        });
        let (status, page) = call(&context, Function::GetSharedChat, request).await;
        assert_eq!(status, 200, "{page}");
        for message in page["chatMessages"].as_array().into_iter().flatten() {
            seen.push(message["id"].as_u64().unwrap_or_default());
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
}

#[tokio::test]
async fn unknown_malformed_and_inactive_links_are_not_found() {
    let context = context();
    for (file, exists) in [
        ("404-unknown.json", false),
        ("404-malformed.json", false),
        ("404-not-shared.json", true),
    ] {
        let sample = format!("get-shared-chat/{file}");
        let (status, body) = call(&context, Function::GetSharedChat, event(&sample)).await;
        assert_eq!(status, 404, "{file}: {body}");
        assert_eq!(body["statusMessage"], "Not Found (share not found)");
        assert_eq!(body["data"]["shareInfo"]["shareExists"], exists, "{file}");
        assert_eq!(body["data"]["shareInfo"]["shareIsActive"], false, "{file}");
    }
}

#[tokio::test]
async fn a_password_is_asked_once_then_its_cookie_reads_the_next_pages() {
    let context = context();
    let (status, body, headers) = read(&context, SAMPLE_PASSWORD_SHARE, &[], &[]).await;
    assert_eq!(status, 401);
    assert_eq!(
        body["statusMessage"],
        "Unauthorized (incorrect credentials)"
    );
    assert_eq!(body["data"]["shareInfo"]["shareHasPassword"], true);
    assert!(!headers.contains_key(http::header::WWW_AUTHENTICATE));

    let right = basic(SAMPLE_SHARE_PASSWORD);
    let (status, body, headers) = read(
        &context,
        SAMPLE_PASSWORD_SHARE,
        &[("authorization", &right)],
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let header = headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Max-Age=900"] {
        assert!(header.contains(attribute), "{header}");
    }
    assert!(header.contains(&format!("Path=/api/shared/chats/{SAMPLE_PASSWORD_SHARE}")));
    let cookie = set_cookie(&headers).unwrap_or_default();
    let (status, _, headers) = read(
        &context,
        SAMPLE_PASSWORD_SHARE,
        &[],
        std::slice::from_ref(&cookie),
    )
    .await;
    assert_eq!(status, 200, "the cookie stands in for the password");
    assert_eq!(set_cookie(&headers), None, "and is not renewed");
    let (status, _, _) = read(
        &context,
        SAMPLE_WHITELIST_SHARE,
        &[],
        std::slice::from_ref(&cookie),
    )
    .await;
    assert_eq!(status, 401, "it reads no other share");

    // A new password: the cookie given for the old one is worthless.
    let request = event_with("create-chat-share/200-password.json", |e| {
        set_path(e, &format!("/api/users/1/chats/{}/shares", 1004));
    });
    assert_eq!(
        call(&context, Function::CreateChatShare, request).await.0,
        200
    );
    let (status, _, _) = read(
        &context,
        SAMPLE_PASSWORD_SHARE,
        &[],
        std::slice::from_ref(&cookie),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, _) = read(
        &context,
        SAMPLE_PASSWORD_SHARE,
        &[("authorization", &right)],
        &[],
    )
    .await;
    assert_eq!(status, 401, "the old password is gone too");
}

#[tokio::test]
async fn password_attempts_are_limited_per_minute_and_share() {
    let context = context();
    let right = basic(SAMPLE_SHARE_PASSWORD);
    let (_, _, headers) = read(
        &context,
        SAMPLE_PASSWORD_SHARE,
        &[("authorization", &right)],
        &[],
    )
    .await;
    let cookie = set_cookie(&headers).unwrap_or_default();
    let wrong = basic("guess");
    // The right password took the minute's first attempt.
    for attempt in 2..=MAX_ATTEMPTS_PER_MINUTE {
        let (status, _, _) = read(
            &context,
            SAMPLE_PASSWORD_SHARE,
            &[("authorization", &wrong)],
            &[],
        )
        .await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    for password in [&wrong, &right] {
        let (status, body, headers) = read(
            &context,
            SAMPLE_PASSWORD_SHARE,
            &[("authorization", password)],
            &[],
        )
        .await;
        assert_eq!(status, 429, "{body}");
        let retry: u64 = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or_default();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(body["data"]["shareInfo"]["shareHasPassword"], true);
    }
    let (status, _, _) = read(&context, SAMPLE_PASSWORD_SHARE, &[], &[cookie]).await;
    assert_eq!(status, 200, "a reader who gave the password reads on");
    let (status, _, _) = read(&context, SAMPLE_PASSWORD_SHARE, &[], &[]).await;
    assert_eq!(status, 401, "asking without a password is no attempt");
}

#[tokio::test]
async fn a_whitelist_needs_a_session_whose_email_is_listed() {
    let context = context();
    let (status, body, _) = read(&context, SAMPLE_WHITELIST_SHARE, &[], &[]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["data"]["shareInfo"]["shareHasWhitelist"], true);
    let stranger = session_with_email(UserId(5), "eve@example.com");
    let (status, body, _) = read(&context, SAMPLE_WHITELIST_SHARE, &[], &[stranger]).await;
    assert_eq!(status, 403);
    assert_eq!(body["statusMessage"], "Forbidden (not on whitelist)");
    let listed = session_with_email(UserId(5), &SAMPLE_LISTED_EMAIL.to_uppercase());
    let (status, body, _) = read(&context, SAMPLE_WHITELIST_SHARE, &[], &[listed]).await;
    assert_eq!(status, 200, "{body}");
    let forged = format!(
        "neptun-session={}",
        session_with_email(UserId(5), SAMPLE_LISTED_EMAIL).len()
    );
    let (status, _, _) = read(&context, SAMPLE_WHITELIST_SHARE, &[], &[forged]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn whitelist_entries_start_with_the_owners_email_and_list_each_once() {
    let context = context();
    let owner = session_with_email(USER, "Owner@Example.com");
    let request = event_with("create-share-whitelist-entries/200-add.json", |e| {
        e["cookies"] = json!([owner]);
        set_body(
            e,
            json!(["bob@example.org", "BOB@example.org ", "owner@example.com"]),
        );
    });
    let (status, body) = call(&context, Function::CreateShareWhitelistEntries, request).await;
    assert_eq!(status, 200, "{body}");
    let emails: Vec<&str> = body["shareWhitelistEntries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        [SAMPLE_LISTED_EMAIL, "owner@example.com", "bob@example.org"]
    );
    let entry = &body["shareWhitelistEntries"][1];
    assert_eq!(
        entry["chat_conversation_share_id"],
        SAMPLE_WHITELIST_SHARE_ID.get()
    );
    for field in ["id", "created_at", "updated_at"] {
        assert!(!entry[field].is_null(), "{field}");
    }
    let (status, body) = call(
        &context,
        Function::CreateShareWhitelistEntries,
        event("create-share-whitelist-entries/404-other-share.json"),
    )
    .await;
    assert_eq!(
        (status, &body["data"]["message"]),
        (404, &json!("Share not found"))
    );
}

#[tokio::test]
async fn a_deleted_share_or_chat_breaks_the_link_at_once() {
    let context = context();
    assert_eq!(read(&context, SAMPLE_PUBLIC_SHARE, &[], &[]).await.0, 200);
    let unshare = event_with("delete-chat-share/200-delete.json", |e| {
        set_path(e, "/api/users/1/chats/1000/shares");
    });
    let (status, body) = call(&context, Function::DeleteChatShare, unshare).await;
    assert_eq!((status, body), (200, json!(true)));
    assert_eq!(read(&context, SAMPLE_PUBLIC_SHARE, &[], &[]).await.0, 404);

    assert_eq!(
        read(&context, SAMPLE_WHITELIST_SHARE, &[], &[]).await.0,
        401
    );
    let delete = event_with("delete-chat/200-delete.json", |e| {
        set_path(e, &format!("/api/users/1/chats/{CHAT_TO_REGENERATE}"));
    });
    assert_eq!(call(&context, Function::DeleteChat, delete).await.0, 200);
    assert_eq!(
        read(&context, SAMPLE_WHITELIST_SHARE, &[], &[]).await.0,
        404
    );
}

#[tokio::test]
async fn another_user_reaches_no_share_route_of_the_owner() {
    let context = context();
    let other = session_with_email(UserId(USER.get() + 1), SAMPLE_LISTED_EMAIL);
    for sample in [
        "create-chat-share/200-public.json",
        "get-chat-share/200-shared.json",
        "delete-chat-share/200-delete.json",
        "create-share-whitelist-entries/200-add.json",
    ] {
        let function = Function::from_name(sample.split('/').next().unwrap_or_default());
        let request = event_with(sample, |e| e["cookies"] = json!([other]));
        let response = invoke(
            &context,
            function.unwrap_or(Function::GetChatShare),
            request,
        )
        .await;
        let (status, body) = json_of(response);
        assert_eq!(status, 401, "{sample}: {body}");
        assert!(!body.to_string().contains(SAMPLE_PUBLIC_SHARE), "{sample}");
    }
}
