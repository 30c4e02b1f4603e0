//! What an SDK error means for the request: retry later, or give up.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::CancellationReason;

use neptun_core::store::StoreError;

/// Error codes that mean "try again later" rather than "this request is wrong".
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
    CONFLICT_CODE,
];

/// A single-item call met an item held by a transaction.
const CONFLICT_CODE: &str = "TransactionConflictException";

/// Whether a failed call is worth trying again later (throttled, timed out, unreachable, a
/// 5xx, or in conflict with a transaction) rather than wrong.
pub fn is_retryable<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> bool {
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        // A 5xx is the service failing, whatever its body says.
        SdkError::ServiceError(context) => {
            context.raw().status().is_server_error()
                || context
                    .err()
                    .code()
                    .is_some_and(|code| RETRYABLE_CODES.contains(&code))
        }
        _ => false,
    }
}

pub(super) fn classify<E>(error: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if is_retryable(&error) {
        StoreError::Unavailable(Box::new(error))
    } else {
        StoreError::Request(Box::new(error))
    }
}

/// A `TransactGetItems` cancelled because a write transaction held one of its items (a
/// `TransactWriteItems` cancellation is read from its reasons instead).
const READ_CANCELLED_CODE: &str = "TransactionCanceledException";

/// The call failed because another transaction held the item: the same call may succeed.
pub(super) fn is_conflict<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    matches!(
        error
            .as_service_error()
            .and_then(ProvideErrorMetadata::code),
        Some(CONFLICT_CODE | READ_CANCELLED_CODE)
    )
}

/// The reasons of a cancelled transaction, one per action.
pub(super) fn cancellation_reasons<R>(
    error: &SdkError<TransactWriteItemsError, R>,
) -> Option<&[CancellationReason]> {
    match error.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            Some(cancelled.cancellation_reasons())
        }
        _ => None,
    }
}
