//! Shares: created and replaced keeping their uuid, whitelists, deletes (of the share, of its
//! chat, of every chat of the user), the public read's pages and failed attempts, and users
//! kept apart.

use neptun_core::clock::now_ms;
use neptun_core::model::{ChatList, Role};
use neptun_core::store::{ChatPageRequest, FoundShare, ShareWrite, StoredShare};
use neptun_core::validation::{ChatOrder, MAX_WHITELIST};

use super::{all_pages, appended, created_chat, everything, fresh_user, outcome};
use neptun_core::store::ApiStore;

fn public() -> ShareWrite {
    ShareWrite {
        is_shared: true,
        is_protected: false,
        password_hash: None,
    }
}

async fn shared<S: ApiStore>(store: &S, user: u64, chat: u64, settings: ShareWrite) -> StoredShare {
    store
        .put_share(user, chat, settings, now_ms())
        .await
        .unwrap_or_else(|error| panic!("share: {error}"))
}

async fn found<S: ApiStore>(store: &S, uuid: &str) -> Option<FoundShare> {
    store
        .find_share(uuid, 0)
        .await
        .unwrap_or_else(|error| panic!("find: {error}"))
}

async fn listed<S: ApiStore>(
    store: &S,
    share: &StoredShare,
    emails: &[&str],
) -> Result<Vec<String>, &'static str> {
    let emails = emails.iter().map(|email| (*email).to_owned()).collect();
    let result = store
        .add_to_whitelist(share.user_id, share.chat_id, share.id, emails, now_ms())
        .await;
    match result {
        Ok(entries) => Ok(entries.into_iter().map(|entry| entry.email).collect()),
        Err(error) => Err(error.name()),
    }
}

pub async fn a_share_is_replaced_keeping_its_uuid<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "shared").await;
    assert_eq!(
        outcome(&store.share_uuid(user, chat.id + 1).await),
        "ChatNotFound"
    );
    assert_eq!(
        outcome(&store.put_share(user, chat.id + 1, public(), now_ms()).await),
        "ChatNotFound"
    );
    assert_eq!(store.share_uuid(user, chat.id).await.ok(), Some(None));
    let first = shared(store, user, chat.id, public()).await;
    assert_eq!((first.user_id, first.chat_id), (user, chat.id));
    assert!(first.is_shared && !first.is_protected && first.password_hash.is_none());
    assert_eq!(
        store.share_uuid(user, chat.id).await.ok(),
        Some(Some(first.uuid.clone()))
    );
    assert_eq!(
        listed(store, &first, &["a@x.io"]).await,
        Ok(vec!["a@x.io".to_owned()])
    );

    let protected = ShareWrite {
        is_shared: true,
        is_protected: true,
        password_hash: Some("$argon2id$v=19$m=12288,t=3,p=1$c2FsdA$aGFzaA".to_owned()),
    };
    let second = shared(store, user, chat.id, protected.clone()).await;
    assert_eq!((second.id, &second.uuid), (first.id, &first.uuid));
    assert_eq!(second.created_at, first.created_at);
    assert_eq!(second.password_hash, protected.password_hash);
    assert!(
        second.whitelist.is_empty(),
        "a replace clears the whitelist"
    );
    let read = found(store, &first.uuid).await.map(|found| found.share);
    assert_eq!(read, Some(second));
    // The chat itself is not changed by its share.
    let page = ChatPageRequest {
        order: ChatOrder::newest_first(),
        after: None,
        limit: None,
        byte_budget: usize::MAX,
    };
    let chats = store
        .list_chats(user, ChatList::All, page)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(chats.items, vec![chat]);
}

