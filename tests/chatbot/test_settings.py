"""Configuration is environment variables only: switching engines needs no code change."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST', ''), "
    "'data_dir': str(settings.DATA_DIR), 'debug': settings.DEBUG, 'q': sorted(settings.Q_CLUSTER)}))"
)


def _settings_with(tmp_path: Path, **env: str) -> dict:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY"}
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "chatbot.project.settings", "DATA_DIR": str(tmp_path / "data"), **env}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_default_is_sqlite_in_data_dir(tmp_path):
    probed = _settings_with(tmp_path)
    assert probed["engine"] == "django.db.backends.sqlite3"
    assert probed["name"] == str(tmp_path / "data" / "db.sqlite3")
    assert probed["debug"] is False
    assert "orm" in probed["q"]
    assert (tmp_path / "data" / "secret_key").is_file()


def test_settings_database_url_switches_to_postgresql(tmp_path):
    probed = _settings_with(tmp_path, DATABASE_URL="postgres://faq:secret@db.internal:5432/townfaq")
    assert probed["engine"] == "django.db.backends.postgresql"
    assert probed["name"] == "townfaq"
    assert probed["host"] == "db.internal"


def test_settings_redis_url_switches_the_task_broker(tmp_path):
    probed = _settings_with(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0", DJANGO_DEBUG="true")
    assert "redis" in probed["q"]
    assert "orm" not in probed["q"]
    assert probed["debug"] is True


def test_settings_secret_key_is_kept_between_starts(tmp_path):
    _settings_with(tmp_path)
    first = (tmp_path / "data" / "secret_key").read_text()
    _settings_with(tmp_path)
    assert (tmp_path / "data" / "secret_key").read_text() == first
    assert len(first) >= 50
