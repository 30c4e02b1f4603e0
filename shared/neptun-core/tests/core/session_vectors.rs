//! Interoperability with the real JavaScript libraries (h3 1.15.3, iron-webcrypto 1.2.1):
//! tokens from `tests/vectors/fixtures.json` (made by `tests/vectors/generate.mjs`), and our
//! seals checked by `tests/vectors/verify.mjs`.

use std::path::PathBuf;

use http::HeaderMap;
use http::header::{COOKIE, HeaderName, HeaderValue};
use neptun_core::ids::UserId;
use neptun_core::session::{SessionConfig, SessionError, unseal, user_id};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

struct Fixture {
    json: Value,
}

impl Fixture {
    fn load() -> Self {
        let path = vectors_dir().join("fixtures.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        Self { json }
    }

    fn str(&self, key: &str) -> &str {
        self.json[key]
            .as_str()
            .unwrap_or_else(|| panic!("fixture has no string {key}"))
    }

    fn now_ms(&self) -> u64 {
        self.json["now_ms"]
            .as_u64()
            .unwrap_or_else(|| panic!("fixture has no now_ms"))
    }

    fn config(&self) -> SessionConfig {
        SessionConfig::new(self.str("password"))
            .unwrap_or_else(|e| panic!("{e}"))
            .with_cookie_name(self.str("cookie_name"))
    }

    fn list(&self, key: &str) -> &[Value] {
        self.json[key]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_else(|| panic!("fixture has no array {key}"))
    }

    fn case(&self, name: &str) -> &Value {
        self.list("cases")
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("fixture has no case {name}"))
    }

    fn token(&self, name: &str) -> &str {
        self.case(name)["token"]
            .as_str()
            .unwrap_or_else(|| panic!("case {name} has no token"))
    }
}

fn cookie_headers(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.append(
        COOKIE,
        HeaderValue::from_str(cookie).unwrap_or_else(|e| panic!("bad header value: {e}")),
    );
    headers
}

#[derive(Debug, PartialEq)]
enum Outcome {
    User(UserId),
    Anonymous,
    Reject,
}

fn expected(case: &Value) -> Outcome {
    match &case["expect"] {
        Value::String(s) if s == "reject" => Outcome::Reject,
        Value::String(s) if s == "anonymous" => Outcome::Anonymous,
        Value::Object(o) => Outcome::User(UserId(
            o.get("user")
                .and_then(Value::as_u64)
                .unwrap_or_else(|| panic!("bad expect in {case}")),
        )),
        other => panic!("bad expect {other}"),
    }
}

#[test]
fn fixture_was_made_by_the_pinned_libraries() {
    let fixture = Fixture::load();
    assert_eq!(fixture.json["generator"]["h3"], "1.15.3");
    assert_eq!(fixture.json["generator"]["iron-webcrypto"], "1.2.1");
    assert!(fixture.list("cases").len() >= 20);
}

#[test]
fn h3_login_cookie_authenticates_user_42() {
    let fixture = Fixture::load();
    let config = fixture.config();
    // Replay the Set-Cookie like a browser: the `name=value` pair before the attributes.
    let set_cookie = fixture.case("h3-login")["set_cookie"]
        .as_str()
        .unwrap_or_else(|| panic!("h3-login has no set_cookie"));
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let pair = set_cookie.split(';').next().unwrap_or_default();
    assert_eq!(
        config.authenticate(&cookie_headers(pair), fixture.now_ms()),
        Ok(UserId(42))
    );
    // An h3 token has no expiration: valid at any time.
    assert_eq!(
        config.authenticate(&cookie_headers(pair), u64::MAX),
        Ok(UserId(42))
    );
}

#[test]
fn h3_cookie_in_lambda_http_joined_headers() {
    let fixture = Fixture::load();
    let config = fixture.config();
    let token = fixture.token("h3-login");
    let now = fixture.now_ms();
    for cookie in [
        format!("a=b; neptun-session={token}; c=d"),
        format!("a=b;neptun-session={token};c=d"),
        format!("neptun-session={token};c=d"),
        format!("a=b;neptun-session={token}"),
    ] {
        assert_eq!(
            config.authenticate(&cookie_headers(&cookie), now),
            Ok(UserId(42)),
            "{cookie}"
        );
    }
}

