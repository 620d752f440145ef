"""The trend column: this month's group against last month's group of the same topic."""

import datetime

import pytest
import time_machine

from analytics.aggregation import aggregate_month
from chatbot.models import Outcome
from tests.analytics.support import OCTOBER, jst, make_turn

pytestmark = pytest.mark.django_db

SEPTEMBER = datetime.date(2026, 9, 1)


def asked(texts: list[str], month: int) -> None:
    for day, text in enumerate(texts, start=1):
        make_turn(text, jst(2026, month, day), Outcome.HANDOFF)


def test_topic_seen_last_month_carries_last_months_size_and_a_new_topic_has_none() -> None:
    asked(["粗大ごみの料金はいくらですか", "粗大ごみの料金はいくらですか", "粗大ごみの回収料金は？"], 9)
    asked(["住民票はどこでもらえますか", "住民票はどこでもらえますか"], 9)
    asked(
        [
            "粗大ごみの料金はいくらですか",
            "粗大ごみを出すのにいくらかかりますか",
            "粗大ごみの処理手数料を知りたい",
            "粗大ごみの回収料金は？",
            "粗大ごみの料金はいくらですか",
        ],
        10,
    )
    asked(["図書館は何時まで開いていますか", "図書館の開館時間は？", "図書館は何時まで開いていますか"], 10)

    with time_machine.travel(jst(2026, 11, 2), tick=False):
        september = aggregate_month(SEPTEMBER)
        october = aggregate_month(OCTOBER)

    assert [(group.representative, group.size, group.previous_size) for group in september.clusters.all()] == [
        ("粗大ごみの料金はいくらですか", 3, None),
        ("住民票はどこでもらえますか", 2, None),
    ]
    sodai, library = october.clusters.order_by("rank")
    assert (sodai.representative, sodai.size, sodai.previous_size, sodai.change) == (
        "粗大ごみの料金はいくらですか",
        5,
        3,
        2,
    )
    assert (library.representative, library.size, library.previous_size, library.change) == (
        "図書館は何時まで開いていますか",
        3,
        None,
        None,
    )
    assert october.clusters.count() == 2


def test_without_last_months_aggregate_every_group_is_new() -> None:
    asked(["粗大ごみの料金はいくらですか"], 9)
    asked(["粗大ごみの料金はいくらですか", "粗大ごみの回収料金は？"], 10)

    with time_machine.travel(jst(2026, 11, 2), tick=False):
        october = aggregate_month(OCTOBER)

    assert [(group.size, group.previous_size) for group in october.clusters.all()] == [(2, None)]
