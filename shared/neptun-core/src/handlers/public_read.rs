//! `GET /api/shared/chats/{share_uuid}`: the public read of a shared chat, page by page, with
//! no session unless the share has a whitelist (docs/spec/api-contract.md, "Shares").
//!
//! Checks, in this order: route and method; the uuid (404); the share, active (404); for a
//! protected share its whitelist (a session, 401; its email listed, 403) and then its
//! password (429 while the minute's attempts are used up, 401 when missing or wrong);
//! `limit` and `cursor` (400); the chat's messages (404 once the chat is deleted).
//!
//! Storage: one `Query` finds the share and the minute's attempts, one more reads the page; a
//! password adds one write, which takes an attempt before the Argon2id verification
//! (`crate::shares::attempts`). A right password is answered with an access cookie
//! (`crate::shares::access`) that the next pages present instead, so a reader pays for one
//! Argon2id verification per quarter of an hour, not per page.

use http::header::SET_COOKIE;
use http::{HeaderValue, Method};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{finish, page_request, page_response_and};
use crate::clock;
use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::ShareInfo;
use crate::request;
use crate::session::cookie::find_token;
use crate::shares::access::{self, ShareGrant};
use crate::shares::attempts;
use crate::shares::basic_auth::{Offered, offered_password};
use crate::shares::password;
use crate::store::{FoundShare, SharedChatStore, StoreError};
use crate::validation::{self, CursorScope};

/// The cursors of a shared chat's pages.
const CURSOR_LIST: &str = "shared-messages";

pub async fn get_shared_chat<S: SharedChatStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    finish(read(context, &request).await)
}

async fn read<S: SharedChatStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let raw = request::match_shared_chat(request)?;
    if request.method() != Method::GET {
        return Err(ApiError::MethodNotAllowed);
    }
    let not_found = || ApiError::SharedChatNotFound(ShareInfo::NONE);
    let uuid = validation::parse_share_uuid(&raw).ok_or_else(not_found)?;
    let now_ms = clock::now_ms();
    let minute = attempts::minute_of(now_ms / 1000);
    let found = context
        .store
        .find_share(&uuid, minute)
        .await?
        .ok_or_else(not_found)?;
    let share = &found.share;
    if !share.is_shared {
        return Err(ApiError::SharedChatNotFound(ShareInfo {
            share_exists: true,
            ..ShareInfo::NONE
        }));
    }
    let access_cookie = if share.is_protected {
        admit(context, request, &found, now_ms).await?
    } else {
        None
    };
    let scope = CursorScope {
        user_id: share.user_id.get(),
        chat_id: share.chat_id.get(),
        list: CURSOR_LIST,
    };
    let page = page_request(request, &scope)?;
    let messages = match context.store.shared_messages(share, page).await {
        Err(StoreError::ChatNotFound) => return Err(not_found()),
        other => other?,
    };
    let info = json!(share.info());
    let mut response = page_response_and(
        "chatMessages",
        &scope,
        messages,
        |message| message.id.get(),
        &[("shareInfo", info)],
    )?;
    if let Some(cookie) = access_cookie.and_then(|value| HeaderValue::from_str(&value).ok()) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// Whether the request may read a protected share: its session's email is on the whitelist
/// (if the share has one), and it gives the password or a valid access cookie (if the share
/// has a password). `Some` access cookie when a password was just verified.
async fn admit<S: SharedChatStore>(
    context: &AppContext<S>,
    request: &Request,
    found: &FoundShare,
    now_ms: u64,
) -> Result<Option<String>, ApiError> {
    let share = &found.share;
    let info = share.info();
    if !share.whitelist.is_empty() {
        let user = context
            .session
            .current()
            .authenticate_user(request.headers(), now_ms)
            .map_err(|_| ApiError::ShareNeedsSession(info))?;
        let listed = user
            .primary_email
            .as_deref()
            .is_some_and(|email| share.lists(email));
        if !listed {
            return Err(ApiError::NotOnWhitelist(info));
        }
    }
    let Some(hash) = share.password_hash.as_deref() else {
        return Ok(None);
    };
    let grant = ShareGrant {
        share_uuid: &share.uuid,
        password_hash: hash,
    };
    let keys = context
        .session
        .current()
        .verification_keys(access::KEY_PURPOSE);
    let now_s = now_ms / 1000;
    let cookie = find_token(request.headers(), access::COOKIE_NAME, None);
    if cookie.is_some_and(|(value, _)| access::admits(&keys, grant, &value, now_s)) {
        return Ok(None);
    }
    let offered = match offered_password(request.headers()) {
        Offered::Nothing => return Err(ApiError::ShareCredentials(info)),
        Offered::Password(password) => Some(password),
        Offered::Unusable => None,
    };
    let locked = || ApiError::TooManyAttempts {
        retry_after_seconds: attempts::retry_after_seconds(now_s),
        info,
    };
    if attempts::is_locked(found.attempts) {
        return Err(locked());
    }
    // The attempt is taken before the hash: requests at once cannot verify more than the
    // minute's attempts between them.
    let reserved = context
        .store
        .reserve_attempt(&share.uuid, attempts::minute_of(now_s))
        .await?;
    if !reserved {
        return Err(locked());
    }
    let right = match offered {
        Some(offered) => password::verify(&offered, hash).map_err(ApiError::PasswordHash)?,
        None => false,
    };
    if !right {
        return Err(ApiError::ShareCredentials(info));
    }
    let base = request::base_path(request);
    let key = context.session.current().derive_key(access::KEY_PURPOSE);
    Ok(Some(access::set_cookie(&key, grant, now_s, &base)))
}
