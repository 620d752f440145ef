"""Change requests carry an FAQ's English texts with the Japanese: proposed by the same replacement, shown side by
side, published in the same FAQ version, rolled back together; an FAQ without English stays without."""

import datetime
import hashlib
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from changeflow import services
from changeflow.approval import change_items, proposed_faqs, texts_fingerprint
from changeflow.models import ChangeItem, ChangeRequest, ChangeStatus
from changeflow.notifications import send_change_notice
from faq.models import Department, Faq
from faq.selectors import today_local
from tests.changeflow.conftest import client_for
from tests.changeflow.test_preview import page_fields, page_text
from tests.factories import FaqFactory

QUESTION = "住民票の写しの手数料はいくらですか。"
ANSWER = "住民票の写しは1通300円です。戸籍の附票とのセットは1,300円です。"
NEW_ANSWER = "住民票の写しは1通400円です。戸籍の附票とのセットは1,300円です。"
QUESTION_EN = "How much is a certificate of residence?"
ANSWER_EN = "A certificate of residence is 300 yen per copy. A set with the family register record is 1,300 yen."
NEW_ANSWER_EN = "A certificate of residence is 400 yen per copy. A set with the family register record is 1,300 yen."


@pytest.fixture
def english_faq(kankyo: Department) -> Faq:
    return FaqFactory.create(
        department=kankyo, question=QUESTION, answer=ANSWER, question_en=QUESTION_EN, answer_en=ANSWER_EN
    )


@pytest.fixture
def japanese_faq(kankyo: Department) -> Faq:
    return FaqFactory.create(department=kankyo, question="犬の登録料は？", answer="登録料は1頭300円です。")


def fee_data(department: Department, faqs: list[Faq], **extra: Any) -> dict[str, Any]:
    return {
        "department": department.pk,
        "title": "証明書手数料の改定",
        "old_value": "300円",
        "new_value": "400円",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "faqs": [faq.pk for faq in faqs],
        "reason": "手数料条例の改正",
        "action": "preview",
        **extra,
    }


def submit_from_preview(client: Client, kind: str, data: dict[str, Any]) -> ChangeRequest:
    """Preview, then submit what the page shows (as a browser sends it back)."""
    url = reverse("changeflow:create", args=[kind])
    preview = client.post(url, data)
    assert preview.status_code == 200
    submitted = client.post(url, {**data, **page_fields(preview.content.decode()), "action": "submit"})
    assert submitted.status_code == 302, submitted.context["form"].errors if submitted.context else submitted
    return ChangeRequest.objects.get()


@pytest.mark.django_db
def test_fee_preview_shows_the_english_texts_beside_the_japanese(
    editor: User, kankyo: Department, english_faq: Faq
) -> None:
    response = client_for(editor).post(reverse("changeflow:create", args=["fee"]), fee_data(kankyo, [english_faq]))

    content = response.content.decode()
    fields = page_fields(content)
    assert fields[f"q-{english_faq.pk}"] == QUESTION
    assert fields[f"a-{english_faq.pk}"].strip() == NEW_ANSWER
    assert fields[f"qe-{english_faq.pk}"] == QUESTION_EN
    assert fields[f"ae-{english_faq.pk}"].strip() == NEW_ANSWER_EN
    seen = page_text(content)
    assert "New English question" in seen
    assert "New English answer" in seen
    assert "Replaced in the English text" in seen
    assert "<del>300 yen</del> → <ins>400 yen</ins>" in content
    assert "The English text of this FAQ also mentions 「1,300 yen」" in seen
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_fee_change_updates_and_publishes_both_languages_in_one_version(
    editor: User, reviewer: User, kankyo: Department, english_faq: Faq
) -> None:
    change = submit_from_preview(client_for(editor), "fee", fee_data(kankyo, [english_faq]))

    item = ChangeItem.objects.get(request=change)
    assert (item.current_question_en, item.current_answer_en) == (QUESTION_EN, ANSWER_EN)
    assert (item.new_question_en, item.new_answer_en) == (QUESTION_EN, NEW_ANSWER_EN)
    assert item.new_answer == NEW_ANSWER
    versions = english_faq.history.count()

    approved = client_for(reviewer).post(reverse("changeflow:detail", args=[change.pk]), {"action": "approve"})
    assert approved.status_code == 302
    assert services.publish_due_changes(today=change.effective_date) == [change.pk]

    faq = Faq.objects.get(pk=english_faq.pk)
    assert (faq.question, faq.answer) == (QUESTION, NEW_ANSWER)
    assert (faq.question_en, faq.answer_en) == (QUESTION_EN, NEW_ANSWER_EN)
    assert "1,300円" in faq.answer
    assert "1,300 yen" in faq.answer_en
    assert english_faq.history.count() == versions + 1  # one new version with both languages
    latest = english_faq.history.latest("history_id")
    assert (latest.answer, latest.answer_en) == (NEW_ANSWER, NEW_ANSWER_EN)
    assert ChangeItem.objects.get(pk=item.pk).published_history_id == latest.history_id


