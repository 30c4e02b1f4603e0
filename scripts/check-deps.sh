#!/usr/bin/env bash
# Exactly one TLS stack in the dependency graph of the workspace (normal and dev dependencies),
# for both Linux targets we build (x86_64 here, aarch64 on Lambda):
#   - one version of rustls (the AWS SDK's default features would add the legacy rustls 0.21,
#     aws-sdk-rust#1339);
#   - one rustls crypto provider, ring, in one version: not aws-lc-rs, whose CPU jitter entropy
#     costs every process about 40 ms of CPU at its first handshake (docs/design/binary.md);
#   - no OpenSSL or native-tls (openssl-probe, which only locates the system's certificate
#     files for rustls-native-certs, is not a TLS stack);
#   - no hyper 0.14 (nor its h2 0.3 / hyper-rustls 0.24): hyper 1 only.
# And what a deployed function links: core and dynamo of the library only, never the test kit,
# the dev tools, the import (its PostgreSQL client), the benchmark crates, or core's `dev`
# feature (sealing cookies), checked on each function's own dependency tree (`cargo tree -p`,
# which resolves features for that function alone, as `cargo lambda build` does), nor a regex
# engine (tracing-subscriber's EnvFilter would bring one: the functions filter by `Targets`).
# Offline once the crates are fetched: `cargo tree --locked` reads Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
fail() {
  echo "check-deps: $*" >&2
  status=1
}

for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
  # "name vX.Y.Z" once per package version.
  packages="$(cargo tree --workspace --locked -e normal,dev --target "$target" --prefix none -f '{p}' |
    awk '{print $1, $2}' | sort -u)"
  versions() { awk -v name="$1" '$1 == name {print $2}' <<<"$packages"; }
  count() { versions "$1" | grep -c . || true; }

  n="$(count rustls)"
  ((n == 1)) || fail "$target: expected exactly one rustls version, found $n: $(versions rustls | xargs)"

  providers=()
  for provider in aws-lc-rs ring rustls-openssl rustls-rustcrypto rustls-graviola rustls-symcrypt \
    rustls-mbedcrypto-provider boring; do
    n="$(count "$provider")"
    ((n == 0)) && continue
    providers+=("$provider $(versions "$provider" | xargs)")
    ((n == 1)) || fail "$target: $provider in $n versions: $(versions "$provider" | xargs)"
  done
  ((${#providers[@]} == 1)) ||
    fail "$target: expected exactly one rustls crypto provider, found ${#providers[@]}: ${providers[*]:-none}"
  [[ "${providers[0]:-}" == ring\ * ]] || fail "$target: the rustls crypto provider must be ring, found ${providers[*]:-none}"

  for forbidden in openssl openssl-sys native-tls tokio-native-tls hyper-tls hyper-openssl aws-lc-sys; do
    n="$(count "$forbidden")"
    ((n == 0)) || fail "$target: $forbidden must not be a dependency ($(versions "$forbidden" | xargs))"
  done

  for old in "hyper v0." "h2 v0.3." "hyper-rustls v0.2[0-4]" "rustls v0.2[01]\."; do
    if grep -q "^$old" <<<"$packages"; then
      fail "$target: legacy HTTP/TLS stack: $(grep "^$old" <<<"$packages" | xargs)"
    fi
  done

  if ((status == 0)); then
    echo "check-deps: $target: one TLS stack (rustls $(versions rustls), ${providers[0]}, hyper $(versions hyper | xargs))"
  fi
done
# Only what a function needs, per function, for the Lambda target.
lambda_target=aarch64-unknown-linux-gnu
not_in_functions=(neptun-testkit neptun-devtools neptun-import neptun-tests neptun-bench sdk-floor
  hello-baseline tokio-postgres postgres-protocol regex-automata)
checked=0
for manifest in functions/*/Cargo.toml; do
  function="$(basename "$(dirname "$manifest")")"
  tree="$(cargo tree -p "$function" --locked -e features --target "$lambda_target" --prefix none)"
  for forbidden in "${not_in_functions[@]}"; do
    if grep -q "^$forbidden v" <<<"$tree"; then
      fail "$function links $forbidden (a function depends on neptun-core and neptun-dynamo only)"
    fi
  done
  if grep -q '^neptun-core feature "dev"' <<<"$tree"; then
    fail "$function enables neptun-core's dev feature (sealing cookies is for tools and tests)"
  fi
  grep -q "^neptun-dynamo v" <<<"$tree" || grep -q "^neptun-core v" <<<"$tree" ||
    fail "$function does not use the library"
  checked=$((checked + 1))
done
((checked > 0)) || fail "no function under functions/"
if ((status == 0)); then
  echo "check-deps: $checked functions ($lambda_target): neptun-core and neptun-dynamo only, no dev feature"
fi
exit "$status"
