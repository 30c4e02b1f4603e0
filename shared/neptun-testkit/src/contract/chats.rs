//! Chats: create and list in every order and page, rename, delete one and several.

use neptun_core::clock::now_ms;
use neptun_core::ids::{self, ChatId, UserId};
use neptun_core::model::{Chat, ChatList, Role};
use neptun_core::store::{ChatPageRequest, PageRequest};
use neptun_core::validation::{ChatOrder, ChatUpdate, parse_order_by};

use super::{appended, created_chat, everything, fresh_user, new_file, new_message, outcome};
use neptun_core::store::ApiStore;

fn page(order: ChatOrder, after: Option<Chat>, limit: Option<usize>) -> ChatPageRequest {
    ChatPageRequest {
        order,
        after,
        limit,
        byte_budget: usize::MAX,
    }
}

/// Every chat of the user in `order`, in pages of `limit`.
async fn chats_in_pages<S: ApiStore>(
    store: &S,
    user: UserId,
    order: &ChatOrder,
    limit: usize,
) -> Vec<Chat> {
    let mut chats = Vec::new();
    let mut after = None;
    loop {
        let got = store
            .list_chats(user, ChatList::All, page(order.clone(), after, Some(limit)))
            .await
            .unwrap_or_else(|error| panic!("list chats: {error}"));
        after = got.items.last().cloned();
        let more = got.has_more;
        chats.extend(got.items);
        if !more {
            return chats;
        }
    }
}

fn ids(chats: &[Chat]) -> Vec<ChatId> {
    chats.iter().map(|chat| chat.id).collect()
}

