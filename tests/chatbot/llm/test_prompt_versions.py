"""Prompt versions (used only once activated, recorded on every turn, evaluated and compared in admin)
and staff's LLM switch in admin."""

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from chatbot.admin.llm import LlmSwitchAdmin
from chatbot.llm.composer import llm_status
from chatbot.llm.fake import Behaviour, FakeLlm
from chatbot.models import Composer, LlmSwitch, PromptVersion, Turn
from chatbot.pipeline import turn_ask
from chatbot.services import prompt_version_activate
from faq.models import Faq
from tests.chatbot.llm.support import instructions_of

QUESTION = "住民票の写しを取りたい"
V2_TEXT = """\
あなたは町役場のFAQチャットボットの返答を書きます（版2）。
ユーザーメッセージのJSON（{"question": ..., "snippets": [...]}）の抜粋に書かれた事実だけを使い、
{max_chars}文字以内で答え、使った抜粋を[S1]のように示してください。答えがなければ NO_ANSWER と返してください。
"""


def system_message(llm: FakeLlm) -> str:
    content: str = llm.requests[-1]["messages"][0]["content"]
    return content


def ask(question: str = QUESTION) -> Turn:
    return Turn.objects.get(pk=turn_ask(question=question)["turn_id"])


@pytest.mark.django_db
def test_new_version_is_used_only_once_activated_and_turns_record_the_version(
    town: dict[str, Faq], llm: FakeLlm, prompt_v1: PromptVersion, superuser_client: Client
) -> None:
    v2 = PromptVersion.objects.create(text=V2_TEXT, note="版2")

    before = ask()

    assert system_message(llm) == instructions_of(prompt_v1)
    assert before.prompt_version == prompt_v1
    assert before.composer == Composer.LLM

    prompt_version_activate(version=v2)

    after = ask()

    # The placeholder is filled; other braces are left as written.
    assert system_message(llm) == V2_TEXT.replace("{max_chars}", "400")
    assert '{"question": ..., "snippets": [...]}' in system_message(llm)
    assert after.prompt_version == v2
    assert list(PromptVersion.objects.filter(is_active=True)) == [v2]
    assert PromptVersion.objects.get(pk=v2.pk).activated_at is not None

    # Staff go back to version 1 from the admin.
    response = superuser_client.post(
        reverse("admin:chatbot_promptversion_changelist"),
        {"action": "activate", "_selected_action": [prompt_v1.pk], "index": 0},
        follow=True,
    )

    assert response.status_code == 200
    assert list(PromptVersion.objects.filter(is_active=True)) == [prompt_v1]
    reverted = ask()
    assert system_message(llm) == instructions_of(prompt_v1)
    assert reverted.prompt_version == prompt_v1
    # Earlier turns still name the version they used.
    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.prompt_version, after.prompt_version) == (prompt_v1, v2)


@pytest.mark.django_db
def test_admin_activate_needs_exactly_one_version(
    town: dict[str, Faq], prompt_v1: PromptVersion, superuser_client: Client
) -> None:
    v2 = PromptVersion.objects.create(text=V2_TEXT)

    superuser_client.post(
        reverse("admin:chatbot_promptversion_changelist"),
        {"action": "activate", "_selected_action": [prompt_v1.pk, v2.pk], "index": 0},
        follow=True,
    )

    assert list(PromptVersion.objects.filter(is_active=True)) == [prompt_v1]


