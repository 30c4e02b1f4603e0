//! A batch's items, packed into chunk rows of up to 512 items and about [`CHUNK_BYTE_BUDGET`]
//! bytes (see `neptun_core::ids`), all of them in one transaction.

use neptun_core::ids::{self, SLOTS_PER_CHUNK};

use super::StoredFile;

/// Largest estimated size of a chunk row; DynamoDB's limit is 400 KB per item.
pub const CHUNK_BYTE_BUDGET: usize = 350_000;
/// Most rows of one batch: a transaction holds 100 actions, and a create adds its condition
/// checks and the `Idempotency-Key`'s record.
pub const MAX_CHUNKS: usize = 96;
/// Largest estimated size of a batch's rows: a transaction holds 4 MB.
pub const BATCH_BYTE_BUDGET: usize = 3_900_000;

/// Why a batch cannot be packed into one transaction's rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a batch needs more than {MAX_CHUNKS} rows of {CHUNK_BYTE_BUDGET} bytes or {BATCH_BYTE_BUDGET} bytes in all"
)]
pub struct BatchTooLarge;

/// Splits a batch, in order, into chunks of at most 512 items and about
/// [`CHUNK_BYTE_BUDGET`] bytes, and numbers the items from `base`.
pub fn pack<T>(
    items: Vec<T>,
    base: u64,
    estimated_bytes: impl Fn(&T) -> usize,
) -> Result<Vec<Vec<(u64, T)>>, BatchTooLarge> {
    let mut chunks: Vec<Vec<(u64, T)>> = Vec::new();
    let mut chunk_bytes = 0;
    let mut batch_bytes = 0;
    for item in items {
        let bytes = estimated_bytes(&item);
        batch_bytes += bytes;
        if batch_bytes > BATCH_BYTE_BUDGET {
            return Err(BatchTooLarge);
        }
        let starts_chunk = match chunks.last() {
            None => true,
            Some(chunk) => {
                chunk.len() == SLOTS_PER_CHUNK || chunk_bytes + bytes > CHUNK_BYTE_BUDGET
            }
        };
        if starts_chunk {
            if chunks.len() == MAX_CHUNKS {
                return Err(BatchTooLarge);
            }
            chunks.push(Vec::new());
            chunk_bytes = 0;
        }
        let chunk_index = chunks.len() - 1;
        if let Some(chunk) = chunks.last_mut() {
            chunk.push((ids::item_id(base, chunk_index, chunk.len()), item));
        }
        chunk_bytes += bytes;
    }
    Ok(chunks)
}

/// Estimated stored size of a message (attribute names and numbers included, generously).
pub fn message_bytes(message: &str) -> usize {
    message.len() + 64
}

/// Estimated stored size of a file.
pub fn file_bytes(file: &StoredFile) -> usize {
    file.text.len() + file.title.len() + file.language.len() + file.extension.len() + 96
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_fills_512_per_row_and_keeps_order() {
        let base = ids::batch_base(1_795_288_364_006);
        let chunks = pack((0..1200).collect(), base, |_| 10).expect("fits");
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            [512, 512, 176]
        );
        let ids: Vec<u64> = chunks.iter().flatten().map(|(id, _)| *id).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        let values: Vec<i32> = chunks.into_iter().flatten().map(|(_, v)| v).collect();
        assert_eq!(values, (0..1200).collect::<Vec<_>>());
        for id in ids {
            assert_eq!(ids::chunk_of(id) >> ids::SLOT_BITS, id >> ids::SLOT_BITS);
        }
    }

    #[test]
    fn packing_splits_large_texts_and_rejects_what_cannot_fit() {
        let base = ids::batch_base(1_795_288_364_006);
        let chunks = pack(vec![200_000; 12], base, |b| *b).expect("fits");
        assert_eq!(chunks.len(), 12);
        let chunks = pack(vec![100_000; 7], base, |b| *b).expect("fits");
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        // 1,000 messages of 1.5 KB: five rows.
        assert_eq!(
            pack(vec![1_564; 1000], base, |b| *b).map(|c| c.len()),
            Ok(5)
        );
        assert_eq!(pack(vec![300_000; 14], base, |b| *b), Err(BatchTooLarge));
        assert_eq!(
            pack(vec![100; MAX_CHUNKS * SLOTS_PER_CHUNK + 1], base, |b| *b),
            Err(BatchTooLarge)
        );
    }
}
