#!/usr/bin/env bash
# Makes sure rustup has the toolchain that rust-toolchain.toml pins. Where it is missing but the
# installed stable toolchain is that very release (machines without network to fetch toolchains),
# stable is registered under the pinned name; otherwise rustup installs it as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
pinned="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
host="$(uname -m)-unknown-linux-gnu"
toolchains="${RUSTUP_HOME:-$HOME/.rustup}/toolchains"
if [[ -e "$toolchains/$pinned-$host" ]]; then
  exit 0
fi
stable="$toolchains/stable-$host"
if [[ -x "$stable/bin/rustc" ]] && "$stable/bin/rustc" --version | grep -q "^rustc $pinned "; then
  ln -s "$stable" "$toolchains/$pinned-$host"
  echo "using the installed stable toolchain ($pinned) as $pinned-$host" >&2
else
  rustup toolchain install "$pinned" --profile minimal --component rustfmt,clippy
fi
