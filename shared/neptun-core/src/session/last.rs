//! The last session a process opened. A warm function mostly serves the same browser again,
//! and opening its cookie (two PBKDF2 derivations, a MAC, AES) is a good part of a request's
//! own instructions. Found again only for the very same token, compared in constant time, and
//! only while the token's Iron expiration allows it, as opening it again would.

use std::sync::{Arc, Mutex};

use super::iron::{self, ct_str_eq};
use super::{SessionError, SessionUser};

/// Shared by the clones of a configuration; a new set of secrets starts without one.
#[derive(Clone, Default)]
pub(super) struct LastSession(Arc<Mutex<Option<Opened>>>);

struct Opened {
    token: Box<str>,
    /// The token's Iron expiration (its sixth field), read once.
    expiration: Box<str>,
    user: SessionUser,
}

impl LastSession {
    /// The user of `token` if it is the last one opened (`None`: open it).
    pub(super) fn reopen(
        &self,
        token: &str,
        now_ms: u64,
    ) -> Option<Result<SessionUser, SessionError>> {
        let last = self.0.lock().ok()?;
        let opened = last.as_ref()?;
        if !ct_str_eq(&opened.token, token) {
            return None;
        }
        Some(iron::check_expiration(&opened.expiration, now_ms).map(|()| opened.user.clone()))
    }

    /// Remembers `token` as opened, for `user`.
    pub(super) fn keep(&self, token: &str, user: &SessionUser) {
        if let Ok(mut last) = self.0.lock() {
            *last = Some(Opened {
                token: token.into(),
                expiration: token.split('*').nth(5).unwrap_or_default().into(),
                user: user.clone(),
            });
        }
    }
}