#[test]
fn every_token_case_matches_the_libraries() {
    let fixture = Fixture::load();
    let config = fixture.config();
    let now = fixture.now_ms();
    let password = fixture.str("password");
    let cookie_name = fixture.str("cookie_name");
    for case in fixture.list("cases") {
        let name = case["name"].as_str().unwrap_or_default();
        let token = case["token"].as_str().unwrap_or_default();
        let want = expected(case);

        // Through the cookie, as a function sees it.
        let got = config.authenticate(&cookie_headers(&format!("{cookie_name}={token}")), now);
        match &want {
            Outcome::User(id) => assert_eq!(got, Ok(*id), "case {name}"),
            Outcome::Anonymous => assert_eq!(got, Err(SessionError::NoUser), "case {name}"),
            Outcome::Reject => assert!(
                got.is_err() && got != Err(SessionError::NoUser),
                "case {name}: {got:?}"
            ),
        }

        // And the low-level unseal: anonymous sessions are valid seals.
        let unsealed = unseal(token, password, 1, now);
        match want {
            Outcome::Reject => assert!(unsealed.is_err(), "case {name}"),
            Outcome::Anonymous => {
                let value = unsealed.unwrap_or_else(|e| panic!("case {name}: {e}"));
                assert_eq!(user_id(&value), Err(SessionError::NoUser), "case {name}");
            }
            Outcome::User(id) => {
                let value = unsealed.unwrap_or_else(|e| panic!("case {name}: {e}"));
                assert_eq!(user_id(&value), Ok(id), "case {name}");
            }
        }
    }
}

#[test]
fn specific_rejection_reasons() {
    let fixture = Fixture::load();
    let config = fixture.config();
    let now = fixture.now_ms();
    for (name, reason) in [
        ("h3-logout", SessionError::Missing),
        ("h3-login-other-password", SessionError::BadMac),
        ("iron-expired", SessionError::Expired),
        ("iron-skew-boundary-rejected", SessionError::Expired),
        ("iron-extended-expiration", SessionError::BadMac),
        ("tampered-hmac", SessionError::BadMac),
        ("tampered-ciphertext", SessionError::BadMac),
        ("tampered-iv", SessionError::BadMac),
        ("tampered-hmac-salt", SessionError::BadMac),
        ("another-password", SessionError::BadMac),
        ("seven-parts", SessionError::PartCount),
        ("nine-parts", SessionError::PartCount),
        ("nine-parts-empty", SessionError::PartCount),
        ("wrong-prefix", SessionError::BadPrefix),
        ("non-digit-expiration", SessionError::BadExpiration),
        ("negative-expiration", SessionError::BadExpiration),
        ("non-canonical-hmac", SessionError::BadMac),
        ("h3-anonymous", SessionError::NoUser),
        ("h3-logged-in-at-only", SessionError::NoUser),
    ] {
        let cookie = format!("neptun-session={}", fixture.token(name));
        assert_eq!(
            config.authenticate(&cookie_headers(&cookie), now),
            Err(reason),
            "case {name}"
        );
    }
}

#[test]
fn within_skew_is_accepted_and_expires_later() {
    let fixture = Fixture::load();
    let config = fixture.config();
    let now = fixture.now_ms();
    let cookie = cookie_headers(&format!(
        "neptun-session={}",
        fixture.token("iron-within-skew")
    ));
    assert_eq!(config.authenticate(&cookie, now), Ok(UserId(42)));
    // It expired 30 s before now: 30 s later it is beyond the 60 s skew.
    assert_eq!(
        config.authenticate(&cookie, now + 30_000),
        Err(SessionError::Expired)
    );
}

