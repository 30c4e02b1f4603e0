"""schemathesis hooks for `make api-fuzz`.

cargo lambda watch, the local stand-in for API Gateway, cannot turn a header value with
non-ASCII bytes, or a body that is not UTF-8, into a Lambda event: it answers 500 itself before
any function runs. Such cases test the emulator, not the API (our handlers answer them with 400:
see tests/tests/it/reliability.rs and the validation unit tests), so they are skipped here.

Generated Idempotency-Keys repeat ("0", "a", ...), and a repeated key with another body is a
422 by design; a per-request suffix keeps them apart so that the bodies reach validation and
storage.

A delete, or a regenerate, of the sample chat would leave every later request on it a 404: each
such request is sent to a chat made for it instead (through the API itself), with a message to
delete, so that deletes reach storage and the sample chat stays for the other routes.
"""

import itertools
import json
import os
import urllib.request

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


@schemathesis.hook("before_call")
def unique_idempotency_keys(context, case, **kwargs):
    # Every request, whichever phase made it (the coverage phase does not go through the
    # generation hooks). Keys over the limit stay as they are: their 400 is what they test.
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and len(value) <= 255:
            headers[name] = f"{value[:240]}-{next(_counter)}"
    return None


# The delete routes, and whether the chat they delete needs a message (a regenerate).
_CONSUMING = {
    "/api/users/{user_id}/chats/{chat_id}": False,
    "/api/users/{user_id}/projects/{project_id}/chats/{chat_id}": False,
    "/api/users/{user_id}/chats/{chat_id}/messages/last": True,
}
# The sample chat of scripts/schemathesis.toml.
_SAMPLE_CHAT = 1000


def _api(method, path, body):
    request = urllib.request.Request(
        os.environ["API_FUZZ_BASE_URL"] + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "content-type": "application/json",
            "cookie": f"neptun-session={os.environ['NEPTUN_TOKEN']}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _fresh_chat(case, with_message):
    params = case.path_parameters or {}
    user, project = params.get("user_id"), params.get("project_id")
    if project is None:
        path = f"/api/users/{user}/chats"
    elif isinstance(project, int) and 0 < project < 2**53:
        path = f"/api/users/{user}/projects/{project}/chats"
    else:
        return None
    chat = _api("POST", path, {"name": "api-fuzz", "model": ""})["chat"]["id"]
    if with_message:
        _api("POST", f"/api/users/{user}/chats/{chat}/messages", {"message": "hi", "actor": "user"})
    return chat


def _spare_the_sample_data(case):
    """A `DELETE .../chats` of user 1 that would take the sample chat away: an erasure runs on
    user 2 (the sample data's second user) instead, and a delete of several that lists the
    sample chat deletes a chat made for it in its place."""
    params = case.path_parameters or {}
    body = case.body if isinstance(case.body, dict) else {}
    if body.get("all") is True and params.get("user_id") == 1:
        params["user_id"] = 2
        # The session header takes precedence over the configured cookie, as in h3.
        case.headers = {**(case.headers or {}), "x-neptun-session-session": os.environ["NEPTUN_TOKEN_2"]}
    ids = body.get("chat_ids")
    if isinstance(ids, list) and _SAMPLE_CHAT in ids and params.get("user_id") == 1:
        chat = _fresh_chat(case, False)
        if chat is not None:
            body["chat_ids"] = [chat if i == _SAMPLE_CHAT else i for i in ids]


@schemathesis.hook("before_call")
def fresh_chat_for_deletes(context, case, **kwargs):
    if case.method.upper() == "DELETE" and case.operation.path.endswith("/chats"):
        _spare_the_sample_data(case)
        return None
    needs_message = _CONSUMING.get(case.operation.path)
    params = case.path_parameters or {}
    if case.method.upper() != "DELETE" or needs_message is None:
        return None
    if params.get("user_id") != 1 or params.get("chat_id") != _SAMPLE_CHAT:
        return None  # a case about the path itself: keep it as generated
    chat = _fresh_chat(case, needs_message)
    if chat is not None:
        params["chat_id"] = chat
    return None
