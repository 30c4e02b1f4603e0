//! The import of the web app's chats, end to end: a private PostgreSQL server (see
//! `neptun_tests::postgres`) with the web app's tables and generated data, the test DynamoDB,
//! and the API's own handlers reading the imported chats back.

use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, MessageId, UserId};
use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use lambda_http::Request;
use neptun_core::context::AppContext;
use neptun_core::ids;
use neptun_dynamo::DynamoStore;
use neptun_dynamo::schema;
use neptun_import::{self, ImportReport, Mode, Options, Report, SourceTable, Target, VerifyReport};
use neptun_tests::postgres::{CRYPTO_SECRET, Postgres, encrypted};
use neptun_tests::proxy::{Mode as ProxyMode, StorageProxy};
use neptun_tests::*;
use serde_json::{Value, json};

const OVERSIZED_BYTES: usize = 600_000;

/// The generated source: users 1 to 4 (4 has no chats), unicode, NULL titles and timestamps,
/// a 200 KB message, one over the API's 256 KiB limit (stored), one too large for an item
/// (rejected, with the file attached to it), a chat of `long_chat` messages, an out-of-scope
/// table.
async fn fill(pg: &tokio_postgres::Client, long_chat: u32, oversized: bool) {
    pg.batch_execute(&format!(
        "
        INSERT INTO neptun_user (id, primary_email) VALUES
            (1, {ada}), (2, {grace}), (3, {linus}), (4, {none});
        INSERT INTO chat_conversation (id, name, model, created_at, updated_at, neptun_user_id) VALUES
            (1, 'Python questions', 'google/gemma-2-27b-it', '2024-03-20 10:00:00.123456', '2024-03-21 11:30:00.987654', 1),
            (2, 'Grüße aus Köln 🐍 — 日本語 — שלום', 'meta-llama/Meta-Llama-3.1-8B-Instruct', '2024-03-22 08:00:00', '2024-03-22 08:00:00', 1),
            (3, 'No times at all', 'mistralai/Mistral-7B-Instruct-v0.3', NULL, NULL, 1),
            (4, 'A long conversation', 'google/gemma-2-27b-it', '2024-01-01 00:00:00', '2024-06-01 00:00:00.5', 2),
            (5, 'Linus one', 'google/gemma-2-27b-it', '2024-02-01 00:00:00', '2024-02-01 00:00:00', 3),
            (6, 'Linus two', 'google/gemma-2-27b-it', '2024-02-02 00:00:00', '2024-02-02 00:00:00', 3);
        SELECT setval('chat_conversation_id_seq', 6);
        INSERT INTO chat_conversation_message (id, message, actor, created_at, updated_at, neptun_user_id, chat_conversation_id) VALUES
            (1, 'What is Python?', 'user', '2024-03-20 10:00:01.500', '2024-03-20 10:00:01.500', 1, 1),
            (2, E'Python is a language.\\n```py\\nprint(\"hi\")\\n```', 'assistant', '2024-03-20 10:00:02.250999', '2024-03-20 10:00:09', 1, 1),
            (3, 'Thanks!', 'user', NULL, NULL, 1, 1),
            (4, 'Grüße! 👋 こんにちは', 'user', '2024-03-22 08:00:01', '2024-03-22 08:00:01', 1, 2),
            (5, 'שלום ✓ ça va', 'assistant', '2024-03-22 08:00:02', '2024-03-22 08:00:02', 1, 2),
            (6, 'hello', 'user', '2023-05-05 05:05:05.005', '2023-05-05 05:05:05.005', 1, 3),
            (7, 'hi there', 'assistant', NULL, '2023-05-05 05:05:06', 1, 3);
        INSERT INTO chat_conversation_message (id, message, actor, created_at, updated_at, neptun_user_id, chat_conversation_id)
            SELECT 100 + g, 'message ' || g || ' ' || repeat('x', g % 50),
                   (CASE WHEN g % 2 = 0 THEN 'assistant' ELSE 'user' END)::chat_conversation_message_actor_enum,
                   '2024-01-01'::timestamp + g * interval '1 second' + interval '0.0125 s',
                   '2024-01-01'::timestamp + g * interval '1 second' + interval '0.0125 s', 2, 4
            FROM generate_series(1, {long_chat}) AS g;
        INSERT INTO chat_conversation_message (id, message, actor, created_at, updated_at, neptun_user_id, chat_conversation_id) VALUES
            (100000, repeat('ß', 100000), 'assistant', '2024-06-01 00:00:00', '2024-06-01 00:00:00', 2, 4),
            (100001, repeat('a', 300 * 1024), 'assistant', '2024-06-01 00:00:01', '2024-06-01 00:00:01', 2, 4),
            (100003, 'first of Linus', 'user', '2024-02-01 00:00:01', '2024-02-01 00:00:01', 3, 5),
            (100004, 'second of Linus', 'assistant', '2024-02-01 00:00:02', '2024-02-01 00:00:02', 3, 5),
            (100005, 'only message', 'user', '2024-02-02 00:00:01', '2024-02-02 00:00:01', 3, 6);
        SELECT setval('chat_conversation_message_id_seq', 100005);
        INSERT INTO neptun_user_file (id, title, text, language, file_extension, created_at, updated_at, neptun_user_id) VALUES
            (1, 'hello.py', 'print(''hello'')', 'python', 'py', '2024-03-20 10:00:03', '2024-03-20 10:00:03', 1),
            (2, NULL, 'SELECT 1; -- grüße', 'sql', 'sql', NULL, NULL, 1),
            (4, 'notes.md', '# Linus', 'markdown', 'md', '2024-02-01 00:00:03', '2024-02-01 00:00:03', 3);
        SELECT setval('neptun_user_file_id_seq', 4);
        INSERT INTO chat_conversation_file (id, created_at, updated_at, neptun_user_id, chat_conversation_id, chat_conversation_message_id, neptun_user_file_id) VALUES
            (10, '2024-03-20 10:00:03.777', '2024-03-20 10:00:04', 1, 1, 2, 1),
            (11, NULL, NULL, 1, 1, 2, 2),
            (13, '2024-02-01 00:00:03', '2024-02-01 00:00:03', 3, 5, 100004, 4);
        SELECT setval('chat_conversation_file_id_seq', 13);
        INSERT INTO neptun_user_project (id, name, neptun_user_id) VALUES (1, 'a project', 3), (2, 'another', 3);
        "
    , ada = encrypted("'ada@example.com'"), grace = encrypted("'grace@example.com'"),
      linus = encrypted("'linus@example.com'"), none = encrypted("'none@example.com'")))
    .await
    .expect("fill the web app's tables");
    if oversized {
        pg.batch_execute(&format!(
            "
            INSERT INTO chat_conversation_message (id, message, actor, created_at, updated_at, neptun_user_id, chat_conversation_id)
                VALUES (100002, repeat('z', {OVERSIZED_BYTES}), 'assistant', '2024-06-01 00:00:02', '2024-06-01 00:00:02', 2, 4);
            INSERT INTO neptun_user_file (id, title, text, language, file_extension, neptun_user_id)
                VALUES (3, 'z.txt', 'zzz', 'text', 'txt', 2);
            INSERT INTO chat_conversation_file (id, neptun_user_id, chat_conversation_id, chat_conversation_message_id, neptun_user_file_id)
                VALUES (12, 2, 4, 100002, 3);
            "
        ))
        .await
        .expect("add the oversized message");
    }
}

