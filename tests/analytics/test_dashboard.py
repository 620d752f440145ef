"""The analytics dashboard in admin (/admin/analytics/monthlyaggregate/) and its endpoints."""

import datetime
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_q.brokers import get_broker

from analytics import admin as analytics_admin
from analytics import tasks
from analytics.aggregation import aggregate_month
from analytics.models import GapAction, GapActionKind, GapCluster, MonthlyAggregate
from analytics.services import NOTHING_CHOSEN
from chatbot.models import Outcome
from faq.models import Department, Faq, FaqStatus
from tests.analytics.support import OCTOBER, jst, make_turn, october_turns
from tests.factories import FaqFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/analytics/monthlyaggregate/"
OCTOBER_URL = f"{DASHBOARD}?month=2026-10"
CHARTS = ["outcomes", "questions", "latency", "feedback"]


@dataclass
class Dashboard:
    kankyo: Department
    jumin: Department
    sodai: Faq
    juminhyo: Faq
    aggregate: MonthlyAggregate


@pytest.fixture
def dashboard(kankyo: Department, jumin: Department) -> Dashboard:
    """October 2026's generated turns, aggregated on 5 November."""
    sodai = FaqFactory.create(department=kankyo, question="粗大ごみの収集を申し込みたい。")
    juminhyo = FaqFactory.create(department=jumin, question="住民票の写しを取りたい。")
    october_turns(kankyo, jumin, faq_ids={"sodai": sodai.pk, "juminhyo": juminhyo.pk})
    with time_machine.travel(jst(2026, 11, 5), tick=False):
        aggregate = aggregate_month(OCTOBER)
    return Dashboard(kankyo, jumin, sodai, juminhyo, aggregate)


@pytest.fixture
def admin_client(client: Client, faq_admin: User) -> Client:
    client.force_login(faq_admin)
    return client


def group_row(html: str, rank: int) -> str:
    match = re.search(rf'<tr id="group-{rank}">(.*?)</tr>', html, re.S)
    assert match, f"no row for group {rank}"
    return match.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def group_of(month: datetime.date, wording: str) -> GapCluster:
    found = [g for g in GapCluster.objects.filter(aggregate__month=month) if wording in [w["text"] for w in g.wordings]]
    assert len(found) == 1
    return found[0]


# figures and groups --------------------------------------------------------------------------------------------------


def test_faq_admin_sees_the_months_figures(dashboard: Dashboard, admin_client: Client) -> None:
    response = admin_client.get(OCTOBER_URL)

    assert response.status_code == 200
    assert "admin/analytics/dashboard.html" in [t.name for t in response.templates]
    html = response.content.decode()
    values = re.findall(r'<span class="an-value">(.*?)</span>', html)
    assert values == ["23", "10", "9", "2", "1", "11", "1 / 3", "2095.0"]
    assert "p50 1150.0" in html
    assert response.context["aggregate"] == dashboard.aggregate
    assert '<option value="2026-10" selected>' in html
    for fmt in ("xlsx", "csv", "pdf"):
        assert f'href="{DASHBOARD}report/2026-10.{fmt}"' in html
    # By department: 環境課 12 questions, 6 answered, 6 clarify, 0 handed off, 7 unanswered, 1 / 2 feedback.
    table = text_of(html)
    assert "環境課 12 6 6 0 7 1 / 2" in table
    assert "住民課 8 4 3 1 3 0 / 1" in table
    assert "- 3 0 0 1 1 0 / 0" in table


