"""Just-in-time English through the real local fake LLM server: checked like every LLM reply, labelled, kept per FAQ
version, offered to staff; a translation that changes an amount is refused and never shown."""

import json

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings as SettingsWrapper

from chatbot.llm import client
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.llm.translate import translation_problems
from chatbot.models import Channel, MachineTranslation, TranslationStatus, Turn
from chatbot.services import TranslationNotApproved, machine_translation_approve, turn_ask
from faq.models import Faq

pytestmark = pytest.mark.django_db

FAITHFUL = {
    "question": "I want a certificate of seal registration (印鑑登録証明書).",
    "answer": "The fee for a certificate of seal registration (印鑑登録証明書) is 300 yen per copy. Show your seal "
    "registration card (印鑑登録証) at the Residents Division counter. We accept requests on weekdays from 8:30 to "
    "17:15.",
}


def _reply(payload: dict[str, str]) -> Behaviour:
    return Behaviour(text=json.dumps(payload, ensure_ascii=False), kind="translation")


def _ask(faq: Faq) -> dict:
    return turn_ask(question=faq.question, lang="en", chosen_faq=faq.pk, channel=Channel.WEB)


def test_a_checked_translation_is_shown_labelled_and_kept_per_version(llm: FakeLlm, fee_faq: Faq) -> None:
    llm.script(_reply(FAITHFUL))
    first = _ask(fee_faq)
    assert first["outcome"] == "answer"
    assert first["answer"] == FAITHFUL["answer"]
    assert first["answer_lang"] == "en"
    assert first["translation"] == "machine"
    assert first["notice"].startswith("This answer is a machine translation")
    translation = MachineTranslation.objects.get(faq=fee_faq)
    assert translation.status == TranslationStatus.PROPOSED
    assert translation.source_answer == fee_faq.answer
    request = llm.translation_requests[0]
    assert json.loads(request["messages"][-1]["content"]) == {"question": fee_faq.question, "answer": fee_faq.answer}
    sent = len(llm.all_raw_requests)
    second = _ask(fee_faq)
    assert second["answer"] == FAITHFUL["answer"]
    assert len(llm.all_raw_requests) == sent  # the same FAQ version is never translated twice
    assert MachineTranslation.objects.get(pk=translation.pk).shown == 2
    assert Turn.objects.get(pk=second["turn_id"]).untranslated_faqs == []


def test_a_translation_that_changes_an_amount_is_refused(llm: FakeLlm, fee_faq: Faq) -> None:
    changed = FAITHFUL | {"answer": FAITHFUL["answer"].replace("300 yen", "400 yen")}
    llm.script(_reply(changed))
    response = _ask(fee_faq)
    assert "400" not in response["answer"]
    assert response["answer"] == fee_faq.answer
    assert response["answer_lang"] == "ja"
    assert response["notice"].startswith("This answer is available in Japanese only")
    assert "translation" not in response
    refused = MachineTranslation.objects.get(faq=fee_faq)
    assert refused.status == TranslationStatus.REFUSED
    assert any("numbers missing" in problem and "300" in problem for problem in refused.problems)
    assert any("numbers added" in problem and "400" in problem for problem in refused.problems)
    assert Turn.objects.get(pk=response["turn_id"]).untranslated_faqs == [fee_faq.pk]


@pytest.mark.parametrize(
    ("english", "problem"),
    [
        ("Call 0000-11-1102 for details. The fee is 300 yen.", "phone number"),
        ("See https://evil.example/ for the 300 yen fee.", "URL"),
        ("The fee is **300 yen**.", "Markdown"),
    ],
)
def test_the_check_refuses_changed_contacts_links_and_markup(english: str, problem: str) -> None:
    source = "手数料は300円です。詳しくは0000-11-1101へお電話ください。"
    problems = translation_problems(source=source, english=english)
    assert any(problem in item for item in problems), problems


def test_the_check_accepts_month_names_and_man_amounts() -> None:
    source = "12月29日から1月3日まで休みです。手数料は1万5000円です。"
    english = "Closed from December 29 to January 3. The fee is 15,000 yen."
    assert translation_problems(source=source, english=english) == []


