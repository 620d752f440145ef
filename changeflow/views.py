"""Pages for department editors and reviewers, in the staff (admin) look."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from changeflow import permissions, services
from changeflow.approval import (
    ApprovalBlocked,
    change_approve_requested,
    check_current,
    check_summary,
    checks_in_use,
    stalled,
)
from changeflow.diff import side_by_side
from changeflow.drafts import ItemDraft, validate_change
from changeflow.forms import (
    KINDS,
    PROPOSED_FROM,
    TEXT_FIELDS,
    TEXT_FIELDS_EN,
    ChangeRequestForm,
    ReviewForm,
    apply_errors,
    item_drafts,
    item_proposals,
    item_proposals_en,
    same_text,
)
from changeflow.models import ChangeKind, ChangeRequest, ChangeStatus, CheckStatus
from changeflow.periodic_review import faq_review_confirm, faqs_due_for_review
from changeflow.values import ValueProposal
from faq.checks import injection_flags
from faq.models import Faq


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _report_check(request: HttpRequest, check: Any) -> None:
    """What the regression check found on the golden set before the change was approved."""
    if check is None:
        return
    if check.override_reason:
        messages.warning(request, _("Answers got worse with this change; approved with the recorded reason."))
        return
    messages.info(request, check_summary(check))


@staff_member_required
def change_list(request: HttpRequest) -> HttpResponse:
    visible = permissions.change_list_visible(request.user)
    reviewer = permissions.is_reviewer(request.user)
    default = ChangeStatus.SUBMITTED if reviewer else ""
    status = request.GET.get("status", default)
    if status and status not in ChangeStatus.values:
        status = ""
    changes = visible.select_related("department", "created_by")
    if status:
        changes = changes.filter(status=status)
    counts = dict(visible.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in ChangeStatus.choices
    ]
    return render(
        request,
        "changeflow/list.html",
        _context(
            request,
            _("Change requests"),
            changes=changes[:500],
            tabs=tabs,
            status=status,
            reviewer=reviewer,
            can_submit=permissions.departments_for(request.user).exists(),
        ),
    )


@staff_member_required
def change_new(request: HttpRequest) -> HttpResponse:
    if not permissions.departments_for(request.user).exists():
        raise PermissionDenied(_("You are not an editor of any department."))
    kinds = [(value, label, KINDS[value].description) for value, label in ChangeKind.choices]
    return render(request, "changeflow/new.html", _context(request, _("New change request"), kinds=kinds))


@staff_member_required
@require_http_methods(["GET", "POST"])
def change_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    if not permissions.departments_for(request.user).exists():
        raise PermissionDenied(_("You are not an editor of any department."))
    form = ChangeRequestForm(request.POST or None, user=request.user, kind=kind)
    items: list[dict[str, Any]] = []
    proposed_from: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        drafts = item_drafts(form, request.POST)
        proposals, proposals_en = item_proposals(form), item_proposals_en(form)
        data = form.cleaned_data
        if "old_value" in form.fields:
            proposed_from = [(PROPOSED_FROM[0], data["old_value"]), (PROPOSED_FROM[1], data["new_value"])]
        errors = validate_change(
            kind=kind,
            department=data["department"],
            old_value=data.get("old_value", ""),
            new_value=data.get("new_value", ""),
            effective_date=data["effective_date"],
            confirm_past=data["confirm_past"],
            items=drafts,
        )
        action = request.POST.get("action", "preview")
        if errors:
            apply_errors(form, errors)
        elif action in ("save", "submit"):
            try:
                change = services.change_create(
                    user=request.user,
                    kind=kind,
                    department=data["department"],
                    title=data["title"],
                    effective_date=data["effective_date"],
                    reason=data["reason"],
                    items=drafts,
                    old_value=data.get("old_value", ""),
                    new_value=data.get("new_value", ""),
                    notice_url=data.get("notice_url", ""),
                    confirm_past=data["confirm_past"],
                    submit=action == "submit",
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Change request #%(id)d was submitted for review.") % {"id": change.pk}
                    if action == "submit"
                    else _("Change request #%(id)d was saved as a draft.") % {"id": change.pk},
                )
                return redirect("changeflow:detail", pk=change.pk)
        items = _preview(drafts, proposals, proposals_en)
    return render(
        request,
        "changeflow/form.html",
        _context(
            request,
            _("New change request: %(kind)s") % {"kind": ChangeKind(kind).label},
            form=form,
            kind=kind,
            spec=KINDS[kind],
            items=items,
            proposed_from=proposed_from,
            flags=injection_flags(str(value) for value in request.POST.values()) if request.POST else [],
        ),
    )


def _preview(
    drafts: list[ItemDraft], proposals: dict[int, ValueProposal], proposals_en: dict[int, ValueProposal]
) -> list[dict[str, Any]]:
    rows = []
    for draft in drafts:
        current_q, current_a = (draft.faq.question, draft.faq.answer) if draft.faq else ("", "")
        new_q, new_a = ("", "") if draft.withdraw else (draft.new_question, draft.new_answer)
        proposal = proposals.get(draft.faq.pk) if draft.faq else None
        english = draft.faq.has_english if draft.faq else any(draft.english())
        current_en = (draft.faq.question_en, draft.faq.answer_en) if draft.faq and english else ("", "")
        new_en = ("", "") if draft.withdraw else draft.english()
        proposal_en = proposals_en.get(draft.faq.pk) if draft.faq else None
        rows.append(
            {
                "faq": draft.faq,
                "withdraw": draft.withdraw,
                "new_question": draft.new_question,
                "new_answer": draft.new_answer,
                "question_diff": side_by_side(current_q, new_q),
                "answer_diff": side_by_side(current_a, new_a),
                "proposal": proposal,
                "edited": _edited((new_q, new_a), proposal),
                "english": english,
                "new_question_en": new_en[0],
                "new_answer_en": new_en[1],
                "question_en_diff": side_by_side(current_en[0], new_en[0]),
                "answer_en_diff": side_by_side(current_en[1], new_en[1]),
                "proposal_en": proposal_en,
                "edited_en": _edited(new_en, proposal_en),
            }
        )
    return rows


def _edited(texts: tuple[str, str], proposal: ValueProposal | None) -> bool:
    """Whether the texts are no longer what the automatic replacement proposed (edited by hand)."""
    return proposal is not None and not all(same_text(a, b) for a, b in zip(texts, proposal.texts, strict=True))


@staff_member_required
@require_http_methods(["GET", "POST"])
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest.objects.select_related("department", "created_by", "reviewed_by"), pk=pk)
    if not permissions.can_view(request.user, change):
        raise Http404
    review_form = ReviewForm(request.POST or None)
    if request.method == "POST" and review_form.is_valid():
        action = request.POST.get("action", "")
        comment = review_form.cleaned_data["comment"]
        try:
            if action == "submit":
                services.change_submit(change=change, user=request.user)
                messages.success(request, _("Submitted for review."))
            elif action == "save_texts":
                editable = [item for item in change.items.all() if not item.withdraw]
                texts = {item.pk: _posted_pair(request, TEXT_FIELDS, item.pk, item.new_question) for item in editable}
                texts_en = {
                    item.pk: _posted_pair(request, TEXT_FIELDS_EN, item.pk, item.new_question_en)
                    for item in editable
                    if item.has_english and any(f"{prefix}-{item.pk}" in request.POST for prefix in TEXT_FIELDS_EN)
                }
                services.change_update_texts(
                    change=change, user=request.user, texts=texts, texts_en=texts_en, comment=comment
                )
                messages.success(request, _("The proposed texts were saved."))
            elif action == "approve":
                try:
                    approval = change_approve_requested(
                        change,
                        user=request.user,
                        comment=comment,
                        override_reason=request.POST.get("override_reason", ""),
                    )
                except ApprovalBlocked as blocked:
                    return render(
                        request,
                        "changeflow/regression_blocked.html",
                        _context(
                            request,
                            _("Not approved: answers get worse"),
                            change=change,
                            check=blocked.result,
                            comment=comment,
                        ),
                    )
                if not approval.approved:
                    messages.info(
                        request,
                        _(
                            "The golden set is being evaluated with these texts. This page shows the progress and "
                            "then the result; approve again once it has passed."
                        )
                        if approval.started
                        else _("The golden set is still being evaluated with these texts."),
                    )
                    return redirect("changeflow:detail", pk=change.pk)
                _report_check(request, approval.check.result if approval.check else None)
                change.refresh_from_db()
                if change.status == ChangeStatus.PUBLISHED:
                    messages.success(request, _("Approved and published: the effective date has come."))
                else:
                    messages.success(
                        request,
                        _("Approved. It will be published on %(date)s at 00:00.")
                        % {"date": change.effective_date.isoformat()},
                    )
            elif action == "reject":
                services.change_reject(change=change, user=request.user, comment=comment)
                messages.success(request, _("Rejected; the author has been notified."))
            elif action == "rollback":
                services.change_rollback(change=change, user=request.user, comment=comment)
                messages.success(request, _("Rolled back: the previous texts are published again."))
            else:
                raise PermissionDenied(_("Unknown action."))
        except (services.ChangeFlowError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            return redirect("changeflow:detail", pk=change.pk)
        change.refresh_from_db()
    items = []
    for item in change.items.select_related("faq"):
        live_q, live_a = (item.current_question, item.current_answer)
        new_q, new_a = ("", "") if item.withdraw else (item.new_question, item.new_answer)
        new_q_en, new_a_en = ("", "") if item.withdraw else (item.new_question_en, item.new_answer_en)
        items.append(
            {
                "item": item,
                "question_diff": side_by_side(live_q, new_q),
                "answer_diff": side_by_side(live_a, new_a),
                "english": item.has_english,
                "question_en_diff": side_by_side(item.current_question_en, new_q_en),
                "answer_en_diff": side_by_side(item.current_answer_en, new_a_en),
            }
        )
    user = request.user
    can_review = change.status == ChangeStatus.SUBMITTED and permissions.can_review(user, change)
    golden_set = can_review and checks_in_use()
    check = _check_shown(change) if golden_set else None
    if check is not None and check["check"].comment and not review_form.is_bound:
        review_form = ReviewForm(initial={"comment": check["check"].comment})
    return render(
        request,
        "changeflow/detail.html",
        _context(
            request,
            _("Change request #%(id)d") % {"id": change.pk},
            change=change,
            items=items,
            events=change.events.select_related("actor"),
            review_form=review_form,
            can_submit=change.status == ChangeStatus.DRAFT and change.created_by_id == user.pk,
            can_edit_texts=(change.status == ChangeStatus.DRAFT and change.created_by_id == user.pk)
            or (change.status == ChangeStatus.SUBMITTED and permissions.can_review(user, change)),
            can_review=can_review,
            golden_set=golden_set,
            approval_check=check,
            approval_stale=golden_set and check is None and change.checks.exists(),
            refresh_seconds=check["refresh"] if check else None,
            own_submission=change.status == ChangeStatus.SUBMITTED and change.created_by_id == user.pk,
            can_rollback=change.status == ChangeStatus.PUBLISHED and permissions.is_reviewer(user),
        ),
    )


def _posted_pair(request: HttpRequest, prefixes: tuple[str, str], pk: int, question: str) -> tuple[str, str]:
    """An item's posted question and answer (the question kept when it was not sent, as a disabled field is not)."""
    return request.POST.get(f"{prefixes[0]}-{pk}", question), request.POST.get(f"{prefixes[1]}-{pk}", "")


