//! A chat's share, for its owner: `POST`, `GET` and `DELETE
//! /api/users/{user_id}/chats/{chat_id}/shares` and `POST .../shares/{share_id}/whitelist-entries`.
//! The public read is [`super::shared`].
//!
//! Every write here is idempotent by nature (a repeat sets the same settings on the same
//! share, lists emails that are listed already, deletes what is gone), so an
//! `Idempotency-Key` is checked like everywhere but not recorded.

use http::Method;
use lambda_http::{Body, Request, Response};

use super::{
    BodyReader, BodySpec, authorize, bodiless_write_route, create_route, done_response, finish,
    object_response, ok_response, user_write_route,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::functions::Function;
use crate::routes::{ChatPath, SharePath};
use crate::routes::{SHARES, WHITELIST_ENTRIES};
use crate::session::SessionUser;
use crate::shares::password;
use crate::store::{ShareStore, ShareWrite};
use crate::validation::{self, ShareSettings};

const SETTINGS: BodySpec<ShareSettings> = BodySpec {
    function: Function::CreateChatShare,
    kind: BodyKind::ShareSettings,
    parse: BodyReader::Tree(validation::parse_share_settings),
};

const WHITELIST: BodySpec<Vec<String>> = BodySpec {
    function: Function::CreateShareWhitelistEntries,
    kind: BodyKind::Whitelist,
    parse: BodyReader::Tree(validation::parse_whitelist),
};

/// Creates the chat's share or replaces its settings (its uuid stays). The password is
/// hashed here; only its Argon2id hash is stored.
pub async fn create_chat_share<S: ShareStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      settings: ShareSettings,
                      _| async move {
        let password_hash = settings
            .password
            .as_deref()
            .map(password::hash)
            .transpose()
            .map_err(ApiError::PasswordHash)?;
        let write = ShareWrite {
            is_shared: settings.is_shared,
            is_protected: settings.is_protected,
            password_hash,
        };
        let share = context
            .store
            .put_share(user_id, chat_id, write, clock::now_ms())
            .await?;
        object_response("share", &share.to_share(), false)
    };
    finish(create_route(context, &request, &SHARES, &SETTINGS, write).await)
}

/// The chat's share uuid as a JSON string, or `null` when it has no share.
pub async fn get_chat_share<S: ShareStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let read = async {
        let ChatPath { user, chat } = authorize(context, &request, Method::GET, &SHARES)?;
        let (user_id, chat_id) = (user, chat);
        let uuid = context.store.share_uuid(user_id, chat_id).await?;
        let body = serde_json::to_vec(&uuid).map_err(ApiError::ResponseNotSerialized)?;
        Ok(ok_response(body, false))
    };
    finish(read.await)
}

/// Deletes the chat's share (`true` also when it had none): its link stops working at once.
pub async fn delete_chat_share<S: ShareStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      _| async move {
        context.store.delete_share(user_id, chat_id).await?;
        Ok(done_response(false))
    };
    let route = bodiless_write_route(
        context,
        &request,
        Method::DELETE,
        &SHARES,
        Function::DeleteChatShare,
        write,
    );
    finish(route.await)
}

/// Adds emails to the share's whitelist, the owner's own (the session's) first, as the web
/// app does; answers with the whole list.
pub async fn create_share_whitelist_entries<S: ShareStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |SharePath {
                          user: user_id,
                          chat: chat_id,
                          share: share_id,
                      }: SharePath,
                      user: SessionUser,
                      listed: Vec<String>,
                      _| async move {
        let mut emails: Vec<String> = user.primary_email.into_iter().collect();
        for email in listed {
            if !emails.contains(&email) {
                emails.push(email);
            }
        }
        let entries = context
            .store
            .add_to_whitelist(user_id, chat_id, share_id, emails, clock::now_ms())
            .await?;
        object_response("shareWhitelistEntries", &entries, false)
    };
    let route = user_write_route(
        context,
        &request,
        Method::POST,
        &WHITELIST_ENTRIES,
        &WHITELIST,
        write,
    );
    finish(route.await)
}
