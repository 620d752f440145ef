"""Answer composers, chosen by settings (ANSWER_COMPOSER), like Django's swappable backends.

`ExtractiveComposer` gives the FAQ's own answer. `LlmComposer` asks the LLM to
turn the snippets that passed the gate into a short reply, checks it, and
falls back to the FAQ's own answer on any failure, recording why.
"""

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from chatbot.llm import checks, client, prompts
from chatbot.llm.snippets import Snippet, select
from chatbot.models import Composer, FailureClass, LlmSwitch, PromptVersion
from faq.checks import injection_flags
from faq.models import Faq

logger = logging.getLogger(__name__)


def prompt_in_use() -> PromptVersion | None:
    return PromptVersion.objects.filter(is_active=True).first()


def llm_enabled() -> bool:
    return client.configured() and switch_on()


@dataclass
class Composed:
    answer: str
    composer: str
    failure_class: str = ""
    prompt_version: PromptVersion | None = None
    llm: dict[str, Any] = field(default_factory=dict)


class AnswerComposer(Protocol):
    def compose(self, *, question: str, lang: str, faqs: list[Faq], prompt: PromptVersion | None = None) -> Composed:
        """`prompt`: the prompt version to use instead of the active one (evaluating a version before activating
        it); composers without an LLM ignore it."""
        ...


class ExtractiveComposer:
    """The FAQ's own answer, word for word."""

    def compose(self, *, question: str, lang: str, faqs: list[Faq], prompt: PromptVersion | None = None) -> Composed:
        return Composed(answer=faqs[0].answer, composer=Composer.EXTRACTIVE)


def switch_on() -> bool:
    row = LlmSwitch.objects.filter(pk=1).only("enabled").first()
    return row.enabled if row is not None else True


def llm_status() -> dict[str, Any]:
    """For /readyz and admin: disabled (not configured, or switched off) or the breaker's state."""
    if not client.configured():
        return {"status": "disabled", "detail": "LLM_BASE_URL / LLM_MODEL not set: FAQ texts only"}
    if not switch_on():
        return {"status": "disabled", "detail": "switched off by staff: FAQ texts only"}
    prompt = PromptVersion.objects.filter(is_active=True).first()
    breaker = client.breaker_state()
    return {
        "status": "degraded" if breaker == "open" else "ok",
        "model": settings.LLM_MODEL,
        "prompt_version": prompt.pk if prompt else None,
        "breaker": breaker,
    }


def request_messages(*, instructions: str, question: str, lang: str, snippets: list[Snippet]) -> list[dict[str, str]]:
    """The instructions, then the resident's (redacted) question and the snippets as one JSON data object."""
    data = {
        "question": question,
        "lang": lang,
        "snippets": [{"id": snippet.id, "faq": snippet.title, "text": snippet.text} for snippet in snippets],
    }
    return [
        {"role": "system", "content": instructions},
        {"role": "user", "content": json.dumps(data, ensure_ascii=False)},
    ]


class LlmComposer:
    """A short reply from the LLM, grounded in the snippets; the FAQ's own text whenever anything fails."""

    def compose(self, *, question: str, lang: str, faqs: list[Faq], prompt: PromptVersion | None = None) -> Composed:
        fallback = Composed(answer=faqs[0].answer, composer=Composer.EXTRACTIVE)
        if not llm_enabled():
            return fallback
        prompt = prompt or prompt_in_use()
        if prompt is None:
            return fallback
        fallback.prompt_version = prompt
        instructions = prompts.render(prompt.text, max_chars=settings.LLM_MAX_ANSWER_CHARS)
        snippets = select(question, faqs[: settings.LLM_MAX_SNIPPETS])
        meta: dict[str, Any] = {"model": settings.LLM_MODEL, "snippets": [s.id for s in snippets]}
        flags = injection_flags(snippet.text for snippet in snippets)
        if flags:
            # The FAQ text itself reads like instructions to an AI: it is not sent (staff see it in the turn log).
            fallback.llm = meta | {"skipped": "instructions in the FAQ text", "flags": flags[:3]}
            return fallback
        try:
            reply = client.chat(
                request_messages(instructions=instructions, question=question, lang=lang, snippets=snippets)
            )
        except client.LlmFailure as failure:
            fallback.failure_class = failure.failure_class
            fallback.llm = meta | {"error": failure.detail, "attempts": failure.attempts}
            return fallback
        except Exception as error:  # a bug or an unexpected library error: still the FAQ's text
            logger.exception("LLM call failed unexpectedly")
            fallback.failure_class = FailureClass.LLM_HTTP_ERROR
            fallback.llm = meta | {"error": error.__class__.__name__}
            return fallback
        meta |= {"attempts": reply.attempts, "ms": reply.ms, "usage": reply.usage, "model": reply.model}
        result = checks.check(reply.text, snippets=snippets, lang=lang, instructions=instructions)
        if not result.ok:
            fallback.failure_class = FailureClass.LLM_INVALID_OUTPUT
            fallback.llm = meta | {"check": result.check, "error": result.detail}
            return fallback
        return Composed(answer=result.text, composer=Composer.LLM, prompt_version=prompt, llm=meta)


def composer() -> AnswerComposer:
    composer_class = import_string(settings.ANSWER_COMPOSER)
    instance: AnswerComposer = composer_class()
    return instance