@pytest.mark.django_db
def test_faq_without_english_stays_without(
    editor: User, reviewer: User, kankyo: Department, japanese_faq: Faq, english_faq: Faq
) -> None:
    client = client_for(editor)
    preview = client.post(reverse("changeflow:create", args=["fee"]), fee_data(kankyo, [japanese_faq, english_faq]))
    fields = page_fields(preview.content.decode())
    assert f"a-{japanese_faq.pk}" in fields
    assert f"qe-{japanese_faq.pk}" not in fields
    assert f"ae-{japanese_faq.pk}" not in fields
    assert f"ae-{english_faq.pk}" in fields

    # English posted for the FAQ without English (by hand, not by the page) is not taken either.
    forged = {f"qe-{japanese_faq.pk}": "How much is dog registration?", f"ae-{japanese_faq.pk}": "400 yen."}
    change = submit_from_preview(client, "fee", {**fee_data(kankyo, [japanese_faq, english_faq]), **forged})
    item = ChangeItem.objects.get(request=change, faq=japanese_faq)
    assert (item.current_question_en, item.current_answer_en, item.new_question_en, item.new_answer_en) == ("",) * 4
    assert not item.has_english

    services.change_approve(change=change, user=reviewer, today=change.effective_date)

    faq = Faq.objects.get(pk=japanese_faq.pk)
    assert faq.answer == "登録料は1頭400円です。"
    assert (faq.question_en, faq.answer_en, faq.alternate_questions_en) == ("", "", [])
    assert not faq.has_english
    assert Faq.objects.get(pk=english_faq.pk).answer_en == NEW_ANSWER_EN


@pytest.mark.django_db
def test_english_text_without_the_old_value_is_pointed_out(editor: User, kankyo: Department) -> None:
    faq = FaqFactory.create(
        department=kankyo,
        question=QUESTION,
        answer=ANSWER,
        question_en=QUESTION_EN,
        answer_en="Please ask the Residents Division for the fee.",
    )

    response = client_for(editor).post(reverse("changeflow:create", args=["fee"]), fee_data(kankyo, [faq]))

    seen = page_text(response.content.decode())
    assert "“300円” was not found in the English text of this FAQ as a whole value" in seen
    assert "“300円” was not found in this FAQ" not in seen  # the Japanese text has it
    fields = page_fields(response.content.decode())
    assert fields[f"a-{faq.pk}"].strip() == NEW_ANSWER
    assert fields[f"ae-{faq.pk}"].strip() == "Please ask the Residents Division for the fee."


@pytest.mark.django_db
def test_emptied_english_text_is_refused(editor: User, kankyo: Department, english_faq: Faq) -> None:
    url = reverse("changeflow:create", args=["fee"])
    data = {**fee_data(kankyo, [english_faq]), f"ae-{english_faq.pk}": "  ", "action": "submit"}

    response = client_for(editor).post(url, data)

    errors = response.context["form"].errors["__all__"]
    assert any("the new English question and answer may not be empty" in error for error in errors), errors
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_english_only_edit_is_a_change(editor: User, kankyo: Department, english_faq: Faq) -> None:
    """Free text: today's Japanese with a corrected English answer is a change worth submitting."""
    fixed = ANSWER_EN.replace("per copy", "for each copy")
    data = {**fee_data(kankyo, [english_faq]), f"ae-{english_faq.pk}": fixed, "action": "submit"}

    response = client_for(editor).post(reverse("changeflow:create", args=["free_text"]), data)

    assert response.status_code == 302
    item = ChangeItem.objects.get()
    assert (item.new_answer, item.new_answer_en) == (ANSWER, fixed)
    assert item.english_changed


