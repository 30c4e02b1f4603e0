//! Projects' chats: created in a project, listed per project in every order, moved between
//! projects, deleted through a project.

use neptun_core::clock::now_ms;
use neptun_core::ids::{ChatId, ProjectId, UserId};
use neptun_core::model::{Chat, ChatList};
use neptun_core::store::ChatPageRequest;
use neptun_core::validation::{ChatOrder, ChatUpdate, NewChat, parse_order_by};

use super::{fresh_user, outcome};
use neptun_core::store::ApiStore;

async fn created_in<S: ApiStore>(
    store: &S,
    user: UserId,
    project: Option<ProjectId>,
    name: &str,
) -> Chat {
    let chat = NewChat {
        name: name.to_owned(),
        model: "model".to_owned(),
        project_id: project,
    };
    store
        .create_chat(user, chat, now_ms(), None)
        .await
        .unwrap_or_else(|error| panic!("create {name}: {error}"))
        .value
}

/// Every chat of the list, in `order`, in pages of `limit`.
async fn listed<S: ApiStore>(
    store: &S,
    user: UserId,
    list: ChatList,
    order: &ChatOrder,
    limit: Option<usize>,
) -> Vec<Chat> {
    let mut chats = Vec::new();
    let mut after = None;
    loop {
        let page = ChatPageRequest {
            order: order.clone(),
            after,
            limit,
            byte_budget: usize::MAX,
        };
        let got = store
            .list_chats(user, list, page)
            .await
            .unwrap_or_else(|error| panic!("list {list:?}: {error}"));
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

pub async fn a_projects_list_holds_its_chats_only<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let mut in_one = Vec::new();
    for name in ["b", "a", "c", "a"] {
        in_one.push(created_in(store, user, Some(ProjectId(1)), name).await);
    }
    let in_two = created_in(store, user, Some(ProjectId(2)), "two").await;
    let outside = created_in(store, user, None, "outside").await;
    assert!(
        in_one
            .iter()
            .all(|chat| chat.project_id == Some(ProjectId(1)))
    );
    assert_eq!(outside.project_id, None);
    let newest = ChatOrder::newest_first();
    let mut expected = in_one.clone();
    expected.sort_by_key(|chat| std::cmp::Reverse(chat.id));
    assert_eq!(
        listed(store, user, ChatList::Project(ProjectId(1)), &newest, None).await,
        expected
    );
    for limit in [1, 3] {
        let paged = listed(
            store,
            user,
            ChatList::Project(ProjectId(1)),
            &newest,
            Some(limit),
        )
        .await;
        assert_eq!(ids(&paged), ids(&expected), "pages of {limit}");
    }
    for spec in ["name:asc", "updated_at:desc,name:desc,model:desc", "id:asc"] {
        let order = parse_order_by(spec).unwrap_or_else(|_| panic!("{spec}"));
        let mut sorted = in_one.clone();
        sorted.sort_by(|a, b| order.compare(a, b));
        for limit in [None, Some(2)] {
            let got = listed(store, user, ChatList::Project(ProjectId(1)), &order, limit).await;
            assert_eq!(ids(&got), ids(&sorted), "{spec}, {limit:?}");
        }
    }
    assert_eq!(
        ids(&listed(store, user, ChatList::Project(ProjectId(2)), &newest, None).await),
        [in_two.id]
    );
    // The user's list holds every chat, with its project.
    let all = listed(store, user, ChatList::All, &newest, None).await;
    assert_eq!(all.len(), 6);
    assert!(all.contains(&in_two) && all.contains(&outside));
    // A project nobody used, and another user's project of the same id: empty.
    assert!(
        listed(store, user, ChatList::Project(ProjectId(3)), &newest, None)
            .await
            .is_empty()
    );
    assert!(
        listed(
            store,
            fresh_user(),
            ChatList::Project(ProjectId(1)),
            &newest,
            None
        )
        .await
        .is_empty()
    );
}

pub async fn a_moved_chat_is_in_exactly_one_list<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_in(store, user, None, "wanderer").await;
    let newest = ChatOrder::newest_first();
    let newest = &newest;
    let in_list = |list| async move { ids(&listed(store, user, list, newest, None).await) };
    let update = |update: ChatUpdate| async move {
        store
            .update_chat(user, chat.id, update, now_ms() + 5, None)
            .await
            .unwrap_or_else(|error| panic!("update: {error}"))
            .value
    };

    let moved = update(ChatUpdate::moving_to(Some(ProjectId(10)))).await;
    assert_eq!(
        (moved.project_id, moved.name.as_str()),
        (Some(ProjectId(10)), "wanderer")
    );
    assert!(moved.updated_at >= chat.updated_at);
    assert_eq!(in_list(ChatList::Project(ProjectId(10))).await, [chat.id]);

    let renamed = update(ChatUpdate::rename("renamed", None)).await;
    assert_eq!(
        renamed.project_id,
        Some(ProjectId(10)),
        "a rename keeps the project"
    );
    let in_project = listed(store, user, ChatList::Project(ProjectId(10)), newest, None).await;
    assert_eq!(
        in_project,
        std::slice::from_ref(&renamed),
        "the project's list shows the rename"
    );

    let both = update(ChatUpdate {
        name: Some("moved and renamed".into()),
        model: None,
        project: Some(Some(ProjectId(11))),
    })
    .await;
    assert_eq!(both.project_id, Some(ProjectId(11)));
    assert!(in_list(ChatList::Project(ProjectId(10))).await.is_empty());
    assert_eq!(in_list(ChatList::Project(ProjectId(11))).await, [chat.id]);

    let out = update(ChatUpdate::moving_to(None)).await;
    assert_eq!(out.project_id, None);
    assert!(in_list(ChatList::Project(ProjectId(11))).await.is_empty());
    let all = listed(store, user, ChatList::All, newest, None).await;
    assert_eq!(all, [out], "always in the user's list, once");

    let unknown = store
        .update_chat(
            user,
            ChatId(chat.id.get() + 1),
            ChatUpdate::moving_to(Some(ProjectId(1))),
            now_ms(),
            None,
        )
        .await;
    assert_eq!(outcome(&unknown), "ChatNotFound");
}

