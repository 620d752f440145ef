"""`bench_load` runs gunicorn and wrk for real, on a copy of this installation, and counts turn rows."""

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
        "--max-connections",
        "2",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    fixed, saturated = result["fixed_rate"], result["back_to_back"]
    for phase in (fixed, saturated):
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
        assert phase["server_rss_mb_before"] > 0
        assert phase["server_rss_mb_after"] > 0
    assert fixed["connections"] == 3
    # The benchmark ran on a copy: this installation has no new turns.
    assert Turn.objects.count() == 0
