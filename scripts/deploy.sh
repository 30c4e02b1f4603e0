#!/usr/bin/env bash
# make deploy: deploys what `make build` built (.aws-sam/build) with your AWS credentials.
#   first time (no samconfig.toml): `sam deploy --guided` asks for the stack name, region and
#   parameters (SessionPassword without echo, never saved) and saves the answers to the
#   git-ignored samconfig.toml;
#   later: `sam deploy` with those answers (SessionPassword keeps its previous value).
# Extra arguments go to `sam deploy`. See docs/deploy.md.
#
# Deliberately not sourcing lib.sh: its dummy local credentials and default region would
# hide your real AWS profile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/venv/bin:$PATH"
export SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"

if ! command -v sam >/dev/null; then
  echo "make deploy: 'sam' is missing: run 'make build' first (it installs the pinned SAM CLI)" >&2
  exit 1
fi
built=.aws-sam/build/template.yaml
if [[ ! -f "$built" ]]; then
  # Without a build, sam deploy would package template.yaml's CodeUri (the whole workspace).
  echo "make deploy: nothing built yet: run 'make build' first" >&2
  exit 1
fi
if [[ template.yaml -nt "$built" ]]; then
  echo "make deploy: template.yaml changed since the last 'make build': run 'make build' again" >&2
  exit 1
fi

if [[ -f samconfig.toml ]]; then
  exec sam deploy "$@"
else
  echo "No samconfig.toml yet: guided deploy. Answer 'y' to 'Save arguments to configuration file'."
  exec sam deploy --guided "$@"
fi
