"""Drives the published Neptun CLI's ChatService (PyPI `neptun` 0.1.12) against our API.

Run by the Rust integration tests as `python tests/python/cli/drive_chat_service.py`, with the
Python of the CLI's own venv (scripts/requirements-cli.txt: neptun 0.1.12 needs Python >= 3.12
and pytest < 9, so it cannot live in .tools/venv). Not a pytest file: its name matches none of
pytest's default patterns, and scripts/check-template.sh and tests/src/lib.rs name their test
files one by one.

Environment:
  NEPTUN_CLI_ORIGIN   the web app's origin, e.g. http://127.0.0.1:PORT: it answers
                      HEAD /api/auth/check (204 for a valid session, 401 otherwise; the CLI takes
                      anything else, 200 included, as "not authenticated") and forwards the rest
                      of /api to our API. The CLI's host is this origin plus `/api`.
  NEPTUN_CLI_COOKIE   the neptun-session cookie's value (the sealed token only)
  NEPTUN_CLI_USER_ID  the session's user id

The CLI is configured, never patched: its config file lives in a temporary HOME (and
XDG_CONFIG_HOME) made here, and is written through the CLI's own ConfigManager, as its
`neptun config dynamic` / `neptun config session-token` commands and its login write it. Its
HTTP is its own httpx clients, untouched. Then, in order: create a chat, list the chats
(`order_by=updated_at:desc`), the new chat's messages and files, rename it, delete it, and list
again. One line per call on stdout (`create_chat: ok chat_id=7`); the first failure is printed
to stderr and the exit code is 1 (2 for a bad environment).

Workarounds for the CLI's bugs, each a configuration step, marked WORKAROUND below:
  1. update_chat reads the user id from `[auth] user_id`, a key that neither its login nor its
     default config has (they write `[auth.user] id`), and `neptun config dynamic` only updates
     existing keys: the script writes `[auth] user_id` too.
  2. services.py runs `logging.basicConfig(filename='app.log', level=DEBUG)` at import, which
     would create app.log in the working directory (the repository): the script gives the root
     logger a handler (stderr, warnings only) first, so that call does nothing.
  3. create_chat prints the raw response body to stdout: its stdout goes to stderr, so that
     stdout keeps one line per call.
"""

import asyncio
import contextlib
import logging
import os
import re
import sys
import tempfile
import uuid
from urllib.parse import urlsplit

CLI_VERSION = "0.1.12"
MODEL = "mistralai/Mistral-7B-Instruct-v0.3"  # one of the CLI's own model choices
# RFC 3339 UTC with milliseconds, as openapi.yaml's Timestamp.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def usage(message):
    print(f"drive_chat_service: {message}", file=sys.stderr)
    sys.exit(2)


