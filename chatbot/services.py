"""Writes of the chat app: asking a question (`turn_ask`, which runs `chatbot.pipeline` and logs the turn), the turn
log's upkeep, feedback, gate and prompt versions."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatbot.models import (
    Channel,
    Feedback,
    GateConfig,
    MachineTranslation,
    PromptVersion,
    TranslationStatus,
    Turn,
    TurnStatus,
)
from chatbot.pipeline import IdempotencyConflict, turn_ask
from chatbot.privacy import redact
from faq.models import Faq
from faq.services import faq_save

__all__ = [
    "IdempotencyConflict",
    "feedback_record",
    "gate_config_activate",
    "gate_config_create",
    "prompt_version_activate",
    "turn_ask",
    "turns_delete_before",
    "turns_reap",
]


def turns_delete_before(*, cutoff: datetime.datetime) -> int:
    """Delete the turns asked before `cutoff` and their feedback, in batches (each its own transaction); returns
    how many turns were deleted. The turn log's retention (analytics aggregates their months first)."""
    deleted = 0
    while True:
        ids = list(Turn.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:2000])
        if not ids:
            return deleted
        with transaction.atomic():
            Feedback.objects.filter(turn_id__in=ids).delete()
            deleted += Turn.objects.filter(pk__in=ids).delete()[1].get("chatbot.Turn", 0)


def feedback_record(*, turn_id: Any, helpful: bool, comment: str = "") -> Turn | None:
    """A resident's 役に立った / 役に立たなかった on one of their turns (asked on the site or the API), with the
    comment redacted; a second press replaces the first. None when no such turn exists."""
    turn = Turn.objects.filter(pk=turn_id, channel__in=[Channel.WEB, Channel.API]).first()
    if turn is None:
        return None
    Feedback.objects.update_or_create(
        turn=turn, defaults={"helpful": helpful, "comment": redact(comment).text.replace("\x00", "")}
    )
    return turn


def turns_reap(*, older_than_minutes: int = 10) -> int:
    """Mark turns still pending after the limit as abandoned (a crash mid-turn); returns how many."""
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    return Turn.objects.filter(status=TurnStatus.PENDING, created_at__lt=cutoff).update(status=TurnStatus.ABANDONED)


@transaction.atomic
def gate_config_create(
    *,
    kind: str,
    parameters: dict[str, Any],
    calibration: dict[str, Any],
    note: str = "",
    user: Any = None,
    activate: bool = True,
) -> GateConfig:
    """A new gate version; activating it retires the active one (turns keep pointing at the version they used)."""
    config = GateConfig.objects.create(
        kind=kind, parameters=parameters, calibration=calibration, note=note[:500], created_by=user
    )
    if activate:
        gate_config_activate(config=config)
    return config


@transaction.atomic
def prompt_version_activate(*, version: PromptVersion) -> None:
    """Make one prompt version the active one (the next LLM reply uses it)."""
    PromptVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    PromptVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=timezone.now())
    version.is_active = True


@transaction.atomic
def gate_config_activate(*, config: GateConfig) -> None:
    """Make this version the one every new turn uses (also how an older version is restored)."""
    GateConfig.objects.select_for_update().filter(is_active=True).exclude(pk=config.pk).update(is_active=False)
    GateConfig.objects.filter(pk=config.pk).update(is_active=True)
    config.is_active = True


class TranslationNotApproved(Exception):
    """A machine translation cannot go into the FAQ (why, in words staff read)."""


@transaction.atomic
def machine_translation_approve(*, translation: MachineTranslation, user: Any) -> Faq:
    """Put a machine translation into its FAQ's English fields (a new FAQ version, reviewed by `user`). Refused when
    the FAQ changed since it was translated or has English text of its own by now: nothing staff wrote is
    overwritten."""
    locked = MachineTranslation.objects.select_for_update().get(pk=translation.pk)
    faq = Faq.objects.select_for_update().get(pk=locked.faq_id)
    if locked.status not in (TranslationStatus.PROPOSED,):
        raise TranslationNotApproved(_("Only a translation awaiting review can be approved."))
    if faq.question_en or faq.answer_en:
        raise TranslationNotApproved(_("The FAQ has English text of its own now; it was left as it is."))
    if (faq.question, faq.answer) != (locked.source_question, locked.source_answer):
        raise TranslationNotApproved(
            _("The FAQ's Japanese text changed after this translation was made; a new one is made when asked.")
        )
    faq.question_en, faq.answer_en = locked.question_en, locked.answer_en
    faq_save(faq=faq, reason=str(_("Machine translation approved")))
    locked.status, locked.reviewed_by, locked.reviewed_at = TranslationStatus.APPROVED, user, timezone.now()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return faq


def machine_translation_reject(*, translation: MachineTranslation, user: Any) -> None:
    """Residents no longer see this translation (the Japanese answer with a note in English instead)."""
    MachineTranslation.objects.filter(pk=translation.pk, status=TranslationStatus.PROPOSED).update(
        status=TranslationStatus.REJECTED, reviewed_by=user, reviewed_at=timezone.now()
    )