pub(crate) fn secret() -> neptun_import::CryptoSecret {
    neptun_import::CryptoSecret::new(CRYPTO_SECRET.to_owned()).expect("a secret")
}

pub(crate) struct Fixture {
    pub(crate) url: String,
    pub(crate) pg: tokio_postgres::Client,
    pub(crate) context: AppContext<DynamoStore>,
}

pub(crate) async fn fixture(long_chat: u32, oversized: bool) -> Fixture {
    fixture_on(neptun_tests::postgres::shared(), long_chat, oversized).await
}

/// The generated source in a new database of `server`, and a fresh table.
pub(crate) async fn fixture_on(server: &Postgres, long_chat: u32, oversized: bool) -> Fixture {
    let database = server.web_app_database().await;
    let pg = server.connect(&database).await;
    fill(&pg, long_chat, oversized).await;
    Fixture {
        url: server.url(&database),
        pg,
        context: context().await,
    }
}

impl Fixture {
    pub(crate) fn target(&self) -> Target {
        Target {
            client: self.context.store.client().clone(),
            table: self.context.store.table().to_owned(),
        }
    }

    pub(crate) fn options(&self, mode: Mode, users: Option<Vec<u64>>) -> Options {
        Options {
            database_url: self.url.clone(),
            users,
            mode,
            parallelism: 4,
            crypto_secret: secret(),
        }
    }

    pub(crate) async fn run(&self, mode: Mode, users: Option<Vec<u64>>) -> Report {
        neptun_import::run(&self.options(mode, users), &self.target())
            .await
            .expect("the import runs")
    }

