#!/usr/bin/env bash
# Checks template.yaml with the pinned tools, offline and without an AWS account:
#   sam validate --lint      cfn-lint through SAM CLI
#   sam validate             the SAM transform, run locally
#   cfn-lint                 cfn-lint itself, informational rules included
#   pytest                   tests/python/test_template.py: the table equals table.rs, every
#                            function and router route is in the template, least privilege,
#                            limits, logs, alarms; tests/python/test_routing.py: the recipes of
#                            deploy/ route exactly openapi.yaml's paths to the API;
#                            tests/python/test_references.py: no document, comment or template
#                            names a repository path, Markdown anchor or Rust item of the
#                            workspace that does not exist
# and cfn-lint on the CloudFront recipe, deploy/cloudfront/template.yaml.
# Each must report nothing: a warning fails the check.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
for tool in sam cfn-lint pytest; do
  if ! command -v "$tool" >/dev/null; then
    echo "check-template: '$tool' is missing from .tools/venv: check scripts/requirements-tools.txt" >&2
    exit 1
  fi
done

# Nothing here talks to AWS. `sam validate` runs the SAM translator locally; it only needs a
# region and, through boto3, something that looks like credentials, so it gets dummy ones and
# no profile (a developer's real credentials or config are never read).
export AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
# SAM CLI's own network calls: telemetry (off), and a weekly "newer version?" request whose
# last time it keeps in its config dir. Give it a config dir of ours under .tools/ whose last
# check lies far in the future, so it never makes that request (nor writes to ~/.aws-sam).
export SAM_CLI_TELEMETRY=0
export __SAM_CLI_APP_DIR="$TOOLS/sam-cli"
mkdir -p "$__SAM_CLI_APP_DIR"
echo '{"lastVersionCheck": 32503680000.0, "telemetryEnabled": false}' >"$__SAM_CLI_APP_DIR/metadata.json"

echo "== template.yaml: sam validate --lint"
sam validate --lint --template-file template.yaml
echo "== template.yaml: sam validate (SAM transform)"
sam validate --template-file template.yaml --region "$AWS_REGION"
echo "== template.yaml: cfn-lint"
cfn-lint --include-checks I -- template.yaml
echo "== deploy/cloudfront/template.yaml: cfn-lint"
cfn-lint --include-checks I -- deploy/cloudfront/template.yaml
echo "== template.yaml, deploy/ and references: pytest tests/python/test_template.py tests/python/test_routing.py tests/python/test_references.py"
PYTHONDONTWRITEBYTECODE=1 python -m pytest -q -p no:cacheprovider tests/python/test_template.py \
  tests/python/test_routing.py tests/python/test_references.py
