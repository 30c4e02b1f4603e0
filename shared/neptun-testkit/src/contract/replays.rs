//! `Idempotency-Key`: the same key and request answers the first result again and writes
//! nothing; the same key with another request is refused.

use neptun_core::clock::now_ms;
use neptun_core::model::{ChatList, Role};
use neptun_core::validation::ChatUpdate;

use super::{
    appended, created_chat, everything, fresh_user, key, new_chat, new_file, new_message, outcome,
};
use neptun_core::store::ApiStore;

pub async fn creates_replay_and_refuse_another_request<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let first = store
        .create_chat(
            user,
            new_chat("once", ""),
            now_ms(),
            Some(&key("chat", "a")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(!first.replayed);
    let again = store
        .create_chat(
            user,
            new_chat("once", ""),
            now_ms() + 10,
            Some(&key("chat", "a")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(again.replayed);
    assert_eq!(again.value, first.value);
    let other = store
        .create_chat(
            user,
            new_chat("other", ""),
            now_ms(),
            Some(&key("chat", "b")),
        )
        .await;
    assert_eq!(outcome(&other), "IdempotencyMismatch");
    // A key belongs to its user: another user's same key is a key of their own.
    let theirs = store
        .create_chat(
            fresh_user(),
            new_chat("theirs", ""),
            now_ms(),
            Some(&key("chat", "b")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(!theirs.replayed);

    let chat = first.value.id;
    let messages = vec![
        new_message(Role::User, "m1"),
        new_message(Role::Assistant, "m2"),
    ];
    let sent = store
        .append_messages(
            user,
            chat,
            messages.clone(),
            now_ms(),
            Some(&key("messages", "m")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let resent = store
        .append_messages(
            user,
            chat,
            messages,
            now_ms() + 10,
            Some(&key("messages", "m")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(resent.replayed && !sent.replayed);
    assert_eq!(resent.value, sent.value);
    let stored = store
        .list_messages(user, chat, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    assert_eq!(stored, sent.value, "stored once");
    let reused = store
        .append_messages(
            user,
            chat,
            vec![new_message(Role::User, "x")],
            now_ms(),
            Some(&key("messages", "n")),
        )
        .await;
    assert_eq!(outcome(&reused), "IdempotencyMismatch");

    let files = vec![new_file("a.py", "1")];
    let attached = store
        .attach_files(
            user,
            chat,
            sent.value[1].id,
            files.clone(),
            now_ms(),
            Some(&key("files", "f")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let reattached = store
        .attach_files(
            user,
            chat,
            sent.value[1].id,
            files,
            now_ms() + 10,
            Some(&key("files", "f")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(reattached.replayed);
    assert_eq!(reattached.value, attached.value);
    let listed = store
        .list_files(user, chat, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    assert_eq!(listed, attached.value, "stored once");
}

pub async fn changes_replay_and_refuse_another_request<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "changes").await;
    let rename = || ChatUpdate::rename("renamed", None);
    let renamed = store
        .update_chat(
            user,
            chat.id,
            rename(),
            now_ms() + 5,
            Some(&key("rename", "r")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let again = store
        .update_chat(
            user,
            chat.id,
            rename(),
            now_ms() + 50,
            Some(&key("rename", "r")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(again.replayed && !renamed.replayed);
    assert_eq!(
        again.value, renamed.value,
        "the first answer, updated_at included"
    );
    let other = store
        .update_chat(user, chat.id, rename(), now_ms(), Some(&key("rename", "s")))
        .await;
    assert_eq!(outcome(&other), "IdempotencyMismatch");

    appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q"), (Role::Assistant, "a")],
    )
    .await;
    let regenerated = store
        .delete_last_exchange(user, chat.id, Some(&key("regenerate", "g")))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let again = store
        .delete_last_exchange(user, chat.id, Some(&key("regenerate", "g")))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(again.replayed);
    assert_eq!(again.value, regenerated.value);

    let deleted = store
        .delete_chat(user, chat.id, ChatList::All, Some(&key("delete", "d")))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(!deleted.replayed);
    let again = store
        .delete_chat(user, chat.id, ChatList::All, Some(&key("delete", "d")))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(again.replayed, "a replayed delete answers as the first did");
    let several = store
        .delete_chats(
            user,
            vec![chat.id],
            ChatList::All,
            Some(&key("delete", "e")),
        )
        .await;
    assert_eq!(outcome(&several), "IdempotencyMismatch");
}