class Failure(Exception):
    """A step's result is not what our API should give the CLI."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def report(step, detail=""):
    print(f"{step}: ok{' ' + detail if detail else ''}", flush=True)


def environment():
    missing = [
        name
        for name in ("NEPTUN_CLI_ORIGIN", "NEPTUN_CLI_COOKIE", "NEPTUN_CLI_USER_ID")
        if not os.environ.get(name)
    ]
    if missing:
        usage(f"set {', '.join(missing)}")
    origin = os.environ["NEPTUN_CLI_ORIGIN"].rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
        usage(f"NEPTUN_CLI_ORIGIN must be an origin such as http://127.0.0.1:PORT, not {origin!r}")
    cookie = os.environ["NEPTUN_CLI_COOKIE"]
    if cookie.startswith("neptun-session="):
        usage("NEPTUN_CLI_COOKIE is the cookie's value only, without 'neptun-session='")
    if any(c in cookie for c in "%;\r\n \t"):
        # configparser (the CLI's config file) refuses '%' in a value; the rest cannot be in a
        # cookie value.
        usage("NEPTUN_CLI_COOKIE holds a character a sealed token never has")
    try:
        user_id = int(os.environ["NEPTUN_CLI_USER_ID"])
    except ValueError:
        user_id = 0
    if user_id < 1:
        usage("NEPTUN_CLI_USER_ID must be a positive integer")
    return origin, parts.hostname, cookie, user_id


def isolate(home, host):
    """Points everything the CLI reads or writes outside its own config at the temporary HOME."""
    os.environ["HOME"] = home  # click.get_app_dir on macOS, ~/.netrc for httpx
    os.environ["XDG_CONFIG_HOME"] = os.path.join(home, ".config")  # click.get_app_dir on Linux
    # httpx honours the proxy variables: the origin is a local stand-in, reached directly.
    no_proxy = [
        v for v in os.environ.get("NO_PROXY", os.environ.get("no_proxy", "")).split(",") if v
    ]
    for entry in (host, "127.0.0.1", "localhost", "::1"):
        if entry not in no_proxy:
            no_proxy.append(entry)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(no_proxy)
    # WORKAROUND 2: a root handler first, so services.py's basicConfig writes no app.log.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("neptun-cli log: %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def load_cli():
    if sys.version_info < (3, 12):
        raise Failure(
            f"neptun {CLI_VERSION} needs Python >= 3.12, this is {sys.version.split()[0]}: run this "
            "script with the CLI's venv (scripts/requirements-cli.txt)"
        )
    from importlib import metadata

    try:
        version = metadata.version("neptun")
    except metadata.PackageNotFoundError:
        raise Failure(
            f"neptun is not installed in {sys.prefix}: install scripts/requirements-cli.txt"
        ) from None
    check(version == CLI_VERSION, f"neptun {version} is installed, expected {CLI_VERSION}")
    # Imported only now: the CLI fixes its config path (from HOME / XDG_CONFIG_HOME) at import.
    from neptun.utils import managers, services
    from neptun.model import http_requests, http_responses

    return managers, services, http_requests, http_responses


def configure(managers, origin, cookie, user_id):
    """Writes the CLI's config the way its own commands do; returns its ConfigManager."""
    config_path = managers.CONFIG_FILE_PATH
    check(
        str(config_path).startswith(os.environ["XDG_CONFIG_HOME"])
        or str(config_path).startswith(os.environ["HOME"]),
        f"the CLI's config file {config_path} is outside the temporary HOME",
    )
    config = managers.ConfigManager()  # creates the default config file (the CLI's default.json)
    settings = {
        # `neptun config dynamic utils.neptun_api_server_host=...`: the web app's origin + /api.
        "utils.neptun_api_server_host": f"{origin}/api",
        # `neptun config session-token ...`
        "auth.neptun_session_cookie": cookie,
        # What `neptun auth login` stores of the user.
        "auth.user.id": str(user_id),
        "auth.user.email": "cli@example.com",
    }
    for key, value in settings.items():
        code = config.update_config_dynamically(f"{key}={value}")
        check(code == 0, f"the CLI's config refused {key} (code {code})")
    # WORKAROUND 1: update_chat reads `[auth] user_id`, which update_config cannot add.
    config.write_config("auth", "user_id", str(user_id))
    check(
        config.read_config("utils", "neptun_api_server_host") == f"{origin}/api", "host not written"
    )
    check(config.read_config("auth", "neptun_session_cookie") == cookie, "cookie not written")
    return config


def check_chat(step, chat, chat_id, name, model, user_id):
    check(
        chat.id == chat_id if chat_id else chat.id > 0,
        f"{step}: chat id {chat.id}, expected {chat_id or 'a positive id'}",
    )
    check(chat.name == name, f"{step}: chat name {chat.name!r}, expected {name!r}")
    check(chat.model == model, f"{step}: chat model {chat.model!r}, expected {model!r}")
    check(
        chat.neptun_user_id == user_id,
        f"{step}: neptun_user_id {chat.neptun_user_id}, expected {user_id}",
    )
    check(
        TIMESTAMP.match(chat.created_at),
        f"{step}: created_at {chat.created_at!r} is not RFC 3339 with milliseconds",
    )


