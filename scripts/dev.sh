#!/usr/bin/env bash
# make dev: Amazon's DynamoDB Local on 127.0.0.1 with the table and the sample data, and every
# route served by `cargo lambda watch` at its real path on one origin. Ctrl-C stops everything.
#
#   NEPTUN_API_PORT        port of the API            (default 9000)
#   NEPTUN_DYNAMODB_PORT   port of DynamoDB Local     (default 8000)
#   NEPTUN_DEV_DATA        folder that keeps the data across restarts (DynamoDB Local's -dbPath,
#                          e.g. .dev/data); unset: in memory, gone when make dev stops
#   TABLE_NAME             table name                 (default neptun-dev)
#   NUXT_SESSION_PASSWORD  session secret             (default: the dev-only secret below)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/ensure-toolchain.sh"
mkdir -p .dev
STORAGE_PID=""
cleanup() {
  trap - EXIT INT TERM
  [[ -n "${INSTALL_PID:-}" ]] && kill "$INSTALL_PID" 2>/dev/null || true
  [[ -n "${STREAM_PURGE_PID:-}" ]] && kill "$STREAM_PURGE_PID" 2>/dev/null || true
  stop_dynamodb
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cargo-lambda, DynamoDB Local and Java install while cargo builds the dev tools: the one waits
# on the network, the other on the CPU. The functions compile on their first request.
echo "installing the pinned cargo-lambda and DynamoDB Local (log: .dev/install.log), building the dev tools"
"$ROOT/scripts/install-tools.sh" dev >.dev/install.log 2>&1 &
INSTALL_PID=$!
cargo build -q --locked -p neptun-devtools
if ! wait "$INSTALL_PID"; then
  cat .dev/install.log >&2
  exit 1
fi
INSTALL_PID=""

API_PORT="${NEPTUN_API_PORT:-9000}"
DB_PORT="${NEPTUN_DYNAMODB_PORT:-8000}"
export TABLE_NAME="${TABLE_NAME:-neptun-dev}"
# Dev only: anyone can read this secret in the repo, so cookies sealed with it prove nothing.
DEV_PASSWORD="$(cargo run -q --locked -p neptun-devtools --bin dev-password)"
export NUXT_SESSION_PASSWORD="${NUXT_SESSION_PASSWORD:-$DEV_PASSWORD}"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DB_PORT"
export RUST_LOG="${RUST_LOG:-info}"
# The local web app (nuxt dev) may change data from its own origin (docs/design/cross-site.md).
export ALLOWED_ORIGINS="${ALLOWED_ORIGINS:-http://localhost:3000,http://127.0.0.1:3000}"

if [[ -n "${NEPTUN_DEV_DATA:-}" ]]; then
  echo "starting DynamoDB Local on 127.0.0.1:$DB_PORT, data kept in $NEPTUN_DEV_DATA (log: .dev/dynamodb-local.log)"
else
  echo "starting DynamoDB Local on 127.0.0.1:$DB_PORT, in memory (log: .dev/dynamodb-local.log)"
fi
start_dynamodb "$DB_PORT" .dev/dynamodb-local.log "${NEPTUN_DEV_DATA:-}"
cargo run -q -p neptun-devtools --bin create-table -- "$TABLE_NAME" --seed

# The purge of deleted chats, as the purge-chat function on the table's stream in AWS: the same
# handler, fed by DynamoDB Local's stream (docs/design/lifecycle.md, "Deleting chats: the purge").
# Stopped in cleanup.
echo "purging deleted chats from the table's stream in the background (log: .dev/stream-purge.log)"
cargo run -q -p neptun-devtools --bin stream-purge -- "$TABLE_NAME" >.dev/stream-purge.log 2>&1 &
STREAM_PURGE_PID=$!

COOKIE="$(cargo run -q -p neptun-devtools --bin seal-cookie -- --user 1)"
[[ "$NUXT_SESSION_PASSWORD" == "$DEV_PASSWORD" ]] && echo "using the dev-only NUXT_SESSION_PASSWORD"

API="http://127.0.0.1:$API_PORT/api/users/1"
cat <<MSG

Neptun API on http://127.0.0.1:$API_PORT (functions compile on their first request).
A session cookie for user 1:

  export NEPTUN_COOKIE='neptun-session=$COOKIE'

Try:

  curl -s -b "\$NEPTUN_COOKIE" -H 'content-type: application/json' -d '{"name":"Python questions"}' $API/chats
  curl -s -b "\$NEPTUN_COOKIE" $API/chats
  curl -s -b "\$NEPTUN_COOKIE" -H 'content-type: application/json' -d '{"message":"What is Python?","actor":"user"}' $API/chats/<chat_id>/messages
  curl -s -b "\$NEPTUN_COOKIE" -H 'content-type: application/json' -d '{"messages":[{"content":"Hi","role":"user"},{"content":"Hello!","role":"assistant"}]}' $API/chats/<chat_id>/messages
  curl -s -b "\$NEPTUN_COOKIE" "$API/chats/<chat_id>/messages?limit=50"
  curl -s -b "\$NEPTUN_COOKIE" -H 'content-type: application/json' -d '{"title":"hello.py","text":"print(1)","language":"python","extension":"py"}' $API/chats/<chat_id>/files/<message_id>
  curl -s -b "\$NEPTUN_COOKIE" $API/chats/<chat_id>/files

Press Ctrl-C to stop.
MSG

cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" &
wait $!
