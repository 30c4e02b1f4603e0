//! Rename, delete and regenerate on DynamoDB Local, and the dashboard's own requests end to
//! end, in the order and with the bodies its code sends them.

use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, MessageId, UserId};
use neptun_core::model::ChatList;
use std::collections::HashSet;
use std::sync::Arc;

use neptun_core::context::AppContext;
use neptun_core::store::{ChatPageRequest, ChatStore};
use neptun_core::validation::{ChatOrder, NewChat};
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use neptun_testkit::sample::{
    SAMPLE_ANSWER, SAMPLE_CHAT_SHARED_NO_MORE, SAMPLE_CHAT_TO_ERASE, SAMPLE_CHAT_TO_REGENERATE,
    SAMPLE_CHAT_TO_SHARE, SAMPLE_PROJECT_CHAT, SAMPLE_PROJECT_CHAT_TO_DELETE,
    SAMPLE_PROJECT_CHATS_TO_DELETE, SAMPLE_QUESTION,
};
use neptun_tests::*;
use serde_json::{Value, json};

async fn messages_of(context: &AppContext<DynamoStore>, chat_id: ChatId) -> Vec<Value> {
    let (status, body) = send(
        context,
        Function::ListChatMessages,
        "list-chat-messages/200-list.json",
        |e| set_path(e, &format!("/api/users/1/chats/{chat_id}/messages")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["chatMessages"].as_array().cloned().unwrap_or_default()
}

fn ids(messages: &[Value]) -> Vec<u64> {
    messages.iter().filter_map(|m| m["id"].as_u64()).collect()
}

/// What the dashboard posts after an answer: the AI SDK's messages as they are.
fn ai_sdk_messages(question: &str, answer: &str) -> Value {
    json!({ "messages": [
        {"id": "msg-1", "role": "user", "content": question, "createdAt": "2026-12-01T10:00:00.000Z",
         "parts": [{"type": "text", "text": question}]},
        {"id": "msg-2", "role": "assistant", "content": answer, "createdAt": "2026-12-01T10:00:01.000Z",
         "parts": [{"type": "text", "text": answer}], "annotations": []},
    ]})
}

#[tokio::test]
async fn the_dashboards_requests_work_end_to_end() {
    let context = context().await;
    seed_sample_data(&context.store).await;

    // Create a chat: `{ model, name }`.
    let (status, created) = send(
        &context,
        Function::CreateChat,
        "create-chat/200-create.json",
        |e| {
            set_body(
                e,
                json!({"model": "qwen/Qwen2.5-72B-Instruct", "name": "Dashboard chat"}),
            )
        },
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let chat_id = created["chat"]["id"].as_u64().unwrap_or_default();
    let messages_path = format!("/api/users/1/chats/{chat_id}/messages");

    // Post the playground's messages: `{ messages }`.
    let answer = "Here:\n```python\nprint(1)\n```\nand\n```js:hello.js\nconsole.log(1)\n```";
    let (status, posted) = send(
        &context,
        Function::CreateChatMessages,
        "create-chat-messages/200-batch.json",
        |e| {
            set_path(e, &messages_path);
            set_body(e, ai_sdk_messages("Print one, twice", answer));
        },
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let answer_id = posted["chatMessages"][1]["id"].as_u64().unwrap_or_default();

    // Post the answer's code blocks: two, so a batch, one of them untitled; each carries the
    // ids the dashboard adds.
    let block = |title: &str, text: &str, language: &str, extension: &str| {
        json!({"neptun_user_id": 1, "chat_conversation_id": chat_id,
               "chat_conversation_message_id": answer_id, "title": title, "text": text,
               "language": language, "extension": extension})
    };
    let files_path = format!("/api/users/1/chats/{chat_id}/files/{answer_id}");
    let (status, files) = send(
        &context,
        Function::CreateChatFiles,
        "create-chat-files/200-batch.json",
        |e| {
            set_path(e, &files_path);
            set_body(
                e,
                json!({"files": [block("", "print(1)", "python", "py"),
                                     block("hello.js", "console.log(1)", "javascript", "js")]}),
            );
        },
    )
    .await;
    assert_eq!(status, 200, "{files}");
    assert!(
        files["chatFiles"][0]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with(".py"))
    );
    assert_eq!(files["chatFiles"][1]["name"], "hello.js");
    // A single untitled block: a bare file.
    let (status, single) = send(
        &context,
        Function::CreateChatFiles,
        "create-chat-files/200-single.json",
        |e| {
            set_path(e, &files_path);
            set_body(e, block("", "x = 1", "python", "py"));
        },
    )
    .await;
    assert_eq!(status, 200, "{single}");

    // List the files.
    let (status, listed) = send(
        &context,
        Function::GetChatFiles,
        "get-chat-files/200-list.json",
        |e| set_path(e, &format!("/api/users/1/chats/{chat_id}/files")),
    )
    .await;
    assert_eq!(
        (status, listed["chatFiles"].as_array().map(Vec::len)),
        (200, Some(3))
    );

    // List the chats as the dashboard orders them.
    let (status, chats) = send(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        |e| set_query(e, &[("order_by", "updated_at:desc,name:desc,model:desc")]),
    )
    .await;
    assert_eq!(status, 200, "{chats}");
    assert_eq!(chats["chats"][0]["id"], chat_id, "the newest chat first");

    // Rename: `{ name }`.
    let (status, renamed) = send(
        &context,
        Function::UpdateChat,
        "update-chat/200-rename.json",
        |e| {
            set_path(e, &format!("/api/users/1/chats/{chat_id}"));
            set_body(e, json!({"name": "Renamed"}));
        },
    )
    .await;
    assert_eq!(
        (status, renamed["chat"]["name"].as_str()),
        (200, Some("Renamed"))
    );
    assert_eq!(renamed["chat"]["model"], "qwen/Qwen2.5-72B-Instruct");

    // Regenerate: the answer, its question and the answer's three files go.
    let (status, regenerated) = send(
        &context,
        Function::DeleteLastChatMessage,
        "delete-last-chat-message/200-regenerate.json",
        |e| {
            set_path(e, &format!("{messages_path}/last"));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 200, "{regenerated}");
    assert_eq!(
        regenerated["maybeAssistantMessageToDelete"]["id"],
        answer_id
    );
    assert!(messages_of(&context, ChatId(chat_id)).await.is_empty());
    let (_, listed) = send(
        &context,
        Function::GetChatFiles,
        "get-chat-files/200-list.json",
        |e| set_path(e, &format!("/api/users/1/chats/{chat_id}/files")),
    )
    .await;
    assert_eq!(listed["chatFiles"], json!([]));

    // Delete one chat, then several (the dashboard sends `{ chat_ids }`).
    let (status, done) = send(
        &context,
        Function::DeleteChat,
        "delete-chat/200-delete.json",
        |e| {
            set_path(e, &format!("/api/users/1/chats/{chat_id}"));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!((status, done), (200, json!(true)));
    let (status, done) = send(
        &context,
        Function::DeleteChats,
        "delete-chats/200-delete-several.json",
        |e| {
            set_body(e, json!({"chat_ids": [1001, 1002, chat_id]}));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!((status, done), (200, json!(true)));
    let (_, chats) = send(
        &context,
        Function::ListChats,
        "list-chats/200-list.json",
        |_| {},
    )
    .await;
    let left: HashSet<u64> = ids(chats["chats"].as_array().map_or(&[][..], Vec::as_slice))
        .into_iter()
        .collect();
    assert_eq!(
        left,
        HashSet::from([
            1000,
            SAMPLE_CHAT_TO_REGENERATE.get(),
            SAMPLE_PROJECT_CHAT.get(),
            SAMPLE_PROJECT_CHAT_TO_DELETE.get(),
            SAMPLE_PROJECT_CHATS_TO_DELETE.get(),
            SAMPLE_CHAT_TO_SHARE.get(),
            SAMPLE_CHAT_SHARED_NO_MORE.get(),
        ])
    );
}

#[tokio::test]
async fn a_deleted_chat_answers_404_at_once_even_before_its_rows_are_purged() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for i in 0..5 {
        let (status, _) = send(
            &context,
            Function::CreateChatMessages,
            "create-chat-messages/200-single.json",
            |e| set_body(e, json!({"message": format!("m{i}"), "actor": "user"})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (_, page) = send(
        &context,
        Function::ListChatMessages,
        "list-chat-messages/200-list.json",
        |e| set_query(e, &[("limit", "2")]),
    )
    .await;
    let cursor = page["nextCursor"].as_str().unwrap_or_default().to_owned();

    let (status, _) = send(
        &context,
        Function::DeleteChat,
        "delete-chat/200-delete.json",
        |e| {
            set_path(e, "/api/users/1/chats/1000");
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 200);
    let rows = partition_rows(&context.store, schema::chat_pk(UserId(1), ChatId(1000))).await;
    assert!(
        rows > 1,
        "the messages and the file are still stored ({rows} rows)"
    );

    let cursor_page = event_with("list-chat-messages/200-list.json", |e| {
        set_query(e, &[("limit", "2"), ("cursor", &cursor)])
    });
    assert_eq!(
        invoke(&context, Function::ListChatMessages, cursor_page)
            .await
            .status(),
        404
    );
    for (function, event) in [
        (
            Function::ListChatMessages,
            "list-chat-messages/200-list.json",
        ),
        (Function::GetChatFiles, "get-chat-files/200-list.json"),
        (
            Function::GetChatFileContent,
            "get-chat-file-content/200-with-cookie.json",
        ),
        (
            Function::CreateChatMessages,
            "create-chat-messages/200-batch.json",
        ),
        (
            Function::CreateChatFiles,
            "create-chat-files/200-single.json",
        ),
        (Function::UpdateChat, "update-chat/200-rename.json"),
        (Function::DeleteChat, "delete-chat/404-unknown-chat.json"),
    ] {
        let request = event_with(event, |e| {
            if function == Function::DeleteChat {
                set_path(e, "/api/users/1/chats/1000");
            }
        });
        let (status, body) = json_of(invoke(&context, function, request).await);
        assert_eq!(status, 404, "{function}: {body}");
    }
    let (status, body) = send(
        &context,
        Function::DeleteLastChatMessage,
        "delete-last-chat-message/200-regenerate.json",
        |e| {
            set_path(e, "/api/users/1/chats/1000/messages/last");
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        partition_rows(&context.store, schema::chat_pk(UserId(1), ChatId(1000))).await,
        rows,
        "no create committed into the deleted chat"
    );
}

#[tokio::test]
async fn a_replayed_delete_answers_as_the_first_did_and_deletes_nothing_else() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    for _ in 0..2 {
        let response = invoke(
            &context,
            Function::DeleteChat,
            event("delete-chat/200-delete.json"),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    let again = invoke(
        &context,
        Function::DeleteChats,
        event("delete-chats/200-delete-several.json"),
    )
    .await;
    assert!(again.headers().get("idempotent-replayed").is_none());
    let again = invoke(
        &context,
        Function::DeleteChats,
        event("delete-chats/200-delete-several.json"),
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let (status, body) = send(
        &context,
        Function::DeleteChat,
        "delete-chat/200-delete.json",
        |e| {
            set_path(e, "/api/users/1/chats/1000");
        },
    )
    .await;
    assert_eq!(status, 422, "the key of another request: {body}");
}

#[tokio::test]
async fn deleting_several_never_touches_another_users_chat() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let theirs = context
        .store
        .create_chat(
            UserId(2),
            NewChat {
                name: "Not yours".into(),
                model: String::new(),
                project_id: None,
            },
            1,
            None,
        )
        .await
        .expect("a chat of user 2");
    let (status, _) = send(
        &context,
        Function::DeleteChats,
        "delete-chats/200-delete-several.json",
        |e| {
            set_body(e, json!({"chat_ids": [theirs.value.id, 1001]}));
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 200);
    let page = ChatPageRequest {
        order: ChatOrder::newest_first(),
        after: None,
        limit: None,
        byte_budget: usize::MAX,
    };
    let still = context
        .store
        .list_chats(UserId(2), ChatList::All, page)
        .await
        .expect("user 2's chats");
    assert_eq!(
        ids_of(&still.items),
        vec![theirs.value.id, SAMPLE_CHAT_TO_ERASE],
        "theirs, and user 2's sample chat"
    );
    assert_eq!(
        partition_rows(&context.store, schema::chat_pk(UserId(2), theirs.value.id)).await,
        1
    );
}

fn ids_of(chats: &[neptun_core::model::Chat]) -> Vec<ChatId> {
    chats.iter().map(|chat| chat.id).collect()
}

#[tokio::test]
async fn regenerate_shrinks_a_row_and_keeps_every_other_id() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    // One request, one row: question, answer, question, answer.
    let (status, posted) = send(
        &context,
        Function::CreateChatMessages,
        "create-chat-messages/200-batch.json",
        |e| {
            set_body(
                e,
                json!({"messages": [
            {"content": "q1", "role": "user"}, {"content": "a1", "role": "assistant"},
            {"content": "q2", "role": "user"}, {"content": "a2", "role": "assistant"}]}),
            );
        },
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let posted = ids(posted["chatMessages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice));
    let (status, body) = send(
        &context,
        Function::DeleteLastChatMessage,
        "delete-last-chat-message/200-regenerate.json",
        |e| {
            set_path(e, "/api/users/1/chats/1000/messages/last");
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["maybeAssistantMessageToDelete"]["id"], posted[3]);
    assert_eq!(body["maybeUserMessageToDelete"]["id"], posted[2]);
    let left = ids(&messages_of(&context, ChatId(1000)).await);
    assert_eq!(
        left,
        vec![
            neptun_testkit::sample::SAMPLE_MESSAGE.get(),
            posted[0],
            posted[1]
        ]
    );

    // The shortened row still holds a1 for files, and no longer a2.
    let file_for = |message_id: MessageId| {
        event_with("create-chat-files/200-single.json", move |e| {
            set_path(e, &format!("/api/users/1/chats/1000/files/{message_id}"))
        })
    };
    assert_eq!(
        invoke(
            &context,
            Function::CreateChatFiles,
            file_for(MessageId(posted[1]))
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        invoke(
            &context,
            Function::CreateChatFiles,
            file_for(MessageId(posted[3]))
        )
        .await
        .status(),
        404
    );
}

#[tokio::test]
async fn regenerate_deletes_the_files_of_the_deleted_answer() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let pk = schema::chat_pk(UserId(1), SAMPLE_CHAT_TO_REGENERATE);
    assert_eq!(
        partition_rows(&context.store, pk.clone()).await,
        4,
        "META, the question, the answer, its file"
    );
    let (status, body) = json_of(
        invoke(
            &context,
            Function::DeleteLastChatMessage,
            event("delete-last-chat-message/200-regenerate.json"),
        )
        .await,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["maybeAssistantMessageToDelete"]["id"],
        SAMPLE_ANSWER.get()
    );
    assert_eq!(
        body["maybeUserMessageToDelete"]["id"],
        SAMPLE_QUESTION.get()
    );
    assert_eq!(partition_rows(&context.store, pk).await, 1, "only META");
    let (status, body) = send(
        &context,
        Function::DeleteLastChatMessage,
        "delete-last-chat-message/200-regenerate.json",
        |e| {
            e["headers"]
                .as_object_mut()
                .map(|h| h.remove("idempotency-key"));
        },
    )
    .await;
    assert_eq!(
        (status, body["data"].as_str()),
        (400, Some("No messages found, for chat."))
    );
}

/// A regenerate racing appends to the same chat deletes exactly what it answers with: every
/// message it does not name is still there, whenever it arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn regenerate_never_deletes_a_message_it_did_not_answer_about() {
    let context = Arc::new(context().await);
    seed_sample_data(&context.store).await;
    let mut raced = 0;
    for round in 0..25 {
        let (status, _) = send(&context, Function::CreateChatMessages, "create-chat-messages/200-batch.json", |e| {
            set_body(e, json!({"messages": [{"content": format!("q{round}"), "role": "user"},
                                            {"content": format!("a{round}"), "role": "assistant"}]}));
        })
        .await;
        assert_eq!(status, 200);
        let before: HashSet<u64> = ids(&messages_of(&context, ChatId(1000)).await)
            .into_iter()
            .collect();
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let appender = {
            let (context, barrier) = (context.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                send(
                    &context,
                    Function::CreateChatMessages,
                    "create-chat-messages/200-single.json",
                    |e| {
                        set_body(
                            e,
                            json!({"message": format!("late {round}"), "actor": "user"}),
                        )
                    },
                )
                .await
            })
        };
        barrier.wait().await;
        let (status, regenerated) = send(
            &context,
            Function::DeleteLastChatMessage,
            "delete-last-chat-message/200-regenerate.json",
            |e| {
                set_path(e, "/api/users/1/chats/1000/messages/last");
                e["headers"]
                    .as_object_mut()
                    .map(|h| h.remove("idempotency-key"));
            },
        )
        .await;
        assert_eq!(status, 200, "{regenerated}");
        let (status, appended) = appender.await.expect("the appender");
        assert_eq!(status, 200, "{appended}");
        let late = appended["chatMessage"]["id"].as_u64().unwrap_or_default();

        let deleted: HashSet<u64> = match regenerated.get("deletedSuccessfully") {
            Some(list) => list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .collect(),
            None => ["maybeAssistantMessageToDelete", "maybeUserMessageToDelete"]
                .iter()
                .filter_map(|key| regenerated[key]["id"].as_u64())
                .collect(),
        };
        if deleted.contains(&late) {
            raced += 1;
        }
        let now: HashSet<u64> = ids(&messages_of(&context, ChatId(1000)).await)
            .into_iter()
            .collect();
        let expected: HashSet<u64> = before
            .iter()
            .chain([&late])
            .copied()
            .filter(|id| !deleted.contains(id))
            .collect();
        assert_eq!(now, expected, "round {round}: deleted {deleted:?}");
        // Leave an answered chat for the next round.
        let _ = send(
            &context,
            Function::DeleteLastChatMessage,
            "delete-last-chat-message/200-regenerate.json",
            |e| {
                set_path(e, "/api/users/1/chats/1000/messages/last");
                e["headers"]
                    .as_object_mut()
                    .map(|h| h.remove("idempotency-key"));
            },
        )
        .await;
    }
    eprintln!(
        "{raced} of 25 regenerates read the late message first and deleted it as the last question"
    );
}
