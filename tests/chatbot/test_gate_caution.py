"""The shipped gate, its recalibration on a town's own cases, and the caution staff choose in admin."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from chatbot.gate.shipped import SHIPPED, shipped
from chatbot.models import GateConfig, RegressionCheck, Turn
from chatbot.pipeline import turn_ask
from chatbot.quality.golden import case_from_turn
from faq.models import Faq

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_figures() -> None:
    cache.clear()  # the caution page keeps its figures in the cache


OUT_OF_SCOPE = ["宇宙船の操縦免許はどこで取れますか", "おすすめのラーメン屋を教えて", "明日の天気は？"]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_shipped_gate_is_installed_once_and_used_by_every_turn(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    output = run("calibrate_gate", "--shipped")

    gate = GateConfig.objects.get(is_active=True)
    assert f"gate version {gate.pk} (standard) is now active" in output
    assert gate.kind == "logistic"
    assert gate.parameters["answer"] == json.loads(SHIPPED.read_text())["parameters"]["answer"]
    assert gate.parameters["caution"] == "standard"
    assert gate.calibration["shipped"] is True
    # make run's set-up step, run again: staff's choice (or a recalibration) is never replaced.
    assert "nothing to do" in run("calibrate_gate", "--if-uncalibrated", "--shipped")
    assert GateConfig.objects.get(is_active=True) == gate
    response = turn_ask(question=indexed_town["R-001"].question, idempotency_key="with-shipped")
    assert Turn.objects.get(idempotency_key="with-shipped").gate == gate
    assert response["outcome"] == "answer"  # an approved wording, word for word


def test_recalibration_keeps_the_models_and_refits_only_slope_offset_and_thresholds(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig, tmp_path: Path
) -> None:
    run("calibrate_gate", "--shipped")
    lines = [
        {"id": f"a{i}", "query": faq.question, "relevant_ids": [key], "answerable": True}
        for i, (key, faq) in enumerate(indexed_town.items())
    ]
    lines += [
        {"id": f"o{i}", "query": query, "relevant_ids": [], "answerable": False}
        for i, query in enumerate(
            ["宇宙船の操縦免許はどこで取れますか", "おすすめのラーメン屋を教えて", "明日の天気は？"]
        )
    ]
    cases = tmp_path / "town.jsonl"
    cases.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")

    output = run("calibrate_gate", "--recalibrate", "--cases", str(cases), "--caution", "bold")

    assert "models kept" in output
    gate = GateConfig.objects.get(is_active=True)
    assert gate.calibration["recalibrated"] is True
    assert gate.parameters["answer"] == shipped()["answer"]
    assert gate.parameters["choice"] == shipped()["choice"]
    assert set(gate.parameters["recalibration"]) == {"answer", "choice"}
    assert gate.parameters["caution"] == "bold"
    assert set(gate.parameters["levels"]) == {"careful", "standard", "bold"}


def _golden_set(town: dict[str, Faq]) -> None:
    for key in ("R-001", "R-003"):
        case_from_turn(Turn.objects.get(pk=turn_ask(question=town[key].question)["turn_id"]), answerable=True)
    for question in ("宇宙船の操縦免許はどこで取れますか", "おすすめのラーメン屋を教えて"):
        case_from_turn(Turn.objects.get(pk=turn_ask(question=question)["turn_id"]), answerable=False)


def test_staff_see_each_caution_level_with_its_golden_set_figures_then_switch_after_the_check(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig, superuser_client: Client
) -> None:
    run("calibrate_gate", "--shipped")
    live = GateConfig.objects.get(is_active=True)
    _golden_set(indexed_town)
    url = reverse("admin:chatbot_gateconfig_caution")

    changelist = superuser_client.get(reverse("admin:chatbot_gateconfig_changelist"))
    assert url in changelist.content.decode()
    page = superuser_client.get(url)

    html = page.content.decode()
    assert page.status_code == 200
    for name in ("慎重", "標準", "積極的"):
        assert name in html
    assert "ゴールデンセット（4問）" in html
    assert "（使用中）" in html
    assert html.count('name="caution"') == 2  # the level in use has no button
    assert "誤回答" in html

    response = superuser_client.post(url, {"caution": "careful"}, follow=True)

    chosen = GateConfig.objects.get(is_active=True)
    assert chosen.pk != live.pk
    assert chosen.parameters["caution"] == "careful"
    assert chosen.parameters["answer"] == live.parameters["answer"]
    assert chosen.note.startswith("慎重さ：慎重")
    check = RegressionCheck.objects.latest("pk")
    assert check.action == RegressionCheck.Action.GATE
    messages = [str(m) for m in response.context["messages"]]
    assert any(f"v{chosen.pk}" in m or str(chosen.pk) in m for m in messages)


def test_caution_without_permission_to_change_cannot_switch(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig, client: Client
) -> None:
    from django.contrib.auth.models import Permission, User

    run("calibrate_gate", "--shipped")
    viewer = User.objects.create_user("viewer", password="pw-viewer-123456", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_gateconfig"))
    client.force_login(viewer)
    live = GateConfig.objects.get(is_active=True)

    page = client.get(reverse("admin:chatbot_gateconfig_caution"))
    refused = client.post(reverse("admin:chatbot_gateconfig_caution"), {"caution": "bold"})

    assert page.status_code == 200
    assert 'name="caution"' not in page.content.decode()
    assert refused.status_code == 403
    assert GateConfig.objects.get(is_active=True) == live


def stale_gate() -> GateConfig:
    """A gate fitted before an upgrade renamed the features: its models read names no longer computed."""
    parameters = shipped()
    parameters["features"] = [f"old_{name}" for name in parameters["features"]]
    parameters.pop("levels")
    return GateConfig.objects.create(kind="logistic", parameters=parameters, note="calibrate_gate on 148 cases")


def test_a_gate_from_before_an_upgrade_is_not_used_with_zeros_and_set_up_replaces_it(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig
) -> None:
    questions = ["住民票の写しが欲しい", "ごみの出し方", "宇宙船の操縦免許はどこで取れますか"]
    run("calibrate_gate", "--shipped")
    current = [turn_ask(question=q, log=False)["outcome"] for q in questions]
    old = stale_gate()
    GateConfig.objects.filter(is_active=True).update(is_active=False)
    GateConfig.objects.filter(pk=old.pk).update(is_active=True)

    # Until set-up runs, the shipped gate decides in its place (read with zeros, it would hand everything off).
    assert [turn_ask(question=q, log=False)["outcome"] for q in questions] == current

    output = run("calibrate_gate", "--if-uncalibrated", "--shipped")

    assert f"the active gate version {old.pk} was fitted on features this version no longer computes" in output
    live = GateConfig.objects.get(is_active=True)
    assert live.pk > old.pk
    assert live.parameters["features"] == shipped()["features"]
    assert GateConfig.objects.filter(pk=old.pk).exists()  # kept in the history
    assert "nothing to do" in run("calibrate_gate", "--if-uncalibrated", "--shipped")
