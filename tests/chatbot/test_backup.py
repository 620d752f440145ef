"""Restore drill on the embedded database: back up, change things, restore, and the service answers as before.

(The same drill on PostgreSQL, with pg_dump and pg_restore, is in tests/scaleout.)
"""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chatbot.backup import backup_engine
from chatbot.models import Turn
from chatbot.pipeline import turn_ask
from faq.models import Faq, FaqStatus
from faq.retrieval import vectorstore
from faq.retrieval.index import index_rebuild, search
from faq.services import faq_save

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded_only]

SOFA = "粗大ごみの収集を申し込みたい"


def _top(query: str) -> str | None:
    result = search(query)
    return Faq.objects.get(pk=result.candidates[0].faq_id).external_id if result.candidates else None


def _state() -> dict[str, object]:
    return {
        "faqs": sorted(Faq.objects.values_list("external_id", "status", "question")),
        "turns": Turn.objects.count(),
    }


def test_restore_brings_back_the_backed_up_database_and_rebuilds_the_index(town, tmp_path: Path) -> None:
    index_rebuild()
    turn_ask(question=SOFA, channel="api")
    assert _top(SOFA) == "R-001"
    before = _state()
    file = tmp_path / "backups" / "town.sqlite3"

    out = StringIO()
    call_command("backup", "--out", str(file), stdout=out)
    assert backup_engine(file) == "sqlite"
    assert str(file) in out.getvalue()

    # After the backup: an FAQ is withdrawn, a new one published, residents ask questions.
    sofa = Faq.objects.get(external_id="R-001")
    sofa.status = FaqStatus.WITHDRAWN
    faq_save(faq=sofa, reason="test")
    Faq.objects.create(
        external_id="R-NEW", department=sofa.department, question="新しいFAQ", answer="回答", status="published"
    )
    turn_ask(question="住民票の写しがほしい", channel="api")
    assert _state() != before

    out = StringIO()
    call_command("restore", str(file), "--yes", stdout=out)

    assert _state() == before
    assert "R-NEW" not in set(Faq.objects.values_list("external_id", flat=True))
    # The index was rebuilt from the restored database: the withdrawn FAQ answers again.
    assert _top(SOFA) == "R-001"
    names = [getattr(item, "name", item) for item in vectorstore.client().list_collections()]
    assert names
    assert all(str(name).startswith("faq-g") for name in names)
    assert "rebuild" in out.getvalue()


def test_restore_refuses_without_confirmation_and_bad_files_change_nothing(town, tmp_path: Path) -> None:
    file = tmp_path / "town.sqlite3"
    call_command("backup", "--out", str(file), stdout=StringIO())
    Faq.objects.filter(external_id="R-002").delete()
    after_change = _state()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(file))
    assert _state() == after_change

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("これはバックアップではありません", encoding="utf-8")
    with pytest.raises(CommandError, match="neither a SQLite database nor a pg_dump"):
        call_command("restore", str(not_a_backup), "--yes")

    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(file.read_bytes())
    data[len(data) // 2 :] = b"\xff" * (len(data) - len(data) // 2)
    damaged.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="Restore failed"):
        call_command("restore", str(damaged), "--yes")

    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.sqlite3"), "--yes")
    assert _state() == after_change


def test_backup_to_an_unwritable_place_is_a_clear_error(town, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="Backup failed"):
        call_command("backup", "--out", str(blocker / "inside" / "town.sqlite3"))
