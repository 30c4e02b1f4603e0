"""A `GET .../files` response against the Python models of both endpoint documents.

`NEPTUN_FILES_RESPONSE` names a file holding the response JSON; `tests/tests/it/files.rs` writes
one and runs this module. Without it the tests are skipped.
"""

import json
import os
from datetime import datetime
from pathlib import Path
from typing import List

import pytest
from pydantic import BaseModel, HttpUrl

# --- docs/spec/create-chat-files.md, "Python Model" --------------------------------------------------


class CreateChatFile(BaseModel):
    id: int
    chat_conversation_id: int
    chat_conversation_message_id: int
    neptun_user_id: int
    title: str
    text: str
    language: str = "text"
    extension: str = "txt"
    created_at: datetime
    updated_at: datetime


class MultipleFilesResponse(BaseModel):
    chatFiles: List[CreateChatFile]


# --- docs/spec/get-chat-files.md, "Python Model" -----------------------------------------------------


class GetChatFile(BaseModel):
    id: int
    chat_conversation_id: int
    name: str
    size: int
    type: str
    created_at: datetime
    url: HttpUrl


class GetChatFilesResponse(BaseModel):
    chatFiles: List[GetChatFile]


# ---------------------------------------------------------------------------------------------

RESPONSE = os.environ.get("NEPTUN_FILES_RESPONSE")

pytestmark = pytest.mark.skipif(
    not RESPONSE, reason="NEPTUN_FILES_RESPONSE names no response file"
)


@pytest.fixture
def response() -> dict:
    return json.loads(Path(RESPONSE).read_text(encoding="utf-8"))


def test_list_validates_against_the_create_document_model(response):
    parsed = MultipleFilesResponse.model_validate(response)
    assert parsed.chatFiles
    for raw, file in zip(response["chatFiles"], parsed.chatFiles):
        # Present in the JSON, not filled in from the model's defaults.
        assert set(CreateChatFile.model_fields) <= set(raw)
        assert file.created_at.tzinfo is not None


def test_list_validates_against_the_get_document_model(response):
    parsed = GetChatFilesResponse.model_validate(response)
    assert parsed.chatFiles
    for raw, file in zip(response["chatFiles"], parsed.chatFiles):
        assert set(GetChatFile.model_fields) <= set(raw)
        assert file.url.scheme == "https"
        assert file.url.host
        assert file.url.path.endswith(f"/files/{file.id}/content")
        assert file.size == len(raw["text"].encode("utf-8"))
        assert file.name == raw["title"]
