"""Helpers shared by the LLM composer tests."""

import json
from typing import Any

from django.conf import settings

from chatbot.llm import prompts
from chatbot.models import PromptVersion

LEAK_WINDOW = 24
FEE_FAQ_QUESTION = "印鑑登録証明書を取りたい。"
FEE_FAQ_ANSWER = (
    "印鑑登録証明書の交付手数料は1通300円です。住民課の窓口で印鑑登録証を提示して請求してください。"
    "受付は平日の8時30分から17時15分までです。"
)
FORBIDDEN_REQUEST_KEYS = {"tools", "functions", "tool_choice", "function_call", "parallel_tool_calls"}
ALLOWED_REQUEST_KEYS = {"model", "messages", "temperature", "max_tokens", "stream"}


def instructions_of(version: PromptVersion) -> str:
    """The system message a version gives (its one placeholder filled)."""
    return prompts.render(version.text, max_chars=settings.LLM_MAX_ANSWER_CHARS)


def leaked_passage(answer: str, instructions: str, window: int = LEAK_WINDOW) -> str | None:
    """The first `window`-character passage of the instructions that the answer repeats, if any."""
    for start in range(max(len(instructions) - window, 0) + 1):
        passage = instructions[start : start + window]
        if passage.strip() and passage in answer:
            return passage
    return None


def user_data(body: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body["messages"][-1]["content"])
    return data


def assert_composer_request(body: dict[str, Any], *, instructions: str, question: str, lang: str) -> dict[str, Any]:
    """The request a composer sends: the prompt as the system message, the resident's text only as user data."""
    assert not FORBIDDEN_REQUEST_KEYS & set(body), body.keys()
    assert set(body) <= ALLOWED_REQUEST_KEYS, body.keys()
    assert body["stream"] is False
    assert body["model"] == settings.LLM_MODEL
    messages = body["messages"]
    assert [message["role"] for message in messages] == ["system", "user"]
    assert all(set(message) == {"role", "content"} for message in messages)
    assert messages[0]["content"] == instructions
    assert question not in messages[0]["content"]
    data = user_data(body)
    assert set(data) == {"question", "lang", "snippets"}
    assert data["question"] == question
    assert data["lang"] == lang
    assert data["snippets"], "no snippet given"
    assert [snippet["id"] for snippet in data["snippets"]] == [f"S{n}" for n in range(1, len(data["snippets"]) + 1)]
    return data
