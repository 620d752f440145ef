"""`bench_load` runs gunicorn and locust for real, on a copy of this installation, and counts turn rows."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from chatbot.models import Turn
from faq.models import Faq
from faq.retrieval.index import index_rebuild


@pytest.mark.django_db(transaction=True)
def test_bench_load_prints_rates_latencies_and_one_turn_row_per_request(
    town: dict[str, Faq], isolated_index: Path
) -> None:
    index_rebuild()
    out = StringIO()

    call_command(
        "bench_load",
        "--rate",
        "2",
        "--duration",
        "3",
        "--max-duration",
        "2",
        "--max-users",
        "2",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    fixed, saturated = result["fixed_rate"], result["back_to_back"]
    assert fixed["requests"] > 0
    assert fixed["errors"] == 0
    assert fixed["turn_rows"] == fixed["requests"]
    assert saturated["turn_rows"] == saturated["requests"] > 0
    assert 0 < fixed["p50_ms"] <= fixed["p95_ms"] <= fixed["p99_ms"]
    assert saturated["rps"] > 0
    # The benchmark ran on a copy: this installation has no new turns.
    assert Turn.objects.count() == 0
