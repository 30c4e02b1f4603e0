#!/usr/bin/env bash
# make api-fuzz: schemathesis (pinned) generates requests from openapi.yaml and sends them to
# the local stack (storage server + cargo lambda watch on free ports, sample data seeded) with
# a valid session cookie. Fails on any 5xx or any response that breaks the schema.
#   API_FUZZ_EXAMPLES  examples per operation and phase (default 40)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
SCHEMATHESIS_VERSION=4.32.5
venv="$TOOLS/schemathesis"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

export TABLE_NAME="neptun-api-fuzz"
NUXT_SESSION_PASSWORD="$(cargo run -q --locked -p neptun-devtools --bin dev-password)"
export NUXT_SESSION_PASSWORD
export RUST_LOG=warn
mkdir -p target/api-fuzz
db_port="$(free_port)"
api_port="$(free_port)"
STORAGE_PID=""
WATCH_PID=""
cleanup() {
  [[ -n "$WATCH_PID" ]] && kill -- "-$WATCH_PID" 2>/dev/null
  stop_dynamodb
  wait 2>/dev/null || true
}
trap cleanup EXIT

start_dynamodb "$db_port" target/api-fuzz/dynamodb-local.log
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$db_port"
# What cargo lambda watch serves, as it builds them.
mapfile -t functions < <(function_bin_args)
cargo build -q --locked "${functions[@]}"
cargo run -q -p neptun-devtools --bin create-table -- "$TABLE_NAME" --seed
NEPTUN_TOKEN="$(cargo run -q -p neptun-devtools --bin seal-cookie -- --user 1)"
export NEPTUN_TOKEN
# The erasures run on user 2 (scripts/schemathesis_hooks.py).
NEPTUN_TOKEN_2="$(cargo run -q -p neptun-devtools --bin seal-cookie -- --user 2)"
export NEPTUN_TOKEN_2
setsid cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$api_port" --ignore-changes \
  >target/api-fuzz/watch.log 2>&1 &
WATCH_PID=$!
wait_for_port "$api_port" 120
# For the hooks, which make a chat of their own for each delete.
export API_FUZZ_BASE_URL="http://127.0.0.1:$api_port"

SCHEMATHESIS_HOOKS="$ROOT/scripts/schemathesis_hooks.py" \
  "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run openapi.yaml \
  --url "http://127.0.0.1:$api_port" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples "${API_FUZZ_EXAMPLES:-40}" \
  --workers 1 \
  --report junit --report-dir target/api-fuzz "$@"
