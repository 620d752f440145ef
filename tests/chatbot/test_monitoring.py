"""Incidents from monitor readings: one opens after MONITOR_SUSTAINED_CHECKS breaches in a row (one blip opens
none), the administrators are e-mailed once it is committed, its timeline records recovery, new breaches, triage
and closing; a monitor that fails is skipped; the command, the tasks and their schedules."""

import datetime
import io
import logging
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_q.brokers import get_broker
from django_q.models import Schedule
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from changeflow.staff import department_editor_group_ensure, faq_admin_group_ensure
from chatbot import tasks
from chatbot.models import (
    GoldenCase,
    Incident,
    IncidentEvent,
    IncidentStatus,
    Monitor,
    MonitorCheck,
    SuspectedCause,
    Symptom,
    Turn,
)
from chatbot.quality.incidents import incident_notify, incident_update, record
from chatbot.quality.monitors import run_monitors
from chatbot.quality.readings import Reading
from faq.models import Faq
from tests.chatbot.monitoring_support import ask, golden_set, ja, queued_tasks, run_task

Kind = IncidentEvent.Kind


def breach(*turns: Turn, text: str = "answers dropped", cause: str = SuspectedCause.UNKNOWN) -> Reading:
    return Reading(
        breached=True,
        message=lambda: text,
        value=0.5,
        threshold=0.65,
        symptom=Symptom.QUALITY,
        cause=cause,
        details={"n": 20},
        turn_ids=[turn.pk for turn in turns],
    )


def normal(text: str = "answers as usual") -> Reading:
    return Reading(breached=False, message=lambda: text, value=0.8, threshold=0.65, details={"n": 20})


def kinds(incident: Incident) -> list[str]:
    return list(incident.events.values_list("kind", flat=True))


def opened_message(count: int) -> str:
    return ja("%(count)d readings in a row breached the limit.", count=count)


# ---------------------------------------------------------------------------------------------- opening


@pytest.mark.django_db
@pytest.mark.parametrize("sustained", [2, 3])
def test_an_incident_opens_after_the_sustained_breaches_in_a_row_and_not_before(
    settings: SettingsWrapper, sustained: int
) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = sustained
    # Breaches broken by a normal reading never add up.
    for _ in range(sustained - 1):
        assert record(Monitor.ANSWER_RATE, breach()).incident is None
    assert record(Monitor.ANSWER_RATE, normal()).incident is None
    streak = [record(Monitor.ANSWER_RATE, breach()) for _ in range(sustained - 1)]
    assert Incident.objects.count() == 0
    assert all(check.incident is None for check in streak)

    last = record(Monitor.ANSWER_RATE, breach())

    incident = Incident.objects.get()
    assert last.incident == incident
    assert incident.monitor == Monitor.ANSWER_RATE
    assert incident.status == IncidentStatus.OPEN
    assert incident.title == f"{ja('answer rate drop')}: answers dropped"
    assert incident.symptom == Symptom.QUALITY
    assert incident.suspected_cause == SuspectedCause.UNKNOWN
    assert incident.last_breach_at is not None
    assert incident.recovered_at is None
    assert incident.closed_at is None
    assert incident.details == {"n": 20, "message": "answers dropped"}
    # The readings that opened it are its own; the earlier ones are not.
    assert sorted(incident.checks.values_list("pk", flat=True)) == sorted(c.pk for c in [*streak, last])
    assert MonitorCheck.objects.filter(incident__isnull=True).count() == sustained
    assert [(e.kind, e.message, e.user) for e in incident.events.all()] == [
        (Kind.OPENED, opened_message(sustained), None)
    ]
    # The reading itself: the Japanese message, the figures and the English message.
    assert (last.monitor, last.breached, last.value, last.threshold) == (Monitor.ANSWER_RATE, True, 0.5, 0.65)
    assert last.message == "answers dropped"
    assert last.details == {"n": 20, "en": "answers dropped"}