@pytest.mark.django_db
def test_new_service_with_english(editor: User, reviewer: User, kankyo: Department) -> None:
    data = {
        "department": kankyo.pk,
        "title": "生ごみ処理機の補助",
        "effective_date": today_local().isoformat(),
        "new_question": "生ごみ処理機の補助はありますか。",
        "new_answer": "購入費の2分の1（上限20,000円）を補助します。",
        "new_question_en": "Is there a subsidy for kitchen waste processors?",
        "new_answer_en": "The town pays half of the purchase cost (up to 20,000 yen).",
        "reason": "新規事業",
        "action": "preview",
    }
    client = client_for(editor)
    preview = client.post(reverse("changeflow:create", args=["new_service"]), data)
    content = preview.content.decode()
    assert 'name="new_question_en"' in content
    assert 'name="new_answer_en"' in content
    assert "<ins>The town pays half of the purchase cost (up to 20,000 yen).</ins>" in content

    change = submit_from_preview(client, "new_service", data)
    item = ChangeItem.objects.get(request=change)
    assert (item.new_question_en, item.new_answer_en) == (data["new_question_en"], data["new_answer_en"])
    services.change_approve(change=change, user=reviewer)

    faq = Faq.objects.get(change_items__pk=item.pk)
    assert (faq.question_en, faq.answer_en) == (data["new_question_en"], data["new_answer_en"])
    assert faq.has_english
    assert faq.history.count() == 1


@pytest.mark.django_db
def test_new_service_without_english_has_none(editor: User, reviewer: User, kankyo: Department) -> None:
    data = {
        "department": kankyo.pk,
        "title": "新サービス",
        "effective_date": today_local().isoformat(),
        "new_question": "新しいサービスは？",
        "new_answer": "4月から始まります。",
        "reason": "新規事業",
        "action": "submit",
    }

    assert client_for(editor).post(reverse("changeflow:create", args=["new_service"]), data).status_code == 302
    change = ChangeRequest.objects.get()
    services.change_approve(change=change, user=reviewer)

    faq = Faq.objects.get(change_items__request=change)
    assert (faq.question_en, faq.answer_en) == ("", "")


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["new_question_en", "new_answer_en"])
def test_new_service_needs_both_english_texts_or_neither(editor: User, kankyo: Department, given: str) -> None:
    data = {
        "department": kankyo.pk,
        "title": "新サービス",
        "effective_date": (today_local() + datetime.timedelta(days=7)).isoformat(),
        "new_question": "新しいサービスは？",
        "new_answer": "4月から始まります。",
        given: "Only one of the two English texts.",
        "reason": "新規事業",
        "action": "submit",
    }

    response = client_for(editor).post(reverse("changeflow:create", args=["new_service"]), data)

    errors = response.context["form"].errors["__all__"]
    assert "Give both the English question and the English answer, or neither." in errors
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_detail_page_shows_and_saves_the_english_change(
    editor: User, reviewer: User, kankyo: Department, english_faq: Faq
) -> None:
    change = submit_from_preview(client_for(editor), "fee", fee_data(kankyo, [english_faq]))
    item = change.items.get()
    url = reverse("changeflow:detail", args=[change.pk])
    client = client_for(reviewer)

    content = client.get(url).content.decode()
    assert "English text" in page_text(content)
    assert "A certificate of residence is <del>3</del>00 yen per copy." in content
    assert "A certificate of residence is <ins>4</ins>00 yen per copy." in content
    assert page_fields(content)[f"ae-{item.pk}"].strip() == NEW_ANSWER_EN

    edited = NEW_ANSWER_EN.replace("400 yen per copy", "400 yen for each copy")
    before = texts_fingerprint(change, change_items(change))
    saved = client.post(url, {**page_fields(content), f"ae-{item.pk}": edited, "action": "save_texts"})
    assert saved.status_code == 302
    item.refresh_from_db()
    assert (item.new_answer, item.new_answer_en) == (NEW_ANSWER, edited)
    assert texts_fingerprint(change, change_items(change)) != before  # an approval check must evaluate it again

    # A form without the English fields (a page from before) leaves the English as it was.
    client.post(url, {f"q-{item.pk}": QUESTION, f"a-{item.pk}": NEW_ANSWER, "action": "save_texts"})
    item.refresh_from_db()
    assert item.new_answer_en == edited


