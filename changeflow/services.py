"""Every state change of a change request, one transaction each, with its audit event.

States: draft -> submitted -> approved -> scheduled -> published -> rolled_back,
and submitted -> rejected. Approval publishes at once when the effective date
(施行日) has come; otherwise `publish_due_changes` publishes on that date at
00:00 in the town's time zone. Transitions are claimed with a conditional
UPDATE, so two workers (or a double click) can never apply one twice.
"""

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from changeflow.drafts import ItemDraft, texts_of, validate_change
from changeflow.models import ChangeEvent, ChangeItem, ChangeRequest, ChangeStatus
from changeflow.permissions import can_review, departments_for, is_reviewer
from faq.checks import injection_flags
from faq.models import Department, Faq, FaqStatus
from faq.selectors import today_local
from faq.services import faq_save

logger = logging.getLogger(__name__)

ALLOWED: dict[str, set[str]] = {
    ChangeStatus.DRAFT: {ChangeStatus.SUBMITTED},
    ChangeStatus.SUBMITTED: {ChangeStatus.APPROVED, ChangeStatus.REJECTED},
    ChangeStatus.APPROVED: {ChangeStatus.SCHEDULED, ChangeStatus.PUBLISHED},
    ChangeStatus.SCHEDULED: {ChangeStatus.PUBLISHED},
    ChangeStatus.PUBLISHED: {ChangeStatus.ROLLED_BACK},
    ChangeStatus.REJECTED: set(),
    ChangeStatus.ROLLED_BACK: set(),
}
DUE_STATUSES = (ChangeStatus.APPROVED, ChangeStatus.SCHEDULED)


class ChangeFlowError(Exception):
    """A step that is not allowed now; the message is shown to the user as is."""


# ---------------------------------------------------------------- transitions


def _event(change: ChangeRequest, *, actor: Any, action: str, before: str, after: str, comment: str = "") -> None:
    ChangeEvent.objects.create(
        request=change, actor=actor, action=action, from_status=before, to_status=after, comment=comment
    )


def _notify(change: ChangeRequest, action: str) -> None:
    """Queue the e-mail for this step once the transaction commits (it survives a stopped task cluster)."""
    change_id = change.pk

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task("changeflow.notifications.send_change_notice", change_id, action, task_name=f"notice-{change_id}")

    transaction.on_commit(enqueue)


def _move(change: ChangeRequest, to: str, *, actor: Any, action: str, comment: str = "", **fields: Any) -> None:
    """Claim the transition with a conditional UPDATE; a concurrent or repeated attempt fails cleanly."""
    before = change.status
    if to not in ALLOWED[before]:
        raise ChangeFlowError(
            _("A change request that is “%(from)s” cannot become “%(to)s”.")
            % {"from": ChangeStatus(before).label, "to": ChangeStatus(to).label}
        )
    updated = ChangeRequest.objects.filter(pk=change.pk, status=before).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if not updated:
        raise ChangeFlowError(_("This change request was changed by someone else meanwhile. Reload the page."))
    change.status = to
    for name, value in fields.items():
        setattr(change, name, value)
    _event(change, actor=actor, action=action, before=before, after=to, comment=comment)


def _check_items(change: ChangeRequest, items: Sequence[ItemDraft], *, confirm_past: bool) -> None:
    errors = validate_change(
        kind=change.kind,
        department=change.department,
        old_value=change.old_value,
        new_value=change.new_value,
        effective_date=change.effective_date,
        confirm_past=confirm_past,
        items=items,
    )
    if errors:
        raise ValidationError(dict(errors))


def _write_items(change: ChangeRequest, items: Sequence[ItemDraft]) -> None:
    change.items.all().delete()
    for draft in items:
        english = draft.faq is not None and draft.faq.has_english
        new_question_en, new_answer_en = draft.english()
        item = ChangeItem(
            request=change,
            faq=draft.faq,
            withdraw=draft.withdraw,
            category=draft.category,
            current_question=draft.faq.question if draft.faq else "",
            current_answer=draft.faq.answer if draft.faq else "",
            new_question=draft.new_question.strip(),
            new_answer=draft.new_answer.strip(),
            current_question_en=draft.faq.question_en if draft.faq and english else "",
            current_answer_en=draft.faq.answer_en if draft.faq and english else "",
            new_question_en=new_question_en,
            new_answer_en=new_answer_en,
        )
        item.full_clean(exclude=["request"])
        item.save()


