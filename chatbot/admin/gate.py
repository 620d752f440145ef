"""Gate versions: activating one, and the caution levels staff choose."""

import hashlib
import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from chatbot.admin.activation import regression_blocked_page, report_check
from chatbot.gate.observations import caution_figures
from chatbot.gate.shipped import with_caution
from chatbot.models import GateConfig
from chatbot.quality.golden import golden_cases
from chatbot.quality.regression import RegressionBlocked, gate_activate_checked
from chatbot.services import gate_config_create
from faq.admin import ReadOnlyAdmin
from faq.models import Faq

CAUTION_NAMES = {"careful": _("Careful"), "standard": _("Standard"), "bold": _("Bold")}
CAUTION_HELP = {
    "careful": _("Answers outright only when very sure (a wrong answer weighs 20 phone calls); more choices."),
    "standard": _("The recommended balance (a wrong answer weighs 10 phone calls)."),
    "bold": _("Answers outright more often (a wrong answer weighs 3 phone calls); more wrong answers."),
}


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
        report_check(self, request, check)
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
