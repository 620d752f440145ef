"""What the pipeline knows about one turn so far; a step that ends the turn sets `outcome`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatbot.llm.composer import Composed
from chatbot.models import GateConfig, Turn
from faq.models import Department
from faq.retrieval.index import SearchResult


@dataclass
class TurnState:
    question: str
    lang_asked: str | None
    outcome: str = ""  # an `Outcome`; empty until a step decides
    failure_class: str = ""  # a `FailureClass`
    lang: str = "ja"
    problem: str | None = None  # why the question is refused (a key of `messages.TEXTS`)
    message: str = ""
    redacted: str = ""  # the question as stored and as an LLM may see it
    redacted_kinds: list[str] = field(default_factory=list)
    result: SearchResult | None = None
    features: dict[str, float] = field(default_factory=dict)
    gate: GateConfig | None = None
    choices: list[int] = field(default_factory=list)
    related: list[int] = field(default_factory=list)  # candidates shown as related links
    confidence: float = 0.0
    department: Department | None = None
    chosen_faq: int | None = None  # picked by the resident from a clarify choice
    composed: Composed | None = None
    site_url: str = ""  # where this site's own pages are linked from; settings.SITE_URL when empty
    question_id: str | None = None
    turn: Turn | None = None
    response: dict[str, Any] = field(default_factory=dict)
    faq_versions: list[int] = field(default_factory=list)
    untranslated: list[int] = field(default_factory=list)  # FAQs an English-speaking resident got in Japanese
    latency_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One step of the pipeline. `after_outcome`: it runs even when an earlier step has ended the turn (composing
    the reply to a refused question, say); the others are skipped then."""

    name: str
    run: Callable[..., None]
    after_outcome: bool = False
