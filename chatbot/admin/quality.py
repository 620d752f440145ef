"""The golden set, the evaluation runs and the regression checks."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from chatbot.models import EvaluationRun, GoldenCase, RegressionCheck, RunTrigger
from faq.admin import ReadOnlyAdmin


class GoldenCaseForm(forms.ModelForm):
    class Meta:
        model = GoldenCase
        fields = ["case_id", "query", "answerable", "relevant_faqs", "lang", "tags", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        right = data.get("relevant_faqs")
        if data.get("answerable") and not right:
            self.add_error(
                "relevant_faqs", _("Choose the FAQ that answers this question, or untick 'should be answered'.")
            )
        if not data.get("answerable") and right:
            self.add_error("relevant_faqs", _("A question that should not be answered has no right FAQ."))
        tags = data.get("tags")
        if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
            self.add_error("tags", _('Tags are a list of texts, such as ["department:環境課", "lang:ja"].'))
        return data


@admin.register(GoldenCase)
class GoldenCaseAdmin(admin.ModelAdmin):
    """The golden set: questions with their right FAQs (or "should not be answered"), for `evaluate --golden`."""

    form = GoldenCaseForm
    list_display = ["case_id", "query", "answerable", "right_faqs", "lang", "source", "active", "created_at"]
    list_filter = ["answerable", "source", "lang", "active"]
    search_fields = ["case_id", "query"]
    autocomplete_fields = ["relevant_faqs"]
    readonly_fields = ["source", "turn", "created_by", "created_at", "updated_at"]

    @admin.display(description=_("right FAQs"))
    def right_faqs(self, obj: GoldenCase) -> str:
        return ", ".join(str(faq.external_id or faq.pk) for faq in obj.relevant_faqs.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[GoldenCase]:
        return super().get_queryset(request).prefetch_related("relevant_faqs")

    def save_model(self, request: HttpRequest, obj: GoldenCase, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user if request.user.is_authenticated else None
        super().save_model(request, obj, form, change)


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    """The history of evaluation runs: measures, configuration, each case's result, and the trend."""

    change_list_template = "admin/chatbot/evaluationrun/change_list.html"
    list_display = [
        "started_at",
        "trigger",
        "status",
        "cases_label",
        "cases",
        "resolved",
        "wrong_answer_rate",
        "sr1",
        "gate_version",
    ]
    list_filter = ["trigger", "status"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "started_at",
        "finished_at",
        "trigger",
        "status",
        "cases_label",
        "tags",
        "metrics",
        "configuration",
        "failing_cases",
        "error",
    ]
    exclude = ["results"]

    def _metric(self, obj: EvaluationRun, key: str) -> Any:
        return (obj.metrics or {}).get(key, "-")

    @admin.display(description=_("cases"))
    def cases(self, obj: EvaluationRun) -> Any:
        return self._metric(obj, "n")

    @admin.display(description=_("resolved"))
    def resolved(self, obj: EvaluationRun) -> Any:
        return self._metric(obj, "resolved")

    @admin.display(description=_("wrong answer rate"))
    def wrong_answer_rate(self, obj: EvaluationRun) -> Any:
        return self._metric(obj, "wrong_answer_rate")

    @admin.display(description="SR@1")
    def sr1(self, obj: EvaluationRun) -> Any:
        return self._metric(obj, "sr1")

    @admin.display(description=_("gate version"))
    def gate_version(self, obj: EvaluationRun) -> Any:
        return (obj.configuration or {}).get("gate_version", "-")

    @admin.display(description=_("cases not handled right"))
    def failing_cases(self, obj: EvaluationRun) -> str:
        wrong = [item for item in obj.results or [] if not item.get("right")]
        if not wrong:
            return "-"
        return "\n".join(
            f"{item['id']}: {item['query'][:60]} → {item['outcome']} {item.get('answered_with') or ''}".rstrip()
            for item in wrong[:200]
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("run/", view(require_POST(self.run_view)), name="chatbot_evaluationrun_run"),
            path("trend.svg", view(self.trend_view), name="chatbot_evaluationrun_trend"),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """Queue an evaluation of the golden set in the task cluster."""
        if not request.user.has_perm("chatbot.add_goldencase"):
            raise PermissionDenied
        from django_q.tasks import async_task

        from chatbot.quality.golden import golden_cases

        if not golden_cases():
            self.message_user(request, _("The golden set has no cases in use: add cases first."), messages.ERROR)
        else:
            async_task("chatbot.tasks.evaluate_golden", RunTrigger.ADMIN, task_name="evaluate golden set")
            self.message_user(
                request,
                _("The evaluation of the golden set was queued; it appears here when the task cluster has run it."),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:chatbot_evaluationrun_changelist"))

    def trend_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        from chatbot.quality.charts import trend

        runs = list(EvaluationRun.objects.filter(status="completed").order_by("-started_at")[:60])[::-1]
        response = HttpResponse(trend(runs), content_type="image/svg+xml")
        response["Cache-Control"] = "no-store"
        return response


@admin.register(RegressionCheck)
class RegressionCheckAdmin(ReadOnlyAdmin):
    """Every regression check: the change, the runs before and after, the verdict and any override."""

    list_display = ["created_at", "action", "target", "passed", "overridden_by", "created_by"]
    list_filter = ["action", "passed"]
    readonly_fields = [
        "created_at",
        "action",
        "target",
        "baseline",
        "candidate",
        "passed",
        "reasons",
        "failing_cases",
        "created_by",
        "overridden_by",
        "override_reason",
    ]