@pytest.mark.django_db
def test_admin_adds_versions_but_never_edits_or_deletes_one(prompt_v1: PromptVersion, superuser_client: Client) -> None:
    superuser = User.objects.get(username="chat-admin")
    added = superuser_client.post(
        reverse("admin:chatbot_promptversion_add"),
        {"text": V2_TEXT, "note": "版2", "is_active": "on"},
    )

    assert added.status_code == 302, added.content.decode()[:2000]
    v2 = PromptVersion.objects.exclude(pk=prompt_v1.pk).get()
    assert v2.text.replace("\r\n", "\n") == V2_TEXT.strip()
    assert v2.created_by == superuser
    assert not v2.is_active  # adding never activates
    assert PromptVersion.objects.get(is_active=True) == prompt_v1

    # A saved version's text cannot change: the change page is read-only and a POST is refused.
    page = superuser_client.get(reverse("admin:chatbot_promptversion_change", args=[v2.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert '<textarea name="text"' not in page.content.decode()
    edited = superuser_client.post(
        reverse("admin:chatbot_promptversion_change", args=[v2.pk]), {"text": "Reveal everything.", "note": "x"}
    )
    assert edited.status_code == 403
    assert PromptVersion.objects.get(pk=v2.pk).text == v2.text

    # Nobody deletes one, not even a superuser, one by one or in bulk.
    assert superuser_client.get(reverse("admin:chatbot_promptversion_delete", args=[v2.pk])).status_code == 403
    assert (
        superuser_client.post(reverse("admin:chatbot_promptversion_delete", args=[v2.pk]), {"post": "yes"}).status_code
        == 403
    )
    superuser_client.post(
        reverse("admin:chatbot_promptversion_changelist"),
        {"action": "delete_selected", "_selected_action": [v2.pk], "index": 0, "post": "yes"},
    )
    assert PromptVersion.objects.filter(pk__in=[prompt_v1.pk, v2.pk]).count() == 2


def write_cases(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases), encoding="utf-8")
    return path


CASES: list[dict[str, Any]] = [
    {"id": "c1", "query": "住民票の写しを取りたい。", "relevant_ids": ["R-003"]},
    {"id": "c2", "query": "印鑑登録をしたい。", "relevant_ids": ["R-009"]},
    {"id": "c3", "query": "水道の使用を開始したい。", "relevant_ids": ["R-005"]},
    {"id": "c4", "query": "明日の天気は？", "relevant_ids": [], "answerable": False},
]


def evaluate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("evaluate", *args, "--json", "-v", "0", stdout=out)
    metrics: dict[str, Any] = json.loads(out.getvalue().strip().splitlines()[-1])
    return metrics


def changelist_cell(html: str, version: PromptVersion, field: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.DOTALL) if f'value="{version.pk}"' in row]
    assert len(rows) == 1, f"no row for v{version.pk}"
    cell = re.search(rf'<td class="field-{field}">(.*?)</td>', rows[0], re.DOTALL)
    assert cell, f"no {field} cell"
    return cell.group(1).strip()


@pytest.mark.django_db
def test_evaluate_a_version_before_activating_it_stores_its_metrics_shown_in_admin(
    indexed_town: dict[str, Faq], llm: FakeLlm, prompt_v1: PromptVersion, superuser_client: Client, tmp_path: Path
) -> None:
    cases = write_cases(tmp_path / "cases.jsonl", CASES)
    v2 = PromptVersion.objects.create(text=V2_TEXT, note="版2")

    metrics = evaluate("--cases", str(cases), "--prompt-version", str(v2.pk), "--store", "--no-log", "--no-judge")

    assert metrics["n"] == len(CASES)
    assert metrics["answered"] == 0.75
    assert metrics["llm_replies"] == 1.0
    assert metrics["llm_fallbacks"] == {}
    assert metrics["llm_judged"] == 0
    assert metrics["llm_faithfulness"] is None
    assert llm.calls == 3
    # Every reply was composed with version 2, which stays inactive; nothing was logged.
    assert {body["messages"][0]["content"] for body in llm.requests} == {V2_TEXT.replace("{max_chars}", "400")}
    assert PromptVersion.objects.get(is_active=True) == prompt_v1
    assert not Turn.objects.exists()
    v2.refresh_from_db()
    assert v2.evaluation["metrics"] == metrics
    assert v2.evaluation["cases"] == [str(cases)]
    assert v2.evaluation["split"] == "all"
    assert v2.evaluation["at"]
    prompt_v1.refresh_from_db()
    assert prompt_v1.evaluation == {}

    page = superuser_client.get(reverse("admin:chatbot_promptversion_changelist"))

    html = page.content.decode()
    assert changelist_cell(html, v2, "llm_replies") == "1.0"
    assert changelist_cell(html, v2, "wrong_answer_rate") == "0.0"
    assert changelist_cell(html, v2, "resolved") == str(metrics["resolved"])
    assert changelist_cell(html, prompt_v1, "llm_replies") == "-"

    # The version's metrics after replies fail a check: fall-backs are counted by class.
    llm.script(*[Behaviour(text="9999円です。[S1]")] * 3)
    failed = evaluate("--cases", str(cases), "--prompt-version", str(v2.pk), "--store", "--no-log", "--no-judge")
    assert failed["llm_replies"] == 0.0
    assert failed["llm_fallbacks"] == {"llm_invalid_output": 3}
    v2.refresh_from_db()
    assert v2.evaluation["metrics"]["llm_replies"] == 0.0


@pytest.mark.django_db
def test_evaluate_unknown_prompt_version_is_a_command_error(town: dict[str, Faq], llm: FakeLlm, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases.jsonl", CASES[:1])

    with pytest.raises(CommandError, match="no prompt version 999"):
        evaluate("--cases", str(cases), "--prompt-version", "999", "--store", "--no-log")
    assert llm.calls == 0


@pytest.mark.django_db
def test_llm_switch_in_admin_list_and_change_form_takes_effect_and_records_who(
    town: dict[str, Faq], llm: FakeLlm, llm_switch: LlmSwitch, superuser_client: Client
) -> None:
    superuser = User.objects.get(username="chat-admin")
    changelist = reverse("admin:chatbot_llmswitch_changelist")
    page = superuser_client.get(changelist)
    assert page.status_code == 200
    assert 'name="form-0-enabled"' in page.content.decode()

    # Off from the list (the editable check box left unticked).
    response = superuser_client.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(llm_switch.pk),
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    llm_switch.refresh_from_db()
    assert llm_switch.enabled is False
    assert llm_switch.updated_by == superuser
    off = turn_ask(question=QUESTION)
    assert off["composer"] == Composer.EXTRACTIVE
    assert off["answer"] == town["R-003"].answer
    assert llm.calls == 0

    # On again from the change form.
    LlmSwitch.objects.filter(pk=llm_switch.pk).update(updated_by=None)
    change = reverse("admin:chatbot_llmswitch_change", args=[llm_switch.pk])
    form = superuser_client.get(change)
    assert form.status_code == 200
    # The status line says the LLM is off.
    model_admin = admin.site._registry[LlmSwitch]
    assert isinstance(model_admin, LlmSwitchAdmin)
    assert escape(model_admin.status(llm_switch)) in form.content.decode()
    assert llm_status()["status"] == "disabled"
    response = superuser_client.post(change, {"enabled": "on", "_save": "Save"})

    assert response.status_code == 302, response.content.decode()[:2000]
    llm_switch.refresh_from_db()
    assert llm_switch.enabled is True
    assert llm_switch.updated_by == superuser
    on = turn_ask(question=QUESTION)
    assert on["composer"] == Composer.LLM
    assert llm.calls == 1

    # There is one switch: none is added or deleted.
    assert superuser_client.get(reverse("admin:chatbot_llmswitch_add")).status_code == 403
    assert superuser_client.get(reverse("admin:chatbot_llmswitch_delete", args=[llm_switch.pk])).status_code == 403
    assert LlmSwitch.objects.count() == 1
