"""An installation configured before the project package moved keeps working: its service files name
`chatbot.settings` and `chatbot.wsgi:application`, and its scripts ask through `chatbot.services.turn_ask`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "CHROMA_HOST")}
    env |= {"DJANGO_SETTINGS_MODULE": "chatbot.settings", "DATA_DIR": str(tmp_path), "DJANGO_DEBUG": "true"}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.embedded_only
def test_the_old_settings_wsgi_and_service_names_answer_a_question(tmp_path: Path) -> None:
    done = run(
        "import json\n"
        "from chatbot.wsgi import application\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.conf import settings\n"
        "from chatbot.services import turn_ask\n"
        "response = turn_ask(question='住民票の写しがほしい', log=False)\n"
        "print(json.dumps({'urls': settings.ROOT_URLCONF, 'app': type(application).__name__,"
        " 'outcome': response['outcome'], 'answer': response['answer']}))\n",
        tmp_path,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["urls"] == "chatbot.project.urls"
    assert seen["app"] == "WSGIHandler"
    # An empty town: nothing to answer from, an honest handoff in Japanese.
    assert seen["outcome"] == "handoff"
    assert "お問い合わせください" in seen["answer"]
