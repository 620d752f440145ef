"""The site's own address follows the HOST and PORT `make setup` and `make run` are given: the admin address the
demo staff set-up prints, and the links in the e-mails the task cluster sends."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from changeflow.notifications import send_change_notice, send_review_reminder
from faq.models import Department, Faq
from faq.selectors import today_local
from tests.changeflow.conftest import MakeChange, client_for

BIN = str(Path(sys.executable).parent)
URL = re.compile(r"https?://\S+")


def recipe_commands(target: str, **variables: str) -> list[tuple[str, dict[str, str]]]:
    """The `manage.py` commands of a Makefile target's recipe, in order, each with the variables the recipe sets
    for it, as make expands them with `make TARGET HOST=... PORT=...`."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None, target
    text = recipe[1].replace("\\\n", " ")
    for name, value in {"BIN": BIN, **variables}.items():
        text = text.replace(f"$({name})", value)
    text = text.replace("$$", "$")
    commands = []
    for line in text.splitlines():  # one shell each
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token not in {";", "&", "&&", "||", "|"}:
                words.append(token)
                continue
            if "manage.py" in words:
                assignments = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
                commands.append((words[words.index("manage.py") + 1], assignments))
            words = []
    return commands


def base_env(tmp_path: Path) -> dict[str, str]:
    """This environment without a configured address, on a fresh SQLite database."""
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "chatbot.project.settings"}
    for name in ("DATABASE_URL", "REDIS_URL", "CHROMA_HOST", "TEST_ON_SERVICES", "SITE_URL", "SITE_HOST", "SITE_PORT"):
        env.pop(name, None)
    return env


def site_url_in(env: dict[str, str]) -> str:
    """settings.SITE_URL as a process started with this environment sees it."""
    code = "from django.conf import settings; print(settings.SITE_URL)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def run_recipe_env(tmp_path: Path, command: str, **variables: str) -> dict[str, str]:
    """The environment `make run HOST=... PORT=...` starts a manage.py command with."""
    found = [assignments for name, assignments in recipe_commands("run", **variables) if name == command]
    assert len(found) == 1, recipe_commands("run", **variables)
    return base_env(tmp_path) | found[0]


@pytest.mark.embedded_only
def test_make_setup_prints_the_admin_address_on_the_port_it_is_given(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    commands = recipe_commands("setup", HOST="127.0.0.1", PORT="8123")
    [(name, assignments)] = [command for command in commands if command[0] == "setup_demo_staff"]

    printed = subprocess.run(
        [sys.executable, "manage.py", name],
        cwd=settings.BASE_DIR,
        env=env | assignments,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    assert "管理画面 / Admin: http://127.0.0.1:8123/admin/" in printed, printed
    assert ":8000" not in printed


@pytest.mark.embedded_only
def test_make_run_gives_the_server_and_the_task_cluster_its_host_and_port(tmp_path: Path) -> None:
    for command in ("runserver", "qcluster"):
        assert site_url_in(run_recipe_env(tmp_path, command, HOST="127.0.0.1", PORT="8123")) == "http://127.0.0.1:8123"
        # A server listening on every interface is linked through this machine's own address.
        assert site_url_in(run_recipe_env(tmp_path, command, HOST="0.0.0.0", PORT="8100")) == "http://127.0.0.1:8100"
    # Without make, the default port of `manage.py runserver`.
    assert site_url_in(base_env(tmp_path)) == "http://127.0.0.1:8000"


@pytest.mark.embedded_only
def test_site_url_set_in_the_environment_wins_over_host_and_port(tmp_path: Path) -> None:
    env = run_recipe_env(tmp_path, "qcluster", HOST="127.0.0.1", PORT="8123")

    assert site_url_in(env | {"SITE_URL": "https://faq.town.example.jp"}) == "https://faq.town.example.jp"


@pytest.mark.embedded_only
@pytest.mark.django_db
def test_notice_links_point_at_the_port_make_run_started_the_site_on(
    tmp_path: Path,
    settings: SettingsWrapper,
    make_change: MakeChange,
    editor: User,
    reviewer: User,
    kankyo: Department,
    fee_faq: Faq,
) -> None:
    settings.SITE_URL = site_url_in(run_recipe_env(tmp_path, "qcluster", HOST="127.0.0.1", PORT="8123"))
    change = make_change()
    Faq.objects.filter(pk=fee_faq.pk).update(review_by=today_local())
    fee_faq.refresh_from_db()

    assert send_change_notice(change.pk, "submitted") == 1
    assert send_review_reminder(kankyo, [fee_faq]) == 1

    notice, reminder = mail.outbox
    assert set(URL.findall(str(notice.body))) == {f"http://127.0.0.1:8123/changes/{change.pk}/"}
    assert URL.findall(str(reminder.body)) == ["http://127.0.0.1:8123/changes/reviews/"]
    # The links open the pages they name.
    page = client_for(reviewer).get(f"/changes/{change.pk}/")
    assert page.status_code == 200
    assert change.title in page.content.decode()
    page = client_for(editor).get(reverse("changeflow:reviews"))
    assert page.status_code == 200
    assert fee_faq.question in page.content.decode()
