"""calibrate_gate and evaluate on labelled cases against the real town and its real index."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from chatbot.models import Channel, GateConfig, Outcome, Turn
from chatbot.pipeline import turn_ask
from faq.models import Faq

# (query, relevant external ids; none: out of scope)
CASES: list[tuple[str, list[str]]] = [
    ("粗大ごみの収集を申し込みたい", ["R-001"]),
    ("大きな家具を捨てたい", ["R-001"]),
    ("ごみの収集日を知りたい", ["R-002"]),
    ("住民票の写しが欲しい", ["R-003"]),
    ("住民票を取りたい", ["R-003"]),
    ("国保に入りたい", ["R-004"]),
    ("水道を使い始めたい", ["R-005"]),
    ("引っ越してきたので転入届を出したい", ["R-006"]),
    ("児童手当の申請をしたい", ["R-007"]),
    ("犬を飼い始めた", ["R-008"]),
    ("印鑑登録をしたい", ["R-009"]),
    ("保育所に入りたい", ["R-010"]),
    ("明日の天気は？", []),
    ("what's the bitcoin price", []),
    ("ラーメンのおすすめは？", []),
    ("図書館の開館時間は？", []),
    ("町長の名前を教えて", []),
    ("駅までのバスの時刻表", []),
]

METRIC_KEYS = {
    "n",
    "sr1",
    "sr5",
    "mrr",
    "answered",
    "answered_correct",
    "wrong_answer_rate",
    "clarify",
    "clarify_hit",
    "handoff",
    "resolved",
    "oos_declined",
    "oos_handoff",
    "clarify_share",
    "p50_ms",
    "p95_ms",
}


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    lines = [
        json.dumps(
            {"id": f"c{i:02d}", "query": query, "relevant_ids": relevant, "answerable": bool(relevant), "lang": "ja"},
            ensure_ascii=False,
        )
        for i, (query, relevant) in enumerate(CASES)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def notices(response: Any) -> list[tuple[str, str]]:
    """The admin's messages to the staff member (in Japanese, the staff locale)."""
    return [(message.level_tag, str(message.message)) for message in response.context["messages"]]


def evaluate_json(cases: Path, *extra: str) -> dict[str, Any]:
    output = run("evaluate", "--cases", str(cases), "--json", "-v", "0", *extra)
    return json.loads(output.strip().splitlines()[-1])


# calibrate_gate ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_calibrate_gate_stores_an_active_version_that_turns_use_until_the_old_one_is_restored(
    indexed_town: dict[str, Faq], builtin_gate: GateConfig, cases_file: Path, superuser_client: Client
) -> None:
    dry = run("calibrate_gate", "--cases", str(cases_file), "--dry-run", "-v", "0")

    assert "answer_threshold  answered  wrong_answer_rate" in dry
    assert "chosen: " in dry
    assert "is now active" not in dry
    assert list(GateConfig.objects.values_list("pk", "is_active")) == [(builtin_gate.pk, True)]

    output = run("calibrate_gate", "--cases", str(cases_file), "--caution", "careful", "--oos-share", "0.3", "-v", "0")

    assert "weighted to an out-of-scope share of 0.30; caution careful: a wrong answer costs 20 phone calls" in output
    table = [line for line in output.splitlines() if line.strip()[:1].isdigit()]
    assert len(table) >= 2
    assert sum(line.endswith(" <") for line in table) == 1  # the chosen row is marked
    calibrated = GateConfig.objects.get(is_active=True)
    assert calibrated.pk != builtin_gate.pk
    assert f"gate version {calibrated.pk} is now active" in output
    assert calibrated.kind == "logistic"
    assert calibrated.calibration["n"] == len(CASES)
    assert calibrated.calibration["oos_share"] == 0.3
    assert calibrated.parameters["caution"] == "careful"
    assert set(calibrated.parameters["levels"]) == {"careful", "standard", "bold"}
    assert calibrated.calibration["chosen"]["resolved"] > 0.5  # the clear questions are still resolved
    assert set(calibrated.parameters["thresholds"]) == {"answer", "clarify", "department"}
    builtin_gate.refresh_from_db()
    assert not builtin_gate.is_active
    assert GateConfig.objects.filter(is_active=True).count() == 1

    # Asked again through the pipeline, the cases resolve as many as the calibration estimated, or more (exact
    # matches are answered whatever the thresholds).
    metrics = evaluate_json(cases_file, "--no-log")
    assert metrics["resolved"] >= calibrated.calibration["chosen"]["resolved"] - 1 / len(CASES)
    assert metrics["oos_answered"] == 0.0

    turn_ask(question="住民票の写しが欲しい", idempotency_key="after-calibration")
    assert Turn.objects.get(idempotency_key="after-calibration").gate == calibrated

    # Staff go back to the built-in version from the admin.
    response = superuser_client.post(
        reverse("admin:chatbot_gateconfig_changelist"),
        {"action": "activate", "_selected_action": [builtin_gate.pk], "index": 0},
        follow=True,
    )

    assert response.status_code == 200
    assert notices(response) == [
        # No golden set in this test: the regression gate has nothing to check, and says so.
        ("warning", "ゴールデンセットに使用中の質問がないため、変更前の評価をせずに切り替えました。"),
        ("success", f"ゲート設定 v{builtin_gate.pk} を有効にしました。"),
    ]
    builtin_gate.refresh_from_db()
    calibrated.refresh_from_db()
    assert builtin_gate.is_active
    assert not calibrated.is_active
    turn_ask(question="住民票の写しが欲しい", idempotency_key="after-revert")
    assert Turn.objects.get(idempotency_key="after-revert").gate == builtin_gate
    # The earlier turn still names the version it used.
    assert Turn.objects.get(idempotency_key="after-calibration").gate == calibrated


