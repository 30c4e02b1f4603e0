#!/usr/bin/env bash
# make bench's erasure figures: `neptun-bench erasure` (built by scripts/bench.sh) erases a user
# with 5,000 chats and 100,000 messages, then (BENCH_ERASURE_SIZES="5000 50000", make bench's
# BENCH_FULL=1) one with 50,000 chats, through the release
# delete-chats, each on a DynamoDB Local of its own started fresh (an engine that held the one
# user stalls on the next one's seeding, as the main run's does after an hour of load); the
# section is appended to BENCHMARKS.md: the first run's, with the second run's row.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

STORAGE_PID=""
trap 'stop_dynamodb; wait 2>/dev/null || true' EXIT
read -r -a sizes <<<"${BENCH_ERASURE_SIZES:-5000 50000}"
for chats in "${sizes[@]}"; do
  rm -f "target/bench/erasure-$chats.md"
  port="$(free_port)"
  echo "== DynamoDB Local for the erasure of $chats chats on 127.0.0.1:$port"
  start_dynamodb "$port" "target/bench/dynamodb-local-erasure-$chats.log"
  NEPTUN_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port" \
    BENCH_BIN_DIR="${BENCH_BIN_DIR:-target/release}" \
    BENCH_ERASURE_CHATS="$chats" \
    BENCH_ERASURE_OUT="$ROOT/target/bench/erasure-$chats.md" \
    target/bench-tools/neptun-bench erasure
  stop_dynamodb
done
# The first section whole, its "left out" rows replaced by the other runs' own.
section="target/bench/erasure.md"
# (The section ends with its table and one empty line.)
grep -v '^| [0-9]* | .*left out of this run' "target/bench/erasure-${sizes[0]}.md" |
  head -n -1 >"$section"
for chats in "${sizes[@]:1}"; do
  grep "^| $chats | " "target/bench/erasure-$chats.md" >>"$section"
done
printf '\n' >>"$section"
printf '\n' >>"${BENCH_OUTPUT:-BENCHMARKS.md}"
cat "$section" >>"${BENCH_OUTPUT:-BENCHMARKS.md}"
