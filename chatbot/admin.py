import hashlib
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from chatbot.gate.calibration import caution_figures, with_caution
from chatbot.models import (
    EvaluationRun,
    Feedback,
    GateConfig,
    GoldenCase,
    Incident,
    IncidentEvent,
    IncidentStatus,
    LlmSwitch,
    MonitorCheck,
    Outcome,
    PromptVersion,
    RegressionCheck,
    RunTrigger,
    Turn,
)
from chatbot.quality.golden import GoldenSetError, case_from_turn, golden_cases
from chatbot.quality.regression import RegressionBlocked, gate_activate_checked, passed_message, prompt_activate_checked
from chatbot.services import gate_config_create
from faq.admin import ReadOnlyAdmin
from faq.models import Faq

CAUTION_NAMES = {"careful": _("Careful"), "standard": _("Standard"), "bold": _("Bold")}
CAUTION_HELP = {
    "careful": _("Answers outright only when very sure (a wrong answer weighs 20 phone calls); more choices."),
    "standard": _("The recommended balance (a wrong answer weighs 10 phone calls)."),
    "bold": _("Answers outright more often (a wrong answer weighs 3 phone calls); more wrong answers."),
}


def _report_check(model_admin: admin.ModelAdmin, request: HttpRequest, check: RegressionCheck | None) -> None:
    """Tell the user what the regression check found before a version went live."""
    if check is None:
        model_admin.message_user(
            request, _("The golden set has no cases in use: the change was not checked."), messages.WARNING
        )
    elif check.override_reason:
        model_admin.message_user(request, _("Answers got worse; activated with the recorded reason."), messages.WARNING)
    else:
        model_admin.message_user(request, passed_message(check), messages.SUCCESS)


