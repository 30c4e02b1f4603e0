//! The import's rate and peak memory (`neptun-bench import`, `scripts/bench-import.sh`).

use neptun_tests::postgres::{CRYPTO_SECRET, encrypted};
use neptun_tests::proxy::StorageProxy;
use neptun_tests::{client, fresh_table, repo_root, storage_endpoint};

/// `neptun-bench import`: `make bench`'s import figures. `NEPTUN_IMPORT_BENCH_MESSAGES`
/// (100,000) messages in chats of 100 among 10 users, a file per 20 messages, a fifth of the
/// chats in projects and a tenth shared (a third of those with a password, each share with a
/// whitelist entry), imported by the optimised `import` binary (`NEPTUN_IMPORT_BIN`) over TLS
/// (`sslmode=verify-full`, the TLS-only server) into the engine through a proxy that counts
/// DynamoDB requests, under GNU time: the first run, a run over the unchanged source, and a
/// catch-up run after rows were added below the highest imported ids. Writes a Markdown section
/// to `NEPTUN_IMPORT_BENCH_OUT` (or prints it); stops if a run fails or the unchanged run
/// writes anything.
pub async fn import_only() {
    let messages: u64 = std::env::var("NEPTUN_IMPORT_BENCH_MESSAGES")
        .ok()
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(100_000);
    let binary = std::env::var("NEPTUN_IMPORT_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target/bench-tools/import"));
    // Over TLS, checked as against a hosted database: the TLS-only server, verify-full.
    let tls = neptun_tests::postgres::tls_only();
    let database = tls.server.web_app_database().await;
    let pg = tls.server.connect(&database).await;
    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        tls.server
            .url(&database)
            .replacen("@127.0.0.1:", "@localhost:", 1),
        tls.ca_file.display()
    );
    let chats = (messages / 100).max(1);
    pg.batch_execute(&format!(
        "
        INSERT INTO neptun_user (id, primary_email) SELECT g, {email} FROM generate_series(1, 10) g;
        INSERT INTO chat_conversation (id, name, model, created_at, updated_at, neptun_user_id)
            SELECT g, 'Chat ' || g, 'google/gemma-2-27b-it', now(), now(), 1 + g % 10 FROM generate_series(1, {chats}) g;
        INSERT INTO chat_conversation_message (id, message, actor, created_at, updated_at, neptun_user_id, chat_conversation_id)
            SELECT g, repeat('Message ' || g || ' about Python. ', 15),
                   (CASE WHEN g % 2 = 0 THEN 'assistant' ELSE 'user' END)::chat_conversation_message_actor_enum,
                   now(), now(), 1 + ((g - 1) / 100 + 1) % 10, (g - 1) / 100 + 1
            FROM generate_series(1, {messages}) g WHERE g % 1000 <> 499;
        INSERT INTO neptun_user_file (id, title, text, language, file_extension, created_at, updated_at, neptun_user_id)
            SELECT g, 'file' || g || '.py', 'print(' || g || ')', 'python', 'py', now(), now(), 1
            FROM generate_series(1, {files}) g;
        INSERT INTO chat_conversation_file (id, created_at, updated_at, neptun_user_id, chat_conversation_id, chat_conversation_message_id, neptun_user_file_id)
            SELECT g, now(), now(), 1 + ((g * 20 - 1) / 100 + 1) % 10, (g * 20 - 1) / 100 + 1, g * 20, g
            FROM generate_series(1, {files}) g;
        INSERT INTO neptun_user_project (id, name, neptun_user_id) SELECT g, 'Project ' || g, g FROM generate_series(1, 10) g;
        INSERT INTO project_chat_conversation (project_id, chat_conversation_id)
            SELECT 1 + g % 10, g FROM generate_series(1, {chats}) g WHERE g % 5 = 0;
        INSERT INTO chat_conversation_share (id, chat_conversation_id, is_protected, hashed_password)
            SELECT g / 10, g, g % 30 = 0, CASE WHEN g % 30 = 0 THEN {password} END
            FROM generate_series(10, {chats}, 10) g;
        INSERT INTO chat_conversation_share_whitelist_entry (whitelisted_neptun_user_id, chat_conversation_share_id)
            SELECT 1 + s.id % 10, s.id FROM chat_conversation_share s;
        ",
        files = messages / 20,
        email = encrypted("'user' || g || '@example.com'"),
        password = encrypted("'password of chat ' || g"),
    ))
    .await
    .expect("generate the source");
    let client = client();
    let table = fresh_table(&client).await;
    let proxy = StorageProxy::start(storage_endpoint());
    let run = |label: &'static str| {
        let output = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%e %M %U %S"])
            .arg(&binary)
            .env("DATABASE_URL", &url)
            .env("CRYPTO_SECRET", CRYPTO_SECRET)
            .env("TABLE_NAME", &table)
            .env("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint())
            .output()
            .unwrap_or_else(|error| panic!("run {}: {error}", binary.display()));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "the {label} failed:\n{stderr}");
        let figures: Vec<f64> = stderr
            .lines()
            .last()
            .map(|line| line.split(' ').filter_map(|f| f.parse().ok()).collect())
            .unwrap_or_default();
        let [seconds, max_rss_kb, user, system] = figures[..] else {
            panic!("no GNU time line in:\n{stderr}")
        };
        let mut counts: Vec<(String, usize)> = proxy.take_counts().into_iter().collect();
        counts.sort();
        let requests = counts
            .iter()
            .map(|(operation, n)| format!("{n} {operation}"))
            .collect::<Vec<_>>()
            .join(", ");
        let writes: usize = counts
            .iter()
            .filter(|(operation, _)| {
                operation.contains("Write")
                    || operation.starts_with("Put")
                    || operation.starts_with("Delete")
            })
            .map(|(_, n)| n)
            .sum();
        (
            format!(
                "| {label} | {seconds:.2} s | {:.2} s | {:.1} MB | {requests} |\n",
                user + system,
                max_rss_kb / 1024.0
            ),
            writes,
        )
    };
    let (first, _) = run("first run");
    let (unchanged, unchanged_writes) = run("again, nothing changed");
    assert_eq!(unchanged_writes, 0, "an unchanged source writes nothing");
    // Rows committed late with ids below the highest imported: one message per 1,000 ids.
    pg.batch_execute(&format!(
        "INSERT INTO chat_conversation_message (id, message, neptun_user_id, chat_conversation_id)
            SELECT g, 'committed late', 1 + ((g - 1) / 100 + 1) % 10, (g - 1) / 100 + 1
            FROM generate_series(499, {messages}, 1000) g;"
    ))
    .await
    .expect("add rows below the highest id");
    let (catch_up, _) = run("again, after rows with lower ids were added");
    let rows = messages + messages / 20 + 2 * chats;
    let section = format!(
        "## Import\n\n`import` of `neptun-import` ({}) of {messages} messages in {chats} chats of 10 users, a file \
         per 20 messages ({rows} rows: messages, files and two per chat), {} project links, {} shares \
         ({} with a password, each with a whitelist entry), from a private PostgreSQL that refuses \
         connections without TLS (`sslmode=verify-full` against its own CA) into the local \
         engine through a proxy that counts DynamoDB requests, under GNU time. The last run \
         finds the {} messages committed after the first two runs with ids below the highest \
         one imported:\n\n\
         | run | wall time | CPU (user + system) | peak RSS | DynamoDB requests |\n|---|--:|--:|--:|---|\n\
         {first}{unchanged}{catch_up}",
        binary
            .display()
            .to_string()
            .rsplit("target/")
            .next()
            .unwrap_or_default(),
        chats / 5,
        chats / 10,
        chats / 30,
        messages / 1000,
    );
    match std::env::var("NEPTUN_IMPORT_BENCH_OUT") {
        Ok(path) => std::fs::write(&path, &section).unwrap_or_else(|e| panic!("{path}: {e}")),
        Err(_) => println!("{section}"),
    }
}
