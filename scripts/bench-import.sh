#!/usr/bin/env bash
# make bench's import figures: `neptun-bench import` has the `import` binary (profile bench-tools,
# both built by scripts/bench.sh) import
# 100,000 generated messages from a private PostgreSQL, over TLS (verify-full; the server refuses
# plain TCP), into a DynamoDB Local of its own (the
# bench's engine holds the tables of a long run, which would slow it down), under GNU time;
# the section is appended to BENCHMARKS.md.
#   NEPTUN_IMPORT_BENCH_MESSAGES  how many messages (default 100000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-postgres.sh"
if [[ ! -x /usr/bin/time ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
section="target/bench/import.md"
rm -f "$section"
echo "== import of ${NEPTUN_IMPORT_BENCH_MESSAGES:-100000} messages (import binary of profile bench-tools, private PostgreSQL over TLS)"
env -u NEPTUN_TEST_DYNAMODB_ENDPOINT \
  NEPTUN_IMPORT_BIN="$ROOT/target/bench-tools/import" NEPTUN_IMPORT_BENCH_OUT="$ROOT/$section" \
  target/bench-tools/neptun-bench import
printf '\n' >>"${BENCH_OUTPUT:-BENCHMARKS.md}"
cat "$section" >>"${BENCH_OUTPUT:-BENCHMARKS.md}"