def test_faq_admin_sees_each_group_with_its_question_count_wordings_and_departments(
    dashboard: Dashboard, admin_client: Client
) -> None:
    html = admin_client.get(OCTOBER_URL).content.decode()

    groups = list(dashboard.aggregate.clusters.order_by("rank"))
    assert len(groups) >= 3
    assert html.count('<tr id="group-') == len(groups)
    for group in groups:
        row = group_row(html, group.rank)
        assert escape(group.representative) in row
        assert f"<td>{group.size}" in row
        for wording in group.wordings:
            assert f"<li>{escape(wording['text'])} ({wording['count']})</li>" in row
            assert f'name="wording" value="{escape(wording["text"])}"' in row
        for department in group.departments:
            assert f"{escape(department['name'])} ({department['count']})" in row
        assert f'action="{DASHBOARD}group/{group.pk}/draft/"' in row
        assert f'action="{DASHBOARD}group/{group.pk}/alternates/"' in row
        assert 'class="an-done"' not in row
    sodai = group_of(OCTOBER, "粗大ごみの料金はいくらですか")
    row = group_row(html, sodai.rank)
    # The FAQ the retrieval ranked first is offered, but not chosen for staff: a group can mix intents.
    assert f'name="faq" value="{dashboard.sodai.pk}">' in row
    assert " checked" not in row
    assert "環境課 (3)" in row


def test_chart_urls_return_svg(dashboard: Dashboard, admin_client: Client) -> None:
    html = admin_client.get(OCTOBER_URL).content.decode()
    sources = re.findall(r'<img src="([^"]+)"', html)

    assert sources == [f"{DASHBOARD}chart/2026-10/{name}.svg" for name in CHARTS]
    for source in sources:
        response = admin_client.get(source)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        body = response.content.decode()
        assert body.startswith("<?xml") or "<svg" in body
        assert "<svg" in body
        assert "<script" not in body
    assert admin_client.get(f"{DASHBOARD}chart/2026-10/pie.svg").status_code == 404
    assert admin_client.get(f"{DASHBOARD}chart/2026-13/outcomes.svg").status_code == 404


def test_month_without_aggregate_says_it_is_not_aggregated(dashboard: Dashboard, admin_client: Client) -> None:
    response = admin_client.get(f"{DASHBOARD}?month=2026-05")

    assert response.status_code == 200
    assert response.context["aggregate"] is None
    html = response.content.decode()
    assert "aggregate_month --month 2026-05" in html
    assert '<option value="2026-05" selected>' in html
    assert 'class="an-cards"' not in html
    assert 'id="an-groups"' not in html
    assert "<img " not in html
    assert not MonthlyAggregate.objects.filter(month=datetime.date(2026, 5, 1)).exists()


NOVEMBER = datetime.date(2026, 11, 1)


def computed_text(html: str) -> str:
    match = re.search(r'<p class="an-computed" id="an-computed">(.*?)</p>', html, re.S)
    assert match, "the page does not say when the month was aggregated"
    return text_of(match.group(1)).strip()


def test_dashboard_opens_on_the_month_so_far_aggregated_without_pressing_the_button(
    dashboard: Dashboard, admin_client: Client
) -> None:
    make_turn("図書館の休館日を知りたい", jst(2026, 11, 3), Outcome.HANDOFF, department=dashboard.kankyo)
    make_turn("粗大ごみの収集を申し込みたい", jst(2026, 11, 19), Outcome.ANSWER, department=dashboard.kankyo)
    assert not MonthlyAggregate.objects.filter(month=NOVEMBER).exists()

    with time_machine.travel(jst(2026, 11, 20, 14, 7), tick=False):
        response = admin_client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["month"] == NOVEMBER
    html = response.content.decode()
    # With the October fixture's turn at 00:00 on 1 November: 3 questions, 1 answered, 2 handed off.
    assert re.findall(r'<span class="an-value">(.*?)</span>', html)[:6] == ["3", "1", "0", "2", "0", "2"]
    # Computed at 05:07 UTC, shown in the town's time zone.
    assert computed_text(html).startswith(
        in_japanese("Last aggregated: %(at)s (Japan time)") % {"at": "2026-11-20 14:07"}
    )
    assert MonthlyAggregate.objects.get(month=NOVEMBER).turns == 3
    assert f'action="{DASHBOARD}refresh/"' in html  # 「この月を再集計」 is still there


