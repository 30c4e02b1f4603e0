//! Time-based ids, allocated without a round trip to storage.
//!
//! A message or file id is a positive integer below 2^53 (safe in JavaScript):
//!
//! ```text
//!  52  51                 12 11    9 8             0
//! [ 1 | ms since 2025-01-01 | random | slot          ]
//!        40 bits              3 bits   9 bits
//! ```
//!
//! One create request draws one *base* (the low 9 bits zero) and numbers its items in input
//! order, so ids strictly increase within a request. The items are stored packed in "chunk"
//! rows of up to 512 items (see `store::schema`): row `r` of a request starts at `base + r *
//! 512`, and the row that holds an item is found from the id alone: clear its 9 slot bits. A
//! large request's rows run on into the next random values and milliseconds. Two requests
//! whose rows meet collide on an `attribute_not_exists` condition, and the loser retries with a
//! fresh base, so ids stay unique per chat without a counter item.
//!
//! Bit 52 marks this layout. Ids drawn before it (bit 52 clear, `ms | 3 random | 5 chunk |
//! 4 slot`) sit in rows of 16 and keep them ([`chunk_of`] reads both).
//!
//! Ids below [`FIRST_API_ID`] (2^31) are *imported* ids: the web app's PostgreSQL serials,
//! kept as they were. The API never draws one (its ids carry the milliseconds since 2025 in
//! bits 12 and up), and each imported item has a row of its own (`chunk_of(id) == id`), so
//! every route finds it from its id alone.

use serde::{Deserialize, Serialize};

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        /// Serialized as the bare number it wraps.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

id_types! {
    /// A user of the web app (`neptun_user.id`).
    UserId;
    /// A chat (`chat_conversation.id`).
    ChatId;
    /// A message of a chat.
    MessageId;
    /// A file of a message.
    FileId;
    /// A chat's share (`chat_conversation_share.id`).
    ShareId;
    /// One entry of a share's whitelist.
    WhitelistEntryId;
    /// A project of the web app (`neptun_user_project.id`), never checked here.
    ProjectId;
}

/// 2025-01-01T00:00:00Z in milliseconds since the Unix epoch.
pub const EPOCH_MS: u64 = 1_735_689_600_000;
pub const MAX_ID: u64 = (1 << 53) - 1;

/// Slot bits of a chunk row: a row holds up to 512 items.
pub const SLOT_BITS: u32 = 9;
const RANDOM_BITS: u32 = 3;
const LOW_BITS: u32 = SLOT_BITS + RANDOM_BITS;
/// Marks the ids of rows of [`SLOTS_PER_CHUNK`] items; see the module docs.
const WIDE_ROWS: u64 = 1 << 52;
/// Slot bits of the rows of ids drawn before [`WIDE_ROWS`] (rows of 16 items).
const NARROW_SLOT_BITS: u32 = 4;

/// The smallest id the API draws; every id below it was imported (see the module docs).
pub const FIRST_API_ID: u64 = 1 << 31;

/// Chat ids are below 2^31 ([`CHAT_ID_LIMIT`]): the web app's own server passes a chat id to its
/// PostgreSQL, whose columns are `integer`. Its chat serials, imported as they are, stay below
/// [`FIRST_API_CHAT_ID`] (the import refuses a larger one); the API draws from there up: a random
/// one of the [`CHAT_IDS_PER_WINDOW`] ids of the current two-hour window, and above the user's
/// largest chat id when that is larger (the store keeps it), so a user's chat ids grow with
/// creation time and two users' rarely meet; the space lasts until 2053
/// (`docs/design/storage.md`, "Chat ids").
pub const FIRST_API_CHAT_ID: u64 = 1 << 28;
pub const CHAT_ID_LIMIT: u64 = 1 << 31;
/// 2026-12-01T00:00:00Z in seconds since the Unix epoch.
pub const CHAT_EPOCH_S: u64 = 1_796_083_200;
/// The span of one window of chat ids, in seconds.
pub const CHAT_ID_WINDOW_S: u64 = 2 * 60 * 60;
/// The chat ids of one window.
pub const CHAT_IDS_PER_WINDOW: u64 = 1 << 14;

/// Items per chunk row.
pub const SLOTS_PER_CHUNK: usize = 1 << SLOT_BITS;

