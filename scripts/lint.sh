#!/usr/bin/env bash
# make lint: rustfmt, clippy with -D warnings, and the dependency checks (one TLS stack).
# make test runs the same lints, with clippy inside its build (scripts/test.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/ensure-toolchain.sh"

echo "== rustfmt, clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
"$ROOT/scripts/check-deps.sh"