pub async fn create_and_list_newest_first<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let empty = store
        .list_chats(
            user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(empty.items.is_empty() && !empty.has_more);
    let mut created = Vec::new();
    for n in 0..5 {
        let chat = created_chat(store, user, &format!("chat {n}")).await;
        assert_eq!((chat.neptun_user_id, chat.model.as_str()), (user, "model"));
        assert_eq!(chat.created_at, chat.updated_at);
        created.push(chat);
    }
    let listed = store
        .list_chats(
            user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let mut newest_first = created.clone();
    newest_first.sort_by_key(|chat| std::cmp::Reverse(chat.id));
    assert_eq!(listed.items, newest_first);
    assert!(!listed.has_more);
    let paged = chats_in_pages(store, user, &ChatOrder::newest_first(), 2).await;
    assert_eq!(paged, newest_first);
    // Another user's list is another list.
    let other = store
        .list_chats(
            fresh_user(),
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(other.items.is_empty());
}

pub async fn list_in_every_order_and_page<S: ApiStore>(store: &S) {
    let user = fresh_user();
    // Names and models that tie, differ in case and sort by bytes.
    for (name, model) in [
        ("b", "x"),
        ("a", "y"),
        ("B", "x"),
        ("é", ""),
        ("a", "x"),
        ("b", "y"),
    ] {
        store
            .create_chat(user, super::new_chat(name, model), now_ms(), None)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let all = store
        .list_chats(
            user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    for spec in [
        "id:asc",
        "id:desc",
        "created_at:asc",
        "updated_at:desc",
        "name:asc",
        "name:desc",
        "model:asc,name:desc",
        "updated_at:desc,name:desc,model:desc",
    ] {
        let order = parse_order_by(spec).unwrap_or_else(|_| panic!("{spec} parses"));
        let mut expected = all.clone();
        expected.sort_by(|a, b| order.compare(a, b));
        let whole = store
            .list_chats(user, ChatList::All, page(order.clone(), None, None))
            .await
            .unwrap_or_else(|error| panic!("{spec}: {error}"));
        assert_eq!(ids(&whole.items), ids(&expected), "{spec}");
        for limit in [1, 4] {
            let paged = chats_in_pages(store, user, &order, limit).await;
            assert_eq!(ids(&paged), ids(&expected), "{spec}, pages of {limit}");
        }
    }
}

pub async fn rename_changes_name_model_and_updated_at<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "before").await;
    let later = now_ms() + 5;
    let update =
        |name: &str, model: Option<&str>| ChatUpdate::rename(name, model.map(str::to_owned));
    let renamed = store
        .update_chat(user, chat.id, update("after", None), later, None)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(
        (renamed.id, renamed.name.as_str(), renamed.model.as_str()),
        (chat.id, "after", "model")
    );
    assert_eq!(renamed.created_at, chat.created_at);
    assert!(renamed.updated_at > chat.updated_at);
    let remodelled = store
        .update_chat(
            user,
            chat.id,
            update("after", Some("other")),
            later + 5,
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(remodelled.model, "other");
    let listed = store
        .list_chats(
            user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .items;
    assert_eq!(listed, vec![remodelled]);
    let unknown = store
        .update_chat(
            user,
            ChatId(chat.id.get() + 1),
            update("x", None),
            later,
            None,
        )
        .await;
    assert_eq!(outcome(&unknown), "ChatNotFound");
    // Another user's chat of the same id is not theirs.
    let other = store
        .update_chat(fresh_user(), chat.id, update("x", None), later, None)
        .await;
    assert_eq!(outcome(&other), "ChatNotFound");
}

pub async fn delete_one_makes_it_gone_everywhere<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "to delete").await;
    let kept = created_chat(store, user, "kept").await;
    let messages = appended(store, user, chat.id, &[(Role::User, "hi")]).await;
    let files = store
        .attach_files(
            user,
            chat.id,
            messages[0].id,
            vec![new_file("a.py", "1")],
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(
        outcome(&store.delete_chat(user, chat.id, ChatList::All, None).await),
        "Ok"
    );
    let listed = store
        .list_chats(
            user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(ids(&listed.items), [kept.id]);
    let gone = |what: &str, got: &'static str, expected: &'static str| {
        assert_eq!(got, expected, "{what} after the delete");
    };
    gone(
        "messages",
        outcome(&store.list_messages(user, chat.id, everything()).await),
        "ChatNotFound",
    );
    gone(
        "a later page",
        outcome(
            &store
                .list_messages(
                    user,
                    chat.id,
                    PageRequest {
                        after: Some(messages[0].id.get()),
                        limit: Some(1),
                        byte_budget: usize::MAX,
                    },
                )
                .await,
        ),
        "ChatNotFound",
    );
    gone(
        "files",
        outcome(&store.list_files(user, chat.id, everything()).await),
        "ChatNotFound",
    );
    gone(
        "the file",
        outcome(&store.get_file(user, chat.id, files[0].id).await),
        "FileNotFound",
    );
    let append = store
        .append_messages(
            user,
            chat.id,
            vec![new_message(Role::User, "late")],
            now_ms(),
            None,
        )
        .await;
    gone("an append", outcome(&append), "ChatNotFound");
    gone(
        "a second delete",
        outcome(&store.delete_chat(user, chat.id, ChatList::All, None).await),
        "ChatNotFound",
    );
    gone(
        "a regenerate",
        outcome(&store.delete_last_exchange(user, chat.id, None).await),
        "ChatNotFound",
    );
}

pub async fn delete_several_ignores_what_is_not_the_users<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let other_user = fresh_user();
    let mut chats = Vec::new();
    for n in 0..4 {
        chats.push(created_chat(store, user, &format!("chat {n}")).await);
    }
    // Another user's chat whose id none of the user's chats has: ids are unique per user only.
    let mut theirs = created_chat(store, other_user, "not yours").await.id;
    let mut theirs_all = vec![theirs];
    while chats.iter().any(|chat| chat.id == theirs) {
        theirs = created_chat(store, other_user, "not yours either").await.id;
        theirs_all.push(theirs);
    }
    let ids_to_delete = vec![
        chats[0].id,
        chats[2].id,
        theirs,
        ChatId(chats[3].id.get() + 12345),
    ];
    assert_eq!(
        outcome(
            &store
                .delete_chats(user, ids_to_delete, ChatList::All, None)
                .await
        ),
        "Ok"
    );
    let listed = store
        .list_chats(
            user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let mut left = vec![chats[1].id, chats[3].id];
    left.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids(&listed.items), left);
    let still_theirs = store
        .list_chats(
            other_user,
            ChatList::All,
            page(ChatOrder::newest_first(), None, None),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    theirs_all.reverse();
    assert_eq!(ids(&still_theirs.items), theirs_all);
}

/// New chat ids are below 2^31 (the web app's SQL takes them), above every imported one, and
/// grow in the order the chats are created, however fast.
pub async fn new_chat_ids_fit_the_web_apps_integer_columns_and_grow<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let mut previous = None;
    for name in ["one", "two", "three", "four", "five"] {
        let chat = created_chat(store, user, name).await;
        assert!(
            (ids::FIRST_API_CHAT_ID..ids::CHAT_ID_LIMIT).contains(&chat.id.get()),
            "{name}: {}",
            chat.id
        );
        assert!(
            previous < Some(chat.id),
            "{name}: {} after {previous:?}",
            chat.id
        );
        previous = Some(chat.id);
    }
}
