//! The public read: a deleted share or chat gone at once, the shared messages in order and
//! pages, and failed attempts counted per share and minute.

use super::shares::{found, listed, public, shared};
use super::{all_pages, appended, created_chat, everything, fresh_user, outcome};
use neptun_core::clock::now_ms;
use neptun_core::model::{ChatList, Role};
use neptun_core::store::ApiStore;

pub async fn a_deleted_share_or_chat_is_gone_for_the_public_read<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "unshared").await;
    assert_eq!(outcome(&store.delete_share(user, chat.id).await), "Ok");
    let first = shared(store, user, chat.id, public()).await;
    assert_eq!(outcome(&store.delete_share(user, chat.id).await), "Ok");
    assert_eq!(found(store, &first.uuid).await, None);
    assert_eq!(store.share_uuid(user, chat.id).await.ok(), Some(None));
    assert_eq!(
        listed(store, &first, &["a@x.io"]).await,
        Err("ShareNotFound")
    );

    let second = shared(store, user, chat.id, public()).await;
    assert_ne!(second.uuid, first.uuid, "a new share has a new link");
    store
        .delete_chat(user, chat.id, ChatList::All, None)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found(store, &second.uuid).await, None);
    assert_eq!(
        outcome(&store.shared_messages(&second, everything()).await),
        "ChatNotFound"
    );
    assert_eq!(
        outcome(&store.delete_share(user, chat.id).await),
        "ChatNotFound"
    );

    let several = created_chat(store, user, "deleted with others").await;
    let third = shared(store, user, several.id, public()).await;
    store
        .delete_chats(user, vec![several.id], ChatList::All, None)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found(store, &third.uuid).await, None);
}

pub async fn shared_messages_come_in_order_and_pages<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "paged").await;
    let share = shared(store, user, chat.id, public()).await;
    let empty = store
        .shared_messages(&share, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(empty.items.is_empty() && !empty.has_more);
    let texts = ["q1", "a1", "q2", "a2", "q3"];
    let roles = [
        Role::User,
        Role::Assistant,
        Role::User,
        Role::Assistant,
        Role::User,
    ];
    let messages: Vec<(Role, &str)> = roles.into_iter().zip(texts).collect();
    let written = appended(store, user, chat.id, &messages).await;
    let read = all_pages(
        2,
        |page| store.shared_messages(&share, page),
        |message| message.id.get(),
    )
    .await;
    assert_eq!(read, written);
}

pub async fn attempts_are_taken_per_share_and_minute_up_to_the_limit<S: ApiStore>(store: &S) {
    use neptun_core::shares::attempts::MAX_ATTEMPTS_PER_MINUTE;
    let user = fresh_user();
    let chat = created_chat(store, user, "guarded").await;
    let share = shared(store, user, chat.id, public()).await;
    let other = created_chat(store, user, "other").await;
    let other = shared(store, user, other.id, public()).await;
    let minute = now_ms() / 60_000;
    for _ in 0..MAX_ATTEMPTS_PER_MINUTE {
        let taken = store.reserve_attempt(&share.uuid, minute).await;
        assert_eq!(taken.ok(), Some(true));
    }
    let none_left = store.reserve_attempt(&share.uuid, minute).await;
    assert_eq!(
        none_left.ok(),
        Some(false),
        "the minute's attempts are used up"
    );
    let attempts = |uuid: String, minute| async move {
        store
            .find_share(&uuid, minute)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .map(|found| found.attempts)
    };
    assert_eq!(
        attempts(share.uuid.clone(), minute).await,
        Some(MAX_ATTEMPTS_PER_MINUTE)
    );
    assert_eq!(attempts(share.uuid.clone(), minute + 1).await, Some(0));
    assert_eq!(attempts(other.uuid.clone(), minute).await, Some(0));
    assert_eq!(
        store.reserve_attempt(&share.uuid, minute + 1).await.ok(),
        Some(true)
    );
}
