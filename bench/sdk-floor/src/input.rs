//! A recorded DynamoDB request body turned back into the SDK's typed input, as a caller that
//! holds its values would build it: the floor then pays the SDK's serialization as the function
//! does. Only the fields the functions send are read; [`crate::replay::Replay::load`] checks
//! that each input serializes to the recorded body again, so a field left out stops the floor.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::batch_get_item::builders::BatchGetItemInputBuilder;
use aws_sdk_dynamodb::operation::batch_write_item::builders::BatchWriteItemInputBuilder;
use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemInputBuilder;
use aws_sdk_dynamodb::operation::get_item::builders::GetItemInputBuilder;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemInputBuilder;
use aws_sdk_dynamodb::operation::query::builders::QueryInputBuilder;
use aws_sdk_dynamodb::operation::transact_get_items::builders::TransactGetItemsInputBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsInputBuilder;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemInputBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, Get, KeysAndAttributes, Put, PutRequest,
    ReturnConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure, Select,
    TransactGetItem, TransactWriteItem, Update, WriteRequest,
};
use lambda_http::Error;
use serde_json::{Map, Value};

type Item = HashMap<String, AttributeValue>;
type Fields = Map<String, Value>;

/// One operation's input, ready to be sent again and again (each send a clone, as a caller
/// builds its request anew).
#[derive(Debug, Clone)]
pub enum Input {
    GetItem(GetItemInputBuilder),
    Query(QueryInputBuilder),
    PutItem(PutItemInputBuilder),
    UpdateItem(UpdateItemInputBuilder),
    DeleteItem(DeleteItemInputBuilder),
    TransactWriteItems(TransactWriteItemsInputBuilder),
    TransactGetItems(TransactGetItemsInputBuilder),
    BatchWriteItem(BatchWriteItemInputBuilder),
    BatchGetItem(BatchGetItemInputBuilder),
}

impl Input {
    /// The input of `operation` (`X-Amz-Target` without the service) whose body is `body`.
    pub fn parse(operation: &str, body: &Value) -> Result<Self, String> {
        let fields = object(body)?;
        Ok(match operation {
            "GetItem" => Self::GetItem(get_item(fields)?),
            "Query" => Self::Query(query(fields)?),
            "PutItem" => Self::PutItem(put_item(fields)?),
            "UpdateItem" => Self::UpdateItem(update_item(fields)?),
            "DeleteItem" => Self::DeleteItem(delete_item(fields)?),
            "TransactWriteItems" => Self::TransactWriteItems(transact_write_items(fields)?),
            "TransactGetItems" => Self::TransactGetItems(transact_get_items(fields)?),
            "BatchWriteItem" => Self::BatchWriteItem(batch_write_item(fields)?),
            "BatchGetItem" => Self::BatchGetItem(batch_get_item(fields)?),
            other => return Err(format!("no floor for the operation {other}")),
        })
    }
}

fn object(value: &Value) -> Result<&Fields, String> {
    value
        .as_object()
        .ok_or_else(|| format!("not an object: {value}"))
}

fn text(fields: &Fields, name: &str) -> Option<String> {
    fields.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn flag(fields: &Fields, name: &str) -> Option<bool> {
    fields.get(name).and_then(Value::as_bool)
}

fn attribute(value: &Value) -> Result<AttributeValue, String> {
    let fields = object(value)?;
    let mut entries = fields.iter();
    let (Some((kind, inner)), None) = (entries.next(), entries.next()) else {
        return Err(format!("not one typed value: {value}"));
    };
    let strings = || -> Result<Vec<String>, String> {
        inner
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .ok_or_else(|| format!("not a set: {value}"))
    };
    let inner_text = || {
        inner
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("not a string: {value}"))
    };
    Ok(match kind.as_str() {
        "S" => AttributeValue::S(inner_text()?),
        "N" => AttributeValue::N(inner_text()?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().unwrap_or_default()),
        "NULL" => AttributeValue::Null(true),
        "M" => AttributeValue::M(item(inner)?),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .into_iter()
                .flatten()
                .map(attribute)
                .collect::<Result<_, _>>()?,
        ),
        "SS" => AttributeValue::Ss(strings()?),
        "NS" => AttributeValue::Ns(strings()?),
        other => return Err(format!("no floor for the attribute type {other}")),
    })
}

