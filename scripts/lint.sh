#!/usr/bin/env bash
# make lint (and the first step of make test): rustfmt, clippy with -D warnings, and the
# dependency checks (one TLS stack).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/ensure-toolchain.sh"

echo "== rustfmt, clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
"$ROOT/scripts/check-deps.sh"
