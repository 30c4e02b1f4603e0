#!/usr/bin/env bash
# make fuzz: runs every cargo-fuzz target for FUZZ_SECONDS each (default 60) on stable Rust
# (RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags). A crash is copied into
# fuzz/regressions/<target>/, which `make test` replays, and fails the run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

CARGO_FUZZ_VERSION=0.13.2
seconds="${FUZZ_SECONDS:-60}"
if ! "$TOOLS/cargo/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS/cargo"
fi
export PATH="$TOOLS/cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1

targets=(${FUZZ_TARGETS:-bodies session path cursor})
cd fuzz
cargo fuzz build --release
status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  cp -n regressions/"$target"/* "corpus/$target/" 2>/dev/null || true
  log="artifacts/$target.log"
  echo "== fuzz $target for ${seconds}s"
  if cargo fuzz run --release "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "   $runs executions, no crash"
  else
    status=1
    echo "   CRASH: see fuzz/$log"
    for crash in "artifacts/$target"/*; do
      [[ -f "$crash" ]] && cp "$crash" "regressions/$target/" && echo "   saved fuzz/regressions/$target/$(basename "$crash")"
    done
  fi
done
exit $status