fn item(value: &Value) -> Result<Item, String> {
    object(value)?
        .iter()
        .map(|(name, value)| Ok((name.clone(), attribute(value)?)))
        .collect()
}

fn item_of(fields: &Fields, name: &str) -> Result<Option<Item>, String> {
    fields.get(name).map(item).transpose()
}

fn names_of(fields: &Fields) -> Option<HashMap<String, String>> {
    fields
        .get("ExpressionAttributeNames")
        .and_then(Value::as_object)
        .map(|names| {
            names
                .iter()
                .filter_map(|(key, name)| Some((key.clone(), name.as_str()?.to_owned())))
                .collect()
        })
}

fn values_of(fields: &Fields) -> Result<Option<Item>, String> {
    item_of(fields, "ExpressionAttributeValues")
}

fn return_values(fields: &Fields) -> Option<ReturnValue> {
    text(fields, "ReturnValues").map(|value| ReturnValue::from(value.as_str()))
}

fn on_condition_failure(fields: &Fields) -> Option<ReturnValuesOnConditionCheckFailure> {
    text(fields, "ReturnValuesOnConditionCheckFailure")
        .map(|value| ReturnValuesOnConditionCheckFailure::from(value.as_str()))
}

fn consumed_capacity(fields: &Fields) -> Option<ReturnConsumedCapacity> {
    text(fields, "ReturnConsumedCapacity").map(|value| ReturnConsumedCapacity::from(value.as_str()))
}

fn list<'a>(fields: &'a Fields, name: &str) -> impl Iterator<Item = &'a Value> {
    fields
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn get_item(fields: &Fields) -> Result<GetItemInputBuilder, String> {
    Ok(
        aws_sdk_dynamodb::operation::get_item::GetItemInput::builder()
            .set_table_name(text(fields, "TableName"))
            .set_key(item_of(fields, "Key")?)
            .set_consistent_read(flag(fields, "ConsistentRead"))
            .set_projection_expression(text(fields, "ProjectionExpression"))
            .set_expression_attribute_names(names_of(fields))
            .set_return_consumed_capacity(consumed_capacity(fields)),
    )
}

fn query(fields: &Fields) -> Result<QueryInputBuilder, String> {
    Ok(aws_sdk_dynamodb::operation::query::QueryInput::builder()
        .set_table_name(text(fields, "TableName"))
        .set_index_name(text(fields, "IndexName"))
        .set_select(text(fields, "Select").map(|select| Select::from(select.as_str())))
        .set_limit(
            fields
                .get("Limit")
                .and_then(Value::as_i64)
                .and_then(|limit| i32::try_from(limit).ok()),
        )
        .set_consistent_read(flag(fields, "ConsistentRead"))
        .set_scan_index_forward(flag(fields, "ScanIndexForward"))
        .set_key_condition_expression(text(fields, "KeyConditionExpression"))
        .set_filter_expression(text(fields, "FilterExpression"))
        .set_projection_expression(text(fields, "ProjectionExpression"))
        .set_expression_attribute_names(names_of(fields))
        .set_expression_attribute_values(values_of(fields)?)
        .set_exclusive_start_key(item_of(fields, "ExclusiveStartKey")?)
        .set_return_consumed_capacity(consumed_capacity(fields)))
}

