"""Deployment checks: Django's own deployment checklist under production settings, and security headers everywhere."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from faq.models import Faq
from tests.factories import DepartmentFactory, FaqFactory

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_HTTPS": "true",
    "DJANGO_ALLOWED_HOSTS": "chat.town.example",
    "DJANGO_SETTINGS_MODULE": "chatbot.project.settings",
}


def manage(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    return base | PRODUCTION_ENV | {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DATA_DIR": str(tmp_path)}


def test_check_deploy_is_clean_at_warning_level_under_production_settings(tmp_path: Path) -> None:
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout + done.stderr


def test_check_deploy_fails_when_https_is_not_declared(tmp_path: Path) -> None:
    """The check can fail: without DJANGO_HTTPS the cookies are not secure and it says so."""
    env = production_env(tmp_path) | {"DJANGO_HTTPS": "false"}

    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert done.returncode != 0
    assert "SESSION_COOKIE_SECURE" in done.stdout + done.stderr


@pytest.fixture
def faq(db: None) -> Faq:
    department = DepartmentFactory.create(code="KANKYO", name="環境課", phone="0000-11-1301")
    return FaqFactory.create(department=department, question="粗大ごみを出したい。", answer="申込制です。")


def responses(client: Client, faq: Faq) -> dict[str, object]:
    return {
        "home": client.get("/"),
        "faq page": client.get(f"/faq/{faq.pk}/"),
        "missing page": client.get("/no-such-page/"),
        "chat api": client.post("/api/v1/chat", {"question": "粗大ごみを出したい"}, content_type="application/json"),
        "chat api error": client.post("/api/v1/chat", "not json", content_type="application/json"),
        "api schema": client.get("/api/v1/schema"),
        "healthz": client.get("/healthz"),
        "readyz": client.get("/readyz"),
        "admin login": client.get("/admin/login/"),
        "admin redirect": client.get("/admin/"),
        "changes redirect": client.get("/changes/"),
    }


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client: Client, faq: Faq) -> None:
    missing = {}
    for name, response in responses(client, faq).items():
        headers = response.headers  # type: ignore[attr-defined]
        expected = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        wrong = {key: headers.get(key) for key, value in expected.items() if headers.get(key) != value}
        policy = headers.get("Content-Security-Policy", "")
        if "default-src" not in policy or "'unsafe-inline'" in policy:
            wrong["Content-Security-Policy"] = policy
        if wrong:
            missing[name] = wrong
    assert missing == {}


@pytest.mark.django_db
def test_https_responses_carry_hsts_and_secure_cookies(client: Client, faq: Faq, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True

    page = client.get("/admin/login/", secure=True)

    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.cookies["csrftoken"]["secure"] is True
    assert page.cookies["csrftoken"]["samesite"] == "Lax"
