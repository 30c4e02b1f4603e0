//! The table's definition, in one place: `make dev`, the tests and (checked by a test)
//! `template.yaml` all create exactly this.
//!
//! [`TABLE`] is the data. [`create_table`] sends it to DynamoDB, and
//! [`TableDefinition::to_cloudformation_json`] renders it in the property shape of CloudFormation's
//! `AWS::DynamoDB::Table` (printed by the `table-definition` tool, which
//! `tests/python/test_template.py` compares with `template.yaml`). A unit test below checks
//! that the requests `create_table` sends say the same as that JSON.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::operation::update_time_to_live::builders::UpdateTimeToLiveFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use serde_json::{Value, json};

use neptun_dynamo::schema;

/// One key attribute: its name, scalar type and role.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    pub name: &'static str,
    pub attribute_type: ScalarAttributeType,
    pub key_type: KeyType,
}

/// A table's key schema, billing mode, TTL attribute and stream.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDefinition {
    /// The hash key, then the range key.
    pub keys: [KeyAttribute; 2],
    pub billing_mode: BillingMode,
    /// Number attribute (Unix seconds) after which DynamoDB deletes an item.
    pub ttl_attribute: &'static str,
    /// What the table's stream records of a change: the purge of a deleted chat needs its keys.
    pub stream_view_type: StreamViewType,
}

/// The Neptun table: string `PK` (hash) and string `SK` (range), on-demand billing, TTL on
/// [`schema::EXPIRES_AT`], and a stream of the changed keys (the purge of deleted chats
/// follows it: `neptun_dynamo::purge::stream`).
pub static TABLE: TableDefinition = TableDefinition {
    keys: [
        KeyAttribute {
            name: schema::PK,
            attribute_type: ScalarAttributeType::S,
            key_type: KeyType::Hash,
        },
        KeyAttribute {
            name: schema::SK,
            attribute_type: ScalarAttributeType::S,
            key_type: KeyType::Range,
        },
    ],
    billing_mode: BillingMode::PayPerRequest,
    ttl_attribute: schema::EXPIRES_AT,
    stream_view_type: StreamViewType::KeysOnly,
};

impl TableDefinition {
    pub fn attribute_definitions(&self) -> Result<Vec<AttributeDefinition>, BuildError> {
        self.keys
            .iter()
            .map(|key| {
                AttributeDefinition::builder()
                    .attribute_name(key.name)
                    .attribute_type(key.attribute_type.clone())
                    .build()
            })
            .collect()
    }

    pub fn key_schema(&self) -> Result<Vec<KeySchemaElement>, BuildError> {
        self.keys
            .iter()
            .map(|key| {
                KeySchemaElement::builder()
                    .attribute_name(key.name)
                    .key_type(key.key_type.clone())
                    .build()
            })
            .collect()
    }

    pub fn time_to_live(&self) -> Result<TimeToLiveSpecification, BuildError> {
        TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(self.ttl_attribute)
            .build()
    }

    pub fn stream_specification(&self) -> Result<StreamSpecification, BuildError> {
        StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(self.stream_view_type.clone())
            .build()
    }

    /// The definition as the properties of an `AWS::DynamoDB::Table` resource:
    /// `AttributeDefinitions`, `KeySchema`, `BillingMode`, `TimeToLiveSpecification`,
    /// `StreamSpecification`.
    pub fn to_cloudformation_json(&self) -> Value {
        json!({
            "AttributeDefinitions": self.keys.iter().map(|key| json!({
                "AttributeName": key.name,
                "AttributeType": key.attribute_type.as_str(),
            })).collect::<Vec<_>>(),
            "KeySchema": self.keys.iter().map(|key| json!({
                "AttributeName": key.name,
                "KeyType": key.key_type.as_str(),
            })).collect::<Vec<_>>(),
            "BillingMode": self.billing_mode.as_str(),
            "TimeToLiveSpecification": {
                "AttributeName": self.ttl_attribute,
                "Enabled": true,
            },
            "StreamSpecification": {
                "StreamViewType": self.stream_view_type.as_str(),
            },
        })
    }
}

