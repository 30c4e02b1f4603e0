//! The largest chat id this process created for each of its recent users. A user's chat ids
//! only grow (the guard row refuses a smaller one), and an id drawn at random in its window is
//! below the last one half the time: a process that remembers it draws above it at once, so
//! the user's next create is one `TransactWriteItems`, not two. Another process, not knowing
//! it, meets the guard once and draws above what it met, as before.

use std::collections::HashMap;
use std::sync::Mutex;

use neptun_core::ids::UserId;

/// Users remembered; past it the memory starts again (it is only a hint).
const MAX_USERS: usize = 1024;

#[derive(Debug, Default)]
pub(super) struct ChatFloors(Mutex<HashMap<UserId, u64>>);

impl ChatFloors {
    /// The largest chat id this process created for `user_id` (0: none known).
    pub(super) fn of(&self, user_id: UserId) -> u64 {
        self.0
            .lock()
            .ok()
            .and_then(|floors| floors.get(&user_id).copied())
            .unwrap_or(0)
    }

    /// Remembers that `user_id` has chat `id`.
    pub(super) fn keep(&self, user_id: UserId, id: u64) {
        if let Ok(mut floors) = self.0.lock() {
            if floors.len() >= MAX_USERS && !floors.contains_key(&user_id) {
                floors.clear();
            }
            let floor = floors.entry(user_id).or_default();
            *floor = (*floor).max(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_only_grows_and_the_memory_stays_bounded() {
        let floors = ChatFloors::default();
        assert_eq!(floors.of(UserId(1)), 0);
        floors.keep(UserId(1), 500);
        floors.keep(UserId(1), 300);
        assert_eq!(floors.of(UserId(1)), 500);
        for user in 2..=MAX_USERS as u64 + 1 {
            floors.keep(UserId(user), user);
        }
        let remembered = floors.0.lock().map(|f| f.len()).unwrap_or(0);
        assert!(remembered <= MAX_USERS);
    }
}
