//! Erasing a user (the account is being deleted): every chat, message, file and key of the
//! user gone for every reader, nobody else's touched, and every later write for the user id
//! refused, for ever, a replayed `Idempotency-Key` too.

use neptun_core::clock::now_ms;
use neptun_core::ids::{ChatId, ProjectId, UserId};
use neptun_core::model::{ChatList, Role};
use neptun_core::store::ChatPageRequest;
use neptun_core::validation::{ChatOrder, ChatUpdate, NewChat};

use super::{appended, created_chat, everything, fresh_user, key, new_chat, new_file, outcome};
use neptun_core::store::ApiStore;

async fn chat_ids<S: ApiStore>(store: &S, user: UserId, list: ChatList) -> Vec<ChatId> {
    let page = ChatPageRequest {
        order: ChatOrder::newest_first(),
        after: None,
        limit: None,
        byte_budget: usize::MAX,
    };
    store
        .list_chats(user, list, page)
        .await
        .unwrap_or_else(|error| panic!("list: {error}"))
        .items
        .iter()
        .map(|chat| chat.id)
        .collect()
}

pub async fn erasing_leaves_nothing_of_the_user<S: ApiStore>(store: &S) {
    let (user, other) = (fresh_user(), fresh_user());
    let plain = created_chat(store, user, "plain").await;
    let in_project = store
        .create_chat(
            user,
            NewChat {
                project_id: Some(ProjectId(3)),
                ..new_chat("in a project", "")
            },
            now_ms(),
            Some(&key("erased", "create")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    let messages = appended(
        store,
        user,
        plain.id,
        &[(Role::User, "q"), (Role::Assistant, "a")],
    )
    .await;
    let files = store
        .attach_files(
            user,
            plain.id,
            messages[1].id,
            vec![new_file("a.py", "1")],
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    let kept = created_chat(store, other, "someone else's").await;

    store
        .erase_chats(user, now_ms())
        .await
        .unwrap_or_else(|error| panic!("erase: {error}"));

    assert!(chat_ids(store, user, ChatList::All).await.is_empty());
    assert!(
        chat_ids(store, user, ChatList::Project(ProjectId(3)))
            .await
            .is_empty()
    );
    for chat in [plain.id, in_project.id] {
        let listed = store.list_messages(user, chat, everything()).await;
        assert_eq!(outcome(&listed), "ChatNotFound");
        let files = store.list_files(user, chat, everything()).await;
        assert_eq!(outcome(&files), "ChatNotFound");
        let append = store
            .append_messages(
                user,
                chat,
                vec![super::new_message(Role::User, "late")],
                now_ms(),
                None,
            )
            .await;
        assert_eq!(outcome(&append), "Erased", "no write after the erasure");
        let rename = store
            .update_chat(user, chat, ChatUpdate::rename("x", None), now_ms(), None)
            .await;
        assert_eq!(outcome(&rename), "Erased");
        let share = store
            .put_share(user, chat, super::shares::public(), now_ms())
            .await;
        assert_eq!(outcome(&share), "Erased");
        let file = store
            .attach_files(
                user,
                chat,
                messages[1].id,
                vec![new_file("b.py", "2")],
                now_ms(),
                None,
            )
            .await;
        assert_eq!(outcome(&file), "Erased");
        let regenerate = store.delete_last_exchange(user, chat, None).await;
        assert_eq!(outcome(&regenerate), "Erased");
        let delete = store
            .delete_chats(user, vec![chat], ChatList::All, None)
            .await;
        assert_eq!(outcome(&delete), "Erased");
    }
    assert_eq!(
        outcome(&store.get_file(user, plain.id, files[0].id).await),
        "FileNotFound"
    );
    assert_eq!(chat_ids(store, other, ChatList::All).await, [kept.id]);

    // Final: no new chat, plain or in a project, and the key of a chat created before is
    // refused too, not replayed; erasing again (or a user with nothing) is fine.
    for project_id in [None, Some(ProjectId(3))] {
        let again = store
            .create_chat(
                user,
                NewChat {
                    project_id,
                    ..new_chat("in a project", "")
                },
                now_ms(),
                Some(&key("erased", "create")),
            )
            .await;
        assert_eq!(outcome(&again), "Erased");
        let fresh = store
            .create_chat(user, new_chat("new", ""), now_ms(), None)
            .await;
        assert_eq!(outcome(&fresh), "Erased");
    }
    assert!(chat_ids(store, user, ChatList::All).await.is_empty());
    assert_eq!(outcome(&store.erase_chats(user, now_ms()).await), "Ok");
    assert_eq!(
        outcome(&store.erase_chats(fresh_user(), now_ms()).await),
        "Ok"
    );
}
