"""The actions staff take on a group of unanswered questions: a draft FAQ, alternate questions, the record."""

import datetime
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.clustering import fold
from analytics.models import GapAction, GapActionKind, GapCluster
from analytics.wordings import placeholders_in
from faq.models import ALTERNATE_QUESTIONS_MAX, QUESTION_MAX_CHARS, Department, Faq, FaqStatus
from faq.services import faq_save

NOTHING_CHOSEN = gettext_lazy(
    "No wording was ticked, so nothing was added. Tick the wordings that ask what the FAQ answers, then add them."
)


def _may_edit_department(user: Any, department_id: int | None) -> bool:
    from changeflow.permissions import departments_for

    if department_id is None:
        return bool(getattr(user, "is_superuser", False)) or departments_for(user).count() == Department.objects.count()
    return departments_for(user).filter(pk=department_id).exists()


def _clean_wordings(wordings: list[str], *, exclude: set[str]) -> list[str]:
    seen = {fold(text) for text in exclude}
    result = []
    for text in wordings:
        cleaned = " ".join(text.replace("|", " ").split())[:QUESTION_MAX_CHARS]
        if cleaned and fold(cleaned) not in seen:
            seen.add(fold(cleaned))
            result.append(cleaned)
    return result


@transaction.atomic
def cluster_create_draft_faq(*, group: GapCluster, user: Any, department: Department | None = None) -> Faq:
    """A draft FAQ for the responsible department: the representative question, the other wordings as alternates.

    Wordings holding a redaction placeholder are left out; when the representative holds one, the most
    frequent wording without any becomes the question. The answer is left for the department to write; the
    draft is not public until it is published (in admin, or through a change request).
    """
    if department is None:
        department_ids = group.department_ids
        department = Department.objects.filter(pk=department_ids[0]).first() if department_ids else None
    if not user.has_perm("faq.add_faq") or not _may_edit_department(user, department.pk if department else None):
        raise PermissionDenied(_("You cannot create FAQs for this department."))
    wordings = [group.representative, *(item["text"] for item in group.wordings)]
    usable = [text for text in wordings if not placeholders_in(text)]
    if not usable:
        raise ValidationError(
            _("Every wording of this group contains personal data removed from the question: write the FAQ yourself.")
        )
    question = usable[0][:QUESTION_MAX_CHARS]
    alternates = _clean_wordings(usable[1:], exclude={question})[:ALTERNATE_QUESTIONS_MAX]
    faq = Faq(
        question=question,
        alternate_questions=alternates,
        answer="",
        department=department,
        status=FaqStatus.DRAFT,
    )
    faq.full_clean(exclude=["answer"])
    faq._change_reason = _("Draft from unanswered questions of %(month)s") % {  # type: ignore[attr-defined]
        "month": f"{group.aggregate.month:%Y-%m}"
    }
    faq.save()
    GapAction.objects.create(
        month=group.aggregate.month,
        cluster_key=group.key,
        representative=group.representative,
        kind=GapActionKind.DRAFT_FAQ,
        faq=faq,
        wordings=[question, *alternates],
        created_by=user if getattr(user, "pk", None) else None,
    )
    return faq


@transaction.atomic
def cluster_add_alternates(*, group: GapCluster, faq: Faq, wordings: list[str], user: Any) -> list[str]:
    """Add the chosen wordings as alternate questions of an existing FAQ (a new version; the index follows on commit).

    Only the wordings staff chose are added: a resident asking one of them word for word then gets this
    FAQ's answer whatever the model says. Returns the wordings added. Raises ValidationError, and changes
    nothing, when none is chosen, when one holds a redaction placeholder (［個人番号］ ...), when none is new,
    or when the FAQ would exceed its limit of alternate questions.
    """
    faq = Faq.objects.select_for_update().get(pk=faq.pk)
    if not user.has_perm("faq.change_faq") or not _may_edit_department(user, faq.department_id):
        raise PermissionDenied(_("You cannot edit this FAQ."))
    if not wordings:
        raise ValidationError(NOTHING_CHOSEN, code="nothing_chosen")
    for text in wordings:
        found = placeholders_in(text)
        if found:
            raise ValidationError(
                _(
                    '"%(wording)s" contains personal data removed from the question (%(placeholders)s) and cannot '
                    "become an alternate question. Nothing was added."
                )
                % {"wording": text, "placeholders": "".join(found)},
                code="placeholder",
            )
    allowed = {item["text"] for item in group.wordings} | {group.representative}
    chosen = [text for text in wordings if text in allowed]
    added = _clean_wordings(chosen, exclude={faq.question, *faq.alternate_questions})
    if not added:
        raise ValidationError(_("None of the chosen wordings is new for this FAQ."))
    room = ALTERNATE_QUESTIONS_MAX - len(faq.alternate_questions)
    if len(added) > room:
        raise ValidationError(
            _("This FAQ can take %(room)d more alternate questions (at most %(max)d); choose fewer wordings.")
            % {"room": max(room, 0), "max": ALTERNATE_QUESTIONS_MAX}
        )
    faq.alternate_questions = [*faq.alternate_questions, *added]
    faq_save(
        faq=faq,
        reason=_("Alternate questions from unanswered questions of %(month)s")
        % {"month": f"{group.aggregate.month:%Y-%m}"},
    )
    GapAction.objects.create(
        month=group.aggregate.month,
        cluster_key=group.key,
        representative=group.representative,
        kind=GapActionKind.ALTERNATES,
        faq=faq,
        wordings=added,
        created_by=user if getattr(user, "pk", None) else None,
    )
    return added


def actions_by_key(month: datetime.date) -> dict[str, list[GapAction]]:
    result: dict[str, list[GapAction]] = defaultdict(list)
    for action in GapAction.objects.filter(month=month).select_related("faq", "created_by").order_by("created_at"):
        result[action.cluster_key].append(action)
    return result
