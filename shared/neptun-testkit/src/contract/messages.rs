//! Messages: their order and pages, and what is not found.

use neptun_core::clock::now_ms;
use neptun_core::ids::{ChatId, MessageId};
use neptun_core::model::{ChatList, Role};

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
            |m| m.id.get(),
        )
        .await;
        assert_eq!(paged, sent, "pages of {limit}");
    }
}

pub async fn unknown_chats_are_not_found<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "known").await;
    let unknown = ChatId(chat.id.get() + 1);
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
        .attach_files(
            user,
            unknown,
            MessageId(1),
            vec![new_file("a", "b")],
            now_ms(),
            None,
        )
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