def test_month_so_far_is_recomputed_when_opened_only_once_it_is_older_than_the_schedule(
    dashboard: Dashboard, admin_client: Client
) -> None:
    make_turn("図書館の休館日を知りたい", jst(2026, 11, 3), Outcome.HANDOFF, department=dashboard.kankyo)
    with time_machine.travel(jst(2026, 11, 20, 14, 0), tick=False):
        admin_client.get(DASHBOARD)
    make_turn("住民票が欲しい", jst(2026, 11, 20, 14, 1), Outcome.HANDOFF, department=dashboard.jumin)

    with time_machine.travel(jst(2026, 11, 20, 14, 9), tick=False):
        recent = admin_client.get(DASHBOARD).content.decode()
    with time_machine.travel(jst(2026, 11, 20, 14, 11), tick=False):
        older = admin_client.get(DASHBOARD).content.decode()

    assert re.findall(r'<span class="an-value">(.*?)</span>', recent)[0] == "2"
    assert "2026-11-20 14:00" in computed_text(recent)
    assert re.findall(r'<span class="an-value">(.*?)</span>', older)[0] == "3"
    assert "2026-11-20 14:11" in computed_text(older)


def test_a_month_too_large_for_the_request_is_queued_and_the_page_says_so(
    dashboard: Dashboard, admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analytics_admin, "OPEN_REFRESH_LIMIT", 1)
    cache.clear()
    broker = get_broker()  # the database queue, or Redis when the suite runs on the services
    broker.purge_queue()
    for day in (3, 4):
        make_turn("図書館の休館日を知りたい", jst(2026, 11, day), Outcome.HANDOFF, department=dashboard.kankyo)

    with time_machine.travel(jst(2026, 11, 20, 14, 0), tick=False):
        first = admin_client.get(DASHBOARD).content.decode()
        second = admin_client.get(DASHBOARD).content.decode()

    expected = in_japanese(
        "%(m)s has many questions: it is being recomputed in the background. Reload this page in a few minutes."
    ) % {"m": "2026-11"}
    assert expected in text_of(first)
    assert not MonthlyAggregate.objects.filter(month=NOVEMBER).exists()
    assert broker.queue_size() == 1  # queued once, not on every opening
    assert expected in text_of(second)
    tasks.aggregate_one("2026-11")
    with time_machine.travel(jst(2026, 11, 20, 14, 1), tick=False):
        done = admin_client.get(DASHBOARD).content.decode()
    assert re.findall(r'<span class="an-value">(.*?)</span>', done)[0] == "3"
    assert expected not in text_of(done)


@pytest.mark.parametrize("month", ["2026-13", "2026/10", "abc", "1999-01"])
def test_bad_month_parameter_is_not_found(dashboard: Dashboard, admin_client: Client, month: str) -> None:
    assert admin_client.get(DASHBOARD, {"month": month}).status_code == 404


