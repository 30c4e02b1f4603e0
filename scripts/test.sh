#!/usr/bin/env bash
# make test: installs the pinned tools, checks formatting and lints, starts one DynamoDB Local
# on a free port and runs every test against it (each test makes its own table).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
# The import tests start a private PostgreSQL server from Debian's binaries.
"$ROOT/scripts/install-postgres.sh"

"$ROOT/scripts/lint.sh"

echo "== build (the cargo lambda watch test serves these binaries)"
cargo build --workspace --locked

echo "== template.yaml: sam validate --lint, sam validate, cfn-lint, template tests"
"$ROOT/scripts/check-template.sh"

mkdir -p target/test-logs
port="$(free_port)"
STORAGE_PID=""
trap 'stop_dynamodb; wait 2>/dev/null || true' EXIT
echo "== DynamoDB Local on 127.0.0.1:$port"
start_dynamodb "$port" target/test-logs/dynamodb-local.log
export NEPTUN_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"

echo "== tests"
cargo test --workspace --locked --no-fail-fast "$@"