@transaction.atomic
def change_create(
    *,
    user: Any,
    kind: str,
    department: Department,
    title: str,
    effective_date: datetime.date,
    reason: str,
    items: Sequence[ItemDraft],
    old_value: str = "",
    new_value: str = "",
    notice_url: str = "",
    confirm_past: bool = False,
    submit: bool = False,
) -> ChangeRequest:
    """Save a new change request as a draft, and submit it if asked; nothing is saved on any error."""
    if not departments_for(user).filter(pk=department.pk).exists():
        raise PermissionDenied(_("You cannot submit changes for this department."))
    change = ChangeRequest(
        kind=kind,
        department=department,
        title=title.strip(),
        old_value=old_value.strip(),
        new_value=new_value.strip(),
        effective_date=effective_date,
        reason=reason.strip(),
        notice_url=notice_url.strip(),
        created_by=user,
    )
    change.full_clean()
    _check_items(change, items, confirm_past=confirm_past)
    change.flags = injection_flags(texts_of(change, items))
    change.save()
    _write_items(change, items)
    _event(change, actor=user, action="created", before="", after=ChangeStatus.DRAFT)
    if submit:
        change_submit(change=change, user=user)
    return change


@transaction.atomic
def change_update_texts(
    *,
    change: ChangeRequest,
    user: Any,
    texts: dict[int, tuple[str, str]],
    comment: str = "",
    texts_en: dict[int, tuple[str, str]] | None = None,
) -> None:
    """Edit the proposed FAQ texts: the author while it is a draft, a reviewer while it waits for review.
    `texts_en`: the English question and answer by item, for items that carry English (others are ignored)."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    author_editing = change.status == ChangeStatus.DRAFT and change.created_by_id == user.pk
    reviewer_editing = change.status == ChangeStatus.SUBMITTED and can_review(user, change)
    if not (author_editing or reviewer_editing):
        raise PermissionDenied(_("You cannot edit this change request now."))
    items = list(change.items.select_related("faq"))
    drafts = []
    for item in items:
        question, answer = texts.get(item.pk, (item.new_question, item.new_answer))
        draft = ItemDraft(item.faq, question, answer, item.withdraw, item.category)
        if item.has_english:
            draft.new_question_en, draft.new_answer_en = (texts_en or {}).get(
                item.pk, (item.new_question_en, item.new_answer_en)
            )
        drafts.append(draft)
    _check_items(change, drafts, confirm_past=True)
    for item, draft in zip(items, drafts, strict=True):
        item.new_question, item.new_answer = draft.new_question.strip(), draft.new_answer.strip()
        if item.has_english:
            item.new_question_en, item.new_answer_en = _item_english(item, draft)
        item.full_clean(exclude=["request"])
        item.save(update_fields=["new_question", "new_answer", "new_question_en", "new_answer_en"])
    change.flags = injection_flags(texts_of(change, items))
    change.save(update_fields=["flags", "updated_at"])
    _event(change, actor=user, action="edited", before=change.status, after=change.status, comment=comment)


def _item_english(item: ChangeItem, draft: ItemDraft) -> tuple[str, str]:
    """The English texts an edit leaves on an item that carries English: as edited, measured against the FAQ's
    English at submission (not today's, which may have been edited since)."""
    if item.faq is None:
        return draft.english()
    question = item.current_question_en if draft.new_question_en is None else draft.new_question_en
    answer = item.current_answer_en if draft.new_answer_en is None else draft.new_answer_en
    return question.strip(), answer.strip()


@transaction.atomic
def change_submit(*, change: ChangeRequest, user: Any) -> None:
    if change.created_by_id != user.pk:
        raise PermissionDenied(_("Only the author submits a draft."))
    _move(change, ChangeStatus.SUBMITTED, actor=user, action="submitted", submitted_at=timezone.now())
    _notify(change, "submitted")


@transaction.atomic
def change_approve(*, change: ChangeRequest, user: Any, comment: str = "", today: datetime.date | None = None) -> None:
    """Approve; publish at once if the effective date has come, else schedule it."""
    if not can_review(user, change):
        raise PermissionDenied(_("Only a reviewer other than the author can approve this change."))
    _move(
        change,
        ChangeStatus.APPROVED,
        actor=user,
        action="approved",
        comment=comment,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment.strip(),
    )
    if change.effective_date <= (today or today_local()):
        _publish(change, actor=user)
    else:
        _move(change, ChangeStatus.SCHEDULED, actor=user, action="scheduled")
        _notify(change, "scheduled")


@transaction.atomic
def change_reject(*, change: ChangeRequest, user: Any, comment: str) -> None:
    if not can_review(user, change):
        raise PermissionDenied(_("Only a reviewer other than the author can reject this change."))
    if not comment.strip():
        raise ValidationError({"comment": [_("Say why the change is rejected.")]})
    _move(
        change,
        ChangeStatus.REJECTED,
        actor=user,
        action="rejected",
        comment=comment,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment.strip(),
    )
    _notify(change, "rejected")


def _latest_history_id(faq: Faq) -> int | None:
    record = faq.history.order_by("-history_date", "-history_id").first()
    return int(record.history_id) if record else None


def _publish(change: ChangeRequest, *, actor: Any) -> None:
    """Write the new FAQ versions (inside the caller's transaction); the index follows on commit."""
    _move(change, ChangeStatus.PUBLISHED, actor=actor, action="published", published_at=timezone.now())
    change_write_versions(change)
    _notify(change, "published")


def item_applied(change: ChangeRequest, item: ChangeItem, faq: Faq | None) -> Faq:
    """The FAQ as publishing `item` leaves it, not saved: a new FAQ when `faq` is None, else `faq` itself with the
    item's texts (and the change's notice URL where it had no source) or withdrawn. The English texts go with the
    Japanese when the item changes them; otherwise the FAQ's English is left as it is."""
    if faq is None:
        return Faq(
            question=item.new_question,
            answer=item.new_answer,
            question_en=item.new_question_en,
            answer_en=item.new_answer_en,
            department=change.department,
            category=item.category,
            source_url=change.notice_url,
            status=FaqStatus.PUBLISHED,
        )
    if item.withdraw:
        faq.status = FaqStatus.WITHDRAWN
    else:
        faq.question, faq.answer = item.new_question, item.new_answer
        if item.english_changed:
            faq.question_en, faq.answer_en = item.new_question_en, item.new_answer_en
        if change.notice_url and not faq.source_url:
            faq.source_url = change.notice_url
    return faq


def change_write_versions(change: ChangeRequest) -> list[int]:
    """Write the change's FAQ versions (new FAQs, new texts, withdrawals) in the caller's transaction; returns the
    FAQs written."""
    reason = _("Change request #%(id)d: %(title)s") % {"id": change.pk, "title": change.title}
    written = []
    for item in change.items.select_related("faq"):
        if item.faq is None:
            faq = item_applied(change, item, None)
            faq_save(faq=faq, reason=reason)
            item.faq = faq
        else:
            faq = Faq.objects.select_for_update().get(pk=item.faq.pk)
            item.before_history_id = _latest_history_id(faq)
            faq_save(faq=item_applied(change, item, faq), reason=reason)
        item.published_history_id = _latest_history_id(faq)
        item.save(update_fields=["faq", "before_history_id", "published_history_id"])
        written.append(faq.pk)
    return written


def publish_due_changes(*, today: datetime.date | None = None) -> list[int]:
    """Publish every approved change whose effective date has come; safe to run twice or concurrently."""
    day = today or today_local()
    published = []
    due = ChangeRequest.objects.filter(status__in=DUE_STATUSES, effective_date__lte=day).order_by(
        "effective_date", "pk"
    )
    for change_id in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                # Locked until this publication commits: a second task cluster running the same schedule waits
                # here, then sees the change published and leaves it (on PostgreSQL; SQLite writes one at a time).
                change = (
                    ChangeRequest.objects.select_for_update(of=("self",)).select_related("department").get(pk=change_id)
                )
                if change.status not in DUE_STATUSES:
                    continue
                _publish(change, actor=None)
        except ChangeFlowError:
            continue  # another worker published it first
        except Exception:
            logger.exception("change request %s could not be published; it stays due", change_id)
            continue
        published.append(change_id)
    return published


@transaction.atomic
def change_rollback(*, change: ChangeRequest, user: Any, comment: str) -> None:
    """Restore the FAQ texts from before publication as new versions; new FAQs are withdrawn."""
    if not is_reviewer(user):
        raise PermissionDenied(_("Only a reviewer can roll back a change."))
    if not comment.strip():
        raise ValidationError({"comment": [_("Say why the change is rolled back.")]})
    items = list(change.items.select_related("faq"))
    for item in items:
        if (
            change.status == ChangeStatus.PUBLISHED
            and item.faq is not None
            and _latest_history_id(item.faq) != item.published_history_id
        ):
            raise ChangeFlowError(
                _("“%(faq)s” was edited after this change was published; restore it from its history in admin instead.")
                % {"faq": item.faq.question}
            )
    _move(change, ChangeStatus.ROLLED_BACK, actor=user, action="rolled_back", comment=comment)
    reason = _("Roll-back of change request #%(id)d") % {"id": change.pk}
    for item in items:
        assert item.faq is not None
        faq = Faq.objects.select_for_update().get(pk=item.faq.pk)
        if item.before_history_id is None:
            faq.status = FaqStatus.WITHDRAWN
        else:
            before = faq.history.get(history_id=item.before_history_id)
            faq.question, faq.answer, faq.status = before.question, before.answer, before.status
            faq.question_en, faq.answer_en = before.question_en, before.answer_en
            faq.source_url = before.source_url
        faq_save(faq=faq, reason=reason)
    _notify(change, "rolled_back")
