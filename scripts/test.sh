#!/usr/bin/env bash
# make test: rustfmt, the dependency checks, clippy (in the build), the template checks, then
# every test against one DynamoDB Local on a free port (each test makes its own table) and a
# private PostgreSQL (the import tests start it).
#
# The pinned tools and PostgreSQL install in the background while cargo builds: they wait on
# the network and the disk, cargo on the CPU. Each step prints its start time, so a slow step
# shows (docs/testing.md, "Build times").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

started=$SECONDS
step() { echo "== [$((SECONDS - started)) s] $*"; }
"$ROOT/scripts/ensure-toolchain.sh"

mkdir -p target/test-logs
install_log=target/test-logs/install.log
step "installing the pinned tools and PostgreSQL in the background (log: $install_log)"
("$ROOT/scripts/install-tools.sh" && "$ROOT/scripts/install-postgres.sh") >"$install_log" 2>&1 &
install_pid=$!
STORAGE_PID=""
trap 'kill "$install_pid" 2>/dev/null || true; stop_dynamodb; wait 2>/dev/null || true' EXIT

step "lint: rustfmt, dependency checks"
cargo fmt --all -- --check
"$ROOT/scripts/check-deps.sh"

# Clippy lints the workspace's crates while they build (as `cargo clippy` does, through
# clippy-driver, with -D warnings), instead of checking every dependency a second time on its
# own (170 s on 2 cores). Exported for the whole run: the tests' `cargo lambda watch` then
# finds the functions built.
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

# What `cargo lambda watch` serves (the local stack tests), as it builds them.
mapfile -t functions < <(function_bin_args)
step "build and clippy: the functions, then every target of the workspace"
cargo build --locked "${functions[@]}"
cargo test --workspace --all-targets --locked --no-run

step "waiting for the tools"
if ! wait "$install_pid"; then
  cat "$install_log" >&2
  echo "installing the tools failed" >&2
  exit 1
fi

step "template.yaml: sam validate --lint, sam validate, cfn-lint, template tests"
"$ROOT/scripts/check-template.sh"

port="$(free_port)"
step "DynamoDB Local on 127.0.0.1:$port"
start_dynamodb "$port" target/test-logs/dynamodb-local.log
export NEPTUN_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"

# The integration tests wait on DynamoDB Local, PostgreSQL and cargo lambda watch far more
# than on the CPU: more of them at once than there are cores.
# Terse (a dot per test, each failure in full after its binary), and every failure again at
# the very end, so that a CI log cut short still shows what failed. A hung test cannot take the
# CI's 90 minutes: after NEPTUN_TEST_TIMEOUT seconds the run stops and says what was slow.
step "tests"
tests_log=target/test-logs/tests.log
set +e
timeout --kill-after 30 "${NEPTUN_TEST_TIMEOUT:-1500}" \
  cargo test --workspace --locked --no-fail-fast "$@" -- \
  --test-threads "${NEPTUN_TEST_THREADS:-8}" --format terse 2>&1 | tee "$tests_log"
status=${PIPESTATUS[0]}
set -e
if ((status != 0)); then
  ((status == 124)) && echo "== the tests did not finish in ${NEPTUN_TEST_TIMEOUT:-1500} s"
  echo "== failed (the whole output: $tests_log):"
  grep -E -e "^---- |panicked at|FAILED|failed, to rerun|overflowed|fatal runtime|signal: " \
    -e "has been running for over" "$tests_log" || true
  echo "== the machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  free -m
  df -h . | tail -n 1
  ps -eo pid,pcpu,rss,etime,args --sort=-pcpu | head -n 12 | cut -c1-160
  echo "== DynamoDB Local's log (last lines):"
  tail -n 20 target/test-logs/dynamodb-local.log
  exit 1
fi
step "done"