    pub(crate) async fn import(&self) -> ImportReport {
        match self.run(Mode::Import, None).await {
            Report::Import(report) => *report,
            Report::Verify(_) => unreachable!("an import reports an import"),
        }
    }

    pub(crate) async fn verify(&self) -> VerifyReport {
        match self.run(Mode::Verify, None).await {
            Report::Verify(report) => report,
            Report::Import(_) => unreachable!("a verification reports one"),
        }
    }

    /// A request to `path` as `user`, from the sample event of `function`.
    pub(crate) fn request(
        &self,
        template: &str,
        user: UserId,
        path: &str,
        query: &[(&str, &str)],
    ) -> Request {
        self.request_with(template, user, path, query, None)
    }

    pub(crate) fn request_with(
        &self,
        template: &str,
        user: UserId,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Request {
        let cookie = self.context.session.current().seal_user(
            UserId(user.get()),
            None,
            neptun_core::clock::now_ms(),
        );
        event_with(template, |event| {
            set_path(event, path);
            set_query(event, query);
            event["cookies"] = json!([format!("neptun-session={cookie}")]);
            if let Some(body) = body {
                event["body"] = Value::String(body.to_string());
            }
        })
    }

    /// Every item of a list route, following `nextCursor` with pages of `limit`.
    pub(crate) async fn list_all(
        &self,
        function: Function,
        user: UserId,
        path: &str,
        key: &str,
        limit: &str,
    ) -> Vec<Value> {
        let template = match function {
            Function::ListChats => "list-chats/200-list.json",
            Function::ListChatMessages => "list-chat-messages/200-list.json",
            _ => "get-chat-files/200-list.json",
        };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("limit", limit)];
            if let Some(cursor) = &cursor {
                query.push(("cursor", cursor.as_str()));
            }
            let response = invoke(
                &self.context,
                function,
                self.request(template, user, path, &query),
            )
            .await;
            let (status, body) = json_of(response);
            assert_eq!(status, 200, "{path}: {body}");
            items.extend(body[key].as_array().cloned().unwrap_or_default());
            match body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }

    pub(crate) async fn chats_of(&self, user: UserId) -> Vec<Value> {
        self.list_all(
            Function::ListChats,
            user,
            &format!("/api/users/{user}/chats"),
            "chats",
            "2",
        )
        .await
    }

    pub(crate) async fn messages_of(&self, user: UserId, chat: ChatId) -> Vec<Value> {
        let path = format!("/api/users/{user}/chats/{chat}/messages");
        self.list_all(
            Function::ListChatMessages,
            user,
            &path,
            "chatMessages",
            "1000",
        )
        .await
    }

    pub(crate) async fn files_of(&self, user: UserId, chat: ChatId) -> Vec<Value> {
        let path = format!("/api/users/{user}/chats/{chat}/files");
        self.list_all(Function::GetChatFiles, user, &path, "chatFiles", "1")
            .await
    }

    pub(crate) async fn rows_in(&self, pk: String) -> usize {
        partition_rows(&self.context.store, pk).await
    }

    pub(crate) async fn table_items(&self) -> i32 {
        self.context
            .store
            .client()
            .scan()
            .table_name(self.context.store.table())
            .select(Select::Count)
            .send()
            .await
            .expect("count the table")
            .count
    }
}

/// `timestamp` as the API writes it, from PostgreSQL itself (NULL stays NULL).
const API_TIME: &str = "to_char(%s, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

fn api_time(column: &str) -> String {
    API_TIME.replace("%s", column)
}

pub(crate) fn ids_of(items: &[Value]) -> Vec<u64> {
    items
        .iter()
        .filter_map(|item| item["id"].as_u64())
        .collect()
}