# Seconds between two reloads of the review page while the golden set is being evaluated.
CHECK_REFRESH_S = 2


def _check_shown(change: ChangeRequest) -> dict[str, Any] | None:
    """The regression check of the texts as they are now, as the review page shows it (None: none yet)."""
    check = check_current(change)
    if check is None:
        return None
    waiting = check.status in (CheckStatus.QUEUED, CheckStatus.RUNNING) and not stalled(check)
    result = check.result
    return {
        "check": check,
        "waiting": waiting,
        "stalled": stalled(check),
        "percent": round(100 * check.cases_done / check.cases_total) if check.cases_total else 0,
        "refresh": CHECK_REFRESH_S if waiting else None,
        "passed": check.status == CheckStatus.DONE and (result is None or result.passed),
        "blocked": check.status == CheckStatus.DONE and result is not None and not result.passed,
        "summary": check_summary(result) if result is not None and result.passed else "",
    }


@staff_member_required
@require_http_methods(["GET", "POST"])
def review_list(request: HttpRequest) -> HttpResponse:
    """FAQs due for review in the user's departments, confirmed unchanged in one step."""
    departments = permissions.departments_for(request.user)
    due = faqs_due_for_review(departments=departments)
    if request.method == "POST":
        chosen = Faq.objects.filter(pk__in=[value for value in request.POST.getlist("faq") if value.isdigit()])
        if not chosen:
            messages.error(request, _("Choose the FAQs you have checked."))
        else:
            try:
                count = faq_review_confirm(user=request.user, faqs=chosen)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(count)d FAQs confirmed unchanged.") % {"count": count})
                return redirect("changeflow:reviews")
    return render(
        request,
        "changeflow/reviews.html",
        _context(request, _("FAQs due for review"), faqs=due, today=services.today_local()),
    )
