#!/usr/bin/env bash
# Exactly one TLS stack in the dependency graph of the workspace (normal and dev dependencies),
# for both Linux targets we build (x86_64 here, aarch64 on Lambda):
#   - one version of rustls (the AWS SDK's default features would add the legacy rustls 0.21,
#     aws-sdk-rust#1339);
#   - one rustls crypto provider, ring, in one version: not aws-lc-rs, whose CPU jitter entropy
#     costs every process about 40 ms of CPU at its first handshake (README);
#   - no OpenSSL or native-tls (openssl-probe, which only locates the system's certificate
#     files for rustls-native-certs, is not a TLS stack);
#   - no hyper 0.14 (nor its h2 0.3 / hyper-rustls 0.24): hyper 1 only.
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
exit "$status"
