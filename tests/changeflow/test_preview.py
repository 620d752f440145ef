"""The preview of a value change: what was replaced where, and what the editor should look at, next to each FAQ."""

import datetime
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from changeflow.models import ChangeItem, ChangeRequest
from faq.models import Department, Faq
from faq.selectors import today_local
from tests.changeflow.conftest import client_for
from tests.factories import FaqFactory

ANSWER = "粗大ごみ処理券は1枚500円です。3枚（1,500円）のつづりもあります。"


class _FormFields(HTMLParser):
    """The fields a browser would send back from the page: inputs and textareas by name."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") and attributes.get("type") in ("text", "hidden"):
            self.fields[str(attributes["name"])] = attributes.get("value") or ""
        if tag == "textarea":
            self._textarea = attributes.get("name")
            self.fields[str(self._textarea)] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def page_fields(content: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(content)
    return parser.fields


def page_text(content: str) -> str:
    """The page as a reader sees it: tags removed, entities decoded, white space collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", content)))


@pytest.fixture
def ticket_faq(kankyo: Department) -> Faq:
    return FaqFactory.create(department=kankyo, question="粗大ごみ処理券はいくらですか。", answer=ANSWER)


def fee_change(department: Department, faq: Faq, **extra: Any) -> dict[str, Any]:
    return {
        "department": department.pk,
        "title": "粗大ごみ処理手数料の改定",
        "old_value": "500円",
        "new_value": "600円",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "faqs": [faq.pk],
        "reason": "手数料条例の改正",
        "action": "preview",
        **extra,
    }


@pytest.mark.django_db
def test_fee_preview_replaces_only_the_fee_and_warns_about_the_other_amount(
    editor: User, kankyo: Department, ticket_faq: Faq
) -> None:
    response = client_for(editor, english=False).post(
        reverse("changeflow:create", args=["fee"]), fee_change(kankyo, ticket_faq)
    )

    content = response.content.decode()
    seen = page_text(content)
    assert response.status_code == 200
    assert "このFAQで置き換えた箇所" in seen
    assert "回答: 粗大ごみ処理券は1枚500円 → 600円です。3枚（1,500円）のつづりもあり…" in seen
    assert "<del>500円</del> → <ins>600円</ins>" in content
    assert "このFAQには「1,500円」も書かれています。あわせて変更が必要か確認してください。" in seen
    proposed = page_fields(content)[f"a-{ticket_faq.pk}"].strip()
    assert proposed == "粗大ごみ処理券は1枚600円です。3枚（1,500円）のつづりもあります。"
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_fee_preview_warns_when_the_fee_is_not_in_the_faq(editor: User, kankyo: Department, ticket_faq: Faq) -> None:
    response = client_for(editor, english=False).post(
        reverse("changeflow:create", args=["fee"]), fee_change(kankyo, ticket_faq, old_value="50円")
    )

    seen = page_text(response.content.decode())
    assert "このFAQに「50円」はひとまとまりの値として見つかりませんでした。" in seen
    assert "このFAQで置き換えた箇所" not in seen
    assert page_fields(response.content.decode())[f"a-{ticket_faq.pk}"].strip() == ANSWER


@pytest.mark.django_db
def test_corrected_old_value_is_proposed_again_and_hand_edits_are_kept(
    editor: User, kankyo: Department, ticket_faq: Faq
) -> None:
    client = client_for(editor)
    url = reverse("changeflow:create", args=["fee"])
    first = client.post(url, fee_change(kankyo, ticket_faq, old_value="50円"))
    assert "“50円” was not found in this FAQ" in page_text(first.content.decode())

    resent = {**fee_change(kankyo, ticket_faq), **page_fields(first.content.decode()), "old_value": "500円"}
    second = client.post(url, resent)
    fields = page_fields(second.content.decode())
    assert fields[f"a-{ticket_faq.pk}"].strip() == "粗大ごみ処理券は1枚600円です。3枚（1,500円）のつづりもあります。"

    edited = "粗大ごみ処理券は1枚600円です。3枚（1,800円）のつづりもあります。"
    third = client.post(url, {**resent, **fields, f"a-{ticket_faq.pk}": edited, "new_value": "650円"})
    assert "The new text was edited by hand" in page_text(third.content.decode())
    assert page_fields(third.content.decode())[f"a-{ticket_faq.pk}"].strip() == edited

    fourth = client.post(url, {**resent, **page_fields(third.content.decode()), "action": "submit"})
    assert fourth.status_code == 302
    item = ChangeItem.objects.get()
    assert item.new_answer == edited
    assert (item.request.old_value, item.request.new_value) == ("500円", "650円")
