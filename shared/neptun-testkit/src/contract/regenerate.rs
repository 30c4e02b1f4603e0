//! Regenerate: the last exchange and its files, or the trailing questions.

use neptun_core::clock::now_ms;
use neptun_core::model::{LastExchange, Role};

use super::{appended, created_chat, everything, fresh_user, new_file, outcome};
use neptun_core::store::ApiStore;

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