#[test]
fn every_request_case_matches_h3() {
    let fixture = Fixture::load();
    let config = fixture.config();
    let now = fixture.now_ms();
    for case in fixture.list("requests") {
        let name = case["name"].as_str().unwrap_or_default();
        let mut headers = HeaderMap::new();
        for pair in case["headers"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let header = pair[0].as_str().unwrap_or_default();
            let value = pair[1].as_str().unwrap_or_default();
            headers.append(
                HeaderName::from_bytes(header.as_bytes())
                    .unwrap_or_else(|e| panic!("case {name}: {e}")),
                HeaderValue::from_str(value).unwrap_or_else(|e| panic!("case {name}: {e}")),
            );
        }
        let got = config.authenticate(&headers, now);
        match expected(case) {
            Outcome::User(id) => assert_eq!(got, Ok(id), "request case {name}"),
            _ => assert!(got.is_err(), "request case {name}: {got:?}"),
        }
    }
}

/// A keyring of the fixture's `rotation` section as our configuration: a map of ids (as
/// iron-webcrypto's, `default` being the empty id), or a plain password.
fn rotation_config(keyring: &Value) -> SessionConfig {
    if let Some(password) = keyring.as_str() {
        return SessionConfig::new(password).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut entries = keyring
        .as_object()
        .unwrap_or_else(|| panic!("a keyring is a map or a string"))
        .iter()
        .map(|(id, secret)| {
            let id = if id == "default" { "" } else { id.as_str() };
            (id, secret.as_str().unwrap_or_default())
        });
    let (id, secret) = entries.next().unwrap_or_else(|| panic!("an empty keyring"));
    let config = SessionConfig::new(secret)
        .and_then(|config| config.with_password_id(id, "test"))
        .unwrap_or_else(|e| panic!("{e}"));
    entries.fold(config, |config, (id, secret)| {
        config
            .with_previous(secret, id)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

#[test]
fn rotation_keyrings_unseal_as_iron_webcrypto_does() {
    let fixture = Fixture::load();
    let rotation = &fixture.json["rotation"];
    let now = fixture.now_ms();
    let keyrings = rotation["keyrings"]
        .as_object()
        .unwrap_or_else(|| panic!("fixture has no rotation keyrings"));
    let cases = rotation["cases"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    assert!(cases.len() >= 10, "only {} rotation cases", cases.len());
    for (keyring_name, keyring) in keyrings {
        let config = rotation_config(keyring);
        for case in cases {
            let name = case["name"].as_str().unwrap_or_default();
            let token = case["token"].as_str().unwrap_or_default();
            let expected = &case["expect"][keyring_name];
            let got = config.unseal(token, now).and_then(|value| user_id(&value));
            match expected["user"].as_u64() {
                Some(user) => assert_eq!(got, Ok(UserId(user)), "{keyring_name}: {name}"),
                None => assert!(
                    got.is_err(),
                    "{keyring_name}: {name} opened, iron-webcrypto says {}",
                    expected["error"]
                ),
            }
        }
    }
}

#[test]
fn a_rotation_of_plain_passwords_accepts_both_and_nothing_else() {
    let fixture = Fixture::load();
    let rotation = &fixture.json["rotation"];
    let now = fixture.now_ms();
    let config = SessionConfig::new(rotation["current_password"].as_str().unwrap_or_default())
        .and_then(|config| {
            config.with_previous(
                rotation["previous_password"].as_str().unwrap_or_default(),
                "",
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let cases = rotation["cases"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let token = case["token"].as_str().unwrap_or_default();
        let got = config.unseal(token, now).and_then(|value| user_id(&value));
        // Plain passwords ignore the token's id, as iron-webcrypto does with a string: what
        // either secret sealed opens, an edited token or an expired one does not.
        let edited = case["note"]
            .as_str()
            .is_some_and(|note| note.contains("field 1"));
        let sealed_intact = !edited && name != "expired-unknown-id";
        assert_eq!(got.is_ok(), sealed_intact, "{name}: {got:?}");
    }
}