/// A random version-4 UUID in lowercase hyphenated form, like `crypto.randomUUID()` and
/// PostgreSQL's `gen_random_uuid()` (share uuids, session ids).
pub fn random_uuid() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Draws a fresh batch base for the given time. The space lasts until 2059: from then on
/// every base is the last millisecond's, and creates fail on their collisions.
pub fn batch_base(now_ms: u64) -> u64 {
    let random: u64 = rand::random_range(0..(1 << RANDOM_BITS));
    WIDE_ROWS | compose(now_ms, random << SLOT_BITS).min(WIDE_ROWS - (1 << LOW_BITS))
}

/// A chat id of `now_ms`'s window, drawn at random (a store draws above the user's largest chat
/// id where that is larger). Past the space (in 2053) every draw is the last id, and a create
/// fails on its collision.
pub fn chat_id(now_ms: u64) -> u64 {
    let window = (now_ms / 1000).saturating_sub(CHAT_EPOCH_S) / CHAT_ID_WINDOW_S;
    let id = FIRST_API_CHAT_ID
        + window * CHAT_IDS_PER_WINDOW
        + rand::random_range(0..CHAT_IDS_PER_WINDOW);
    id.min(CHAT_ID_LIMIT - 1)
}

/// Ids a chat's draw above a user's largest chat id spreads over: creates of one user that
/// raced for the same largest id then meet again only by chance.
const ABOVE_FLOOR_SPREAD: u64 = 64;

/// A chat id of `now_ms`'s window ([`chat_id`]), or, when that is not above `floor` (the
/// user's largest chat id, which a refused draw met), one of the few ids just above it.
pub fn chat_id_above(now_ms: u64, floor: u64) -> u64 {
    let id = chat_id(now_ms);
    if id > floor {
        return id;
    }
    (floor + 1 + rand::random_range(0..ABOVE_FLOOR_SPREAD)).min(CHAT_ID_LIMIT - 1)
}

/// Draws a fresh single-item id (shares, whitelist entries), using every low bit for randomness.
pub fn single_id(now_ms: u64) -> u64 {
    let random: u64 = rand::random_range(1..(1 << LOW_BITS));
    compose(now_ms, random)
}

fn compose(now_ms: u64, low: u64) -> u64 {
    // Never below FIRST_API_ID, whatever the clock says: imported ids stay free.
    let since_epoch = now_ms
        .saturating_sub(EPOCH_MS)
        .max(FIRST_API_ID >> LOW_BITS);
    ((since_epoch << LOW_BITS) | low) & MAX_ID
}

/// The id of item `slot` of chunk row `chunk` in the batch starting at `base`.
pub fn item_id(base: u64, chunk: usize, slot: usize) -> u64 {
    debug_assert!(slot < SLOTS_PER_CHUNK);
    base + ((chunk as u64) << SLOT_BITS) + slot as u64
}

/// The id of the chunk row (its first possible item) that stores item `id`; an imported
/// item is alone in its row.
pub fn chunk_of(id: u64) -> u64 {
    if is_imported(id) {
        id
    } else if id & WIDE_ROWS != 0 {
        id & !((1 << SLOT_BITS) - 1)
    } else {
        id & !((1 << NARROW_SLOT_BITS) - 1)
    }
}

/// The chat id came from the web app's database (the import's), not from [`chat_id`].
pub fn is_imported_chat(chat_id: ChatId) -> bool {
    chat_id.get() < FIRST_API_CHAT_ID
}