pub async fn whitelists_list_each_email_once_up_to_the_limit<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "listed").await;
    let share = shared(store, user, chat.id, public()).await;
    let other_id = StoredShare {
        id: share.id + 1,
        ..share.clone()
    };
    assert_eq!(
        listed(store, &other_id, &["a@x.io"]).await,
        Err("ShareNotFound")
    );
    assert_eq!(
        listed(store, &share, &["a@x.io", "b@x.io"]).await,
        Ok(vec!["a@x.io".to_owned(), "b@x.io".to_owned()])
    );
    assert_eq!(
        listed(store, &share, &["b@x.io", "c@x.io"]).await,
        Ok(vec![
            "a@x.io".to_owned(),
            "b@x.io".to_owned(),
            "c@x.io".to_owned()
        ])
    );
    let entries = store
        .add_to_whitelist(user, chat.id, share.id, Vec::new(), now_ms())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let ids: Vec<u64> = entries.iter().map(|entry| entry.id).collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    assert!(
        entries
            .iter()
            .all(|entry| entry.chat_conversation_share_id == share.id)
    );

    let many: Vec<String> = (0..MAX_WHITELIST - 3)
        .map(|n| format!("u{n}@x.io"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        listed(store, &share, &many).await.map(|l| l.len()),
        Ok(MAX_WHITELIST)
    );
    assert_eq!(
        listed(store, &share, &["one-more@x.io"]).await,
        Err("WhitelistFull")
    );
    assert_eq!(
        listed(store, &share, &["a@x.io"]).await.map(|l| l.len()),
        Ok(MAX_WHITELIST)
    );
    let read = found(store, &share.uuid)
        .await
        .map(|found| found.share.whitelist.len());
    assert_eq!(read, Some(MAX_WHITELIST));
}

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
        |message| message.id,
    )
    .await;
    assert_eq!(read, written);
}

pub async fn failed_attempts_count_per_share_and_minute<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "guarded").await;
    let share = shared(store, user, chat.id, public()).await;
    let other = created_chat(store, user, "other").await;
    let other = shared(store, user, other.id, public()).await;
    let minute = now_ms() / 60_000;
    for expected in 1..=3 {
        let counted = store.record_failed_attempt(&share.uuid, minute).await;
        assert_eq!(counted.ok(), Some(expected));
    }
    let attempts = |uuid: String, minute| async move {
        store
            .find_share(&uuid, minute)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .map(|found| found.failed_attempts)
    };
    assert_eq!(attempts(share.uuid.clone(), minute).await, Some(3));
    assert_eq!(attempts(share.uuid.clone(), minute + 1).await, Some(0));
    assert_eq!(attempts(other.uuid.clone(), minute).await, Some(0));
}

pub async fn another_users_chat_has_no_share_of_theirs<S: ApiStore>(store: &S) {
    let (owner, other) = (fresh_user(), fresh_user());
    let chat = created_chat(store, owner, "mine").await;
    let share = shared(store, owner, chat.id, public()).await;
    assert_eq!(
        outcome(&store.share_uuid(other, chat.id).await),
        "ChatNotFound"
    );
    let as_other = StoredShare {
        user_id: other,
        ..share.clone()
    };
    assert_eq!(
        listed(store, &as_other, &["x@x.io"]).await,
        Err("ChatNotFound")
    );
    assert_eq!(
        outcome(&store.delete_share(other, chat.id).await),
        "ChatNotFound"
    );
    assert_eq!(
        outcome(&store.put_share(other, chat.id, public(), now_ms()).await),
        "ChatNotFound"
    );
    assert!(found(store, &share.uuid).await.is_some());
}

pub async fn erasing_a_user_removes_their_shares<S: ApiStore>(store: &S) {
    let (user, other) = (fresh_user(), fresh_user());
    let chat = created_chat(store, user, "erased").await;
    let share = shared(store, user, chat.id, public()).await;
    let kept = created_chat(store, other, "kept").await;
    let kept = shared(store, other, kept.id, public()).await;
    store
        .erase_chats(user, now_ms())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found(store, &share.uuid).await, None);
    assert!(found(store, &kept.uuid).await.is_some());
}
