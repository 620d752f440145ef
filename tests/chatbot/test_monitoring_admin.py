"""Incidents in the staff admin: open ones first, the timeline, readings and triggering turns on the change page,
triage labels and closing with a resolution note (then read-only), no adding or deleting; the header's count of
open incidents for staff who may see them; the readings' list."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from changeflow.staff import department_editor_group_ensure, faq_admin_group_ensure
from chatbot.models import (
    Incident,
    IncidentEvent,
    IncidentStatus,
    Monitor,
    MonitorCheck,
    SuspectedCause,
    Symptom,
    Turn,
)
from chatbot.quality.incidents import record
from chatbot.quality.readings import Reading
from faq.models import Faq
from tests.chatbot.monitoring_support import ask, ja

Kind = IncidentEvent.Kind


def opened(monitor: str = Monitor.HANDOFF_RATE, turns: list[Turn] | None = None) -> Incident:
    """An incident opened by two breaching readings of `monitor` (the second linking `turns`)."""
    reading = Reading(
        breached=True,
        message=lambda: "handoffs 40% (limit 25%)",
        value=0.4,
        threshold=0.25,
        details={"n": 20},
        turn_ids=[turn.pk for turn in turns or []],
    )
    record(monitor, reading)
    incident = record(monitor, reading).incident
    assert incident is not None
    return incident


def staff(username: str, *codenames: str, group: Any = None) -> Client:
    user = User.objects.create_user(username, f"{username}@town.example.jp", "pw-incidents-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    if group is not None:
        user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def change_url(incident: Incident) -> str:
    return reverse("admin:chatbot_incident_change", args=[incident.pk])


def form_data(page: Any, **fields: str) -> dict[str, str]:
    """What the browser posts back from the change page: the inlines' management forms, and the fields."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = str(management[name].value())
    return data | fields


@pytest.mark.django_db
def test_the_list_shows_open_incidents_first(superuser_client: Client, settings: SettingsWrapper) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 1
    old_open = opened(Monitor.LATENCY)
    closed = opened(Monitor.CANARY)
    Incident.objects.filter(pk=closed.pk).update(status=IncidentStatus.CLOSED, resolution_note="解決済み")
    new_open = opened(Monitor.ANSWER_RATE)
    now = timezone.now()
    for incident, days in ((old_open, 3), (new_open, 2), (closed, 1)):
        Incident.objects.filter(pk=incident.pk).update(opened_at=now - datetime.timedelta(days=days))

    page = superuser_client.get(reverse("admin:chatbot_incident_changelist"))

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [new_open, old_open, closed]
    assert reverse("admin:chatbot_incident_add") not in page.content.decode()


@pytest.mark.django_db
def test_the_change_page_shows_the_timeline_readings_and_turns(superuser_client: Client, town: dict[str, Faq]) -> None:
    turns = ask(town, handed_off=2)
    incident = opened(turns=turns)
    record(Monitor.HANDOFF_RATE, Reading(breached=False, message=lambda: "handoffs 8% (limit 25%)"))

    page = superuser_client.get(change_url(incident))

    assert page.status_code == 200
    html = page.content.decode()
    # The timeline.
    assert ja("%(count)d readings in a row breached the limit.", count=2) in html
    assert "handoffs 8% (limit 25%)" in html  # the recovery event and the reading
    events = page.context["inline_admin_formsets"][0].formset.queryset
    assert [event.kind for event in events] == [Kind.OPENED, Kind.RECOVERED]
    # The three readings.
    readings = page.context["inline_admin_formsets"][1].formset.queryset
    assert sorted(reading.pk for reading in readings) == sorted(incident.checks.values_list("pk", flat=True))
    assert len(readings) == 3
    assert html.count("handoffs 40% (limit 25%)") >= 2
    # The turns that triggered it, each linked to the turn log.
    for turn in turns:
        assert f'href="{reverse("admin:chatbot_turn_change", args=[turn.pk])}"' in html
    assert 'name="symptom"' in html
    assert 'name="close"' in html


@pytest.mark.django_db
def test_changing_the_labels_is_recorded_as_triage(superuser_client: Client) -> None:
    incident = opened()
    page = superuser_client.get(change_url(incident))

    saved = superuser_client.post(
        change_url(incident),
        form_data(page, symptom=Symptom.PERFORMANCE, suspected_cause=SuspectedCause.LLM, resolution_note=""),
    )

    assert saved.status_code == 302
    incident.refresh_from_db()
    assert (incident.symptom, incident.suspected_cause) == (Symptom.PERFORMANCE, SuspectedCause.LLM)
    assert incident.status == IncidentStatus.OPEN
    triaged = incident.events.get(kind=Kind.TRIAGED)
    assert triaged.message == (
        f"{ja('quality degradation')} / {ja('not yet known')} → {ja('performance degradation')} / {ja('LLM provider')}"
    )
    assert triaged.user == User.objects.get(username="chat-admin")


