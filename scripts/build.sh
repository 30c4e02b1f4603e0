#!/usr/bin/env bash
# make build: `sam build` of template.yaml. Every function is cross-compiled by cargo-lambda
# (with zig as the linker, no Docker) into .aws-sam/build/<Function>/bootstrap for
# provided.al2023 on arm64; `make deploy` uploads those. Extra arguments go to `sam build`.
#
# Needs Rust with the aarch64-unknown-linux-gnu standard library (installed here with rustup
# if it is missing) and Python 3.11; the pinned cargo-lambda, ziglang and aws-sam-cli come
# from scripts/requirements-tools.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"

TARGET=aarch64-unknown-linux-gnu
if [[ ! -d "$(rustc --print sysroot)/lib/rustlib/$TARGET/lib" ]]; then
  if command -v rustup >/dev/null && rustup target add "$TARGET"; then
    :
  else
    cat >&2 <<EOF
make build: the Rust standard library for $TARGET is not installed, and
'rustup target add $TARGET' could not install it (no rustup, or its download server is not
reachable from this machine). The Lambda functions run on arm64, so they cannot be built
without it. Install it where rustup can reach its server, then run 'make build' again:
    rustup target add $TARGET
EOF
    exit 1
  fi
fi

for tool in sam cargo-lambda; do
  if ! command -v "$tool" >/dev/null; then
    echo "make build: '$tool' is missing from .tools/venv: check scripts/requirements-tools.txt" >&2
    exit 1
  fi
done

# No usage data sent from this script (the caller can still opt in).
export SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"

# One function at a time: they share target/ (and its lock), and each release build uses both
# cores already. Dependencies are compiled once, by the first function.
sam build --template-file template.yaml "$@"

echo "== artifacts"
shopt -s nullglob
bootstraps=(.aws-sam/build/*/bootstrap)
functions=(functions/*/Cargo.toml)
status=0
if ((${#bootstraps[@]} != ${#functions[@]})); then
  echo "expected ${#functions[@]} bootstrap files (one per function), found ${#bootstraps[@]}" >&2
  status=1
fi
for bootstrap in "${bootstraps[@]}"; do
  # ELF e_machine (bytes 18-19, little-endian) 0xB7 is AArch64.
  machine="$(od -An -tx1 -j18 -N2 "$bootstrap" | tr -d ' \n')"
  size="$(du -k "$bootstrap" | cut -f1)"
  if [[ "$machine" == "b700" ]]; then
    printf '%6s KiB  %s (arm64)\n' "$size" "$bootstrap"
  else
    printf '%6s KiB  %s (NOT arm64: e_machine %s)\n' "$size" "$bootstrap" "$machine" >&2
    status=1
  fi
done
exit "$status"
