# Neptun chat API: Rust functions on AWS Lambda.
# Quick start: `make dev` (every route on http://127.0.0.1:9000) and `make test`.

.PHONY: dev test tools lint fmt fuzz

## Runs every route locally on an embedded DynamoDB-compatible server (Ctrl-C stops it all).
dev:
	scripts/dev.sh

## Installs what it needs, then runs rustfmt, clippy and every test against a local server.
test:
	scripts/test.sh

## Installs the pinned tools into .tools/ (make dev and make test do this themselves).
tools:
	scripts/install-tools.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## Fuzzes the untrusted-input parsers (bodies, cookies, path ids, cursors): FUZZ_SECONDS each.
fuzz:
	scripts/fuzz.sh
