//! The session secrets read from Secrets Manager at Init (`NEPTUN_SESSION_SECRET_ARN`), on a
//! stand-in for its API.

use neptun_core::ids::UserId;
use std::collections::HashMap;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use neptun_core::context::Settings;
use neptun_dynamo::secrets::{SecretError, session_secrets};
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