@pytest.mark.django_db
def test_readings_are_kept_in_japanese_with_the_english_in_the_details() -> None:
    check = record(
        Monitor.INDEX_STALE,
        Reading(breached=False, message=lambda: gettext("The search index matches the published FAQs.")),
    )

    assert check.message == ja("The search index matches the published FAQs.")
    assert check.details == {"en": "The search index matches the published FAQs."}
    assert check.incident is None


# ---------------------------------------------------------------------------------------------- e-mail


@pytest.mark.django_db
def test_the_administrators_are_emailed_once_the_incident_is_committed(
    settings: SettingsWrapper,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[mail.EmailMessage],
) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 2
    settings.INCIDENT_EMAILS = ["duty@town.example.jp"]
    settings.ADMINS = [("情報政策係", "it@town.example.jp")]
    settings.SITE_URL = "https://faq.town.example.jp/"
    User.objects.create_superuser("root", "root@town.example.jp", "pw-root-123456")
    User.objects.create_superuser("retired-root", "retired@town.example.jp", "pw-root-123456", is_active=False)
    User.objects.create_superuser("root-without-mail", "", "pw-root-123456")
    faq_admin = User.objects.create_user("faq-admin", "faq-admin@town.example.jp", is_staff=True)
    faq_admin.groups.add(faq_admin_group_ensure())  # change_incident through the group
    on_call = User.objects.create_user("on-call", "on-call@town.example.jp", is_staff=True)
    on_call.user_permissions.add(Permission.objects.get(codename="change_incident"))
    reader = User.objects.create_user("reader", "reader@town.example.jp", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_incident"))
    editor = User.objects.create_user("editor", "editor@town.example.jp", is_staff=True)
    editor.groups.add(department_editor_group_ensure())
    get_broker().purge_queue()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(Monitor.LATENCY, breach(text="p95 5050 ms"))
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        check = record(Monitor.LATENCY, breach(text="p95 5050 ms", cause=SuspectedCause.LLM))

    incident = Incident.objects.get()
    assert check.incident == incident
    assert len(callbacks) == 1
    assert mailoutbox == []  # nothing is sent until a worker runs the task
    (task,) = queued_tasks()
    assert task["func"] == "chatbot.quality.incidents.incident_notify"
    assert task["args"] == (incident.pk,)
    assert task["name"] == f"incident-{incident.pk}"

    assert run_task(task) == 5

    (message,) = mailoutbox
    recipients = [
        "duty@town.example.jp",
        "faq-admin@town.example.jp",
        "it@town.example.jp",
        "on-call@town.example.jp",
        "root@town.example.jp",
    ]
    assert message.to == recipients
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    subject = f"【障害】#{incident.pk} {incident.title} / Incident #{incident.pk}"
    assert message.subject == subject
    assert subject.index("障害") < subject.index("Incident")
    link = "https://faq.town.example.jp" + reverse("admin:chatbot_incident_change", args=[incident.pk])
    # Japanese first, then English.
    assert message.body == (
        f"障害 #{incident.pk} が発生しました。\n"
        f"{incident.title}\n"
        f"症状: {ja('quality degradation')}\n"
        f"推定原因: {ja('LLM provider')}\n"
        f"発生: {timezone.localtime(incident.opened_at):%Y-%m-%d %H:%M}\n"
        f"{link}\n"
        "\n"
        f"Incident #{incident.pk} opened (latency p95).\n"
        "p95 5050 ms\n"
        "Symptom: quality degradation\n"
        "Suspected cause: LLM provider\n"
        f"{link}\n"
    )
    assert [(e.kind, e.message) for e in incident.events.all()] == [
        (Kind.OPENED, opened_message(2)),
        (Kind.NOTIFIED, ", ".join(recipients)),
    ]
    # Later breaches of the open incident send nothing more.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(Monitor.LATENCY, breach())
    assert callbacks == []


@pytest.mark.django_db
def test_nothing_is_queued_when_the_transaction_is_rolled_back(
    settings: SettingsWrapper, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 1
    get_broker().purge_queue()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                record(Monitor.CANARY, breach())
                raise RuntimeError("the reading's transaction fails")
        except RuntimeError:
            pass

    assert callbacks == []
    assert Incident.objects.count() == 0
    assert queued_tasks() == []


@pytest.mark.django_db
def test_without_any_address_nobody_is_emailed(
    settings: SettingsWrapper, mailoutbox: list[mail.EmailMessage], caplog: pytest.LogCaptureFixture
) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 1
    settings.INCIDENT_EMAILS = []
    settings.ADMINS = []
    User.objects.create_superuser("root-without-mail", "", "pw-root-123456")
    incident = record(Monitor.CANARY, breach()).incident
    assert incident is not None

    with caplog.at_level(logging.WARNING, logger="chatbot.quality.incidents"):
        assert incident_notify(incident.pk) == 0

    assert mailoutbox == []
    assert kinds(incident) == [Kind.OPENED]
    assert f"incident {incident.pk}: nobody to e-mail" in caplog.text
    assert incident_notify(incident.pk + 1000) == 0  # gone: nothing to do


# ---------------------------------------------------------------------------------------------- timeline


@pytest.mark.django_db
def test_the_open_incident_collects_turns_recovers_and_breaches_again(
    town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 2
    first, second, third = ask(town, handed_off=3)
    record(Monitor.HANDOFF_RATE, breach(first))
    opening = record(Monitor.HANDOFF_RATE, breach(second))
    incident = opening.incident
    assert incident is not None
    # Only the turns of the reading that opened it (the first reading opened nothing).
    assert list(incident.turns.all()) == [second]
    opened_breach = incident.last_breach_at
    assert opened_breach is not None

    again = record(Monitor.HANDOFF_RATE, breach(second, third, text="still too many handoffs"))

    incident.refresh_from_db()
    assert again.incident == incident
    assert sorted(incident.turns.values_list("pk", flat=True)) == sorted([second.pk, third.pk])
    assert incident.last_breach_at is not None
    assert incident.last_breach_at > opened_breach
    assert incident.details == {"n": 20, "message": "still too many handoffs"}
    assert kinds(incident) == [Kind.OPENED]

    recovered = record(Monitor.HANDOFF_RATE, normal("handoffs as usual"))

    incident.refresh_from_db()
    assert recovered.incident == incident
    assert incident.recovered_at is not None
    assert incident.status == IncidentStatus.OPEN  # staff close it, not the monitor
    assert [(e.kind, e.message) for e in incident.events.all()] == [
        (Kind.OPENED, opened_message(2)),
        (Kind.RECOVERED, "handoffs as usual"),
    ]
    record(Monitor.HANDOFF_RATE, normal())
    assert kinds(incident) == [Kind.OPENED, Kind.RECOVERED]  # recovered once

    relapse = record(Monitor.HANDOFF_RATE, breach(text="handoffs up again"))

    incident.refresh_from_db()
    assert relapse.incident == incident
    assert incident.recovered_at is None
    assert [(e.kind, e.message) for e in incident.events.all()][-1] == (Kind.BREACHED, "handoffs up again")
    assert kinds(incident) == [Kind.OPENED, Kind.RECOVERED, Kind.BREACHED]
    # One open incident per monitor, however long the breach goes on; it holds all its readings.
    record(Monitor.HANDOFF_RATE, breach())
    assert Incident.objects.filter(monitor=Monitor.HANDOFF_RATE).count() == 1
    assert incident.checks.count() == 7
    assert kinds(incident) == [Kind.OPENED, Kind.RECOVERED, Kind.BREACHED]


@pytest.mark.django_db
def test_each_monitor_has_its_own_streak_and_incident(settings: SettingsWrapper) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 2
    record(Monitor.LATENCY, breach())
    record(Monitor.LLM_ERRORS, breach())
    assert Incident.objects.count() == 0

    record(Monitor.LATENCY, breach())
    record(Monitor.LLM_ERRORS, normal())

    assert list(Incident.objects.values_list("monitor", flat=True)) == [Monitor.LATENCY]
    assert MonitorCheck.objects.filter(monitor=Monitor.LLM_ERRORS, incident__isnull=False).count() == 0


@pytest.mark.django_db
def test_the_database_holds_one_open_incident_per_monitor(settings: SettingsWrapper) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 1
    record(Monitor.CANARY, breach())

    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(
            monitor=Monitor.CANARY, title="二つ目", symptom=Symptom.QUALITY, suspected_cause=SuspectedCause.UNKNOWN
        )


@pytest.mark.django_db
def test_after_closing_a_new_sustained_breach_opens_a_new_incident(settings: SettingsWrapper) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 2
    user = User.objects.create_superuser("closer", "closer@town.example.jp", "pw-closer-123456")
    record(Monitor.NOT_HELPFUL, breach())
    first = record(Monitor.NOT_HELPFUL, breach()).incident
    assert first is not None
    record(Monitor.NOT_HELPFUL, normal())
    incident_update(
        first,
        symptom=first.symptom,
        suspected_cause=SuspectedCause.CONTENT,
        resolution_note="改定したFAQを差し戻して解消",
        close=True,
        user=user,
    )
    first_checks = sorted(first.checks.values_list("pk", flat=True))
    assert len(first_checks) == 3

    assert record(Monitor.NOT_HELPFUL, breach()).incident is None  # one breach after the normal reading
    second = record(Monitor.NOT_HELPFUL, breach()).incident

    assert second is not None
    assert second != first
    first.refresh_from_db()
    assert first.status == IncidentStatus.CLOSED
    assert second.status == IncidentStatus.OPEN
    assert sorted(first.checks.values_list("pk", flat=True)) == first_checks
    assert second.checks.count() == 2
    assert kinds(second) == [Kind.OPENED]


@pytest.mark.django_db
def test_closing_while_the_breach_goes_on_opens_a_new_incident_and_keeps_the_closed_ones_readings(
    settings: SettingsWrapper,
) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 2
    record(Monitor.LATENCY, breach())
    first = record(Monitor.LATENCY, breach()).incident
    assert first is not None
    first_checks = sorted(first.checks.values_list("pk", flat=True))
    incident_update(
        first,
        symptom=first.symptom,
        suspected_cause=first.suspected_cause,
        resolution_note="様子見",
        close=True,
        user=None,
    )

    # The last readings in a row are still breaches: a new incident at once.
    going_on = record(Monitor.LATENCY, breach())

    second = going_on.incident
    assert second is not None
    assert second != first
    # The closed incident's record is left as it was closed.
    assert sorted(first.checks.values_list("pk", flat=True)) == first_checks
    assert list(second.checks.values_list("pk", flat=True)) == [going_on.pk]


# ---------------------------------------------------------------------------------------------- triage and closing


@pytest.mark.django_db
def test_triage_and_closing_record_who_did_what(settings: SettingsWrapper) -> None:
    settings.MONITOR_SUSTAINED_CHECKS = 1
    user = User.objects.create_superuser("triage", "triage@town.example.jp", "pw-triage-123456")
    incident = record(Monitor.CANARY, breach()).incident
    assert incident is not None

    incident_update(
        incident,
        symptom=Symptom.UNAVAILABLE,
        suspected_cause=SuspectedCause.INFRASTRUCTURE,
        resolution_note="",
        close=False,
        user=user,
    )

    incident.refresh_from_db()
    assert (incident.symptom, incident.suspected_cause) == (Symptom.UNAVAILABLE, SuspectedCause.INFRASTRUCTURE)
    triaged = incident.events.get(kind=Kind.TRIAGED)
    before = f"{ja('quality degradation')} / {ja('not yet known')}"
    after = f"{ja('unavailability')} / {ja('infrastructure')}"
    assert triaged.message == f"{before} → {after}"
    assert triaged.user == user

    # A note alone is no event; the same labels again are none either.
    incident_update(
        incident,
        symptom=Symptom.UNAVAILABLE,
        suspected_cause=SuspectedCause.INFRASTRUCTURE,
        resolution_note="調査中",
        close=False,
        user=user,
    )
    assert kinds(incident) == [Kind.OPENED, Kind.TRIAGED]
    with pytest.raises(ValueError, match="resolution note"):
        incident_update(
            incident,
            symptom=incident.symptom,
            suspected_cause=incident.suspected_cause,
            resolution_note="  ",
            close=True,
            user=user,
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    assert incident.resolution_note == "調査中"

    incident_update(
        incident,
        symptom=incident.symptom,
        suspected_cause=incident.suspected_cause,
        resolution_note="サーバーを再起動して復旧",
        close=True,
        user=user,
    )

    assert incident.status == IncidentStatus.CLOSED  # the object passed in is brought up to date
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert incident.closed_by == user
    assert incident.closed_at is not None
    assert incident.resolution_note == "サーバーを再起動して復旧"
    closed = incident.events.get(kind=Kind.CLOSED)
    assert (closed.message, closed.user) == ("サーバーを再起動して復旧", user)
    assert kinds(incident) == [Kind.OPENED, Kind.TRIAGED, Kind.CLOSED]


# ---------------------------------------------------------------------------------------------- run_monitors


@pytest.mark.django_db
def test_a_monitor_that_fails_is_logged_and_the_others_still_record(
    town: dict[str, Faq], settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.MONITOR_INDEX_GRACE_MINUTES = None  # a broken setting: the index monitor cannot take a reading

    with caplog.at_level(logging.ERROR, logger="chatbot.quality.monitors"):
        checks = run_monitors()

    assert [check.monitor for check in checks] == [
        Monitor.ANSWER_RATE,
        Monitor.HANDOFF_RATE,
        Monitor.NOT_HELPFUL,
        Monitor.LATENCY,
        Monitor.LLM_ERRORS,
    ]
    assert MonitorCheck.objects.count() == 5
    assert not MonitorCheck.objects.filter(monitor=Monitor.INDEX_STALE).exists()
    (failure,) = caplog.records
    assert failure.getMessage() == "monitor index_stale failed to take a reading"
    assert failure.exc_info is not None
    assert failure.exc_info[0] is TypeError


@pytest.mark.django_db
def test_run_monitors_takes_only_the_monitors_named(town: dict[str, Faq]) -> None:
    checks = run_monitors([Monitor.LATENCY, Monitor.INDEX_STALE])

    assert [check.monitor for check in checks] == [Monitor.LATENCY, Monitor.INDEX_STALE]
    assert MonitorCheck.objects.count() == 2


# ---------------------------------------------------------------------------------------------- command and tasks

QUIET = [
    "answer_rate   ok     Too few turns to judge: 0 in the window, 0 before it.",
    "handoff_rate  ok     Too few turns to judge: 0 in the window, 0 before it.",
    "not_helpful   ok     Too little feedback to judge: 0 in the window, 0 before it.",
    "latency       ok     Too few turns to judge: 0 in the last 15 minutes.",
    "llm_errors    ok     Too few LLM replies to judge: 0 in the last 15 minutes.",
    "index_stale   ok     The search index matches the published FAQs.",
]


def run_command(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("run_monitors", *args, stdout=out, no_color=True)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_the_command_prints_each_reading_and_the_open_incidents(
    town: dict[str, Faq], settings: SettingsWrapper
) -> None:
    assert run_command() == [*QUIET, "open incidents: 0"]

    # Without a search index, every published FAQ past the grace period is missing from it.
    Faq.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    first = run_command()
    assert first[-2:] == [
        "index_stale   BREACH 10 FAQs differ between the search index and the published FAQs (run rebuild_index).",
        "open incidents: 0",
    ]
    second = run_command()

    incident = Incident.objects.get()
    assert incident.monitor == Monitor.INDEX_STALE
    assert incident.suspected_cause == SuspectedCause.INDEX
    assert second == [
        *QUIET[:5],
        "index_stale   BREACH 10 FAQs differ between the search index and the published FAQs (run rebuild_index)."
        f"  incident #{incident.pk}",
        "open incidents: 1",
    ]


@pytest.mark.django_db
def test_the_command_runs_only_the_canary_when_asked(town: dict[str, Faq]) -> None:
    assert run_command("--only", "canary") == ["canary: the golden set has no cases in use", "open incidents: 0"]
    assert MonitorCheck.objects.count() == 0

    golden_set(town)

    assert run_command("--only", "canary") == [
        "canary        ok     All 5 canary questions were handled right.",
        "open incidents: 0",
    ]
    assert list(MonitorCheck.objects.values_list("monitor", flat=True)) == [Monitor.CANARY]

    # --canary: every monitor, then the canary.
    assert run_command("--canary") == [
        *QUIET,
        "canary        ok     All 5 canary questions were handled right.",
        "open incidents: 0",
    ]
    assert run_command("--only", "latency") == [QUIET[3], "open incidents: 0"]


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_monitor() -> None:
    with pytest.raises(CommandError) as refused:
        run_command("--only", "bogus")

    assert str(refused.value) == (
        "unknown monitor bogus; choose from canary, answer_rate, handoff_rate, not_helpful, latency, llm_errors, "
        "index_stale"
    )
    assert MonitorCheck.objects.count() == 0


@pytest.mark.django_db
def test_the_tasks_report_what_they_read(town: dict[str, Faq]) -> None:
    assert tasks.run_monitors() == (
        "answer_rate: ok, handoff_rate: ok, not_helpful: ok, latency: ok, llm_errors: ok, index_stale: ok"
    )
    assert tasks.run_canary() == "the golden set has no cases in use"
    golden_set(town)
    assert tasks.run_canary() == "canary: ok"


@pytest.mark.django_db
def test_the_monitors_and_the_canary_are_scheduled_every_5_and_15_minutes() -> None:
    monitors = Schedule.objects.get(name="chatbot: monitors")
    canary = Schedule.objects.get(name="chatbot: canary questions")

    assert (monitors.func, monitors.schedule_type, monitors.minutes, monitors.repeats) == (
        "chatbot.tasks.run_monitors",
        Schedule.MINUTES,
        5,
        -1,
    )
    assert (canary.func, canary.schedule_type, canary.minutes, canary.repeats) == (
        "chatbot.tasks.run_canary",
        Schedule.MINUTES,
        15,
        -1,
    )


# ---------------------------------------------------------------------------------------------- import_cases --if-empty


@pytest.mark.django_db
def test_import_cases_if_empty_starts_the_golden_set_only_once(town: dict[str, Faq], tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(
        '{"id": "q1", "query": "粗大ごみを出したい", "relevant_ids": ["R-001"], "lang": "ja"}\n'
        '{"id": "q2", "query": "宇宙船の免許", "relevant_ids": [], "answerable": false, "lang": "ja"}\n',
        encoding="utf-8",
    )
    more = tmp_path / "more.jsonl"
    more.write_text('{"id": "q3", "query": "住民票がほしい", "relevant_ids": ["R-003"]}\n', encoding="utf-8")
    out = io.StringIO()

    call_command("import_cases", "--if-empty", str(first), stdout=out)

    assert out.getvalue() == "golden set: 2 cases added, 0 updated\n"
    assert sorted(GoldenCase.objects.values_list("case_id", flat=True)) == ["q1", "q2"]

    out = io.StringIO()
    call_command("import_cases", "--if-empty", str(more), stdout=out)

    assert out.getvalue() == "the golden set has cases; nothing to do\n"
    assert sorted(GoldenCase.objects.values_list("case_id", flat=True)) == ["q1", "q2"]

    # Without --if-empty the cases are added as before.
    out = io.StringIO()
    call_command("import_cases", str(more), stdout=out)
    assert out.getvalue() == "golden set: 1 cases added, 0 updated\n"
    assert GoldenCase.objects.count() == 3
