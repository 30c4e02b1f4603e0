//! What a share's password costs its public read (`get-shared-chat`): one Argon2id
//! verification for a request that gives the password, an HMAC for one that presents the
//! access cookie instead, on the whole core and at Lambda's CPU shares.

use std::sync::Arc;

use neptun_core::shares::access::{self, ShareGrant};
use neptun_testkit::sample::{SAMPLE_PASSWORD_SHARE, SAMPLE_SHARE_PASSWORD_HASH};
use serde_json::Value;

use crate::measure::{Bench, Binary, Setup, Steady};

pub const FUNCTION: &str = "get-shared-chat";
/// The sample event that gives the password (`Authorization: Basic`).
pub const EVENT: &str = "get-shared-chat/200-password.json";
/// Requests measured per row, after [`WARM_UP`] more: within the share's 10 password attempts
/// a minute, which are given back between rows ([`give_attempts_back`]).
pub const REQUESTS: usize = 5;
pub const WARM_UP: usize = 1;

/// How the reader proves it knows the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    Password,
    AccessCookie,
}

impl Presented {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Password => "the password (Argon2id)",
            Self::AccessCookie => "the access cookie (HMAC)",
        }
    }
}

/// One row: the CPU it ran on (`None`: the whole core), what the requests presented, and
/// what they cost.
pub struct PasswordCost {
    pub memory_mb: Option<u32>,
    pub presented: Presented,
    pub steady: Steady,
}

/// The sample request that gives the password, and the same with the access cookie instead.
fn events() -> (Arc<str>, Arc<str>) {
    let password = neptun_tests::event_json(EVENT);
    let mut cookie = password.clone();
    if let Some(headers) = cookie["headers"].as_object_mut() {
        headers.remove("authorization");
    }
    let key = neptun_tests::dev_session().derive_key(access::KEY_PURPOSE);
    let grant = ShareGrant {
        share_uuid: SAMPLE_PASSWORD_SHARE,
        password_hash: SAMPLE_SHARE_PASSWORD_HASH,
    };
    let now_s = neptun_core::clock::now_ms() / 1000;
    let value = access::cookie_value(&key, grant, now_s);
    cookie["cookies"] = Value::from(vec![format!("{}={value}", access::COOKIE_NAME)]);
    (
        Arc::from(password.to_string()),
        Arc::from(cookie.to_string()),
    )
}

/// Both ways of reading, on the whole core and at each of `slices` (MB).
pub async fn measure(
    bench: &Bench,
    binary: &Binary,
    slices: &[u32],
) -> Result<Vec<PasswordCost>, String> {
    let table = bench.seeded_table().await;
    let (password, cookie) = events();
    let mut rows = Vec::new();
    let sizes = std::iter::once(None).chain(slices.iter().copied().map(Some));
    for memory_mb in sizes {
        let setup = memory_mb.map_or(Setup::Deployed, Setup::Throttled);
        for (presented, event) in [
            (Presented::Password, &password),
            (Presented::AccessCookie, &cookie),
        ] {
            give_attempts_back(&table).await?;
            let steady = bench
                .requests_cost(binary, &table, setup, event.clone(), WARM_UP, REQUESTS)
                .await;
            let steady = match steady {
                Ok(steady) => steady,
                Err(error) => {
                    bench.drop_table(&table).await;
                    return Err(error);
                }
            };
            rows.push(PasswordCost {
                memory_mb,
                presented,
                steady,
            });
        }
    }
    bench.drop_table(&table).await;
    Ok(rows)
}

/// Deletes the sample share's counts of password attempts of this minute and the next: each
/// row's requests then have the minute's attempts to themselves.
async fn give_attempts_back(table: &str) -> Result<(), String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    use neptun_dynamo::schema;

    let client = neptun_tests::client();
    let minute = neptun_core::clock::now_ms() / 60_000;
    for minute in [minute, minute + 1] {
        client
            .delete_item()
            .table_name(table)
            .key(
                schema::PK,
                AttributeValue::S(schema::share_pk(SAMPLE_PASSWORD_SHARE)),
            )
            .key(schema::SK, AttributeValue::S(schema::attempts_sk(minute)))
            .send()
            .await
            .map_err(|error| format!("give the share's attempts back: {error}"))?;
    }
    Ok(())
}