pub type CreateTableError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Whether [`create_table`] turns the table's stream on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// As deployed: the purge of deleted chats follows it.
    On,
    /// For a test that does not follow it. DynamoDB Local slows every write by the number of
    /// stream-enabled tables it holds (tenfold at 150), and a test run creates hundreds.
    Off,
}

/// Creates the table (with its stream if `stream` says so) and turns on its TTL. Fails if it
/// exists.
pub async fn create_table(
    client: &Client,
    table: &str,
    stream: Stream,
) -> Result<(), CreateTableError> {
    create_table_request(client, table, stream)?.send().await?;
    time_to_live_request(client, table)?.send().await?;
    Ok(())
}

fn create_table_request(
    client: &Client,
    table: &str,
    stream: Stream,
) -> Result<CreateTableFluentBuilder, BuildError> {
    let request = client
        .create_table()
        .table_name(table)
        .set_attribute_definitions(Some(TABLE.attribute_definitions()?))
        .set_key_schema(Some(TABLE.key_schema()?))
        .billing_mode(TABLE.billing_mode.clone());
    Ok(match stream {
        Stream::On => request.stream_specification(TABLE.stream_specification()?),
        Stream::Off => request,
    })
}

fn time_to_live_request(
    client: &Client,
    table: &str,
) -> Result<UpdateTimeToLiveFluentBuilder, BuildError> {
    Ok(client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(TABLE.time_to_live()?))
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Region};

    use super::*;

    /// A client that is never sent anything: only its request builders are used.
    fn offline_client() -> Client {
        Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .build(),
        )
    }

    /// What `create_table` sends, rendered as the CloudFormation JSON (field by field, from
    /// the requests themselves).
    fn sent_as_json() -> Value {
        let client = offline_client();
        let create = create_table_request(&client, "t", Stream::On).expect("create request");
        let ttl = time_to_live_request(&client, "t").expect("ttl request");
        let ttl = ttl
            .get_time_to_live_specification()
            .as_ref()
            .expect("a TTL");
        let stream = create
            .get_stream_specification()
            .as_ref()
            .expect("a stream");
        // CloudFormation has no StreamEnabled: a StreamSpecification is an enabled stream.
        assert!(stream.stream_enabled());
        json!({
            "AttributeDefinitions": create.get_attribute_definitions().iter().flatten().map(|d| json!({
                "AttributeName": d.attribute_name(),
                "AttributeType": d.attribute_type().as_str(),
            })).collect::<Vec<_>>(),
            "KeySchema": create.get_key_schema().iter().flatten().map(|k| json!({
                "AttributeName": k.attribute_name(),
                "KeyType": k.key_type().as_str(),
            })).collect::<Vec<_>>(),
            "BillingMode": create.get_billing_mode().as_ref().map(BillingMode::as_str),
            "TimeToLiveSpecification": {
                "AttributeName": ttl.attribute_name(),
                "Enabled": ttl.enabled(),
            },
            "StreamSpecification": {
                "StreamViewType": stream.stream_view_type().map(StreamViewType::as_str),
            },
        })
    }

    #[test]
    fn create_table_sends_what_the_cloudformation_json_says() {
        assert_eq!(sent_as_json(), TABLE.to_cloudformation_json());
    }

    #[test]
    fn a_table_for_a_test_that_does_not_follow_the_stream_has_none() {
        let create = create_table_request(&offline_client(), "t", Stream::Off).expect("request");
        assert!(create.get_stream_specification().is_none());
        assert_eq!(
            create.get_key_schema(),
            create_table_request(&offline_client(), "t", Stream::On)
                .expect("request")
                .get_key_schema()
        );
    }

    #[test]
    fn the_cloudformation_json_is_the_documented_table() {
        let expected = json!({
            "AttributeDefinitions": [
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": true},
            "StreamSpecification": {"StreamViewType": "KEYS_ONLY"},
        });
        assert_eq!(TABLE.to_cloudformation_json(), expected);
        // Key order too: the bin's output is the documented one, byte for byte.
        assert_eq!(
            TABLE.to_cloudformation_json().to_string(),
            expected.to_string()
        );
    }
}
