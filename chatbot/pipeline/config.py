"""What a question is answered with: the live configuration, or another one passed by argument (a what-if)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from chatbot.models import GateConfig, PromptVersion
from faq.models import Faq
from faq.retrieval.engine import Snapshot
from faq.retrieval.snapshot import snapshot_with_proposed


@dataclass(frozen=True)
class PipelineConfig:
    """Every field left empty means "what is live now". An evaluation of a change before it is made passes the
    gate or prompt version it would activate, or the FAQs a change request would leave (unsaved copies by number,
    a new FAQ under a negative number) with the search snapshot built aside for them; nothing is written and other
    questions, in this thread or any other, keep the live configuration."""

    gate: GateConfig | None = None
    prompt: PromptVersion | None = None
    snapshot: Snapshot | None = None
    faqs: Mapping[int, Faq] = field(default_factory=dict)

    @classmethod
    def with_faqs(cls, faqs: Mapping[int, Faq]) -> "PipelineConfig":
        """The FAQs as a change would leave them, searched through the live index with only them re-embedded."""
        return cls(faqs=dict(faqs), snapshot=snapshot_with_proposed(dict(faqs)))

    def gate_version(self) -> GateConfig | None:
        return self.gate or GateConfig.objects.filter(is_active=True).first()

    def prompt_version(self) -> PromptVersion | None:
        return self.prompt or PromptVersion.objects.filter(is_active=True).first()

    @property
    def is_live(self) -> bool:
        return self.gate is None and self.prompt is None and self.snapshot is None and not self.faqs


LIVE = PipelineConfig()