def regression_blocked_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, check: RegressionCheck, action: str, pk: int
) -> HttpResponse:
    """The blocked change: why, the cases that got worse, and a form to override it with a reason."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Not activated: answers get worse"),
        "opts": model_admin.model._meta,
        "check": check,
        "action": action,
        "selected": pk,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/chatbot/regression_blocked.html", context)


@admin.register(Turn)
class TurnAdmin(ReadOnlyAdmin):
    """The turn log: what residents asked (redacted) and what the bot did, with the gate's reasons."""

    list_display = ["created_at", "question", "outcome", "failure_class", "department", "channel", "lang", "total_ms"]
    list_filter = ["outcome", "failure_class", "channel", "lang", "department", "status"]
    date_hierarchy = "created_at"
    search_fields = ["question", "answer"]
    readonly_fields = [
        "id",
        "created_at",
        "completed_at",
        "status",
        "channel",
        "lang",
        "question",
        "redacted_kinds",
        "outcome",
        "failure_class",
        "department",
        "gate",
        "answer",
        "candidates",
        "gate_features",
        "faq_versions",
        "latency_ms",
        "total_ms",
        "idempotency_key",
    ]
    exclude = ["response"]
    actions = ["mark_answer_right", "mark_not_to_answer"]

    @admin.action(description=_("Add to the golden set: the FAQ it answered with is right"))
    def mark_answer_right(self, request: HttpRequest, queryset: QuerySet[Turn]) -> None:
        made, skipped = 0, 0
        for turn in queryset:
            if turn.outcome != Outcome.ANSWER:
                skipped += 1
                continue
            try:
                case_from_turn(turn, answerable=True, user=request.user)
            except GoldenSetError:
                skipped += 1
                continue
            made += 1
        self.message_user(request, _("%(count)d turns added to the golden set.") % {"count": made}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _(
                    "%(count)d turns were not answered with an FAQ and were skipped: add them from the golden set "
                    "with the right FAQ, or as not to be answered."
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Add to the golden set: should not be answered (handoff)"))
    def mark_not_to_answer(self, request: HttpRequest, queryset: QuerySet[Turn]) -> None:
        made = 0
        for turn in queryset:
            case_from_turn(turn, answerable=False, user=request.user)
            made += 1
        self.message_user(
            request, _("%(count)d turns added to the golden set as not to be answered.") % {"count": made}
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("chatbot.add_goldencase"):
            actions.pop("mark_answer_right", None)
            actions.pop("mark_not_to_answer", None)
        return actions


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


@admin.register(GateConfig)
class GateConfigAdmin(ReadOnlyAdmin):
    """Gate versions: which is active, how each was calibrated; activating an older one reverts to it."""

    list_display = ["id", "is_active", "kind", "created_at", "created_by", "note", "proposal_figures"]
    readonly_fields = [
        "id",
        "is_active",
        "kind",
        "created_at",
        "created_by",
        "note",
        "proposal_figures",
        "parameters",
        "calibration",
    ]
    actions = ["activate"]

    @admin.display(description=_("proposal: live gate → this version"))
    def proposal_figures(self, obj: GateConfig) -> str:
        """For a version proposed from labelled turns: resolved and wrong-answer rate on those questions with the
        live gate and with this version (out-of-fold estimate in brackets)."""
        calibration = obj.calibration or {}
        if not calibration.get("proposal"):
            return "-"
        before, after, estimate = (calibration.get(key) or {} for key in ("before", "after", "out_of_fold"))
        return str(
            _("resolved %(b)s → %(a)s (%(e)s), wrong answers %(wb)s → %(wa)s (%(we)s)")
            % {
                "b": before.get("resolved"),
                "a": after.get("resolved"),
                "e": estimate.get("resolved"),
                "wb": before.get("wrong_answer_rate"),
                "wa": after.get("wrong_answer_rate"),
                "we": estimate.get("wrong_answer_rate"),
            }
        )

    change_list_template = "admin/chatbot/gateconfig/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path("caution/", self.admin_site.admin_view(self.caution_view), name="chatbot_gateconfig_caution"),
            *super().get_urls(),
        ]

    def caution_view(self, request: HttpRequest) -> HttpResponse:
        """The gate's caution in plain words: what each level gives on the golden set; choosing one activates it
        (after the regression check, as any gate version)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        live = GateConfig.objects.filter(is_active=True).first()
        levels = (live.parameters or {}).get("levels", {}) if live and live.kind == "logistic" else {}
        if request.method == "POST":
            if not request.user.has_perm("chatbot.change_gateconfig"):
                raise PermissionDenied
            if request.POST.get("action") == "activate":
                # The reason given on the "answers get worse" page for the version made here.
                config = GateConfig.objects.filter(pk=request.POST.get(ACTION_CHECKBOX_NAME) or 0).first()
                if config is None:
                    return HttpResponseRedirect(request.path)
                return self._caution_activate(request, config)
            level = request.POST.get("caution", "")
            if live is None or level not in levels:
                self.message_user(request, _("Choose one of the caution levels shown."), messages.ERROR)
                return HttpResponseRedirect(request.path)
            config = gate_config_create(
                kind="logistic",
                parameters=with_caution(live.parameters, level),
                calibration={"caution_from": live.pk},
                note=str(
                    _("Caution: %(level)s (from version %(id)d)") % {"level": CAUTION_NAMES[level], "id": live.pk}
                ),
                user=request.user,
                activate=False,
            )
            return self._caution_activate(request, config)
        cases = golden_cases()
        figures = self._caution_figures(live, cases) if live is not None and levels and cases else {}
        same = [
            (CAUTION_NAMES[a], CAUTION_NAMES[b])
            for a, b in (("careful", "standard"), ("standard", "bold"))
            if a in levels and b in levels and levels[a]["answer"] == levels[b]["answer"]
        ]
        rows = [
            {
                "level": level,
                "name": CAUTION_NAMES[level],
                "help": CAUTION_HELP[level],
                "active": live is not None and live.parameters.get("caution") == level,
                "figures": figures.get(level),
            }
            for level in CAUTION_NAMES
            if level in levels
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Gate caution"),
            "opts": self.model._meta,
            "live": live,
            "rows": rows,
            "golden_count": len(cases),
            "same": same,
            "can_change": request.user.has_perm("chatbot.change_gateconfig"),
        }
        return TemplateResponse(request, "admin/chatbot/gateconfig/caution.html", context)

    def _caution_figures(self, live: GateConfig, cases: list[Any]) -> dict[str, dict[str, float]]:
        """Every level on the golden set; kept until the gate, the golden set or any FAQ changes (asking the whole
        golden set takes a while)."""
        content = Faq.history.aggregate(latest=Max("history_id"))["latest"] or 0
        fingerprint = hashlib.sha256(
            json.dumps(
                [live.parameters, [[c.case_id, c.query, sorted(c.relevant), c.answerable] for c in cases]],
                ensure_ascii=False,
                sort_keys=True,
            ).encode()
        ).hexdigest()[:16]
        key = f"gate-caution:{live.pk}:{content}:{fingerprint}"
        figures: dict[str, dict[str, float]] | None = cache.get(key)
        if figures is None:
            figures = caution_figures(cases, live.parameters)
            cache.set(key, figures, 24 * 3600)
        return figures

    def _activated(self, request: HttpRequest, config: GateConfig) -> HttpResponse | None:
        """Activate after the regression check and say what it found; the blocked page when answers get worse."""
        reason = request.POST.get("override_reason", "")
        try:
            check = gate_activate_checked(config, user=request.user, override_reason=reason)
        except RegressionBlocked as blocked:
            return regression_blocked_page(request, self, blocked.check, "activate", config.pk)
        _report_check(self, request, check)
        return None

    def _caution_activate(self, request: HttpRequest, config: GateConfig) -> HttpResponse:
        blocked = self._activated(request, config)
        if blocked is not None:
            return blocked
        level = (config.parameters or {}).get("caution", "")
        self.message_user(
            request,
            _("The gate now answers at caution level %(level)s (version %(id)d).")
            % {"level": CAUTION_NAMES.get(level, level), "id": config.pk},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(request.path)

    @admin.action(description=_("Make the selected gate version active"))
    def activate(self, request: HttpRequest, queryset: QuerySet[GateConfig]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return None
        config = queryset.get()
        blocked = self._activated(request, config)
        if blocked is not None:
            return blocked
        self.message_user(request, _("Gate version %(id)d is now active.") % {"id": config.pk}, messages.SUCCESS)
        return None

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("chatbot.change_gateconfig"):
            actions.pop("activate", None)
        return actions


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Residents' "helpful / not helpful" with their (redacted) comments, linked to the turn."""

    list_display = ["created_at", "helpful", "comment", "turn"]
    list_filter = ["helpful"]
    date_hierarchy = "created_at"
    search_fields = ["comment", "turn__question"]
    readonly_fields = ["turn", "helpful", "comment", "created_at", "updated_at"]


@admin.register(PromptVersion)
class PromptVersionAdmin(admin.ModelAdmin):
    """The LLM's instructions, versioned: add a version, compare versions by their evaluation, activate one."""

    list_display = [
        "id",
        "is_active",
        "created_at",
        "created_by",
        "note",
        "evaluated_at",
        "resolved",
        "wrong_answer_rate",
        "llm_replies",
        "llm_faithfulness",
    ]
    readonly_fields = ["is_active", "activated_at", "created_at", "created_by", "evaluation"]
    fields = ["text", "note", "is_active", "activated_at", "created_at", "created_by", "evaluation"]
    actions = ["activate"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A version's text never changes once saved (turns point to it): add a new version instead.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PromptVersion, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
            obj.is_active = False
        super().save_model(request, obj, form, change)

    def _metric(self, obj: PromptVersion, key: str) -> Any:
        return (obj.evaluation or {}).get("metrics", {}).get(key, "-")

    @admin.display(description=_("evaluated"))
    def evaluated_at(self, obj: PromptVersion) -> str:
        return str((obj.evaluation or {}).get("at", "-"))

    @admin.display(description=_("resolved share"))
    def resolved(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "resolved")

    @admin.display(description=_("wrong-answer rate"))
    def wrong_answer_rate(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "wrong_answer_rate")

    @admin.display(description=_("LLM reply share"))
    def llm_replies(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "llm_replies")

    @admin.display(description=_("faithfulness (judge, 1-5)"))
    def llm_faithfulness(self, obj: PromptVersion) -> Any:
        return self._metric(obj, "llm_faithfulness")

    @admin.action(description=_("Make the selected prompt version active"))
    def activate(self, request: HttpRequest, queryset: QuerySet[PromptVersion]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return None
        version = queryset.get()
        try:
            check = prompt_activate_checked(
                version, user=request.user, override_reason=request.POST.get("override_reason", "")
            )
        except RegressionBlocked as blocked:
            return regression_blocked_page(request, self, blocked.check, "activate", version.pk)
        _report_check(self, request, check)
        self.message_user(request, _("Prompt version %(id)d is now active.") % {"id": version.pk}, messages.SUCCESS)
        return None

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("chatbot.change_promptversion"):
            actions.pop("activate", None)
        return actions


@admin.register(LlmSwitch)
class LlmSwitchAdmin(admin.ModelAdmin):
    """One switch: LLM replies on or off, effective with the next question."""

    list_display = ["__str__", "enabled", "updated_at", "updated_by", "status"]
    list_editable = ["enabled"]
    list_display_links = ["__str__"]
    fields = ["enabled", "status", "updated_at", "updated_by"]
    readonly_fields = ["status", "updated_at", "updated_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LlmSwitch, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    @admin.display(description=_("LLM status"))
    def status(self, obj: LlmSwitch) -> str:
        from chatbot.llm.composer import llm_status

        state = llm_status()
        if state["status"] == "disabled":
            if "switched off" in str(state.get("detail", "")):
                return str(_("Off: switched off by staff; residents get the FAQ texts."))
            return str(_("Off: no LLM is configured (LLM_BASE_URL, LLM_MODEL); residents get the FAQ texts."))
        if state.get("breaker") == "open":
            return str(_("Paused after repeated failures (model %(model)s); residents get the FAQ texts for now.")) % {
                "model": state.get("model", "")
            }
        return str(_("On: model %(model)s, prompt version %(prompt)s.")) % {
            "model": state.get("model", ""),
            "prompt": state.get("prompt_version") or "-",
        }


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


class IncidentForm(forms.ModelForm):
    """Staff set the triage labels and close the incident; closing needs a resolution note."""

    close = forms.BooleanField(label=_("Close this incident"), required=False)

    class Meta:
        model = Incident
        fields = ["symptom", "suspected_cause", "resolution_note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("close") and not (data.get("resolution_note") or "").strip():
            self.add_error("resolution_note", _("Write what happened and what was done before closing."))
        return data


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "message", "user"]
    readonly_fields = ["at", "kind", "message", "user"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MonitorCheckInline(admin.TabularInline):
    model = MonitorCheck
    extra = 0
    can_delete = False
    fields = ["checked_at", "breached", "value", "threshold", "message"]
    readonly_fields = ["checked_at", "breached", "value", "threshold", "message"]
    verbose_name_plural = _("readings of the monitor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Incidents opened by the monitors: open ones first, with their timeline and the turns that triggered them.
    Staff change the triage labels and close an incident with a resolution note; nothing is deleted."""

    form = IncidentForm
    list_display = ["id", "title", "status", "symptom", "suspected_cause", "opened_at", "recovered_at", "closed_at"]
    list_display_links = ["id", "title"]
    list_filter = ["status", "monitor", "symptom", "suspected_cause"]
    search_fields = ["title", "resolution_note"]
    date_hierarchy = "opened_at"
    inlines = [IncidentEventInline, MonitorCheckInline]
    readonly_fields = [
        "title",
        "monitor",
        "status",
        "opened_at",
        "last_breach_at",
        "recovered_at",
        "closed_at",
        "closed_by",
        "figures",
        "triggering_turns",
    ]
    fieldsets = [
        (None, {"fields": ["title", "monitor", "status", "opened_at", "last_breach_at", "recovered_at", "figures"]}),
        (_("Triage"), {"fields": ["symptom", "suspected_cause"]}),
        (_("Resolution"), {"fields": ["resolution_note", "close", "closed_at", "closed_by"]}),
        (_("Turns that triggered it"), {"fields": ["triggering_turns"]}),
    ]

    # Open incidents first ("open" sorts after "closed"), newest first within each. An order_by() in
    # get_queryset() would come after the model's ordering in the change list, so it is set here.
    ordering = ["-status", "-opened_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None) -> list[str]:
        if obj is not None and obj.status == IncidentStatus.CLOSED:
            return [*self.readonly_fields, "symptom", "suspected_cause", "resolution_note"]
        return list(self.readonly_fields)

    def get_fieldsets(self, request: HttpRequest, obj: Incident | None = None) -> Any:
        if obj is not None and obj.status == IncidentStatus.CLOSED:
            return [
                (name, {"fields": [f for f in options["fields"] if f != "close"]}) for name, options in self.fieldsets
            ]
        return self.fieldsets

    @admin.display(description=_("figures"))
    def figures(self, obj: Incident) -> str:
        details = obj.details or {}
        return details.get("message") or "-"

    @admin.display(description=_("turns"))
    def triggering_turns(self, obj: Incident) -> str:
        turns = list(obj.turns.order_by("-created_at")[:50])
        if not turns:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> {} {}</li>',
                (
                    (
                        reverse("admin:chatbot_turn_change", args=[turn.pk]),
                        f"{turn.created_at:%Y-%m-%d %H:%M}",
                        turn.get_outcome_display(),
                        turn.question[:80],
                    )
                    for turn in turns
                ),
            ),
        )

    def save_model(self, request: HttpRequest, obj: Incident, form: Any, change: bool) -> None:
        from chatbot.quality.monitoring import incident_update

        stored = Incident.objects.get(pk=obj.pk)
        incident_update(
            stored,
            symptom=form.cleaned_data.get("symptom", stored.symptom),
            suspected_cause=form.cleaned_data.get("suspected_cause", stored.suspected_cause),
            resolution_note=form.cleaned_data.get("resolution_note", stored.resolution_note) or "",
            close=bool(form.cleaned_data.get("close")),
            user=request.user,
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The timeline and the readings are written by the monitors only.
        return None

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # The inlines were not saved (above), so they changed nothing to report.
        return super().construct_change_message(request, form, [], add)


@admin.register(MonitorCheck)
class MonitorCheckAdmin(ReadOnlyAdmin):
    """Every reading of every monitor (kept for the incident timelines and for tuning the limits)."""

    list_display = ["checked_at", "monitor", "breached", "value", "threshold", "message", "incident"]
    list_filter = ["monitor", "breached"]
    readonly_fields = ["checked_at", "monitor", "breached", "value", "threshold", "message", "details", "incident"]
