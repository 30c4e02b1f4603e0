//! The import in a live migration, against the private PostgreSQL (with pgcrypto) and
//! DynamoDB Local: rows committed out of id order or with explicit ids are found by the next
//! run, an unchanged source costs no write, projects' links and shares (passwords and
//! whitelists decrypted under `CRYPTO_SECRET`) work through the API, a wrong secret is refused
//! before anything is written, and `--verify` catches a changed share.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use neptun_core::clock::now_ms;
use neptun_core::functions::Function;
use neptun_core::ids::{ChatId, ProjectId, UserId};
use neptun_dynamo::schema;
use neptun_import::{CryptoSecret, Mode, Options, Report, SourceTable, Target};
use neptun_tests::postgres::encrypted;
use neptun_tests::proxy::StorageProxy;
use neptun_tests::*;
use serde_json::{Value, json};

use super::import::{Fixture, fixture, ids_of};

const PUBLIC_UUID: &str = "1a2b3c4d-0000-4000-8000-000000000001";
const PASSWORD_UUID: &str = "1a2b3c4d-0000-4000-8000-000000000002";
const WHITELIST_UUID: &str = "1a2b3c4d-0000-4000-8000-000000000003";

impl Fixture {
    fn cookie(&self, user: UserId, email: Option<&str>) -> String {
        let session = self.context.session.current();
        let token = match email {
            Some(email) => session.seal_user_with_email(UserId(user.get()), email, None, now_ms()),
            None => session.seal_user(UserId(user.get()), None, now_ms()),
        };
        format!("neptun-session={token}")
    }

    /// The public read of `uuid`: status and body.
    async fn read_shared(
        &self,
        uuid: &str,
        password: Option<&str>,
        cookie: Option<String>,
    ) -> (u16, Value) {
        let request = event_with("get-shared-chat/200-public.json", |e| {
            set_path(e, &format!("/api/shared/chats/{uuid}"));
            e["cookies"] = json!(cookie.into_iter().collect::<Vec<_>>());
            if let Some(password) = password {
                let credentials = STANDARD.encode(format!(":{password}"));
                e["headers"]["authorization"] = json!(format!("Basic {credentials}"));
            }
        });
        json_of(invoke(&self.context, Function::GetSharedChat, request).await)
    }

    /// `function`'s sample event as `user` on `path`.
    async fn as_owner(
        &self,
        function: Function,
        sample: &str,
        user: UserId,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let cookie = self.cookie(user, None);
        send(&self.context, function, sample, |e| {
            set_path(e, path);
            e["cookies"] = json!([cookie]);
            if let Some(body) = body {
                set_body(e, body);
            }
        })
        .await
    }

