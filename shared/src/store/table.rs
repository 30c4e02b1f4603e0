//! The table's definition, in one place: `make dev`, the tests and (checked by a test)
//! `template.yaml` all create exactly this.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

use super::schema;

/// Key schema: string `PK` (hash) and string `SK` (range), on-demand billing, TTL on
/// [`schema::EXPIRES_AT`].
pub struct TableDefinition;

impl TableDefinition {
    pub const HASH_KEY: &'static str = schema::PK;
    pub const RANGE_KEY: &'static str = schema::SK;
    pub const KEY_TYPE: &'static str = "S";
    pub const BILLING_MODE: &'static str = "PAY_PER_REQUEST";
    pub const TTL_ATTRIBUTE: &'static str = schema::EXPIRES_AT;
}

pub type CreateTableError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Creates the table (and turns on its TTL). Fails if it exists.
pub async fn create_table(client: &Client, table: &str) -> Result<(), CreateTableError> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
    };
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(attribute(TableDefinition::HASH_KEY)?)
        .attribute_definitions(attribute(TableDefinition::RANGE_KEY)?)
        .key_schema(key(TableDefinition::HASH_KEY, KeyType::Hash)?)
        .key_schema(key(TableDefinition::RANGE_KEY, KeyType::Range)?)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(TableDefinition::TTL_ATTRIBUTE)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}
