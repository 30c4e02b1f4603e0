#!/usr/bin/env bash
# Installs the pinned tools into .tools/ (git-ignored); re-runs only when the pins change.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requirements="$ROOT/scripts/requirements-tools.txt"
stamp="$TOOLS/venv/.installed"
if [[ ! -f "$stamp" ]] || ! cmp -s "$requirements" "$stamp"; then
  echo "installing pinned tools into .tools/venv ..." >&2
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

vectors="$ROOT/tests/vectors"
node_stamp="$vectors/node_modules/.installed"
if [[ ! -f "$node_stamp" ]] || ! cmp -s "$vectors/package-lock.json" "$node_stamp"; then
  echo "installing the pinned h3 / iron-webcrypto test vectors' packages ..." >&2
  (cd "$vectors" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$vectors/package-lock.json" "$node_stamp"
fi
