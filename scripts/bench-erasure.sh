#!/usr/bin/env bash
# make bench's erasure figures: `neptun-bench erasure` (built by scripts/bench.sh) erases a user
# with 5,000 chats and 100,000 messages through the release delete-chats, on a DynamoDB Local of
# its own started fresh (the main run's engine, after an hour of load, stalls on the 25,000
# writes of the seeding); the section is appended to BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

section="target/bench/erasure.md"
rm -f "$section"
port="$(free_port)"
STORAGE_PID=""
trap 'stop_dynamodb; wait 2>/dev/null || true' EXIT
echo "== DynamoDB Local for the erasure on 127.0.0.1:$port"
start_dynamodb "$port" target/bench/dynamodb-local-erasure.log
NEPTUN_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port" \
  BENCH_BIN_DIR="${BENCH_BIN_DIR:-target/release}" \
  BENCH_ERASURE_OUT="$ROOT/$section" \
  target/bench-tools/neptun-bench erasure
printf '\n' >>"${BENCH_OUTPUT:-BENCHMARKS.md}"
cat "$section" >>"${BENCH_OUTPUT:-BENCHMARKS.md}"
