# Neptun chat API: Rust functions on AWS Lambda.
# Quick start: `make dev` (every route on http://127.0.0.1:9000) and `make test`.

.PHONY: dev test tools lint fmt fuzz api-fuzz build deploy bench import

## Runs every route locally on an embedded DynamoDB-compatible server (Ctrl-C stops it all).
dev:
	scripts/dev.sh

## Installs what it needs, then runs rustfmt, clippy and every test against a local server.
test:
	scripts/test.sh

## Builds every function for Lambda (arm64, provided.al2023) into .aws-sam/build (sam build).
build:
	scripts/build.sh

## Deploys .aws-sam/build: sam deploy --guided the first time (writes samconfig.toml), then sam deploy.
deploy:
	scripts/deploy.sh

## Installs the pinned tools into .tools/ (make dev and make test do this themselves).
tools:
	scripts/install-tools.sh

## Exactly the lint step of make test: rustfmt, clippy -D warnings, the dependency checks.
lint:
	scripts/lint.sh

fmt:
	cargo fmt --all

## Fuzzes the untrusted-input parsers (bodies, cookies, path ids, cursors): FUZZ_SECONDS each.
fuzz:
	scripts/fuzz.sh

## schemathesis against openapi.yaml on the local stack with a valid cookie: no 5xx, no response
## that breaks the schema. API_FUZZ_EXAMPLES per operation and phase (default 40).
api-fuzz:
	scripts/api-fuzz.sh

## Release builds, then size, cold start, first vs warm request, DynamoDB requests, instructions,
## CPU and RSS of every function against a hello-world baseline; rewrites BENCHMARKS.md (about
## 14 minutes after a change to the shared crates, building included; BENCH_FULL=1: the long run).
bench:
	scripts/bench.sh

## Imports the web app's chats, project links and shares from PostgreSQL:
## make import DATABASE_URL=postgres://... CRYPTO_SECRET=... [IMPORT_ARGS='--verify'].
## Without TABLE_NAME it fills make dev's table (neptun-dev on 127.0.0.1:8000); docs/import.md.
import:
	@if [ -z "$$TABLE_NAME" ]; then export TABLE_NAME=neptun-dev AWS_ENDPOINT_URL_DYNAMODB="$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:$${NEPTUN_DYNAMODB_PORT:-8000}}" AWS_REGION="$${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="$${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="$${AWS_SECRET_ACCESS_KEY:-local}"; fi; \
	  cargo run -q -p neptun-import --bin import -- $(IMPORT_ARGS)
