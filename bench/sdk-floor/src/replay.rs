//! The floor of any route: the DynamoDB requests its function sent for one request of its usual
//! event (recorded by `make bench`), sent again in order through the SDK, and an empty 200.
//!
//! Each recorded body is turned back into the SDK's typed input once ([`crate::input`]); every
//! request then sends a copy of it, so that the SDK serializes, signs and sends it and parses
//! its answer as it did for the function. What the floor does not pay is the function's own:
//! building those values from the session, the body and the rows.

use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use lambda_http::{Body, Error, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::input::Input;

/// One recorded request: its operation (`X-Amz-Target` without the service) and its body.
#[derive(Debug, Deserialize)]
struct Call {
    operation: String,
    body: String,
}

pub struct Replay {
    client: Client,
    inputs: Vec<Input>,
}

/// Keeps the serialized body of a request and stops it before it is signed.
#[derive(Debug)]
struct Capture(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "Capture"
    }

    fn read_before_signing(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().map(<[u8]>::to_vec);
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = body;
        Err("captured, not sent".into())
    }
}

impl Replay {
    /// The calls of the file `calls` (a JSON array of `{"operation", "body"}`) as typed inputs,
    /// each checked to serialize to its recorded body again (nothing is sent).
    pub async fn load(client: &Client, file: &str) -> Result<Self, Error> {
        let text = std::fs::read_to_string(file).map_err(|error| format!("{file}: {error}"))?;
        let calls: Vec<Call> =
            serde_json::from_str(&text).map_err(|error| format!("{file}: {error}"))?;
        let sent = Arc::new(Mutex::new(None));
        let capturing = Client::from_conf(
            client
                .config()
                .to_builder()
                .interceptor(Capture(sent.clone()))
                .build(),
        );
        let mut inputs = Vec::with_capacity(calls.len());
        for call in calls {
            let recorded: Value = serde_json::from_str(&call.body)?;
            let input = Input::parse(&call.operation, &recorded)
                .map_err(|error| format!("{file} ({}): {error}", call.operation))?;
            // The capture stops the request: its error is the expected outcome.
            let _ = input.send(&capturing).await;
            let body = sent.lock().unwrap_or_else(PoisonError::into_inner).take();
            let again: Option<Value> = body.and_then(|body| serde_json::from_slice(&body).ok());
            if again.as_ref() != Some(&recorded) {
                return Err(format!(
                    "{file} ({}): the typed input serializes to {again:?}, not to the recorded {recorded}",
                    call.operation
                )
                .into());
            }
            inputs.push(input);
        }
        Ok(Self {
            client: client.clone(),
            inputs,
        })
    }

    pub async fn send_all(&self) -> Result<Response<Body>, Error> {
        for input in &self.inputs {
            input.send(&self.client).await?;
        }
        Ok(Response::builder().status(200).body(Body::Empty)?)
    }
}