#[tokio::test]
async fn imported_chats_read_back_through_the_api_as_the_source_holds_them() {
    let fixture = fixture(5_000, true).await;
    let report = fixture.import().await;
    eprintln!("{report}");

    // The source, chat by chat, against list-chats (paginated, two per page).
    for user in 1..=4u64 {
        let rows = fixture
            .pg
            .query(
                &format!(
                    "SELECT id::int8, name, model::text, {}, {} FROM chat_conversation \
                     WHERE neptun_user_id = $1 ORDER BY id DESC",
                    api_time("created_at"),
                    api_time("updated_at")
                ),
                &[&(user as i32)],
            )
            .await
            .expect("source chats");
        let chats = fixture.chats_of(UserId(user)).await;
        assert_eq!(chats.len(), rows.len(), "user {user}");
        for (chat, row) in chats.iter().zip(&rows) {
            assert_eq!(chat["id"], json!(row.get::<_, i64>(0)));
            assert_eq!(chat["name"], json!(row.get::<_, String>(1)));
            assert_eq!(chat["model"], json!(row.get::<_, String>(2)));
            assert_eq!(chat["neptun_user_id"], json!(user));
            if let Some(created) = row.get::<_, Option<String>>(3) {
                assert_eq!(chat["created_at"], json!(created));
                assert_eq!(chat["updated_at"], json!(row.get::<_, Option<String>>(4)));
            }
        }
    }
    let chats = fixture.chats_of(UserId(1)).await;
    assert_eq!(
        chats[2]["created_at"], "2024-03-20T10:00:00.123Z",
        "ms kept, micros cut"
    );
    assert_eq!(chats[2]["updated_at"], "2024-03-21T11:30:00.987Z");
    // The chat without times has its first message's time, and says so.
    assert_eq!(chats[0]["id"], 3);
    assert_eq!(chats[0]["created_at"], "2023-05-05T05:05:05.005Z");
    assert_eq!(chats[0]["updated_at"], "2023-05-05T05:05:05.005Z");
    assert!(report.notes.iter().any(|note| {
        note.to_string()
            .contains("chat_conversation 3: created_at is NULL")
    }));

    // Messages: every one, in order, with text, actor and time as the source has them.
    for (user, chat) in [(1u64, 1u64), (1, 2), (1, 3), (2, 4), (3, 5), (3, 6)] {
        let rows = fixture
            .pg
            .query(
                &format!(
                    "SELECT id::int8, message, actor::text, {} FROM chat_conversation_message \
                     WHERE chat_conversation_id = $1 AND octet_length(message) <= 400000 ORDER BY id",
                    api_time("created_at")
                ),
                &[&(chat as i32)],
            )
            .await
            .expect("source messages");
        let messages = fixture.messages_of(UserId(user), ChatId(chat)).await;
        assert_eq!(messages.len(), rows.len(), "chat {chat}");
        for (message, row) in messages.iter().zip(&rows) {
            assert_eq!(message["id"], json!(row.get::<_, i64>(0)));
            assert_eq!(
                message["message"],
                json!(row.get::<_, String>(1)),
                "message {}",
                message["id"]
            );
            assert_eq!(message["actor"], json!(row.get::<_, String>(2)));
            assert_eq!(message["chat_conversation_id"], json!(chat));
            if let Some(created) = row.get::<_, Option<String>>(3) {
                assert_eq!(message["created_at"], json!(created));
            }
        }
    }
    let long = fixture.messages_of(UserId(2), ChatId(4)).await;
    assert_eq!(long.len(), 5_000 + 2);
    assert_eq!(long[0]["created_at"], "2024-01-01T00:00:01.012Z");
    assert_eq!(long[5_000]["message"].as_str().map(str::len), Some(200_000));
    assert_eq!(
        long[5_001]["message"].as_str().map(str::len),
        Some(300 * 1024)
    );
    // A NULL time: the nearest known time of its chat (its own updated_at, else the chat's).
    let first = fixture.messages_of(UserId(1), ChatId(1)).await;
    assert_eq!(first[1]["created_at"], "2024-03-20T10:00:02.250Z");
    assert_eq!(first[2]["created_at"], "2024-03-20T10:00:00.123Z");
    assert_eq!(
        fixture.messages_of(UserId(1), ChatId(3)).await[1]["created_at"],
        "2023-05-05T05:05:06.000Z"
    );

    // Files, with their signed URLs serving the content.
    let files = fixture.files_of(UserId(1), ChatId(1)).await;
    assert_eq!(ids_of(&files), vec![10, 11]);
    assert_eq!(files[0]["title"], "hello.py");
    assert_eq!(files[0]["chat_conversation_message_id"], 2);
    assert_eq!(files[0]["language"], "python");
    assert_eq!(files[0]["extension"], "py");
    assert_eq!(files[0]["created_at"], "2024-03-20T10:00:03.777Z");
    assert_eq!(files[1]["title"], "", "a NULL title becomes empty");
    assert_eq!(files[1]["extension"], "sql");
    assert_eq!(
        files[1]["created_at"], "2024-03-20T10:00:02.250Z",
        "its message's time"
    );
    for (file, text) in files.iter().zip(["print('hello')", "SELECT 1; -- grüße"]) {
        let url = file["url"].as_str().expect("a signed URL");
        let (status, _, body) = text_of(
            invoke(
                &fixture.context,
                Function::GetChatFileContent,
                open_url(url),
            )
            .await,
        );
        assert_eq!((status, body.as_str()), (200, text));
    }
    assert_eq!(
        ids_of(&fixture.files_of(UserId(3), ChatId(5)).await),
        vec![13]
    );

    // Too large for an item: listed, recorded, not stored; its file goes with it.
    assert!(!report.is_complete());
    let rejected: Vec<(SourceTable, u64)> = report
        .rejected_in_scope
        .iter()
        .map(|rejection| (rejection.table, rejection.id))
        .collect();
    assert_eq!(
        rejected,
        vec![(SourceTable::Messages, 100_002), (SourceTable::Files, 12)]
    );
    assert_eq!(report.rejected_in_scope[0].bytes, OVERSIZED_BYTES as u64);
    assert!(
        report
            .to_string()
            .contains("chat_conversation_message 100002 (user 2, chat 4): 600000 bytes")
    );
    assert!(fixture.files_of(UserId(2), ChatId(4)).await.is_empty());
    // Over the API's limit but storable: stored and listed.
    assert!(
        report
            .notes
            .iter()
            .any(|note| matches!(note, neptun_import::Note::OverApiLimit { id: 100_001, .. }))
    );
    let messages = report.table(SourceTable::Messages).expect("messages");
    assert_eq!(
        (messages.written, messages.rejected),
        (5_000 + 7 + 2 + 3, 1)
    );
    assert!(
        report
            .other_tables
            .contains(&("neptun_user_project".to_owned(), 2))
    );

    // The API goes on from the imported chats: new messages after them, files on them.
    let path = "/api/users/1/chats/1/messages";
    let body = json!({"messages": [{"content": "And now?", "role": "user"}]});
    let (status, created) = json_of(
        invoke(
            &fixture.context,
            Function::CreateChatMessages,
            fixture.request_with(
                "create-chat-messages/200-batch.json",
                UserId(1),
                path,
                &[],
                Some(body),
            ),
        )
        .await,
    );
    assert_eq!(status, 200, "{created}");
    let new_id = created["chatMessages"][0]["id"].as_u64().expect("an id");
    assert!(new_id >= ids::FIRST_API_ID);
    assert_eq!(
        ids_of(&fixture.messages_of(UserId(1), ChatId(1)).await),
        vec![1, 2, 3, new_id]
    );
    let file =
        json!({"title": "again.py", "text": "print(2)", "language": "python", "extension": "py"});
    let attach = |message: MessageId| {
        fixture.request_with(
            "create-chat-files/200-single.json",
            UserId(1),
            &format!("/api/users/1/chats/1/files/{message}"),
            &[],
            Some(file.clone()),
        )
    };
    let (status, body) = json_of(
        invoke(
            &fixture.context,
            Function::CreateChatFiles,
            attach(MessageId(2)),
        )
        .await,
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = json_of(
        invoke(
            &fixture.context,
            Function::CreateChatFiles,
            attach(MessageId(4)),
        )
        .await,
    );
    assert_eq!(status, 404, "message 4 is in another chat");
    assert_eq!(fixture.files_of(UserId(1), ChatId(1)).await.len(), 3);
    let (status, body) = json_of(
        invoke(
            &fixture.context,
            Function::CreateChat,
            fixture.request_with(
                "create-chat/200-create.json",
                UserId(1),
                "/api/users/1/chats",
                &[],
                Some(json!({"name": "new"})),
            ),
        )
        .await,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        fixture.chats_of(UserId(1)).await[0]["name"],
        "new",
        "new chats list first"
    );

    // Once is enough: a second run writes nothing and leaves the API's rows alone.
    let items = fixture.table_items().await;
    let again = fixture.import().await;
    assert_eq!(again.writes.items, 0, "{again}");
    assert_eq!(fixture.table_items().await, items);
    assert_eq!(
        ids_of(&fixture.messages_of(UserId(1), ChatId(1)).await),
        vec![1, 2, 3, new_id]
    );
    assert_eq!(
        again.rejected_in_scope.len(),
        2,
        "earlier rejections are still reported"
    );
}

#[tokio::test]
async fn new_source_rows_are_added_and_deleted_chats_stay_deleted() {
    let fixture = fixture(20, false).await;
    let first = fixture.import().await;
    assert!(first.is_complete(), "{first}");

    // What the API's chat delete does: the chat's rows are gone.
    let store = &fixture.context.store;
    for (pk, sk) in [
        (schema::user_pk(UserId(1)), schema::chat_sk(ChatId(2))),
        (
            schema::chat_pk(UserId(1), ChatId(2)),
            schema::CHAT_META_SK.to_owned(),
        ),
    ] {
        store
            .client()
            .delete_item()
            .table_name(store.table())
            .key(schema::PK, AttributeValue::S(pk))
            .key(schema::SK, AttributeValue::S(sk))
            .send()
            .await
            .expect("delete");
    }
    // Meanwhile the web app wrote on.
    fixture
        .pg
        .batch_execute(
            "
            INSERT INTO chat_conversation (name, model, neptun_user_id) VALUES ('Added later', 'google/gemma-2-27b-it', 1);
            INSERT INTO chat_conversation_message (message, neptun_user_id, chat_conversation_id) VALUES
                ('to an old chat', 1, 1), ('to the new chat', 1, 7), ('to a chat deleted through the API', 1, 2);
            INSERT INTO neptun_user_file (title, text, neptun_user_id) VALUES ('later.txt', 'later', 1);
            INSERT INTO chat_conversation_file (neptun_user_id, chat_conversation_id, chat_conversation_message_id, neptun_user_file_id)
                VALUES (1, 1, 1, 5);
            ",
        )
        .await
        .expect("more source rows");
    let next = fixture.import().await;
    let count = |table| next.table(table).map(|t| (t.written, t.parent_gone));
    assert_eq!(count(SourceTable::Chats), Some((1, 0)));
    assert_eq!(count(SourceTable::Messages), Some((2, 1)), "{next}");
    assert_eq!(count(SourceTable::Files), Some((1, 0)));
    assert_eq!(next.writes.items, 2 + 2 + 1);
    assert_eq!(ids_of(&fixture.chats_of(UserId(1)).await), vec![7, 3, 1]);
    assert_eq!(
        fixture.messages_of(UserId(1), ChatId(7)).await[0]["message"],
        "to the new chat"
    );
    assert_eq!(fixture.messages_of(UserId(1), ChatId(1)).await.len(), 4);
    assert_eq!(fixture.files_of(UserId(1), ChatId(1)).await.len(), 3);
    assert_eq!(
        fixture.rows_in(schema::chat_pk(UserId(1), ChatId(2))).await,
        2,
        "not resurrected"
    );
}

#[tokio::test]
async fn user_runs_import_only_those_users_and_full_runs_complete_them() {
    let fixture = fixture(50, false).await;
    let Report::Import(only) = fixture.run(Mode::Import, Some(vec![3])).await else {
        panic!("an import report")
    };
    assert_eq!(only.users, 1);
    assert_eq!(ids_of(&fixture.chats_of(UserId(3)).await), vec![6, 5]);
    assert!(fixture.chats_of(UserId(1)).await.is_empty());
    assert!(fixture.chats_of(UserId(2)).await.is_empty());
    assert_eq!(
        only.table(SourceTable::Messages).map(|t| t.written),
        Some(3)
    );

    let all = fixture.import().await;
    let messages = all.table(SourceTable::Messages).expect("messages");
    assert_eq!(
        messages.handled_before, 3,
        "user 3's rows are not read again"
    );
    assert_eq!(messages.written, 7 + 50 + 2);
    assert_eq!(ids_of(&fixture.chats_of(UserId(1)).await), vec![3, 2, 1]);
    assert!(fixture.verify().await.is_complete());
}

#[tokio::test]
async fn a_dry_run_reads_and_checks_everything_and_writes_nothing() {
    let fixture = fixture(30, true).await;
    let Report::Import(dry) = fixture.run(Mode::DryRun, None).await else {
        panic!("an import report")
    };
    assert!(dry.dry_run);
    assert_eq!(fixture.table_items().await, 0, "nothing written");
    let written = |table| dry.table(table).map(|t| t.written);
    assert_eq!(written(SourceTable::Chats), Some(6));
    assert_eq!(written(SourceTable::Messages), Some(7 + 30 + 2 + 3));
    assert_eq!(written(SourceTable::Files), Some(3));
    assert_eq!(dry.rejected_in_scope.len(), 2);
    assert!(dry.to_string().contains("would write"));
    assert!(!dry.is_complete());

    let real = fixture.import().await;
    assert_eq!(
        real.writes.items, dry.writes.items,
        "the dry run said what the run writes"
    );
}

#[tokio::test]
async fn verify_checks_every_row_and_catches_differences() {
    let fixture = fixture(200, false).await;
    fixture.import().await;
    let clean = fixture.verify().await;
    assert!(clean.is_complete(), "{clean}");
    assert_eq!((clean.chats, clean.rows), (6, 6 + 7 + 200 + 2 + 3 + 3));
    assert_eq!(clean.matching, clean.rows);

    // Created through the API since: counted, never a difference.
    let body = json!({"message": "new", "actor": "user"});
    let request = fixture.request_with(
        "create-chat-messages/200-single.json",
        UserId(2),
        "/api/users/2/chats/4/messages",
        &[],
        Some(body),
    );
    assert_eq!(
        json_of(invoke(&fixture.context, Function::CreateChatMessages, request).await).0,
        200
    );
    let after_api = fixture.verify().await;
    assert!(after_api.is_complete(), "{after_api}");
    assert_eq!(after_api.added_since, 1);

    // A changed message and a lost one.
    let store = &fixture.context.store;
    let key = |id: u64| {
        HashMap::from([
            (
                schema::PK.to_owned(),
                AttributeValue::S(schema::chat_pk(UserId(2), ChatId(4))),
            ),
            (
                schema::SK.to_owned(),
                AttributeValue::S(schema::message_chunk_sk(id)),
            ),
        ])
    };
    store
        .client()
        .update_item()
        .table_name(store.table())
        .set_key(Some(key(150)))
        .update_expression("SET created_at = :t")
        .expression_attribute_values(":t", AttributeValue::N("1".into()))
        .send()
        .await
        .expect("change a message");
    store
        .client()
        .delete_item()
        .table_name(store.table())
        .set_key(Some(key(151)))
        .send()
        .await
        .expect("lose a message");
    let broken = fixture.verify().await;
    assert!(!broken.is_complete());
    assert_eq!(
        (broken.different, broken.missing, broken.chats_differing),
        (1, 1, 1),
        "{broken}"
    );
    let problems: Vec<String> = broken.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        vec![
            "chat_conversation_message 150 (user 2, chat 4): different",
            "chat_conversation_message 151 (user 2, chat 4): missing",
        ]
    );
}

