"""Incidents opened by the monitors, and every monitor's readings."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from chatbot.models import Incident, IncidentEvent, IncidentStatus, MonitorCheck
from faq.admin import ReadOnlyAdmin


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
        from chatbot.quality.incidents import incident_update

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
