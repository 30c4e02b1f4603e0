//! The "Erasing a large user" section of BENCHMARKS.md, from `neptun-bench erasure`.

use std::fmt::Write as _;

use super::render::describe_counts;
use crate::ERASING_FUNCTION;
use crate::erasure::{self, ErasureFigures};

pub fn erasure_section(figures: &[Result<ErasureFigures, String>], date: &str) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "## Erasing a large user\n");
    let _ = writeln!(
        w,
        "Written by `make bench` ({date}, `scripts/bench-erasure.sh`: a storage engine of its \
         own for each size, started fresh). A user of each size in {} projects: the chats' rows \
         put as a create writes them, their messages through the store as the API writes them. The release `{ERASING_FUNCTION}` \
         answers `events/delete-chats/200-erase-all.json` (`{{\"all\": true}}`, over the TLS \
         hop, Init done first) while the stream purge (the purge function's handler, {} chat \
         partitions at a time) follows the table's stream, as its event source mapping does in \
         production. \"Rows\" are the table's rows (it holds the one user) but the `ERASED` \
         and `ERASURES` rows that stay, counted by `DescribeTable` every {} ms.\n",
        erasure::PROJECTS,
        neptun_dynamo::purge::stream::PARTITIONS_IN_FLIGHT,
        erasure::POLL.as_millis(),
    );
    let _ = writeln!(
        w,
        "| chats | messages | the user's rows before (seeded in) | **time to the answer** | DynamoDB requests of the answer | rows left at the answer | **time from the request until 0 rows** |\n|--:|--:|--:|--:|---|--:|--:|"
    );
    for (size, figures) in erasure::SIZES.iter().zip(figures) {
        let messages = size.chats as usize * size.messages_per_chat;
        match figures {
            Ok(e) => {
                let _ = writeln!(
                    w,
                    "| {} | {messages} | {} ({:.0} s) | **{:.3} s** | {} | {} | **{:.1} s** |",
                    size.chats,
                    e.rows_before,
                    e.seed_seconds,
                    e.answer.as_secs_f64(),
                    describe_counts(&e.requests),
                    e.rows_at_answer,
                    e.purged.as_secs_f64(),
                );
            }
            Err(reason) => {
                let _ = writeln!(
                    w,
                    "| {} | {messages} | not measured: {reason} | | | | |",
                    size.chats
                );
            }
        }
    }
    let _ = writeln!(w);
    out
}
