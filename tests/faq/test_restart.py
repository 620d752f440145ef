"""`make run` a second time keeps everything staff did: its set-up commands are run twice, as the Makefile lists
them, with staff work in between."""

import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from changeflow import services as changes
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind, ChangeStatus
from faq.models import Department, Faq
from faq.selectors import today_local
from faq.services import faq_save

pytestmark = pytest.mark.django_db(transaction=True)


def setup_commands() -> list[list[str]]:
    """The `manage.py` commands of the Makefile's `setup` target, in order."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^setup:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    joined = recipe[1].replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line)
        if "manage.py" in words:
            commands.append(words[words.index("manage.py") + 1 :])
    assert len(commands) >= 5, commands
    return commands


def run_setup() -> str:
    out = StringIO()
    with translation.override("en"):
        for name, *args in setup_commands():
            call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


def test_setup_twice_keeps_staff_edits_changes_and_contacts(isolated_index, settings):
    settings.ADMINS = []
    first = run_setup()
    assert "165 new FAQ(s)" in first

    # Staff work between the two runs: an admin edit, an added alternate question, a department's new phone
    # number and a fee change published through a change request.
    bulky = Faq.objects.get(external_id="B-007")
    bulky.answer = bulky.answer + "\n年末年始（12月29日〜1月3日）は受付を休止します。"
    faq_save(faq=bulky, reason="管理画面で編集")
    burnable = Faq.objects.get(external_id="B-001")
    burnable.alternate_questions = [*burnable.alternate_questions, "生ごみは何曜日に出せますか"]
    faq_save(faq=burnable, reason="分析画面から追加")
    kankyo = Department.objects.get(code="KANKYO")
    kankyo.phone = "0000-11-9999"
    kankyo.save()
    fee = Faq.objects.get(external_id="B-008")
    users = get_user_model().objects
    editor, reviewer = users.get(username="kankyo_editor"), users.get(username="faq_staff")
    new_answer = fee.answer.replace("1枚500円", "1枚600円")
    assert new_answer != fee.answer
    change = changes.change_create(
        user=editor,
        kind=ChangeKind.FEE,
        department=fee.department,
        title="粗大ごみ処理券の改定",
        old_value="1枚500円",
        new_value="1枚600円",
        reason="手数料条例の改正",
        effective_date=today_local(),
        items=[ItemDraft(fee, fee.question, new_answer)],
        submit=True,
    )
    changes.change_approve(change=change, user=reviewer)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED
    versions = Faq.history.count()

    second = run_setup()

    assert "0 new FAQ(s); 165 FAQ(s) and 14 department(s) already there were left as they are" in second
    assert "年末年始（12月29日〜1月3日）は受付を休止します。" in Faq.objects.get(external_id="B-007").answer
    assert "生ごみは何曜日に出せますか" in Faq.objects.get(external_id="B-001").alternate_questions
    assert Department.objects.get(code="KANKYO").phone == "0000-11-9999"
    assert "1枚600円" in Faq.objects.get(external_id="B-008").answer
    assert Faq.history.count() == versions
