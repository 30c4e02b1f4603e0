"""schemathesis hooks for `make api-fuzz`.

cargo lambda watch, the local stand-in for API Gateway, cannot turn a header value with
non-ASCII bytes, or a body that is not UTF-8, into a Lambda event: it answers 500 itself before
any function runs. Such cases test the emulator, not the API (our handlers answer them with 400:
see tests/tests/reliability.rs and the validation unit tests), so they are skipped here.

Generated Idempotency-Keys repeat ("0", "a", ...), and a repeated key with another body is a
422 by design; a per-case suffix keeps them apart so that the bodies reach validation and storage.
"""

import itertools

import schemathesis

_counter = itertools.count()


def _carried_by_the_emulator(case) -> bool:
    headers_ok = all(not isinstance(v, str) or v.isascii() for v in (case.headers or {}).values())
    body = case.body
    if isinstance(body, (bytes, bytearray)):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return headers_ok


@schemathesis.hook
def filter_case(context, case) -> bool:
    return _carried_by_the_emulator(case)


@schemathesis.hook
def map_headers(context, headers):
    if headers and isinstance(headers.get("Idempotency-Key"), str):
        key = headers["Idempotency-Key"][:240]
        headers["Idempotency-Key"] = f"{key}-{next(_counter)}"
    return headers
