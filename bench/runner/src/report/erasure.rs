//! The "Erasing a large user" section of BENCHMARKS.md, from `neptun-bench erasure`.

use std::fmt::Write as _;

use super::render::describe_counts;
use crate::ERASING_FUNCTION;
use crate::erasure::{self, ErasureFigures};

pub fn erasure_section(figures: &Result<ErasureFigures, String>, date: &str) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "## Erasing a large user\n");
    let _ = writeln!(
        w,
        "Written by `make bench` ({date}, `scripts/bench-erasure.sh`: a storage engine of its \
         own, started fresh). A user with {} chats in {} projects and {} messages ({} per \
         chat), written through the store as the API writes them. The release \
         `{ERASING_FUNCTION}` answers `events/delete-chats/200-erase-all.json` (`{{\"all\": \
         true}}`, over the TLS hop, Init done first) while the stream purge (the purge \
         function's handler, {} chat partitions at a time) follows the table's stream, as its \
         event source mapping does in production. \"Rows\" are every row of `USER#<user>` and \
         of the partitions under it, counted by a Scan every {} ms.\n",
        erasure::CHATS,
        erasure::PROJECTS,
        erasure::CHATS as usize * erasure::MESSAGES_PER_CHAT,
        erasure::MESSAGES_PER_CHAT,
        neptun_dynamo::purge::stream::PARTITIONS_IN_FLIGHT,
        erasure::POLL.as_millis(),
    );
    match figures {
        Ok(e) => {
            let rows = [
                ("the user's rows before", e.rows_before.to_string()),
                ("seeding them", format!("{:.1} s", e.seed_seconds)),
                (
                    "**time to the answer**",
                    format!("**{:.2} s**", e.answer.as_secs_f64()),
                ),
                (
                    "DynamoDB requests of the answer",
                    describe_counts(&e.requests),
                ),
                (
                    "rows left at the answer (for the purge)",
                    e.rows_at_answer.to_string(),
                ),
                (
                    "**time from the request until 0 rows**",
                    format!("**{:.1} s**", e.purged.as_secs_f64()),
                ),
            ];
            let _ = writeln!(w, "| | |\n|---|--:|");
            for (what, figure) in rows {
                let _ = writeln!(w, "| {what} | {figure} |");
            }
            let _ = writeln!(w);
        }
        Err(reason) => {
            let _ = writeln!(w, "Not measured in this run: {reason}.\n");
        }
    }
    out
}