@pytest.mark.django_db
def test_admin_activate_needs_exactly_one_version(builtin_gate: GateConfig, superuser_client: Client) -> None:
    other = GateConfig.objects.create(kind="thresholds", parameters={"answer_score": 0.9})

    response = superuser_client.post(
        reverse("admin:chatbot_gateconfig_changelist"),
        {"action": "activate", "_selected_action": [builtin_gate.pk, other.pk], "index": 0},
        follow=True,
    )

    assert notices(response) == [("error", "版を1つだけ選んでください。")]
    assert GateConfig.objects.get(is_active=True) == builtin_gate


@pytest.mark.django_db
def test_calibrate_gate_bad_case_file_is_a_command_error(tmp_path: Path, builtin_gate: GateConfig) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"query": "住民票"}\n{"id": "x"}\n', encoding="utf-8")

    with pytest.raises(CommandError, match="line 2"):
        run("calibrate_gate", "--cases", str(path))
    with pytest.raises(CommandError, match="--oos-share must be between 0 and 1"):
        run("calibrate_gate", "--cases", str(path), "--oos-share", "1.5")
    with pytest.raises(CommandError, match="invalid choice"):
        run("calibrate_gate", "--cases", str(path), "--caution", "reckless")
    assert GateConfig.objects.count() == 1


# evaluate ----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_evaluate_json_prints_every_measure_and_logs_only_without_no_log(
    indexed_town: dict[str, Faq], cases_file: Path
) -> None:
    output = run("evaluate", "--cases", str(cases_file), "--json", "--no-log", "-v", "0")
    metrics = json.loads(output.strip().splitlines()[-1])

    assert set(metrics) >= METRIC_KEYS
    assert metrics["n"] == len(CASES)
    assert not Turn.objects.exists()
    # The small town's clear questions mostly find their FAQ first; nothing out of scope is answered.
    assert metrics["sr1"] >= 0.75
    assert metrics["sr5"] == 1.0
    assert metrics["sr1"] <= metrics["mrr"] <= metrics["sr5"]
    assert metrics["oos_declined"] == 1.0
    assert metrics["oos_handoff"] == 1.0
    assert metrics["answered"] + metrics["clarify"] + metrics["handoff"] == pytest.approx(1.0, abs=1e-3)
    assert metrics["clarify_share"] == metrics["clarify"]
    assert 0 < metrics["p50_ms"] <= metrics["p95_ms"]
    assert metrics["answered_correct"] > 0.3

    logged = evaluate_json(cases_file)

    assert Turn.objects.count() == len(CASES)
    assert set(Turn.objects.values_list("channel", flat=True)) == {Channel.EVAL}
    assert Turn.objects.filter(outcome=Outcome.ANSWER).count() == round(logged["answered"] * len(CASES))
    for key in METRIC_KEYS - {"p50_ms", "p95_ms"}:
        assert logged[key] == metrics[key], key


@pytest.mark.django_db
def test_evaluate_plain_output_lists_the_measures(town: dict[str, Faq], cases_file: Path) -> None:
    output = run("evaluate", "--cases", str(cases_file), "--no-log", "-v", "0")

    names = [line.split()[0] for line in output.splitlines() if line.strip()]
    assert set(names) >= METRIC_KEYS
    assert not Turn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"query": "住民票"}\n{"query": "犬"}\n{"query": \n', "line 3"),
        ('{"query": "住民票"}\n\n{"relevant_ids": ["R-001"]}\n', "line 3"),
        ('["query"]\n', "line 1"),
    ],
)
def test_evaluate_bad_case_line_is_a_command_error_naming_it(
    tmp_path: Path, builtin_gate: GateConfig, content: str, line: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=f"^{line}: "):
        run("evaluate", "--cases", str(path), "--json")
    assert not Turn.objects.exists()


@pytest.mark.django_db
def test_evaluate_missing_or_empty_case_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run("evaluate", "--cases", str(tmp_path / "missing.jsonl"))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no cases"):
        run("evaluate", "--cases", str(empty))