/// The settings every conditional write shares: its table, its condition with the condition's
/// names and values, and what a failed condition returns.
macro_rules! conditional {
    ($builder:expr, $fields:expr) => {
        $builder
            .set_table_name(text($fields, "TableName"))
            .set_condition_expression(text($fields, "ConditionExpression"))
            .set_expression_attribute_names(names_of($fields))
            .set_expression_attribute_values(values_of($fields)?)
            .set_return_values_on_condition_check_failure(on_condition_failure($fields))
    };
}

fn put_item(fields: &Fields) -> Result<PutItemInputBuilder, String> {
    let put = aws_sdk_dynamodb::operation::put_item::PutItemInput::builder();
    Ok(conditional!(put, fields)
        .set_item(item_of(fields, "Item")?)
        .set_return_values(return_values(fields))
        .set_return_consumed_capacity(consumed_capacity(fields)))
}

fn update_item(fields: &Fields) -> Result<UpdateItemInputBuilder, String> {
    let update = aws_sdk_dynamodb::operation::update_item::UpdateItemInput::builder();
    Ok(conditional!(update, fields)
        .set_key(item_of(fields, "Key")?)
        .set_update_expression(text(fields, "UpdateExpression"))
        .set_return_values(return_values(fields))
        .set_return_consumed_capacity(consumed_capacity(fields)))
}

fn delete_item(fields: &Fields) -> Result<DeleteItemInputBuilder, String> {
    let delete = aws_sdk_dynamodb::operation::delete_item::DeleteItemInput::builder();
    Ok(conditional!(delete, fields)
        .set_key(item_of(fields, "Key")?)
        .set_return_values(return_values(fields))
        .set_return_consumed_capacity(consumed_capacity(fields)))
}

fn transact_write_item(value: &Value) -> Result<TransactWriteItem, String> {
    let fields = object(value)?;
    let built = |error: aws_sdk_dynamodb::error::BuildError| error.to_string();
    let mut write = TransactWriteItem::builder();
    if let Some(check) = fields.get("ConditionCheck").map(object).transpose()? {
        let builder = conditional!(ConditionCheck::builder(), check);
        write = write.condition_check(
            builder
                .set_key(item_of(check, "Key")?)
                .build()
                .map_err(built)?,
        );
    }
    if let Some(put) = fields.get("Put").map(object).transpose()? {
        let builder = conditional!(Put::builder(), put);
        write = write.put(
            builder
                .set_item(item_of(put, "Item")?)
                .build()
                .map_err(built)?,
        );
    }
    if let Some(update) = fields.get("Update").map(object).transpose()? {
        let builder = conditional!(Update::builder(), update);
        write = write.update(
            builder
                .set_key(item_of(update, "Key")?)
                .set_update_expression(text(update, "UpdateExpression"))
                .build()
                .map_err(built)?,
        );
    }
    if let Some(delete) = fields.get("Delete").map(object).transpose()? {
        let builder = conditional!(Delete::builder(), delete);
        write = write.delete(
            builder
                .set_key(item_of(delete, "Key")?)
                .build()
                .map_err(built)?,
        );
    }
    Ok(write.build())
}

fn transact_write_items(fields: &Fields) -> Result<TransactWriteItemsInputBuilder, String> {
    let items = list(fields, "TransactItems")
        .map(transact_write_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput::builder()
            .set_transact_items(Some(items))
            .set_client_request_token(text(fields, "ClientRequestToken"))
            .set_return_consumed_capacity(consumed_capacity(fields)),
    )
}