/// The id came from the web app's database, not from [`batch_base`] or [`single_id`].
pub fn is_imported(id: u64) -> bool {
    id < FIRST_API_ID
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_795_288_364_006; // 2026-11-21

    #[test]
    fn random_uuids_are_lowercase_version_4_and_fresh() {
        let uuid = random_uuid();
        assert_eq!(
            crate::validation::parse_share_uuid(&uuid).as_deref(),
            Some(uuid.as_str())
        );
        assert_eq!(uuid.as_bytes()[14], b'4', "{uuid}");
        assert_ne!(uuid, random_uuid());
    }

    #[test]
    fn ids_are_positive_and_javascript_safe() {
        for _ in 0..1000 {
            let base = batch_base(NOW);
            assert!(base > 0);
            let last = item_id(base, 100, SLOTS_PER_CHUNK - 1);
            assert!(last <= MAX_ID);
            assert!(single_id(NOW) > 0 && single_id(NOW) <= MAX_ID);
        }
    }

    #[test]
    fn items_of_a_batch_increase_and_map_to_their_chunk() {
        let base = batch_base(NOW);
        let mut previous = 0;
        for chunk in 0..20 {
            for slot in 0..SLOTS_PER_CHUNK {
                let id = item_id(base, chunk, slot);
                assert!(id > previous);
                assert_eq!(chunk_of(id), item_id(base, chunk, 0));
                previous = id;
            }
        }
    }

    #[test]
    fn later_milliseconds_give_larger_ids() {
        let early = item_id(batch_base(NOW), 0, SLOTS_PER_CHUNK - 1);
        assert!(batch_base(NOW + 1) > early);
    }

    #[test]
    fn ids_of_the_narrow_layout_keep_their_rows_of_16() {
        // A base drawn before the wide rows: 3 random, 5 chunk and 4 slot bits.
        let narrow_base = (NOW - EPOCH_MS) << LOW_BITS;
        let item = narrow_base + 3 * 16 + 5;
        assert_eq!(chunk_of(item), narrow_base + 3 * 16);
        assert!(
            batch_base(NOW) > item,
            "wide ids sort after every narrow one"
        );
    }

    #[test]
    fn imported_ids_sit_below_every_api_id_in_rows_of_their_own() {
        let last_imported = FIRST_API_ID - 1;
        for imported in [1, 15, 17, 4097, last_imported] {
            assert!(is_imported(imported));
            assert_eq!(chunk_of(imported), imported);
        }
        assert!(!is_imported(FIRST_API_ID));
        assert_eq!(chunk_of(FIRST_API_ID + 17), FIRST_API_ID + 16);
        assert_eq!(chunk_of(WIDE_ROWS + 1000), WIDE_ROWS + 512);
        // Even a clock at (or before) the id epoch draws API ids.
        for now in [0, EPOCH_MS, EPOCH_MS + 1, NOW] {
            assert!(batch_base(now) >= FIRST_API_ID);
            assert!(single_id(now) >= FIRST_API_ID);
        }
        // Today's ids are far above it: the clamp only matters for a broken clock.
        assert!(batch_base(NOW) > FIRST_API_ID << 10);
    }

    #[test]
    fn chat_ids_are_below_2_to_the_31_above_imported_ones_and_grow_with_time() {
        for now in [0, CHAT_EPOCH_S * 1000, NOW, NOW + 1000] {
            let id = chat_id(now);
            assert!((FIRST_API_CHAT_ID..CHAT_ID_LIMIT).contains(&id), "{id}");
        }
        let now = CHAT_EPOCH_S * 1000 + 86_400_000;
        assert!(chat_id(now + CHAT_ID_WINDOW_S * 1000) > chat_id(now));
        // The last window of the space (2053) still draws below 2^31.
        let windows = (CHAT_ID_LIMIT - FIRST_API_CHAT_ID) / CHAT_IDS_PER_WINDOW;
        let last_second = CHAT_EPOCH_S + windows * CHAT_ID_WINDOW_S - 1;
        assert!(chat_id(last_second * 1000) < CHAT_ID_LIMIT);
        assert!(last_second > 2_619_000_000, "the space lasts into 2053");
    }

    #[test]
    fn a_draw_above_a_users_largest_chat_id_stays_near_it_and_below_2_to_the_31() {
        let floor = chat_id(NOW + 365 * 86_400_000);
        for _ in 0..100 {
            let id = chat_id_above(NOW, floor);
            assert!(id > floor && id <= floor + ABOVE_FLOOR_SPREAD, "{id}");
        }
        assert_eq!(chat_id_above(NOW, CHAT_ID_LIMIT - 1), CHAT_ID_LIMIT - 1);
        assert!(chat_id_above(NOW, 0) >= FIRST_API_CHAT_ID);
    }

    #[test]
    fn the_batch_id_space_lasts_until_2059_and_single_ids_until_2094() {
        let year_2059 = EPOCH_MS + 34 * 365 * 24 * 3600 * 1000;
        assert!(batch_base(year_2059) > item_id(batch_base(year_2059 - 1000), 0, 511));
        assert!(batch_base(year_2059 + 10 * 365 * 24 * 3600 * 1000) < MAX_ID);
        let year_2094 = EPOCH_MS + 69 * 365 * 24 * 3600 * 1000;
        assert!(compose(year_2094, (1 << LOW_BITS) - 1) > compose(year_2094 - 1000, 0));
    }
}
