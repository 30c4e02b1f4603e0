//! The web app's routing recipe (`deploy/vercel/nuxt.config.routeRules.ts` with its required
//! plugin, `deploy/vercel/server/plugins/neptun-chat-api-proxy.ts`) in the real Nitro, pinned in
//! `tests/nitro/package.json`, against `cargo lambda watch`: a browser's request and the web
//! app's own in-process save (`event.$fetch`, with the incoming request's longer
//! `content-length`) both reach the API with the cookie, and the web app's own routes stay in
//! Nitro. `tests/nitro/run.mjs` says what it sends.

use std::process::Command;

use neptun_tests::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_recipe_carries_the_browsers_requests_and_the_servers_own_saves() {
    let client = client();
    let table = fresh_table(&client).await;
    let watch = Watch::start(&table);
    let session = dev_session();
    let cookie = session.seal_user(SAMPLE_USER, None, neptun_core::clock::now_ms());
    let cookie = format!("{}={cookie}", session.cookie_name());
    let chat = create_a_chat(&watch, &cookie).await;

    let node_script = repo_root().join("tests/nitro/run.mjs");
    let api_url = watch.url("");
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&node_script)
            .env("NEPTUN_NITRO_API_URL", api_url.trim_end_matches('/'))
            .env("NEPTUN_NITRO_COOKIE", cookie)
            .env("NEPTUN_NITRO_USER_ID", SAMPLE_USER.to_string())
            .env("NEPTUN_NITRO_CHAT_ID", chat.to_string())
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "node runs {} (make test installs it): {e}",
                    node_script.display()
                )
            })
    })
    .await
    .expect("the driver ran");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "the recipe's checks failed:\n{stdout}\n{stderr}\nwatch log:\n{}",
        watch.log()
    );
    for check in [
        "browser_request: ok",
        "server_save: ok",
        "web_app_routes_stay_local: ok",
    ] {
        assert!(stdout.contains(check), "{check} missing from:\n{stdout}");
    }
}

/// A chat of the sample user, created through the API, once each function the driver reaches
/// has started.
async fn create_a_chat(watch: &Watch, cookie: &str) -> u64 {
    watch
        .start_functions(&[
            ("POST", "/api/users/1/chats/1/messages"),
            ("GET", "/api/users/1/chats/1/messages"),
            ("GET", "/api/users/1/chats"),
        ])
        .await;
    let create = watch.url(&format!("/api/users/{SAMPLE_USER}/chats"));
    let cookie = cookie.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut created = ureq::post(&create)
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .send(r#"{"name": "Nitro recipe", "model": "gpt-4o"}"#)
            .expect("create a chat");
        let body: serde_json::Value =
            serde_json::from_reader(created.body_mut().as_reader()).expect("a chat as JSON");
        body["chat"]["id"].as_u64().expect("the chat's id")
    })
    .await
    .expect("the chat was created")
}
