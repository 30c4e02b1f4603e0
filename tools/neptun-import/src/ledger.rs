//! Which source ids the import has handled, per table: a set of id ranges, kept in the table
//! in blocks of [`BLOCK_IDS`] ids (`IMPORT` / `IDS#<table>#<block>`).
//!
//! An id enters the set only once its row is stored, rejected, or skipped on purpose (its
//! parent was deleted through the API), and every run reads exactly the ids *outside* the
//! set ([`IdSet::gaps`]). So a row that commits after a run read higher ids, or that is
//! inserted with an explicit id, is simply outside the set and read by the next run: no id
//! order or commit order is assumed. Ids that never commit (a rolled-back insert) stay gaps,
//! each an index probe per run.

use std::collections::{BTreeMap, BTreeSet};

/// Ids per stored block: a block's ranges, as text, stay far below an item's 400 KB even if
/// every other id were missing (16,384 ranges of at most 12 bytes).
pub const BLOCK_IDS: u64 = 1 << 15;

/// The largest id a source table can hold (`integer`).
pub const MAX_SOURCE_ID: u64 = i32::MAX as u64;

/// Disjoint, non-adjacent inclusive ranges of ids: start -> end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet {
    ranges: BTreeMap<u64, u64>,
}

impl IdSet {
    pub const fn new() -> Self {
        Self {
            ranges: BTreeMap::new(),
        }
    }

    pub fn contains(&self, id: u64) -> bool {
        self.ranges
            .range(..=id)
            .next_back()
            .is_some_and(|(_, &end)| end >= id)
    }

    /// Adds `id`, merging it with the ranges it touches.
    pub fn insert(&mut self, id: u64) {
        if self.contains(id) {
            return;
        }
        let mut start = id;
        let mut end = id;
        if let Some((&before, &before_end)) = self.ranges.range(..id).next_back()
            && before_end + 1 == id
        {
            start = before;
        }
        if let Some(&after_end) = self.ranges.get(&(id + 1)) {
            self.ranges.remove(&(id + 1));
            end = after_end;
        }
        self.ranges.insert(start, end);
    }

    /// The ranges of ids from 1 to [`MAX_SOURCE_ID`] that are not in the set: what a run reads.
    pub fn gaps(&self) -> Vec<(u64, u64)> {
        let mut gaps = Vec::new();
        let mut next = 1;
        for (&start, &end) in &self.ranges {
            if start > next {
                gaps.push((next, start - 1));
            }
            next = next.max(end + 1);
        }
        if next <= MAX_SOURCE_ID {
            gaps.push((next, MAX_SOURCE_ID));
        }
        gaps
    }

    /// How many ids it holds.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|(start, end)| end - start + 1).sum()
    }

    /// The block an id is stored in.
    pub fn block_of(id: u64) -> u64 {
        id / BLOCK_IDS
    }

    /// The ranges within `block`, as stored: `offset` or `offset-offset`, comma-separated,
    /// offsets from the block's first id.
    pub fn encode_block(&self, block: u64) -> String {
        let first = block * BLOCK_IDS;
        let last = first + BLOCK_IDS - 1;
        let mut parts = Vec::new();
        for (&start, &end) in self.ranges.range(..=last) {
            if end < first {
                continue;
            }
            let (from, to) = (start.max(first) - first, end.min(last) - first);
            parts.push(if from == to {
                from.to_string()
            } else {
                format!("{from}-{to}")
            });
        }
        parts.join(",")
    }

    /// Adds a block's stored ranges; `None` if the text is not what [`Self::encode_block`]
    /// writes.
    pub fn decode_block(&mut self, block: u64, text: &str) -> Option<()> {
        let first = block.checked_mul(BLOCK_IDS)?;
        for part in text.split(',').filter(|part| !part.is_empty()) {
            let (from, to) = match part.split_once('-') {
                Some((from, to)) => (from.parse::<u64>().ok()?, to.parse::<u64>().ok()?),
                None => {
                    let at = part.parse::<u64>().ok()?;
                    (at, at)
                }
            };
            if from > to || to >= BLOCK_IDS {
                return None;
            }
            self.insert_range(first + from, first + to);
        }
        Some(())
    }

    fn insert_range(&mut self, start: u64, end: u64) {
        // Ranges are few and merging one id at a time would be slow for a dense block.
        let mut start = start;
        let mut end = end;
        let touching: Vec<(u64, u64)> = self
            .ranges
            .range(..=end.saturating_add(1))
            .rev()
            .take_while(|&(_, &e)| e.saturating_add(1) >= start)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in touching {
            self.ranges.remove(&s);
            start = start.min(s);
            end = end.max(e);
        }
        self.ranges.insert(start, end);
    }
}

