//! Messages and files: their order and pages, the content of one file, what is not found, and
//! regenerate.

use neptun_core::clock::now_ms;
use neptun_core::model::{ChatList, LastExchange, Role};

use super::{all_pages, appended, created_chat, everything, fresh_user, new_file, outcome};
use neptun_core::store::ApiStore;

pub async fn messages_in_order_and_pages<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "messages").await;
    let empty = store
        .list_messages(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(empty.items.is_empty() && !empty.has_more);
    let mut sent = Vec::new();
    for batch in 0..3 {
        let texts: Vec<(Role, String)> = (0..7)
            .map(|n| (Role::ALL[n % 3], format!("batch {batch} message {n}")))
            .collect();
        let texts: Vec<(Role, &str)> = texts.iter().map(|(r, t)| (*r, t.as_str())).collect();
        let created = appended(store, user, chat.id, &texts).await;
        assert_eq!(created.len(), 7);
        assert!(created.windows(2).all(|pair| pair[0].id < pair[1].id));
        assert!(created.iter().all(|m| m.chat_conversation_id == chat.id));
        sent.extend(created);
    }
    let listed = store
        .list_messages(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(listed.items, sent);
    for limit in [1, 5, 21, 50] {
        let paged = all_pages(
            limit,
            |page| store.list_messages(user, chat.id, page),
            |m| m.id,
        )
        .await;
        assert_eq!(paged, sent, "pages of {limit}");
    }
}

pub async fn files_need_their_message<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "files").await;
    let other_chat = created_chat(store, user, "other").await;
    let messages = appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q"), (Role::Assistant, "a")],
    )
    .await;
    let foreign = appended(store, user, other_chat.id, &[(Role::User, "elsewhere")]).await;
    let files = store
        .attach_files(
            user,
            chat.id,
            messages[1].id,
            vec![new_file("a.py", "print(1)"), new_file("", "x = 2")],
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(files.len(), 2);
    assert!(files[0].id < files[1].id);
    assert!(
        files
            .iter()
            .all(|f| f.message_id == messages[1].id && f.chat_id == chat.id)
    );
    assert_eq!(
        (files[1].title.as_str(), files[1].text.as_str()),
        ("", "x = 2")
    );
    let listed = store
        .list_files(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(listed.items, files);
    let paged = all_pages(1, |page| store.list_files(user, chat.id, page), |f| f.id).await;
    assert_eq!(paged, files);
    for (what, message_id) in [
        ("an unknown message", messages[1].id + 7),
        ("another chat's message", foreign[0].id),
    ] {
        let attach = store
            .attach_files(
                user,
                chat.id,
                message_id,
                vec![new_file("b", "")],
                now_ms(),
                None,
            )
            .await;
        assert_eq!(outcome(&attach), "MessageNotFound", "{what}");
    }
    let nothing = store
        .list_files(user, other_chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(nothing.items.is_empty());
}

pub async fn file_content_by_id<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "content").await;
    let messages = appended(store, user, chat.id, &[(Role::Assistant, "code")]).await;
    let files = store
        .attach_files(
            user,
            chat.id,
            messages[0].id,
            (0..20)
                .map(|n| new_file(&format!("f{n}.py"), &format!("print({n})")))
                .collect(),
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    for file in [&files[0], &files[17], &files[19]] {
        let got = store
            .get_file(user, chat.id, file.id)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(&got, file);
    }
    let last = files[19].id;
    assert_eq!(
        outcome(&store.get_file(user, chat.id, last + 1).await),
        "FileNotFound"
    );
    assert_eq!(
        outcome(&store.get_file(fresh_user(), chat.id, last).await),
        "FileNotFound"
    );
}

pub async fn unknown_chats_are_not_found<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "known").await;
    let unknown = chat.id + 1;
    assert_eq!(
        outcome(&store.list_messages(user, unknown, everything()).await),
        "ChatNotFound"
    );
    assert_eq!(
        outcome(&store.list_files(user, unknown, everything()).await),
        "ChatNotFound"
    );
    let append = store
        .append_messages(
            user,
            unknown,
            vec![super::new_message(Role::User, "x")],
            now_ms(),
            None,
        )
        .await;
    assert_eq!(outcome(&append), "ChatNotFound");
    let attach = store
        .attach_files(user, unknown, 1, vec![new_file("a", "b")], now_ms(), None)
        .await;
    assert_eq!(outcome(&attach), "ChatNotFound");
    assert_eq!(
        outcome(&store.delete_last_exchange(user, unknown, None).await),
        "ChatNotFound"
    );
    assert_eq!(
        outcome(&store.delete_chat(user, unknown, ChatList::All, None).await),
        "ChatNotFound"
    );
    // The chat of another user with this id.
    assert_eq!(
        outcome(
            &store
                .list_messages(fresh_user(), chat.id, everything())
                .await
        ),
        "ChatNotFound"
    );
}

pub async fn regenerate_deletes_the_last_exchange_and_its_files<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "regenerate").await;
    assert_eq!(
        outcome(&store.delete_last_exchange(user, chat.id, None).await),
        "NoMessages"
    );
    let first = appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q1"), (Role::Assistant, "a1")],
    )
    .await;
    let last = appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q2"), (Role::Assistant, "a2")],
    )
    .await;
    store
        .attach_files(
            user,
            chat.id,
            last[1].id,
            vec![new_file("", "code")],
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let kept_file = store
        .attach_files(
            user,
            chat.id,
            first[1].id,
            vec![new_file("k", "kept")],
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    let deleted = store
        .delete_last_exchange(user, chat.id, None)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(
        deleted,
        LastExchange::Answer {
            answer: last[1].clone(),
            question: Some(last[0].clone()),
        }
    );
    let messages = store
        .list_messages(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    assert_eq!(messages, first);
    let files = store
        .list_files(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    assert_eq!(files, kept_file);
}

pub async fn regenerate_deletes_trailing_questions<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "failed answers").await;
    let answered = appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q1"), (Role::Assistant, "a1")],
    )
    .await;
    let questions = appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q2"), (Role::User, "q3")],
    )
    .await;
    let deleted = store
        .delete_last_exchange(user, chat.id, None)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(
        deleted,
        LastExchange::Unanswered {
            deleted: questions.iter().map(|m| m.id).collect(),
            failed: Vec::new(),
        }
    );
    let messages = store
        .list_messages(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    assert_eq!(messages, answered);
}
