"""`bench_load` runs gunicorn and wrk for real, on a copy of this installation and on the sample town installed
on real PostgreSQL, chromadb server and Redis, and counts turn rows."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from changeflow.models import ChangeRequest
from chatbot.models import Turn
from faq.models import Faq
from faq.retrieval.index import index_rebuild

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "faq" / "sample_data"


def _check_phase(phase: dict[str, Any]) -> None:
    assert phase["requests"] > 0
    assert phase["errors"] == 0
    # Every answer the load generator received has its turn row; rows beyond that belong to requests
    # cut off when it stopped, at most one per connection, and none is left pending.
    assert phase["answers_with_their_turn_row"] == phase["requests"]
    assert phase["answers_without_turn_row"] == 0
    assert 0 <= phase["rows_of_requests_cut_off_at_stop"] <= phase["connections"]
    assert phase["turn_rows"] == phase["requests"] + phase["rows_of_requests_cut_off_at_stop"]
    assert phase["rows_left_pending"] == 0
    assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"] <= phase["max_ms"]
    assert phase["rps"] > 0
    assert 0 < phase["server_rss_mb_before"] <= phase["server_rss_mb_peak"]
    assert 0 < phase["server_rss_mb_after"] <= phase["server_rss_mb_peak"]
    growth = (phase["server_rss_mb_after"] - phase["server_rss_mb_before"]) / phase["server_rss_mb_before"] * 100
    assert phase["server_rss_growth_pct"] == pytest.approx(growth, abs=0.06)


@pytest.mark.django_db(transaction=True)
def test_bench_load_runs_the_embedded_copy_and_the_services_stack_side_by_side(
    town: dict[str, Faq], isolated_index: Path
) -> None:
    index_rebuild()
    out = StringIO()

    call_command(
        "bench_load",
        "--stack",
        "both",
        "--rate",
        "2",
        "--duration",
        "3",
        "--max-duration",
        "2",
        "--max-connections",
        "2",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    for stack in ("embedded", "services"):
        fixed, saturated = result[stack]["fixed_rate"], result[stack]["back_to_back"]
        _check_phase(fixed)
        _check_phase(saturated)
        assert fixed["connections"] == 3
        assert saturated["connections"] == 2
    # The embedded side is a copy of this installation; the services side is the sample town, installed
    # the way `make run` installs it, on PostgreSQL, a chromadb server and Redis.
    assert result["embedded"]["faqs"] == Faq.objects.filter(status="published").count()
    assert "SQLite" in result["embedded"]["server"]
    assert "PostgreSQL" in result["services"]["server"]
    assert result["services"]["faqs"] == sum(
        1 for path in SAMPLE_DATA.glob("faqs-*.jsonl") for line in path.read_text(encoding="utf-8").splitlines() if line
    )
    ratios = result["services_vs_embedded"]
    assert ratios["fixed_rate_p95"] == pytest.approx(
        result["services"]["fixed_rate"]["p95_ms"] / result["embedded"]["fixed_rate"]["p95_ms"], abs=0.01
    )
    assert ratios["back_to_back_rps"] == pytest.approx(
        result["embedded"]["back_to_back"]["rps"] / result["services"]["back_to_back"]["rps"], abs=0.01
    )
    # The benchmark ran on a copy and on its own servers: this installation has no new turns.
    assert Turn.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_bench_load_prints_a_table_for_the_embedded_copy(town: dict[str, Faq], isolated_index: Path) -> None:
    index_rebuild()
    out = StringIO()

    call_command("bench_load", "--rate", "2", "--duration", "2", "--max-duration", "0", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("load: wrk")
    assert lines[1].split()[:4] == ["stack", "phase", "requests", "errors"]
    row = lines[2].split()
    assert row[:2] == ["embedded", "fixed_rate"]
    assert int(row[2]) > 0
    assert row[3] == "0"
    assert not any(line.startswith("embedded  back_to_back") for line in lines)
    assert any(line.startswith("embedded: SQLite") for line in lines)


@pytest.mark.parametrize(
    "arguments",
    [["--rate", "0"], ["--duration", "0"], ["--max-connections", "0"], ["--max-duration", "-1"], ["--workers", "0"]],
)
def test_bench_load_refuses_impossible_settings(arguments: list[str]) -> None:
    with pytest.raises(CommandError, match=r"at least 1|0 or more"):
        call_command("bench_load", *arguments)


@pytest.mark.django_db(transaction=True)
def test_bench_load_approves_a_change_request_in_the_middle_of_the_load(
    town: dict[str, Faq], isolated_index: Path
) -> None:
    index_rebuild()
    out = StringIO()

    call_command(
        "bench_load",
        "--approval",
        "--golden-cases",
        "20",
        "--rate",
        "2",
        "--duration",
        "2",
        "--max-duration",
        "0",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue().strip().splitlines()[-1])["embedded"]
    _check_phase(result["fixed_rate"])
    during = result["during_approval"]
    _check_phase(during)
    # The task cluster of the copy ran the check on 20 cases (each asked before and after), and approving
    # against it then took no evaluation.
    assert during["golden_cases"] == 20
    assert during["check_status"] == "done"
    assert during["check_questions"] == 40
    assert during["approved"] is True
    assert result["approval_vs_fixed_rate_p95"] == pytest.approx(
        during["p95_ms"] / result["fixed_rate"]["p95_ms"], abs=0.01
    )
    # All of it happened in the copy: this installation has no change request and no new turns.
    assert not ChangeRequest.objects.exists()
    assert Turn.objects.count() == 0