def drive(origin, cookie, user_id):
    managers, services, requests, responses = load_cli()
    config = configure(managers, origin, cookie, user_id)
    # Constructed after the config is written: it reads the cookie into its clients once.
    chat_service = services.ChatService()

    def failed(step, result):
        return Failure(f"{step}: the CLI returned {type(result).__name__}: {result!r}")

    # create_chat: POST {host}/users/{id}/chats, form-encoded (httpx data=). The name has
    # characters that form encoding must escape and decode ('+', '&', '=', spaces, UTF-8).
    suffix = uuid.uuid4().hex[:8]
    name = f"CLI chat {suffix} + & = ü"
    with contextlib.redirect_stdout(sys.stderr):  # WORKAROUND 3: it prints the raw body
        result = chat_service.create_chat(requests.CreateChatHttpRequest(name=name, model=MODEL))
    if not isinstance(result, responses.CreateChatHttpResponse):
        raise failed("create_chat", result)
    chat = result.chat
    check_chat("create_chat", chat, None, name, MODEL, user_id)
    chat_id = chat.id
    report("create_chat", f"chat_id={chat_id}")
    # The CLI's chat dialogs make the new chat the active one; messages and files read it there.
    config.update_active_chat(id=chat.id, name=chat.name, model=chat.model)

    # get_available_ai_chats: GET {host}/users/{id}/chats?order_by=updated_at:desc
    result = chat_service.get_available_ai_chats()
    if not isinstance(result, responses.ChatsHttpResponse):
        raise failed("list_chats", result)
    check(result.chats is not None, "list_chats: chats is null")
    ids = [c.id for c in result.chats]
    check(chat_id in ids, f"list_chats: chat {chat_id} is not in the list {ids}")
    # Newest updated_at first; on a tie the higher id comes first: the new chat leads.
    check(
        ids[0] == chat_id, f"list_chats: chat {chat_id} is not first under updated_at:desc: {ids}"
    )
    check(len(set(ids)) == len(ids), f"list_chats: repeated ids {ids}")
    listed = result.chats[0]
    check_chat("list_chats", listed, chat_id, name, MODEL, user_id)
    check(listed.created_at == chat.created_at, "list_chats: created_at differs from create_chat's")
    report("list_chats", f"count={len(ids)} first={ids[0]}")

    # get_chat_messages_by_chat_id (async, no auth check): GET .../chats/{active}/messages
    async def messages():
        try:
            return await chat_service.get_chat_messages_by_chat_id()
        finally:
            await chat_service.async_client.aclose()  # in its loop, before asyncio.run closes it

    result = asyncio.run(messages())
    if not isinstance(result, responses.ChatMessagesHttpResponse):
        raise failed("get_chat_messages", result)
    check(
        result.chat_messages == [],
        f"get_chat_messages: expected no messages, got {result.chat_messages}",
    )
    report("get_chat_messages", "count=0")

    # get_chat_files: GET .../chats/{active}/files
    result = chat_service.get_chat_files()
    if not isinstance(result, responses.GetChatFilesResponse):
        raise failed("get_chat_files", result)
    check(result.chatFiles == [], f"get_chat_files: expected no files, got {result.chatFiles}")
    report("get_chat_files", "count=0")

    # update_chat: PATCH .../chats/{chat_id}, JSON {name, model}
    new_name = f"CLI chat {suffix} renamed"
    result = chat_service.update_chat(chat_id=chat_id, name=new_name, model=MODEL)
    if not isinstance(result, responses.UpdateChatResponse):
        raise failed("update_chat", result)
    check_chat("update_chat", result.chat, chat_id, new_name, MODEL, user_id)
    check(result.chat.created_at == chat.created_at, "update_chat: created_at changed")
    report("update_chat", f"chat_id={chat_id} name={new_name!r}")

    # delete_selected_chat: DELETE .../chats/{chat_id}; True on a 200
    result = chat_service.delete_selected_chat(chat_id)
    if result is not True:
        raise failed("delete_chat", result)
    report("delete_chat", f"chat_id={chat_id}")

    # The list again: the chat is gone.
    result = chat_service.get_available_ai_chats()
    if not isinstance(result, responses.ChatsHttpResponse):
        raise failed("list_chats_after_delete", result)
    ids = [c.id for c in result.chats or []]
    check(chat_id not in ids, f"list_chats_after_delete: chat {chat_id} is still listed: {ids}")
    report("list_chats_after_delete", f"count={len(ids)}")

    chat_service.client.close()
    services.AuthenticationService().close()


def main():
    origin, host, cookie, user_id = environment()
    with tempfile.TemporaryDirectory(prefix="neptun-cli-home-") as home:
        isolate(home, host)
        try:
            drive(origin, cookie, user_id)
        except Failure as failure:
            print(f"drive_chat_service: FAILED: {failure}", file=sys.stderr)
            return 1
        except (
            Exception
        ) as error:  # the CLI raises on some answers (e.g. an error body it cannot parse)
            import traceback

            traceback.print_exc()
            print(
                f"drive_chat_service: FAILED: the CLI raised {type(error).__name__}: {error}",
                file=sys.stderr,
            )
            return 1
    print("drive_chat_service: all calls ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
