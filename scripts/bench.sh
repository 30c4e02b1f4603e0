#!/usr/bin/env bash
# make bench: builds every function and the hello-world baseline in release mode, then measures
# them side by side (bench/runner; the storage over a TLS 1.3 terminator with a CA made for the
# run, and over plain HTTP) and rewrites BENCHMARKS.md.
#
#   make bench                             # the opt-level of Cargo.toml's [profile.release]
#   BENCH_OPT_LEVELS="3 s z" make bench    # also builds and compares the other opt-levels
#                                          # (baseline + one create + one list, target/bench-opt-*)
#
# The default run takes about 14 minutes on 2 cores after a change to the shared crates: the
# release build (about 9 minutes: 22 fat-LTO links), the runner (incremental), then about 5
# minutes of measurements: 8 cold starts per binary and setup (the SDK floor 4 times as many),
# 200 requests for CPU time, 2 cold starts under each CPU share (the Node peer 1), the erasure
# of 5,000 chats and the import of 10,000 messages. BENCH_FULL=1 is the long run (about 100
# minutes): 30 cold starts, 2,000 requests, 5 under each CPU share, the erasure of 50,000
# chats too, 100,000 messages, and the split of a request's instructions by function (on a
# build with symbols, profile bench-symbols). BENCH_SPAWNS, BENCH_REQUESTS, BENCH_SLICE_SPAWNS,
# BENCH_ERASURE_SIZES and NEPTUN_IMPORT_BENCH_MESSAGES override either. The package size is
# that of the arm64 build (`cargo lambda build --release --arm64`, as `make build` deploys)
# when the aarch64 standard library is installed, else that of the x86_64 build.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

if [[ "${BENCH_FULL:-0}" == 1 ]]; then
  : "${BENCH_SPAWNS:=30}" "${BENCH_REQUESTS:=2000}" "${BENCH_SLICE_SPAWNS:=5}"
  : "${BENCH_ERASURE_SIZES:=5000 50000}" "${NEPTUN_IMPORT_BENCH_MESSAGES:=100000}"
else
  : "${BENCH_SPAWNS:=8}" "${BENCH_REQUESTS:=200}" "${BENCH_SLICE_SPAWNS:=2}"
  : "${BENCH_ERASURE_SIZES:=5000}" "${NEPTUN_IMPORT_BENCH_MESSAGES:=10000}"
fi
export BENCH_SPAWNS BENCH_REQUESTS BENCH_SLICE_SPAWNS BENCH_ERASURE_SIZES
export NEPTUN_IMPORT_BENCH_MESSAGES

BENCH_STARTED="$(date +%s)"
export BENCH_STARTED
"$ROOT/scripts/install-tools.sh"
# Instructions per request are counted by Debian's valgrind (cachegrind).
if ! command -v valgrind >/dev/null; then
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi

# The Node peer's pinned packages (bench/node-peer), installed again only when its lock changes.
peer="$ROOT/bench/node-peer"
peer_stamp="$peer/node_modules/.installed"
if [[ ! -f "$peer_stamp" ]] || ! cmp -s "$peer/package-lock.json" "$peer_stamp"; then
  echo "== installing the Node peer's pinned packages (bench/node-peer)"
  (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$peer/package-lock.json" "$peer_stamp"
fi

binaries=(hello-baseline)
for manifest in functions/*/Cargo.toml; do
  binaries+=("$(basename "$(dirname "$manifest")")")
done
bin_args=()
for binary in "${binaries[@]}"; do
  bin_args+=(--bin "$binary")
done

# The opt-level of [profile.release] in Cargo.toml.
level="$(awk '/^\[/ {section = $0} section == "[profile.release]" && $1 == "opt-level" {gsub(/"/, "", $3); print $3}' Cargo.toml)"
[[ -n "$level" ]] || level=3

build_started=$SECONDS
# The functions and the two baselines in one invocation, apart from every tool: cargo resolves
# features over the packages of an invocation, and these resolve exactly the features the
# functions resolve alone, as `sam build` (cargo lambda, one function at a time) builds them.
# Checked here, so that a baseline that brought a feature in would stop the run.
mapfile -t function_args < <(function_package_args)
peer_args=(-p hello-baseline -p sdk-floor)
features_of() {
  cargo tree --locked -e features --prefix none --target all "$@" | sed 's/ (\*)//' |
    grep -v -e '^hello-baseline ' -e '^sdk-floor ' | sort -u
}
if ! diff <(features_of "${function_args[@]}") <(features_of "${function_args[@]}" "${peer_args[@]}") >&2; then
  echo "make bench: hello-baseline or sdk-floor changes the functions' features (above)" >&2
  exit 1
fi
echo "== release build, x86_64, opt-level $level: the functions, hello-baseline and sdk-floor"
cargo build --release --locked "${function_args[@]}" "${peer_args[@]}"
if [[ "${BENCH_FULL:-0}" == 1 ]]; then
  echo "== build with symbols (profile bench-symbols): create-chat-messages and sdk-floor, for the split"
  cargo build --profile bench-symbols --locked -p create-chat-messages -p sdk-floor
  export BENCH_SPLIT=1
fi
# The runner and the import (dev features, PostgreSQL) in an invocation of their own.
echo "== build of the runner and the import (profile bench-tools: opt-level 3, no LTO)"
cargo build --profile bench-tools --locked -p neptun-bench -p neptun-import

variants=""
for other in ${BENCH_OPT_LEVELS:-}; do
  [[ "$other" == "$level" ]] && continue
  dir="target/bench-opt-$other"
  echo "== release build, x86_64, opt-level $other (in $dir)"
  CARGO_PROFILE_RELEASE_OPT_LEVEL="$other" cargo build --release --locked --target-dir "$dir" \
    --bin hello-baseline --bin create-chat-messages --bin list-chat-messages
  variants+="$other=$dir/release "
done

zip_dir=""
if [[ -d "$(rustc --print sysroot)/lib/rustlib/aarch64-unknown-linux-gnu/lib" ]]; then
  echo "== release build, arm64 (cargo lambda, as make build): for the package size"
  cargo lambda build --release --arm64 --locked "${bin_args[@]}"
  zip_dir=target/lambda
else
  echo "== the aarch64 standard library is not installed: the package size is the x86_64 one" >&2
fi
export BENCH_BUILD_SECONDS=$((SECONDS - build_started))

mkdir -p target/bench
port="$(free_port)"
STORAGE_PID=""
trap 'stop_dynamodb; wait 2>/dev/null || true' EXIT
echo "== DynamoDB Local on 127.0.0.1:$port"
start_dynamodb "$port" target/bench/dynamodb-local.log
export NEPTUN_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"

BENCH_BIN_DIR=target/release \
  BENCH_OPT_LEVEL="$level" \
  BENCH_VARIANTS="$variants" \
  BENCH_ZIP_DIR="$zip_dir" \
  BENCH_ZIP_ARCH=arm64 \
  BENCH_OUTPUT="${BENCH_OUTPUT:-$ROOT/BENCHMARKS.md}" \
  target/bench-tools/neptun-bench

# The main run's engine is done: the erasure and the import start fresh ones.
stop_dynamodb
# The erasure of a large user, then the import's rate and peak RSS, into the same BENCHMARKS.md.
BENCH_OPT_LEVEL="$level" "$ROOT/scripts/bench-erasure.sh"
"$ROOT/scripts/bench-import.sh"

# The run's duration, written by the runner before the erasure and the import, made the whole.
minutes="$(awk -v s="$(($(date +%s) - BENCH_STARTED))" 'BEGIN { printf "%.1f", s / 60 }')"
sed -i "s/this \`make bench\` took [0-9.]* min/this \`make bench\` took $minutes min/" "${BENCH_OUTPUT:-$ROOT/BENCHMARKS.md}"
echo "== make bench took $minutes min"