def test_reply_that_is_not_the_json_asked_for_is_refused(llm: FakeLlm, fee_faq: Faq) -> None:
    llm.script(Behaviour(text=FAITHFUL["answer"], kind="translation"))
    response = _ask(fee_faq)
    assert response["answer_lang"] == "ja"
    assert MachineTranslation.objects.get(faq=fee_faq).status == TranslationStatus.REFUSED


def test_without_an_llm_nothing_is_translated(fee_faq: Faq, settings: SettingsWrapper) -> None:
    settings.LLM_BASE_URL = ""
    client.reset()
    response = _ask(fee_faq)
    assert response["answer"] == fee_faq.answer
    assert response["answer_lang"] == "ja"
    assert "translation" not in response
    assert not MachineTranslation.objects.exists()


def test_an_unreachable_llm_leaves_no_record_and_is_asked_again_later(llm: FakeLlm, fee_faq: Faq) -> None:
    llm.script(Behaviour(status=500, kind="translation"), Behaviour(status=500, kind="translation"))
    response = _ask(fee_faq)
    assert response["answer_lang"] == "ja"
    assert not MachineTranslation.objects.exists()
    llm.script(_reply(FAITHFUL))
    assert _ask(fee_faq)["translation"] == "machine"


def test_staff_approve_a_translation_into_the_faq(llm: FakeLlm, fee_faq: Faq) -> None:
    llm.script(_reply(FAITHFUL))
    _ask(fee_faq)
    translation = MachineTranslation.objects.get(faq=fee_faq)
    editor = User.objects.create_superuser("reviewer", "r@example.jp", "pw-reviewer-123")
    versions = fee_faq.history.count()
    machine_translation_approve(translation=translation, user=editor)
    faq = Faq.objects.get(pk=fee_faq.pk)
    assert (faq.question_en, faq.answer_en) == (FAITHFUL["question"], FAITHFUL["answer"])
    assert faq.history.count() == versions + 1
    translation.refresh_from_db()
    assert translation.status == TranslationStatus.APPROVED
    assert translation.reviewed_by == editor
    # Now the FAQ has English of its own: the reply is made from it (the fake model repeats its first sentence).
    response = _ask(faq)
    assert "translation" not in response
    assert response["answer_lang"] == "en"
    assert FAITHFUL["answer"].startswith(response["answer"])
    assert json.loads(llm.requests[-1]["messages"][-1]["content"])["snippets"][0]["text"].startswith("The fee")


def test_approval_never_overwrites_a_changed_faq(llm: FakeLlm, fee_faq: Faq) -> None:
    llm.script(_reply(FAITHFUL))
    _ask(fee_faq)
    translation = MachineTranslation.objects.get(faq=fee_faq)
    fee_faq.answer = fee_faq.answer.replace("300円", "350円")
    fee_faq.save()
    editor = User.objects.create_superuser("reviewer2", "r2@example.jp", "pw-reviewer-123")
    with pytest.raises(TranslationNotApproved):
        machine_translation_approve(translation=translation, user=editor)
    assert Faq.objects.get(pk=fee_faq.pk).answer_en == ""


def test_staff_approve_from_admin(llm: FakeLlm, fee_faq: Faq, client) -> None:
    llm.script(_reply(FAITHFUL))
    _ask(fee_faq)
    translation = MachineTranslation.objects.get(faq=fee_faq)
    client.force_login(User.objects.create_superuser("reviewer3", "r3@example.jp", "pw-reviewer-123"))
    page = client.get(f"/admin/chatbot/machinetranslation/{translation.pk}/change/")
    assert page.status_code == 200
    assert FAITHFUL["answer"] in page.content.decode()
    done = client.post(
        "/admin/chatbot/machinetranslation/",
        {"action": "approve", "_selected_action": [translation.pk]},
        follow=True,
    )
    assert done.status_code == 200
    assert Faq.objects.get(pk=fee_faq.pk).answer_en == FAITHFUL["answer"]


def test_the_fake_server_tells_translation_requests_apart() -> None:
    from chatbot.llm.fake import TRANSLATION_MARK
    from chatbot.llm.translate import INSTRUCTIONS

    assert INSTRUCTIONS.startswith(TRANSLATION_MARK)
