//! The floor of any route: the DynamoDB requests its function sent for one request of its usual
//! event (recorded by `make bench`), sent again in order through the SDK, and an empty 200.
//!
//! Each goes through the operation it was, so that the SDK signs it, sends it and parses its
//! answer as it did for the function, but from an empty input whose body is swapped for the
//! recorded one before signing: the floor skips building and serializing the input, which the
//! function pays.

use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::{BoxError, SdkError};
use lambda_http::{Body, Error, Response};
use serde::Deserialize;

/// The operations the functions send.
#[derive(Debug, Clone, Copy, Deserialize)]
enum Operation {
    GetItem,
    Query,
    PutItem,
    UpdateItem,
    DeleteItem,
    TransactWriteItems,
    TransactGetItems,
    BatchWriteItem,
    BatchGetItem,
}

/// One recorded request: its operation (`X-Amz-Target` without the service) and its body.
#[derive(Debug, Deserialize)]
pub struct Call {
    operation: Operation,
    body: String,
}

pub struct Replay {
    client: Client,
    table: String,
    calls: Vec<Call>,
    next_body: Arc<Mutex<Option<String>>>,
}

/// Puts the recorded body in place of the serialized input.
#[derive(Debug)]
struct SwapBody(Arc<Mutex<Option<String>>>);

impl Intercept for SwapBody {
    fn name(&self) -> &'static str {
        "SwapBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(body) = body {
            let request = context.request_mut();
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
            *request.body_mut() = body.into();
        }
        Ok(())
    }
}

/// A call's outcome as the function met it: a service error (a failed condition) is an answer.
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

impl Replay {
    /// The calls of the file `calls` (a JSON array of `{"operation", "body"}`), on a client of
    /// `client`'s settings that swaps the bodies.
    pub fn load(client: &Client, table: String, calls: &str) -> Result<Self, Error> {
        let text = std::fs::read_to_string(calls).map_err(|error| format!("{calls}: {error}"))?;
        let calls: Vec<Call> =
            serde_json::from_str(&text).map_err(|error| format!("{calls}: {error}"))?;
        let next_body = Arc::new(Mutex::new(None));
        let config = client
            .config()
            .to_builder()
            .interceptor(SwapBody(next_body.clone()))
            .build();
        Ok(Self {
            client: Client::from_conf(config),
            table,
            calls,
            next_body,
        })
    }

    pub async fn send_all(&self) -> Result<Response<Body>, Error> {
        for call in &self.calls {
            *self
                .next_body
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(call.body.clone());
            self.send(call.operation).await?;
        }
        Ok(Response::builder().status(200).body(Body::Empty)?)
    }

    async fn send(&self, operation: Operation) -> Result<(), Error> {
        let (client, table) = (&self.client, self.table.as_str());
        match operation {
            Operation::GetItem => answered(client.get_item().table_name(table).send().await),
            Operation::Query => answered(client.query().table_name(table).send().await),
            Operation::PutItem => answered(client.put_item().table_name(table).send().await),
            Operation::UpdateItem => answered(client.update_item().table_name(table).send().await),
            Operation::DeleteItem => answered(client.delete_item().table_name(table).send().await),
            Operation::TransactWriteItems => answered(client.transact_write_items().send().await),
            Operation::TransactGetItems => answered(client.transact_get_items().send().await),
            Operation::BatchWriteItem => answered(client.batch_write_item().send().await),
            Operation::BatchGetItem => answered(client.batch_get_item().send().await),
        }
    }
}
