"""Approving a change request against the checks named in the setting `CHANGEFLOW_APPROVAL_CHECKS` (the chat app's
golden-set regression check: `chatbot.quality.approval.GoldenSetCheck`), called by dotted path as Django calls
`AUTH_PASSWORD_VALIDATORS`, so that changeflow imports no app above it.

When a reviewer asks to approve, the check is queued in the task cluster and runs outside the request and outside
any write transaction: the golden set is asked once as it is live and once with the change's texts put in place
for the checking thread only (unsaved copies of the FAQs, searched through an index built aside in memory), so
residents are answered meanwhile and nothing of the change is written. The reviewer's page shows the progress and
then the result. A check holds for the texts it evaluated (their fingerprint): approving against a finished check
of the same texts is immediate, and edited texts need a new check.
"""

import contextlib
import datetime
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from changeflow.models import COMMENT_MAX_CHARS, ApprovalCheck, ChangeItem, ChangeRequest, ChangeStatus, CheckStatus
from changeflow.permissions import can_review
from changeflow.services import change_approve, item_applied
from faq.models import Faq

logger = logging.getLogger(__name__)

# How often a running check writes its progress (one short UPDATE each time).
PROGRESS_EVERY_S = 1.0


def change_items(change: ChangeRequest) -> list[ChangeItem]:
    return list(change.items.select_related("faq", "category").order_by("pk"))