    async fn project_chats(&self, user: UserId, project: ProjectId) -> Vec<u64> {
        let (status, body) = self
            .as_owner(
                Function::ListProjectChats,
                "list-project-chats/200-list.json",
                user,
                &format!("/api/users/{user}/projects/{project}/chats"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        ids_of(
            body["chats"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default(),
        )
    }

    async fn run_with(&self, options: &Options, target: &Target) -> Report {
        neptun_import::run(options, target)
            .await
            .expect("the import runs")
    }
}

/// Shares of chats 1 (public), 2 (protected by a password) and 4 (protected by a whitelist
/// listing user 3).
async fn add_shares(fixture: &Fixture) {
    fixture
        .pg
        .batch_execute(&format!(
            "
            INSERT INTO chat_conversation_share (id, share_id, chat_conversation_id, is_protected, hashed_password) VALUES
                (1, '{PUBLIC_UUID}', 1, false, NULL),
                (2, '{PASSWORD_UUID}', 2, true, {password}),
                (3, '{WHITELIST_UUID}', 4, true, NULL);
            SELECT setval('chat_conversation_share_id_seq', 3);
            INSERT INTO chat_conversation_share_whitelist_entry (id, whitelisted_neptun_user_id, chat_conversation_share_id)
                VALUES (1, 3, 3);
            SELECT setval('chat_conversation_share_whitelist_entry_id_seq', 1);
            ",
            password = encrypted("'correct horse battery'"),
        ))
        .await
        .expect("add shares");
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_committed_out_of_id_order_or_with_explicit_ids_are_found_by_the_next_run() {
    let fixture = fixture(20, false).await;
    // A transaction that draws a message id and commits only after the first run, while a
    // later one commits before it: the first run sees the higher id only.
    let late = neptun_tests::postgres::connect_url(&fixture.url).await;
    late.batch_execute(
        "BEGIN; INSERT INTO chat_conversation_message (message, neptun_user_id, chat_conversation_id) \
         VALUES ('committed late', 1, 1);",
    )
    .await
    .expect("an open transaction");
    fixture
        .pg
        .batch_execute(
            "INSERT INTO chat_conversation_message (message, neptun_user_id, chat_conversation_id) VALUES ('committed early', 1, 1);
             INSERT INTO chat_conversation (id, name, model, neptun_user_id) VALUES (9, 'explicit id 9', 'google/gemma-2-27b-it', 1);",
        )
        .await
        .expect("rows committed first");
    let first = fixture.import().await;
    assert!(first.is_complete(), "{first}");
    assert_eq!(fixture.messages_of(UserId(1), ChatId(1)).await.len(), 4);

    late.batch_execute("COMMIT").await.expect("commit late");
    // Restored or hand-written rows with ids below the highest imported one, chats included.
    fixture
        .pg
        .batch_execute(
            "INSERT INTO chat_conversation (id, name, model, neptun_user_id) VALUES (8, 'explicit id 8', 'google/gemma-2-27b-it', 1);
             INSERT INTO chat_conversation_message (id, message, neptun_user_id, chat_conversation_id) VALUES (50, 'explicit id 50', 1, 8);
             INSERT INTO neptun_user_file (id, title, text, neptun_user_id) VALUES (3, 'restored.txt', 'restored', 1);
             INSERT INTO chat_conversation_file (id, neptun_user_id, chat_conversation_id, chat_conversation_message_id, neptun_user_file_id)
                 VALUES (12, 1, 8, 50, 3);",
        )
        .await
        .expect("rows with lower ids");
    let next = fixture.import().await;
    let written = |table| next.table(table).map(|t| t.written);
    assert_eq!(written(SourceTable::Chats), Some(1), "{next}");
    assert_eq!(written(SourceTable::Messages), Some(2), "{next}");
    assert_eq!(written(SourceTable::Files), Some(1), "{next}");
    assert_eq!(
        ids_of(&fixture.chats_of(UserId(1)).await),
        vec![9, 8, 3, 2, 1]
    );
    let texts: Vec<Value> = fixture
        .messages_of(UserId(1), ChatId(1))
        .await
        .iter()
        .map(|m| m["message"].clone())
        .collect();
    assert!(texts.contains(&json!("committed late")), "{texts:?}");
    assert_eq!(
        fixture.files_of(UserId(1), ChatId(8)).await[0]["title"],
        "restored.txt"
    );
    let verified = fixture.verify().await;
    assert!(verified.is_complete(), "{verified}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_over_an_unchanged_source_writes_nothing_and_reads_a_few_records() {
    let fixture = fixture(300, false).await;
    add_shares(&fixture).await;
    fixture
        .pg
        .batch_execute("INSERT INTO project_chat_conversation (project_id, chat_conversation_id) VALUES (1, 5);")
        .await
        .expect("a link");
    let proxy = StorageProxy::start(storage_endpoint());
    let target = Target {
        client: client_for(&proxy.endpoint()),
        table: fixture.context.store.table().to_owned(),
    };
    let options = fixture.options(Mode::Import, None);
    let Report::Import(first) = fixture.run_with(&options, &target).await else {
        panic!("an import report")
    };
    assert!(first.is_complete(), "{first}");
    assert_eq!(first.shares.created, 3, "{first}");
    proxy.take_counts();

    let Report::Import(again) = fixture.run_with(&options, &target).await else {
        panic!("an import report")
    };
    let counts = proxy.take_counts();
    let written: usize = counts
        .iter()
        .filter(|(operation, _)| !matches!(operation.as_str(), "Query" | "GetItem"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(written, 0, "{counts:?}");
    assert_eq!(counts.get("GetItem"), None, "{counts:?}");
    // Rejections (before and after), erasures, handled ids, links, shares: one page each.
    assert!(counts.get("Query").copied().unwrap_or(0) <= 6, "{counts:?}");
    assert_eq!(again.writes.items, 0);
    assert_eq!(
        (again.shares.unchanged, again.links.applied),
        (3, 0),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_keeps_its_lowest_project_and_a_link_made_later_is_applied_once() {
    let fixture = fixture(20, false).await;
    fixture
        .pg
        .batch_execute(
            "INSERT INTO project_chat_conversation (project_id, chat_conversation_id) VALUES (2, 5), (1, 5);",
        )
        .await
        .expect("links");
    let first = fixture.import().await;
    assert!(
        first
            .notes
            .iter()
            .any(|note| note.to_string().contains("linked to projects 1 and 2")),
        "{first}"
    );
    assert_eq!(
        fixture.project_chats(UserId(3), ProjectId(1)).await,
        vec![5]
    );
    assert!(
        fixture
            .project_chats(UserId(3), ProjectId(2))
            .await
            .is_empty()
    );

    // Chat 6 was imported outside any project, then added to one in the web app.
    fixture
        .pg
        .batch_execute("INSERT INTO project_chat_conversation (project_id, chat_conversation_id) VALUES (2, 6);")
        .await
        .expect("a later link");
    let next = fixture.import().await;
    assert_eq!(next.links.applied, 1, "{next}");
    assert_eq!(
        fixture.project_chats(UserId(3), ProjectId(2)).await,
        vec![6]
    );
    assert_eq!(
        ids_of(&fixture.chats_of(UserId(3)).await),
        vec![6, 5],
        "still in the user's list"
    );
    assert_eq!(fixture.import().await.links.applied, 0, "applied once");
    let verified = fixture.verify().await;
    assert!(verified.is_complete(), "{verified}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shares_open_as_before_and_follow_the_source_unless_the_api_changed_them() {
    let fixture = fixture(20, false).await;
    add_shares(&fixture).await;
    let first = fixture.import().await;
    assert_eq!(first.shares.created, 3, "{first}");

    // The links handed out keep working: public, the original password, the whitelist.
    let (status, page) = fixture.read_shared(PUBLIC_UUID, None, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["chatMessages"].as_array().map(Vec::len), Some(3));
    assert_eq!(fixture.read_shared(PASSWORD_UUID, None, None).await.0, 401);
    assert_eq!(
        fixture
            .read_shared(PASSWORD_UUID, Some("wrong"), None)
            .await
            .0,
        401
    );
    let (status, page) = fixture
        .read_shared(PASSWORD_UUID, Some("correct horse battery"), None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(fixture.read_shared(WHITELIST_UUID, None, None).await.0, 401);
    let listed = fixture.cookie(UserId(3), Some("Linus@Example.com"));
    assert_eq!(
        fixture
            .read_shared(WHITELIST_UUID, None, Some(listed))
            .await
            .0,
        200
    );
    let other = fixture.cookie(UserId(1), Some("ada@example.com"));
    assert_eq!(
        fixture
            .read_shared(WHITELIST_UUID, None, Some(other))
            .await
            .0,
        403
    );
    let (status, body) = fixture
        .as_owner(
            Function::GetChatShare,
            "get-chat-share/200-shared.json",
            UserId(1),
            "/api/users/1/chats/2/shares",
            None,
        )
        .await;
    assert_eq!(
        (status, body.as_str()),
        (200, Some(PASSWORD_UUID)),
        "{body}"
    );
    let verified = fixture.verify().await;
    assert!(verified.is_complete(), "{verified}");
    assert_eq!(verified.shares, 3);

    // No secret in the clear anywhere in the table.
    let items = fixture
        .context
        .store
        .client()
        .scan()
        .table_name(fixture.context.store.table())
        .send()
        .await
        .expect("scan");
    let dump = format!("{:?}", items.items);
    assert!(
        !dump.contains("correct horse"),
        "the password is stored only hashed"
    );
    assert!(dump.contains("$argon2id$"));

    // Changed in the web app: the next run follows; the share the API changed stays the API's.
    let (status, body) = fixture
        .as_owner(
            Function::CreateChatShare,
            "create-chat-share/200-public.json",
            UserId(2),
            "/api/users/2/chats/4/shares",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    fixture
        .pg
        .batch_execute(&format!(
            "UPDATE chat_conversation_share SET is_shared = false WHERE id = 1;
             UPDATE chat_conversation_share SET hashed_password = {} WHERE id = 2;
             INSERT INTO chat_conversation_share_whitelist_entry (whitelisted_neptun_user_id, chat_conversation_share_id) VALUES (1, 3);",
            encrypted("'a new password'")
        ))
        .await
        .expect("change the shares");
    let next = fixture.import().await;
    assert_eq!(
        (next.shares.updated, next.shares.kept.len()),
        (2, 1),
        "{next}"
    );
    assert_eq!(fixture.read_shared(PUBLIC_UUID, None, None).await.0, 404);
    assert_eq!(
        fixture
            .read_shared(PASSWORD_UUID, Some("correct horse battery"), None)
            .await
            .0,
        401
    );
    assert_eq!(
        fixture
            .read_shared(PASSWORD_UUID, Some("a new password"), None)
            .await
            .0,
        200
    );
    let anyone = fixture.read_shared(WHITELIST_UUID, None, None).await;
    assert_eq!(anyone.0, 200, "the API made it public: {}", anyone.1);

    // Deleted in the web app: gone here too, the chat no longer names it.
    fixture
        .pg
        .batch_execute("DELETE FROM chat_conversation_share WHERE id = 1;")
        .await
        .expect("delete a share");
    assert_eq!(fixture.import().await.shares.deleted, 1);
    let (status, body) = fixture
        .as_owner(
            Function::GetChatShare,
            "get-chat-share/200-shared.json",
            UserId(1),
            "/api/users/1/chats/1/shares",
            None,
        )
        .await;
    assert_eq!((status, body), (200, Value::Null));
    assert_eq!(fixture.read_shared(PUBLIC_UUID, None, None).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_is_refused_before_anything_is_written() {
    let fixture = fixture(5, false).await;
    add_shares(&fixture).await;
    // pgcrypto keys AES with the first 32 bytes of the secret: a near miss differs early.
    for wrong in [
        "another-secret-entirely",
        "uest-crypto-secret-of-the-web-app",
    ] {
        let options = Options {
            crypto_secret: CryptoSecret::new(wrong.to_owned()).expect("a secret"),
            ..fixture.options(Mode::Import, None)
        };
        let error = neptun_import::run(&options, &fixture.target())
            .await
            .expect_err("a wrong secret");
        let shown = neptun_core::error::ErrorChain(&error).to_string();
        assert!(shown.contains("CRYPTO_SECRET does not decrypt"), "{shown}");
        assert!(!shown.contains(wrong), "{shown}");
        assert_eq!(fixture.table_items().await, 0, "nothing written");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_catches_a_changed_share_without_showing_its_password() {
    let fixture = fixture(5, false).await;
    add_shares(&fixture).await;
    fixture.import().await;
    assert!(fixture.verify().await.is_complete());
    let store = &fixture.context.store;
    let other_hash = neptun_core::shares::password::hash("another password").expect("a hash");
    store
        .client()
        .update_item()
        .table_name(store.table())
        .key(
            schema::PK,
            AttributeValue::S(schema::share_pk(PASSWORD_UUID)),
        )
        .key(schema::SK, AttributeValue::S(schema::SHARE_SK.to_owned()))
        .update_expression("SET password_hash = :h")
        .expression_attribute_values(":h", AttributeValue::S(other_hash))
        .send()
        .await
        .expect("change a share's password");
    let broken = fixture.verify().await;
    assert!(!broken.is_complete());
    let shown = broken.to_string();
    assert!(
        shown.contains("chat_conversation_share 2 (user 1, chat 2): different"),
        "{shown}"
    );
    assert!(!shown.contains("correct horse"), "{shown}");
}