@pytest.mark.django_db
def test_closing_needs_a_resolution_note(superuser_client: Client) -> None:
    incident = opened()
    page = superuser_client.get(change_url(incident))
    fields = {"symptom": incident.symptom, "suspected_cause": incident.suspected_cause, "close": "on"}

    refused = superuser_client.post(change_url(incident), form_data(page, **fields, resolution_note="   "))

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "resolution_note": [ja("Write what happened and what was done before closing.")]
    }
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    assert not incident.events.filter(kind=Kind.CLOSED).exists()

    closed = superuser_client.post(
        change_url(incident), form_data(page, **fields, resolution_note="検索インデックスを再構築して復旧。")
    )

    assert closed.status_code == 302
    incident.refresh_from_db()
    user = User.objects.get(username="chat-admin")
    assert incident.status == IncidentStatus.CLOSED
    assert incident.closed_at is not None
    assert incident.closed_by == user
    assert incident.resolution_note == "検索インデックスを再構築して復旧。"
    event = incident.events.get(kind=Kind.CLOSED)
    assert (event.message, event.user) == ("検索インデックスを再構築して復旧。", user)
    assert list(incident.events.values_list("kind", flat=True)) == [Kind.OPENED, Kind.CLOSED]


@pytest.mark.django_db
def test_a_closed_incident_is_read_only_and_nothing_is_added_or_deleted(superuser_client: Client) -> None:
    incident = opened()
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.CLOSED, resolution_note="様子を見て解消", closed_at=timezone.now()
    )

    page = superuser_client.get(change_url(incident))

    assert page.status_code == 200
    html = page.content.decode()
    for field in ("symptom", "suspected_cause", "resolution_note", "close"):
        assert f'name="{field}"' not in html
    assert "様子を見て解消" in html
    # A post changes nothing.
    posted = superuser_client.post(
        change_url(incident),
        form_data(page, symptom=Symptom.PRIVACY, suspected_cause=SuspectedCause.LLM, resolution_note="書き換え"),
    )
    assert posted.status_code == 302
    incident.refresh_from_db()
    assert (incident.symptom, incident.suspected_cause, incident.resolution_note) == (
        Symptom.QUALITY,
        SuspectedCause.UNKNOWN,
        "様子を見て解消",
    )
    assert list(incident.events.values_list("kind", flat=True)) == [Kind.OPENED]

    assert superuser_client.get(reverse("admin:chatbot_incident_add")).status_code == 403
    assert superuser_client.get(reverse("admin:chatbot_incident_delete", args=[incident.pk])).status_code == 403
    assert superuser_client.post(reverse("admin:chatbot_incident_delete", args=[incident.pk])).status_code == 403
    assert Incident.objects.filter(pk=incident.pk).exists()


@pytest.mark.django_db
def test_the_header_counts_the_open_incidents_for_staff_who_may_see_them(superuser_client: Client) -> None:
    opened(Monitor.LATENCY)
    closed = opened(Monitor.CANARY)
    Incident.objects.filter(pk=closed.pk).update(status=IncidentStatus.CLOSED)
    link = f'href="{reverse("admin:chatbot_incident_changelist")}?status__exact=open"'
    count = ja("Open incidents: %(count)s", count=1)

    page = superuser_client.get(reverse("admin:index"))

    assert page["Content-Language"] == "ja"  # the staff pages are in Japanese unless English was chosen
    html = page.content.decode()
    assert ja("Log out") in html
    assert count in html
    assert f'<a class="nav-incidents nav-incidents-open" {link}>{count}</a>' in html

    # Staff allowed to read incidents (the FAQ administrators) see it too; department editors do not.
    faq_admin = staff("incident-reader", group=faq_admin_group_ensure())
    assert count in faq_admin.get(reverse("admin:index")).content.decode()
    reader = staff("view-only-reader", "view_incident")
    assert count in reader.get(reverse("admin:index")).content.decode()
    editor = staff("department-editor", group=department_editor_group_ensure())
    editor_page = editor.get(reverse("admin:index")).content.decode()
    assert "nav-incidents" not in editor_page
    assert count not in editor_page

    # In English when chosen; with none open, shown without the warning style.
    Incident.objects.update(status=IncidentStatus.CLOSED)
    superuser_client.cookies["django_language"] = "en"
    english = superuser_client.get(reverse("admin:index")).content.decode()
    assert f'<a class="nav-incidents" {link}>Open incidents: 0</a>' in english


@pytest.mark.django_db
def test_the_readings_list_renders(superuser_client: Client) -> None:
    incident = opened()
    record(Monitor.LATENCY, Reading(breached=False, message=lambda: "p95 180 ms", value=180.0, threshold=2000.0))

    page = superuser_client.get(reverse("admin:chatbot_monitorcheck_changelist"))

    assert page.status_code == 200
    assert page.context["cl"].result_count == 3
    html = page.content.decode()
    assert "p95 180 ms" in html
    assert "handoffs 40% (limit 25%)" in html
    assert str(incident) in html
    check = MonitorCheck.objects.filter(monitor=Monitor.LATENCY).get()
    detail = superuser_client.get(reverse("admin:chatbot_monitorcheck_change", args=[check.pk]))
    assert detail.status_code == 200
    assert reverse("admin:chatbot_monitorcheck_add") not in html


@pytest.mark.django_db
def test_records_name_their_time_in_the_towns_time_zone() -> None:
    incident = Incident.objects.create(monitor="canary", title="t", symptom="quality", suspected_cause="index")
    event = IncidentEvent.objects.create(incident=incident, kind="opened")
    IncidentEvent.objects.filter(pk=event.pk).update(at=datetime.datetime(2026, 11, 22, 13, 52, tzinfo=datetime.UTC))
    event.refresh_from_db()

    # The admin's timeline lists events by this name: 22:52 in Asia/Tokyo, not 13:52 UTC.
    assert str(event).startswith("2026-11-22 22:52 ")
    assert str(MonitorCheck(monitor="canary", breached=True, message="m")).endswith("m")
