//! The published Neptun CLI (PyPI `neptun` 0.1.12, `.tools/cli-venv`) as a real client: its own
//! `ChatService` against `cargo lambda watch`, behind a stand-in for the web app's origin
//! (`tests/python/cli/drive_chat_service.py` says what it calls and which of the CLI's bugs it
//! works around).

use std::process::Command;

use neptun_tests::origin::OriginStandIn;
use neptun_tests::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_published_cli_creates_lists_reads_renames_and_deletes_a_chat() {
    let client = client();
    let table = fresh_table(&client).await;
    let watch = Watch::start(&table);
    let session = dev_session();
    let origin = OriginStandIn::start(format!("127.0.0.1:{}", watch.port()), session.clone()).await;
    let cookie = session.seal_user(SAMPLE_USER, None, neptun_core::clock::now_ms());
    start_the_functions_the_cli_calls(&watch).await;

    let python = repo_root().join(".tools/cli-venv/bin/python");
    let driver = repo_root().join("tests/python/cli/drive_chat_service.py");
    let run = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(&driver)
            .env("NEPTUN_CLI_ORIGIN", origin.origin())
            .env("NEPTUN_CLI_COOKIE", cookie)
            .env("NEPTUN_CLI_USER_ID", SAMPLE_USER.to_string())
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{} runs (make test installs the CLI into .tools/cli-venv): {e}",
                    python.display()
                )
            })
    })
    .await
    .expect("the driver ran");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "the CLI's calls failed:\n{stdout}\n{stderr}\nwatch log:\n{}",
        watch.log()
    );
    for call in [
        "create_chat: ok",
        "list_chats: ok",
        "get_chat_messages: ok",
        "get_chat_files: ok",
        "update_chat: ok",
        "delete_chat: ok",
        "list_chats_after_delete: ok",
    ] {
        assert!(stdout.contains(call), "{call} missing from:\n{stdout}");
    }
}

/// Starts each function the CLI calls: `cargo lambda watch` compiles and starts a function at its
/// first request, far beyond the CLI's 5 s timeout.
async fn start_the_functions_the_cli_calls(watch: &Watch) {
    watch
        .start_functions(&[
            ("POST", "/api/users/1/chats"),
            ("GET", "/api/users/1/chats"),
            ("GET", "/api/users/1/chats/1/messages"),
            ("GET", "/api/users/1/chats/1/files"),
            ("PATCH", "/api/users/1/chats/1"),
            ("DELETE", "/api/users/1/chats/1"),
        ])
        .await;
}
