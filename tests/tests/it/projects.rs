//! Projects' chats on DynamoDB Local: the dashboard's requests while a project is open, in the
//! order and with the bodies its code sends them; another user's project of the same id;
//! moves and renames racing each other.

use neptun_core::ids::{ChatId, ProjectId, UserId};
use std::collections::HashSet;
use std::sync::Arc;

use neptun_core::clock::now_ms;
use neptun_core::functions::Function;
use neptun_core::model::ChatList;
use neptun_core::store::{ChatPageRequest, ChatStore, ChatUpdateStore, StoreError};
use neptun_core::validation::{ChatOrder, ChatUpdate, NewChat};
use neptun_dynamo::schema;
use neptun_testkit::sample::SAMPLE_PROJECT;
use neptun_tests::*;
use serde_json::{Value, json};

const DASHBOARD_ORDER: &str = "updated_at:desc,name:desc,model:desc";

fn ids(chats: &Value) -> Vec<u64> {
    chats["chats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|chat| chat["id"].as_u64())
        .collect()
}

#[tokio::test]
async fn the_dashboards_project_requests_work_end_to_end() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let project = 42;
    let project_chats = format!("/api/users/1/projects/{project}/chats");

    // persistChatConversation while the project is open: `{ model, name }`.
    let (status, created) = send(
        &context,
        Function::CreateProjectChat,
        "create-project-chat/200-create.json",
        |e| {
            set_path(e, &project_chats);
            set_body(
                e,
                json!({"model": "qwen/Qwen2.5-72B-Instruct", "name": "In a project"}),
            );
        },
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["chat"]["project_id"], project);
    let chat_id = created["chat"]["id"].as_u64().unwrap_or_default();
    let (status, second) = send(
        &context,
        Function::CreateProjectChat,
        "create-project-chat/200-create.json",
        |e| {
            set_path(e, &project_chats);
            set_body(e, json!({"model": "", "name": "Second"}));
        },
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let second_id = second["chat"]["id"].as_u64().unwrap_or_default();

    // Its messages go to the chat's own routes, as for any chat.
    let (status, posted) = send(
        &context,
        Function::CreateChatMessages,
        "create-chat-messages/200-batch.json",
        |e| {
            set_path(e, &format!("/api/users/1/chats/{chat_id}/messages"));
            set_body(
                e,
                json!({"messages": [{"content": "Hi", "role": "user"},
                                    {"content": "Hello!", "role": "assistant"}]}),
            );
        },
    )
    .await;
    assert_eq!(status, 200, "{posted}");

    // useFetchChats: the project's list in the dashboard's order, a page at a time.
    let list = |query: Vec<(&'static str, String)>| {
        let path = project_chats.clone();
        let context = &context;
        async move {
            send(
                context,
                Function::ListProjectChats,
                "list-project-chats/200-list.json",
                move |e| {
                    set_path(e, &path);
                    let pairs: Vec<(&str, &str)> =
                        query.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    set_query(e, &pairs);
                },
            )
            .await
        }
    };
    let (status, page) = list(vec![
        ("order_by", DASHBOARD_ORDER.to_owned()),
        ("limit", "1".to_owned()),
    ])
    .await;
    assert_eq!((status, ids(&page)), (200, vec![second_id]), "{page}");
    let cursor = page["nextCursor"].as_str().unwrap_or_default().to_owned();
    let (status, rest) = list(vec![
        ("order_by", DASHBOARD_ORDER.to_owned()),
        ("limit", "1".to_owned()),
        ("cursor", cursor.clone()),
    ])
    .await;
    assert_eq!((status, ids(&rest)), (200, vec![chat_id]), "{rest}");
    assert!(rest.get("nextCursor").is_none());
    // The cursor belongs to this project's list.
    let (status, _) = send(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        |e| set_query(e, &[("order_by", DASHBOARD_ORDER), ("cursor", &cursor)]),
    )
    .await;
    assert_eq!(status, 400, "another list's cursor");

    // The user's list holds the project's chats too, each with its project.
    let (_, all) = send(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        |_| {},
    )
    .await;
    let listed: HashSet<u64> = ids(&all).into_iter().collect();
    assert!(listed.contains(&chat_id) && listed.contains(&second_id));
    assert_eq!(all["chats"][0]["project_id"], project, "{all}");

    // Rename (persistChatConversationEdit) keeps it in the project; a move takes it out.
    let chat_path = format!("/api/users/1/chats/{chat_id}");
    let (status, renamed) = send(
        &context,
        Function::UpdateChat,
        "update-chat/200-rename.json",
        |e| {
            set_path(e, &chat_path);
            set_body(e, json!({"name": "Renamed in a project"}));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["chat"]["project_id"], project);
    let (_, in_project) = list(vec![]).await;
    assert_eq!(in_project["chats"][1]["name"], "Renamed in a project");
    let (status, moved) = send(
        &context,
        Function::UpdateChat,
        "update-chat/200-rename.json",
        |e| {
            set_path(e, &chat_path);
            set_body(e, json!({"project_id": null}));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(
        (status, &moved["chat"]["project_id"]),
        (200, &Value::Null),
        "{moved}"
    );
    assert_eq!(ids(&list(vec![]).await.1), vec![second_id]);

    // persistChatConversationDelete through the project: only the project's chats.
    let project_chat = |id: u64| format!("{project_chats}/{id}");
    let (status, body) = send(
        &context,
        Function::DeleteProjectChat,
        "delete-project-chat/200-delete.json",
        |e| {
            set_path(e, &project_chat(chat_id));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(
        status, 404,
        "the moved-out chat is not the project's: {body}"
    );
    let (status, body) = send(
        &context,
        Function::DeleteProjectChat,
        "delete-project-chat/200-delete.json",
        |e| {
            set_path(e, &project_chat(second_id));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!((status, body), (200, Value::Bool(true)));
    assert_eq!(
        partition_rows(
            &context.store,
            schema::project_pk(UserId(1), ProjectId(project))
        )
        .await,
        0,
        "the project's list row went with the chat"
    );

    // Back in, and deleted with others through the project's batch route.
    let (status, _) = send(
        &context,
        Function::UpdateChat,
        "update-chat/200-rename.json",
        |e| {
            set_path(e, &chat_path);
            set_body(e, json!({"project_id": project}));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &context,
        Function::DeleteProjectChats,
        "delete-project-chats/200-delete-several.json",
        |e| {
            set_path(e, &project_chats);
            // chat_id: the dashboard sends its selection, not yet a list in every version.
            set_body(e, json!({"chat_ids": [chat_id, 1000]}));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!((status, body), (200, Value::Bool(true)));
    assert!(ids(&list(vec![]).await.1).is_empty());
    let (_, all) = send(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        |_| {},
    )
    .await;
    assert!(
        ids(&all).contains(&1000),
        "1000 is no chat of the project: kept"
    );
    assert!(!ids(&all).contains(&chat_id));
}

#[tokio::test]
async fn another_users_project_of_the_same_id_is_another_list() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let theirs = context
        .store
        .create_chat(
            UserId(2),
            NewChat {
                name: "User 2's chat in their project 7".into(),
                model: String::new(),
                project_id: Some(SAMPLE_PROJECT),
            },
            now_ms(),
            None,
        )
        .await
        .expect("a chat of user 2");
    let (status, ours) = send(
        &context,
        Function::ListProjectChats,
        "list-project-chats/200-list.json",
        |_| {},
    )
    .await;
    assert_eq!(status, 200, "{ours}");
    assert!(!ids(&ours).is_empty());
    assert!(!ids(&ours).contains(&theirs.value.id.get()));
    // User 1 deleting through project 7 never reaches user 2's chat of that project.
    let (status, _) = send(
        &context,
        Function::DeleteProjectChat,
        "delete-project-chat/200-delete.json",
        |e| {
            set_path(
                e,
                &format!("/api/users/1/projects/7/chats/{}", theirs.value.id),
            );
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        partition_rows(
            &context.store,
            schema::project_pk(UserId(2), SAMPLE_PROJECT)
        )
        .await,
        1
    );
}

/// Every chat of user `user` in `list`, by id.
async fn listed(
    store: &neptun_dynamo::DynamoStore,
    user: UserId,
    list: ChatList,
) -> Vec<(ChatId, Option<ProjectId>, String)> {
    let page = ChatPageRequest {
        order: ChatOrder::newest_first(),
        after: None,
        limit: None,
        byte_budget: usize::MAX,
    };
    store
        .list_chats(user, list, page)
        .await
        .expect("a list")
        .items
        .into_iter()
        .map(|chat| (chat.id, chat.project_id, chat.name))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_moves_and_renames_leave_the_chat_in_exactly_one_list() {
    let store = Arc::new(fresh_store().await);
    let user = 7;
    let chat = store
        .create_chat(
            UserId(user),
            NewChat {
                name: "racer".into(),
                model: String::new(),
                project_id: Some(ProjectId(1)),
            },
            now_ms(),
            None,
        )
        .await
        .expect("a chat")
        .value;
    let projects = [
        Some(ProjectId(1)),
        Some(ProjectId(2)),
        Some(ProjectId(3)),
        None,
    ];
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..6u64 {
        let store = store.clone();
        writers.spawn(async move {
            let mut committed = 0;
            for round in 0..6u64 {
                let update = if (writer + round) % 2 == 0 {
                    ChatUpdate::moving_to(projects[((writer + round) % 4) as usize])
                } else {
                    ChatUpdate::rename(format!("renamed by {writer} in {round}"), None)
                };
                match store
                    .update_chat(UserId(user), chat.id, update, now_ms(), None)
                    .await
                {
                    Ok(_) => committed += 1,
                    // Six writers of one chat: one may lose every round of its budget (a 503).
                    Err(StoreError::Unavailable(_)) => {}
                    Err(error) => panic!("an update failed: {error}"),
                }
            }
            committed
        });
    }
    let mut committed = 0;
    while let Some(done) = writers.join_next().await {
        committed += done.expect("a writer");
    }
    assert!(committed >= 18, "only {committed} of 36 updates committed");
    let all = listed(&store, UserId(user), ChatList::All).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let (_, project, name) = all[0].clone();
    for candidate in [1, 2, 3].map(ProjectId) {
        let in_it = listed(&store, UserId(user), ChatList::Project(candidate)).await;
        let rows = partition_rows(&store, schema::project_pk(UserId(user), candidate)).await;
        if project == Some(candidate) {
            assert_eq!(in_it, all, "the project's row is the chat as it is");
            assert_eq!(rows, 1);
        } else {
            assert!(in_it.is_empty(), "project {candidate}: {in_it:?}");
            assert_eq!(rows, 0, "no row left in project {candidate}");
        }
    }
    assert!(name.starts_with("renamed by") || name == "racer", "{name}");
}
