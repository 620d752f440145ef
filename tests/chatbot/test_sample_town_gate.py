"""The sample town as `make run` leaves it (its FAQs, the real index, the shipped gate): what residents get.

The widget's own example questions and the questions people try first must reach their FAQ: an answer, or a
choice that holds it, never the phone. A question the FAQ does not cover is handed off honestly.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from chatbot.models import GateConfig
from chatbot.pipeline import turn_ask
from faq.models import Faq
from faq.retrieval.index import index_rebuild

pytestmark = pytest.mark.django_db

WIDGET = Path(__file__).resolve().parents[2] / "static" / "widget" / "chat-widget.js"


def widget_examples() -> dict[str, str]:
    """The placeholder examples the widget shows, by language."""
    source = WIDGET.read_text(encoding="utf-8")
    found = re.findall(r'placeholder: "(?:例：|e\.g\. )([^"]+)"', source)
    assert len(found) == 2, found
    return {"ja": found[0], "en": found[1]}


@pytest.fixture
def sample_town(isolated_index: Path) -> dict[str, int]:
    call_command("load_sample_town", stdout=StringIO())
    index_rebuild()
    call_command("calibrate_gate", "--shipped", stdout=StringIO())
    return {str(external_id): pk for external_id, pk in Faq.objects.values_list("external_id", "pk")}


def reached(response: dict, faq_id: int) -> bool:
    if response["outcome"] == "answer":
        return response["sources"][0]["faq_id"] == faq_id
    if response["outcome"] == "clarify":
        return faq_id in [choice["faq_id"] for choice in response["choices"]]
    return False


def test_residents_first_questions_reach_their_faq_never_the_phone(sample_town: dict[str, int]) -> None:
    examples = widget_examples()
    asked = {
        examples["ja"]: ("ja", "B-007"),
        examples["en"]: ("en", "B-007"),
        "粗大ごみを出したい": ("ja", "B-007"),
        "ごみの出し方を教えて": ("ja", "B-001"),
        "引っ越してきたけど何をすればいい？": ("ja", "A-005"),
    }
    assert GateConfig.objects.get(is_active=True).parameters["caution"] == "standard"

    outcomes = {}
    for question, (lang, expected) in asked.items():
        response = turn_ask(question=question, lang=lang, log=False)
        outcomes[question] = (response["outcome"], reached(response, sample_town[expected]))

    assert outcomes == {question: (outcomes[question][0], True) for question in asked}
    assert all(outcome in ("answer", "clarify") for outcome, _ in outcomes.values())


def test_an_approved_wording_is_answered_with_the_faq_title_and_related_links(sample_town: dict[str, int]) -> None:
    faq = Faq.objects.get(external_id="B-007")

    response = turn_ask(question=faq.question, lang="ja", log=False)

    assert response["outcome"] == "answer"
    assert response["sources"][0]["question"] == faq.question  # the title the widget shows
    assert faq.pk not in [item["faq_id"] for item in response["related"]]
    assert len(response["related"]) <= 2


def test_nothing_relevant_is_said_plainly_and_sends_to_the_general_reception(sample_town: dict[str, int]) -> None:
    response = turn_ask(question="明日の天気は？", lang="ja", log=False)

    assert response["outcome"] == "handoff"
    assert response["related"] == []
    assert response["answer"].startswith("お答えできる情報が見つかりませんでした。")
    assert response["handoff"]["department"] == "総合案内"
    english = turn_ask(question="What's the weather tomorrow?", lang="en", log=False)
    assert english["outcome"] == "handoff"
    assert english["answer"].startswith("We could not find an answer.")
    assert english["handoff"]["department"] == "総合案内"
