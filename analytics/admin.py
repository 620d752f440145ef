"""The analytics dashboard in admin: monthly figures, charts, unanswered questions by meaning, the monthly report."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from analytics import charts
from analytics.aggregation import CURRENT_MONTH_EVERY, RESIDENT_CHANNELS, aggregate_is_stale, aggregate_month
from analytics.english import english_needed, published_without_english
from analytics.models import GapAction, GapCluster, GapReason, MonthlyAggregate
from analytics.months import add_months, current_month, month_bounds, parse_month
from analytics.report.contents import build
from analytics.report.formats import CONTENT_TYPES, FORMATS, render
from analytics.services import NOTHING_CHOSEN, actions_by_key, cluster_add_alternates, cluster_create_draft_faq
from analytics.wordings import wording_choices
from chatbot.models import Turn
from faq.admin import ReadOnlyAdmin
from faq.models import Department, Faq

HISTORY_MONTHS = 12
# Months with more resident questions than this are recomputed by the task cluster, not in the request.
SYNC_REFRESH_LIMIT = 20_000
# Opening the dashboard recomputes an out-of-date month in the request up to this many questions (about 1 s once
# the encoder is loaded: 0.8 s for 500, 7.7 s for 5,000 on the sample town, 2 cores); larger ones are queued.
OPEN_REFRESH_LIMIT = 1_000
# No month before this one holds questions, and none after the current month can.
EARLIEST_MONTH = datetime.date(2000, 1, 1)


@admin.register(MonthlyAggregate)
class MonthlyAggregateAdmin(ReadOnlyAdmin):
    """The list page of monthly reports is the dashboard."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("chart/<str:month>/<str:name>.svg", view(self.chart_view), name="analytics_chart"),
            path("report/<str:month>.<str:fmt>", view(self.report_view), name="analytics_report"),
            path("refresh/", view(self.refresh_view), name="analytics_refresh"),
            path("group/<int:pk>/draft/", view(self.draft_view), name="analytics_group_draft"),
            path("group/<int:pk>/alternates/", view(self.alternates_view), name="analytics_group_alternates"),
            *super().get_urls(),
        ]

    def _month(self, request: HttpRequest, text: str | None) -> Any:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not text:
            return current_month()
        try:
            return parse_month(text)
        except ValueError as error:
            raise Http404(str(error)) from error

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        month = self._month(request, request.GET.get("month"))
        aggregate, queued = _refresh_if_stale(month, MonthlyAggregate.objects.filter(month=month).first())
        clusters = list(aggregate.clusters.order_by("rank")) if aggregate else []
        done = actions_by_key(month)
        choices = wording_choices(clusters)
        for item in clusters:
            item.done = done.get(item.key, [])  # type: ignore[attr-defined]
            item.choices = choices[item.pk]  # type: ignore[attr-defined]
            item.refused = any(not choice.selectable for choice in choices[item.pk])  # type: ignore[attr-defined]
            item.reason_rows = [  # type: ignore[attr-defined]
                (GapReason(reason).label, count) for reason, count in item.reasons.items() if reason in GapReason.values
            ]
        may_edit = request.user.has_perm("faq.change_faq")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Chatbot analytics"),
            "opts": self.model._meta,
            "month": month,
            "aggregate": aggregate,
            "queued": queued,
            "town_tz": settings.TIME_ZONE,
            "every_minutes": int(CURRENT_MONTH_EVERY.total_seconds() // 60),
            "months": list(MonthlyAggregate.objects.order_by("-month").values_list("month", flat=True)),
            "previous": MonthlyAggregate.objects.filter(month=add_months(month, -1)).first(),
            "clusters": clusters,
            "charts": charts.CHARTS,
            "formats": FORMATS,
            "may_add": request.user.has_perm("faq.add_faq"),
            "may_edit": may_edit,
            "may_refresh": may_edit,
            "departments": Department.objects.order_by("sort_order", "name") if may_edit else [],
            "recent_actions": GapAction.objects.filter(month=month).select_related("faq", "created_by")[:20],
            "english_needed": english_needed(month),
            "without_english": published_without_english(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)

    def chart_view(self, request: HttpRequest, month: str, name: str) -> HttpResponse:
        end = self._month(request, month)
        if name not in charts.CHARTS:
            raise Http404
        history = list(
            MonthlyAggregate.objects.filter(month__gt=add_months(end, -HISTORY_MONTHS), month__lte=end).order_by(
                "month"
            )
        )
        response = HttpResponse(charts.draw(name, history, fmt="svg"), content_type="image/svg+xml")
        response["Cache-Control"] = "private, max-age=60"
        return response

    def report_view(self, request: HttpRequest, month: str, fmt: str) -> HttpResponse:
        parsed = self._month(request, month)
        if fmt not in FORMATS:
            raise Http404
        if not MonthlyAggregate.objects.filter(month=parsed).exists():
            raise Http404(_("This month has not been aggregated yet."))
        response = HttpResponse(render(build(parsed, user=request.user), fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="chatbot-report-{parsed:%Y-%m}.{fmt}"'
        return response

    def _back(self, month: Any) -> HttpResponseRedirect:
        url = reverse("admin:analytics_monthlyaggregate_changelist")
        return HttpResponseRedirect(f"{url}?month={month:%Y-%m}")

    def refresh_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request) or not request.user.has_perm("faq.change_faq"):
            raise PermissionDenied
        latest = current_month()
        text = request.POST.get("month") or f"{latest:%Y-%m}"
        try:
            month = parse_month(text)
        except ValueError:
            month = None
        if month is None or not EARLIEST_MONTH <= month <= latest:
            self.message_user(
                request,
                _("%(month)s cannot be recomputed: choose a month from %(earliest)s to %(latest)s.")
                % {"month": text[:20], "earliest": f"{EARLIEST_MONTH:%Y-%m}", "latest": f"{latest:%Y-%m}"},
                messages.ERROR,
            )
            return self._back(latest)
        turns = _resident_turns(month)
        if turns > SYNC_REFRESH_LIMIT:
            # Large months take longer than a web request may: the task cluster does it.
            _queue(month, again=True)
            self.message_user(
                request,
                _("%(month)s has %(turns)d questions: it is recomputed in the background; reload in a few minutes.")
                % {"month": f"{month:%Y-%m}", "turns": turns},
                messages.INFO,
            )
            return self._back(month)
        aggregate = aggregate_month(month)
        self.message_user(
            request,
            _("%(month)s recomputed: %(turns)d questions, %(unanswered)d unanswered.")
            % {"month": f"{month:%Y-%m}", "turns": aggregate.turns, "unanswered": aggregate.unanswered},
            messages.SUCCESS,
        )
        return self._back(month)

    def draft_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        group = get_object_or_404(GapCluster.objects.select_related("aggregate"), pk=pk)
        self._month(request, f"{group.aggregate.month:%Y-%m}")
        department = None
        if request.POST.get("department"):
            department = Department.objects.filter(pk=request.POST["department"]).first()
        try:
            faq = cluster_create_draft_faq(group=group, user=request.user, department=department)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return self._back(group.aggregate.month)
        self.message_user(
            request,
            _("Draft FAQ %(id)d created for %(department)s: write its answer, then publish it.")
            % {"id": faq.pk, "department": faq.department.name if faq.department else "-"},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:faq_faq_change", args=[faq.pk]))

    def alternates_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        group = get_object_or_404(GapCluster.objects.select_related("aggregate"), pk=pk)
        self._month(request, f"{group.aggregate.month:%Y-%m}")
        wordings = request.POST.getlist("wording")
        if not wordings:
            self.message_user(request, str(NOTHING_CHOSEN), messages.WARNING)
            return self._back(group.aggregate.month)
        faq_id = (request.POST.get("faq_id") or request.POST.get("faq") or "").strip()
        faq = Faq.objects.filter(pk=int(faq_id)).first() if faq_id.isdigit() else None
        if faq is None:
            self.message_user(request, _("Choose the FAQ (its number) to add the wordings to."), messages.ERROR)
            return self._back(group.aggregate.month)
        try:
            added = cluster_add_alternates(group=group, faq=faq, wordings=wordings, user=request.user)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return self._back(group.aggregate.month)
        self.message_user(
            request,
            _("%(count)d wordings added to FAQ %(id)d: residents asking this way now get its answer.")
            % {"count": len(added), "id": faq.pk},
            messages.SUCCESS,
        )
        return self._back(group.aggregate.month)


def _resident_turns(month: Any) -> int:
    start, end = month_bounds(month)
    return Turn.objects.filter(created_at__gte=start, created_at__lt=end, channel__in=RESIDENT_CHANNELS).count()


def _queue(month: Any, *, again: bool = False) -> bool:
    """Have the task cluster recompute the month; once per CURRENT_MONTH_EVERY unless `again`. True if queued now."""
    key = f"analytics:aggregate-queued:{month:%Y-%m}"
    if not cache.add(key, True, timeout=int(CURRENT_MONTH_EVERY.total_seconds())) and not again:
        return False
    from django_q.tasks import async_task

    async_task("analytics.tasks.aggregate_one", f"{month:%Y-%m}", task_name=f"aggregate-{month:%Y-%m}")
    return True


def _refresh_if_stale(month: Any, aggregate: MonthlyAggregate | None) -> tuple[MonthlyAggregate | None, bool]:
    """The month's aggregate, recomputed first when it is out of date (`aggregate_is_stale`), and whether its
    recomputation was left to the task cluster instead (months too large for a web request)."""
    if not aggregate_is_stale(aggregate, month):
        return aggregate, False
    if _resident_turns(month) > OPEN_REFRESH_LIMIT:
        _queue(month)
        return aggregate, True
    try:
        return aggregate_month(month), False
    except IntegrityError:  # recomputed at the same moment by another request or the task cluster
        return MonthlyAggregate.objects.filter(month=month).first(), False


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    return str(error) or _("You do not have permission to do this.")


@admin.register(GapAction)
class GapActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "month", "kind", "representative", "faq", "created_by"]
    list_filter = ["kind", "month"]
    search_fields = ["representative"]