/// Waits until the import has saved some handled message ids (it is mid-way), up to a
/// minute; returns the highest id saved in their first block.
async fn wait_for_saved_messages(fixture: &Fixture) -> u64 {
    let store = &fixture.context.store;
    for _ in 0..1200 {
        let output = store
            .client()
            .get_item()
            .table_name(store.table())
            .key(
                schema::PK,
                AttributeValue::S(neptun_import::rows::import_pk()),
            )
            .key(
                schema::SK,
                AttributeValue::S(neptun_import::rows::ids_sk(SourceTable::Messages.name(), 0)),
            )
            .send()
            .await
            .expect("read the saved ids");
        let highest = output.item.and_then(|item| {
            let ranges = item.get("ranges")?.as_s().ok()?.clone();
            ranges
                .rsplit([',', '-'])
                .next()
                .and_then(|last| last.parse().ok())
        });
        if let Some(highest) = highest {
            return highest;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the import never saved its messages' ids")
}

/// Waits until the run has written row `(pk, sk)`.
async fn wait_for_row(fixture: &Fixture, pk: String, sk: &str) {
    let store = &fixture.context.store;
    for _ in 0..15_000 {
        let output = store
            .client()
            .get_item()
            .table_name(store.table())
            .key(schema::PK, AttributeValue::S(pk.clone()))
            .key(schema::SK, AttributeValue::S(sk.to_owned()))
            .send()
            .await
            .expect("read a row");
        if output.item.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the import never wrote {pk} {sk}")
}

/// The API wins every race with the import: a chat deleted and a user erased through the API
/// while a run writes them stay gone, from the API's answer on, after that run (and the sweep
/// of the purges it left) and after the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_and_an_erasure_racing_a_run_are_never_undone() {
    use neptun_dynamo::purge::SWEEP_GRACE;

    let fixture = fixture(6_000, false).await;
    let options = Options {
        parallelism: 1,
        ..fixture.options(Mode::Import, None)
    };
    let target = fixture.target();
    let run = tokio::spawn(async move { neptun_import::run(&options, &target).await });
    // As soon as the run has written them, chat 4 (user 2's, 6,000 messages) is deleted and
    // user 3 (chats 5 and 6) erased, while the run goes on.
    let (user_2, user_3) = (UserId(2), UserId(3));
    wait_for_row(
        &fixture,
        schema::chat_pk(user_2, ChatId(4)),
        schema::CHAT_META_SK,
    )
    .await;
    let delete = fixture.request(
        "delete-chat/200-delete.json",
        user_2,
        "/api/users/2/chats/4",
        &[],
    );
    let (status, body) = json_of(invoke(&fixture.context, Function::DeleteChat, delete).await);
    assert_eq!(status, 200, "{body}");
    wait_for_row(
        &fixture,
        schema::chat_pk(user_3, ChatId(5)),
        schema::CHAT_META_SK,
    )
    .await;
    let erase = fixture.request(
        "delete-chats/200-erase-all.json",
        user_3,
        "/api/users/3/chats",
        &[],
    );
    let (status, body) = json_of(invoke(&fixture.context, Function::DeleteChats, erase).await);
    assert_eq!(status, 200, "{body}");

    // The purge that follows the stream empties the chats' partitions at once, while the run
    // still writes to them: what it writes after this is the import's to give to the purge.
    let store = &fixture.context.store;
    let sweep = |now: u64| {
        store.sweep_pending_purges(now + SWEEP_GRACE.as_millis() as u64, SWEEP_GRACE, None)
    };
    sweep(neptun_core::clock::now_ms()).await.expect("a sweep");

    let raced = run.await.expect("the run's task").expect("the run");
    let Report::Import(raced) = raced else {
        panic!("an import reports an import")
    };
    assert!(!ids_of(&fixture.chats_of(user_2).await).contains(&4));
    assert_eq!(fixture.chats_of(user_3).await, Vec::<Value>::new());
    sweep(neptun_core::clock::now_ms()).await.expect("a sweep");
    for (user, chat) in [(user_2, 4), (user_3, 5), (user_3, 6)] {
        let rows = fixture.rows_in(schema::chat_pk(user, ChatId(chat))).await;
        assert_eq!(rows, 0, "chat {chat} after the raced run: {raced}");
    }

    let again = fixture.import().await;
    assert!(again.is_complete(), "{again}");
    assert!(!ids_of(&fixture.chats_of(user_2).await).contains(&4));
    assert_eq!(fixture.chats_of(user_3).await, Vec::<Value>::new());
    sweep(neptun_core::clock::now_ms()).await.expect("a sweep");
    for (user, chat) in [(user_2, 4), (user_3, 5), (user_3, 6)] {
        assert_eq!(
            fixture.rows_in(schema::chat_pk(user, ChatId(chat))).await,
            0
        );
    }
    assert_eq!(
        fixture.messages_of(UserId(1), ChatId(1)).await.len(),
        3,
        "the rest is there"
    );
}

#[tokio::test]
async fn killed_throttled_and_cut_off_imports_complete_when_run_again() {
    let fixture = fixture(12_000, false).await;
    let total_messages = 7 + 12_000 + 2 + 3;

    // Killed halfway: the import task is dropped mid-write, as a crash or Ctrl-C would (one
    // batch in flight at a time, so that it is surely still running when it first saves).
    let options = Options {
        parallelism: 1,
        ..fixture.options(Mode::Import, None)
    };
    let target = fixture.target();
    let crashed = tokio::spawn(async move { neptun_import::run(&options, &target).await });
    let saved = wait_for_saved_messages(&fixture).await;
    crashed.abort();
    let _ = crashed.await;
    assert!(saved < 12_100, "killed before the end ({saved})");

    // Throttled, then storage goes away: the run fails, and says where to resume.
    let proxy = StorageProxy::start(storage_endpoint());
    let through_proxy = Target {
        client: client_for(&proxy.endpoint()),
        table: fixture.context.store.table().to_owned(),
    };
    let options = fixture.options(Mode::Import, None);
    let cut_off = tokio::spawn({
        let target = through_proxy.clone();
        async move { neptun_import::run(&options, &target).await }
    });
    // Some batches through, a few throttled ones (each retried with backoff), some through
    // again, then storage is gone.
    proxy.wait_for_calls("BatchWriteItem", 4).await;
    proxy.set_mode(ProxyMode::Throttle);
    proxy.wait_for_calls("BatchWriteItem", 6).await;
    proxy.set_mode(ProxyMode::Forward);
    proxy.wait_for_calls("BatchWriteItem", 4).await;
    proxy.set_mode(ProxyMode::Refuse);
    let cut_off = cut_off.await.expect("the task ends");
    let error = cut_off.expect_err("storage went away mid-way");
    let error = neptun_core::error::ErrorChain(&error).to_string();
    assert!(
        !error.contains("Throttling"),
        "throttling is ridden out: {error}"
    );

    // Run again: it completes, nothing twice, nothing missing.
    let resumed = fixture.import().await;
    let messages = resumed.table(SourceTable::Messages).expect("messages");
    // Rows whose ids were saved are not even read again.
    assert!(messages.written < total_messages as u64, "{resumed}");
    let verified = fixture.verify().await;
    assert!(verified.is_complete(), "{verified}");
    assert_eq!(verified.matching, 6 + total_messages as u64 + 3);
    assert_eq!(
        fixture.messages_of(UserId(2), ChatId(4)).await.len(),
        12_002
    );
}