@pytest.mark.django_db
def test_proposed_faq_copies_for_the_approval_check_carry_the_english(
    editor: User, kankyo: Department, english_faq: Faq
) -> None:
    change = submit_from_preview(client_for(editor), "fee", fee_data(kankyo, [english_faq]))

    proposed = proposed_faqs(change, change_items(change))[english_faq.pk]

    assert (proposed.answer, proposed.answer_en) == (NEW_ANSWER, NEW_ANSWER_EN)
    assert Faq.objects.get(pk=english_faq.pk).answer_en == ANSWER_EN  # nothing saved


@pytest.mark.django_db
def test_fingerprint_of_an_item_without_english_is_as_before(make_change: Any) -> None:
    """Checks finished before English existed still hold for the texts they evaluated."""
    change = make_change()
    item = change.items.get()

    payload = [change.notice_url, [[item.faq_id, item.withdraw, item.category_id, item.new_question, item.new_answer]]]
    expected = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()
    assert texts_fingerprint(change, change_items(change)) == expected


@pytest.mark.django_db
def test_rollback_restores_both_languages(editor: User, reviewer: User, kankyo: Department, english_faq: Faq) -> None:
    change = submit_from_preview(client_for(editor), "fee", fee_data(kankyo, [english_faq]))
    services.change_approve(change=change, user=reviewer, today=change.effective_date)
    assert Faq.objects.get(pk=english_faq.pk).answer_en == NEW_ANSWER_EN

    services.change_rollback(change=change, user=reviewer, comment="金額の誤り")

    faq = Faq.objects.get(pk=english_faq.pk)
    assert (faq.answer, faq.answer_en) == (ANSWER, ANSWER_EN)
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.ROLLED_BACK


@pytest.mark.django_db
def test_english_unchanged_by_the_change_is_left_as_edited_meanwhile(
    make_change: Any, reviewer: User, fee_faq: Faq
) -> None:
    """A change made through the service without English texts leaves the FAQ's English as it is at publication."""
    fee_faq.question_en, fee_faq.answer_en = "How much is bulky waste?", "500 yen per item."
    fee_faq.save()
    change = make_change(faq=fee_faq)
    item = change.items.get()
    assert (item.new_answer_en, item.english_changed) == ("500 yen per item.", False)
    Faq.objects.filter(pk=fee_faq.pk).update(answer_en="500 yen per item (fixed).")

    services.change_approve(change=change, user=reviewer, today=change.effective_date)

    assert Faq.objects.get(pk=fee_faq.pk).answer_en == "500 yen per item (fixed)."


@pytest.mark.django_db
def test_notice_mentions_the_english_change(editor: User, reviewer: User, kankyo: Department, english_faq: Faq) -> None:
    change = submit_from_preview(client_for(editor), "fee", fee_data(kankyo, [english_faq]))

    assert send_change_notice(change.pk, "submitted") >= 1

    body = mail.outbox[-1].body
    assert "英語の文面: 1件のFAQで英語の質問・回答も変わります" in body
    assert "English texts: the English question and answer change too (1 FAQ(s))" in body
    assert body.index("英語の文面") < body.index("English texts")


@pytest.mark.django_db
def test_notice_without_english_change_says_nothing_of_it(make_change: Any, reviewer: User) -> None:
    change = make_change()

    send_change_notice(change.pk, "submitted")

    assert "英語の文面" not in mail.outbox[-1].body
    assert "English texts" not in mail.outbox[-1].body