pub async fn deletes_through_a_project_touch_its_chats_only<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let in_project = created_in(store, user, Some(ProjectId(5)), "in").await;
    let elsewhere = created_in(store, user, Some(ProjectId(6)), "elsewhere").await;
    let outside = created_in(store, user, None, "outside").await;
    for chat in [&elsewhere, &outside] {
        let refused = store
            .delete_chat(user, chat.id, ChatList::Project(ProjectId(5)), None)
            .await;
        assert_eq!(outcome(&refused), "ChatNotFound", "{}", chat.name);
    }
    let deleted = store
        .delete_chat(user, in_project.id, ChatList::Project(ProjectId(5)), None)
        .await;
    assert_eq!(outcome(&deleted), "Ok");
    let newest = ChatOrder::newest_first();
    let left = ids(&listed(store, user, ChatList::All, &newest, None).await);
    assert_eq!(left, [outside.id, elsewhere.id]);

    let more = created_in(store, user, Some(ProjectId(5)), "more").await;
    let several = store
        .delete_chats(
            user,
            vec![
                more.id,
                elsewhere.id,
                outside.id,
                ChatId(more.id.get() + 999),
            ],
            ChatList::Project(ProjectId(5)),
            None,
        )
        .await;
    assert_eq!(outcome(&several), "Ok");
    let left = ids(&listed(store, user, ChatList::All, &newest, None).await);
    assert_eq!(left, [outside.id, elsewhere.id], "only the project's chat");
    assert!(
        listed(store, user, ChatList::Project(ProjectId(5)), &newest, None)
            .await
            .is_empty()
    );
}
