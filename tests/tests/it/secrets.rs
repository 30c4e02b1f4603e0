//! The session secrets read from Secrets Manager at Init (`NEPTUN_SESSION_SECRET_ARN`) and again
//! once their TTL has passed, on a stand-in for its API.

use neptun_core::functions::Function;
use neptun_core::ids::UserId;
use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use neptun_core::context::Settings;
use neptun_dynamo::secrets::{SecretError, SessionSecret, session_secrets};
use neptun_tests::secrets_manager::{SecretsManagerStandIn, StoredSecret};
use neptun_tests::*;

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:neptun/session-AbCdEf";
const BINARY_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:binary-AbCdEf";
const CURRENT: &str = "the-session-secret-in-secrets-manager-0123456789";

async fn config_for(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(neptun_dynamo::client::https_client(
            &neptun_dynamo::tls::TrustRoots::default(),
        ))
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .load()
        .await
}

#[tokio::test]
async fn the_session_secrets_come_from_secrets_manager_with_the_previous_one() {
    let secret = serde_json::json!({"password": CURRENT, "previous_password": DEV_PASSWORD});
    let stand_in = SecretsManagerStandIn::start(HashMap::from([
        (ARN.to_owned(), StoredSecret::Text(secret.to_string())),
        (BINARY_ARN.to_owned(), StoredSecret::Binary),
    ]))
    .await;
    let config = config_for(&stand_in.endpoint()).await;

    let secrets = session_secrets(&config, ARN).await.expect("the secret");
    let session = Settings::from_env_with(Some(secrets))
        .expect("settings")
        .session;
    let now = neptun_core::clock::now_ms();
    let cookie = |token: String| {
        let mut headers = http::HeaderMap::new();
        let value = format!("neptun-session={token}");
        headers.insert(http::header::COOKIE, value.parse().expect("a header"));
        headers
    };
    let current = neptun_core::session::SessionConfig::new(CURRENT).expect("a secret");
    assert_eq!(
        session.authenticate(&cookie(current.seal_user(UserId(5), None, now)), now),
        Ok(UserId(5))
    );
    assert_eq!(
        session.authenticate(&cookie(dev_session().seal_user(UserId(6), None, now)), now),
        Ok(UserId(6)),
        "the previous secret"
    );
    assert_eq!(stand_in.calls(), 1, "one call at Init");

    let missing = session_secrets(
        &config,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:none",
    )
    .await
    .err();
    match missing {
        Some(SecretError::Fetch(reason)) => {
            assert!(reason.contains("ResourceNotFoundException"), "{reason}");
        }
        other => panic!("expected a failed read, got {other:?}"),
    }
    assert!(matches!(
        session_secrets(&config, BINARY_ARN).await,
        Err(SecretError::NoSecretString)
    ));
}

/// A list request of user 1 with a session sealed by `secret`.
fn list_request_sealed_with(secret: &str) -> lambda_http::Request {
    let sealer = neptun_core::session::SessionConfig::new(secret).expect("a secret");
    let token = sealer.seal_user(UserId(1), None, neptun_core::clock::now_ms());
    event_with("list-chats/200-list.json", |event| {
        event["cookies"] = serde_json::json!([format!("neptun-session={token}")]);
    })
}

#[tokio::test]
async fn a_rotation_reaches_a_warm_function_within_its_ttl_with_one_read_per_ttl() {
    const TTL: Duration = Duration::from_secs(3);
    let stand_in = SecretsManagerStandIn::start(HashMap::from([(
        ARN.to_owned(),
        StoredSecret::Text(DEV_PASSWORD.to_owned()),
    )]))
    .await;
    let config = config_for(&stand_in.endpoint()).await;
    let secret = SessionSecret::new(&config, ARN);
    let secrets = secret.read().await.expect("the secret at Init");
    let mut context = Settings::from_env_with(Some(secrets))
        .expect("settings")
        .with_store(fresh_store().await);
    let read_at = neptun_core::clock::now_ms();
    context.session = context
        .session
        .refreshed_from(Box::new(secret), TTL, read_at);
    let status = |request| async {
        invoke(&context, Function::ListChats, request)
            .await
            .status()
            .as_u16()
    };

    assert_eq!(status(list_request_sealed_with(DEV_PASSWORD)).await, 200);
    stand_in.set(ARN, Some(StoredSecret::Text(CURRENT.to_owned())));
    assert_eq!(
        status(list_request_sealed_with(CURRENT)).await,
        401,
        "the secret read at Init holds until its TTL"
    );
    assert_eq!(stand_in.calls(), 1, "no read per request");

    tokio::time::sleep(TTL.saturating_sub(Duration::from_millis(
        neptun_core::clock::now_ms().saturating_sub(read_at),
    )))
    .await;
    assert_eq!(status(list_request_sealed_with(CURRENT)).await, 200);
    assert_eq!(status(list_request_sealed_with(DEV_PASSWORD)).await, 401);
    assert_eq!(stand_in.calls(), 2, "one more read for the TTL that passed");
    // At most one read per TTL, however many requests (a slow machine may pass a TTL here).
    let (started, reads) = (std::time::Instant::now(), stand_in.calls());
    for _ in 0..20 {
        assert_eq!(status(list_request_sealed_with(CURRENT)).await, 200);
    }
    let ttls_passed = started.elapsed().as_millis() / TTL.as_millis();
    assert!(stand_in.calls() - reads <= usize::try_from(ttls_passed).unwrap_or(usize::MAX) + 1);

    // The store gone: the function keeps the secret it has.
    let reads = stand_in.calls();
    stand_in.set(ARN, None);
    tokio::time::sleep(TTL).await;
    assert_eq!(status(list_request_sealed_with(CURRENT)).await, 200);
    assert!(stand_in.calls() > reads, "read again, and failed");
}