/// Ids handled by this run but not saved yet, and the blocks they change.
#[derive(Debug, Default)]
pub struct Unsaved {
    ids: Vec<u64>,
}

impl Unsaved {
    pub fn push(&mut self, id: u64) {
        self.ids.push(id);
    }

    /// Moves the ids up to `through` (in the order pushed) into `set`; the blocks changed.
    pub fn settle(&mut self, through: u64, set: &mut IdSet) -> BTreeSet<u64> {
        let settled = self.ids.partition_point(|&id| id <= through);
        let mut blocks = BTreeSet::new();
        for id in self.ids.drain(..settled) {
            set.insert(id);
            blocks.insert(IdSet::block_of(id));
        }
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(ids: &[u64]) -> IdSet {
        let mut set = IdSet::default();
        for &id in ids {
            set.insert(id);
        }
        set
    }

    #[test]
    fn ids_merge_into_ranges_and_the_gaps_are_everything_else() {
        let set = set_of(&[3, 1, 2, 7, 5, 6, 10]);
        assert_eq!(set.len(), 7);
        assert!(set.contains(6) && !set.contains(4) && !set.contains(11));
        assert_eq!(
            set.gaps(),
            vec![(4, 4), (8, 9), (11, MAX_SOURCE_ID)],
            "a row committed later with a lower id is in a gap"
        );
        assert_eq!(IdSet::default().gaps(), vec![(1, MAX_SOURCE_ID)]);
    }

    #[test]
    fn blocks_round_trip_and_ranges_across_blocks_split_and_rejoin() {
        let mut set = set_of(&[1, 2, 3, 9]);
        for id in BLOCK_IDS - 2..BLOCK_IDS + 3 {
            set.insert(id);
        }
        assert_eq!(
            set.encode_block(0),
            format!("1-3,9,{}-{}", BLOCK_IDS - 2, BLOCK_IDS - 1)
        );
        assert_eq!(set.encode_block(1), "0-2");
        let mut back = IdSet::default();
        back.decode_block(1, &set.encode_block(1)).expect("decoded");
        back.decode_block(0, &set.encode_block(0)).expect("decoded");
        assert_eq!(back, set);
        assert_eq!(back.decode_block(0, "5-x"), None);
        assert_eq!(back.decode_block(0, &format!("{BLOCK_IDS}")), None);
        assert_eq!(back.decode_block(0, ""), Some(()));
    }

    #[test]
    fn the_largest_block_text_fits_an_item() {
        let mut set = IdSet::default();
        for id in (0..BLOCK_IDS).step_by(2) {
            set.insert(id);
        }
        assert!(set.encode_block(0).len() < 200 * 1024);
    }

    #[test]
    fn unsaved_ids_settle_only_up_to_the_acknowledged_one() {
        let mut set = IdSet::default();
        let mut unsaved = Unsaved::default();
        for id in [4, 9, BLOCK_IDS + 1] {
            unsaved.push(id);
        }
        assert_eq!(unsaved.settle(9, &mut set), BTreeSet::from([0]));
        assert!(set.contains(9) && !set.contains(BLOCK_IDS + 1));
        assert_eq!(unsaved.settle(BLOCK_IDS + 1, &mut set), BTreeSet::from([1]));
    }
}
