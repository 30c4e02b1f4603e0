//! Shares: created and replaced keeping their uuid, whitelists, deletes (of the share, of its
//! chat, of every chat of the user), the public read's pages and failed attempts, and users
//! kept apart.

use neptun_core::clock::now_ms;
use neptun_core::ids::{ChatId, ShareId, UserId};
use neptun_core::model::ChatList;
use neptun_core::store::{ChatPageRequest, FoundShare, ShareWrite, StoredShare};
use neptun_core::validation::{ChatOrder, MAX_WHITELIST};

use super::{created_chat, fresh_user, outcome};
use neptun_core::store::ApiStore;

pub(super) fn public() -> ShareWrite {
    ShareWrite {
        is_shared: true,
        is_protected: false,
        password_hash: None,
    }
}

pub(super) async fn shared<S: ApiStore>(
    store: &S,
    user: UserId,
    chat: ChatId,
    settings: ShareWrite,
) -> StoredShare {
    store
        .put_share(user, chat, settings, now_ms())
        .await
        .unwrap_or_else(|error| panic!("share: {error}"))
}

pub(super) async fn found<S: ApiStore>(store: &S, uuid: &str) -> Option<FoundShare> {
    store
        .find_share(uuid, 0)
        .await
        .unwrap_or_else(|error| panic!("find: {error}"))
}

pub(super) async fn listed<S: ApiStore>(
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
        outcome(&store.share_uuid(user, ChatId(chat.id.get() + 1)).await),
        "ChatNotFound"
    );
    assert_eq!(
        outcome(
            &store
                .put_share(user, ChatId(chat.id.get() + 1), public(), now_ms())
                .await
        ),
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
        id: ShareId(share.id.get() + 1),
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
    let ids: Vec<u64> = entries.iter().map(|entry| entry.id.get()).collect();
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