# access -----------------------------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(dashboard: Dashboard, client: Client) -> None:
    for url in (OCTOBER_URL, f"{DASHBOARD}chart/2026-10/outcomes.svg"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    assert client.post(f"{DASHBOARD}refresh/", {"month": "2026-10"}).status_code == 302


def test_staff_without_analytics_permission_is_refused(dashboard: Dashboard, client: Client) -> None:
    staff = UserFactory.create(username="staff_without_analytics", is_staff=True)
    client.force_login(staff)
    group = dashboard.aggregate.clusters.get(rank=1)

    assert client.get(OCTOBER_URL).status_code == 403
    assert client.get(f"{DASHBOARD}chart/2026-10/outcomes.svg").status_code == 403
    assert client.get(f"{DASHBOARD}report/2026-10.csv").status_code == 403
    assert client.post(f"{DASHBOARD}refresh/", {"month": "2026-10"}).status_code == 403
    assert client.post(f"{DASHBOARD}group/{group.pk}/draft/", {"department": dashboard.kankyo.pk}).status_code == 403
    assert not Faq.objects.filter(status=FaqStatus.DRAFT).exists()


def test_department_editor_reads_the_dashboard_but_cannot_act(
    dashboard: Dashboard, department_editor: User, client: Client
) -> None:
    client.force_login(department_editor)
    group = dashboard.aggregate.clusters.get(rank=1)

    response = client.get(OCTOBER_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert escape(group.representative) in group_row(html, 1)
    assert "/draft/" not in html
    assert "/alternates/" not in html
    assert f"{DASHBOARD}refresh/" not in html
    assert client.post(f"{DASHBOARD}refresh/", {"month": "2026-10"}).status_code == 403
    response = client.post(f"{DASHBOARD}group/{group.pk}/draft/", {"department": dashboard.kankyo.pk})
    assert response.status_code == 302
    assert response["Location"] == OCTOBER_URL
    assert not Faq.objects.filter(status=FaqStatus.DRAFT).exists()
    assert not GapAction.objects.exists()


# actions ------------------------------------------------------------------------------------------------------------


def test_post_refresh_recomputes_the_month(dashboard: Dashboard, admin_client: Client) -> None:
    make_turn("図書館の休館日を知りたい", jst(2026, 10, 25), Outcome.HANDOFF, department=dashboard.kankyo)

    response = admin_client.post(f"{DASHBOARD}refresh/", {"month": "2026-10"})

    assert response.status_code == 302
    assert response["Location"] == OCTOBER_URL
    aggregate = MonthlyAggregate.objects.get(month=OCTOBER)
    assert (aggregate.turns, aggregate.handed_off, aggregate.unanswered) == (24, 3, 12)
    assert aggregate.pk != dashboard.aggregate.pk
    page = admin_client.get(OCTOBER_URL).content.decode()
    assert re.findall(r'<span class="an-value">(.*?)</span>', page)[:6] == ["24", "10", "9", "3", "1", "12"]
    assert admin_client.get(f"{DASHBOARD}refresh/").status_code == 405


def test_post_draft_creates_a_draft_faq_and_the_group_is_marked_done(
    dashboard: Dashboard, admin_client: Client
) -> None:
    group = group_of(OCTOBER, "住民票はどこでもらえますか")

    assert admin_client.get(f"{DASHBOARD}group/{group.pk}/draft/").status_code == 405
    response = admin_client.post(f"{DASHBOARD}group/{group.pk}/draft/", {"department": dashboard.jumin.pk})

    draft = Faq.objects.get(status=FaqStatus.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/faq/faq/{draft.pk}/change/"
    assert (draft.question, draft.department, draft.answer) == (group.representative, dashboard.jumin, "")
    assert sorted([draft.question, *draft.alternate_questions]) == sorted(w["text"] for w in group.wordings)
    action = GapAction.objects.get()
    assert (action.kind, action.cluster_key, action.faq) == (GapActionKind.DRAFT_FAQ, group.key, draft)
    row = group_row(admin_client.get(OCTOBER_URL).content.decode(), group.rank)
    assert 'class="an-done"' in row
    assert f'href="/admin/faq/faq/{draft.pk}/change/"' in row


def test_post_alternates_adds_the_wordings_and_the_group_is_marked_done(
    dashboard: Dashboard, admin_client: Client
) -> None:
    group = group_of(OCTOBER, "粗大ごみの料金はいくらですか")
    wordings = [w["text"] for w in group.wordings]

    assert admin_client.get(f"{DASHBOARD}group/{group.pk}/alternates/").status_code == 405
    response = admin_client.post(
        f"{DASHBOARD}group/{group.pk}/alternates/", {"faq": dashboard.sodai.pk, "wording": wordings}
    )

    assert response.status_code == 302
    assert response["Location"] == OCTOBER_URL
    dashboard.sodai.refresh_from_db()
    assert dashboard.sodai.alternate_questions == wordings
    action = GapAction.objects.get()
    assert (action.kind, action.cluster_key, action.faq, action.wordings) == (
        GapActionKind.ALTERNATES,
        group.key,
        dashboard.sodai,
        wordings,
    )
    html = admin_client.get(OCTOBER_URL).content.decode()
    row = group_row(html, group.rank)
    assert 'class="an-done"' in row
    assert f'href="/admin/faq/faq/{dashboard.sodai.pk}/change/"' in row
    assert sum(group_row(html, g.rank).count('class="an-done"') for g in dashboard.aggregate.clusters.all()) == 1


def test_post_alternates_by_faq_number_and_without_a_faq(dashboard: Dashboard, admin_client: Client) -> None:
    group = group_of(OCTOBER, "住民票はどこでもらえますか")
    url = f"{DASHBOARD}group/{group.pk}/alternates/"

    missing = admin_client.post(url, {"faq_id": "", "wording": ["住民票はどこでもらえますか"]})
    unknown = admin_client.post(url, {"faq_id": "99999", "wording": ["住民票はどこでもらえますか"]})

    assert (missing.status_code, unknown.status_code) == (302, 302)
    assert not GapAction.objects.exists()
    admin_client.post(url, {"faq_id": str(dashboard.juminhyo.pk), "wording": ["住民票はどこでもらえますか"]})
    dashboard.juminhyo.refresh_from_db()
    assert dashboard.juminhyo.alternate_questions == ["住民票はどこでもらえますか"]


def test_action_is_still_shown_after_the_month_is_recomputed(dashboard: Dashboard, admin_client: Client) -> None:
    group = group_of(OCTOBER, "住民票はどこでもらえますか")
    admin_client.post(f"{DASHBOARD}group/{group.pk}/draft/", {"department": dashboard.jumin.pk})

    admin_client.post(f"{DASHBOARD}refresh/", {"month": "2026-10"})

    again = group_of(OCTOBER, "住民票はどこでもらえますか")
    assert again.pk != group.pk
    assert again.key == group.key
    assert 'class="an-done"' in group_row(admin_client.get(OCTOBER_URL).content.decode(), again.rank)


# choosing the wordings to add as alternate questions ------------------------------------------------------------------

DECEMBER = datetime.date(2026, 12, 1)
DECEMBER_URL = f"{DASHBOARD}?month=2026-12"
FEES = "住民票の写しの手数料はいくらですか"
WANT = "住民票がほしい"
WITH_MY_NUMBER = "［個人番号］が載った住民票がほしい"
WITH_NAME = "［氏名］の住民票の手数料はいくら"


@dataclass
class Checkbox:
    value: str
    checked: bool
    disabled: bool
    note: str


@dataclass
class WordingForm:
    """A group's 「既存FAQの言い換えとして追加」 form as the browser has it."""

    action: str
    checkboxes: list[Checkbox]
    fields: list[tuple[str, str]]  # what submitting it untouched sends (checked radios and boxes, text inputs)
    text: str


class _FormParser(HTMLParser):
    """The wording forms of the dashboard, and the text of every element that has an id."""

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.form: dict[str, Any] | None = None
        self.texts: dict[str, str] = {}
        self.open: list[tuple[str, int]] = []  # (id, depth) of elements whose text is being collected
        self.depth = 0
        self.messages: list[tuple[str, str]] = []
        self.in_messages = False
        self.message_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and "an-wordings" in attributes.get("class", "").split():
            self.form = {"action": attributes["action"], "inputs": [], "text": []}
        if self.form is not None and tag == "input":
            self.form["inputs"].append(attributes)
        if tag == "ul" and "messagelist" in attributes.get("class", "").split():
            self.in_messages = True
        if self.in_messages and tag == "li":
            self.message_class = attributes.get("class", "")
            self.messages.append((self.message_class, ""))
        if tag in self.VOID:
            return
        self.depth += 1
        if attributes.get("id"):
            self.open.append((attributes["id"], self.depth))
            self.texts[attributes["id"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None
        if tag == "ul":
            self.in_messages = False
        if tag in self.VOID:
            return
        while self.open and self.open[-1][1] >= self.depth:
            self.open.pop()
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        for element_id, _depth in self.open:
            self.texts[element_id] += data
        if self.form is not None:
            self.form["text"].append(data)
        if self.in_messages and self.messages:
            kind, text = self.messages[-1]
            self.messages[-1] = (kind, text + data)


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def parse_page(html: str) -> tuple[dict[str, WordingForm], list[tuple[str, str]]]:
    """The wording forms by their action URL, and the messages shown (level class, text)."""
    parser = _FormParser()
    parser.feed(html)
    forms = {}
    for form in parser.forms:
        boxes = [
            Checkbox(
                value=item["value"],
                checked="checked" in item,
                disabled="disabled" in item,
                note=_squeeze(parser.texts.get(item.get("aria-describedby", ""), "")),
            )
            for item in form["inputs"]
            if item.get("type") == "checkbox"
        ]
        fields = [
            (item["name"], item.get("value", ""))
            for item in form["inputs"]
            if item.get("name")
            and "disabled" not in item
            and (item.get("type") not in ("checkbox", "radio") or "checked" in item)
            and item.get("type") != "submit"
        ]
        forms[form["action"]] = WordingForm(form["action"], boxes, fields, _squeeze(" ".join(form["text"])))
    return forms, [(kind, _squeeze(text)) for kind, text in parser.messages]


def in_japanese(message: Any) -> str:
    """What staff read: the Japanese translation of a text (which must exist)."""
    with translation.override("en"):
        english = str(message)
    with translation.override("ja"):
        translated = gettext(english)
    assert translated != english, f"no Japanese translation of {english!r}"
    return translated


def faq_state() -> list[tuple[int, list[str], str, int]]:
    """Every FAQ's questions and number of versions."""
    return [(faq.pk, faq.alternate_questions, faq.question, faq.history.count()) for faq in Faq.objects.order_by("pk")]


@dataclass
class MixedMonth:
    fees: Faq
    juminhyo: Faq


@pytest.fixture
def mixed_month(jumin: Department) -> MixedMonth:
    """December 2026: handed-off questions about 住民票 that mean different things, two with personal data removed."""
    fees = FaqFactory.create(department=jumin, question="住民票の写しを取るときの手数料を知りたい。")
    juminhyo = FaqFactory.create(department=jumin, question="住民票の写しを取りたい。", alternate_questions=[WANT])
    for day, text in enumerate([FEES, FEES, WANT, WANT, WITH_MY_NUMBER, WITH_NAME], start=1):
        make_turn(text, jst(2026, 12, day), Outcome.HANDOFF, department=jumin, faq_id=fees.pk)
    with time_machine.travel(jst(2027, 1, 5), tick=False):
        aggregate_month(DECEMBER)
    return MixedMonth(fees, juminhyo)


def form_of(forms: dict[str, WordingForm], wording: str) -> WordingForm:
    group = group_of(DECEMBER, wording)
    return forms[f"{DASHBOARD}group/{group.pk}/alternates/"]


def box_of(form: WordingForm, wording: str) -> Checkbox:
    (box,) = [box for box in form.checkboxes if box.value == wording]
    return box


def test_wording_form_ticks_nothing_and_says_what_the_exact_match_rule_will_do(
    mixed_month: MixedMonth, admin_client: Client
) -> None:
    forms, _messages = parse_page(admin_client.get(DECEMBER_URL).content.decode())

    groups = list(GapCluster.objects.filter(aggregate__month=DECEMBER))
    assert len(forms) == len(groups)
    boxes = [box for form in forms.values() for box in form.checkboxes]
    assert sorted(box.value for box in boxes) == sorted([FEES, WANT, WITH_MY_NUMBER, WITH_NAME])
    assert [box.value for box in boxes if box.checked] == []
    explanation = in_japanese(
        "Only the wordings you tick are added. A resident who asks word for word one of them (width, spaces and "
        "punctuation aside) then gets the chosen FAQ's answer as it is, without the usual confidence check. Tick only "
        "the wordings that ask what that FAQ answers."
    )
    assert all(explanation in form.text for form in forms.values())
    fees = box_of(form_of(forms, FEES), FEES)
    assert not fees.disabled
    assert fees.note == in_japanese("A question asked exactly this way gets the chosen FAQ's answer as it is.")
    # Already an alternate question of the 住民票 FAQ: added elsewhere, neither FAQ would be answered directly.
    want = box_of(form_of(forms, WANT), WANT)
    assert not want.disabled
    assert f"FAQ {mixed_month.juminhyo.pk}「{mixed_month.juminhyo.question}」" in want.note
    assert in_japanese("Already the question or an alternate question of:") in want.note
    assert mixed_month.fees.question not in want.note
    for wording, placeholder in [(WITH_MY_NUMBER, "［個人番号］"), (WITH_NAME, "［氏名］")]:
        box = box_of(form_of(forms, wording), wording)
        assert box.disabled
        assert placeholder in box.note
        assert in_japanese("A question asked exactly this way gets the chosen FAQ's answer as it is.") not in box.note


def test_wording_form_submitted_untouched_changes_nothing_and_says_so(
    mixed_month: MixedMonth, admin_client: Client
) -> None:
    forms, _messages = parse_page(admin_client.get(DECEMBER_URL).content.decode())
    before = faq_state()

    for form in forms.values():
        assert not [value for name, value in form.fields if name in ("faq", "wording")]  # nothing is chosen
        response = admin_client.post(form.action, dict_of(form.fields), follow=True)

        assert response.status_code == 200
        _forms, shown = parse_page(response.content.decode())
        assert shown == [("warning", in_japanese(NOTHING_CHOSEN))]

    assert faq_state() == before
    assert not GapAction.objects.exists()


def dict_of(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in fields:
        result.setdefault(name, []).append(value)
    return result


@pytest.mark.parametrize("wordings", [[WITH_MY_NUMBER], [WITH_NAME], [FEES, WITH_MY_NUMBER]])
def test_placeholder_wording_posted_anyway_is_refused_and_the_faq_is_unchanged(
    mixed_month: MixedMonth, admin_client: Client, wordings: list[str]
) -> None:
    group = group_of(DECEMBER, wordings[-1])
    before = faq_state()

    response = admin_client.post(
        f"{DASHBOARD}group/{group.pk}/alternates/", {"faq": mixed_month.fees.pk, "wording": wordings}, follow=True
    )

    assert response.status_code == 200
    _forms, shown = parse_page(response.content.decode())
    assert [kind for kind, _text in shown] == ["error"]
    assert wordings[-1] in shown[0][1]
    assert faq_state() == before
    assert not GapAction.objects.exists()


def test_ticking_one_wording_adds_only_that_one(mixed_month: MixedMonth, admin_client: Client) -> None:
    forms, _messages = parse_page(admin_client.get(DECEMBER_URL).content.decode())
    form = form_of(forms, FEES)
    versions = mixed_month.fees.history.count()
    others = [state for state in faq_state() if state[0] != mixed_month.fees.pk]

    response = admin_client.post(
        form.action, dict_of([*form.fields, ("faq", str(mixed_month.fees.pk)), ("wording", FEES)]), follow=True
    )

    _forms, shown = parse_page(response.content.decode())
    assert [kind for kind, _text in shown] == ["success"]
    mixed_month.fees.refresh_from_db()
    assert mixed_month.fees.alternate_questions == [FEES]
    assert mixed_month.fees.history.count() == versions + 1
    assert [state for state in faq_state() if state[0] != mixed_month.fees.pk] == others
    action = GapAction.objects.get()
    assert (action.faq, action.wordings) == (mixed_month.fees, [FEES])
    # The page now says the wording belongs to that FAQ.
    again, _messages = parse_page(admin_client.get(DECEMBER_URL).content.decode())
    assert f"FAQ {mixed_month.fees.pk}「" in box_of(form_of(again, FEES), FEES).note
