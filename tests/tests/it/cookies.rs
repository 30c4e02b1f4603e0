//! Our sealed cookies opened by the real `iron-webcrypto` 1.2.1 in Node (the version the web
//! app runs, pinned in `tests/vectors`): what `make dev` and the tests seal is what the web app
//! would accept.

use neptun_core::ids::UserId;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use neptun_core::session::SessionConfig;
use neptun_tests::repo_root;
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    repo_root().join("tests/vectors")
}

/// Runs `node tests/vectors/verify.mjs` on a token; `None` when Node checks are skipped.
fn iron_verify(token: &str, password: &str) -> Result<Value, String> {
    let dir = vectors_dir();
    assert!(
        dir.join("node_modules/iron-webcrypto").is_dir(),
        "tests/vectors/node_modules is missing: run `make test` or `(cd tests/vectors && npm ci)` (Node 20)"
    );
    let mut child = Command::new("node")
        .arg("verify.mjs")
        .current_dir(&dir)
        .env("NUXT_SESSION_PASSWORD", password)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node (Node 20 is required): {e}"));
    // The token goes through stdin: it stays out of the process list.
    child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin"))
        .write_all(token.as_bytes())
        .unwrap_or_else(|e| panic!("cannot write to node: {e}"));
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("node failed: {e}"));
    if output.status.success() {
        serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn our_seal_unseals_in_iron_webcrypto() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(vectors_dir().join("fixtures.json")).expect("the fixtures"),
    )
    .expect("JSON fixtures");
    let password = fixture["password"].as_str().expect("a password");
    let config = SessionConfig::new(password).expect("a long password");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default();

    // verify.mjs runs iron's unseal at the real clock, so seal at the real clock.
    for (token, ttl) in [
        (config.seal_user(UserId(42), None, now), None),
        (
            config.seal_user(UserId(42), Some(3_600_000), now),
            Some(3_600_000u64),
        ),
    ] {
        let value = iron_verify(&token, password)
            .unwrap_or_else(|e| panic!("iron-webcrypto rejected our seal: {e}"));
        assert_eq!(value["data"]["user"]["id"], 42);
        assert_eq!(value["createdAt"], now);
        assert!(value["data"]["loggedInAt"].is_string());
        assert!(value["id"].is_string());
        if let Some(ttl) = ttl {
            assert_eq!(
                token.split('*').nth(5),
                Some((now + ttl).to_string().as_str())
            );
        }
    }

    // A sealed arbitrary value comes back identical.
    let value = serde_json::json!({"data": {"user": {"id": 7}}, "text": "Ä ☃ 😀 \" \\ *"});
    let token = neptun_core::session::seal(&value, password, 1, None, now);
    assert_eq!(iron_verify(&token, password).ok(), Some(value));

    // And iron-webcrypto rejects our seal under another password (the check is not vacuous).
    let other = SessionConfig::new(fixture["other_password"].as_str().expect("another"))
        .unwrap_or_else(|e| panic!("{e}"))
        .seal_user(UserId(42), None, now);
    assert!(iron_verify(&other, password).is_err());
}