def texts_fingerprint(change: ChangeRequest, items: Sequence[ChangeItem]) -> str:
    """What a check evaluates: each item's FAQ, withdrawal, category and proposed texts (the English ones when it
    carries English, so that the fingerprint of an item without English is what it was before English), and the
    notice URL."""
    payload = [
        change.notice_url,
        [
            [item.faq_id, item.withdraw, item.category_id, item.new_question, item.new_answer]
            + ([item.new_question_en, item.new_answer_en] if item.has_english else [])
            for item in items
        ],
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def proposed_faqs(change: ChangeRequest, items: Sequence[ChangeItem]) -> dict[int, Faq]:
    """The FAQs as publishing the change now would leave them (what `change_write_versions` writes), as unsaved
    copies by number: new texts, withdrawals, and each new FAQ under the negative of its item's number."""
    now = timezone.now()
    current = Faq.objects.select_related("department", "category").in_bulk(
        [item.faq_id for item in items if item.faq_id is not None]
    )
    proposed: dict[int, Faq] = {}
    for item in items:
        faq = item_applied(change, item, current[item.faq_id] if item.faq_id is not None else None)
        if item.faq_id is None:
            faq.pk = -item.pk
        faq.updated_at = now
        proposed[faq.pk] = faq
    return proposed


class ApprovalBlocked(Exception):
    """A check found the change makes things worse and no reason to approve anyway was given; `result` is the
    check's record (its figures and the cases that got worse)."""

    def __init__(self, result: Any) -> None:
        super().__init__(f"blocked by the approval check: {result}")
        self.result = result


def approval_checks() -> list[Any]:
    """The checks named in `CHANGEFLOW_APPROVAL_CHECKS`, each with `in_use()`, `steps()`, `run(...)`,
    `allows(result, ...)` and `summary(result)` (see `chatbot.quality.approval.GoldenSetCheck`)."""
    return [import_string(path)() for path in settings.CHANGEFLOW_APPROVAL_CHECKS]


def checks_in_use() -> bool:
    """Whether approving has anything to check (for the golden-set check: a golden set with cases)."""
    return any(check.in_use() for check in approval_checks())


def check_summary(result: Any) -> str:
    """What a passed check found, for the reviewer."""
    return " ".join(check.summary(result) for check in approval_checks())


def stalled(check: ApprovalCheck) -> bool:
    """A running check that has not reported for longer than a task may run (its worker was stopped)."""
    limit = datetime.timedelta(seconds=int(settings.Q_CLUSTER.get("timeout", 600)))  # type: ignore[call-overload]
    return check.status == CheckStatus.RUNNING and timezone.now() - check.updated_at > limit


def check_current(change: ChangeRequest) -> ApprovalCheck | None:
    """The latest check of the change's texts as they are now; None when there is none (or only of other texts)."""
    fingerprint = texts_fingerprint(change, change_items(change))
    return (
        change.checks.filter(fingerprint=fingerprint)
        .select_related("result__baseline", "result__candidate", "requested_by")
        .first()
    )


def check_start(change: ChangeRequest, *, user: Any, comment: str = "") -> ApprovalCheck:
    """Queue the check of the change's texts as they are now (or return the one already waiting or running)."""
    items = change_items(change)
    fingerprint = texts_fingerprint(change, items)
    waiting = change.checks.filter(
        fingerprint=fingerprint, status__in=[CheckStatus.QUEUED, CheckStatus.RUNNING]
    ).first()
    if waiting is not None and not stalled(waiting):
        return waiting
    with transaction.atomic():
        check = ApprovalCheck.objects.create(
            request=change,
            fingerprint=fingerprint,
            requested_by=user if getattr(user, "is_authenticated", False) else None,
            comment=comment.strip()[:COMMENT_MAX_CHARS],
        )
        check_id = check.pk

        def enqueue() -> None:
            from django_q.tasks import async_task

            async_task("changeflow.tasks.run_approval_check", check_id, task_name=f"approval-check-{check_id}")

        transaction.on_commit(enqueue)
    return check


@contextlib.contextmanager
def _one_encoder_thread() -> Iterator[None]:
    """The check shares the machine with the web workers, which encode residents' questions on one thread each
    (chatbot/project/wsgi.py): while it runs, it encodes on one thread too rather than on every core."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _finish(check_id: int, status: str, **fields: Any) -> None:
    now = timezone.now()
    ApprovalCheck.objects.filter(pk=check_id).update(status=status, finished_at=now, updated_at=now, **fields)


def check_run(check_id: int) -> ApprovalCheck | None:
    """Run one queued check (what the task cluster does); None when it was taken already. The only writes are
    the check's progress, the two evaluation runs and the result, each a short statement of its own."""
    claimed = ApprovalCheck.objects.filter(pk=check_id, status=CheckStatus.QUEUED).update(
        status=CheckStatus.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return None
    check = ApprovalCheck.objects.select_related("request__department", "requested_by").get(pk=check_id)
    change = check.request
    items = change_items(change)
    if change.status != ChangeStatus.SUBMITTED or texts_fingerprint(change, items) != check.fingerprint:
        _finish(check_id, CheckStatus.FAILED, error="the request was edited or decided before the check started")
        return ApprovalCheck.objects.get(pk=check_id)
    hooks = [hook for hook in approval_checks() if hook.in_use()]
    total = sum(hook.steps() for hook in hooks)
    ApprovalCheck.objects.filter(pk=check_id).update(cases_total=total, updated_at=timezone.now())
    done = 0
    reported = time.monotonic()

    def progress(step: int) -> None:
        nonlocal done, reported
        done += step
        if time.monotonic() - reported >= PROGRESS_EVERY_S:
            reported = time.monotonic()
            ApprovalCheck.objects.filter(pk=check_id).update(cases_done=done, updated_at=timezone.now())

    try:
        with _one_encoder_thread():
            faqs = proposed_faqs(change, items)
            results = [
                hook.run(target=f"change request #{change.pk}", faqs=faqs, user=check.requested_by, progress=progress)
                for hook in hooks
            ]
        result = next((found for found in results if found is not None), None)
    except Exception as exc:
        logger.exception("regression check %s of change request %s failed", check_id, change.pk)
        _finish(check_id, CheckStatus.FAILED, cases_done=done, error=f"{type(exc).__name__}: {exc}"[:2000])
    else:
        _finish(check_id, CheckStatus.DONE, cases_done=total, result=result)
    return ApprovalCheck.objects.get(pk=check_id)


@dataclass
class Approval:
    """What a reviewer's 「承認」 did: approved, or a check started or still running."""

    approved: bool
    check: ApprovalCheck | None = None
    started: bool = False


def change_approve_requested(
    change: ChangeRequest, *, user: Any, comment: str = "", override_reason: str = ""
) -> Approval:
    """Approve at once when there is nothing to evaluate (an empty golden set) or a finished check of the texts as
    they are now passed; a failed check needs a recorded reason (else ApprovalBlocked). Otherwise the check is
    started, or left running, and nothing is approved yet. Who may not approve gets the usual refusal."""
    if change.status != ChangeStatus.SUBMITTED or not can_review(user, change) or not checks_in_use():
        change_approve(change=change, user=user, comment=comment)
        return Approval(approved=True)
    check = check_current(change)
    if check is None or check.status == CheckStatus.FAILED or stalled(check):
        return Approval(approved=False, check=check_start(change, user=user, comment=comment), started=True)
    if check.status != CheckStatus.DONE:
        return Approval(approved=False, check=check)
    with transaction.atomic():
        for hook in approval_checks():
            if not hook.allows(check.result, override_reason=override_reason, user=user):
                raise ApprovalBlocked(check.result)
        change_approve(change=change, user=user, comment=comment)
    return Approval(approved=True, check=check)