fn transact_get_items(fields: &Fields) -> Result<TransactGetItemsInputBuilder, String> {
    let items = list(fields, "TransactItems")
        .map(|value| {
            let get = object(value)?
                .get("Get")
                .ok_or_else(|| format!("not a Get: {value}"))?;
            let get = object(get)?;
            let get = Get::builder()
                .set_table_name(text(get, "TableName"))
                .set_key(item_of(get, "Key")?)
                .set_projection_expression(text(get, "ProjectionExpression"))
                .set_expression_attribute_names(names_of(get))
                .build()
                .map_err(|error| error.to_string())?;
            Ok(TransactGetItem::builder().get(get).build())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(
        aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsInput::builder()
            .set_transact_items(Some(items))
            .set_return_consumed_capacity(consumed_capacity(fields)),
    )
}

fn write_request(value: &Value) -> Result<WriteRequest, String> {
    let fields = object(value)?;
    let built = |error: aws_sdk_dynamodb::error::BuildError| error.to_string();
    let mut request = WriteRequest::builder();
    if let Some(put) = fields.get("PutRequest") {
        let put = object(put)?;
        request = request.put_request(
            PutRequest::builder()
                .set_item(item_of(put, "Item")?)
                .build()
                .map_err(built)?,
        );
    }
    if let Some(delete) = fields.get("DeleteRequest") {
        let delete = object(delete)?;
        request = request.delete_request(
            DeleteRequest::builder()
                .set_key(item_of(delete, "Key")?)
                .build()
                .map_err(built)?,
        );
    }
    Ok(request.build())
}

fn batch_write_item(fields: &Fields) -> Result<BatchWriteItemInputBuilder, String> {
    let tables = fields
        .get("RequestItems")
        .map(object)
        .transpose()?
        .into_iter()
        .flatten()
        .map(|(table, requests)| {
            let requests = requests
                .as_array()
                .into_iter()
                .flatten()
                .map(write_request)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((table.clone(), requests))
        })
        .collect::<Result<HashMap<_, _>, String>>()?;
    Ok(
        aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput::builder()
            .set_request_items(Some(tables))
            .set_return_consumed_capacity(consumed_capacity(fields)),
    )
}

fn batch_get_item(fields: &Fields) -> Result<BatchGetItemInputBuilder, String> {
    let tables = fields
        .get("RequestItems")
        .map(object)
        .transpose()?
        .into_iter()
        .flatten()
        .map(|(table, keys)| {
            let keys = object(keys)?;
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(
                    list(keys, "Keys")
                        .map(item)
                        .collect::<Result<Vec<_>, _>>()?,
                ))
                .set_consistent_read(flag(keys, "ConsistentRead"))
                .set_projection_expression(text(keys, "ProjectionExpression"))
                .set_expression_attribute_names(names_of(keys))
                .build()
                .map_err(|error| error.to_string())?;
            Ok((table.clone(), wanted))
        })
        .collect::<Result<HashMap<_, _>, String>>()?;
    Ok(
        aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput::builder()
            .set_request_items(Some(tables))
            .set_return_consumed_capacity(consumed_capacity(fields)),
    )
}

impl Input {
    /// Sends a copy of the input; a service error (a failed condition) is an answer, as it is
    /// for the function.
    pub async fn send(&self, client: &Client) -> Result<(), Error> {
        match self {
            Self::GetItem(input) => answered(input.clone().send_with(client).await),
            Self::Query(input) => answered(input.clone().send_with(client).await),
            Self::PutItem(input) => answered(input.clone().send_with(client).await),
            Self::UpdateItem(input) => answered(input.clone().send_with(client).await),
            Self::DeleteItem(input) => answered(input.clone().send_with(client).await),
            Self::TransactWriteItems(input) => answered(input.clone().send_with(client).await),
            Self::TransactGetItems(input) => answered(input.clone().send_with(client).await),
            Self::BatchWriteItem(input) => answered(input.clone().send_with(client).await),
            Self::BatchGetItem(input) => answered(input.clone().send_with(client).await),
        }
    }
}

fn answered<T, E, R>(outcome: Result<T, SdkError<E, R>>) -> Result<(), Error>
where
    SdkError<E, R>: std::error::Error + Send + Sync + 'static,
{
    match outcome {
        Ok(_) => Ok(()),
        Err(error) if error.as_service_error().is_some() => Ok(()),
        Err(error) => Err(error.into()),
    }
}
